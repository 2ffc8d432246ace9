import ArgumentParser
import EdgeAudit

/// `edge-audit mi`: per-layer mutual information of a model, float vs int8, and its drift.
struct MICommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mi",
        abstract: "Per-layer mutual information, float vs int8.")

    @Argument(help: "model.bin, or a float .tflite/.onnx (with --labels, --mean/--std as needed)") var model: String
    @Option(help: "Images in class folders.") var images: String
    @Option(help: "Images in the sample (evenly spread).") var samples = 1000
    @Option(help: "KDE noise variance σ² (default: per layer, from its activation scale).") var sigma2: Double?
    @Option(help: "Binning width λ.") var binSize = 0.5
    @Option(help: "ε of the FGSM/PGD inputs.") var eps = 0.1
    @Option(help: "Comma-separated inputs: clean, fgsm, pgd or corruption names (level 3).") var inputs = "clean,fgsm,pgd"
    @Option(help: "Comma-separated layer names to probe (default: every conv/dense output).") var layers: String?
    @Option(help: "Write each probe's activations (float and int8) and the labels as .npy files here.") var exportActivations: String?
    @Option(help: "table or json.") var format = "table"
    @Option(help: "Calibration images when the model has no int8 net.") var calibration = "calibration/fashion-mnist"
    @Option(help: "Corruptions swept at every level on the clean and PGD inputs, e.g. saturation,patch_shuffle.") var sweep: String?
    @Option(help: "Seed.") var seed: UInt64 = 1
    @OptionGroup var imported: ImportOptions
    @OptionGroup var compute: ComputeOptions

    func run() throws {
        try compute.apply()
        let q = try MIRequest(samples: samples, sigma2: sigma2, binSize: binSize, eps: eps, inputs: inputs, layers: layers,
                              exportActivations: exportActivations, format: format, seed: seed, sweep: sweep)
        let (float, int8, set, _) = try CLISupport.loadNets(model, images: images, calibration: calibration, limit: nil, command: "mi", imported: imported)
        let r = try MIRun.run(q, float: float, int8: int8, set: set, quiet: compute.quiet)
        print(q.format == .json ? MIReportText.json(r) : MIReportText.table(r))
    }
}
