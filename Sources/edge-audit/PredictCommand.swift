import ArgumentParser
import EdgeCore
import EdgeData
import EdgeQuant
import EdgeTools
import Foundation

/// `edge-audit predict`: one line per image; the accuracy summary goes to stderr.
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Classify images: a JSON/CSV line each, accuracy.")

    @Argument(help: "model.bin, a .tflite (int8 or float) or a float .onnx (the format is told by the file's content).") var model: String
    @Option(help: "Folder of class folders (DIR/<class>/*.png|jpg).") var images: String
    @Option(help: "jsonl or csv.") var format = "jsonl"
    @Flag(help: "Also print the logits.") var logits = false
    @Flag(help: "Fail on the first bad image instead of skipping it.") var strict = false
    @Flag(help: "Bring images of another size to the model's input (area when shrinking, bilinear when enlarging) instead of skipping them.")
    var resize = false
    @Option(help: "Only the first N images.") var limit: Int?
    @Option(help: "float or int8 (the integer-only engine; needs a quantised model). Default: float for model.bin, int8 for an imported int8 model.") var net: String?
    @Option(help: "int8 kernels: auto (fastest SIMD) or reference (the scalar spec).") var kernels = "auto"
    @OptionGroup var imported: ImportOptions
    @OptionGroup var compute: ComputeOptions

    func run() throws {
        try compute.apply()
        guard let fmt = PredictionWriter.Format(rawValue: format) else { throw EdgeError.usage("--format must be jsonl or csv, got '\(format)'") }
        if let net { guard net == "float" || net == "int8" else { throw EdgeError.usage("--net must be float or int8, got '\(net)'") } }
        guard let kc = KernelChoice(rawValue: kernels) else { throw EdgeError.usage("--kernels must be auto or reference, got '\(kernels)'") }
        let (bytes, detected) = try ModelLoading.read(model)
        let p = try (detected == .tflite || detected == .onnx)
            ? Prediction.importedFile(bytes, path: model, net: net, labels: imported.labels, preprocessing: imported.preprocessing, kernels: kc) {
                try CLISupport.loadImages(images, classNames: $0, shape: $1, strict: strict, limit: limit, resize: resize)
            }
            : binPrediction(bytes, kc)
        let out = FileHandle.standardOutput
        let w = p.run(format: fmt, withLogits: logits, progress: ProgressBar("predict", total: p.set.count, quiet: compute.quiet)) { out.write(Data($0.utf8)) }
        if let warning = w.warning(images: p.set.count) { printError(warning) }
        printError(w.summary(images: p.set.count, folder: images, engine: p.engine))
    }

    /// A model.bin: its float net, or its int8 net with `--net int8`.
    func binPrediction(_ bytes: [UInt8], _ kc: KernelChoice) throws -> Prediction {
        if imported.any { printError("note: --labels, --input-scale, --mean and --std apply to imported models only; \(model) carries its own") }
        let loaded = try QuantizedModelFile.decode(bytes, path: model)
        let set = try CLISupport.loadImages(images, for: loaded.model, strict: strict, limit: limit, resize: resize)
        return try Prediction.modelBin(loaded, path: model, int8: net == "int8", kernels: kc, set: set)
    }
}
