import EdgeCore
import EdgeData
import EdgeFloat
import EdgeInformation
import EdgeModel
import EdgeTrain
import Foundation

/// `train`: a float net trained on Fashion-MNIST or a folder, optionally with PGD-AT and
/// information planes logged along the way, written as model.bin.
public struct TrainJob {
    /// Architecture: lenet5 or resnet8.
    public var arch = "lenet5"
    /// fashion-mnist, or a folder of class folders.
    public var dataset = "fashion-mnist"
    /// Test folder when `dataset` is a folder (default: measure on the training folder).
    public var testImages: String?
    /// Epochs.
    public var epochs = 15
    /// Batch size.
    public var batch = 128
    /// Optimiser: sgd or adam.
    public var optimizer = "adam"
    /// Peak learning rate (cosine decay to 0). Default: 1e-3 for adam, 0.05 for sgd.
    public var lr: Double?
    /// Weight decay. Default: 0 for adam, 5e-4 for sgd.
    public var weightDecay: Double?
    /// Seed of every random draw.
    public var seed: UInt64 = 1
    /// Adversarial training: none, pgd or trades.
    public var adversarial = "none"
    /// PGD-AT / TRADES radius (L∞, pixels in [0,1]).
    public var eps: Double = 0.1
    /// PGD-AT / TRADES step size.
    public var stepSize: Double = 0.02
    /// PGD-AT / TRADES steps.
    public var steps = 7
    /// TRADES' KL weight β (default 6); only with --adversarial trades.
    public var beta: Double?
    /// Objective: ce (cross-entropy) or ceb (Conditional Entropy Bottleneck).
    public var objective = "ce"
    /// CEB's target ρ (γ = e^(−ρ)); required with --objective ceb, refused otherwise.
    public var rho: Double?
    /// CEB: steps over which γ is annealed from e^(−100) to e^(−ρ) (default: a tenth of the run).
    public var rhoAnnealSteps: Int?
    /// Use only the first N training images.
    public var limit: Int?
    /// Information planes: measure every K epochs (and after the last); needs `miLog`.
    public var miEvery: Int?
    /// Information-plane inputs: clean and/or pgd (PGD-L∞ at `miEps` on the current net).
    public var miInputs = "clean"
    /// Information-plane sample: N test images, evenly spread.
    public var miSamples = 1000
    /// PGD radius of the information-plane inputs (default: `eps`).
    public var miEps: Double?
    /// Information-plane KDE noise variance σ² (as mi --sigma2).
    public var miSigma2 = 0.1
    /// Information-plane binning width λ (as mi --bin-size).
    public var miBinSize = 0.5
    /// Write the information-plane log (JSON, bits) here, and its plot beside it (.html).
    public var miLog: String?
    /// Output model file.
    public var out: String
    /// No progress bars (epoch lines still go to stderr).
    public var quiet = false

    /// A job writing `out` with the command's defaults.
    public init(out: String) { self.out = out }

    /// Checks every flag before any work (in the command's order, so the first bad one is the
    /// one reported), loads the data, trains and writes `out`; returns the line to print.
    public func run() throws -> String {
        guard let a = Architecture(rawValue: arch) else { throw EdgeError.usage("--arch must be one of \(Architecture.allCases.map(\.rawValue)), got '\(arch)'") }
        guard let o = OptimizerKind(rawValue: optimizer) else { throw EdgeError.usage("--optimizer must be sgd or adam, got '\(optimizer)'") }
        guard epochs > 0, epochs <= 10_000 else { throw EdgeError.usage("--epochs must be in 1...10000") }
        guard batch > 0, batch <= 65_536 else { throw EdgeError.usage("--batch must be in 1...65536") }
        if let lr { guard lr.isFinite, lr > 0, lr <= 10 else { throw EdgeError.usage("--lr must be a finite number in (0, 10], got \(lr)") } }
        if let weightDecay { guard weightDecay.isFinite, weightDecay >= 0, weightDecay <= 1 else { throw EdgeError.usage("--weight-decay must be in [0, 1], got \(weightDecay)") } }
        if let limit { guard limit > 0 else { throw EdgeError.usage("--limit must be positive, got \(limit)") } }
        guard steps > 0, steps <= 1000 else { throw EdgeError.usage("--steps must be in 1...1000") }
        guard eps.isFinite, stepSize.isFinite else { throw EdgeError.usage("--eps and --step-size must be finite") }
        try AtomicFile.checkWritableTarget(out)
        try validateInformationPlanes()
        var cfg = TrainingConfig()
        cfg.arch = a
        cfg.epochs = epochs
        cfg.batch = batch
        cfg.optimizer = o
        cfg.learningRate = lr
        cfg.weightDecay = weightDecay
        cfg.seed = seed
        cfg.quiet = quiet
        try configureObjective(&cfg)
        try RecipeProvenance.check(RecipeProvenance.trainCommand(self, cfg))
        var (train, test) = try datasets(&cfg)
        train = train.prefix(limit)
        // CEB's default anneal length depends on the run's steps: made explicit here, so the
        // provenance records the number used.
        if case let .ceb(c) = cfg.objective, c.annealSteps == nil {
            let steps = (train.count + cfg.batch - 1) / cfg.batch * cfg.epochs
            cfg.objective = .ceb(CEBSettings(rho: c.rho, annealSteps: c.effectiveAnnealSteps(totalSteps: steps)))
        }
        let recipe = RecipeProvenance.trainCommand(self, cfg)
        let planes = try informationPlanes(cfg, test: test)
        let started = Date()
        let model = try Trainer.train(cfg, train: train, test: test, onEpoch: { r in
            printError(String(format: "epoch %d: loss %.4f, train accuracy %.4f, test accuracy %.4f, %.1f s (%.0f images/s)",
                              r.epoch, r.loss, r.trainAccuracy, r.testAccuracy, r.seconds, Double(train.count) / max(r.seconds, 1e-9)))
        }, initial: miLog != nil, onNetwork: planes)
        // A diverged run (non-finite weights) would write a file every reader refuses.
        do { try model.validate(path: out) } catch {
            throw EdgeError.usage("training diverged (the weights are no longer finite numbers); lower --lr. Nothing was written to \(out)")
        }
        AtomicFile.removeStaleTemps(besides: out)
        try ModelFile.write(RecipeProvenance.trained(model, command: recipe, train: train, test: test, dataset: dataset, testImages: testImages), to: out)
        let secs = Date().timeIntervalSince(started)
        return String(format: "wrote %@: test accuracy %.4f on %d images, %.1f s, %d thread(s)",
                     out, model.metadata.recipe?.testAccuracy ?? 0, test.count, secs, Parallel.threads)
    }

    /// --adversarial, --beta, --objective, --rho and --rho-anneal-steps, checked and applied
    /// (the combinations first, so that a misplaced flag is named before its value is).
    func configureObjective(_ cfg: inout TrainingConfig) throws {
        guard ["none", "pgd", "trades"].contains(adversarial) else {
            throw EdgeError.usage("--adversarial must be none, pgd or trades, got '\(adversarial)'")
        }
        guard objective == "ce" || objective == "ceb" else { throw EdgeError.usage("--objective must be ce or ceb, got '\(objective)'") }
        if beta != nil && adversarial != "trades" { throw EdgeError.usage("--beta needs --adversarial trades") }
        if objective == "ceb" {
            guard adversarial == "none" else { throw EdgeError.usage("--objective ceb runs with --adversarial none, got '\(adversarial)'") }
            guard let rho else { throw EdgeError.usage("--objective ceb needs --rho R") }
            guard rho.isFinite, (-10...100).contains(rho) else { throw EdgeError.usage("--rho must be in [-10, 100], got \(rho)") }
            if let n = rhoAnnealSteps { guard n >= 0, n <= 100_000_000 else { throw EdgeError.usage("--rho-anneal-steps must be in 0...100000000, got \(n)") } }
            cfg.objective = .ceb(CEBSettings(rho: rho, annealSteps: rhoAnnealSteps))
        } else if rho != nil || rhoAnnealSteps != nil {
            throw EdgeError.usage("--rho and --rho-anneal-steps need --objective ceb")
        }
        guard adversarial != "none" else { return }
        guard eps > 0, eps <= 1, stepSize > 0, steps > 0 else {
            throw EdgeError.usage("--adversarial \(adversarial) needs 0 < --eps <= 1, --step-size > 0, --steps > 0")
        }
        if adversarial == "pgd" {
            cfg.adversarial = PGDLinf(eps: Float(eps), stepSize: Float(stepSize), steps: steps)
            return
        }
        let b = beta ?? 6
        guard b.isFinite, b > 0, b <= 1000 else { throw EdgeError.usage("--beta must be in (0, 1000], got \(b)") }
        cfg.trades = TRADES(eps: Float(eps), stepSize: Float(stepSize), steps: steps, beta: b)
    }

    /// The training and test sets: the built-in Fashion-MNIST, or `dataset` and `testImages`
    /// (then named in `cfg`'s recipe).
    func datasets(_ cfg: inout TrainingConfig) throws -> (LabeledImages, LabeledImages) {
        let train: LabeledImages, test: LabeledImages
        if dataset == "fashion-mnist" {
            train = try FashionMNIST.load(.train)
            test = try FashionMNIST.load(.test)
        } else {
            cfg.datasetName = dataset
            // The first image fixes the input shape for the whole folder.
            let first = try ImageFolder.firstImageShape(dataset)
            let r = try ImageFolder.load(dataset, classNames: nil, shape: first)
            for s in r.skipped.prefix(20) { printError("warning: skipped \(s.path): \(s.reason)") }
            train = r.images
            if let t = testImages {
                test = try ImageFolder.load(t, classNames: train.classNames, shape: first).images
            } else {
                printError("warning: no --test-images; test accuracy is measured on the training folder")
                test = train
            }
        }
        return (train, test)
    }
}
