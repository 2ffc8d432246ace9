import EdgeCore
import Foundation

/// Pixel noises of the seed suite (ImageNet-C's σ, λ and amounts), in Float as first
/// written so that audit numbers stay byte-identical.
extension Corruption {
    static func gaussianNoise(_ x: [Float], sigma: Double, rng: inout SeededGenerator) -> [Float] {
        x.map { min(max($0 + Float(sigma * rng.nextGaussian()), 0), 1) }
    }

    static func shotNoise(_ x: [Float], lambda: Double, rng: inout SeededGenerator) -> [Float] {
        x.map { min(max(Float(Double(Self.poisson(Double($0) * lambda, &rng)) / lambda), 0), 1) }
    }

    /// Each value independently: 0 with probability amount/2, 1 with amount/2 (per channel,
    /// like skimage's random_noise on an H×W×C array).
    static func impulseNoise(_ x: [Float], amount: Double, rng: inout SeededGenerator) -> [Float] {
        x.map { px in
            let u = rng.nextDouble()
            if u < amount / 2 { return 0 }
            if u < amount { return 1 }
            return px
        }
    }

    /// Poisson draw (Knuth for small means, normal approximation above 64 keeps it fast).
    static func poisson(_ lambda: Double, _ rng: inout SeededGenerator) -> Int {
        if lambda <= 0 { return 0 }
        if lambda > 64 { return max(0, Int((lambda + lambda.squareRoot() * rng.nextGaussian()).rounded())) }
        let l = exp(-lambda)
        var k = 0, p = 1.0
        repeat { k += 1; p *= rng.nextDouble() } while p > l
        return k - 1
    }
}
