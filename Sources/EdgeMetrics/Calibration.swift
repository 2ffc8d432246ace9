import Foundation

/// Calibration of predicted probabilities (Guo et al. 2017): how well confidence matches
/// accuracy.
public enum CalibrationMetrics {
    /// One reliability-diagram bin.
    public struct Bin: Codable, Equatable, Sendable {
        /// Lower and upper edge of the bin's confidence interval.
        public var lower: Double, upper: Double
        /// Samples whose top-label confidence fell in the bin.
        public var count: Int
        /// Mean confidence of those samples (0 when empty).
        public var confidence: Double
        /// Their accuracy (0 when empty).
        public var accuracy: Double
    }

    /// All calibration figures for one set of predictions.
    public struct Report: Codable, Equatable, Sendable {
        /// Top-1 accuracy.
        public var accuracy: Double
        /// Expected calibration error: Σ_b (n_b / N)·|acc_b − conf_b| over equal-width bins (L1).
        public var ece: Double
        /// Maximum calibration error: max_b |acc_b − conf_b| over non-empty bins.
        public var mce: Double
        /// RMS calibration error: √(Σ_b (n_b / N)·(acc_b − conf_b)²).
        public var rmsce: Double
        /// ECE over equal-mass bins (adaptive ECE).
        public var adaptiveECE: Double
        /// Mean negative log-likelihood of the true class (natural log).
        public var nll: Double
        /// Brier score: mean over samples of Σ_k (p_k − y_k)².
        public var brier: Double
        /// Reliability-diagram bins (equal width).
        public var bins: [Bin]
    }

    /// Computes every figure from probabilities [N, K] (rows sum to 1) and labels.
    /// Bins are (lower, upper] with the first bin also taking confidence 0, as torchmetrics does.
    public static func evaluate(probabilities p: [Double], classes k: Int, labels: [Int], bins nb: Int = 15) -> Report {
        let n = labels.count
        precondition(p.count == n * k && nb > 0)
        let (conf, correct) = topLabel(probabilities: p, classes: k, labels: labels)
        var nll = 0.0, brier = 0.0
        for i in 0..<n {
            let row = p[(i * k)..<(i * k + k)]
            nll -= log(max(row[row.startIndex + labels[i]], 1e-300))
            for j in 0..<k { let d = row[row.startIndex + j] - (j == labels[i] ? 1 : 0); brier += d * d }
        }
        let top = evaluate(confidences: conf, correct: correct, bins: nb)
        return Report(accuracy: top.accuracy, ece: top.ece, mce: top.mce, rmsce: top.rmsce, adaptiveECE: top.adaptiveECE,
                      nll: nll / Double(max(n, 1)), brier: brier / Double(max(n, 1)), bins: top.bins)
    }

    /// Each row's top-label confidence (the first maximal probability) and whether that
    /// label is right. A row with NaN or Inf has no prediction: wrong, and its confidence
    /// makes the calibration metrics NaN (reported as such) instead of trapping later.
    public static func topLabel(probabilities p: [Double], classes k: Int, labels: [Int]) -> (confidence: [Double], correct: [Bool]) {
        let n = labels.count
        var conf = [Double](repeating: 0, count: n), correct = [Bool](repeating: false, count: n)
        for i in 0..<n {
            let row = p[(i * k)..<(i * k + k)]
            var best = row.startIndex
            for j in row.indices where row[j] > row[best] { best = j }
            conf[i] = row[best]
            correct[i] = best - row.startIndex == labels[i] && row.allSatisfy { $0.isFinite }
        }
        return (conf, correct)
    }

    /// The figures that need only each sample's top-label confidence and correctness
    /// (accuracy, ECE, MCE, RMSCE, adaptive ECE, bins); `nll` and `brier` are 0 here. Stages
    /// keep these two numbers per image, so shards merge into exactly the unsharded values.
    public static func evaluate(confidences conf: [Double], correct: [Bool], bins nb: Int = 15) -> Report {
        let n = conf.count
        precondition(correct.count == n && nb > 0)
        var bins: [Bin] = (0..<nb).map { Bin(lower: Double($0) / Double(nb), upper: Double($0 + 1) / Double(nb), count: 0, confidence: 0, accuracy: 0) }
        var sumConf = [Double](repeating: 0, count: nb), sumAcc = sumConf
        for i in 0..<n {
            // Bin b holds (b/nb, (b+1)/nb]; confidence 0 goes to bin 0.
            let x = (conf[i] * Double(nb)).rounded(.up)
            let b = x.isFinite ? min(nb - 1, max(0, Int(max(min(x, Double(nb)), 0)) - 1)) : 0
            bins[b].count += 1
            sumConf[b] += conf[i]
            sumAcc[b] += correct[i] ? 1 : 0
        }
        var ece = 0.0, mce = 0.0, rms = 0.0
        for b in 0..<nb where bins[b].count > 0 {
            let c = Double(bins[b].count)
            bins[b].confidence = sumConf[b] / c
            bins[b].accuracy = sumAcc[b] / c
            let gap = abs(bins[b].accuracy - bins[b].confidence)
            ece += c / Double(n) * gap
            rms += c / Double(n) * gap * gap
            mce = max(mce, gap)
        }
        // Equal-mass bins: sort by confidence (stable on index for determinism), split evenly.
        let order = (0..<n).sorted { conf[$0] != conf[$1] ? conf[$0] < conf[$1] : $0 < $1 }
        var aece = 0.0
        for b in 0..<nb {
            let lo = b * n / nb, hi = (b + 1) * n / nb
            guard hi > lo else { continue }
            var sc = 0.0, sa = 0.0
            for i in order[lo..<hi] { sc += conf[i]; sa += correct[i] ? 1 : 0 }
            aece += Double(hi - lo) / Double(n) * abs(sa - sc) / Double(hi - lo)
        }
        let acc = Double(correct.filter { $0 }.count) / Double(max(n, 1))
        return Report(accuracy: acc, ece: ece, mce: mce, rmsce: rms.squareRoot(), adaptiveECE: aece, nll: 0, brier: 0, bins: bins)
    }

    /// Softmax of logits [N, K] in Double, max-subtracted.
    public static func softmax(_ logits: [Float], classes k: Int) -> [Double] {
        var out = [Double](repeating: 0, count: logits.count)
        for i in 0..<(logits.count / k) {
            var m = -Double.infinity
            for j in 0..<k { m = max(m, Double(logits[i * k + j])) }
            var s = 0.0
            for j in 0..<k { let e = exp(Double(logits[i * k + j]) - m); out[i * k + j] = e; s += e }
            for j in 0..<k { out[i * k + j] /= s }
        }
        return out
    }
}
