import EdgeCore
import EdgeData
import EdgeFloat
import EdgeModel
import Foundation

/// Everything that defines a training run. Same configuration and data → identical
/// weights, at any thread count.
public struct TrainingConfig: Sendable {
    /// Architecture to build.
    public var arch: Architecture = .lenet5
    /// Epochs over the training set.
    public var epochs = 15
    /// Images per step.
    public var batch = 128
    /// Update rule.
    public var optimizer: OptimizerKind = .adam
    /// Peak learning rate (default depends on the optimiser).
    public var learningRate: Double? = nil
    /// Weight decay (default: 0 for Adam, 5e-4 for SGD).
    public var weightDecay: Double? = nil
    /// Seed of initialisation, shuffling and PGD starts.
    public var seed: UInt64 = 1
    /// PGD adversarial training when set.
    public var adversarial: PGDLinf? = nil
    /// TRADES when set (not with `adversarial`).
    public var trades: TRADES? = nil
    /// Cross-entropy, or CEB (only without PGD-AT or TRADES).
    public var objective: TrainingObjective = .crossEntropy
    /// Dataset name for the recipe.
    public var datasetName = "fashion-mnist"
    /// Suppress progress output.
    public var quiet = false

    /// Defaults: LeNet-5, 15 epochs, batch 128, Adam.
    public init() {}

    /// The learning rate actually used.
    public var effectiveLearningRate: Double { learningRate ?? (optimizer == .adam ? 1e-3 : 0.05) }
    /// The weight decay actually used.
    public var effectiveWeightDecay: Double { weightDecay ?? (optimizer == .adam ? 0 : 5e-4) }
}

/// Per-epoch figures reported while training.
public struct EpochReport: Sendable {
    /// 1-based epoch (0: the initialised net before training, seen only by `onNetwork`).
    public let epoch: Int
    /// Mean training loss.
    public let loss: Double
    /// Training accuracy (on the possibly adversarial batches).
    public let trainAccuracy: Double
    /// Held-out accuracy after the epoch.
    public let testAccuracy: Double
    /// Seconds spent in the epoch's training steps.
    public let seconds: Double
}

/// The compact trainer: mini-batch training with cosine learning-rate decay, optional
/// PGD adversarial training, TRADES or CEB (TrainingStep), and per-epoch test accuracy.
public enum Trainer {
    /// Trains a fresh network on `train`, measuring on `test` after every epoch. `onNetwork`
    /// sees the network after each epoch, and with `initial` also once before the first as
    /// epoch 0 (the initialised net, its test accuracy measured, loss and training accuracy
    /// NaN), for measurements that need it (information planes); it must only run eval-mode
    /// passes, which change nothing the training depends on.
    public static func train(_ config: TrainingConfig, train: LabeledImages, test: LabeledImages,
                             onEpoch: (EpochReport) -> Void = { _ in }, initial: Bool = false,
                             onNetwork: (EpochReport, FloatNetwork) throws -> Void = { _, _ in }) throws -> Model {
        guard config.epochs > 0, config.batch > 0 else { throw EdgeError.usage("epochs and batch must be positive") }
        guard train.count > 0 else { throw EdgeError.badData(path: config.datasetName, reason: "the training set is empty") }
        try TrainingStep.validate(config)
        var rng = SeededGenerator(seed: config.seed)
        let graph = config.arch.graph(input: [train.channels, train.height, train.width], classes: train.classNames.count)
        let params = try Initializer.parameters(for: graph, rng: &rng)
        let net = try FloatNetwork(Model(graph: graph, parameters: params, metadata: ModelMetadata(classNames: train.classNames)))
        var opt = Optimizer(config.optimizer, parameters: params, weightDecay: Float(config.effectiveWeightDecay))
        let stepsPerEpoch = (train.count + config.batch - 1) / config.batch
        let totalSteps = stepsPerEpoch * config.epochs
        let lr0 = config.effectiveLearningRate
        var objective = try TrainingStep(config, net: net, totalSteps: totalSteps)
        var step = 0
        var lastTest = 0.0
        if initial { try onNetwork(EpochReport(epoch: 0, loss: .nan, trainAccuracy: .nan, testAccuracy: Evaluator.accuracy(net, test), seconds: 0), net) }
        for epoch in 1...config.epochs {
            var order = Array(0..<train.count)
            rng.shuffle(&order)
            let bar = ProgressBar("epoch \(epoch)/\(config.epochs)", total: train.count, quiet: config.quiet)
            var lossSum = 0.0, correct = 0, seen = 0
            let t0 = Date()
            for s in 0..<stepsPerEpoch {
                let idx = Array(order[(s * config.batch)..<min(train.count, (s + 1) * config.batch)])
                let labels = idx.map { train.labels[$0] }
                // Cosine decay from lr0 to 0 over the whole run.
                let lr = lr0 * 0.5 * (1 + cos(Double.pi * Double(step) / Double(totalSteps)))
                let (loss, logits) = objective.run(net, &opt, x: train.floatBatch(idx).data, labels: labels, epoch: epoch, step: s,
                                                   globalStep: step, lr: Float(lr))
                step += 1
                lossSum += loss * Double(idx.count)
                let pred = SoftmaxCrossEntropy.argmax(logits, classes: net.classes)
                correct += zip(pred, labels).filter { $0 == $1 }.count
                seen += idx.count
                bar.detail = String(format: "loss %.4f acc %.3f", lossSum / Double(seen), Double(correct) / Double(seen))
                bar.advance(idx.count)
            }
            bar.finish()
            let secs = Date().timeIntervalSince(t0)
            lastTest = Evaluator.accuracy(net, test)
            let report = EpochReport(epoch: epoch, loss: lossSum / Double(seen), trainAccuracy: Double(correct) / Double(seen),
                                     testAccuracy: lastTest, seconds: secs)
            onEpoch(report)
            try onNetwork(report, net)
        }
        var model = net.model
        model.metadata.recipe = TrainingRecipe(
            arch: config.arch.rawValue, dataset: config.datasetName, epochs: config.epochs, batch: config.batch,
            optimizer: config.optimizer.rawValue, learningRate: lr0, schedule: "cosine", weightDecay: config.effectiveWeightDecay,
            seed: config.seed, adversarial: config.adversarial == nil ? "none" : "pgd",
            eps: Double(config.adversarial?.eps ?? 0), stepSize: Double(config.adversarial?.stepSize ?? 0),
            steps: config.adversarial?.steps ?? 0, testAccuracy: lastTest, testImages: test.count)
        objective.annotate(&model.metadata.recipe!)
        return model
    }
}

/// Accuracy and logits of a float net on a labelled set, in batches.
public enum Evaluator {
    /// Logits [N, classes] in eval mode.
    public static func logits(_ net: FloatNetwork, _ set: LabeledImages, batch: Int = 500) -> [Float] {
        var out: [Float] = []
        out.reserveCapacity(set.count * net.classes)
        var start = 0
        while start < set.count {
            let idx = Array(start..<min(set.count, start + batch))
            out.append(contentsOf: net.forward(set.floatBatch(idx).data, batch: idx.count).logits)
            start += batch
        }
        return out
    }

    /// Top-1 accuracy in [0, 1].
    public static func accuracy(_ net: FloatNetwork, _ set: LabeledImages) -> Double {
        guard set.count > 0 else { return 0 }
        let pred = SoftmaxCrossEntropy.argmax(logits(net, set), classes: net.classes)
        return Double(zip(pred, set.labels).filter { $0 == $1 }.count) / Double(set.count)
    }
}
