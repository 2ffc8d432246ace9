import EdgeCore
import Foundation

/// The seed papers' shape and texture probes (Zhang & Zhu 2019): saturation and patch
/// shuffle, unchanged.
extension Corruption {

    /// The saturation map of Zhang & Zhu (p = 2 is the identity; p → ∞ approaches a step).
    public static func saturate(_ v: Float, p: Double) -> Float {
        let t = 2 * Double(v) - 1
        let s = (t < 0 ? -1.0 : (t > 0 ? 1.0 : 0.0)) * pow(abs(t), 2 / p)
        return Float(s * 0.5 + 0.5)
    }

    /// Splits each channel into k×k equal patches and permutes whole patches (the same
    /// permutation for every channel).
    public static func patchShuffle(_ x: [Float], c: Int, h: Int, w: Int, k: Int, rng: inout SeededGenerator) throws -> [Float] {
        guard k >= 1, h % k == 0, w % k == 0 else {
            throw EdgeError.usage("patch shuffle: k = \(k) does not divide the \(h)×\(w) image")
        }
        let ph = h / k, pw = w / k
        var perm = Array(0..<(k * k))
        rng.shuffle(&perm)
        var out = x
        for ch in 0..<c {
            for dst in 0..<(k * k) {
                let src = perm[dst]
                let (sy, sx) = (src / k * ph, src % k * pw), (dy, dx) = (dst / k * ph, dst % k * pw)
                for y in 0..<ph { for xx in 0..<pw {
                    out[(ch * h + dy + y) * w + dx + xx] = x[(ch * h + sy + y) * w + sx + xx]
                } }
            }
        }
        return out
    }

}
