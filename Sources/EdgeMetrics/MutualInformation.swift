import COpenBLAS
import EdgeCore
import Foundation

/// Mutual-information estimates for one layer's activations T (N samples of dimension d)
/// against the input X and the label Y, in bits (Zhang et al.; Kolchinsky & Tracey;
/// Shwartz-Ziv & Tishby; the estimators of Saxe et al.'s code).
public struct MIEstimate: Codable, Equatable, Sendable {
    /// KDE upper bound (noise variance σ²): I(T;X) and I(T;Y).
    public var kdeUpperITX: Double, kdeUpperITY: Double
    /// KDE lower bound (the same expression at 4σ² plus (d/2)·ln(1/4)).
    public var kdeLowerITX: Double, kdeLowerITY: Double
    /// Binning with width λ: I(T;X) = H(T) and I(T;Y) = H(T) − H(T|Y).
    public var binITX: Double, binITY: Double
}

/// The estimators. Pairwise distances are one GEMM (‖a‖² + ‖b‖² − 2a·b) in float64, and
/// every log-sum-exp is max-subtracted.
public enum MutualInformation {
    /// Checks activations for the estimators: finite values only.
    public static func validate(_ t: [Float], path: String) throws {
        if let i = t.firstIndex(where: { !$0.isFinite }) {
            throw EdgeError.badData(path: path, reason: "value \(i) is \(t[i]); activations must be finite")
        }
    }

    /// Estimates for activations `t` (row-major [n, d]) with `labels`.
    public static func estimate(_ t: [Float], n: Int, d: Int, labels: [Int], sigma2: Double = 0.1, binSize: Double = 0.5) -> MIEstimate {
        precondition(t.count == n * d && labels.count == n && n > 0 && d > 0 && sigma2 > 0 && binSize > 0)
        let dist = squaredDistances(t, n: n, d: d)
        let all = Array(0..<n)
        var classes: [Int: [Int]] = [:]
        for (i, l) in labels.enumerated() { classes[l, default: []].append(i) }
        let hCond = Double(d) / 2 * (log(2 * Double.pi * sigma2) + 1)
        func hUpper(_ s: [Int], _ v: Double) -> Double { kdeEntropy(dist, n: n, subset: s, d: d, variance: v) }
        func hLower(_ s: [Int]) -> Double { kdeEntropy(dist, n: n, subset: s, d: d, variance: 4 * sigma2) + Double(d) / 2 * log(0.25) }
        let hu = hUpper(all, sigma2), hl = hLower(all)
        var huY = 0.0, hlY = 0.0, hbY = 0.0
        let bins = binRows(t, n: n, d: d, width: binSize)
        for key in classes.keys.sorted() {
            let s = classes[key] ?? []
            let w = Double(s.count) / Double(n)
            huY += w * hUpper(s, sigma2)
            hlY += w * hLower(s)
            hbY += w * binEntropy(bins, subset: s)
        }
        let hb = binEntropy(bins, subset: all)
        let ln2 = log(2.0)
        return MIEstimate(kdeUpperITX: (hu - hCond) / ln2, kdeUpperITY: (hu - huY) / ln2,
                          kdeLowerITX: (hl - hCond) / ln2, kdeLowerITY: (hl - hlY) / ln2,
                          binITX: hb, binITY: hb - hbY)
    }

    /// ‖t_i − t_j‖² for all pairs, [n, n], clamped at 0 against rounding.
    public static func squaredDistances(_ t: [Float], n: Int, d: Int) -> [Double] {
        let x = t.map(Double.init)
        var g = [Double](repeating: 0, count: n * n)
        x.withUnsafeBufferPointer { xp in
            g.withUnsafeMutableBufferPointer { gp in
                cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, Int32(n), Int32(d), 1, xp.baseAddress, Int32(d), 0, gp.baseAddress, Int32(n))
            }
        }
        var norms = [Double](repeating: 0, count: n)
        for i in 0..<n { norms[i] = g[i * n + i] }
        // Mirror the upper triangle in place: D = ‖a‖² + ‖b‖² − 2a·b, zero diagonal.
        for i in 0..<n {
            g[i * n + i] = 0
            for j in (i + 1)..<max(i + 1, n) {
                let v = max(norms[i] + norms[j] - 2 * g[i * n + j], 0)
                g[i * n + j] = v
                g[j * n + i] = v
            }
        }
        return g
    }

    /// The KDE entropy bound in nats over `subset`: d/2 + (d/2)·ln(2πv) + ln m −
    /// (1/m)·Σ_i logsumexp_j(−D_ij / (2v)), j over the subset including i.
    static func kdeEntropy(_ dist: [Double], n: Int, subset s: [Int], d: Int, variance v: Double) -> Double {
        let m = s.count
        guard m > 0 else { return 0 }
        // Rows are independent: compute each row's log-sum-exp in parallel, then sum them in
        // row order so the result does not depend on the thread count.
        var lse = [Double](repeating: 0, count: m)
        let scale = -1 / (2 * v)
        dist.withUnsafeBufferPointer { dp in
            lse.withUnsafeMutableBufferPointer { lp in
                let (dp, lp) = (dp, lp)
                Parallel.forEach(m) { a in
                    let row = s[a] * n
                    var mx = -Double.infinity
                    for j in s { mx = max(mx, dp[row + j] * scale) }
                    var acc = 0.0
                    for j in s { acc += exp(dp[row + j] * scale - mx) }
                    lp[a] = mx + log(acc)
                }
            }
        }
        let total = lse.reduce(0, +)
        return Double(d) / 2 + Double(d) / 2 * log(2 * Double.pi * v) + log(Double(m)) - total / Double(m)
    }

    /// Row ids after binning: rows equal after floor(t/λ) share an id.
    static func binRows(_ t: [Float], n: Int, d: Int, width: Double) -> [Int] {
        var ids: [[Int32]: Int] = [:]
        var out = [Int](repeating: 0, count: n)
        for i in 0..<n {
            // NaN and values beyond Int32 get their own extreme bins instead of trapping.
            let key = (0..<d).map { j -> Int32 in
                let v = (Double(t[i * d + j]) / width).rounded(.down)
                return v.isNaN ? Int32.min : Int32(max(min(v, Double(Int32.max)), Double(Int32.min)))
            }
            if let id = ids[key] { out[i] = id } else { out[i] = ids.count; ids[key] = ids.count }
        }
        return out
    }

    /// Entropy in bits of the binned rows in `subset`.
    static func binEntropy(_ ids: [Int], subset: [Int]) -> Double {
        var counts: [Int: Int] = [:]
        for i in subset { counts[ids[i], default: 0] += 1 }
        let m = Double(subset.count)
        var h = 0.0
        for c in counts.values.sorted() { let p = Double(c) / m; h -= p * log2(p) }
        return h
    }
}

extension MutualInformation {
    /// The KDE noise variance for a layer from its own activation scale: σ² = median over
    /// pairs i < j of ‖t_i − t_j‖² divided by ln N, so that a typical pair of samples overlaps
    /// with kernel weight exp(−D/(2σ²)) = 1/√N — neither every sample isolated (I(T;X) pinned
    /// at log2 N, the saturation a fixed σ² gives wide layers) nor all of them merged (I = 0).
    /// `dist` is the [n, n] matrix of `squaredDistances`. Falls back to 0.1 when every
    /// distance is 0 (a constant layer).
    public static func scaledSigma2(_ dist: [Double], n: Int) -> Double {
        guard n > 2 else { return 0.1 }
        var pairs: [Double] = []
        pairs.reserveCapacity(n * (n - 1) / 2)
        for i in 0..<n { for j in (i + 1)..<n { pairs.append(dist[i * n + j]) } }
        pairs.sort()
        let median = pairs[pairs.count / 2]
        guard median > 0, median.isFinite else { return 0.1 }
        return median / log(Double(n))
    }

    /// `scaledSigma2` of activations `t` (row-major [n, d]).
    public static func scaledSigma2(_ t: [Float], n: Int, d: Int) -> Double {
        scaledSigma2(squaredDistances(t, n: n, d: d), n: n)
    }
}
