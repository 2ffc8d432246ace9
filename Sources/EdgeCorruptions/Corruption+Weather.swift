import EdgeCore
import Foundation

/// Weather: brightness (seed suite, unchanged), CIFAR-10-C's fog and snow.
extension Corruption {
    static func brightness(_ x: [Float], c: Int, h: Int, w: Int, shift v: Double) -> [Float] {
        if c != 3 { return x.map { min(max($0 + Float(v), 0), 1) } }
        // RGB: shift HSV's V = max(r, g, b) by v; hue and saturation are kept, so every
        // channel scales by V′/V.
        var out = x
        let n = h * w
        for i in 0..<n {
            let mx = max(x[i], x[n + i], x[2 * n + i])
            let nv = min(max(mx + Float(v), 0), 1)
            for ch in 0..<3 { out[ch * n + i] = mx > 0 ? min(x[ch * n + i] * nv / mx, 1) : nv }
        }
        return out
    }

    /// Hendrycks' `plasma_fractal` (diamond-square with wrap-around, FLHerne/mapgen): a
    /// size×size map (size a power of two) in [0, 1]; the random offset at each step is
    /// wibble·U(−wibble, wibble), wibble starting at 100 and divided by `decay` per step.
    /// Draws run row-major over each filled sub-grid, in the reference's order.
    static func plasmaFractal(size: Int, decay: Double, rng: inout SeededGenerator) -> [Double] {
        var map = [Double](repeating: 0, count: size * size)
        var step = size, wibble = 100.0
        func at(_ y: Int, _ x: Int) -> Double { map[(y % size) * size + x % size] }
        func jitter() -> Double { wibble * (-wibble + 2 * wibble * rng.nextDouble()) }
        while step >= 2 {
            let half = step / 2, m = size / step
            // Squares: centre = mean of the four corners (wrapping) + jitter.
            for i in 0..<m { for j in 0..<m {
                let (y, x) = (i * step, j * step)
                let s = at(y, x) + at(y + step, x) + at(y, x + step) + at(y + step, x + step)
                map[(y + half) * size + x + half] = s / 4 + jitter()
            } }
            // Diamonds on the rows of corners: the centres above and below, the corners left and right.
            for i in 0..<m { for j in 0..<m {
                let (y, x) = (i * step, j * step)
                let s = at(y + half, x + half) + at(y - half + size, x + half) + at(y, x) + at(y, x + step)
                map[y * size + x + half] = s / 4 + jitter()
            } }
            // Diamonds on the rows of centres: the centres left and right, the corners above and below.
            for i in 0..<m { for j in 0..<m {
                let (y, x) = (i * step, j * step)
                let s = at(y + half, x + half) + at(y + half, x - half + size) + at(y, x) + at(y + step, x)
                map[(y + half) * size + x] = s / 4 + jitter()
            } }
            step /= 2
            wibble /= decay
        }
        let lo = map.min() ?? 0, hi = map.max() ?? 1
        return map.map { hi > lo ? ($0 - lo) / (hi - lo) : 0 }
    }

    /// CIFAR-10-C's fog: x + c·plasma, rescaled by max/(max + c) so the brightest pixel stays
    /// put; the plasma is 32×32 (CIFAR-10-C's size; the next power of two above 32 px) and
    /// shared by the channels.
    static func fog(_ img: Planes, _ t: (intensity: Double, decay: Double), rng: inout SeededGenerator) -> Planes {
        var size = 32
        while size < max(img.h, img.w) { size *= 2 }
        let plasma = plasmaFractal(size: size, decay: t.decay, rng: &rng)
        let mx = img.v.max() ?? 0
        var out = img
        for ch in 0..<img.c { for y in 0..<img.h { for x in 0..<img.w {
            let i = (ch * img.h + y) * img.w + x
            out.v[i] = (img.v[i] + t.intensity * plasma[y * size + x]) * mx / (mx + t.intensity)
        } } }
        return out
    }

    /// CIFAR-10-C's snow: a Gaussian layer (mean, σ) zoomed, cut below the threshold,
    /// quantised to uint8, motion-blurred at U(−135°, −45°) and quantised again; the image
    /// is brightened towards max(x, 1.5·luma + 0.5) and the layer added twice (once turned
    /// by 180°).
    static func snow(_ img: Planes, _ t: (mean: Double, sd: Double, zoom: Double, threshold: Double, radius: Int, sigma: Double, blend: Double),
                     rng: inout SeededGenerator) -> Planes {
        let (h, w) = (img.h, img.w)
        var layer = (0..<(h * w)).map { _ in t.mean + t.sd * rng.nextGaussian() }
        layer = PlaneFilters.clippedZoom(layer, h: h, w: w, factor: t.zoom)
        layer = layer.map { $0 < t.threshold ? 0 : (min(max($0, 0), 1) * 255).rounded(.down) / 255 }
        let degrees = -135 + 90 * rng.nextDouble()
        layer = motionBlurPlane(layer, h: h, w: w, radius: t.radius, sigma: t.sigma, degrees: degrees).map { ($0 * 255).rounded() / 255 }
        let flakes = zip(layer, PlaneFilters.rotate180(layer)).map { $0 + $1 }
        let grey = img.luma()
        var out = img
        for ch in 0..<img.c { for i in 0..<(h * w) {
            let x = img.v[ch * h * w + i]
            out.v[ch * h * w + i] = t.blend * x + (1 - t.blend) * max(x, grey[i] * 1.5 + 0.5) + flakes[i]
        } }
        return out
    }
}
