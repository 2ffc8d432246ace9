import ArgumentParser
import EdgeCore
import EdgeData
import EdgeFloat
import EdgeInformation
import EdgeModel
import EdgeTrain
import Foundation

/// `edge-audit train`: trains a float net and writes model.bin.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Train LeNet-5 or ResNet-8, optionally with PGD-AT.")

    @Option(help: "Architecture: lenet5 or resnet8.") var arch = "lenet5"
    @Option(help: "fashion-mnist, or a folder of class folders.") var dataset = "fashion-mnist"
    @Option(help: "Test folder when --dataset is a folder (default: measure on the training folder).") var testImages: String?
    @Option(help: "Epochs.") var epochs = 15
    @Option(help: "Batch size.") var batch = 128
    @Option(help: "Optimiser: sgd or adam.") var optimizer = "adam"
    @Option(help: "Peak learning rate (cosine decay to 0). Default: 1e-3 for adam, 0.05 for sgd.") var lr: Double?
    @Option(help: "Weight decay. Default: 0 for adam, 5e-4 for sgd.") var weightDecay: Double?
    @Option(help: "Seed of every random draw.") var seed: UInt64 = 1
    @Option(help: "Adversarial training: none or pgd.") var adversarial = "none"
    @Option(help: "PGD-AT radius (L∞, pixels in [0,1]).") var eps: Double = 0.1
    @Option(help: "PGD-AT step size.") var stepSize: Double = 0.02
    @Option(help: "PGD-AT steps.") var steps = 7
    @Option(help: "Use only the first N training images.") var limit: Int?
    @Option(help: "Output model file.") var out: String
    @Option(help: "Information planes: measure every K epochs (and after the last); needs --mi-log.") var miEvery: Int?
    @Option(help: "Information-plane inputs: clean and/or pgd (PGD-L∞ at --mi-eps on the current net).") var miInputs = "clean"
    @Option(help: "Information-plane sample: N test images, evenly spread.") var miSamples = 1000
    @Option(help: "PGD radius of the information-plane inputs (default: --eps).") var miEps: Double?
    @Option(help: "Information-plane KDE noise variance σ² (as mi --sigma2).") var miSigma2 = 0.1
    @Option(help: "Information-plane binning width λ (as mi --bin-size).") var miBinSize = 0.5
    @Option(help: "Write the information-plane log (JSON, bits) here, and its plot beside it (.html).") var miLog: String?
    @OptionGroup var compute: ComputeOptions

    func run() throws {
        try compute.apply()
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
        cfg.quiet = compute.quiet
        switch adversarial {
        case "none": break
        case "pgd":
            guard eps > 0, eps <= 1, stepSize > 0, steps > 0 else { throw EdgeError.usage("PGD needs 0 < --eps <= 1, --step-size > 0, --steps > 0") }
            cfg.adversarial = PGDLinf(eps: Float(eps), stepSize: Float(stepSize), steps: steps)
        default: throw EdgeError.usage("--adversarial must be none or pgd, got '\(adversarial)'")
        }
        var train: LabeledImages, test: LabeledImages
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
        train = train.prefix(limit)
        let planes = try informationPlanes(cfg, test: test)
        let started = Date()
        let model = try Trainer.train(cfg, train: train, test: test, onEpoch: { r in
            printError(String(format: "epoch %d: loss %.4f, train accuracy %.4f, test accuracy %.4f, %.1f s (%.0f images/s)",
                              r.epoch, r.loss, r.trainAccuracy, r.testAccuracy, r.seconds, Double(train.count) / max(r.seconds, 1e-9)))
        }, onNetwork: planes)
        // A diverged run (non-finite weights) would write a file every reader refuses.
        do { try model.validate(path: out) } catch {
            throw EdgeError.usage("training diverged (the weights are no longer finite numbers); lower --lr. Nothing was written to \(out)")
        }
        AtomicFile.removeStaleTemps(besides: out)
        try ModelFile.write(model, to: out)
        let secs = Date().timeIntervalSince(started)
        print(String(format: "wrote %@: test accuracy %.4f on %d images, %.1f s, %d thread(s)",
                     out, model.metadata.recipe?.testAccuracy ?? 0, test.count, secs, Parallel.threads))
    }
}

extension Train {
    /// The --mi-* flags are checked before any training starts.
    func validateInformationPlanes() throws {
        guard let miLog else {
            if miEvery != nil { throw EdgeError.usage("--mi-every needs --mi-log FILE.json") }
            return
        }
        if let miEvery { guard miEvery >= 1, miEvery <= 10_000 else { throw EdgeError.usage("--mi-every must be in 1...10000, got \(miEvery)") } }
        guard miSamples >= 2, miSamples <= 20_000 else { throw EdgeError.usage("--mi-samples must be in 2...20000, got \(miSamples)") }
        let kinds = miInputs.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !kinds.isEmpty, kinds.allSatisfy({ $0 == "clean" || $0 == "pgd" }), Set(kinds).count == kinds.count else {
            throw EdgeError.usage("--mi-inputs must list clean and/or pgd once each, got '\(miInputs)'")
        }
        guard miSigma2.isFinite, miSigma2 > 0, miBinSize.isFinite, miBinSize > 0 else {
            throw EdgeError.usage("--mi-sigma2 and --mi-bin-size must be finite numbers > 0")
        }
        if let miEps { guard miEps.isFinite, miEps > 0, miEps <= 1 else { throw EdgeError.usage("--mi-eps must be in (0, 1], got \(miEps)") } }
        guard !miLog.hasSuffix(".html"), miLog != out else { throw EdgeError.usage("--mi-log must be a .json file other than --out") }
        try AtomicFile.checkWritableTarget(miLog)
        try AtomicFile.checkWritableTarget(Self.plotPath(miLog))
    }

    /// FILE.json → FILE.html (FILE.html appended when there is no .json suffix).
    static func plotPath(_ log: String) -> String { (log.hasSuffix(".json") ? String(log.dropLast(5)) : log) + ".html" }

    /// The per-epoch hook writing the log and its plot after each measured epoch (so an
    /// interrupted run leaves the epochs so far); a no-op without --mi-log.
    func informationPlanes(_ cfg: TrainingConfig, test: LabeledImages) throws -> (EpochReport, FloatNetwork) throws -> Void {
        guard let miLog else { return { _, _ in } }
        var s = InformationPlaneSettings()
        s.every = miEvery ?? 1
        s.inputs = miInputs.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        s.samples = miSamples
        s.eps = miEps ?? eps
        (s.sigma2, s.binSize) = (miSigma2, miBinSize)
        s.seed = seed
        // The built-in test set is in idx order; put it in the order `edge-audit data
        // fashion-mnist` writes and ImageFolder reads it back (sorted folder, then index), so
        // that the sample is the one `edge-audit mi --images <that folder>` takes.
        let folders = test.classNames.map(SafeName.component)
        let ordered = dataset == "fashion-mnist"
            ? test.subset((0..<test.count).sorted { (folders[test.labels[$0]], $0) < (folders[test.labels[$1]], $1) }) : test
        let probe = try InformationPlaneProbe(graph: cfg.arch.graph(input: [test.channels, test.height, test.width], classes: test.classNames.count),
                                              test: ordered, settings: s)
        var log = InformationPlaneLog(settings: probe.settings)
        let epochs = cfg.epochs
        return { r, net in
            guard r.epoch % s.every == 0 || r.epoch == epochs else { return }
            let t0 = Date()
            log.epochs.append(probe.measure(net: net, epoch: r.epoch, testAccuracy: r.testAccuracy))
            try AtomicFile.write(try log.json(), to: miLog)
            try AtomicFile.write(Array(InformationPlanePlot.html(log).utf8), to: Self.plotPath(miLog))
            printError(String(format: "epoch %d: information planes on %d images, %.1f s", r.epoch, probe.settings.sampleCount, Date().timeIntervalSince(t0)))
        }
    }
}
