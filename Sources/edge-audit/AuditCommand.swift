import ArgumentParser
import EdgeAttacks
import EdgeAudit
import EdgeCore
import EdgeCorruptions
import EdgeData
import EdgeFloat
import EdgeModel
import EdgeQuant
import Foundation

/// `edge-audit audit MODEL --images DIR` (also `edge-audit MODEL --images DIR`).
struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Audit int8 vs float; write reports, check gates.")

    @Argument(help: "model.bin (float; quantised on the fly with --calibration when it has no int8 net)") var model: String
    @Option(help: "Images in class folders (DIR/<class>/*.png|jpg).") var images: String
    @Option(help: "quick (CI-sized), default or full.") var profile = "default"
    @Option(help: "Output folder for report.json, report.html, junit.xml.") var out = "edge-audit-report"
    @Option(help: "Gates file (docs/gates.md); a failing gate exits 1.") var gates: String?
    @Option(help: "report.json of a previous release, for 'baseline' in gates.") var baseline: String?
    @Option(help: "Calibration images for on-the-fly quantisation.") var calibration = "calibration/fashion-mnist"
    @Option(help: "Override: use at most N images.") var limit: Int?
    @Option(help: "Override: comma-separated L∞ radii, e.g. 0.05,0.1.") var eps: String?
    @Option(help: "Override: PGD steps.") var pgdSteps: Int?
    @Option(help: "Override: PGD restarts.") var pgdRestarts: Int?
    @Option(help: "Override: Square-attack queries per image.") var squareQueries: Int?
    @Option(help: "Override: images attacked by Carlini-Wagner L2 (0 skips it).") var cwImages: Int?
    @Option(help: "Override: images in the mutual-information sample (0 skips it).") var miSamples: Int?
    @Option(help: "Override: KDE noise variance σ² of the MI estimators.") var miSigma2: Double?
    @Option(help: "Override: binning width λ of the MI estimators.") var miBinSize: Double?
    @Option(help: "Override: images attacked by the Square attack.") var squareImages: Int?
    @Option(help: "Override: images attacked by AutoAttack (0 skips it).") var autoattackImages: Int?
    @Flag(help: "Override: AutoAttack at its standard budget (100 APGD steps, 9 targets, 100 FAB steps, 5000 queries).") var autoattackStandard = false
    @Option(help: "Override: 'all', 'none' or a comma-separated list of corruptions.") var corruptions: String?
    @Option(help: "Override: images whose input Fisher information is measured (0 skips it).") var fisherImages: Int?
    @Option(help: "Override: corruptions whose every level the MI stage sweeps on clean and PGD inputs (e.g. saturation,patch_shuffle).") var miSweep: String?
    @Option(help: "Override: seed.") var seed: UInt64?
    @Option(help: "int8 kernels: auto or reference.") var kernels = "auto"
    @Flag(help: "Fail on the first bad image instead of skipping it.") var strict = false
    @OptionGroup var compute: ComputeOptions

    func settings() throws -> AuditSettings {
        var o = AuditOverrides()
        o.profile = profile; o.limit = limit; o.pgdSteps = pgdSteps; o.pgdRestarts = pgdRestarts
        o.squareQueries = squareQueries; o.squareImages = squareImages; o.autoAttackImages = autoattackImages
        o.autoAttackStandard = autoattackStandard; o.cwImages = cwImages; o.fisherImages = fisherImages; o.miSamples = miSamples; o.miSigma2 = miSigma2
        o.miBinSize = miBinSize; o.corruptions = corruptions; o.miSweep = miSweep; o.seed = seed; o.temperatureScaling = temperatureScaling
        if let eps {
            let v = eps.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard !v.isEmpty, v.allSatisfy({ $0 != nil }) else { throw EdgeError.usage("--eps must be a comma-separated list of numbers in (0, 1], got '\(eps)'") }
            o.eps = v.compactMap { $0 }
        }
        return try o.settings()
    }

    @Flag(help: "Accept a --baseline that audited another model.") var allowBaselineMismatch = false
    @Flag(help: "Fit a temperature per net by NLL on the --calibration images; report ECE and NLL after it.") var temperatureScaling = false
    @Option(help: "Float model.bin whose corruption errors normalise mCE (default: the shipped fashion-lenet5.bin when the images fit it; 'none' skips mCE).") var ceBaseline: String?
    @Option(help: "Audit shard K of N (e.g. 2/4): every stage's batches K, K+N, …; 'edge-audit merge' combines the N report folders.") var shard: String?

    func run() throws {
        // Everything that can be checked is checked before any work: flags, the output
        // folder (and its lock), gates, baseline, model, then memory.
        try compute.apply()
        let s = try settings()
        let part = try shard.map { try AuditShard(parsing: $0) } ?? .whole
        if part != .whole, gates != nil || baseline != nil {
            throw EdgeError.usage("--gates and --baseline apply to the whole run: pass them to 'edge-audit merge' instead of to a shard")
        }
        guard let kc = KernelChoice(rawValue: kernels) else { throw EdgeError.usage("--kernels must be auto or reference") }
        let folder = try ReportFolder(out, allowed: AuditJob.reportFiles)
        let gateList = try gates.map { try Gates.parse(String(decoding: try AtomicFile.read($0, limit: 1 << 20), as: UTF8.self), path: $0) } ?? []
        let base = try baseline.map { try Baseline.read($0) }
        guard FileKind.of(images, followSymlinks: true) == .directory else {
            throw EdgeError.missingInput(path: images, reason: FileKind.of(images, followSymlinks: true) == nil ? "no such folder" : "is not a folder of class folders")
        }
        let bytes = try ModelLoading.modelBin(model, for: "audit")
        let sha = SHA256.hex(bytes)
        let decoded = try QuantizedModelFile.decode(bytes, path: model)
        let side = min(decoded.model.graph.inputShape[1], decoded.model.graph.inputShape[2])
        // Before quantising on the fly, the int8 node names are a subset of the float ones.
        let names = decoded.model.metadata.classNames
        let planned = decoded.int8.map { AuditRunner.plannedMetrics(settings: s, int8: $0, hasSTE: true, imageSide: side, classNames: names) }
            ?? AuditRunner.plannedMetrics(settings: s, layers: decoded.model.graph.nodes.map(\.name), probes: decoded.model.graph.nodes.map(\.name),
                                          hasSTE: true, imageSide: side, classNames: names)
        try Gates.validate(gateList, known: planned, baseline: base?.results)
        if let base, let path = baseline {
            for w in try base.checkIdentity(path: path, modelSHA256: sha, allowMismatch: allowBaselineMismatch) { printError("warning: " + w) }
        }
        try MemoryBudget.check(estimate: AuditMemory.estimate(decoded.model.graph, settings: s, images: s.limit ?? 0), what: "this audit")

        let (loaded, onTheFly) = try CLISupport.withInt8(model, decoded: decoded, calibration: calibration)
        guard let q = loaded.int8 else { throw EdgeError.internalError("no int8 network") }
        let shape = loaded.model.graph.inputShape
        let r = try ImageFolder.load(images, classNames: loaded.model.metadata.classNames, shape: (shape[0], shape[1], shape[2]),
                                     strict: strict, limit: s.limit)
        for sk in r.skipped.prefix(20) { printError("warning: skipped \(sk.path): \(sk.reason)") }
        if !r.skipped.isEmpty { printError("warning: \(r.skipped.count) file(s) skipped (--strict makes bad files fatal)") }
        try MemoryBudget.check(estimate: AuditMemory.estimate(loaded.model.graph, settings: s, images: r.images.count),
                               what: "this audit of \(r.images.count) images")
        if let base, let path = baseline {
            for w in base.warnings(path: path, imageCount: r.images.count, profile: s.profile) { printError("warning: " + w) }
        }
        let float = try FloatNetwork(loaded.model)
        let int8 = try IntegerNetwork(q, kernels: kc)
        printError("edge-audit \(EdgeAudit.version): \(model) on \(r.images.count) images from \(images)")
        printError("settings: " + s.described.map { "\($0.0)=\($0.1)" }.joined(separator: " "))
        var runner = AuditRunner(float: float, int8: int8, set: r.images, settings: s, quiet: compute.quiet, shard: part)
        runner.ste = try StraightThrough.network(loaded.model, q)
        let (baseNet, baseWhy) = try loadCEBaseline(shape: shape, classes: loaded.model.metadata.classNames.count)
        runner.setCEBaseline(baseNet, reason: baseWhy)
        if s.temperatureScaling { runner.calibration = try CLISupport.loadImages(calibration, for: loaded.model, strict: false, limit: nil) }
        let (records, timings) = try runner.record()
        let file = ShardFile(shard: part, toolVersion: EdgeAudit.version, modelPath: model, modelSHA256: sha, quantizedOnTheFly: onTheFly,
                             calibration: "\(q.method) on \(q.calibrationImages) images", imagesPath: images, imageCount: r.images.count,
                             skippedImages: r.skipped.count, classNames: r.images.classNames, settings: s,
                             environment: ["threads": "\(Parallel.threads)", "int8_kernels": int8.isaName], records: records,
                             timings: Dictionary(timings, uniquingKeysWith: +))
        let report = try AuditJob.report(file, gates: gateList, baseline: base?.results)
        try folder.commit(try AuditJob.files(report, records: part == .whole ? nil : file))
        folder.release()
        print(SafeName.printable(TerminalSummary.render(report)), terminator: "")
        print("reports: \(out)/report.json, \(out)/report.html, \(out)/junit.xml" + (part == .whole ? "" : ", \(out)/records.json (for merge)"))
        if !report.passed { throw ExitCode(1) }
    }

    /// The mCE baseline's float net, or nil and why not.
    func loadCEBaseline(shape: [Int], classes: Int) throws -> ((net: FloatNetwork, name: String)?, String) {
        if ceBaseline == "none" { return (nil, "--ce-baseline none") }
        guard let path = ceBaseline ?? CEBaseline.defaultPath(modelPath: model) else {
            return (nil, "the default baseline \(CEBaseline.fileName) was not found; pass --ce-baseline MODEL")
        }
        let m = try QuantizedModelFile.decode(try ModelLoading.modelBin(path, for: "audit --ce-baseline"), path: path).model
        guard m.graph.inputShape == shape, m.metadata.classNames.count == classes else {
            let why = "the baseline \(path) takes \(m.graph.inputShape) with \(m.metadata.classNames.count) classes, the audited model \(shape) with \(classes)"
            if ceBaseline != nil { throw EdgeError.usage(why) }
            return (nil, why + "; pass --ce-baseline MODEL")
        }
        return ((try FloatNetwork(m), path), "")
    }
}
