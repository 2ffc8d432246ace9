import EdgeCore
import EdgeFloat

/// The norm an attack's budget is measured in.
public enum AttackNorm: String, CaseIterable, Sendable {
    /// max |δ|.
    case linf
    /// √Σ δ².
    case l2
}

/// White-box gradient attacks on the float net (untargeted; inputs stay in [0, 1]).
public enum GradientAttacks {
    /// The ascent direction: ∇x of the cross-entropy to the true labels (untargeted), or
    /// minus ∇x of the cross-entropy to the targets (targeted), in eval mode.
    static func inputGradient(_ net: FloatNetwork, _ x: [Float], _ labels: [Int], targets: [Int]? = nil) -> [Float] {
        let pass = net.forward(x, batch: labels.count)
        let (_, dl) = SoftmaxCrossEntropy.lossAndGradient(logits: pass.logits, labels: targets ?? labels, classes: net.classes)
        let g = net.backward(pass, dLogits: dl, parameters: false, input: true).input ?? x.map { _ in 0 }
        return targets == nil ? g : g.map { -$0 }
    }

    /// FGSM (Goodfellow et al. 2015): x + ε·sign(∇x loss), clipped to [0, 1]; targeted:
    /// x − ε·sign(∇x loss(target)).
    public static func fgsm(_ net: FloatNetwork, x: [Float], labels: [Int], eps: Float, targets: [Int]? = nil) -> [Float] {
        let g = inputGradient(net, x, labels, targets: targets)
        return zip(x, g).map { xi, gi in min(max(xi + eps * (gi > 0 ? 1 : (gi < 0 ? -1 : 0)), 0), 1) }
    }

    /// PGD (Madry et al. 2018) in L∞ or L2 with a random start; with `restarts` > 1 the
    /// run that leaves each image misclassified (or with the highest loss) wins.
    /// L∞ steps α·sign(g); L2 steps α·g/‖g‖₂ per image with projection onto the ε-ball.
    public static func pgd(_ net: FloatNetwork, x: [Float], labels: [Int], eps: Float, stepSize: Float, steps: Int,
                           norm: AttackNorm = .linf, restarts: Int = 1, targets: [Int]? = nil, rng: inout SeededGenerator) -> [Float] {
        let b = labels.count, d = x.count / max(b, 1)
        var best = x
        var bestLoss = [Double](repeating: -.infinity, count: b)
        for _ in 0..<max(1, restarts) {
            var adv = x
            // Random start inside the ball.
            if norm == .linf {
                for k in adv.indices { adv[k] = min(max(x[k] + rng.uniform(-eps, eps), 0), 1) }
            } else {
                for n in 0..<b {
                    var v = (0..<d).map { _ in Float(rng.nextGaussian()) }
                    let nv = max(v.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
                    let r = eps * rng.nextFloat()
                    for k in 0..<d { v[k] *= r / nv; adv[n * d + k] = min(max(x[n * d + k] + v[k], 0), 1) }
                }
            }
            for _ in 0..<steps {
                let g = inputGradient(net, adv, labels, targets: targets)
                for n in 0..<b {
                    let r = (n * d)..<((n + 1) * d)
                    if norm == .linf {
                        for k in r {
                            let moved = adv[k] + stepSize * (g[k] > 0 ? 1 : (g[k] < 0 ? -1 : 0))
                            adv[k] = min(max(min(max(moved, x[k] - eps), x[k] + eps), 0), 1)
                        }
                    } else {
                        let gn = max(g[r].reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
                        for k in r { adv[k] += stepSize * g[k] / gn }
                        let dn = r.reduce(Float(0)) { $0 + (adv[$1] - x[$1]) * (adv[$1] - x[$1]) }.squareRoot()
                        let f = dn > eps ? eps / dn : 1
                        for k in r { adv[k] = min(max(x[k] + (adv[k] - x[k]) * f, 0), 1) }
                    }
                }
            }
            // Keep, per image, the restart with the highest loss.
            let logits = net.forward(adv, batch: b).logits
            let k = net.classes
            for n in 0..<b {
                let p = SoftmaxCrossEntropy.probabilities(logits[(n * k)..<(n * k + k)])
                // Untargeted: the highest loss on the label; targeted: the lowest on the target.
                let loss = targets.map { log(max(p[$0[n]], 1e-300)) } ?? -log(max(p[labels[n]], 1e-300))
                if loss > bestLoss[n] {
                    bestLoss[n] = loss
                    for t in 0..<d { best[n * d + t] = adv[n * d + t] }
                }
            }
        }
        return best
    }
}

#if canImport(Glibc)
import Glibc
#endif
