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
    /// Each node's convolution plan (nil for other nodes), and the per-image loop's steps.
    let plans: [OpaquePointer?]
    let steps: [IntegerStep]
    /// The dense layers at the end of the graph, run once per chunk of images (see
    /// IntegerNetwork+DenseTail.swift): their first node and their plans for a chunk.
    let tailStart: Int?
    let chunkPlans: [OpaquePointer?]
    let sizes: [Int]
    let scratchSize: Int
    let inputTable: [Int8]
    /// inputTable XOR 0x80: the u8 domain of a first convolution's image (linked input).
    let flippedTable: [Int8]
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
        var plans = [OpaquePointer?](repeating: nil, count: graph.nodes.count), chunkPlans = plans
        // Plans made before a failure are freed here: deinit does not run for a failed init.
        func fail(_ name: String, _ why: String) -> EdgeError {
            for p in plans + chunkPlans { if let p { ea_conv_plan_destroy(p) } }
            return EdgeError.internalError("cannot prepare int8 layer \(name)\(why)")
        }
        for (i, n) in graph.nodes.enumerated() {
            guard case .conv(let c) = n.op else { continue }
            var s = Self.convShape(c, input: graph.nodes[n.inputs[0]], output: n)
            let plan = c.weights.withUnsafeBufferPointer { w in
                c.realScale.withUnsafeBufferPointer { rs in
                    ea_conv_plan_create(&s, w.baseAddress, c.bias, c.multiplier, c.shift, rs.baseAddress, isa)
                }
            }
            guard let plan else { throw fail(n.name, " (out of memory or unvalidated graph)") }
            plans[i] = plan
            scratch = max(scratch, ea_conv_plan_scratch_size(plan))
        }
        let tail = Self.denseTail(graph)
        if let t = tail {
            for i in t..<graph.nodes.count {
                guard case .conv(let c) = graph.nodes[i].op,
                      let plan = Self.chunkPlan(c, input: graph.nodes[i - 1], output: graph.nodes[i], isa: isa) else {
                    throw fail(graph.nodes[i].name, " for image chunks")
                }
                chunkPlans[i] = plan
                scratch = max(scratch, ea_conv_plan_scratch_size(plan))
            }
        }
        self.plans = plans
        self.chunkPlans = chunkPlans
        tailStart = tail
        var steps = Self.steps(graph, plans: plans)
        Self.link(&steps, graph, plans: plans, tail: tail)
        self.steps = steps
        scratchSize = scratch
        inputTable = Self.inputTable(graph.nodes[0])
        flippedTable = inputTable.map { $0 ^ Int8.min }
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
        for p in plans + chunkPlans { if let p { ea_conv_plan_destroy(p) } }
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
    /// Every buffer starts on its own cache line and fills whole lines: two threads'
    /// workspaces never share a line (small outputs, written every image, would otherwise
    /// bounce between cores).
    /// A linked convolution's image (`images[i]`, written by node i for the node it feeds)
    /// is set to its padding once here: the producer writes only its interior, and nothing
    /// else writes it (the unfused run writes the tensors in `buffers`).
    final class Workspace {
        let buffers: [UnsafeMutablePointer<Int8>]
        let chunk: [UnsafeMutablePointer<Int8>]
        let images: [UnsafeMutableRawPointer?]
        let scratch: UnsafeMutableRawPointer
        init(sizes: [Int], scratch: Int, tail: Int?, links: [IntegerStep]) {
            func lines(_ n: Int) -> UnsafeMutablePointer<Int8> {
                let bytes = (max(n, 1) + 63) & ~63
                let p = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64).bindMemory(to: Int8.self, capacity: bytes)
                p.initialize(repeating: 0, count: bytes)  // rows past a short chunk's end are computed, not used
                return p
            }
            buffers = sizes.map { lines($0) }
            images = links.map { s in
                s.next.map { next in
                    let m = UnsafeMutableRawPointer(lines(ea_conv_plan_image_size(next)))
                    ea_conv_plan_image_init(next, m)
                    return m
                }
            }
            chunk = sizes.indices.map { i in lines(tail.map { i >= $0 - 1 } == true ? IntegerNetwork.chunkImages * sizes[i] : 1) }
            self.scratch = UnsafeMutableRawPointer.allocate(byteCount: (scratch + 63) & ~63, alignment: 64)
        }
        func free() {
            for b in buffers { b.deallocate() }
            for b in chunk { b.deallocate() }
            for m in images { m?.deallocate() }
            scratch.deallocate()
        }
    }

    /// Finished workspaces, shared by concurrent calls under a lock.
    final class WorkspacePool: @unchecked Sendable {
        private var free: [Workspace] = []
        private let lock = NSLock()
        /// A workspace from the pool, or a new one.
        func take(sizes: [Int], scratch: Int, tail: Int?, links: [IntegerStep]) -> Workspace {
            lock.lock()
            let ws = free.popLast()
            lock.unlock()
            return ws ?? Workspace(sizes: sizes, scratch: scratch, tail: tail, links: links)
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
}
