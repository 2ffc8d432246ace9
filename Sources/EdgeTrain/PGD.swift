import EdgeCore
import EdgeFloat

/// Projected gradient descent in L∞ (Madry et al. 2018) on the float net: the inner
/// maximisation of PGD adversarial training. Random start uniform in [−ε, ε], steps of
/// α·sign(∇x loss), projection onto the ε-ball and onto [0, 1].
public struct PGDLinf: Sendable {
    /// Radius.
    public var eps: Float
    /// Step size α.
    public var stepSize: Float
    /// Number of steps.
    public var steps: Int
    /// Start from a random point of the ball.
    public var randomStart: Bool

    /// An attack configuration.
    public init(eps: Float, stepSize: Float, steps: Int, randomStart: Bool = true) {
        self.eps = eps
        self.stepSize = stepSize
        self.steps = steps
        self.randomStart = randomStart
    }

    /// Adversarial versions of `x` [B, …] for `labels`, maximising cross-entropy with the
    /// net in eval mode (batch norm uses running statistics, nothing is updated).
    public func perturb(_ net: FloatNetwork, x: [Float], labels: [Int], rng: inout SeededGenerator) -> [Float] {
        let b = labels.count
        var adv = x
        if randomStart {
            for k in adv.indices { adv[k] = min(max(x[k] + rng.uniform(-eps, eps), 0), 1) }
        }
        for _ in 0..<steps {
            let pass = net.forward(adv, batch: b)
            let (_, dl) = SoftmaxCrossEntropy.lossAndGradient(logits: pass.logits, labels: labels, classes: net.classes)
            guard let g = net.backward(pass, dLogits: dl, parameters: false, input: true).input else { break }
            for k in adv.indices {
                let s: Float = g[k] > 0 ? 1 : (g[k] < 0 ? -1 : 0)
                let moved = adv[k] + stepSize * s
                adv[k] = min(max(min(max(moved, x[k] - eps), x[k] + eps), 0), 1)
            }
        }
        return adv
    }
}
