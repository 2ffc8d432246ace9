import ArgumentParser
import EdgeAudit
import EdgeCorruptions

/// `edge-audit corrupt`: writes corrupted copies of an image folder (EdgeAudit's CorruptRun).
struct Corrupt: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write corrupted copies of an image folder.")

    @Option(help: "Images in class folders.") var images: String
    @Option(help: "Corruption (docs/corruptions.md): \(Corruption.allCases.map(\.rawValue).joined(separator: ", ")).") var kind: String
    @Option(help: "Level, 1 = mildest.") var level: Int
    @Option(help: "Output folder.") var out: String
    @Option(help: "Seed; image i's corruption depends only on (seed, kind, level, i).") var seed: UInt64 = 1
    @OptionGroup var compute: ComputeOptions

    func run() throws {
        try compute.apply()
        let c = try CorruptRun.corruption(named: kind)
        try CLISupport.checkDisjoint(output: out, input: images)
        print(try CorruptRun.run(c, images: images, level: level, seed: seed, out: out))
    }
}

/// `edge-audit evaluate`: accuracy and ECE under corruptions, float vs int8 (EdgeAudit's EvaluateRun).
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Accuracy and ECE under every corruption and level.")

    @Argument(help: "model.bin, or a float .tflite/.onnx (with --labels, --mean/--std as needed)") var model: String
    @Option(help: "Images in class folders.") var images: String
    @Option(help: "'all' or a comma-separated list.") var corruptions = "all"
    @Option(help: "float, int8 or both.") var net = "both"
    @Option(help: "table or json.") var format = "table"
    @Option(help: "Calibration images when the model has no int8 net.") var calibration = "calibration/fashion-mnist"
    @Option(help: "Use at most N images.") var limit: Int?
    @Option(help: "Seed.") var seed: UInt64 = 1
    @OptionGroup var imported: ImportOptions
    @OptionGroup var compute: ComputeOptions

    func run() throws {
        try compute.apply()
        let q = try EvaluateRequest(corruptions: corruptions, net: net, format: format, limit: limit, seed: seed)
        let (float, int8, set, _) = try CLISupport.loadNets(model, images: images, calibration: calibration, limit: limit, command: "evaluate", imported: imported)
        let r = try EvaluateRun.run(q, float: float, int8: int8, set: set, quiet: compute.quiet)
        print(q.format == .json ? EvaluateReportText.json(r, request: q) : EvaluateReportText.table(r, request: q, side: min(set.height, set.width)))
    }
}
