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

    /// TFLite's QuantizeMultiplier (kernels/internal/quantization_util.cc), bit for bit:
    /// m = q·2^e with q = frexp(m) in [0.5, 1); mult = TfLiteRound(q·2^31) (half away from
    /// zero), and 2^31 becomes 2^30 with e + 1; shift = e; e < −31 flushes to (0, 0).
    /// nil for a negative, non-finite or too large m (shift > 30: TFLite's left shift by 31
    /// or more is undefined).
    public static func tfliteMultiplier(_ m: Double) -> (mult: Int32, shift: Int32)? {
        guard m.isFinite, m >= 0 else { return nil }
        if m == 0 { return (0, 0) }
        let e = m.exponent + 1            // frexp: m = f · 2^e, f in [0.5, 1)
        if e < -40 { return (0, 0) }      // far below 2^-31 (and pow(2, e) stays normal)
        let f = m / pow(2, Double(e))
        var q = (f * 2_147_483_648).rounded(.toNearestOrAwayFromZero)
        var shift = e
        if q == 2_147_483_648 { q /= 2; shift += 1 }
        if shift < -31 { return (0, 0) }
        guard shift <= 30 else { return nil }
        return (Int32(q), Int32(shift))
    }

    /// ea_requant in Swift: TFLite's double-rounding MultiplyByQuantizedMultiplier
    /// (x·2^max(shift,0) wrapping modulo 2^32, SRDHM, rounding right shift by max(−shift,0)).
    public static func multiplyByQuantizedMultiplier(_ x: Int32, _ mult: Int32, _ shift: Int32) -> Int32 {
        let left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift
        let a = Int32(bitPattern: UInt32(bitPattern: x) << UInt32(left))
        let hm: Int32
        if a == Int32.min && mult == Int32.min {
            hm = Int32.max
        } else {
            let ab = Int64(a) * Int64(mult)
            let nudge: Int64 = ab >= 0 ? 1 << 30 : 1 - (1 << 30)
            hm = Int32((ab + nudge) / (1 << 31))
        }
        if right == 0 { return hm }
        let mask = Int32((Int64(1) << Int64(right)) - 1)
        let remainder = hm & mask
        let threshold = (mask >> 1) + (hm < 0 ? 1 : 0)
        return (hm >> right) + (remainder > threshold ? 1 : 0)
    }

    /// The real value a (mult, shift) pair stands for.
    public static func real(mult: Int32, shift: Int32) -> Double {
        Double(mult) * pow(2, Double(shift) - 31)
    }
}
