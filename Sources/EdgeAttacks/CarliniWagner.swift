import EdgeCore
import EdgeFloat

/// Carlini–Wagner L2 (2017) on the float net: minimise ‖x′ − x‖²₂ + c·f(x′) by Adam, and
/// binary-search c per image. x′ is optimised in pixel space and clipped to [0, 1] after
/// each step, not through the paper's x′ = ½(tanh w + 1): under tanh a pixel at exactly 0 or
/// 1 sits where dx′/dw ≈ 0 and never moves (half of Fashion-MNIST's pixels; issue 16), so
/// CW overstated L2 robustness. Adam steps are in pixel units.
/// Untargeted f = max(Z_y − max_{i≠y} Z_i, −κ); targeted f = max(max_{i≠t} Z_i − Z_t, −κ).
/// The max over i ≠ y excludes y by index — not by multiplying logits with a one-hot mask,
/// which breaks when every other logit is negative (torchattacks #184).
public struct CarliniWagnerL2: Sendable {
    /// Confidence margin κ.
    public var kappa: Float = 0
    /// Adam steps per binary-search round (the paper uses up to 10 000; CI caps it).
    public var maxSteps: Int = 100
    /// Binary-search rounds over c.
    public var searchSteps: Int = 5
    /// Initial c.
    public var initialConst: Float = 1e-2
    /// Adam learning rate.
    public var learningRate: Float = 1e-2

    /// An attack with the given budget.
    public init(kappa: Float = 0, maxSteps: Int = 100, searchSteps: Int = 5, initialConst: Float = 1e-2, learningRate: Float = 1e-2) {
        self.kappa = kappa
        self.maxSteps = maxSteps
        self.searchSteps = searchSteps
        self.initialConst = initialConst
        self.learningRate = learningRate
    }

    /// The margin f and d f / d logits for one row.
    static func margin(_ z: ArraySlice<Float>, label y: Int, target: Int?, kappa: Float) -> (Float, [Float]) {
        let k = z.count, b = z.startIndex
        var g = [Float](repeating: 0, count: k)
        if let t = target {
            var other = -Float.infinity, oi = 0
            for i in 0..<k where i != t && z[b + i] > other { other = z[b + i]; oi = i }
            let m = other - z[b + t]
            if m > -kappa { g[oi] = 1; g[t] = -1 }
            return (max(m, -kappa), g)
        }
        var other = -Float.infinity, oi = 0
        for i in 0..<k where i != y && z[b + i] > other { other = z[b + i]; oi = i }
        let m = z[b + y] - other
        if m > -kappa { g[y] = 1; g[oi] = -1 }
        return (max(m, -kappa), g)
    }

    /// Adversarial examples (the smallest successful one per image, the clean image when
    /// none was found) for `x` [B, …].
    public func perturb(_ net: FloatNetwork, x: [Float], labels: [Int], targets: [Int]? = nil) -> [Float] {
        let b = labels.count, d = x.count / max(b, 1), k = net.classes
        var lo = [Float](repeating: 0, count: b), hi = [Float](repeating: 1e10, count: b)
        var c = [Float](repeating: initialConst, count: b)
        var best = x
        var bestL2 = [Float](repeating: .infinity, count: b)
        for _ in 0..<max(1, searchSteps) {
            var xa = x
            var m = [Float](repeating: 0, count: x.count), v = m
            var succeeded = [Bool](repeating: false, count: b)
            for step in 1...max(1, maxSteps) {
                let pass = net.forward(xa, batch: b)
                var dl = [Float](repeating: 0, count: b * k)
                for n in 0..<b {
                    let (f, g) = Self.margin(pass.logits[(n * k)..<(n * k + k)], label: labels[n], target: targets?[n], kappa: kappa)
                    for j in 0..<k { dl[n * k + j] = c[n] * g[j] }
                    // Success: the example is adversarial (f reached −κ); keep the smallest.
                    let pred = SoftmaxCrossEntropy.argmax(Array(pass.logits[(n * k)..<(n * k + k)]), classes: k)[0]
                    let ok = targets.map { pred == $0[n] } ?? (pred != labels[n])
                    if ok && f <= -kappa + 1e-6 {
                        var l2: Float = 0
                        for t in 0..<d { let e = xa[n * d + t] - x[n * d + t]; l2 += e * e }
                        succeeded[n] = true
                        if l2 < bestL2[n] { bestL2[n] = l2; for t in 0..<d { best[n * d + t] = xa[n * d + t] } }
                    }
                }
                let gx = net.backward(pass, dLogits: dl, parameters: false, input: true).input ?? []
                // d/dx′ of ‖x′ − x‖² + c·f; the step is projected back onto the box [0, 1].
                let b1: Float = 0.9, b2: Float = 0.999
                let c1 = 1 - pow(b1, Float(step)), c2 = 1 - pow(b2, Float(step))
                for t in xa.indices {
                    let gw = 2 * (xa[t] - x[t]) + gx[t]
                    m[t] = b1 * m[t] + (1 - b1) * gw
                    v[t] = b2 * v[t] + (1 - b2) * gw * gw
                    xa[t] = min(max(xa[t] - learningRate * (m[t] / c1) / ((v[t] / c2).squareRoot() + 1e-8), 0), 1)
                }
            }
            // Carlini–Wagner schedule: on success lower c (bisect), else raise it (×10 until bounded).
            for n in 0..<b {
                if succeeded[n] {
                    hi[n] = min(hi[n], c[n])
                    c[n] = (lo[n] + hi[n]) / 2
                } else {
                    lo[n] = max(lo[n], c[n])
                    c[n] = hi[n] < 1e9 ? (lo[n] + hi[n]) / 2 : c[n] * 10
                }
            }
        }
        return best
    }
}

#if canImport(Glibc)
import Glibc
#endif
