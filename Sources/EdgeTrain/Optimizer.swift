import EdgeCore
import EdgeModel

/// Parameter update rules. Batch-norm running statistics are buffers, not parameters:
/// they are never touched here.
public enum OptimizerKind: String, CaseIterable, Sendable {
    /// SGD with Nesterov-free momentum 0.9 and L2 weight decay added to the gradient.
    case sgd
    /// Adam (β1 0.9, β2 0.999, ε 1e-8) with decoupled weight decay (AdamW).
    case adam
}

/// Optimiser state for one model.
public struct Optimizer {
    /// The rule.
    public let kind: OptimizerKind
    /// Weight decay coefficient.
    public let weightDecay: Float
    private var m: [[[Float]]]
    private var v: [[[Float]]]
    private var step = 0

    /// State shaped like `parameters`.
    public init(_ kind: OptimizerKind, parameters: [[Tensor]], weightDecay: Float) {
        self.kind = kind
        self.weightDecay = weightDecay
        m = parameters.map { $0.map { [Float](repeating: 0, count: $0.count) } }
        v = kind == .adam ? m : []
    }

    /// Whether tensor `t` of node `i` is trainable (not a batch-norm running statistic).
    static func trainable(_ graph: Graph, _ i: Int, _ t: Int) -> Bool {
        if case .batchNorm = graph.nodes[i].op { return t < 2 }
        return true
    }

    /// Applies one step with learning rate `lr`. Weight decay skips biases and batch-norm
    /// parameters (decaying them only hurts).
    public mutating func update(_ model: inout Model, gradients g: [[[Float]]], lr: Float) {
        let graph = model.graph
        update(&model.parameters, gradients: g, lr: lr) { i, t in
            (Self.trainable(graph, i, t), t == 0 && !Self.isBatchNorm(graph, i))
        }
    }

    /// Applies one step to parameters outside a model (CEB's class means); `rule(i, t)` says
    /// whether tensor t of group i is trained and whether weight decay applies to it.
    public mutating func update(_ parameters: inout [[Tensor]], gradients g: [[[Float]]], lr: Float,
                                rule: (Int, Int) -> (trainable: Bool, decays: Bool)) {
        step += 1
        let b1: Float = 0.9, b2: Float = 0.999, eps: Float = 1e-8
        let c1 = 1 - pow(b1, Float(step)), c2 = 1 - pow(b2, Float(step))
        for i in parameters.indices {
            for t in parameters[i].indices {
                let (trains, decays) = rule(i, t)
                guard trains else { continue }
                let wd = decays ? weightDecay : 0
                parameters[i][t].data.withUnsafeMutableBufferPointer { p in
                    g[i][t].withUnsafeBufferPointer { gp in
                        m[i][t].withUnsafeMutableBufferPointer { mp in
                            switch kind {
                            case .sgd:
                                for k in p.indices {
                                    let gk = gp[k] + wd * p[k]
                                    mp[k] = 0.9 * mp[k] + gk
                                    p[k] -= lr * mp[k]
                                }
                            case .adam:
                                v[i][t].withUnsafeMutableBufferPointer { vp in
                                    for k in p.indices {
                                        let gk = gp[k]
                                        mp[k] = b1 * mp[k] + (1 - b1) * gk
                                        vp[k] = b2 * vp[k] + (1 - b2) * gk * gk
                                        let mh = mp[k] / c1, vh = vp[k] / c2
                                        p[k] -= lr * (mh / (vh.squareRoot() + eps) + wd * p[k])
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private static func isBatchNorm(_ g: Graph, _ i: Int) -> Bool {
        if case .batchNorm = g.nodes[i].op { return true }
        return false
    }
}

#if canImport(Glibc)
import Glibc
#endif
