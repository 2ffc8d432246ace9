import EdgeCore
import EdgeFloat
import EdgeModel

/// What a training step minimises.
public enum TrainingObjective: Sendable, Equatable {
    /// Softmax cross-entropy on the (possibly PGD-perturbed) batch.
    case crossEntropy
    /// The Conditional Entropy Bottleneck on the penultimate features.
    case ceb(CEBSettings)
}

/// One optimisation step of any objective: cross-entropy (plain or on PGD-AT batches),
/// TRADES or CEB. Every random draw comes from the step's own stream (seed, epoch, step), so
/// no step's draws depend on another's or on the thread count.
struct TrainingStep {
    let config: TrainingConfig
    var ceb: CEBState?
    let cebAnnealSteps: Int

    init(_ config: TrainingConfig, net: FloatNetwork, totalSteps: Int) throws {
        self.config = config
        if case let .ceb(s) = config.objective {
            ceb = try CEBState(net: net, optimizer: config.optimizer, seed: config.seed)
            cebAnnealSteps = s.effectiveAnnealSteps(totalSteps: totalSteps)
        } else {
            cebAnnealSteps = 0
        }
    }

    /// Checks that the objectives combine: at most one of PGD-AT and TRADES, CEB alone.
    static func validate(_ c: TrainingConfig) throws {
        if c.adversarial != nil && c.trades != nil { throw EdgeError.usage("PGD-AT and TRADES cannot be combined") }
        if case let .ceb(s) = c.objective {
            guard c.adversarial == nil, c.trades == nil else { throw EdgeError.usage("--objective ceb runs with --adversarial none") }
            guard s.rho.isFinite, (-10...100).contains(s.rho) else { throw EdgeError.usage("--rho must be in [-10, 100], got \(s.rho)") }
            if let n = s.annealSteps, n < 0 { throw EdgeError.usage("--rho-anneal-steps must be >= 0, got \(n)") }
        }
        if let t = c.trades, !(t.beta.isFinite && t.beta > 0 && t.beta <= 1000) {
            throw EdgeError.usage("--beta must be in (0, 1000], got \(t.beta)")
        }
    }

    /// Runs the step on batch `x` (updating `net`, and CEB's means) and returns the mean loss
    /// and the logits the training accuracy is counted on.
    mutating func run(_ net: FloatNetwork, _ opt: inout Optimizer, x clean: [Float], labels: [Int], epoch: Int, step s: Int,
                      globalStep: Int, lr: Float) -> (loss: Double, logits: [Float]) {
        var rng = SeededGenerator(seed: config.seed, stream: UInt64(epoch), UInt64(s))
        let b = labels.count
        if var state = ceb, case let .ceb(settings) = config.objective {
            let gamma = CEBSettings.gamma(step: globalStep, annealSteps: cebAnnealSteps, rho: settings.rho)
            let r = state.lossAndGradients(net: net, x: clean, labels: labels, noise: state.noise(batch: b, rng: &rng),
                                           gamma: gamma, training: true)
            opt.update(&net.model, gradients: r.parameters, lr: lr)
            state.meansOptimizer.update(&state.means, gradients: [[r.head.dMeans.map(Float.init)]], lr: lr) { _, _ in (true, false) }
            ceb = state
            return (r.head.loss, r.head.logits.map(Float.init))
        }
        if let trades = config.trades {
            let adv = trades.perturb(net, x: clean, batch: b, rng: &rng)
            let r = trades.lossAndGradients(net, x: clean, xAdv: adv, labels: labels, training: true)
            opt.update(&net.model, gradients: r.parameters, lr: lr)
            return (r.loss, r.logits)
        }
        var x = clean
        if let pgd = config.adversarial { x = pgd.perturb(net, x: x, labels: labels, rng: &rng) }
        let pass = net.forward(x, batch: b, training: true)
        let (loss, dl) = SoftmaxCrossEntropy.lossAndGradient(logits: pass.logits, labels: labels, classes: net.classes)
        let g = net.backward(pass, dLogits: dl, parameters: true, input: false)
        opt.update(&net.model, gradients: g.parameters, lr: lr)
        return (loss, pass.logits)
    }

    /// The recipe fields of the objective (nil for plain cross-entropy, so those files keep
    /// their bytes).
    func annotate(_ r: inout TrainingRecipe) {
        if let t = config.trades {
            (r.adversarial, r.eps, r.stepSize, r.steps, r.beta) = ("trades", Double(t.eps), Double(t.stepSize), t.steps, t.beta)
        }
        if case let .ceb(s) = config.objective { (r.objective, r.rho, r.rhoAnnealSteps) = ("ceb", s.rho, cebAnnealSteps) }
    }
}
