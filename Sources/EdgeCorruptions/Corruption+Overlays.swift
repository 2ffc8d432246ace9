import EdgeCore
import Foundation

/// MNIST-C's overlay corruptions, which have one severity there; the levels here put
/// MNIST-C's own setting at level 3 (stripe, zigzag, dotted line) or 5 (canny edges).
extension Corruption {
    /// Inverts the `width` outermost columns on each side (MNIST-C: 7 of 28).
    static func stripe(_ img: Planes, width: Double) -> Planes {
        let k = min(Int(width), img.w)
        var out = img
        for ch in 0..<img.c { for y in 0..<img.h { for x in 0..<img.w where x < k || x >= img.w - k {
            let i = (ch * img.h + y) * img.w + x
            out.v[i] = 1 - img.v[i]
        } } }
        return out
    }

    /// MNIST-C's `line_from_points`: brightness 1 + log(1 − d/2.3) at vertical distance d
    /// from the line through (c0, r0), (c1, r1), clipped to [0, 1], zero outside columns
    /// [⌊c0⌋, ⌈c1⌉).
    static func linePlane(h: Int, w: Int, c0: Double, r0: Double, c1: Double, r1: Double) -> [Double] {
        var out = [Double](repeating: 0, count: h * w)
        guard c1 != c0 else { return out }
        // Segments may run right to left or leave the image (a zigzag on a small image);
        // only the columns both inside the image and between the ends are drawn.
        let m = (r1 - r0) / (c1 - c0)
        let lo = max(Int(min(c0, c1).rounded(.down)), 0), hi = min(Int(max(c0, c1).rounded(.up)), w)
        guard lo < hi else { return out }
        for y in 0..<h { for x in lo..<hi {
            let d = min(abs(Double(y) - (m * (Double(x) - c0) + r0)), 2.3 - 1e-10)
            out[y * w + x] = min(max(log(1 - d / 2.3) + 1, 0), 1)
        } }
        return out
    }

    /// Adds `plane`·intensity to every channel.
    static func overlay(_ img: inout Planes, _ plane: [Double], intensity: Double) {
        let n = img.h * img.w
        for ch in 0..<img.c { for i in 0..<n { img.v[ch * n + i] = min(img.v[ch * n + i] + intensity * plane[i], 1) } }
    }

    /// Strength s ≤ 1 draws one line at intensity s; s > 1 draws ⌊s⌋ lines at full intensity.
    static func lineCount(_ s: Double) -> (count: Int, intensity: Double) { s <= 1 ? (1, s) : (Int(s), 1) }

    /// MNIST-C's dotted line from (0, r0) to (side − 1, r1), r0, r1 uniform in [0, side − 1),
    /// with column pairs 0–1, 4–5, 8–9, … blanked.
    static func dottedLine(_ img: Planes, strength: Double, rng: inout SeededGenerator) -> Planes {
        var out = img
        let (count, intensity) = lineCount(strength)
        for _ in 0..<count {
            let r0 = Double(rng.nextInt(below: max(img.h - 1, 1))), r1 = Double(rng.nextInt(below: max(img.h - 1, 1)))
            var line = linePlane(h: img.h, w: img.w, c0: 0, r0: r0, c1: Double(img.w - 1), r1: r1)
            for y in 0..<img.h { for x in 0..<img.w where (x / 2) % 2 == 0 { line[y * img.w + x] = 0 } }
            overlay(&out, line, intensity: intensity)
        }
        return out
    }

    /// MNIST-C's zigzag: segments of half-period a = 2 and amplitude b = 2 along a line from
    /// column 2 to side − 3, starting at row r0 ∈ [0, side − 1) and rising by [−5, 5).
    static func zigzag(_ img: Planes, strength: Double, rng: inout SeededGenerator) -> Planes {
        var out = img
        // Narrower than 6 px there is no segment from column 2 to side − 3 to draw.
        guard img.w >= 6 else { return img }
        let (count, intensity) = lineCount(strength)
        for _ in 0..<count {
            let (a, b, c0, c1) = (2.0, 2.0, 2.0, Double(img.w - 3))
            let r0 = Double(rng.nextInt(below: max(img.h - 1, 1)))
            let r1 = r0 + Double(rng.nextInt(below: 10) - 5)
            let theta = atan((r1 - r0) / (c1 - c0)), d = (c1 - c0) / cos(theta)
            var pts: [(Double, Double)] = [(0, 0)]
            var last = 0.0
            for i in 0..<(Int(((d - a) / (2 * a)).rounded(.down)) + 1) {
                last = i % 2 == 0 ? b : -b
                pts.append((Double(2 * i + 1) * a, last))
            }
            let maxC = 2 * a * (d / (2 * a)).rounded(.down)
            // The reference's closing point, odd as it is.
            if d != maxC { pts.append((d, last / (2 * (d - maxC)))) }
            let turned = pts.map { (cos(theta) * $0.0 - sin(theta) * $0.1 + c0, sin(theta) * $0.0 + cos(theta) * $0.1 + r0) }
            for k in 1..<turned.count {
                let seg = linePlane(h: img.h, w: img.w, c0: turned[k - 1].0, r0: turned[k - 1].1, c1: turned[k].0, r1: turned[k].1)
                overlay(&out, seg, intensity: intensity)
            }
        }
        return out
    }

    /// (1 − weight)·x + weight·edges, the edges (1 on an edge, else 0) being skimage's
    /// Canny (σ = 1) of the luma; weight 1 is MNIST-C's canny_edges.
    static func cannyEdges(_ img: Planes, weight: Double) -> Planes {
        let e = Canny.skimage(img.luma(), h: img.h, w: img.w)
        var out = img
        let n = img.h * img.w
        for ch in 0..<img.c { for i in 0..<n { out.v[ch * n + i] = (1 - weight) * img.v[ch * n + i] + weight * (e[i] ? 1 : 0) } }
        return out
    }
}
