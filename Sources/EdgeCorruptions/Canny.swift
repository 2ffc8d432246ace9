import Foundation

/// Canny edge detection on one plane, in the two flavours the references call:
/// OpenCV's `cv2.Canny(u8, 50, 150)` (no smoothing, 3×3 Sobel, L1 magnitude |gx| + |gy|)
/// for spatter, and skimage's `feature.canny(x)` (Gaussian σ = 1 by normalised
/// convolution, Sobel, L2 magnitude, thresholds 0.1 / 0.2, no edges on the outer ring)
/// for MNIST-C's canny_edges. Non-maximum suppression compares the two neighbours along
/// the gradient quantised to 0°, 45°, 90°, 135° (OpenCV), or the magnitudes interpolated
/// between the two pixels the gradient passes (skimage); hysteresis keeps weak pixels
/// 8-connected to a strong one.
enum Canny {
    /// OpenCV's flavour.
    static func opencv(_ p: [Double], h: Int, w: Int, low: Double, high: Double) -> [Bool] {
        edges(p, h: h, w: w, l1: true, low: low, high: high, excludeBorder: false)
    }

    /// skimage's flavour with smoothing σ.
    static func skimage(_ p: [Double], h: Int, w: Int, sigma: Double = 1, low: Double = 0.1, high: Double = 0.2) -> [Bool] {
        // skimage smooths image·mask and divides by the smoothed mask, so the zero border does not darken edges.
        let k = PlaneFilters.gaussianKernel(sigma: sigma, truncate: 4)
        let num = PlaneFilters.separable(p, h: h, w: w, kernel: k, border: .constant(0))
        let den = PlaneFilters.separable([Double](repeating: 1, count: h * w), h: h, w: w, kernel: k, border: .constant(0))
        let smoothed = zip(num, den).map { $1 > 0 ? $0 / $1 : 0 }
        return edges(smoothed, h: h, w: w, l1: false, low: low, high: high, excludeBorder: true)
    }

    /// skimage's interpolating test (feature.canny, one of four sectors by the signs and
    /// sizes of gy, gx): the magnitude interpolated at the gradient's crossing of the
    /// neighbouring row or column, on both sides, must not exceed m.
    static func isInterpolatedMaximum(_ mag: [Double], w: Int, y: Int, x: Int, gy: Double, gx: Double) -> Bool {
        let m = mag[y * w + x], ay = abs(gy), ax = abs(gx)
        func at(_ dy: Int, _ dx: Int) -> Double { mag[(y + dy) * w + x + dx] }
        let same = gy * gx >= 0, steep = ay >= ax
        let t = steep ? ax / ay : ay / ax
        guard t.isFinite else { return false }
        let (a1, a2, b1, b2): ((Int, Int), (Int, Int), (Int, Int), (Int, Int))
        switch (same, steep) {
        case (true, true): (a1, a2, b1, b2) = ((1, 0), (1, 1), (-1, 0), (-1, -1))
        case (true, false): (a1, a2, b1, b2) = ((0, 1), (1, 1), (0, -1), (-1, -1))
        case (false, false): (a1, a2, b1, b2) = ((0, 1), (-1, 1), (0, -1), (1, -1))
        case (false, true): (a1, a2, b1, b2) = ((-1, 0), (-1, 1), (1, 0), (1, -1))
        }
        let plus = (1 - t) * at(a1.0, a1.1) + t * at(a2.0, a2.1), minus = (1 - t) * at(b1.0, b1.1) + t * at(b2.0, b2.1)
        // Mathematically equal magnitudes (both sides of a symmetric step) count as ties, as in
        // skimage, whichever way their last bits fell.
        let tie = 1e-9 * m
        return plus <= m + tie && minus <= m + tie
    }

    static func edges(_ p: [Double], h: Int, w: Int, l1: Bool, low: Double, high: Double, excludeBorder: Bool) -> [Bool] {
        let b = Border.nearest
        var gx = [Double](repeating: 0, count: h * w), gy = gx, mag = gx
        for y in 0..<h { for x in 0..<w {
            func r(_ dy: Int, _ dx: Int) -> Double { b.read(p, h, w, y + dy, x + dx) }
            let sx = (r(-1, 1) + 2 * r(0, 1) + r(1, 1)) - (r(-1, -1) + 2 * r(0, -1) + r(1, -1))
            let sy = (r(1, -1) + 2 * r(1, 0) + r(1, 1)) - (r(-1, -1) + 2 * r(-1, 0) + r(-1, 1))
            gx[y * w + x] = sx; gy[y * w + x] = sy
            mag[y * w + x] = l1 ? abs(sx) + abs(sy) : (sx * sx + sy * sy).squareRoot()
        } }
        let tan22 = tan(Double.pi / 8), tan67 = tan(3 * Double.pi / 8), zero = Border.constant(0)
        var weak = [Bool](repeating: false, count: h * w), strong = weak
        for y in 0..<h { for x in 0..<w {
            let i = y * w + x, m = mag[i]
            guard m >= low else { continue }
            if excludeBorder {
                // skimage: no edges on the outer ring, interpolated suppression inside it.
                guard y > 0, x > 0, y < h - 1, x < w - 1, isInterpolatedMaximum(mag, w: w, y: y, x: x, gy: gy[i], gx: gx[i]) else { continue }
                weak[i] = true
                strong[i] = m >= high
                continue
            }
            // OpenCV's rules: strict thresholds, magnitude 0 outside the image, and on the
            // axis directions a tie with the following pixel kept (a two-pixel ridge gives one edge).
            guard m > low else { continue }
            let ax = abs(gx[i]), ay = abs(gy[i])
            func at(_ dy: Int, _ dx: Int) -> Double { zero.read(mag, h, w, y + dy, x + dx) }
            let keep: Bool
            if ay < ax * tan22 {
                keep = m > at(0, -1) && m >= at(0, 1)
            } else if ay > ax * tan67 {
                keep = m > at(-1, 0) && m >= at(1, 0)
            } else {
                let s = gx[i] * gy[i] < 0 ? -1 : 1
                keep = m > at(-1, -s) && m > at(1, s)
            }
            guard keep else { continue }
            weak[i] = true
            strong[i] = m > high
        } }
        var out = strong, stack = (0..<(h * w)).filter { strong[$0] }
        while let i = stack.popLast() {
            let (y, x) = (i / w, i % w)
            for dy in -1...1 { for dx in -1...1 {
                let (yy, xx) = (y + dy, x + dx)
                guard yy >= 0, yy < h, xx >= 0, xx < w else { continue }
                let j = yy * w + xx
                if weak[j] && !out[j] { out[j] = true; stack.append(j) }
            } }
        }
        return out
    }
}
