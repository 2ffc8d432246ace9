import EdgeCore
import EdgeData
import EdgeFloat
import EdgeImport
import EdgeQuant

/// `predict` on a TFLite/ONNX file: float files on the float engine, int8 files on the
/// integer engine; the other engine is a usage error naming what works.
extension Prediction {
    /// What `predict` should run for the imported file `bytes` at `path`: `net` is the
    /// `--net` flag (nil: the file's own precision), `labels` a `--labels` file, and `images`
    /// loads the folder for the model's class names and input shape (C, H, W).
    public static func importedFile(_ bytes: [UInt8], path: String, net: String?, labels: String?, preprocessing: () throws -> Preprocessing?,
                                    kernels: KernelChoice, images: (_ classNames: [String], _ shape: [Int]) throws -> LabeledImages) throws -> Prediction {
        let graph = try ModelLoading.importGraph(bytes, path: path)
        if graph.precision == .float32 {
            if net == "int8" { throw EdgeError.usage("\(path) is a float model: quantising imported models is not supported yet; use --net float") }
            let m = try ModelLoading.floatModel(graph, path: path, labels: labels, preprocessing: try preprocessing())
            let fn = try FloatNetwork(m.model)
            let set = try images(m.model.metadata.classNames, m.inputShape)
            return Prediction(names: m.model.metadata.classNames, set: set, logits: { ModelLoading.floatLogits(fn, m, set, $0) },
                              engine: "float net from \(ImportedDescription.formatName(graph))")
        }
        if net == "float" {
            throw EdgeError.usage("\(path): float inference of imported models is not supported yet for int8 files; use --net int8 (\(ModelLoading.importedSupport))")
        }
        let m = try ModelLoading.int8Model(graph, path: path, preprocessing: try preprocessing())
        let names = try ModelLoading.labels(labels, graph: graph, classes: m.classes, path: path)
        return try imported(m, format: ImportedDescription.formatName(graph), names: names, kernels: kernels, set: try images(names, m.inputShape))
    }
}
