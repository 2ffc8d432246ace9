// Also compiled into the board runner (Device/edge-run, Embedded Swift; scripts/build-device.sh):
// keep this file free of Foundation and of untyped `throws`.

import EdgeCore
import EdgeModel

extension QuantizedGraph {
    /// Checks that this int8 net describes `graph`, the float net beside it in the same
    /// file. Each section can be valid on its own and still disagree with the other (the
    /// QNET of one model in another's file); every consumer that pairs the two — the
    /// straight-through simulation, SQNR, the MI probes — indexes float tensors by what
    /// the int8 nodes claim, so this runs at load, before any of them. Rules, per int8 node:
    /// - its float node exists and has its name;
    /// - walking back from that node through the fused ReLU and batch norm reaches a float
    ///   node of the same kind with the same parameters (kernel, stride, padding on every
    ///   axis and side, channels; depthwise only where it equals the float convolution);
    /// - its inputs stand for exactly that float node's inputs, in order;
    /// - its shape is the float node's shape in HWC order;
    /// and the last int8 node stands for the float logits.
    public func crossCheck(against graph: Graph, path: String, offset: Int) throws(EdgeError) {
        let fshapes = try graph.shapes(path: path)
        func bad(_ i: Int, _ field: String, _ why: String) -> EdgeError {
            .badModel(path: path, section: QuantizedGraph.tag, offset: offset, reason: "int8 layer \(i) (\(nodes[i].name)): \(field) \(why)")
        }
        for (i, n) in nodes.enumerated() {
            let f = n.floatNode
            guard f >= 0, f < graph.nodes.count else { throw bad(i, "float node", "\(f) does not exist (the graph has \(graph.nodes.count))") }
            guard graph.nodes[f].name == n.name else { throw bad(i, "name", "differs from its float node \(f)'s name '\(graph.nodes[f].name)'") }
            // The float node that starts the fused group this int8 node computes.
            var head = f
            switch n.op {
            case .quantizedInput:
                // Our quantiser folds a leading per-channel affine (an imported model's
                // preprocessing) into the input table.
                if Self.isInputAffine(graph, head), let j = graph.nodes[head].inputs.first { head = j }
            case .conv(let c):
                if Self.isFusedActivation(graph.nodes[head].op), let j = graph.nodes[head].inputs.first { head = j }
                if !c.isDense, case .batchNorm = graph.nodes[head].op, let j = graph.nodes[head].inputs.first { head = j }
            case .add:
                if Self.isFusedActivation(graph.nodes[head].op), let j = graph.nodes[head].inputs.first { head = j }
            default:
                break
            }
            let h = graph.nodes[head]
            let kindMatches: Bool
            switch (n.op, h.op) {
            case (.input, .input), (.quantizedInput, .input): kindMatches = true
            case let (.conv(c), .conv2d(o, k, s, p)):
                // The float conv is square, symmetric and dense over its input channels; a
                // depthwise int8 layer computes the same only over one input channel (every
                // consumer of the pair, STE first, indexes weights as [O][k][k][C]).
                kindMatches = !c.isDense && c.outChannels == o && c.kernelH == k && c.kernelW == k && c.strideH == s && c.strideW == s
                    && [c.padTop, c.padBottom, c.padLeft, c.padRight].allSatisfy { $0 == p } && (!c.isDepthwise || c.inChannels == 1)
            case let (.conv(c), .dense(o)):
                kindMatches = c.isDense && !c.isDepthwise && c.outChannels == o && c.kernelH == 1 && c.kernelW == 1
            case let (.maxPool(k, s), .maxPool(k2, s2)), let (.avgPool(k, s), .avgPool(k2, s2)): kindMatches = k == k2 && s == s2
            case (.globalAvgPool, .globalAvgPool), (.mean, .globalAvgPool), (.flatten, .flatten), (.relu, .relu), (.add, .add): kindMatches = true
            case let (.conv(c), .convolution(spec)):
                let w = spec.window, p = w.padding
                kindMatches = !c.isDense && c.isDepthwise == spec.depthwise && c.outChannels == spec.outChannels
                    && (c.kernelH, c.kernelW, c.strideH, c.strideW) == (w.kernelH, w.kernelW, w.strideH, w.strideW)
                    && (c.padTop, c.padLeft, c.padBottom, c.padRight) == (p.top, p.left, p.bottom, p.right)
            case let (.mean, .pool(spec)):
                // MEAN over the whole image as a window (keepdims): one average, no padding.
                let w = spec.window, p = w.padding, inS = fshapes[graph.nodes[f].inputs.first ?? 0]
                kindMatches = !spec.isMax && inS.count == 3 && (w.kernelH, w.kernelW) == (inS[1], inS[2]) && p.values.allSatisfy { $0 == 0 }
            case let (.pool(q), .pool(spec)):
                let w = spec.window, p = w.padding
                kindMatches = (q.kind == .max) == spec.isMax && (q.kernelH, q.kernelW, q.strideH, q.strideW) == (w.kernelH, w.kernelW, w.strideH, w.strideW)
                    && (q.padTop, q.padLeft, q.padBottom, q.padRight) == (p.top, p.left, p.bottom, p.right)
            case let (.pad(q), .pad(p)):
                kindMatches = (q.top, q.left, q.bottom, q.right) == (p.top, p.left, p.bottom, p.right)
            default: kindMatches = false
            }
            guard kindMatches else {
                throw bad(i, "op", "\(n.op.kind) does not match float node \(head) (\(h.name), \(h.op))")
            }
            guard n.inputs.count == h.inputs.count else { throw bad(i, "inputs", "\(n.inputs.count) inputs, float node \(h.name) has \(h.inputs.count)") }
            for (k, j) in n.inputs.enumerated() where nodes[j].floatNode != h.inputs[k] {
                throw bad(i, "input \(k)", "is int8 layer \(j) (float node \(nodes[j].floatNode)), but float node \(h.name) reads float node \(h.inputs[k])")
            }
            let s = fshapes[f]
            let hwc = s.count == 3 ? [s[1], s[2], s[0]] : s
            // A vector [C] and a 1×1 map [1, 1, C] hold the same bytes (an imported MEAN with
            // keepdims feeding a 1×1 convolution); any other difference is a mismatch.
            let sameVector = n.shape.count == 1 && hwc.count == 3 && hwc[0] == 1 && hwc[1] == 1 && hwc[2] == n.shape[0]
            guard n.shape == hwc || sameVector else { throw bad(i, "shape", "\(n.shape) is not float node \(graph.nodes[f].name)'s \(s) in HWC order") }
            if case .conv(let c) = n.op {
                let inShape = fshapes[h.inputs[0]]
                let inC = c.isDense ? (ShapeMath.product(inShape) ?? -1) : inShape[0]
                guard c.inChannels == inC else { throw bad(i, "in channels", "= \(c.inChannels), the float layer reads \(inC)") }
            }
        }
        guard let last = nodes.last, last.floatNode == graph.nodes.count - 1 else {
            throw bad(nodes.count - 1, "float node", "the int8 logits must stand for the float logits (node \(graph.nodes.count - 1))")
        }
    }

    /// A float activation the quantiser folds into the clamp of the layer before it.
    static func isFusedActivation(_ op: Op) -> Bool {
        switch op {
        case .relu, .clip: return true
        default: return false
        }
    }

    /// Whether float node `i` is a per-channel affine map of the image that the int8 input
    /// table can absorb: a depthwise 1×1 convolution, stride 1, no padding, reading node 0.
    public static func isInputAffine(_ graph: Graph, _ i: Int) -> Bool {
        guard i > 0, i < graph.nodes.count, graph.nodes[i].inputs == [0], case let .convolution(c) = graph.nodes[i].op else { return false }
        let w = c.window, p = w.padding
        return c.depthwise && (w.kernelH, w.kernelW, w.strideH, w.strideW) == (1, 1, 1, 1) && (p.top, p.left, p.bottom, p.right) == (0, 0, 0, 0)
    }
}
