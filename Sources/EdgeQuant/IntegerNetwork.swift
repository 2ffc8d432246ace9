import CEdgeKernels
import CEdgeTeam
import EdgeCore
import EdgeData
import Foundation

/// Which kernels run the int8 graph.
public enum KernelChoice: String, CaseIterable, Sendable {
    /// The scalar reference kernels (the spec).
    case reference
    /// The fastest SIMD path this CPU supports.
    case auto
}

/// The integer-only executor: uint8 pixels in, int8 logits out; no float arithmetic on the
/// inference path (dequantisation of the logits is for reporting only). Images are
/// independent, so a batch is spread over threads with identical results at any count.
public final class IntegerNetwork {
    /// The graph being run.
    public let graph: QuantizedGraph
    /// The ISA actually used ("scalar", "avx512vnni", …).
    public let isaName: String
    let isa: Int32
    var plans: [Int: OpaquePointer] = [:]
    /// The dense layers at the end of the graph, run once per chunk of images (see
    /// IntegerNetwork+DenseTail.swift): their first node and their plans for a chunk.
    var tailStart: Int?
    var chunkPlans: [Int: OpaquePointer] = [:]
    let sizes: [Int]
    let scratchSize: Int
    let inputTable: [Int8]
    /// Workspaces of finished calls, reused by the next ones: a batch-1 call would
    /// otherwise allocate every node's buffer each time.
    let spare = WorkspacePool()
    /// Threads that split one image's layers, for calls too small to spread images over threads.
    let team = LayerTeam()

    /// Prepares plans (packed weights) for every convolution on the chosen kernels.
    public init(_ graph: QuantizedGraph, kernels: KernelChoice = .auto) throws {
        self.graph = graph
        let isa: Int32 = kernels == .reference ? Int32(EA_ISA_SCALAR) : ea_isa_best()
        self.isa = isa
        self.isaName = String(cString: ea_isa_name(isa))
        sizes = graph.nodes.map { QuantizedGraph.size($0.shape) }
        var scratch = 64
        for (i, n) in graph.nodes.enumerated() {
            guard case .conv(let c) = n.op else { continue }
            var s = Self.convShape(c, input: graph.nodes[n.inputs[0]], output: n)
            let plan = c.weights.withUnsafeBufferPointer { w in
                c.realScale.withUnsafeBufferPointer { rs in
                    ea_conv_plan_create(&s, w.baseAddress, c.bias, c.multiplier, c.shift, rs.baseAddress, isa)
                }
            }
            guard let plan else { throw EdgeError.internalError("cannot prepare int8 layer \(n.name) (out of memory or unvalidated graph)") }
            plans[i] = plan
            scratch = max(scratch, ea_conv_plan_scratch_size(plan))
        }
        tailStart = Self.denseTail(graph)
        if let t = tailStart {
            for i in t..<graph.nodes.count {
                guard case .conv(let c) = graph.nodes[i].op,
                      let plan = Self.chunkPlan(c, input: graph.nodes[i - 1], output: graph.nodes[i], isa: isa) else {
                    throw EdgeError.internalError("cannot prepare int8 layer \(graph.nodes[i].name) for image chunks")
                }
                chunkPlans[i] = plan
                scratch = max(scratch, ea_conv_plan_scratch_size(plan))
            }
        }
        scratchSize = scratch
        inputTable = Self.inputTable(graph.nodes[0])
    }

    /// The C shape of a validated convolution node.
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

    /// The pixel → int8 table of the input node, [C][256] (q = pixel − 128 for `.input`).
    static func inputTable(_ n: QNode) -> [Int8] {
        let c = n.shape.count == 3 ? n.shape[2] : 1
        switch n.op {
        case .quantizedInput(let t) where t.table.count == 256 * c: return t.table
        case .quantizedInput(let t): return (0..<c).flatMap { _ in t.table }
        default: return (0..<(256 * c)).map { Int8(bitPattern: UInt8(($0 % 256) ^ 0x80)) }
        }
    }

    deinit {
        for p in plans.values { ea_conv_plan_destroy(p) }
        for p in chunkPlans.values { ea_conv_plan_destroy(p) }
        spare.drain()
    }

    /// Number of classes.
    public var classes: Int { sizes.last ?? 0 }

    /// Runs images `indices` of `set`; returns int8 logits [N, classes]. When `keep` is
    /// set, also every node's int8 output per image (for probes and SQNR). A thin wrapper over
    /// `run(pixels:layout:keep:)` that reads the images in place. Every index must name an
    /// image of `set` holding at least the input's C·H·W pixels (checked: traps otherwise,
    /// since the kernels read through unchecked pointers).
    public func run(_ set: LabeledImages, _ indices: [Int], keep: Bool = false) -> (logits: [Int8], outputs: [[[Int8]]]) {
        let stride = set.imageSize
        precondition(stride >= imageSize, "images of \(stride) pixels are smaller than the int8 input's \(imageSize)")
        precondition(indices.allSatisfy { $0 >= 0 && $0 * stride + imageSize <= set.pixels.count }, "image index out of range")
        return set.pixels.withUnsafeBufferPointer { px in
            runImages(px, starts: indices.map { $0 * stride }, layout: .chw, keep: keep)
        }
    }

    /// Predicted class of each image at `indices`: the argmax of the int8 logits, the first
    /// index on ties.
    public func predict(_ set: LabeledImages, _ indices: [Int]) -> [Int] {
        argmax(run(set, indices).logits)
    }

    /// Dequantised logits (scale·(q − zp)) for reporting.
    public func dequantizedLogits(_ q: [Int8]) -> [Float] {
        let p = graph.nodes[graph.nodes.count - 1].quant
        return q.map { p.dequantize($0) }
    }

    /// Per-worker buffers: one per node, allocated once per chunk, never per image, and
    /// (with a dense tail) one per node from the tail's input on holding a whole chunk.
    final class Workspace {
        var buffers: [UnsafeMutablePointer<Int8>]
        var chunk: [UnsafeMutablePointer<Int8>]
        let scratch: UnsafeMutableRawPointer
        init(sizes: [Int], scratch: Int, tail: Int?) {
            buffers = sizes.map { UnsafeMutablePointer<Int8>.allocate(capacity: max($0, 1)) }
            chunk = sizes.indices.map { i in
                let n = tail.map { i >= $0 - 1 } == true ? IntegerNetwork.chunkImages * sizes[i] : 1
                let b = UnsafeMutablePointer<Int8>.allocate(capacity: max(n, 1))
                b.initialize(repeating: 0, count: max(n, 1))  // rows past a short chunk's end are computed, not used
                return b
            }
            self.scratch = UnsafeMutableRawPointer.allocate(byteCount: scratch, alignment: 64)
        }
        func free() {
            for b in buffers { b.deallocate() }
            for b in chunk { b.deallocate() }
            scratch.deallocate()
        }
    }

    /// Finished workspaces, shared by concurrent calls under a lock.
    final class WorkspacePool: @unchecked Sendable {
        private var free: [Workspace] = []
        private let lock = NSLock()
        /// A workspace from the pool, or a new one.
        func take(sizes: [Int], scratch: Int, tail: Int?) -> Workspace {
            lock.lock()
            let ws = free.popLast()
            lock.unlock()
            return ws ?? Workspace(sizes: sizes, scratch: scratch, tail: tail)
        }
        /// Returns `ws` for reuse (at most 64 are kept).
        func give(_ ws: Workspace) {
            lock.lock()
            let keep = free.count < 64
            if keep { free.append(ws) }
            lock.unlock()
            if !keep { ws.free() }
        }
        /// Frees every pooled workspace.
        func drain() {
            lock.lock()
            for ws in free { ws.free() }
            free = []
            lock.unlock()
        }
    }

    /// One image whose pixels start at `px`, through every node into `ws`.
    /// With a `team`, large convolutions and adds split their outputs over its threads.
    func runOne(_ px: UnsafePointer<UInt8>, _ layout: PixelLayout, _ ws: Workspace, upTo end: Int? = nil, team: OpaquePointer? = nil) {
        for (i, n) in graph.nodes.enumerated() where i < (end ?? graph.nodes.count) {
            let out = ws.buffers[i]
            switch n.op {
            case .input, .quantizedInput:
                quantizeInput(px, layout, shape: n.shape, out)
            case .conv:
                if let plan = plans[i] { ea_team_conv(team, plan, ws.buffers[n.inputs[0]], out, ws.scratch) }
            case let .maxPool(k, s):
                let si = graph.nodes[n.inputs[0]].shape
                ea_qs8_maxpool(isa, Int32(si[0]), Int32(si[1]), Int32(si[2]), Int32(k), Int32(s), Int32(n.shape[0]), Int32(n.shape[1]), ws.buffers[n.inputs[0]], out)
            case let .avgPool(k, s):
                let si = graph.nodes[n.inputs[0]].shape
                ea_qs8_avgpool(isa, Int32(si[0]), Int32(si[1]), Int32(si[2]), Int32(k), Int32(s), Int32(n.shape[0]), Int32(n.shape[1]), ws.buffers[n.inputs[0]], out)
            case .globalAvgPool:
                let si = graph.nodes[n.inputs[0]].shape
                ea_qs8_gap(isa, Int32(si[0]), Int32(si[1]), Int32(si[2]), ws.buffers[n.inputs[0]], out)
            case .pool(let p):
                runPool(p, input: graph.nodes[n.inputs[0]].shape, output: n.shape, ws.buffers[n.inputs[0]], out)
            case .mean(let m):
                let si = graph.nodes[n.inputs[0]].shape
                ea_qs8_mean(isa, Int32(si[0]), Int32(si[1]), Int32(si[2]), graph.nodes[n.inputs[0]].quant.zeroPoint, m.multiplier, m.shift,
                                n.quant.zeroPoint, ws.buffers[n.inputs[0]], out)
            case .pad(let p):
                let si = graph.nodes[n.inputs[0]].shape
                ea_qs8_pad_ref(Int32(si[0]), Int32(si[1]), Int32(si[2]), Int32(p.top), Int32(p.bottom), Int32(p.left), Int32(p.right),
                               Int8(n.quant.zeroPoint), ws.buffers[n.inputs[0]], out)
            case .flatten:
                out.update(from: ws.buffers[n.inputs[0]], count: sizes[i])
            case .relu:
                ea_qs8_relu_ref(sizes[i], n.quant.zeroPoint, ws.buffers[n.inputs[0]], out)
            case .add(let a):
                var p = ea_add_params(a_zp: graph.nodes[n.inputs[0]].quant.zeroPoint, a_mult: a.aMult, a_shift: a.aShift,
                                      b_zp: graph.nodes[n.inputs[1]].quant.zeroPoint, b_mult: a.bMult, b_shift: a.bShift,
                                      left_shift: a.leftShift, out_mult: a.outMult, out_shift: a.outShift, out_zp: n.quant.zeroPoint,
                                      act_min: a.actMin, act_max: a.actMax)
                ea_team_add(team, isa, &p, sizes[i], ws.buffers[n.inputs[0]], ws.buffers[n.inputs[1]], out)
            }
        }
    }

    /// Pooling: square, unpadded, unclamped windows take the trainer's SIMD pools (identical
    /// there, since no window is clipped); anything else the clipped-window kernels.
    private func runPool(_ p: QPoolLayer, input si: [Int], output so: [Int], _ src: UnsafeMutablePointer<Int8>, _ out: UnsafeMutablePointer<Int8>) {
        let plain = p.kernelH == p.kernelW && p.strideH == p.strideW && p.padTop + p.padBottom + p.padLeft + p.padRight == 0
            && p.actMin == -128 && p.actMax == 127
        if plain {
            let args = (Int32(si[0]), Int32(si[1]), Int32(si[2]), Int32(p.kernelH), Int32(p.strideH), Int32(so[0]), Int32(so[1]))
            if p.kind == .max { ea_qs8_maxpool(isa, args.0, args.1, args.2, args.3, args.4, args.5, args.6, src, out) }
            else { ea_qs8_avgpool(isa, args.0, args.1, args.2, args.3, args.4, args.5, args.6, src, out) }
            return
        }
        var s = ea_pool_shape(in_h: Int32(si[0]), in_w: Int32(si[1]), c: Int32(si[2]), out_h: Int32(so[0]), out_w: Int32(so[1]),
                              kernel_h: Int32(p.kernelH), kernel_w: Int32(p.kernelW), stride_h: Int32(p.strideH), stride_w: Int32(p.strideW),
                              pad_top: Int32(p.padTop), pad_left: Int32(p.padLeft), act_min: p.actMin, act_max: p.actMax)
        if p.kind == .max { ea_qs8_maxpool2(isa, &s, src, out) } else { ea_qs8_avgpool2(isa, &s, src, out) }
    }
}
