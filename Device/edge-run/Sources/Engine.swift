import CEdgeRun

/// Runs a validated int8 graph one image at a time, as the host's `IntegerNetwork.runOne`
/// does, on the same C kernels. Everything is planned once per model: packed convolutions,
/// one buffer per node, one scratch area; `run` allocates nothing.
final class Engine {
    /// The graph (validated by the host's `QuantizedGraph.validate`).
    let graph: QuantizedGraph
    /// The kernel path in use (EA_ISA_*).
    let isa: Int32
    /// Elements of each node's per-image output.
    private let sizes: [Int]
    /// Packed convolution per node (nil for other ops).
    private var plans: [OpaquePointer?]
    /// One output buffer per node.
    private var buffers: [UnsafeMutablePointer<Int8>]
    private let scratch: UnsafeMutableRawPointer
    /// Residual-add parameters per node, built once.
    private var addParams: [ea_add_params]

    /// Bytes of one input image (H·W·C).
    var imageBytes: Int { sizes[0] }
    /// Logits per image.
    var classes: Int { sizes[sizes.count - 1] }

    /// Plans every layer for `isa`; fails (exit 70) when a plan cannot be made, which for a
    /// validated graph means out of memory.
    init(_ graph: QuantizedGraph, isa: Int32) throws(EdgeError) {
        self.graph = graph
        self.isa = isa
        var sizes: [Int] = []
        for n in graph.nodes { sizes.append(ShapeMath.product(n.shape) ?? 0) }
        self.sizes = sizes
        plans = [OpaquePointer?](repeating: nil, count: graph.nodes.count)
        addParams = [ea_add_params](repeating: ea_add_params(), count: graph.nodes.count)
        buffers = []
        var scratchSize = 64
        for (i, n) in graph.nodes.enumerated() {
            buffers.append(UnsafeMutablePointer<Int8>.allocate(capacity: max(sizes[i], 1)))
            switch n.op {
            case .conv(let c):
                let input = graph.nodes[n.inputs[0]]
                let inShape = input.shape
                var s = ea_conv_shape()
                s.in_h = Int32(inShape.count == 3 ? inShape[0] : 1)
                s.in_w = Int32(inShape.count == 3 ? inShape[1] : 1)
                s.in_c = Int32(c.inChannels)
                s.out_h = Int32(n.shape.count == 3 ? n.shape[0] : 1)
                s.out_w = Int32(n.shape.count == 3 ? n.shape[1] : 1)
                s.out_c = Int32(c.outChannels)
                s.kernel = Int32(c.kernel); s.stride = Int32(c.stride); s.pad = Int32(c.padding)
                s.in_zp = input.quant.zeroPoint
                s.out_zp = n.quant.zeroPoint
                s.act_min = c.actMin; s.act_max = c.actMax
                let plan = c.weights.withUnsafeBufferPointer { w in
                    c.bias.withUnsafeBufferPointer { b in
                        c.multiplier.withUnsafeBufferPointer { m in
                            c.shift.withUnsafeBufferPointer { sh in
                                ea_conv_plan_create(&s, w.baseAddress, b.baseAddress, m.baseAddress, sh.baseAddress, isa)
                            }
                        }
                    }
                }
                guard let plan else { throw EdgeError.internalError("cannot prepare int8 layer \(n.name) (out of memory?)") }
                plans[i] = plan
                scratchSize = max(scratchSize, ea_conv_plan_scratch_size(plan))
            case .add(let a):
                addParams[i] = ea_add_params(a_zp: graph.nodes[n.inputs[0]].quant.zeroPoint, a_mult: a.aMult, a_shift: a.aShift,
                                             b_zp: graph.nodes[n.inputs[1]].quant.zeroPoint, b_mult: a.bMult, b_shift: a.bShift,
                                             left_shift: a.leftShift, out_mult: a.outMult, out_shift: a.outShift, out_zp: n.quant.zeroPoint,
                                             act_min: a.actMin, act_max: a.actMax)
            default:
                break
            }
        }
        scratch = UnsafeMutableRawPointer.allocate(byteCount: scratchSize, alignment: 64)
    }

    deinit {
        for p in plans { if let p { ea_conv_plan_destroy(p) } }
        for b in buffers { b.deallocate() }
        scratch.deallocate()
    }

    /// The int8 logits of one HWC uint8 image (`imageBytes` bytes at `pixels`), written to
    /// `logits` (`classes` bytes).
    func run(_ pixels: UnsafePointer<UInt8>, _ logits: UnsafeMutablePointer<Int8>) {
        for i in 0..<graph.nodes.count {
            let n = graph.nodes[i]
            let out = buffers[i]
            switch n.op {
            case .input:
                // HWC uint8 → HWC int8, q = pixel − 128 (exact: scale 1/255, zero point −128).
                for p in 0..<sizes[0] { out[p] = Int8(bitPattern: pixels[p] ^ 0x80) }
            case .conv:
                if let plan = plans[i] { ea_conv_plan_run(plan, buffers[n.inputs[0]], out, scratch) }
            case let .maxPool(k, s):
                let si = graph.nodes[n.inputs[0]].shape
                ea_qs8_maxpool(isa, Int32(si[0]), Int32(si[1]), Int32(si[2]), Int32(k), Int32(s), Int32(n.shape[0]), Int32(n.shape[1]), buffers[n.inputs[0]], out)
            case let .avgPool(k, s):
                let si = graph.nodes[n.inputs[0]].shape
                ea_qs8_avgpool(isa, Int32(si[0]), Int32(si[1]), Int32(si[2]), Int32(k), Int32(s), Int32(n.shape[0]), Int32(n.shape[1]), buffers[n.inputs[0]], out)
            case .globalAvgPool:
                let si = graph.nodes[n.inputs[0]].shape
                ea_qs8_gap(isa, Int32(si[0]), Int32(si[1]), Int32(si[2]), buffers[n.inputs[0]], out)
            case .flatten:
                out.update(from: buffers[n.inputs[0]], count: sizes[i])
            case .relu:
                ea_qs8_relu_ref(sizes[i], n.quant.zeroPoint, buffers[n.inputs[0]], out)
            case .add:
                withUnsafePointer(to: &addParams[i]) { p in
                    ea_qs8_add(isa, p, sizes[i], buffers[n.inputs[0]], buffers[n.inputs[1]], out)
                }
            }
        }
        logits.update(from: buffers[buffers.count - 1], count: classes)
    }
}
