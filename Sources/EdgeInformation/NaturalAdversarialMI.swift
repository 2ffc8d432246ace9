import EdgeAttacks
import EdgeCore
import EdgeData
import EdgeFloat
import Foundation

/// MIAT's two quantities (Zhou et al. 2022) for a classifier h: the natural MI I(h(s); x)
/// between the output on a sample s and its natural pattern x, and the adversarial MI
/// I(h(s); (s − x)/ε) between the output and the perturbation pattern (`pattern`: the
/// clamp to [0, 1] is undone, see there), for s = x (clean: natural MI only, the pattern
/// is 0), s = x + random ±ε signs (a control with the same perturbation size) and
/// s = x′ = PGD-L∞(x). Outputs are softmax probabilities; every
/// sample is on the uint8 grid; estimates in nats by InfoNCEEstimator, one fresh critic per
/// quantity. MIAT's finding is adversarial MI(x′) > adversarial MI(noise) and natural
/// MI(x′) < natural MI(x).
public enum NaturalAdversarialMI {
    /// The estimates for one net.
    public struct Result: Codable, Equatable, Sendable {
        /// Natural MI for clean, noise and PGD samples.
        public var naturalClean: InfoNCEEstimator.Result, naturalNoise: InfoNCEEstimator.Result, naturalPGD: InfoNCEEstimator.Result
        /// Adversarial MI for noise and PGD samples.
        public var adversarialNoise: InfoNCEEstimator.Result, adversarialPGD: InfoNCEEstimator.Result
        /// Accuracy of the net on the clean, noise and PGD samples.
        public var accuracyClean: Double, accuracyNoise: Double, accuracyPGD: Double

        enum CodingKeys: String, CodingKey {
            case naturalClean = "natural_mi_clean", naturalNoise = "natural_mi_noise", naturalPGD = "natural_mi_pgd"
            case adversarialNoise = "adversarial_mi_noise", adversarialPGD = "adversarial_mi_pgd"
            case accuracyClean = "accuracy_clean", accuracyNoise = "accuracy_noise", accuracyPGD = "accuracy_pgd"
        }
    }

    /// PGD-L∞ examples of `images` crafted on `net` (float, or the STE simulation of an int8
    /// net), ε-ball kept after snapping to uint8; streams from (seed, batch index).
    public static func pgdPixels(net: FloatNetwork, images: LabeledImages, eps: Double, steps: Int, seed: UInt64) -> [UInt8] {
        var adv = [UInt8](repeating: 0, count: images.pixels.count)
        let e = Float(eps)
        for (bi, b) in Parallel.chunks(images.count, size: 100).enumerated() {
            var rng = SeededGenerator(seed: seed, stream: 0x4D494154, UInt64(bi))
            let idx = Array(b)
            let a = GradientAttacks.pgd(net, x: images.floatBatch(idx).data, labels: idx.map { images.labels[$0] }, eps: e,
                                        stepSize: 2.5 * e / Float(max(steps, 1)), steps: steps, rng: &rng)
            let lo = b.lowerBound * images.imageSize, hi = b.upperBound * images.imageSize
            for (k, v) in PixelGrid.snap(adversarial: a, clean: Array(images.pixels[lo..<hi])).enumerated() { adv[lo + k] = v }
        }
        return adv
    }

    /// The largest move of a pixel inside the ε-ball on the uint8 grid: round-toward-zero of 255ε.
    static func step(_ eps: Double) -> Int { Int((255 * eps).rounded(.towardZero)) }

    /// `images` plus ±ε (in pixel units: ±`step`) with seeded random signs, clamped to [0, 255].
    public static func noisePixels(images: LabeledImages, eps: Double, seed: UInt64) -> [UInt8] {
        var rng = SeededGenerator(seed: seed, stream: 0x4E4F4953)
        let step = step(eps)
        return images.pixels.map { p in UInt8(min(max(Int(p) + (rng.next() & 1 == 0 ? step : -step), 0), 255)) }
    }

    /// The perturbation pattern of `sample` around `clean` in units of ε: (s − x)/ε, except
    /// where the clamp to [0, 255] cut the move short (s at a bound that a full move of
    /// `step` from x would have passed), which take the full move in the clamped direction.
    /// The clamped difference alone is 0 there, and half of Fashion-MNIST's pixels are 0:
    /// those zeros trace the item's silhouette, so the pattern carried x itself (a
    /// nearest-centroid rule on it alone scored 0.66; docs/experiments/information-flow.md
    /// §5). For the ±ε noise control this gives exactly the drawn signs, whatever x is; for
    /// PGD the direction the attack pushed.
    public static func pattern(sample: [UInt8], clean: [UInt8], eps: Double) -> [Float] {
        let m = step(eps), scale = Float(255 * eps)
        return zip(sample, clean).map { s, x in
            let (s, x) = (Int(s), Int(x))
            if s == 0 && x < m { return Float(-m) / scale }
            if s == 255 && x > 255 - m { return Float(m) / scale }
            return Float(s - x) / scale
        }
    }

    /// The estimates, given the clean `images`, their `noise` and `pgd` pixels, and `probabilities`
    /// (the evaluated net's softmax outputs [N, K] for a set of images).
    public static func measure(images: LabeledImages, noise: [UInt8], pgd: [UInt8], eps: Double, classes k: Int,
                               estimator: InfoNCEEstimator, probabilities: (LabeledImages) -> [Float]) throws -> Result {
        let n = images.count, d = images.imageSize
        let x = images.floatBatch(Array(0..<n)).data
        func pattern(_ px: [UInt8]) -> [Float] { Self.pattern(sample: px, clean: images.pixels, eps: eps) }
        func accuracy(_ p: [Float]) -> Double {
            Double((0..<n).filter { i in (0..<k).max { p[i * k + $0] < p[i * k + $1] } == images.labels[i] }.count) / Double(n)
        }
        let pc = probabilities(images)
        let pn = probabilities(images.withPixels(noise, labels: images.labels))
        let pa = probabilities(images.withPixels(pgd, labels: images.labels))
        func est(_ u: [Float], _ v: [Float]) throws -> InfoNCEEstimator.Result { try estimator.estimate(u: u, du: k, v: v, dv: d, n: n) }
        return Result(naturalClean: try est(pc, x), naturalNoise: try est(pn, x), naturalPGD: try est(pa, x),
                      adversarialNoise: try est(pn, pattern(noise)), adversarialPGD: try est(pa, pattern(pgd)),
                      accuracyClean: accuracy(pc), accuracyNoise: accuracy(pn), accuracyPGD: accuracy(pa))
    }
}
