import EdgeCore
import EdgeFloat

/// MI-FGSM (Dong et al., "Boosting adversarial attacks with momentum", CVPR 2018), L∞:
/// g ← μ·g + ∇x/‖∇x‖₁, x ← clip_{x,ε}(x + α·sign(g)) with α = ε/steps, from the clean
/// image (no random start), so the accumulated direction survives noisy gradients —
/// the reason it transfers better, which is how the int8 `transfer` numbers are made.
public struct MIFGSM: Sendable {
    /// L∞ radius.
    public var eps: Float
    /// Iterations (the paper: 10).
    public var steps: Int
    /// Momentum decay μ (the paper: 1).
    public var decay: Float

    /// The paper's settings by default.
    public init(eps: Float, steps: Int = 10, decay: Float = 1) {
        self.eps = eps
        self.steps = steps
        self.decay = decay
    }

    /// Adversarial examples for `x` (b images in [0, 1]), inside the ε-ball and [0, 1].
    public func perturb(_ net: FloatNetwork, x: [Float], labels: [Int]) -> [Float] {
        let b = labels.count, d = x.count / max(b, 1)
        guard b > 0, steps > 0 else { return x }
        let alpha = eps / Float(steps)
        var adv = x, g = [Float](repeating: 0, count: x.count)
        for _ in 0..<steps {
            let grad = GradientAttacks.inputGradient(net, adv, labels)
            for n in 0..<b {
                let r = (n * d)..<((n + 1) * d)
                let l1 = r.reduce(Float(0)) { $0 + abs(grad[$1]) } + 1e-12
                for t in r {
                    g[t] = decay * g[t] + grad[t] / l1
                    let s: Float = g[t] > 0 ? 1 : (g[t] < 0 ? -1 : 0)
                    adv[t] = min(max(min(max(adv[t] + alpha * s, x[t] - eps), x[t] + eps), 0), 1)
                }
            }
        }
        return adv
    }
}
