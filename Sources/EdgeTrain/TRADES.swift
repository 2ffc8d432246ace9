#if canImport(Glibc)
import Glibc
#endif
import EdgeCore
import EdgeFloat

/// TRADES (Zhang et al. 2019): minimise CE(f(x), y) + β·KL(f(x) ‖ f(x′)) per image, the KL
/// between the softmax on the clean image and on x′, with x′ found by PGD-L∞ maximising that
/// KL. As the authors' reference code (trades.py): x′ starts at x + 0.001·N(0, 1) (not
/// Madry's uniform start — at x′ = x the KL and its gradient are zero), steps α·sign(∇), is
/// projected onto the ε-ball and clipped to [0, 1] after every step; p(x) is fixed during
/// the search. The search runs the net in eval mode, as PGD-AT does here.
public struct TRADES: Sendable, Equatable {
    /// Radius (L∞).
    public var eps: Float
    /// Step size α.
    public var stepSize: Float
    /// Steps of the inner maximisation.
    public var steps: Int
    /// Weight β of the KL term.
    public var beta: Double
    /// Standard deviation of the random start.
    public static let startScale = 0.001

    /// A TRADES configuration.
    public init(eps: Float, stepSize: Float, steps: Int, beta: Double) {
        self.eps = eps
        self.stepSize = stepSize
        self.steps = steps
        self.beta = beta
    }

    /// x′ for a batch `x` [B, …]: PGD on KL(p(x) ‖ p(x′)).
    public func perturb(_ net: FloatNetwork, x: [Float], batch b: Int, rng: inout SeededGenerator) -> [Float] {
        let k = net.classes
        let clean = net.forward(x, batch: b).logits
        let p = (0..<b).map { n in SoftmaxCrossEntropy.probabilities(clean[(n * k)..<(n * k + k)]) }
        var adv = x.map { $0 + Float(Self.startScale * rng.nextGaussian()) }
        for _ in 0..<steps {
            let pass = net.forward(adv, batch: b)
            var dl = [Float](repeating: 0, count: b * k)
            for n in 0..<b {
                let q = SoftmaxCrossEntropy.probabilities(pass.logits[(n * k)..<(n * k + k)])
                // d KL(p ‖ q) / d adversarial logits = q − p.
                for j in 0..<k { dl[n * k + j] = Float(q[j] - p[n][j]) }
            }
            guard let g = net.backward(pass, dLogits: dl, parameters: false, input: true).input else { break }
            for i in adv.indices {
                let s: Float = g[i] > 0 ? 1 : (g[i] < 0 ? -1 : 0)
                let moved = adv[i] + stepSize * s
                adv[i] = min(max(min(max(moved, x[i] - eps), x[i] + eps), 0), 1)
            }
        }
        return adv
    }

    /// Mean TRADES loss over a batch and its gradients in the clean logits `natural` and
    /// the logits `adversarial` of x′ [B, K], in Double. With p = softmax(natural),
    /// q = softmax(adversarial), l = log p − log q: d/d natural = p − onehot + β·p⊙(l − KL),
    /// d/d adversarial = β·(q − p), each divided by B.
    public static func lossAndGradients(natural: [Double], adversarial: [Double], labels: [Int], beta: Double)
        -> (loss: Double, kl: Double, dNatural: [Double], dAdversarial: [Double]) {
        let b = labels.count, k = natural.count / max(b, 1)
        let inv = 1 / Double(max(b, 1))
        var dn = [Double](repeating: 0, count: b * k), da = dn
        var loss = 0.0, klSum = 0.0
        for n in 0..<b {
            let lp = logSoftmax(natural[(n * k)..<(n * k + k)]), lq = logSoftmax(adversarial[(n * k)..<(n * k + k)])
            var kl = 0.0
            for j in 0..<k { kl += exp(lp[j]) * (lp[j] - lq[j]) }
            loss += (-lp[labels[n]] + beta * kl) * inv
            klSum += kl * inv
            for j in 0..<k {
                let p = exp(lp[j]), q = exp(lq[j])
                dn[n * k + j] = (p - (j == labels[n] ? 1 : 0) + beta * p * (lp[j] - lq[j] - kl)) * inv
                da[n * k + j] = beta * (q - p) * inv
            }
        }
        return (loss, klSum, dn, da)
    }

    /// Loss, clean logits and parameter gradients (and, with `input`, d loss / d x and
    /// d loss / d x′) of the TRADES loss at `x` and a fixed `xAdv`; two passes, clean then x′.
    public func lossAndGradients(_ net: FloatNetwork, x: [Float], xAdv: [Float], labels: [Int], training: Bool, input: Bool = false)
        -> (loss: Double, logits: [Float], parameters: [[[Float]]], dx: [Float]?, dxAdv: [Float]?) {
        let b = labels.count
        let clean = net.forward(x, batch: b, training: training)
        let attacked = net.forward(xAdv, batch: b, training: training)
        let r = Self.lossAndGradients(natural: clean.logits.map(Double.init), adversarial: attacked.logits.map(Double.init),
                                      labels: labels, beta: beta)
        let gc = net.backward(clean, dLogits: r.dNatural.map(Float.init), parameters: true, input: input)
        let ga = net.backward(attacked, dLogits: r.dAdversarial.map(Float.init), parameters: true, input: input)
        var g = gc.parameters
        for i in g.indices { for t in g[i].indices { for e in g[i][t].indices { g[i][t][e] += ga.parameters[i][t][e] } } }
        return (r.loss, clean.logits, g, gc.input, ga.input)
    }

    private static func logSoftmax(_ row: ArraySlice<Double>) -> [Double] {
        let m = row.max() ?? 0
        let s = log(row.reduce(0) { $0 + exp($1 - m) })
        return row.map { $0 - m - s }
    }
}
