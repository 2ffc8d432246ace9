import ArgumentParser
import EdgeCore
import EdgeImport
import EdgeTools

/// `edge-audit inspect`: what is inside a model file.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show layers, shapes, MACs, int8 parameters, recipe.")

    @Argument(help: "model.bin, .tflite or .onnx (the format is told by the file's content).") var model: String
    @Option(help: "Images (class folders) to measure per-layer int8 SQNR on (default: the calibration folder beside the model or the tool, or calibration/fashion-mnist, when it exists; 'none' skips).")
    var sqnr: String?

    @OptionGroup var imported: ImportOptions
    @OptionGroup var compute: ComputeOptions

    func run() throws {
        try compute.apply()
        let (bytes, detected) = try ModelLoading.read(model)
        if detected == .tflite || detected == .onnx { return try inspectImported(bytes) }
        let d = try ModelDescription(path: model, bytes: bytes)
        let dir = sqnr == "none" || d.loaded.int8 == nil ? nil : (sqnr ?? CalibrationDefault.resolve(modelPath: model))
        let sq = try dir.map { try d.sqnr(on: try CLISupport.loadImages($0, for: d.loaded.model, strict: false, limit: 200)) } ?? nil
        d.lines(sqnr: sq, sqnrFolder: dir).forEach { print($0) }
    }

    /// A TFLite/ONNX file: the imported graph, and for int8 models the engine's integer graph.
    func inspectImported(_ bytes: [UInt8]) throws {
        let graph = try ModelLoading.importGraph(bytes, path: model)
        ImportedDescription.header(path: model, size: bytes.count, graph: graph).forEach { print($0) }
        guard graph.precision == .int8 else {
            let m = try ModelLoading.floatModel(graph, path: model, labels: imported.labels, preprocessing: try imported.preprocessing(),
                                                needLabels: false)
            for line in try ModelLoading.describeFloat(m) { print(line) }
            if let l = graph.metadata.labels { print("labels: \(l.count) from \(graph.metadata.labelSource ?? "the file"): \(l.joined(separator: ", "))") }
            else { print("labels: none in the file (predict needs --labels FILE)") }
            return
        }
        let m = try ModelLoading.int8Model(graph, path: model, preprocessing: try imported.preprocessing())
        ImportedDescription.int8Lines(graph: graph, model: m).forEach { print($0) }
    }
}
