#if canImport(Glibc)
import Glibc
#endif
import EdgeCore
import EdgeFloat
import EdgeModel

/// The Conditional Entropy Bottleneck (Fischer & Alemi 2020, "CEB improves model
/// robustness", Appendix B) on the net's penultimate features.
///
/// - e(z|x) = N(μ(x), I): μ(x) is the input of the net's last dense layer (LeNet-5's 84 ReLU
///   features), as the appendix puts the encoder's mean on ResNet's pre-logits.
/// - b(z|y) = N(m_y, I): one learned mean per class, training-only state.
/// - c(y|z) = softmax(W z + b): the net's own last dense layer, so the saved model is an
///   ordinary net whose logits are c(y|μ(x)).
///
/// Per image, with z = μ + ε, ε ~ N(0, I) (reparameterised, drawn from the seeded generator):
/// L = γ·(log e(z|x) − log b(z|y)) − log c(y|z) = γ·(½‖z − m_y‖² − ½‖ε‖²) − log c(y|z), the
/// D/2·log 2π terms cancelling; the batch loss is the mean. γ = e^(−ρ), annealed by `gamma(step:)`.
public struct CEBSettings: Sendable, Equatable {
    /// Target ρ: γ ends at e^(−ρ).
    public var rho: Double
    /// Steps over which γ goes from e^(−100) to e^(−ρ); nil: a tenth of the run's steps.
    public var annealSteps: Int?

    /// Settings for target `rho`.
    public init(rho: Double, annealSteps: Int? = nil) {
        self.rho = rho
        self.annealSteps = annealSteps
    }

    /// The anneal length actually used in a run of `totalSteps` steps.
    public func effectiveAnnealSteps(totalSteps: Int) -> Int { annealSteps ?? totalSteps / 10 }

    /// γ at 0-based global step `step`: Appendix B's `lerp(step, 0, N, e^(−100), e^(−ρ))`,
    /// linear in γ (not in ρ) and held at e^(−ρ) from step N on; N = 0 means no annealing.
    public static func gamma(step: Int, annealSteps n: Int, rho: Double) -> Double {
        let target = exp(-rho)
        guard n > 0 else { return target }
        let u = min(max(Double(step) / Double(n), 0), 1)
        return exp(-100.0) * (1 - u) + target * u
    }
}

/// Loss and gradients of the CEB head for one batch, all in Double.
public struct CEBHeadResult {
    /// Mean loss over the batch.
    public var loss: Double
    /// Mean of ½‖z − m_y‖² − ½‖ε‖², the residual-information term before γ weighs it.
    public var residual: Double
    /// Logits of c(y|z) on the sampled z [B, K].
    public var logits: [Double]
    /// d loss / d μ [B, D].
    public var dMu: [Double]
    /// d loss / d W [K, D] and d loss / d b [K].
    public var dWeight: [Double], dBias: [Double]
    /// d loss / d class means [K, D].
    public var dMeans: [Double]
}

/// The CEB head: classifier and backward encoder on μ + ε.
public enum CEBHead {
    /// The head for features `mu` [B, D], noise [B, D], classifier `weight` [K, D] and `bias`
    /// [K], class `means` [K, D] and `labels`; `gamma` weighs the residual term.
    public static func lossAndGradients(mu: [Double], noise: [Double], weight: [Double], bias: [Double], means: [Double],
                                        labels: [Int], gamma: Double) -> CEBHeadResult {
        let b = labels.count, k = bias.count, d = weight.count / max(k, 1)
        var r = CEBHeadResult(loss: 0, residual: 0, logits: [Double](repeating: 0, count: b * k), dMu: [Double](repeating: 0, count: b * d),
                              dWeight: [Double](repeating: 0, count: k * d), dBias: [Double](repeating: 0, count: k),
                              dMeans: [Double](repeating: 0, count: k * d))
        let inv = 1 / Double(max(b, 1))
        var z = [Double](repeating: 0, count: d), dl = [Double](repeating: 0, count: k)
        for n in 0..<b {
            let y = labels[n]
            var rex = 0.0
            for t in 0..<d {
                z[t] = mu[n * d + t] + noise[n * d + t]
                let u = z[t] - means[y * d + t]
                rex += 0.5 * (u * u - noise[n * d + t] * noise[n * d + t])
            }
            var m = -Double.infinity
            for j in 0..<k {
                var s = bias[j]
                for t in 0..<d { s += weight[j * d + t] * z[t] }
                r.logits[n * k + j] = s
                m = max(m, s)
            }
            var sum = 0.0
            for j in 0..<k { dl[j] = exp(r.logits[n * k + j] - m); sum += dl[j] }
            let ce = -(r.logits[n * k + y] - m - log(sum))
            r.loss += (gamma * rex + ce) * inv
            r.residual += rex * inv
            for j in 0..<k { dl[j] = (dl[j] / sum - (j == y ? 1 : 0)) * inv }
            for j in 0..<k {
                r.dBias[j] += dl[j]
                for t in 0..<d { r.dWeight[j * d + t] += dl[j] * z[t] }
            }
            for t in 0..<d {
                // ε is fixed under the reparameterisation, so log e(z|x) has no gradient in μ.
                let pull = gamma * (z[t] - means[y * d + t]) * inv
                var back = 0.0
                for j in 0..<k { back += weight[j * d + t] * dl[j] }
                r.dMu[n * d + t] = pull + back
                r.dMeans[y * d + t] -= pull
            }
        }
        return r
    }
}

/// What a CEB training run keeps beside the net: the trunk (the net without its last dense
/// layer, sharing its parameters), the class means of b(z|y) and their optimiser state.
public struct CEBState {
    /// The net up to μ(x).
    public let trunk: FloatNetwork
    /// Class means [K, D] of b(z|y), as a one-tensor parameter list for the optimiser.
    public var means: [[Tensor]]
    /// Adam or SGD state of the means (same rule and rate as the net, no weight decay).
    public var meansOptimizer: Optimizer
    /// Feature width D and classes K.
    public let features: Int, classes: Int

    /// State for `net`, whose last node must be a dense layer fed by the node before it.
    /// Means start Glorot-uniform, as a TF dense layer on one-hot labels does, from their own
    /// seeded stream (so CEB adds no draws to the net's initialisation or shuffling).
    public init(net: FloatNetwork, optimizer: OptimizerKind, seed: UInt64) throws {
        let g = net.model.graph, last = g.nodes.count - 1
        guard case .dense = g.nodes[last].op, g.nodes[last].inputs == [last - 1], last >= 2 else {
            throw EdgeError.usage("--objective ceb needs a net whose last layer is a dense layer on the layer before it")
        }
        features = net.sizes[last - 1]
        classes = net.classes
        let trunkGraph = Graph(inputShape: g.inputShape, nodes: Array(g.nodes.prefix(last)))
        let names = (0..<features).map { "z\($0)" }
        trunk = try FloatNetwork(Model(graph: trunkGraph, parameters: Array(net.model.parameters.prefix(last)),
                                       metadata: ModelMetadata(classNames: names)))
        var rng = SeededGenerator(seed: seed, stream: 0xCEB)
        let bound = Float((6.0 / Double(features + classes)).squareRoot())
        var m = Tensor(zeros: [classes, features])
        for i in 0..<m.count { m.data[i] = rng.uniform(-bound, bound) }
        means = [[m]]
        meansOptimizer = Optimizer(optimizer, parameters: means, weightDecay: 0)
    }

    /// Loss, logits on the sampled z, and gradients for the net's parameters (full net order),
    /// the means, and (with `input`) the input, for images `x` and fixed `noise` [B, D].
    /// Batch norm in `training` mode updates running statistics in `net` as a plain pass would.
    public func lossAndGradients(net: FloatNetwork, x: [Float], labels: [Int], noise: [Double], gamma: Double,
                                 training: Bool, input: Bool = false) -> (head: CEBHeadResult, parameters: [[[Float]]], input: [Float]?) {
        let last = net.model.graph.nodes.count - 1
        trunk.model.parameters = Array(net.model.parameters.prefix(last))
        let pass = trunk.forward(x, batch: labels.count, training: training)
        if training { for i in 0..<last { net.model.parameters[i] = trunk.model.parameters[i] } }
        let w = net.model.parameters[last]
        let head = CEBHead.lossAndGradients(mu: pass.logits.map(Double.init), noise: noise, weight: w[0].data.map(Double.init),
                                            bias: w[1].data.map(Double.init), means: means[0][0].data.map(Double.init),
                                            labels: labels, gamma: gamma)
        let g = trunk.backward(pass, dLogits: head.dMu.map(Float.init), parameters: true, input: input)
        return (head, g.parameters + [[head.dWeight.map(Float.init), head.dBias.map(Float.init)]], g.input)
    }

    /// Standard normal noise [B, D] from `rng`, in order.
    public func noise(batch: Int, rng: inout SeededGenerator) -> [Double] {
        (0..<(batch * features)).map { _ in rng.nextGaussian() }
    }
}
