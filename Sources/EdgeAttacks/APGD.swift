import EdgeCore
import EdgeFloat
import Foundation

/// Auto-PGD in L∞ (Croce & Hein, "Reliable evaluation of adversarial robustness with an
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

    /// An attack with radius `eps`, `steps` iterations, `loss` and `restarts`.
    public init(eps: Float, steps: Int, loss: Loss = .ce, restarts: Int = 1) {
        self.eps = eps
        self.steps = steps
        self.loss = loss
        self.restarts = restarts
    }

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
    /// `labels`; every output lies in the ε-ball around its image and in [0, 1].
    public func perturb(_ net: FloatNetwork, x: [Float], labels: [Int], rng: inout SeededGenerator) -> [Float] {
        let b = labels.count, d = x.count / max(b, 1), k = net.classes
        guard b > 0, steps > 0 else { return x }
        var result = x
        var fooled = [Bool](repeating: false, count: b)
        var top = x, topLoss = [Double](repeating: -.infinity, count: b), topWrong = [Bool](repeating: false, count: b)
        func keepTop(_ n: Int, _ p: [Float], _ l: Double, _ w: Bool) {
            guard l > topLoss[n] else { return }
            topLoss[n] = l
            topWrong[n] = w
            for t in (n * d)..<((n + 1) * d) { top[t] = p[t] }
        }
        let marks = Set(Self.checkpoints(steps).map { $0 - 1 })
        func project(_ v: Float, _ i: Int) -> Float { min(max(min(max(v, x[i] - eps), x[i] + eps), 0), 1) }
        func evaluate(_ p: [Float]) -> (loss: [Double], grad: [Float], wrong: [Bool]) {
            let pass = net.forward(p, batch: b)
            let (l, dl) = Self.lossAndLogitGradient(loss, logits: pass.logits, labels: labels, classes: k)
            let g = net.backward(pass, dLogits: dl, parameters: false, input: true).input ?? [Float](repeating: 0, count: p.count)
            let pred = SoftmaxCrossEntropy.argmax(pass.logits, classes: k)
            return (l, g, (0..<b).map { pred[$0] != labels[$0] })
        }
        for _ in 0..<max(1, restarts) {
            var adv = x
            for i in adv.indices { adv[i] = min(max(x[i] + rng.uniform(-eps, eps), 0), 1) }
            var (lossNow, grad, wrong) = evaluate(adv)
            var step = [Float](repeating: 2 * eps, count: b)
            var best = adv, bestGrad = grad, bestLoss = lossNow
            for n in 0..<b {
                keepTop(n, adv, lossNow[n], wrong[n])
                if wrong[n] && !fooled[n] {
                    fooled[n] = true
                    for t in 0..<d { result[n * d + t] = adv[n * d + t] }
                }
            }
            var previous = adv
            var increases = [Int](repeating: 0, count: b)
            var lastLoss = lossNow
            var bestAtLastCheck = bestLoss
            var reducedAtLastCheck = [Bool](repeating: true, count: b)
            var sinceCheck = 0
            for it in 0..<steps {
                let a: Float = it > 0 ? 0.75 : 1
                var next = adv
                for n in 0..<b {
                    for t in (n * d)..<((n + 1) * d) {
                        let s: Float = grad[t] > 0 ? 1 : (grad[t] < 0 ? -1 : 0)
                        let z = project(adv[t] + step[n] * s, t)
                        next[t] = project(adv[t] + a * (z - adv[t]) + (1 - a) * (adv[t] - previous[t]), t)
                    }
                }
                previous = adv
                adv = next
                (lossNow, grad, wrong) = evaluate(adv)
                for n in 0..<b {
                    keepTop(n, adv, lossNow[n], wrong[n])
                    if wrong[n] && !fooled[n] {
                        fooled[n] = true
                        for t in 0..<d { result[n * d + t] = adv[n * d + t] }
                    }
                    if lossNow[n] > lastLoss[n] { increases[n] += 1 }
                    if lossNow[n] > bestLoss[n] {
                        bestLoss[n] = lossNow[n]
                        for t in (n * d)..<((n + 1) * d) { best[t] = adv[t]; bestGrad[t] = grad[t] }
                    }
                }
                lastLoss = lossNow
                sinceCheck += 1
                if marks.contains(it) {
                    for n in 0..<b {
                        // Condition 1: the loss rose in at most 75% of the steps since the last
                        // checkpoint. Condition 2: no halving last time and no better loss since.
                        let oscillating = Double(increases[n]) <= 0.75 * Double(sinceCheck)
                        let stalled = !reducedAtLastCheck[n] && bestAtLastCheck[n] >= bestLoss[n]
                        let reduce = oscillating || stalled
                        reducedAtLastCheck[n] = reduce
                        bestAtLastCheck[n] = bestLoss[n]
                        increases[n] = 0
                        if reduce {
                            step[n] /= 2
                            for t in (n * d)..<((n + 1) * d) { adv[t] = best[t]; grad[t] = bestGrad[t] }
                        }
                    }
                    sinceCheck = 0
                }
            }
            if fooled.allSatisfy({ $0 }) { break }
        }
        for n in 0..<b where topWrong[n] || !fooled[n] {
            for t in (n * d)..<((n + 1) * d) { result[t] = top[t] }
        }
        return result
    }
}

