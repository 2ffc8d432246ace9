import EdgeCore
import EdgeFloat
import Foundation

/// Auto-PGD in L∞ or L2 (Croce & Hein, "Reliable evaluation of adversarial robustness with an
/// ensemble of diverse parameter-free attacks", ICML 2020, Algorithm 1), the first attack of
/// AutoAttack, with the cross-entropy or the DLR loss. Step size starts at 2ε and is halved
/// at checkpoints where the loss oscillated (it rose in at most ρ = 75% of the steps since
/// the last checkpoint) or neither the step size nor the best loss changed; after a halving
/// the iterate restarts from the best point found. Steps use momentum α = 0.75.
/// Follows the authors' code (fra31/auto-attack, `apgd_attack_single_run`): random start in
/// the ball, checkpoint lengths 22%, then −3% of the steps each time down to 6%, per-image
/// step sizes. Returned per image: the highest-loss iterate over all restarts when it is
/// misclassified, else the first misclassified iterate, else the highest-loss iterate — so
/// examples that are later snapped to the uint8 grid or transferred to the int8 net sit as
/// far across the boundary as the attack got, not just over it.
public struct APGD: Sendable {
    /// The loss maximised.
    public enum Loss: String, CaseIterable, Sendable {
        /// Cross-entropy to the true label.
        case ce
        /// Difference of logits ratio: −(z_y − max_{i≠y} z_i) / (z_π1 − z_π3 + 1e-12), invariant
        /// to shifting and scaling the logits (needs at least 3 classes).
        case dlr
    }

    /// L∞ radius in pixel units ([0, 1] inputs).
    public var eps: Float
    /// Iterations per restart.
    public var steps: Int
    /// The loss.
    public var loss: Loss
    /// Random restarts; an image fooled by any restart stays fooled.
    public var restarts: Int
    /// The norm of the ball: L∞ (sign steps) or L2 (normalised-gradient steps, the authors'
    /// L2 version; step size also starts at 2ε).
    public var norm: AttackNorm

    /// An attack with radius `eps`, `steps` iterations, `loss`, `restarts` and `norm`.
    public init(eps: Float, steps: Int, loss: Loss = .ce, restarts: Int = 1, norm: AttackNorm = .linf) {
        self.eps = eps
        self.steps = steps
        self.loss = loss
        self.restarts = restarts
        self.norm = norm
    }

    /// AutoAttack's budget (standard version): 100 iterations, 1 restart.
    public static let autoAttackSteps = 100

    /// Iteration indices (0-based, after which the test runs) of the checkpoints for `n`
    /// steps: lengths ⌊0.22 n⌋, then 3% shorter each time (at least ⌊0.06 n⌋, at least 1).
    /// For n = 100: 22, 41, 57, 70, 80, 87, 93, 99 — the paper's w_j = ⌈p_j·N⌉.
    public static func checkpoints(_ n: Int) -> [Int] {
        var out: [Int] = []
        var k = max(Int(0.22 * Double(n)), 1)
        let decrease = max(Int(0.03 * Double(n)), 1), minimum = max(Int(0.06 * Double(n)), 1)
        var at = 0
        while at + k <= n {
            at += k
            out.append(at)
            k = max(k - decrease, minimum)
        }
        return out
    }

    /// Per-image losses and their gradients with respect to the logits (`b`×`k`, row-major).
    public static func lossAndLogitGradient(_ loss: Loss, logits z: [Float], labels: [Int], classes k: Int) -> ([Double], [Float]) {
        var values = [Double](repeating: 0, count: labels.count)
        var grad = [Float](repeating: 0, count: z.count)
        for (n, y) in labels.enumerated() {
            let row = z[(n * k)..<(n * k + k)].map(Double.init)
            switch loss {
            case .ce:
                let m = row.max() ?? 0
                let e = row.map { exp($0 - m) }
                let s = e.reduce(0, +)
                values[n] = -(row[y] - m - log(s))
                for j in 0..<k { grad[n * k + j] = Float(e[j] / s - (j == y ? 1 : 0)) }
            case .dlr:
                guard k >= 3 else { continue }
                let order = (0..<k).sorted { row[$0] != row[$1] ? row[$0] > row[$1] : $0 < $1 }
                var other = -1
                for j in 0..<k where j != y && (other < 0 || row[j] > row[other]) { other = j }
                let num = row[y] - row[other]
                let den = row[order[0]] - row[order[2]] + 1e-12
                values[n] = -num / den
                // l = −N/D: ∂l/∂z_j = −(∂N/∂z_j)/D + N/D²·∂D/∂z_j.
                var g = [Double](repeating: 0, count: k)
                g[y] -= 1 / den
                g[other] += 1 / den
                g[order[0]] += num / (den * den)
                g[order[2]] -= num / (den * den)
                for j in 0..<k { grad[n * k + j] = Float(g[j]) }
            }
        }
        return (values, grad)
    }

    /// Adversarial examples for the batch `x` (b images of d values in [0, 1]) with true
    /// `labels`; every output lies in the ε-ball around its image and in [0, 1]. Each restart
    /// attacks only the images no earlier restart fooled (as the authors' `perturb` does).
    public func perturb(_ net: FloatNetwork, x: [Float], labels: [Int], rng: inout SeededGenerator) -> [Float] {
        let k = net.classes, loss = self.loss
        return restarted(x: x, labels: labels, rng: &rng) { _, sx, sl, r in
            singleRun(net, x: sx, labels: sl, lossFunction: { Self.lossAndLogitGradient(loss, logits: $0, labels: sl, classes: k) },
                      rng: &r)
        }
    }

    /// Runs `attack` `restarts` times, each on the images still not fooled (`open`: their
    /// indices in the batch, ascending), and keeps per
    /// image the highest-loss iterate when it is misclassified, else the first misclassified
    /// iterate, else the highest-loss iterate.
    func restarted(x: [Float], labels: [Int], rng: inout SeededGenerator,
                   _ attack: (_ open: [Int], _ x: [Float], _ labels: [Int], _ rng: inout SeededGenerator) -> Run) -> [Float] {
        let b = labels.count, d = x.count / max(b, 1)
        guard b > 0, steps > 0 else { return x }
        var total = Run(fooled: [Bool](repeating: false, count: b), firstFooled: x, top: x,
                        topLoss: [Double](repeating: -.infinity, count: b), topWrong: [Bool](repeating: false, count: b))
        for _ in 0..<max(1, restarts) {
            let open = (0..<b).filter { !total.fooled[$0] }
            if open.isEmpty { break }
            let sx = open.flatMap { x[($0 * d)..<(($0 + 1) * d)] }
            let run = attack(open, sx, open.map { labels[$0] }, &rng)
            for (j, n) in open.enumerated() {
                let r = (j * d)..<((j + 1) * d)
                if run.topLoss[j] > total.topLoss[n] {
                    total.topLoss[n] = run.topLoss[j]
                    total.topWrong[n] = run.topWrong[j]
                    total.top.replaceSubrange((n * d)..<((n + 1) * d), with: run.top[r])
                }
                if run.fooled[j] {
                    total.fooled[n] = true
                    total.firstFooled.replaceSubrange((n * d)..<((n + 1) * d), with: run.firstFooled[r])
                }
            }
        }
        var result = total.firstFooled
        for n in 0..<b where total.topWrong[n] || !total.fooled[n] {
            result.replaceSubrange((n * d)..<((n + 1) * d), with: total.top[(n * d)..<((n + 1) * d)])
        }
        return result
    }
}
