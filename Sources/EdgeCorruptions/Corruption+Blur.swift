import EdgeCore
import Foundation

/// Blurs: defocus (seed suite, unchanged), and CIFAR-10-C's motion, glass and zoom blur.
extension Corruption {
    /// ImageNet-C's disk kernel: L = −8…8 (or −r…r for r > 8), the aliased disk
    /// X² + Y² ≤ r² normalised to sum 1, then blurred by a Gaussian (3×3, or 5×5 for r > 8)
    /// with σ = alias, all borders reflected (OpenCV's BORDER_REFLECT_101).
    static func defocusKernel(radius r: Double, alias: Double) -> (size: Int, weights: [Double]) {
        let half = r <= 8 ? 8 : Int(r.rounded(.up))
        let n = 2 * half + 1
        var disk = [Double](repeating: 0, count: n * n)
        for y in 0..<n { for x in 0..<n {
            let dx = Double(x - half), dy = Double(y - half)
            if dx * dx + dy * dy <= r * r { disk[y * n + x] = 1 }
        } }
        let total = disk.reduce(0, +)
        disk = disk.map { $0 / total }
        let kh = r <= 8 ? 1 : 2
        var g = (-kh...kh).map { exp(-Double($0 * $0) / (2 * alias * alias)) }
        let gs = g.reduce(0, +)
        g = g.map { $0 / gs }
        func reflect(_ i: Int, _ n: Int) -> Int { var i = i; while i < 0 || i >= n { i = i < 0 ? -i : 2 * (n - 1) - i }; return i }
        var tmp = disk, out = disk
        for y in 0..<n { for x in 0..<n {
            var s = 0.0
            for k in -kh...kh { s += g[k + kh] * disk[y * n + reflect(x + k, n)] }
            tmp[y * n + x] = s
        } }
        for y in 0..<n { for x in 0..<n {
            var s = 0.0
            for k in -kh...kh { s += g[k + kh] * tmp[reflect(y + k, n) * n + x] }
            out[y * n + x] = s
        } }
        return (n, out)
    }

    static func defocus(_ x: [Float], c: Int, h: Int, w: Int, radius: Double, alias: Double) -> [Float] {
        let (n, k) = defocusKernel(radius: radius, alias: alias)
        let half = n / 2
        func reflect(_ i: Int, _ m: Int) -> Int {
            guard m > 1 else { return 0 }
            var i = i
            while i < 0 || i >= m { i = i < 0 ? -i : 2 * (m - 1) - i }
            return i
        }
        // Only the non-zero taps (the blurred disk is small next to its 17×17 frame).
        var taps: [(Int, Int, Double)] = []
        for ky in 0..<n { for kx in 0..<n where k[ky * n + kx] != 0 { taps.append((ky - half, kx - half, k[ky * n + kx])) } }
        var out = x
        for ch in 0..<c {
            for y in 0..<h { for xx in 0..<w {
                var s = 0.0
                for (dy, dx, wt) in taps { s += wt * Double(x[(ch * h + reflect(y + dy, h)) * w + reflect(xx + dx, w)]) }
                out[(ch * h + y) * w + xx] = Float(min(max(s, 0), 1))
            } }
        }
        return out
    }

    /// ImageMagick's MotionBlurImage (as re-implemented by bethgelab/imagecorruptions):
    /// tap i of 2r + 1 weighs exp(−i²/2σ²) (normalised) and reads the pixel
    /// (⌈i·sin a − ½⌉, ⌈i·cos a − ½⌉) rows/columns away, clamped to the edge, so the blur
    /// trails one way and a constant image stays constant.
    static func motionBlurPlane(_ p: [Double], h: Int, w: Int, radius: Int, sigma: Double, degrees: Double) -> [Double] {
        let n = 2 * radius + 1
        var k = (0..<n).map { exp(-Double($0 * $0) / (2 * sigma * sigma)) }
        let total = k.reduce(0, +)
        k = k.map { $0 / total }
        let a = degrees * Double.pi / 180
        var out = [Double](repeating: 0, count: h * w)
        for i in 0..<n {
            let oy = Int((Double(i) * sin(a) - 0.5).rounded(.up)), ox = Int((Double(i) * cos(a) - 0.5).rounded(.up))
            for y in 0..<h {
                let yy = min(max(y + oy, 0), h - 1)
                for x in 0..<w { out[y * w + x] += k[i] * p[yy * w + min(max(x + ox, 0), w - 1)] }
            }
        }
        return out
    }

    static func motionBlur(_ img: Planes, _ t: (radius: Int, sigma: Double), rng: inout SeededGenerator) -> Planes {
        let degrees = -45 + 90 * rng.nextDouble()
        return img.mapPlanes { motionBlurPlane($0, h: img.h, w: img.w, radius: t.radius, sigma: t.sigma, degrees: degrees) }
    }

    /// CIFAR-10-C's glass blur: Gaussian σ, truncation to the uint8 grid (np.uint8), then
    /// `iterations` sweeps from the bottom-right corner in which each pixel takes the value
    /// of the one (dy, dx) ∈ [−δ, δ)² away, then Gaussian σ again.
    ///
    /// The reference's line `x[h, w], x[h', w'] = x[h', w'], x[h, w]` reads as a swap, but on
    /// an H×W×C numpy array both sides are views, so it copies x[h', w'] into x[h, w] and
    /// leaves x[h', w'] as it was: that copy is what CIFAR-10-C's images went through, and
    /// what is done here for grey and RGB alike. (A real swap carries values along the
    /// sweep and shatters the picture far more.)
    static func glassBlur(_ img: Planes, _ t: (sigma: Double, delta: Int, iterations: Int), rng: inout SeededGenerator) -> Planes {
        let (h, w, d) = (img.h, img.w, t.delta)
        // The ε keeps a grid value k/255 that the blur left unchanged from truncating to k − 1
        // through a last-bit rounding error.
        var x = img.mapPlanes { PlaneFilters.gaussian($0, h: h, w: w, sigma: t.sigma).map { (min(max($0, 0), 1) * 255 + 1e-6).rounded(.down) / 255 } }
        let n = h * w
        for _ in 0..<t.iterations {
            for yy in stride(from: h - d, to: d, by: -1) {
                for xx in stride(from: w - d, to: d, by: -1) {
                    let dx = rng.nextInt(below: 2 * d) - d, dy = rng.nextInt(below: 2 * d) - d
                    let a = yy * w + xx, b = (yy + dy) * w + xx + dx
                    for ch in 0..<img.c { x.v[ch * n + a] = x.v[ch * n + b] }
                }
            }
        }
        return x.mapPlanes { PlaneFilters.gaussian($0, h: h, w: w, sigma: t.sigma) }
    }

    /// CIFAR-10-C's zoom blur: the mean of the image and its clipped zooms by 1.00, 1.01, …
    /// (`steps` factors).
    static func zoomBlur(_ img: Planes, steps: Int) -> Planes {
        img.mapPlanes { p in
            var acc = p
            for s in 0..<steps {
                let z = PlaneFilters.clippedZoom(p, h: img.h, w: img.w, factor: 1 + 0.01 * Double(s))
                for i in 0..<acc.count { acc[i] += z[i] }
            }
            return acc.map { $0 / Double(steps + 1) }
        }
    }
}
