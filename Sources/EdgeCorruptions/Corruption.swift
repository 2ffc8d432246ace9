import EdgeCore
import EdgeData
import Foundation

/// A named distortion with numbered levels (1 = mildest). Each is a pure function of the
/// image, the level and a generator that the caller derives from (seed, corruption,
/// level, image index) alone, so results never depend on batch size, threads or order.
///
/// The first nine cases are the seed papers' suite; their order fixes their generator ids
/// (`id`), so new cases are only ever appended. Parameters per level: docs/corruptions.md.
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

    /// One-sided Gaussian motion blur along a random angle in [−45°, 45°] (ImageMagick's
    /// MotionBlurImage; CIFAR-10-C radius/σ).
    case motionBlur = "motion_blur"
    /// Gaussian blur, local pixel swaps, Gaussian blur again (CIFAR-10-C).
    case glassBlur = "glass_blur"
    /// Mean of centre zooms by 1.00, 1.01, … up to the level's factor (CIFAR-10-C).
    case zoomBlur = "zoom_blur"
    /// Random affine jitter then a Gaussian-smoothed random displacement field, bilinear (CIFAR-10-C).
    case elasticTransform = "elastic_transform"
    /// Box-downscale by the level's factor and box-upscale back (PIL's BOX filter; CIFAR-10-C).
    case pixelate
    /// A diamond-square plasma fractal added and renormalised (CIFAR-10-C).
    case fog
    /// Thresholded, zoomed, motion-blurred Gaussian snow layers over a brightened image (CIFAR-10-C).
    case snow
    /// Water drops (levels 1–3) or mud (4–5) from a blurred, thresholded noise layer (CIFAR-10-C).
    case spatter
    /// Rotation about the centre by ±angle radians, bilinear, zero fill (MNIST-C).
    case rotate
    /// Horizontal shear about the centre by ±s (skimage's AffineTransform shear; MNIST-C).
    case shear
    /// Shrink about the centre to a fraction of the size, bilinear, zero fill (MNIST-C).
    case scale
    /// Shift by ±d pixels on each axis, zero fill (MNIST-C).
    case translate
    /// Invert the outermost columns on both sides (MNIST-C's stripe, width varied by level).
    case stripe
    /// Bright zigzag lines across the image (MNIST-C; strength varied by level).
    case zigzag
    /// Bright dotted lines across the image (MNIST-C; strength varied by level).
    case dottedLine = "dotted_line"
    /// Blend towards the Canny edge map (MNIST-C's canny_edges at level 5).
    case cannyEdges = "canny_edges"

    /// Stable numeric id used to derive per-image generators.
    public var id: UInt64 { UInt64(Corruption.allCases.firstIndex(of: self) ?? 0) + 1 }

    /// The generator for image `index` at `level`: a function of these ids only.
    public static func generator(seed: UInt64, corruption: Corruption, level: Int, index: Int) -> SeededGenerator {
        SeededGenerator(seed: seed, stream: corruption.id, UInt64(level), UInt64(index))
    }

    /// Applies level `level` (1-based) to a planar image x [C, H, W] in [0, 1]; the result
    /// has the same shape and lies in [0, 1]. Throws a usage error for a level that does
    /// not exist, a shape that does not match `x.count`, or a patch size that does not
    /// divide the side.
    public func apply(_ x: [Float], channels c: Int, height h: Int, width w: Int, level: Int, rng: inout SeededGenerator) throws -> [Float] {
        let params = parameters(side: min(h, w))
        guard !params.isEmpty else { throw EdgeError.usage("\(rawValue) has no levels for a \(h)×\(w) image") }
        guard level >= 1, level <= params.count else {
            throw EdgeError.usage("\(rawValue) has levels 1...\(params.count), got \(level)")
        }
        guard c >= 1, h >= 1, w >= 1, x.count == c * h * w else {
            throw EdgeError.usage("\(rawValue): image of \(x.count) values is not \(c)×\(h)×\(w)")
        }
        let v = params[level - 1], i = level - 1
        // Built only by the kinds that work in Double; the seed kinds keep their Float code.
        var img: Planes { Planes(x, c: c, h: h, w: w) }
        switch self {
        case .gaussianNoise: return Self.gaussianNoise(x, sigma: v, rng: &rng)
        case .shotNoise: return Self.shotNoise(x, lambda: v, rng: &rng)
        case .impulseNoise: return Self.impulseNoise(x, amount: v, rng: &rng)
        case .saturation: return x.map { Self.saturate($0, p: v) }
        case .patchShuffle: return try Self.patchShuffle(x, c: c, h: h, w: w, k: Int(v), rng: &rng)
        case .jpeg: return try Self.jpeg(x, c: c, h: h, w: w, quality: Int(v))
        case .brightness: return Self.brightness(x, c: c, h: h, w: w, shift: v)
        case .contrast: return Self.contrast(x, c: c, h: h, w: w, factor: v)
        case .defocusBlur:
            return Self.defocus(x, c: c, h: h, w: w, radius: v, alias: Self.aliasBlur(side: min(h, w))[i])
        case .motionBlur: return Self.motionBlur(img, Self.motionTable[i], rng: &rng).floats()
        case .glassBlur: return Self.glassBlur(img, Self.glassTable[i], rng: &rng).floats()
        case .zoomBlur: return Self.zoomBlur(img, steps: Self.zoomSteps[i]).floats()
        case .elasticTransform: return Self.elastic(img, Self.elasticTable[i], rng: &rng).floats()
        case .pixelate: return Self.pixelate(img, factor: v).floats()
        case .fog: return Self.fog(img, Self.fogTable[i], rng: &rng).floats()
        case .snow: return Self.snow(img, Self.snowTable[i], rng: &rng).floats()
        case .spatter: return Self.spatter(img, Self.spatterTable[i], rng: &rng).floats()
        case .rotate: return Self.rotate(img, angle: v * Self.randomSign(&rng)).floats()
        case .shear: return Self.shear(img, v * Self.randomSign(&rng)).floats()
        case .scale: return Self.scale(img, v).floats()
        case .translate:
            let dx = v * Self.randomSign(&rng), dy = v * Self.randomSign(&rng)
            return Self.translate(img, dx: Int(dx), dy: Int(dy)).floats()
        case .stripe: return Self.stripe(img, width: v).floats()
        case .zigzag: return Self.zigzag(img, strength: v, rng: &rng).floats()
        case .dottedLine: return Self.dottedLine(img, strength: v, rng: &rng).floats()
        case .cannyEdges: return Self.cannyEdges(img, weight: v).floats()
        }
    }

    /// The kind named `name`: a raw value, or a reference suite's name for the same
    /// operation (ImageNet-C's `jpeg_compression` is `jpeg`; `elastic` is `elastic_transform`).
    public init?(name: String) {
        let aliases = ["jpeg_compression": Corruption.jpeg, "elastic": .elasticTransform]
        guard let c = Corruption(rawValue: name) ?? aliases[name] else { return nil }
        self = c
    }

    /// −1 or +1 with equal probability (MNIST-C's `np.random.choice([-1, 1])`).
    static func randomSign(_ rng: inout SeededGenerator) -> Double { rng.nextInt(below: 2) == 0 ? -1 : 1 }
}
