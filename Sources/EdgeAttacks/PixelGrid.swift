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
}
