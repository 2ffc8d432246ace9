import EdgeCore
import EdgeFloat
import Foundation

/// Decoupled Direction and Norm (Rony et al., CVPR 2019), the L2 minimal-perturbation
/// attack: a normalised gradient step on δ (step size cosine-annealed from 1 to 0.01), then
/// δ is rescaled to the current norm ε, which shrinks by γ while x + δ is adversarial and
/// grows by γ while it is not; x + δ is clipped to [0, 1] in pixel space, so pixels at 0 or
/// 1 move freely (unlike CW's tanh). Follows the authors' code (jeromerony/
/// fast_adversarial `DDN`): initial norm 1, γ = 0.05, ε capped at the largest distance in
/// the box. Returned: the smallest adversarial δ seen per image.
public struct DDN: Sendable {
    /// Iterations (the authors' evaluation: 100 to 1000).
    public var steps: Int
    /// Norm adaptation factor γ.
    public var gamma: Float
    /// Starting norm ε₀.
    public var initialNorm: Float

    /// The authors' defaults.
    public init(steps: Int = 100, gamma: Float = 0.05, initialNorm: Float = 1) {
        self.steps = steps
        self.gamma = gamma
        self.initialNorm = initialNorm
    }

    /// Per image: the smallest adversarial example found (the clean image when none) and
    /// its L2 distance (+∞ when none).
    public func perturb(_ net: FloatNetwork, x: [Float], labels: [Int], rng: inout SeededGenerator) -> (adversarial: [Float], distance: [Float]) {
        let b = labels.count, d = x.count / max(b, 1), k = net.classes
        var best = x, bestL2 = [Float](repeating: .infinity, count: b)
        guard b > 0, steps > 0 else { return (best, bestL2) }
        var delta = [Float](repeating: 0, count: x.count)
        var norm = [Float](repeating: initialNorm, count: b)
        // The farthest point of the box from x bounds the norm worth trying.
        let worst = (0..<b).map { n in (0..<d).reduce(Float(0)) { let v = max(x[n * d + $1], 1 - x[n * d + $1]); return $0 + v * v }.squareRoot() }
        for i in 0..<steps {
            // CosineAnnealingLR(T_max = steps, η_min = 0.01), stepped before use as the authors do.
            let lr = Float(0.01 + 0.99 * (1 + cos(Double.pi * Double(i + 1) / Double(steps))) / 2)
            let adv = zip(x, delta).map { $0 + $1 }
            let pass = net.forward(adv, batch: b)
            let pred = SoftmaxCrossEntropy.argmax(pass.logits, classes: k)
            let (_, dl) = SoftmaxCrossEntropy.lossAndGradient(logits: pass.logits, labels: labels, classes: k)
            let g = net.backward(pass, dLogits: dl, parameters: false, input: true).input ?? delta.map { _ in 0 }
            for n in 0..<b {
                let r = (n * d)..<((n + 1) * d)
                let l2 = r.reduce(Float(0)) { $0 + delta[$1] * delta[$1] }.squareRoot()
                let isAdv = pred[n] != labels[n]
                if isAdv && l2 < bestL2[n] {
                    bestL2[n] = l2
                    for t in r { best[t] = adv[t] }
                }
                // Ascend the cross-entropy along the normalised gradient (random when it is 0).
                var gn = r.reduce(Float(0)) { $0 + g[$1] * g[$1] }.squareRoot()
                var dir = r.map { g[$0] }
                if gn == 0 {
                    dir = dir.map { _ in Float(rng.nextGaussian()) }
                    gn = dir.reduce(0) { $0 + $1 * $1 }.squareRoot()
                }
                for (j, t) in r.enumerated() { delta[t] += lr * dir[j] / gn }
                norm[n] = min(norm[n] * (1 - (isAdv ? 1 : -1) * gamma), worst[n])
                let now = r.reduce(Float(0)) { $0 + delta[$1] * delta[$1] }.squareRoot()
                let f = now > 0 ? norm[n] / now : 0
                for t in r { delta[t] = min(max(x[t] + delta[t] * f, 0), 1) - x[t] }
            }
        }
        // The last iterate is checked too.
        let last = zip(x, delta).map { $0 + $1 }
        let pred = SoftmaxCrossEntropy.argmax(net.forward(last, batch: b).logits, classes: k)
        for n in 0..<b where pred[n] != labels[n] {
            let r = (n * d)..<((n + 1) * d)
            let l2 = r.reduce(Float(0)) { $0 + delta[$1] * delta[$1] }.squareRoot()
            if l2 < bestL2[n] { bestL2[n] = l2; for t in r { best[t] = last[t] } }
        }
        return (best, bestL2)
    }
}
