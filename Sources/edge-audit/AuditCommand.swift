import ArgumentParser
import EdgeAudit
import EdgeCore
import EdgeQuant
import EdgeTools

/// `edge-audit audit MODEL --images DIR` (also `edge-audit MODEL --images DIR`).
struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Audit int8 vs float; write reports, check gates.")

    @Argument(help: "model.bin, or a float .tflite/.onnx (quantised on the fly with --calibration when there is no int8 net)") var model: String
    @Option(help: "Images in class folders (DIR/<class>/*.png|jpg).") var images: String
    @Option(help: "quick (CI-sized), default or full.") var profile = "default"
    @Option(help: "Output folder for report.json, report.html, junit.xml.") var out = "edge-audit-report"
    @Option(help: "Gates file (docs/gates.md); a failing gate exits 1.") var gates: String?
    @Option(help: "report.json of a previous release, for 'baseline' in gates.") var baseline: String?
    @Option(help: "Calibration images for on-the-fly quantisation and temperature scaling (default: the folder beside the model or installed with the tool).") var calibration: String?
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
    @Option(help: "Override: images whose saliency maps are compared float vs int8 and clean vs PGD (0 skips it).") var saliencyImages: Int?
    @Option(help: "Override: the saliency stage's method: ig, smoothgrad or gradcam.") var saliencyMethod: String?
    @Option(help: "Override: corruptions whose every level the MI stage sweeps on clean and PGD inputs (e.g. saturation,patch_shuffle).") var miSweep: String?
    @Option(help: "Override: seed.") var seed: UInt64?
    @Option(help: "int8 kernels: auto or reference.") var kernels = "auto"
    @Flag(help: "Fail on the first bad image instead of skipping it.") var strict = false
    @OptionGroup var imported: ImportOptions
    @OptionGroup var compute: ComputeOptions

    func settings() throws -> AuditSettings {
        var o = AuditOverrides()
        o.profile = profile; o.limit = limit; o.pgdSteps = pgdSteps; o.pgdRestarts = pgdRestarts
        o.squareQueries = squareQueries; o.squareImages = squareImages; o.autoAttackImages = autoattackImages
        o.autoAttackStandard = autoattackStandard; o.cwImages = cwImages; o.fisherImages = fisherImages; o.miSamples = miSamples; o.miSigma2 = miSigma2
        o.miBinSize = miBinSize; o.corruptions = corruptions; o.miSweep = miSweep; o.seed = seed; o.temperatureScaling = temperatureScaling
        o.saliencyImages = saliencyImages; o.saliencyMethod = saliencyMethod
        o.eps = try eps.map { try EpsilonList.parse($0) }
        return try o.settings()
    }

    @Flag(help: "Accept a --baseline that audited another model.") var allowBaselineMismatch = false
    @Flag(help: "Fit a temperature per net by NLL on the --calibration images; report ECE and NLL after it.") var temperatureScaling = false
    @Option(help: "Float model.bin whose corruption errors normalise mCE (default: the shipped fashion-lenet5.bin when the images fit it; 'none' skips mCE).") var ceBaseline: String?
    @Option(help: "Audit shard K of N (e.g. 2/4): every stage's batches K, K+N, …; 'edge-audit merge' combines the N report folders.") var shard: String?

    func run() throws {
        try compute.apply()
        guard let kc = KernelChoice(rawValue: kernels) else { throw EdgeError.usage("--kernels must be auto or reference") }
        var job = AuditRun(model: model, images: images, out: out, settings: try settings(),
                           calibration: calibration ?? CLISupport.defaultCalibration(for: model), toolVersion: EdgeAudit.version)
        job.shard = try shard.map { try AuditShard(parsing: $0) } ?? .whole
        job.kernels = kc; job.strict = strict; job.gates = gates; job.baseline = baseline
        job.allowBaselineMismatch = allowBaselineMismatch; job.ceBaseline = ceBaseline; job.quiet = compute.quiet
        job.importing = try imported.settings()
        let report = try job.run(log: printError)
        print(SafeName.printable(TerminalSummary.render(report)), terminator: "")
        print("reports: \(out)/report.json, \(out)/report.html, \(out)/junit.xml" + (job.shard == .whole ? "" : ", \(out)/records.json (for merge)"))
        if !report.passed { throw ExitCode(1) }
    }
}
