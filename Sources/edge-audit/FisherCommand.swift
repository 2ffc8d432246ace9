import ArgumentParser
import EdgeCore
import EdgeTools

/// `edge-audit fisher`: per-image input Fisher information norms and CCKL (Shi et al.),
/// on the float net or the int8 net's straight-through simulation.
struct FisherCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fisher",
        abstract: "Input Fisher information norms, CCKL, MIAT MI.")

    @Argument(help: "model.bin, or a float .tflite/.onnx (with --labels, --mean/--std as needed)") var model: String
    @Option(help: "Images in class folders.") var images: String
    @Option(help: "float or int8 (int8: the STE simulation, since the integer engine has no gradients).") var net = "float"
    @Option(help: "Use at most N images (evenly spread).") var limit: Int?
    @Option(help: "Write one JSON line per image (path, label, fisher_spectral, fisher_frobenius) here.") var perImage: String?
    @Option(help: "table or json.") var format = "table"
    @Option(help: "Calibration images when --net int8 and the model has no int8 net.") var calibration = "calibration/fashion-mnist"
    @Option(help: "Jacobian arithmetic: float32 (the float executor, fast) or float64 (a float64 twin, ≈ 6× slower).") var precision = "float32"
    @Flag(help: "Also estimate MIAT's natural and adversarial MI (InfoNCE critics; needs ≥ 256 images).") var miat = false
    @Option(help: "PGD-L∞ radius (and ±noise size) of the --miat samples.") var miatEps = 0.1
    @Flag(help: "Bad image files are fatal.") var strict = false
    @OptionGroup var imported: ImportOptions
    @OptionGroup var compute: ComputeOptions

    func run() throws {
        try compute.apply()
        var job = FisherJob(model: model, images: images)
        (job.net, job.limit, job.perImage, job.format, job.calibration) = (net, limit, perImage, format, calibration)
        (job.precision, job.miat, job.miatEps, job.strict) = (precision, miat, miatEps, strict)
        job.importing = try imported.settings()
        print(try job.run())
    }
}
