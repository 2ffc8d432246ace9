// Also compiled into the board runner (Device/edge-run, Embedded Swift; scripts/build-device.sh):
// keep this file free of Foundation and of untyped `throws`.

import EdgeCore

/// One operation of the float layer set. Shapes are per image; the batch is implicit.
public enum Op: Equatable, Sendable {
    /// The image: [C, H, W].
    case input
    /// 2-D convolution, square kernel, zero padding; weight [O, I, k, k] and bias [O].
    case conv2d(outChannels: Int, kernel: Int, stride: Int, padding: Int)
    /// Fully connected; weight [O, I] and bias [O] (PyTorch's layout).
    case dense(outFeatures: Int)
    /// max(0, x).
    case relu
    /// Max over k×k windows (no padding, floor rule).
    case maxPool(kernel: Int, stride: Int)
    /// Mean over k×k windows (no padding, floor rule).
    case avgPool(kernel: Int, stride: Int)
    /// Mean over H×W per channel: [C, H, W] → [C].
    case globalAvgPool
    /// [C, H, W] → [C·H·W].
    case flatten
    /// Per-channel batch normalisation; parameters gamma, beta, running mean, running variance.
    case batchNorm(epsilon: Float)
    /// Element-wise sum of two inputs of equal shape (residual connection).
    case add
    /// Convolution with per-axis kernel and stride, per-side padding, dense or depthwise
    /// (imported models); weight [O, I, KH, KW] ([C, 1, KH, KW] depthwise) and bias [O].
    case convolution(ConvSpec)
    /// Max or average pooling with per-axis window and per-side padding (imported models).
    case pool(PoolSpec)
    /// min(max(x, lower), upper): ReLU6 is clip(0, 6).
    case clip(lower: Float, upper: Float)
    /// Zero padding of a [C, H, W] tensor.
    case pad(SidePadding)

    /// Stable numeric code used in model.bin.
    public var code: UInt8 {
        switch self {
        case .input: return 0
        case .conv2d: return 1
        case .dense: return 2
        case .relu: return 3
        case .maxPool: return 4
        case .avgPool: return 5
        case .globalAvgPool: return 6
        case .flatten: return 7
        case .batchNorm: return 8
        case .add: return 9
        case .convolution: return 10
        case .pool: return 11
        case .clip: return 12
        case .pad: return 13
        }
    }

    /// Short name for tables.
    public var kind: String {
        switch self {
        case .input: return "input"
        case .conv2d: return "conv2d"
        case .dense: return "dense"
        case .relu: return "relu"
        case .maxPool: return "maxpool"
        case .avgPool: return "avgpool"
        case .globalAvgPool: return "gap"
        case .flatten: return "flatten"
        case .batchNorm: return "batchnorm"
        case .add: return "add"
        case .convolution(let c): return c.depthwise ? "dwconv" : "conv"
        case .pool(let p): return p.isMax ? "maxpool" : "avgpool"
        case .clip: return "clip"
        case .pad: return "pad"
        }
    }

    /// Number of inputs the op takes.
    public var arity: Int {
        switch self {
        case .input: return 0
        case .add: return 2
        default: return 1
        }
    }
}

/// A node: an op applied to earlier nodes' outputs.
public struct Node: Equatable, Sendable {
    /// What it computes.
    public var op: Op
    /// Indices of earlier nodes (topological order is required, so no cycles).
    public var inputs: [Int]
    /// A readable, unique name ("conv1", "fc2"), used for probes and export.
    public var name: String

    /// A node named `name` applying `op` to `inputs`.
    public init(_ op: Op, _ inputs: [Int], name: String) {
        self.op = op
        self.inputs = inputs
        self.name = name
    }
}

/// A network as a list of nodes in topological order; node 0 is the input and the last
/// node is the output (logits).
public struct Graph: Equatable, Sendable {
    /// Input [C, H, W].
    public var inputShape: [Int]
    /// The nodes, input first.
    public var nodes: [Node]

    /// Admission limits: anything larger is rejected at load time rather than allocated.
    public enum Limits {
        /// Nodes per graph.
        public static let maxNodes = 512
        /// Elements of one activation per image.
        public static let maxActivation = 1 << 22
        /// Channels or features of one layer.
        public static let maxChannels = 4096
        /// Kernel side.
        public static let maxKernel = 15
        /// Parameters in one tensor.
        public static let maxParameters = 1 << 26
    }

    /// A graph over `nodes`, not yet validated.
    public init(inputShape: [Int], nodes: [Node]) {
        self.inputShape = inputShape
        self.nodes = nodes
    }

    /// Per-image output shape of every node, validating the whole graph on the way.
    /// Throws `EdgeError.badModel` (section "graph") naming the node and the problem.
    public func shapes(path: String = "<graph>") throws(EdgeError) -> [[Int]] {
        func bad(_ i: Int, _ r: String) -> EdgeError {
            .badModel(path: path, section: "graph", offset: 0, reason: "node \(i) (\(i < nodes.count ? nodes[i].name : "?")): \(r)")
        }
        guard inputShape.count == 3, inputShape.allSatisfy({ $0 > 0 && $0 <= Limits.maxChannels }) else {
            throw EdgeError.badModel(path: path, section: "graph", offset: 0, reason: "input shape \(inputShape) must be [C, H, W] with each in 1...\(Limits.maxChannels)")
        }
        guard !nodes.isEmpty, nodes.count <= Limits.maxNodes else { throw bad(0, "graph needs 1...\(Limits.maxNodes) nodes, has \(nodes.count)") }
        guard nodes[0].op == .input else { throw bad(0, "node 0 must be the input") }
        var shapes: [[Int]] = []
        var names = Set<String>()
        for (i, n) in nodes.enumerated() {
            guard names.insert(n.name).inserted else { throw bad(i, "duplicate node name") }
            if let why = SafeName.problem(n.name) { throw bad(i, "the name \(why)") }
            guard n.inputs.count == n.op.arity else { throw bad(i, "\(n.op.kind) takes \(n.op.arity) inputs, has \(n.inputs.count)") }
            for j in n.inputs where j < 0 || j >= i { throw bad(i, "input index \(j) does not name an earlier node") }
            if i > 0 && n.op == .input { throw bad(i, "only node 0 may be the input") }
            let s = try outputShape(i, n.inputs.map { shapes[$0] }, bad)
            guard let size = ShapeMath.product(s), size > 0, size <= Limits.maxActivation else {
                throw bad(i, "activation \(s) is empty or larger than \(Limits.maxActivation) elements")
            }
            shapes.append(s)
        }
        guard shapes.last?.count == 1 else { throw bad(nodes.count - 1, "the last node must output logits [classes]") }
        return shapes
    }

    /// Per-image output shape of node `i` from its input shapes `ins` (already checked for
    /// count and order), or the error `bad` builds.
    func outputShape(_ i: Int, _ ins: [[Int]], _ bad: (Int, String) -> EdgeError) throws(EdgeError) -> [Int] {
        let n = nodes[i]
        let s: [Int]
        switch n.op {
        case .input:
            s = inputShape
        case let .conv2d(o, k, st, p):
            guard ins[0].count == 3 else { throw bad(i, "conv2d needs a [C, H, W] input") }
            guard o > 0, o <= Limits.maxChannels, k > 0, k <= Limits.maxKernel, st > 0, st <= Limits.maxKernel, p >= 0, p < k else {
                throw bad(i, "conv2d parameters out of range (out \(o), kernel \(k), stride \(st), padding \(p))")
            }
            guard let oh = ShapeMath.windowOutput(size: ins[0][1], kernel: k, stride: st, padding: p),
                  let ow = ShapeMath.windowOutput(size: ins[0][2], kernel: k, stride: st, padding: p) else {
                throw bad(i, "kernel \(k) does not fit input \(ins[0])")
            }
            s = [o, oh, ow]
        case let .dense(o):
            guard ins[0].count == 1 else { throw bad(i, "dense needs a flat input (add a flatten)") }
            guard o > 0, o <= Limits.maxChannels else { throw bad(i, "dense output \(o) out of range") }
            guard ShapeMath.product([o, ins[0][0]]).map({ $0 <= Limits.maxParameters }) == true else { throw bad(i, "dense weight too large") }
            s = [o]
        case .relu:
            s = ins[0]
        case let .maxPool(k, st), let .avgPool(k, st):
            guard ins[0].count == 3, k > 0, k <= Limits.maxKernel, st > 0, st <= Limits.maxKernel else { throw bad(i, "pool parameters out of range") }
            guard let oh = ShapeMath.windowOutput(size: ins[0][1], kernel: k, stride: st, padding: 0),
                  let ow = ShapeMath.windowOutput(size: ins[0][2], kernel: k, stride: st, padding: 0) else {
                throw bad(i, "pool window \(k) does not fit input \(ins[0])")
            }
            s = [ins[0][0], oh, ow]
        case .globalAvgPool:
            guard ins[0].count == 3 else { throw bad(i, "global average pool needs [C, H, W]") }
            s = [ins[0][0]]
        case .flatten:
            guard let p = ShapeMath.product(ins[0]) else { throw bad(i, "size overflows") }
            s = [p]
        case let .batchNorm(eps):
            guard eps > 0, eps.isFinite else { throw bad(i, "batchnorm epsilon must be positive") }
            s = ins[0]
        case .add:
            guard ins[0] == ins[1] else { throw bad(i, "add of unequal shapes \(ins[0]) and \(ins[1])") }
            s = ins[0]
        case .convolution, .pool, .clip, .pad:
            s = try importedOpShape(i, ins, bad)
        }
        return s
    }

    /// Output shapes of the ops imported models add (general windows, clip, pad).
    func importedOpShape(_ i: Int, _ ins: [[Int]], _ bad: (Int, String) -> EdgeError) throws(EdgeError) -> [Int] {
        let n = nodes[i]
        let s: [Int]
        switch n.op {
        case let .convolution(c):
            guard ins[0].count == 3 else { throw bad(i, "\(n.op.kind) needs a [C, H, W] input") }
            guard c.outChannels > 0, c.outChannels <= Limits.maxChannels, !c.depthwise || c.outChannels == ins[0][0] else {
                throw bad(i, "\(n.op.kind) output channels \(c.outChannels) out of range (depthwise: equal to the input's \(ins[0][0]))")
            }
            let out = c.window.output(h: ins[0][1], w: ins[0][2])
            guard let hw = out.hw else { throw bad(i, "\(n.op.kind): \(out.why)") }
            s = [c.outChannels] + hw
            let perFilter = c.depthwise ? 1 : ins[0][0]
            guard ShapeMath.product([c.outChannels, perFilter, c.window.kernelH, c.window.kernelW]).map({ $0 <= Limits.maxParameters }) == true else {
                throw bad(i, "\(n.op.kind) weight too large")
            }
        case let .pool(p):
            guard ins[0].count == 3 else { throw bad(i, "\(n.op.kind) needs a [C, H, W] input") }
            let out = p.window.output(h: ins[0][1], w: ins[0][2])
            guard let hw = out.hw else { throw bad(i, "\(n.op.kind): \(out.why)") }
            s = [ins[0][0]] + hw
        case let .clip(lo, hi):
            guard !lo.isNaN, !hi.isNaN, lo <= hi else { throw bad(i, "clip bounds [\(lo), \(hi)] must be ordered numbers") }
            s = ins[0]
        case let .pad(p):
            let lim = Limits.maxKernel
            guard ins[0].count == 3, p.values.allSatisfy({ (0...lim).contains($0) }) else {
                throw bad(i, "pad needs a [C, H, W] input and sides in 0...\(lim), has \(p.values)")
            }
            s = [ins[0][0], ins[0][1] + p.top + p.bottom, ins[0][2] + p.left + p.right]
        default:
            throw bad(i, "\(n.op.kind) is not an imported-model op")
        }
        return s
    }

    /// Parameter tensor shapes of node `i`, given the per-image shapes from `shapes()`.
    public func parameterShapes(_ i: Int, shapes: [[Int]]) -> [[Int]] {
        let n = nodes[i]
        switch n.op {
        case let .conv2d(o, k, _, _): return [[o, shapes[n.inputs[0]][0], k, k], [o]]
        case let .dense(o): return [[o, shapes[n.inputs[0]][0]], [o]]
        case .batchNorm: let c = shapes[n.inputs[0]][0]; return [[c], [c], [c], [c]]
        case let .convolution(c):
            return [[c.outChannels, c.depthwise ? 1 : shapes[n.inputs[0]][0], c.window.kernelH, c.window.kernelW], [c.outChannels]]
        default: return []
        }
    }

    /// Names of node `i`'s parameters, in `parameterShapes` order.
    public func parameterNames(_ i: Int) -> [String] {
        switch nodes[i].op {
        case .conv2d, .dense, .convolution: return ["weight", "bias"]
        case .batchNorm: return ["weight", "bias", "running_mean", "running_var"]
        default: return []
        }
    }

    /// Multiply-accumulates per image of each node (0 for ops without MACs).
    public func macs(shapes: [[Int]]) -> [Int] {
        nodes.indices.map { i in
            let n = nodes[i]
            switch n.op {
            case let .conv2d(_, k, _, _):
                let o = shapes[i]
                return o[0] * o[1] * o[2] * shapes[n.inputs[0]][0] * k * k
            case let .dense(o):
                return o * shapes[n.inputs[0]][0]
            case let .convolution(c):
                let o = shapes[i]
                return o[0] * o[1] * o[2] * (c.depthwise ? 1 : shapes[n.inputs[0]][0]) * c.window.kernelH * c.window.kernelW
            default:
                return 0
            }
        }
    }
}
