import EdgeCore
import EdgeFloat
import EdgeTrain

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
    /// run that leaves each image with the highest loss wins. L∞ steps α·sign(g); L2 steps
    /// α·g/‖g‖₂ per image with projection onto the ε-ball. The one implementation lives in
    /// EdgeTrain (`PGD`), shared with adversarial training.
    public static func pgd(_ net: FloatNetwork, x: [Float], labels: [Int], eps: Float, stepSize: Float, steps: Int,
                           norm: AttackNorm = .linf, restarts: Int = 1, targets: [Int]? = nil, rng: inout SeededGenerator) -> [Float] {
        PGD(eps: eps, stepSize: stepSize, steps: steps, norm: norm == .linf ? .linf : .l2, restarts: restarts)
            .perturb(net, x: x, labels: labels, targets: targets, rng: &rng)
    }
}

#if canImport(Glibc)
import Glibc
#endif
