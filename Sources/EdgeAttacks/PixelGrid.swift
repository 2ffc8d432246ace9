/// What an edge board sees: 8-bit pixels. Adversarial examples meant for the int8 net are
/// moved onto the uint8 grid before they count, without leaving the ε-ball.
public enum PixelGrid {
    /// Rounds each perturbation δ = adv − x toward zero in units of 1/255 and adds it to
    /// the (grid-aligned) clean pixel: |δ′| ≤ |δ|, so an L∞ or L2 budget still holds.
    public static func snap(adversarial adv: [Float], clean x: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: x.count)
        for k in x.indices {
            let delta = (adv[k] * 255 - Float(x[k])).rounded(.towardZero)
            out[k] = UInt8(min(max(Float(x[k]) + delta, 0), 255))
        }
        return out
    }

    /// Per image of `imageSize` values, the L∞ and L2 norms of `snapped − clean` in [0, 1]
    /// pixel units: the perturbation an int8 net on a board actually received.
    public static func norms(snapped: [UInt8], clean: [UInt8], imageSize d: Int) -> (linf: [Double], l2: [Double]) {
        var linf: [Double] = [], l2: [Double] = []
        for b in 0..<(d > 0 ? clean.count / d : 0) {
            var mx = 0.0, s2 = 0.0
            for t in 0..<d {
                let dv = Double(Int(snapped[b * d + t]) - Int(clean[b * d + t])) / 255
                mx = max(mx, abs(dv)); s2 += dv * dv
            }
            linf.append(mx); l2.append(s2.squareRoot())
        }
        return (linf, l2)
    }
}
