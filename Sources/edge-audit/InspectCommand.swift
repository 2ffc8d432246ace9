import ArgumentParser
import EdgeCore
import EdgeTools

/// `edge-audit inspect`: what is inside a model file.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show layers, shapes, MACs, int8 parameters, recipe.")

    @Argument(help: "model.bin, .tflite or .onnx (the format is told by the file's content).") var model: String
    @Option(help: "Images (class folders) to measure per-layer int8 SQNR on (default: the calibration folder beside the model or the tool, or calibration/fashion-mnist, when it exists; 'none' skips).")
    var sqnr: String?
    @Flag(help: "Print only the content SHA-256 (every section but the provenance; what scripts/reproduce-models.sh compares).")
    var contentSha256 = false
    @Flag(help: "Print the content SHA-256 and the recorded provenance, one 'key value' per line (for scripts).")
    var provenance = false

    @OptionGroup var imported: ImportOptions
    @OptionGroup var compute: ComputeOptions

    func run() throws {
        try compute.apply()
        let (bytes, detected) = try ModelLoading.read(model)
        if detected == .tflite || detected == .onnx {
            if contentSha256 || provenance { throw EdgeError.usage("--content-sha256 and --provenance read edge-audit model.bin files; \(model) is imported") }
            return try ImportedDescription.emit(path: model, bytes: bytes, labels: imported.labels, preprocessing: imported.preprocessing) { print($0) }
        }
        let d = try ModelDescription(path: model, bytes: bytes)
        if contentSha256 || provenance { return (contentSha256 ? [d.contentSHA256] : d.provenanceRecord()).forEach { print($0) } }
        let dir = sqnr == "none" || d.loaded.int8 == nil ? nil : (sqnr ?? CalibrationDefault.resolve(modelPath: model))
        var sq: [Double]? = nil
        if let dir {
            // A folder given by --sqnr must fit; the default one may belong to another model.
            do { sq = try d.sqnr(on: try CLISupport.loadImages(dir, for: d.loaded.model, strict: false, limit: 200)) } catch where sqnr == nil {
                printError("note: per-layer SQNR skipped: the default folder \(dir) does not fit this model (\(error)); pass --sqnr DIR")
            }
        }
        d.lines(sqnr: sq, sqnrFolder: sq == nil ? nil : dir).forEach { print($0) }
    }
}
