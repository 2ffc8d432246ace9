/// Heat maps over their images, for PNG overlays and report grids: red where a pixel pushes
/// the explained logit up, blue where it pushes it down, blended over the grey image.
public enum SaliencyOverlay {
    /// The scale a map is drawn at: its 99th percentile of |value| (Smilkov et al. cap their
    /// visualisations there, so one extreme pixel does not wash out the rest), or its
    /// largest |value| when that percentile is 0.
    public static func scale(_ m: [Float]) -> Float {
        let mags = m.map { abs($0) }.sorted()
        guard let top = mags.last, top > 0 else { return 0 }
        let p99 = mags[min(mags.count - 1, Int(0.99 * Double(mags.count - 1)))]
        return p99 > 0 ? p99 : top
    }

    /// Planar RGB [3, H, W]: each pixel is (1 − w)·grey + w·colour with w = min(|v|/scale, 1),
    /// colour red (v > 0) or blue (v < 0); grey is the image's mean over its channels.
    /// `map` is a pixel map [H·W]; `image` planar uint8 [C, H, W].
    public static func rgb(map m: [Float], image: [UInt8], channels c: Int) -> [UInt8] {
        let p = m.count
        precondition(image.count == c * p && c >= 1)
        let s = scale(m)
        var out = [UInt8](repeating: 0, count: 3 * p)
        for i in 0..<p {
            var grey = 0
            for ch in 0..<c { grey += Int(image[ch * p + i]) }
            let g = Float(grey) / Float(c)
            let w = s > 0 ? min(abs(m[i]) / s, 1) : 0
            let colour: (Float, Float, Float) = m[i] >= 0 ? (255, 40, 20) : (20, 90, 255)
            for (ch, v) in [colour.0, colour.1, colour.2].enumerated() {
                out[ch * p + i] = UInt8(((1 - w) * g + w * v).rounded())
            }
        }
        return out
    }
}
