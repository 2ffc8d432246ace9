/// How far apart two attribution maps of the same image are (docs/saliency.md), on pixel
/// maps (channels summed, `Saliency.pixelMap`).
///
/// - ℓ1: ‖m/‖m‖₁ − m′/‖m′‖₁‖₁, in [0, 2]. Boopathy et al. define D_ℓ1 on the raw maps (their
///   lower bound needs completeness' scale, and their code compares raw CAM/IG maps); the
///   maps here are scaled to unit ℓ1 mass first, so that a map that only grew (int8 logits
///   on another scale) is not counted as a different explanation and numbers compare across
///   models. An all-zero map stays zero (distance 1 to any non-zero map, 0 to another zero one).
/// - Kendall τ of the top-k pixels: τ_b between |m| and |m′| on the union of the two maps'
///   k largest |values| (ties broken by the lower pixel index), k = ⌈fraction · pixels⌉.
///   Magnitudes, as Ghorbani et al.'s top-k: a strongly negative IG pixel matters as much as
///   a strongly positive one. τ_b is scipy.stats.kendalltau's default; it is nil (undefined)
///   when one side is constant on the union (e.g. an all-zero Grad-CAM map).
public enum SaliencyDiscrepancy {
    /// The ℓ1 distance of the ℓ1-normalised maps.
    public static func l1(_ a: [Float], _ b: [Float]) -> Double {
        precondition(a.count == b.count)
        let na = a.reduce(0.0) { $0 + abs(Double($1)) }, nb = b.reduce(0.0) { $0 + abs(Double($1)) }
        var d = 0.0
        for i in a.indices {
            let u = na > 0 ? Double(a[i]) / na : 0, v = nb > 0 ? Double(b[i]) / nb : 0
            d += abs(u - v)
        }
        return d
    }

    /// k for `pixels` pixels: ⌈fraction · pixels⌉, at least 1 and at most `pixels`.
    public static func topK(pixels: Int, fraction: Double) -> Int {
        min(pixels, max(1, Int((fraction * Double(pixels)).rounded(.up))))
    }

    /// The k pixel indices of largest |value|, ties to the lower index.
    public static func top(_ m: [Float], k: Int) -> [Int] {
        Array(m.indices.sorted { abs(m[$0]) != abs(m[$1]) ? abs(m[$0]) > abs(m[$1]) : $0 < $1 }.prefix(k))
    }

    /// Kendall τ_b of |a| and |b| on the union of both top-k sets (k from `fraction`).
    public static func kendallTopK(_ a: [Float], _ b: [Float], fraction: Double) -> Double? {
        precondition(a.count == b.count)
        let k = topK(pixels: a.count, fraction: fraction)
        let union = Set(top(a, k: k)).union(top(b, k: k)).sorted()
        return kendallTauB(union.map { Double(abs(a[$0])) }, union.map { Double(abs(b[$0])) })
    }

    /// τ_b = (n_c − n_d) / √((n₀ − n₁)(n₀ − n₂)) over all pairs: n_c concordant, n_d
    /// discordant, n₀ = n(n−1)/2, n₁ and n₂ the pairs tied in x and in y. Nil when x or y is
    /// constant (or there are fewer than two values).
    public static func kendallTauB(_ x: [Double], _ y: [Double]) -> Double? {
        precondition(x.count == y.count)
        let n = x.count
        var concordant = 0, discordant = 0, tiedX = 0, tiedY = 0
        for i in 0..<n {
            for j in (i + 1)..<n {
                let dx = x[i] - x[j], dy = y[i] - y[j]
                if dx == 0 { tiedX += 1 }
                if dy == 0 { tiedY += 1 }
                if dx == 0 || dy == 0 { continue }
                if (dx > 0) == (dy > 0) { concordant += 1 } else { discordant += 1 }
            }
        }
        let n0 = n * (n - 1) / 2
        let denominator = (Double(n0 - tiedX) * Double(n0 - tiedY)).squareRoot()
        guard denominator > 0 else { return nil }
        return Double(concordant - discordant) / denominator
    }
}
