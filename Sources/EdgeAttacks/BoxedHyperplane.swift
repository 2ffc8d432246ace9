/// The step FAB and DeepFool-like attacks take: the smallest perturbation d (in L∞ or L2)
/// that puts t + d on the hyperplane w·z = b while keeping t + d in the box [0, 1]^d.
/// Exact, O(d log d): with the sign of w oriented towards the plane, coordinate i moves by
/// sign(w_i)·min(λ·a_i, cap_i) (a_i = 1 in L∞, |w_i| in L2; cap_i = the room to the box
/// face), and w·d grows piecewise linearly in λ, so sorting the breakpoints cap_i/a_i finds
/// λ. When even the whole box cannot reach the plane, every coordinate moves to its face
/// (the closest the box gets). Replaces fra31/auto-attack's `projection_linf`/`projection_l2`.
public enum BoxedHyperplane {
    /// d for the point `t` (values in [0, 1]), normal `w` and offset `b`, in `norm`.
    public static func step(from t: ArraySlice<Float>, normal w: ArraySlice<Float>, offset b: Double, norm: AttackNorm) -> [Float] {
        let n = t.count, t0 = t.startIndex, w0 = w.startIndex
        var c = b
        for i in 0..<n { c -= Double(w[w0 + i]) * Double(t[t0 + i]) }
        let s: Double = c >= 0 ? 1 : -1
        let need = abs(c)
        var out = [Float](repeating: 0, count: n)
        guard need > 0 else { return out }
        // Per coordinate: slope α_i = |w_i|·a_i, saturation β_i = |w_i|·cap_i, breakpoint cap_i/a_i.
        var items: [(bp: Double, alpha: Double, beta: Double)] = []
        items.reserveCapacity(n)
        var cap = [Double](repeating: 0, count: n), a = [Double](repeating: 0, count: n)
        for i in 0..<n {
            let wi = s * Double(w[w0 + i])
            guard wi != 0 else { continue }
            let ti = Double(t[t0 + i])
            cap[i] = max(wi > 0 ? 1 - ti : ti, 0)
            a[i] = norm == .linf ? 1 : abs(wi)
            items.append((cap[i] / a[i], abs(wi) * a[i], abs(wi) * cap[i]))
        }
        items.sort { $0.bp < $1.bp }
        var slope = items.reduce(0) { $0 + $1.alpha }, saturated = 0.0
        var lambda = Double.infinity
        for it in items {
            if saturated + slope * it.bp >= need {
                // Rounding can leave the remaining slope at 0 exactly when the plane is reached.
                lambda = slope > 0 ? (need - saturated) / slope : it.bp
                break
            }
            saturated += it.beta
            slope -= it.alpha
        }
        for i in 0..<n {
            let wi = s * Double(w[w0 + i])
            guard wi != 0 else { continue }
            let move = min(lambda * a[i], cap[i])
            out[i] = Float(wi > 0 ? move : -move)
        }
        return out
    }

    /// ‖v‖∞ or ‖v‖₂.
    public static func size(_ v: [Float], _ norm: AttackNorm) -> Float {
        norm == .linf ? v.reduce(0) { max($0, abs($1)) } : v.reduce(0) { $0 + $1 * $1 }.squareRoot()
    }
}
