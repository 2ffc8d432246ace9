#if canImport(Glibc)
import Glibc
#endif
import EdgeCore
import EdgeFloat

/// Projected gradient descent (Madry et al. 2018) on the float net, in L∞ or L2, untargeted
/// or targeted, with restarts: the project's only PGD. Adversarial training runs it through
/// `PGDLinf`; the audit's attacks through `GradientAttacks.pgd` (EdgeAttacks), which sits
/// above this module. L∞ steps α·sign(g) from a uniform start in [−ε, ε]; L2 steps α·g/‖g‖₂
/// per image from a random point of the ball, with projection onto the ε-ball; every
/// iterate is clipped to [0, 1]. The network is run in eval mode (batch norm uses running
/// statistics, nothing is updated).
public struct PGD: Sendable {
    /// The norm of the ball (EdgeAttacks' `AttackNorm` maps onto it).
    public enum Norm: Sendable {
        /// max |δ|.
        case linf
        /// √Σ δ².
        case l2
    }

    /// Radius.
    public var eps: Float
    /// Step size α.
    public var stepSize: Float
    /// Number of steps.
    public var steps: Int
    /// L∞ or L2.
    public var norm: Norm
    /// Start from a random point of the ball.
    public var randomStart: Bool
    /// Runs; with more than one, per image the run with the highest loss wins (the loss on
    /// the label untargeted, minus the loss on the target targeted).
    public var restarts: Int

    /// An attack configuration.
    public init(eps: Float, stepSize: Float, steps: Int, norm: Norm = .linf, randomStart: Bool = true, restarts: Int = 1) {
        self.eps = eps
        self.stepSize = stepSize
        self.steps = steps
        self.norm = norm
        self.randomStart = randomStart
        self.restarts = restarts
    }

    /// Adversarial versions of `x` [B, …] for `labels`, maximising the cross-entropy to the
    /// labels, or (with `targets`) minimising it to the targets.
    public func perturb(_ net: FloatNetwork, x: [Float], labels: [Int], targets: [Int]? = nil, rng: inout SeededGenerator) -> [Float] {
        let b = labels.count, d = x.count / max(b, 1)
        guard restarts > 1 else { return run(net, x: x, labels: labels, targets: targets, rng: &rng) }
        var best = x
        var bestLoss = [Double](repeating: -.infinity, count: b)
        let k = net.classes
        for _ in 0..<restarts {
            let adv = run(net, x: x, labels: labels, targets: targets, rng: &rng)
            let logits = net.forward(adv, batch: b).logits
            for n in 0..<b {
                let p = SoftmaxCrossEntropy.probabilities(logits[(n * k)..<(n * k + k)])
                let loss = targets.map { log(max(p[$0[n]], 1e-300)) } ?? -log(max(p[labels[n]], 1e-300))
                if loss > bestLoss[n] {
                    bestLoss[n] = loss
                    for t in 0..<d { best[n * d + t] = adv[n * d + t] }
                }
            }
        }
        return best
    }

    /// One run.
    func run(_ net: FloatNetwork, x: [Float], labels: [Int], targets: [Int]?, rng: inout SeededGenerator) -> [Float] {
        let b = labels.count, d = x.count / max(b, 1)
        var adv = x
        if randomStart {
            switch norm {
            case .linf:
                for k in adv.indices { adv[k] = min(max(x[k] + rng.uniform(-eps, eps), 0), 1) }
            case .l2:
                for n in 0..<b {
                    var v = (0..<d).map { _ in Float(rng.nextGaussian()) }
                    let nv = max(v.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
                    let r = eps * rng.nextFloat()
                    for k in 0..<d { v[k] *= r / nv; adv[n * d + k] = min(max(x[n * d + k] + v[k], 0), 1) }
                }
            }
        }
        for _ in 0..<steps {
            let pass = net.forward(adv, batch: b)
            let (_, dl) = SoftmaxCrossEntropy.lossAndGradient(logits: pass.logits, labels: targets ?? labels, classes: net.classes)
            guard var g = net.backward(pass, dLogits: dl, parameters: false, input: true).input else { break }
            // Targeted: descend the loss on the target.
            if targets != nil { for k in g.indices { g[k] = -g[k] } }
            switch norm {
            case .linf:
                for k in adv.indices {
                    let s: Float = g[k] > 0 ? 1 : (g[k] < 0 ? -1 : 0)
                    let moved = adv[k] + stepSize * s
                    adv[k] = min(max(min(max(moved, x[k] - eps), x[k] + eps), 0), 1)
                }
            case .l2:
                for n in 0..<b {
                    let r = (n * d)..<((n + 1) * d)
                    let gn = max(g[r].reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
                    for k in r { adv[k] += stepSize * g[k] / gn }
                    let dn = r.reduce(Float(0)) { $0 + (adv[$1] - x[$1]) * (adv[$1] - x[$1]) }.squareRoot()
                    let f = dn > eps ? eps / dn : 1
                    for k in r { adv[k] = min(max(x[k] + (adv[k] - x[k]) * f, 0), 1) }
                }
            }
        }
        return adv
    }
}

/// PGD-L∞ as adversarial training configures it (the recipe stored in model files):
/// one run, untargeted, the inner maximisation of PGD-AT.
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
        PGD(eps: eps, stepSize: stepSize, steps: steps, randomStart: randomStart).perturb(net, x: x, labels: labels, rng: &rng)
    }
}
