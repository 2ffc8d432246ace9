import EdgeCore
import EdgeData
import EdgeFloat
import EdgeImport
import EdgeQuant
import Foundation

/// `predict` on any MODEL argument: a model.bin's float or int8 net, a float TFLite/ONNX
/// file on the float engine, an int8 one on the integer engine.
public struct PredictJob {
    /// The model file (format told by content).
    public var model: String
    /// Folder of class folders.
    public var images: String
    /// "jsonl" or "csv".
    public var format = "jsonl"
    /// Whether each line carries the logits too.
    public var logits = false
    /// Whether a bad image is fatal.
    public var strict = false
    /// Whether images of another size are resized to the model's input.
    public var resize = false
    /// Only the first N images.
    public var limit: Int?
    /// "float", "int8", or nil for the file's own precision.
    public var net: String?
    /// "auto" or "reference" int8 kernels.
    public var kernels = "auto"
    /// A `--labels` file (imported models).
    public var labels: String?
    /// Whether any imported-model flag was given (a note for a model.bin, which ignores them).
    public var importFlagsGiven = false
    /// The `--input-scale/--mean/--std` preprocessing, read only for imported models.
    public var preprocessing: () throws -> Preprocessing? = { nil }
    /// No progress bar.
    public var quiet = false

    /// A job on `model` and `images` with the command's defaults.
    public init(model: String, images: String) { self.model = model; self.images = images }

    /// Checks the flags, writes every image's line to `write`, and returns the stderr lines
    /// (a warning when there is one, then the accuracy summary).
    public func run(write: (String) -> Void) throws -> [String] {
        guard let fmt = PredictionWriter.Format(rawValue: format) else { throw EdgeError.usage("--format must be jsonl or csv, got '\(format)'") }
        if let net { guard net == "float" || net == "int8" else { throw EdgeError.usage("--net must be float or int8, got '\(net)'") } }
        guard let kc = KernelChoice(rawValue: kernels) else { throw EdgeError.usage("--kernels must be auto or reference, got '\(kernels)'") }
        let (bytes, detected) = try ModelLoading.read(model)
        let p = try (detected == .tflite || detected == .onnx) ? importedPrediction(bytes, kc) : binPrediction(bytes, kc)
        let w = p.run(format: fmt, withLogits: logits, progress: ProgressBar("predict", total: p.set.count, quiet: quiet), write: write)
        return [w.warning(images: p.set.count)].compactMap { $0 } + [w.summary(images: p.set.count, folder: images, engine: p.engine)]
    }

    /// A model.bin: its float net, or its int8 net with `--net int8`.
    func binPrediction(_ bytes: [UInt8], _ kc: KernelChoice) throws -> Prediction {
        if importFlagsGiven { printError("note: --labels, --input-scale, --mean and --std apply to imported models only; \(model) carries its own") }
        let loaded = try QuantizedModelFile.decode(bytes, path: model)
        let set = try ImageLoading.load(images, for: loaded.model, strict: strict, limit: limit, resize: resize, log: printError)
        return try Prediction.modelBin(loaded, path: model, int8: net == "int8", kernels: kc, set: set)
    }

    /// An imported file: float on the float engine, int8 on the integer engine; the other
    /// engine is a usage error naming what works.
    func importedPrediction(_ bytes: [UInt8], _ kc: KernelChoice) throws -> Prediction {
        let graph = try ModelLoading.importGraph(bytes, path: model)
        func load(_ names: [String], _ shape: [Int]) throws -> LabeledImages {
            try ImageLoading.load(images, classNames: names, shape: shape, strict: strict, limit: limit, resize: resize, log: printError)
        }
        if graph.precision == .float32 {
            if net == "int8" {
                throw EdgeError.usage("\(model) is a float model: quantise it first ('edge-audit quantize \(model) --calibration DIR --out M-q.bin') and predict with that file, or use --net float")
            }
            let m = try ModelLoading.floatModel(graph, path: model, labels: labels, preprocessing: try preprocessing())
            let fn = try FloatNetwork(m.model)
            let set = try load(m.model.metadata.classNames, m.inputShape)
            return Prediction(names: m.model.metadata.classNames, set: set, logits: { ModelLoading.floatLogits(fn, m, set, $0) },
                              engine: "float net from \(ImportedDescription.formatName(graph))")
        }
        if net == "float" {
            throw EdgeError.usage("\(model) is an int8-only model: it runs on the int8 engine (--net int8); pass its float parent for float predictions")
        }
        let m = try ModelLoading.int8Model(graph, path: model, preprocessing: try preprocessing())
        let names = try ModelLoading.labels(labels, graph: graph, classes: m.classes, path: model)
        return try Prediction.imported(m, format: ImportedDescription.formatName(graph), names: names, kernels: kc, set: try load(names, m.inputShape))
    }
}
