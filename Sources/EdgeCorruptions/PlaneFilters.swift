import Foundation

/// Filters and samplers on one row-major [H, W] plane, written to match the library call
/// that the reference scripts make (named on each), because CIFAR-10-C's numbers depend
/// on those calls' border rules and rounding.
enum PlaneFilters {
    /// scipy.ndimage.gaussian_filter's kernel: radius ⌊truncate·σ + ½⌋, exp(−k²/2σ²), sum 1.
    static func gaussianKernel(sigma: Double, truncate: Double) -> [Double] {
        let r = Int(truncate * sigma + 0.5)
        let k = (-r...r).map { exp(-0.5 * Double($0 * $0) / (sigma * sigma)) }
        let s = k.reduce(0, +)
        return k.map { $0 / s }
    }

    /// Separable correlation with a centred 1-D kernel along rows then columns (scipy's
    /// axis order 0, 1).
    static func separable(_ p: [Double], h: Int, w: Int, kernel k: [Double], border: Border) -> [Double] {
        let r = k.count / 2
        var tmp = p
        for y in 0..<h {
            for x in 0..<w {
                var s = 0.0
                for t in 0..<k.count { s += k[t] * border.read(p, h, w, y + t - r, x) }
                tmp[y * w + x] = s
            }
        }
        var out = p
        for y in 0..<h {
            for x in 0..<w {
                var s = 0.0
                for t in 0..<k.count { s += k[t] * border.read(tmp, h, w, y, x + t - r) }
                out[y * w + x] = s
            }
        }
        return out
    }

    /// skimage.filters.gaussian (scipy's gaussian_filter): σ ≤ 0 is the identity.
    static func gaussian(_ p: [Double], h: Int, w: Int, sigma: Double, truncate: Double = 4,
                         border: Border = .nearest) -> [Double] {
        guard sigma > 0 else { return p }
        return separable(p, h: h, w: w, kernel: gaussianKernel(sigma: sigma, truncate: truncate), border: border)
    }

    /// cv2.blur with a 3×3 box (BORDER_REFLECT_101).
    static func box3(_ p: [Double], h: Int, w: Int) -> [Double] {
        separable(p, h: h, w: w, kernel: [1.0 / 3, 1.0 / 3, 1.0 / 3], border: .reflect101)
    }

    /// Bilinear sample at (y, x): the four neighbours are read through `border`, so a
    /// constant border fades the image into the fill value over one pixel (skimage's warp).
    @inline(__always) static func bilinear(_ p: [Double], h: Int, w: Int, y: Double, x: Double, border: Border) -> Double {
        let y0 = Int(y.rounded(.down)), x0 = Int(x.rounded(.down))
        let fy = y - Double(y0), fx = x - Double(x0)
        let a = border.read(p, h, w, y0, x0), b = border.read(p, h, w, y0, x0 + 1)
        let c = border.read(p, h, w, y0 + 1, x0), d = border.read(p, h, w, y0 + 1, x0 + 1)
        return (1 - fy) * ((1 - fx) * a + fx * b) + fy * ((1 - fx) * c + fx * d)
    }

    /// Hendrycks' `clipped_zoom`: crop the centre ⌈n/z⌉ pixels, enlarge them by z with
    /// scipy.ndimage.zoom (order 1: output o reads input o·(in − 1)/(out − 1)), and cut
    /// the centre n pixels back out.
    static func clippedZoom(_ p: [Double], h: Int, w: Int, factor z: Double) -> [Double] {
        func axis(_ n: Int) -> [(Int, Int, Double)] {
            let crop = Int((Double(n) / z).rounded(.up))
            let top = (n - crop) / 2
            let out = Int((Double(crop) * z).rounded(.toNearestOrEven))
            let trim = (out - n) / 2
            let step = out > 1 ? Double(crop - 1) / Double(out - 1) : 0
            return (0..<n).map { o in
                let s = Double(o + trim) * step
                let i0 = min(Int(s.rounded(.down)), crop - 1)
                return (top + i0, top + min(i0 + 1, crop - 1), s - Double(i0))
            }
        }
        let ys = axis(h), xs = axis(w)
        var out = p
        for (y, (ya, yb, fy)) in ys.enumerated() {
            for (x, (xa, xb, fx)) in xs.enumerated() {
                let top = (1 - fx) * p[ya * w + xa] + fx * p[ya * w + xb]
                let bottom = (1 - fx) * p[yb * w + xa] + fx * p[yb * w + xb]
                out[y * w + x] = (1 - fy) * top + fy * bottom
            }
        }
        return out
    }

    /// The plane turned by 180° (numpy's rot90(k = 2)).
    static func rotate180(_ p: [Double]) -> [Double] { Array(p.reversed()) }
}
