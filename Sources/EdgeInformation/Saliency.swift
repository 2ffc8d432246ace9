import EdgeCore
import EdgeFloat

/// The attribution methods of the seed papers (Zhang & Zhu; Boopathy et al.).
public enum SaliencyMethod: String, CaseIterable, Sendable, Codable {
    /// Integrated Gradients (Sundararajan et al.), zero baseline, right Riemann sum.
    case ig
    /// SmoothGrad (Smilkov et al.): the mean plain gradient over Gaussian-noised copies.
    case smoothgrad
    /// Grad-CAM (Selvaraju et al.) on the last convolution's rectified output.
    case gradcam
}

/// How attributions are computed. The explained score f_c is always the logit of class c
/// (not its probability): IG's completeness then reads Σ attributions = f_c(x) − f_c(0).
public struct SaliencyOptions: Sendable, Equatable, Codable {
    /// The method.
    public var method: SaliencyMethod
    /// IG's Riemann steps M.
    public var steps: Int
    /// SmoothGrad's noisy copies S.
    public var samples: Int
    /// SmoothGrad's noise σ, in pixel units of an image in [0, 1].
    public var noise: Double
    /// Seed of SmoothGrad's noise.
    public var seed: UInt64

    /// Options with the defaults: M = 32 (IG), S = 50 and σ = 0.15 (Smilkov et al.: 50 samples,
    /// σ at 10–20% of the input range).
    public init(method: SaliencyMethod = .ig, steps: Int = 32, samples: Int = 50, noise: Double = 0.15, seed: UInt64 = 1) {
        self.method = method; self.steps = steps; self.samples = samples; self.noise = noise; self.seed = seed
    }

    /// The settings as text, e.g. `ig M=32 (zero baseline, right Riemann sum)`.
    public var described: String {
        switch method {
        case .ig: return "ig M=\(steps) (zero baseline, right Riemann sum, logit)"
        case .smoothgrad: return "smoothgrad S=\(samples) sigma=\(noise) (plain gradients of the logit, seed \(seed))"
        case .gradcam: return "gradcam (last convolution's rectified output, bilinear upsampling, logit)"
        }
    }
}

/// Attributions of class logits to input pixels, batched over images. Every sum runs in a
/// fixed order in Double and the executor's gradients do not depend on the thread count,
/// so the maps are identical at any --threads.
public enum Saliency {
    /// The attribution maps of a batch and, when asked, SmoothGrad's noise.
    public struct Maps: Sendable {
        /// [batch, channels, H, W]: channels = the input's for IG and SmoothGrad, 1 for Grad-CAM.
        public var values: [Float]
        /// Channels per map.
        public var channels: Int
        /// SmoothGrad's noise [batch, S, C, H, W], when kept.
        public var noise: [Float]?
    }

    /// ∂f_c/∂x of every image (class `classes[n]` for image n) [batch, D] and the logits
    /// [batch, K]: one forward and one backward pass with one-hot d logits.
    public static func logitGradients(_ net: FloatNetwork, x: [Float], batch b: Int, classes c: [Int]) -> (gradient: [Float], logits: [Float]) {
        precondition(c.count == b && x.count == b * net.sizes[0])
        let k = net.classes
        let pass = net.forward(x, batch: b)
        var dl = [Float](repeating: 0, count: b * k)
        for n in 0..<b { dl[n * k + c[n]] = 1 }
        let g = net.backward(pass, dLogits: dl, parameters: false, input: true).input ?? []
        return (g, pass.logits)
    }

    /// The maps of `options.method` for images `x` [batch, C, H, W] in [0, 1] and classes `c`.
    /// `streams[n]` keys image n's SmoothGrad noise (its position in the run), so an image's
    /// noise never depends on the batch it is in.
    public static func maps(_ net: FloatNetwork, x: [Float], batch b: Int, classes c: [Int], options o: SaliencyOptions,
                            streams: [UInt64], keepNoise: Bool = false) -> Maps {
        switch o.method {
        case .ig:
            return Maps(values: integratedGradients(net, x: x, batch: b, classes: c, steps: o.steps), channels: net.shapes[0][0])
        case .smoothgrad:
            let r = smoothGrad(net, x: x, batch: b, classes: c, samples: o.samples, sigma: o.noise, seed: o.seed, streams: streams, keepNoise: keepNoise)
            return Maps(values: r.map, channels: net.shapes[0][0], noise: r.noise)
        case .gradcam:
            return Maps(values: GradCAM.maps(net, x: x, batch: b, classes: c), channels: 1)
        }
    }

    /// Integrated Gradients with baseline a (zeros when nil), right Riemann sum over M steps:
    /// IG_i = (x_i − a_i) · (1/M) Σ_{k=1..M} ∂f_c(a + (k/M)(x − a))/∂x_i. The path points
    /// are a + t·(x − a) with t = Float(k)/Float(M), in float32.
    public static func integratedGradients(_ net: FloatNetwork, x: [Float], batch b: Int, classes c: [Int], steps m: Int,
                                           baseline: [Float]? = nil) -> [Float] {
        precondition(m >= 1)
        let n = x.count
        let a = baseline ?? [Float](repeating: 0, count: n)
        precondition(a.count == n)
        var sum = [Double](repeating: 0, count: n)
        var point = [Float](repeating: 0, count: n)
        for k in 1...m {
            let t = Float(k) / Float(m)
            for i in 0..<n { point[i] = a[i] + t * (x[i] - a[i]) }
            let g = logitGradients(net, x: point, batch: b, classes: c).gradient
            for i in 0..<n { sum[i] += Double(g[i]) }
        }
        return (0..<n).map { i in Float(sum[i] * Double(x[i] - a[i]) / Double(m)) }
    }

    /// The generator of image `stream`'s SmoothGrad noise.
    public static func noiseGenerator(seed: UInt64, stream: UInt64) -> SeededGenerator {
        SeededGenerator(seed: seed, stream: 0x534D_4F4F_5448, stream)
    }

    /// SmoothGrad: (1/S) Σ_s ∇ₓ f_c(x + n_s), n_s ~ N(0, σ²) per pixel, plain (signed)
    /// gradients as Smilkov et al.'s default (not |∇| nor ∇ ⊙ x); the noisy copies are not
    /// clipped to [0, 1]. Image n draws its S·D values sample by sample, pixel by pixel,
    /// each Float(σ · nextGaussian()), from `noiseGenerator(seed, streams[n])`.
    public static func smoothGrad(_ net: FloatNetwork, x: [Float], batch b: Int, classes c: [Int], samples s: Int, sigma: Double,
                                  seed: UInt64, streams: [UInt64], keepNoise: Bool = false) -> (map: [Float], noise: [Float]?) {
        precondition(s >= 1 && streams.count == b)
        let d = net.sizes[0], n = x.count
        var rngs = streams.map { noiseGenerator(seed: seed, stream: $0) }
        var sum = [Double](repeating: 0, count: n)
        var kept = keepNoise ? [Float](repeating: 0, count: b * s * d) : []
        var noisy = [Float](repeating: 0, count: n)
        for si in 0..<s {
            for img in 0..<b {
                for t in 0..<d {
                    let e = Float(sigma * rngs[img].nextGaussian())
                    noisy[img * d + t] = x[img * d + t] + e
                    if keepNoise { kept[(img * s + si) * d + t] = e }
                }
            }
            let g = logitGradients(net, x: noisy, batch: b, classes: c).gradient
            for i in 0..<n { sum[i] += Double(g[i]) }
        }
        return (sum.map { Float($0 / Double(s)) }, keepNoise ? kept : nil)
    }

    /// One value per pixel: the channels of a [C, H, W] map summed (sign kept, so IG's
    /// completeness carries over); a one-channel map unchanged.
    public static func pixelMap(_ map: ArraySlice<Float>, channels: Int) -> [Float] {
        let p = map.count / max(channels, 1), base = map.startIndex
        return (0..<p).map { i in (0..<channels).reduce(Float(0)) { $0 + map[base + $1 * p + i] } }
    }
}
