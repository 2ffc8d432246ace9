import EdgeCore
import EdgeFloat
import Foundation

/// APGD-T (Croce & Hein 2020): APGD on the targeted DLR loss, run once per target class —
/// the 2nd, 3rd, … highest-scoring classes of the clean image, `targetClasses` of them (9 in
/// AutoAttack's standard version) — each run only on the images still classified correctly.
/// Success means misclassified (any wrong class), as in the authors' code.
public struct APGDTargeted: Sendable {
    /// Radius in pixel units ([0, 1] inputs), in `norm`.
    public var eps: Float
    /// Iterations per (target, restart).
    public var steps: Int
    /// Target classes tried, highest-scoring first (capped at classes − 1).
    public var targetClasses: Int
    /// Restarts per target class.
    public var restarts: Int
    /// L∞ or L2.
    public var norm: AttackNorm

    /// AutoAttack's standard APGD-T: 100 steps, 9 target classes, 1 restart.
    public init(eps: Float, steps: Int = 100, targetClasses: Int = 9, restarts: Int = 1, norm: AttackNorm = .linf) {
        self.eps = eps
        self.steps = steps
        self.targetClasses = targetClasses
        self.restarts = restarts
        self.norm = norm
    }

    /// The targeted DLR loss −(z_y − z_t) / (z_π1 − ½(z_π3 + z_π4) + 1e-12) per image and its
    /// gradient with respect to the logits (needs at least 4 classes; rows with fewer get 0).
    public static func lossAndLogitGradient(logits z: [Float], labels: [Int], targets: [Int], classes k: Int) -> ([Double], [Float]) {
        var values = [Double](repeating: 0, count: labels.count)
        var grad = [Float](repeating: 0, count: z.count)
        guard k >= 4 else { return (values, grad) }
        for (n, y) in labels.enumerated() {
            let row = z[(n * k)..<(n * k + k)].map(Double.init)
            let t = targets[n]
            let order = (0..<k).sorted { row[$0] != row[$1] ? row[$0] > row[$1] : $0 < $1 }
            let num = row[y] - row[t]
            let den = row[order[0]] - 0.5 * (row[order[2]] + row[order[3]]) + 1e-12
            values[n] = -num / den
            // l = −N/D: ∂l/∂z_j = −(∂N/∂z_j)/D + N/D²·∂D/∂z_j.
            var g = [Double](repeating: 0, count: k)
            g[y] -= 1 / den
            g[t] += 1 / den
            let q = num / (den * den)
            g[order[0]] += q
            g[order[2]] -= 0.5 * q
            g[order[3]] -= 0.5 * q
            for j in 0..<k { grad[n * k + j] = Float(g[j]) }
        }
        return (values, grad)
    }

    /// The `rank`-th highest-scoring class of each logit row (rank 1 = the top class);
    /// ties go to the lower index first.
    static func ranked(_ z: [Float], classes k: Int, rank: Int) -> [Int] {
        (0..<(z.count / max(k, 1))).map { n in
            let row = Array(z[(n * k)..<(n * k + k)])
            let order = (0..<k).sorted { row[$0] != row[$1] ? row[$0] > row[$1] : $0 < $1 }
            return order[min(rank - 1, k - 1)]
        }
    }

    /// Adversarial examples for `x` (b images in [0, 1]) with true `labels`: per image the
    /// first target run that misclassified it, else the clean image. Inside the ε-ball.
    public func perturb(_ net: FloatNetwork, x: [Float], labels: [Int], rng: inout SeededGenerator) -> [Float] {
        let b = labels.count, d = x.count / max(b, 1), k = net.classes
        guard b > 0, steps > 0, k >= 4 else { return x }
        var result = x
        let clean = net.forward(x, batch: b).logits
        var correct = zip(SoftmaxCrossEntropy.argmax(clean, classes: k), labels).map { $0 == $1 }
        let inner = APGD(eps: eps, steps: steps, loss: .dlr, restarts: restarts, norm: norm)
        for rank in 2..<(2 + min(targetClasses, k - 1)) {
            let open = (0..<b).filter { correct[$0] }
            if open.isEmpty { break }
            let sx = open.flatMap { x[($0 * d)..<(($0 + 1) * d)] }
            let sl = open.map { labels[$0] }
            let st = Self.ranked(open.flatMap { clean[($0 * k)..<(($0 + 1) * k)] }, classes: k, rank: rank)
            let adv = inner.restarted(x: sx, labels: sl, rng: &rng) { still, rx, rl, r in
                let rt = still.map { st[$0] }
                return inner.singleRun(net, x: rx, labels: rl, lossFunction: {
                    Self.lossAndLogitGradient(logits: $0, labels: rl, targets: rt, classes: k)
                }, rng: &r)
            }
            let pred = SoftmaxCrossEntropy.argmax(net.forward(adv, batch: open.count).logits, classes: k)
            for (j, n) in open.enumerated() where pred[j] != labels[n] {
                correct[n] = false
                result.replaceSubrange((n * d)..<((n + 1) * d), with: adv[(j * d)..<((j + 1) * d)])
            }
        }
        return result
    }
}
