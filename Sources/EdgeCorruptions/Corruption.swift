import EdgeCore
import EdgeData
import Foundation

/// A named distortion with numbered levels (1 = mildest). Each is a pure function of the
/// image, the level and a generator that the caller derives from (seed, corruption,
/// level, image index) alone, so results never depend on batch size, threads or order.
public enum Corruption: String, CaseIterable, Sendable {
    /// Additive Gaussian noise, σ ∈ {.08, .12, .18, .26, .38} (ImageNet-C), clipped to [0, 1].
    case gaussianNoise = "gaussian_noise"
    /// Poisson (shot) noise: Poisson(x·λ)/λ with λ ∈ {60, 25, 12, 5, 3} (ImageNet-C).
    case shotNoise = "shot_noise"
    /// Salt-and-pepper noise on a fraction {.03, .06, .09, .17, .27} of pixels (ImageNet-C), half each.
    case impulseNoise = "impulse_noise"
    /// Texture loss (Zhang & Zhu 2019): v′ = sign(2v − 1)·|2v − 1|^(2/p)·0.5 + 0.5, p ∈ {8, 16, 64, 1024}.
    case saturation
    /// Shape loss: split into k×k patches and permute them, k ∈ {2, 4, 7} (28 px) or {2, 4, 8} (32 px).
    case patchShuffle = "patch_shuffle"
    /// libjpeg encode + decode at quality {25, 18, 15, 10, 7} (ImageNet-C).
    case jpeg
    /// Brightness: v + c, c ∈ {.1, .2, .3, .4, .5} (ImageNet-C's V-channel shift), clipped.
    case brightness
    /// Contrast: (v − mean)·c + mean, c ∈ {.4, .3, .2, .1, .05} (ImageNet-C).
    case contrast
    /// Defocus blur: a disk of radius r smoothed by a 3×3 Gaussian (σ = a), ImageNet-C's
    /// construction; parameters (r, a) of CIFAR-10-C for images up to 32 px
    /// ((0.3, .4), (0.4, .5), (0.5, .6), (1, .2), (1.5, .1)), ImageNet-C's otherwise
    /// ((3, .1), (4, .5), (6, .5), (8, .5), (10, .5)). The level's parameter shown is r.
    case defocusBlur = "defocus_blur"

    /// Stable numeric id used to derive per-image generators.
    public var id: UInt64 { UInt64(Corruption.allCases.firstIndex(of: self) ?? 0) + 1 }

    /// The parameter of each level for an image of side `side`.
    public func parameters(side: Int) -> [Double] {
        switch self {
        case .gaussianNoise: return [0.08, 0.12, 0.18, 0.26, 0.38]
        case .shotNoise: return [60, 25, 12, 5, 3]
        case .impulseNoise: return [0.03, 0.06, 0.09, 0.17, 0.27]
        case .saturation: return [8, 16, 64, 1024]
        case .patchShuffle: return side == 28 ? [2, 4, 7] : (side == 32 ? [2, 4, 8] : [2.0, 4.0].filter { side % Int($0) == 0 })
        case .jpeg: return [25, 18, 15, 10, 7]
        case .brightness: return [0.1, 0.2, 0.3, 0.4, 0.5]
        case .contrast: return [0.4, 0.3, 0.2, 0.1, 0.05]
        case .defocusBlur: return side <= 32 ? [0.3, 0.4, 0.5, 1, 1.5] : [3, 4, 6, 8, 10]
        }
    }

    /// Defocus blur's second parameter (the Gaussian σ that anti-aliases the disk) per level.
    static func aliasBlur(side: Int) -> [Double] { side <= 32 ? [0.4, 0.5, 0.6, 0.2, 0.1] : [0.1, 0.5, 0.5, 0.5, 0.5] }

    /// The name of the parameter, shown with every number.
    public var parameterName: String {
        switch self {
        case .gaussianNoise: return "sigma"
        case .shotNoise: return "lambda"
        case .impulseNoise: return "amount"
        case .saturation: return "p"
        case .patchShuffle: return "k"
        case .jpeg: return "quality"
        case .brightness: return "shift"
        case .contrast: return "factor"
        case .defocusBlur: return "radius"
        }
    }

    /// The generator for image `index` at `level`: a function of these ids only.
    public static func generator(seed: UInt64, corruption: Corruption, level: Int, index: Int) -> SeededGenerator {
        SeededGenerator(seed: seed, stream: corruption.id, UInt64(level), UInt64(index))
    }

    /// Applies level `level` (1-based) to a planar image x [C, H, W] in [0, 1].
    /// Throws for a level that does not exist or a patch size that does not divide the side.
    public func apply(_ x: [Float], channels c: Int, height h: Int, width w: Int, level: Int, rng: inout SeededGenerator) throws -> [Float] {
        let params = parameters(side: min(h, w))
        guard level >= 1, level <= params.count else {
            throw EdgeError.usage("\(rawValue) has levels 1...\(params.count), got \(level)")
        }
        let v = params[level - 1]
        switch self {
        case .gaussianNoise:
            return x.map { min(max($0 + Float(v * rng.nextGaussian()), 0), 1) }
        case .shotNoise:
            return x.map { min(max(Float(Double(Self.poisson(Double($0) * v, &rng)) / v), 0), 1) }
        case .impulseNoise:
            return x.map { px in
                let u = rng.nextDouble()
                if u < v / 2 { return 0 }
                if u < v { return 1 }
                return px
            }
        case .saturation:
            return x.map { Self.saturate($0, p: v) }
        case .patchShuffle:
            return try Self.patchShuffle(x, c: c, h: h, w: w, k: Int(v), rng: &rng)
        case .jpeg:
            let img = Image8.fromPlanar(x[...], channels: c, height: h, width: w)
            let back = try ImageCodec.decode(try ImageCodec.encodeJPEG(img, quality: Int(v)), path: "<jpeg q=\(Int(v))>")
            return back.planarFloats()
        case .brightness:
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
        case .defocusBlur:
            return Self.defocus(x, c: c, h: h, w: w, radius: v, alias: Self.aliasBlur(side: min(h, w))[level - 1])
        case .contrast:
            var out = x
            let n = h * w
            for ch in 0..<c {
                var m = 0.0
                for i in 0..<n { m += Double(x[ch * n + i]) }
                let mean = Float(m / Double(n))
                for i in 0..<n { out[ch * n + i] = min(max((x[ch * n + i] - mean) * Float(v) + mean, 0), 1) }
            }
            return out
        }
    }

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

    /// The saturation map of Zhang & Zhu (p = 2 is the identity; p → ∞ approaches a step).
    public static func saturate(_ v: Float, p: Double) -> Float {
        let t = 2 * Double(v) - 1
        let s = (t < 0 ? -1.0 : (t > 0 ? 1.0 : 0.0)) * pow(abs(t), 2 / p)
        return Float(s * 0.5 + 0.5)
    }

    /// Splits each channel into k×k equal patches and permutes whole patches (the same
    /// permutation for every channel).
    public static func patchShuffle(_ x: [Float], c: Int, h: Int, w: Int, k: Int, rng: inout SeededGenerator) throws -> [Float] {
        guard k >= 1, h % k == 0, w % k == 0 else {
            throw EdgeError.usage("patch shuffle: k = \(k) does not divide the \(h)×\(w) image")
        }
        let ph = h / k, pw = w / k
        var perm = Array(0..<(k * k))
        rng.shuffle(&perm)
        var out = x
        for ch in 0..<c {
            for dst in 0..<(k * k) {
                let src = perm[dst]
                let (sy, sx) = (src / k * ph, src % k * pw), (dy, dx) = (dst / k * ph, dst % k * pw)
                for y in 0..<ph { for xx in 0..<pw {
                    out[(ch * h + dy + y) * w + dx + xx] = x[(ch * h + sy + y) * w + sx + xx]
                } }
            }
        }
        return out
    }

    /// Poisson draw (Knuth for small means, normal approximation above 60·… keeps it fast).
    static func poisson(_ lambda: Double, _ rng: inout SeededGenerator) -> Int {
        if lambda <= 0 { return 0 }
        if lambda > 64 { return max(0, Int((lambda + lambda.squareRoot() * rng.nextGaussian()).rounded())) }
        let l = exp(-lambda)
        var k = 0, p = 1.0
        repeat { k += 1; p *= rng.nextDouble() } while p > l
        return k - 1
    }
}
