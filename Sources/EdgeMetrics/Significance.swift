import Foundation

/// Confidence intervals and paired tests for the accuracies an audit reports, so that a
/// difference between float and int8 is called a difference only when the sample shows it.
public enum Significance {
    /// The 95% Wilson score interval of `successes` out of `trials` (Wilson 1927), which
    /// unlike the normal approximation stays inside [0, 1] and is sensible at 0 and n.
    /// z = 1.959963984540054 (the 97.5% normal quantile). (0, 1) when `trials` is 0.
    public static func wilson(successes k: Int, trials n: Int, z: Double = 1.959963984540054) -> (low: Double, high: Double) {
        guard n > 0 else { return (0, 1) }
        let nd = Double(n), p = Double(k) / nd, z2 = z * z
        let centre = (p + z2 / (2 * nd)) / (1 + z2 / nd)
        let half = z / (1 + z2 / nd) * (p * (1 - p) / nd + z2 / (4 * nd * nd)).squareRoot()
        return (max(0, centre - half), min(1, centre + half))
    }

    /// McNemar's exact test on paired outcomes: `b` images right on the first net only, `c`
    /// right on the second only. Under the null both kinds are equally likely, so
    /// min(b, c) ~ Binomial(b + c, ½); the two-sided p-value is min(1, 2·P(X ≤ min(b, c))).
    /// The exact form is used at every size (no χ² approximation), computed in log space.
    public static func mcnemar(onlyFirst b: Int, onlySecond c: Int) -> Double {
        let n = b + c
        guard n > 0 else { return 1 }
        let m = min(b, c)
        // ln k! by a running sum of logs (exact enough for n up to millions, and unambiguous
        // where Glibc and Foundation both export lgamma).
        var lnFact = [Double](repeating: 0, count: n + 1)
        for i in stride(from: 1, through: n, by: 1) { lnFact[i] = lnFact[i - 1] + log(Double(i)) }
        let lnHalfN = Double(n) * log(2.0)
        let terms: [Double] = (0...m).map { i in lnFact[n] - lnFact[i] - lnFact[n - i] - lnHalfN }
        let top = terms.max() ?? 0
        let tail = exp(top) * terms.reduce(0) { $0 + exp($1 - top) }
        return min(1, 2 * tail)
    }

    /// Outcome of comparing two nets on the same images.
    public struct Paired: Sendable, Equatable {
        /// Images right on the first net only, and on the second only.
        public var onlyFirst: Int, onlySecond: Int
        /// McNemar's two-sided exact p-value.
        public var pValue: Double
        /// Whether p < 0.05.
        public var significant: Bool { pValue < 0.05 }
    }

    /// McNemar's test from per-image correctness of two nets on the same images.
    public static func paired(_ first: [Bool], _ second: [Bool]) -> Paired {
        precondition(first.count == second.count)
        var b = 0, c = 0
        for (x, y) in zip(first, second) where x != y { if x { b += 1 } else { c += 1 } }
        return Paired(onlyFirst: b, onlySecond: c, pValue: mcnemar(onlyFirst: b, onlySecond: c))
    }

    /// Holm's step-down correction (Holm 1979) of `pValues` at family-wise level `alpha`:
    /// sorted ascending, the i-th smallest (0-based) is rejected while p ≤ α/(m − i); once one
    /// is kept, every larger one is kept. An audit makes a hundred comparisons, and at 5% each
    /// about five would look significant by chance alone.
    public static func holm(_ pValues: [Double], alpha: Double = 0.05) -> [Bool] {
        let m = pValues.count
        let order = pValues.indices.sorted { (pValues[$0], $0) < (pValues[$1], $1) }
        var out = [Bool](repeating: false, count: m)
        for (i, j) in order.enumerated() {
            guard pValues[j] <= alpha / Double(m - i) else { break }
            out[j] = true
        }
        return out
    }

    /// A confusion matrix, counts [true][predicted], of `predicted` against `labels`.
    public static func confusion(labels: [Int], predicted: [Int], classes k: Int) -> [[Int]] {
        var m = [[Int]](repeating: [Int](repeating: 0, count: k), count: k)
        for (y, p) in zip(labels, predicted) where (0..<k).contains(y) && (0..<k).contains(p) { m[y][p] += 1 }
        return m
    }
}
