import CEdgeRun

/// Runs a validated int8 graph one image at a time, as the host's `IntegerNetwork.runOne`
/// (Sources/EdgeQuant/IntegerNetwork.swift) does, through the same C kernel entry points
/// with the same parameters, so the logits are the host's bit for bit. Everything is
/// planned once per model — packed convolutions, every other op's kernel arguments, the
/// input table, one buffer per node, one scratch area — and `run` allocates nothing.
final class Engine {
    /// One node's kernel call with its arguments resolved at plan time.
    enum Step {
        /// uint8 → int8 through the per-channel table (`Engine.inputTable`).
        case input
        /// A packed convolution, depthwise convolution or dense layer.
        case conv(OpaquePointer)
        /// The trainer's square, unpadded pools: ea_qs8_maxpool / ea_qs8_avgpool.
        case squarePool(max: Bool, SquarePool)
        /// Global average pool over an [h, w, c] input.
        case gap(h: Int32, w: Int32, c: Int32)
        /// TFLite pooling with clipped windows: ea_qs8_maxpool2 / ea_qs8_avgpool2.
        case pool(max: Bool, ea_pool_shape)
        /// TFLite MEAN over H and W.
        case mean(Mean)
        /// Spatial zero-point padding.
        case pad(Pad)
        /// Flatten: a copy of `count` bytes.
        case copy(count: Int)
        /// ReLU on its own: max(x, zp).
        case relu(count: Int, zp: Int32)
        /// Residual add.
        case add(ea_add_params, count: Int)
    }

    /// Arguments of ea_qs8_maxpool / ea_qs8_avgpool.
    struct SquarePool { var h, w, c, k, s, oh, ow: Int32 }
    /// Arguments of ea_qs8_mean_ref.
    struct Mean { var h, w, c, inZp, mult, shift, outZp: Int32 }
    /// Arguments of ea_qs8_pad_ref.
    struct Pad { var h, w, c, top, bottom, left, right: Int32; var value: Int8 }

    /// The graph (validated by the host's `QuantizedGraph.validate`).
    let graph: QuantizedGraph
    /// The kernel path in use (EA_ISA_*).
    let isa: Int32
    /// Elements of each node's per-image output.
    private let sizes: [Int]
    /// What each node runs.
    private let steps: [Step]
    /// Each node's first and second input (its own index when it has none).
    private let in0: [Int], in1: [Int]
    /// One output buffer per node.
    private let buffers: [UnsafeMutablePointer<Int8>]
    private let scratch: UnsafeMutableRawPointer
    /// The input node's pixel → int8 table, [C][256].
    private let table: UnsafeMutablePointer<Int8>
    /// Input channels (HWC innermost).
    private let channels: Int

    /// Bytes of one input image (H·W·C).
    var imageBytes: Int { sizes[0] }
    /// Logits per image.
    var classes: Int { sizes[sizes.count - 1] }

    /// Plans every layer for `isa`. An op this runner has no kernel for is refused (exit 65,
    /// naming it); a plan that cannot be made — for a validated graph, out of memory — is
    /// an internal error (exit 70), as on the host.
    init(_ graph: QuantizedGraph, isa: Int32, path: String) throws(EdgeError) {
        self.graph = graph
        self.isa = isa
        var sizes: [Int] = []
        for n in graph.nodes { sizes.append(QuantizedGraph.size(n.shape)) }
        self.sizes = sizes
        let first = graph.nodes[0]
        let channels = first.shape.count == 3 ? first.shape[2] : 1
        let table = UnsafeMutablePointer<Int8>.allocate(capacity: 256 * channels)
        Self.fillInputTable(first, channels: channels, table)
        var scratchSize = 64
        var plans: [OpaquePointer] = []
        var steps: [Step] = [], in0: [Int] = [], in1: [Int] = []
        // On a refusal below, what was planned so far is released here (deinit does not run).
        var planned = false
        defer { if !planned { for p in plans { ea_conv_plan_destroy(p) }; table.deallocate() } }
        for (i, n) in graph.nodes.enumerated() {
            in0.append(n.inputs.count > 0 ? n.inputs[0] : i)
            in1.append(n.inputs.count > 1 ? n.inputs[1] : i)
            let si = n.inputs.isEmpty ? n.shape : graph.nodes[n.inputs[0]].shape
            /// [h, w, c] of an image input, refused if a validated graph ever gave another rank.
            func image() throws(EdgeError) -> (Int32, Int32, Int32) {
                guard si.count == 3 else { throw Self.unsupported(path, n, i, "input rank \(si.count)") }
                return (Int32(si[0]), Int32(si[1]), Int32(si[2]))
            }
            switch n.op {
            case .input, .quantizedInput:
                guard i == 0, n.shape.count == 3 else { throw Self.unsupported(path, n, i, "an input that is not node 0's [H, W, C]") }
                steps.append(.input)
            case .conv(let c):
                var s = Self.convShape(c, input: graph.nodes[n.inputs[0]], output: n)
                let plan = c.weights.withUnsafeBufferPointer { w in
                    c.realScale.withUnsafeBufferPointer { rs in
                        ea_conv_plan_create(&s, w.baseAddress, c.bias, c.multiplier, c.shift, rs.baseAddress, isa)
                    }
                }
                guard let plan else { throw EdgeError.internalError("cannot prepare int8 layer \(n.name) (out of memory or unvalidated graph)") }
                plans.append(plan)
                scratchSize = max(scratchSize, ea_conv_plan_scratch_size(plan))
                steps.append(.conv(plan))
            case let .maxPool(k, s), let .avgPool(k, s):
                let (h, w, ch) = try image()
                var isMax = false
                if case .maxPool = n.op { isMax = true }
                steps.append(.squarePool(max: isMax, SquarePool(h: h, w: w, c: ch, k: Int32(k), s: Int32(s),
                                                                oh: Int32(n.shape[0]), ow: Int32(n.shape[1]))))
            case .globalAvgPool:
                let (h, w, ch) = try image()
                steps.append(.gap(h: h, w: w, c: ch))
            case .pool(let p):
                let (h, w, ch) = try image()
                // IntegerNetwork.runPool: square, unpadded, unclamped windows take the trainer's
                // pools (identical there, since no window is clipped); anything else the
                // clipped-window kernels.
                let plain = p.kernelH == p.kernelW && p.strideH == p.strideW && p.padTop + p.padBottom + p.padLeft + p.padRight == 0
                    && p.actMin == -128 && p.actMax == 127
                if plain {
                    steps.append(.squarePool(max: p.kind == .max, SquarePool(h: h, w: w, c: ch, k: Int32(p.kernelH), s: Int32(p.strideH),
                                                                             oh: Int32(n.shape[0]), ow: Int32(n.shape[1]))))
                } else {
                    let s = ea_pool_shape(in_h: h, in_w: w, c: ch, out_h: Int32(n.shape[0]), out_w: Int32(n.shape[1]),
                                          kernel_h: Int32(p.kernelH), kernel_w: Int32(p.kernelW), stride_h: Int32(p.strideH), stride_w: Int32(p.strideW),
                                          pad_top: Int32(p.padTop), pad_left: Int32(p.padLeft), act_min: p.actMin, act_max: p.actMax)
                    steps.append(.pool(max: p.kind == .max, s))
                }
            case .mean(let m):
                let (h, w, ch) = try image()
                steps.append(.mean(Mean(h: h, w: w, c: ch, inZp: graph.nodes[n.inputs[0]].quant.zeroPoint, mult: m.multiplier,
                                        shift: m.shift, outZp: n.quant.zeroPoint)))
            case .pad(let p):
                let (h, w, ch) = try image()
                steps.append(.pad(Pad(h: h, w: w, c: ch, top: Int32(p.top), bottom: Int32(p.bottom), left: Int32(p.left),
                                      right: Int32(p.right), value: Int8(truncatingIfNeeded: n.quant.zeroPoint))))
            case .flatten:
                steps.append(.copy(count: sizes[i]))
            case .relu:
                steps.append(.relu(count: sizes[i], zp: n.quant.zeroPoint))
            case .add(let a):
                guard n.inputs.count == 2 else { throw Self.unsupported(path, n, i, "an add without two inputs") }
                let p = ea_add_params(a_zp: graph.nodes[n.inputs[0]].quant.zeroPoint, a_mult: a.aMult, a_shift: a.aShift,
                                      b_zp: graph.nodes[n.inputs[1]].quant.zeroPoint, b_mult: a.bMult, b_shift: a.bShift,
                                      left_shift: a.leftShift, out_mult: a.outMult, out_shift: a.outShift, out_zp: n.quant.zeroPoint,
                                      act_min: a.actMin, act_max: a.actMax)
                steps.append(.add(p, count: sizes[i]))
            }
        }
        var buffers: [UnsafeMutablePointer<Int8>] = []
        for s in sizes { buffers.append(UnsafeMutablePointer<Int8>.allocate(capacity: max(s, 1))) }
        self.buffers = buffers
        self.steps = steps
        self.in0 = in0
        self.in1 = in1
        self.channels = channels
        self.table = table
        scratch = UnsafeMutableRawPointer.allocate(byteCount: scratchSize, alignment: 64)
        planned = true
    }

    /// The refusal for an op (or a form of one) this runner cannot run: exit 65, naming it.
    static func unsupported(_ path: String, _ n: QNode, _ i: Int, _ what: String) -> EdgeError {
        .badModel(path: path, section: QuantizedGraph.tag, offset: 0,
                  reason: "int8 layer \(i) (\(n.name)): op \(n.op.kind) (\(what)) is not supported by edge-run")
    }

    /// The C shape of a validated convolution node (`IntegerNetwork.convShape`).
    static func convShape(_ c: QConvLayer, input: QNode, output n: QNode) -> ea_conv_shape {
        let inShape = input.shape
        var s = ea_conv_shape()
        s.in_h = Int32(inShape.count == 3 ? inShape[0] : 1)
        s.in_w = Int32(inShape.count == 3 ? inShape[1] : 1)
        s.in_c = Int32(c.inChannels)
        s.out_h = Int32(n.shape.count == 3 ? n.shape[0] : 1)
        s.out_w = Int32(n.shape.count == 3 ? n.shape[1] : 1)
        s.out_c = Int32(c.outChannels)
        s.kernel_h = Int32(c.kernelH); s.kernel_w = Int32(c.kernelW)
        s.stride_h = Int32(c.strideH); s.stride_w = Int32(c.strideW)
        s.pad_top = Int32(c.padTop); s.pad_left = Int32(c.padLeft)
        s.pad_bottom = Int32(c.padBottom); s.pad_right = Int32(c.padRight)
        s.depth_multiplier = Int32(c.depthMultiplier)
        s.requant_mode = c.rounding == .doubleScale ? Int32(EA_REQUANT_DOUBLE) : Int32(EA_REQUANT_Q31)
        s.in_zp = input.quant.zeroPoint
        s.out_zp = n.quant.zeroPoint
        s.act_min = c.actMin; s.act_max = c.actMax
        return s
    }

    /// The input node's pixel → int8 table, [C][256] (`IntegerNetwork.inputTable`): q = pixel − 128
    /// for `.input`; a `.quantizedInput` table of 256 entries serves every channel.
    static func fillInputTable(_ n: QNode, channels c: Int, _ t: UnsafeMutablePointer<Int8>) {
        if case .quantizedInput(let q) = n.op {
            for i in 0..<(256 * c) { t[i] = q.table.count == 256 * c ? q.table[i] : q.table[i % 256] }
        } else {
            for i in 0..<(256 * c) { t[i] = Int8(bitPattern: UInt8(i % 256) ^ 0x80) }
        }
    }

    deinit {
        for s in steps { if case .conv(let p) = s { ea_conv_plan_destroy(p) } }
        for b in buffers { b.deallocate() }
        scratch.deallocate()
        table.deallocate()
    }

    /// The int8 logits of one HWC uint8 image (`imageBytes` bytes at `pixels`), written to
    /// `logits` (`classes` bytes).
    func run(_ pixels: UnsafePointer<UInt8>, _ logits: UnsafeMutablePointer<Int8>) {
        for i in 0..<steps.count {
            let out = buffers[i]
            let a = UnsafePointer(buffers[in0[i]])
            switch steps[i] {
            case .input:
                // HWC uint8 → HWC int8 through channel ch's table (the host reads its planar
                // CHW pixels into the same HWC layout).
                let c = channels
                if c == 1 {
                    for p in 0..<sizes[0] { out[p] = table[Int(pixels[p])] }
                } else {
                    for p in 0..<sizes[0] { out[p] = table[(p % c) * 256 + Int(pixels[p])] }
                }
            case .conv(let plan):
                ea_conv_plan_run(plan, a, out, scratch)
            case let .squarePool(isMax, q):
                if isMax { ea_qs8_maxpool(isa, q.h, q.w, q.c, q.k, q.s, q.oh, q.ow, a, out) }
                else { ea_qs8_avgpool(isa, q.h, q.w, q.c, q.k, q.s, q.oh, q.ow, a, out) }
            case let .gap(h, w, c):
                ea_qs8_gap(isa, h, w, c, a, out)
            case .pool(let isMax, var s):
                if isMax { ea_qs8_maxpool2(isa, &s, a, out) } else { ea_qs8_avgpool2(isa, &s, a, out) }
            case .mean(let m):
                ea_qs8_mean_ref(m.h, m.w, m.c, m.inZp, m.mult, m.shift, m.outZp, a, out)
            case .pad(let p):
                ea_qs8_pad_ref(p.h, p.w, p.c, p.top, p.bottom, p.left, p.right, p.value, a, out)
            case .copy(let count):
                out.update(from: a, count: count)
            case let .relu(count, zp):
                ea_qs8_relu_ref(count, zp, a, out)
            case .add(var p, let count):
                ea_qs8_add(isa, &p, count, a, buffers[in1[i]], out)
            }
        }
        logits.update(from: buffers[buffers.count - 1], count: classes)
    }
}
