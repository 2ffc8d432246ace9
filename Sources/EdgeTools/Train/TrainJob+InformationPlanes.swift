import EdgeCore
import EdgeData
import EdgeFloat
import EdgeInformation
import EdgeTrain
import Foundation

/// `train --mi-log`: information planes measured during training, logged and plotted.
extension TrainJob {
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
    public static func plotPath(_ log: String) -> String { (log.hasSuffix(".json") ? String(log.dropLast(5)) : log) + ".html" }

    /// The per-epoch hook writing the log and its plot after each measured epoch, the
    /// untrained net (epoch 0) first, as Shwartz-Ziv and Tishby's planes start there (so an
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
