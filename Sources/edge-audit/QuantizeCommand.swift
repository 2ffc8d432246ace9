import ArgumentParser
import EdgeCore
import EdgeQuant
import EdgeTools

/// `edge-audit quantize`: post-training int8 quantisation.
struct Quantize: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Quantise a float model to an integer-only int8 net.")

    @Argument(help: "model.bin with a float network, or a float .tflite/.onnx (written as a model.bin with both nets)") var model: String
    @Option(help: "Calibration images (class folders; default: the calibration folder beside the model or the tool, else calibration/fashion-mnist).")
    var calibration: String?
    @Option(help: "Range selection: minmax, percentile or mse.") var method = "minmax"
    @Flag(help: "One weight scale per layer instead of per output channel.") var perTensor = false
    @Option(help: "Output model (float + int8).") var out: String
    @OptionGroup var imported: ImportOptions
    @OptionGroup var compute: ComputeOptions

    func run() throws {
        try compute.apply()
        guard let m = CalibrationMethod(rawValue: method) else { throw EdgeError.usage("--method must be minmax, percentile or mse, got '\(method)'") }
        try AtomicFile.checkWritableTarget(out)
        let (bytes, loaded) = try ModelLoading.load(model, for: "quantize", importing: try imported.settings(), log: printError)
        let calPath = calibration ?? CLISupport.defaultCalibration(for: model)
        let cal = try CLISupport.loadImages(calPath, for: loaded.model, strict: false, limit: nil)
        try QuantizeJob.run(model: model, loaded, sourceBytes: bytes, importArguments: imported.arguments, calibration: cal, calibrationPath: calPath,
                            options: .init(method: m, perTensor: perTensor), out: out).forEach { print($0) }
    }
}
