import EdgeCore
import EdgeFloat
import Foundation

/// The input Fisher information of a classifier's predictive distribution (Shi et al.;
/// Zhao et al., "The adversarial attack and detection under the Fisher information metric"):
/// F(x) = E_{y∼p(·|x)}[∇ₓ log p(y|x) ∇ₓ log p(y|x)ᵀ] = Jᵀ(diag p − ppᵀ)J, with
/// J = ∂logits/∂x (K × D), x in [0, 1] pixel units, natural-log probabilities.
///
/// F is D × D (784² for Fashion-MNIST), but its rank is at most K − 1, and everything the
/// norms need lives in a K × K matrix:
///
/// - M = diag p − ppᵀ is PSD (a covariance of the one-hot label under p). It factors as
///   M = CCᵀ with the K × K matrix C whose column k is √p_k (e_k − p): expanding,
///   Σ_k p_k (e_k − p)(e_k − p)ᵀ = diag p − 2ppᵀ + (Σ_k p_k) ppᵀ = diag p − ppᵀ. (M^½ is
///   another such factor; C needs no matrix square root and gives rows with a meaning.)
/// - Then F = JᵀCCᵀJ = BᵀB with B = CᵀJ (K × D), whose row k is √p_k (J_k − pᵀJ) =
///   √p_k ∇ₓ log p_k: the probability-weighted score vectors.
/// - BᵀB (D × D) and A = BBᵀ (K × K) have the same nonzero eigenvalues with the same
///   multiplicities: if BᵀBv = λv with λ ≠ 0 then Bv ≠ 0 and BBᵀ(Bv) = λ(Bv), and
///   symmetrically for BBᵀ, so B and Bᵀ map the λ-eigenspaces injectively into each other.
///   (A = CᵀJJᵀC is similar to M^½JJᵀM^½ in the same way; all share F's nonzero spectrum.)
/// - Hence ‖F‖₂ = λmax(F) = λmax(A) (both PSD) and ‖F‖_F = √(Σλ²) = ‖A‖_F.
///
/// J takes K backward passes per batch (one-hot d logits, one pass per class over the whole
/// batch); everything after J is float64. J itself is float32 (the float executor's
/// precision), which bounds the agreement with a float64 computation (docs/information-flow.md).
public enum FisherInformation {
    /// The Fisher norms of one image.
    public struct PerImage: Codable, Equatable, Sendable {
        /// ‖F(x)‖₂, the largest eigenvalue: the local worst-case KL growth rate per unit L2
        /// perturbation squared (KL(p(x) ‖ p(x + δ)) ≈ ½ δᵀFδ).
        public var spectral: Double
        /// ‖F(x)‖_F, the norm Shi et al. plot over training.
        public var frobenius: Double
        /// Natural-log probabilities log p(·|x), K entries (for CCKL).
        public var logProbabilities: [Double]
    }

    /// Arithmetic of the Jacobian (everything after it is float64 either way).
    public enum Precision: String, CaseIterable, Sendable {
        /// The float executor's batched backward passes: fast (the default).
        case float32
        /// DoubleJacobian, one image at a time: about 6× slower on LeNet-5, for checking to 1e-6.
        case float64
    }

    /// Images per forward pass: at most 100, fewer when the float32 Jacobians of 100
    /// images (K × D each) would pass 256 MB.
    public static func chunk(classes k: Int, dim d: Int) -> Int { max(1, min(100, (256 << 20) / max(1, 4 * k * d))) }

    /// Bytes `measure` holds at its peak beyond the network's own buffers: one chunk of float32
    /// Jacobians plus, per worker, the float64 Jacobian, B and (float64 path) every node's output.
    public static func peakBytes(net: FloatNetwork, threads: Int, precision: Precision) -> Int {
        let k = net.classes, d = net.sizes[0]
        let perWorker = 2 * 8 * k * d + (precision == .float64 ? 2 * 8 * net.sizes.reduce(0, +) : 0)
        return chunk(classes: k, dim: d) * 4 * k * d + threads * perWorker
    }

    /// Per-image Fisher norms of `net` at the images `x` ([batch, C, H, W] in [0, 1]).
    /// Deterministic at any thread count: images are processed independently, in fixed chunks.
    public static func measure(net: FloatNetwork, x: [Float], batch: Int, precision: Precision = .float32) -> [PerImage] {
        precondition(batch >= 0 && x.count == batch * net.sizes[0])
        let d = net.sizes[0], k = net.classes
        if precision == .float64 {
            let dj = DoubleJacobian(net)
            var out = [PerImage?](repeating: nil, count: batch)
            out.withUnsafeMutableBufferPointer { op in
                let op = op
                Parallel.forEach(batch) { n in
                    let (j, z) = dj.jacobian(Array(x[(n * d)..<((n + 1) * d)]))
                    op[n] = norms(jacobian: j, logits: z, classes: k, dim: d)
                }
            }
            return out.map { $0! }
        }
        var out: [PerImage] = []
        out.reserveCapacity(batch)
        for r in Parallel.chunks(batch, size: chunk(classes: k, dim: d)) {
            let (jac, logits) = jacobians(net: net, x: Array(x[(r.lowerBound * d)..<(r.upperBound * d)]), batch: r.count)
            var part = [PerImage?](repeating: nil, count: r.count)
            part.withUnsafeMutableBufferPointer { pp in
                let pp = pp
                Parallel.forEach(r.count) { n in
                    let j = jac[(n * k * d)..<((n + 1) * k * d)].map(Double.init)
                    let z = logits[(n * k)..<((n + 1) * k)].map(Double.init)
                    pp[n] = norms(jacobian: j, logits: z, classes: k, dim: d)
                }
            }
            out += part.map { $0! }
        }
        return out
    }

    /// J = ∂logits/∂x for every image, [batch, K, D] (row k of image n at (n·K + k)·D), and
    /// the logits [batch, K]: one forward pass and K input-gradient passes.
    public static func jacobians(net: FloatNetwork, x: [Float], batch b: Int) -> (jacobian: [Float], logits: [Float]) {
        let d = net.sizes[0], k = net.classes
        let pass = net.forward(x, batch: b)
        var jac = [Float](repeating: 0, count: b * k * d)
        for c in 0..<k {
            var dl = [Float](repeating: 0, count: b * k)
            for n in 0..<b { dl[n * k + c] = 1 }
            let g = net.backward(pass, dLogits: dl, parameters: false, input: true).input ?? []
            for n in 0..<b {
                for t in 0..<d { jac[(n * k + c) * d + t] = g[n * d + t] }
            }
        }
        return (jac, pass.logits)
    }

    /// The norms from one image's Jacobian `jacobian` ([K, D] row-major) and `logits` [K],
    /// through the K × K matrix A = BBᵀ of the type comment.
    public static func norms(jacobian j: [Double], logits z: [Double], classes k: Int, dim d: Int) -> PerImage {
        precondition(j.count == k * d && z.count == k && k > 0)
        let logp = logSoftmax(z)
        let p = logp.map { exp($0) }
        // pᵀJ, the mean gradient under p; rows of B are √p_k (J_k − pᵀJ).
        var mean = [Double](repeating: 0, count: d)
        for c in 0..<k { for t in 0..<d { mean[t] += p[c] * j[c * d + t] } }
        var b = [Double](repeating: 0, count: k * d)
        for c in 0..<k {
            let s = p[c].squareRoot()
            for t in 0..<d { b[c * d + t] = s * (j[c * d + t] - mean[t]) }
        }
        var a = [Double](repeating: 0, count: k * k)
        for r in 0..<k {
            for c in r..<k {
                var acc = 0.0
                for t in 0..<d { acc += b[r * d + t] * b[c * d + t] }
                a[r * k + c] = acc
                a[c * k + r] = acc
            }
        }
        let frob = a.reduce(0) { $0 + $1 * $1 }.squareRoot()
        // PSD: a tiny negative λmax can only be rounding of an all-zero F.
        let spec = max(SymmetricEigen.eigenvalues(a, n: k).first ?? 0, 0)
        return PerImage(spectral: spec, frobenius: frob, logProbabilities: logp)
    }

    /// log softmax in float64, max-subtracted.
    public static func logSoftmax(_ z: [Double]) -> [Double] {
        let m = z.max() ?? 0
        let lse = m + log(z.reduce(0) { $0 + exp($1 - m) })
        return z.map { $0 - lse }
    }
}
