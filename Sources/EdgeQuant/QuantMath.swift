import Foundation

/// Fixed-point multipliers for requantisation.
public enum FixedPoint {
    /// Splits a real multiplier 0 < m < 1 into a Q31 integer `mult` in [2^30, 2^31) and a
    /// `shift` in [−31, 0] with m ≈ mult · 2^(shift − 31); nil when m is outside (2^−32, 1).
    public static func quantizeMultiplier(_ m: Double) -> (mult: Int32, shift: Int32)? {
        guard m > 0, m < 1, m.isFinite else { return nil }
        let e = m.exponent + 1            // m = f · 2^e with f in [0.5, 1)
        let f = m / pow(2, Double(e))
        var q = (f * 2_147_483_648).rounded(.toNearestOrAwayFromZero)
        var shift = e
        if q == 2_147_483_648 { q /= 2; shift += 1 }
        guard shift <= 0 else { return nil }
        guard shift >= -31 else { return nil }
        return (Int32(q), Int32(shift))
    }

    /// The real value a (mult, shift) pair stands for.
    public static func real(mult: Int32, shift: Int32) -> Double {
        Double(mult) * pow(2, Double(shift) - 31)
    }
}
