import EdgeCore
import EdgeData
import EdgeFloat
import EdgeImport
import EdgeImportFloat
import Foundation

/// Float TFLite/ONNX models on the float engine (`FloatGraphMapper` → `FloatNetwork`).
extension ModelLoading {
    /// The float model of a float32 imported graph, with class names from `--labels` or the
    /// file; without either, an error when `needLabels`, else classes named "0", "1", ….
    public static func floatModel(_ graph: ImportedGraph, path: String, labels file: String?, preprocessing: Preprocessing?,
                           needLabels: Bool = true) throws -> ImportedFloatModel {
        let unnamed = try FloatGraphMapper.map(graph, path: path, preprocessing: preprocessing)
        if !needLabels && file == nil && graph.metadata.labels == nil { return unnamed }
        let names = try labels(file, graph: graph, classes: unnamed.classes, path: path)
        return try FloatGraphMapper.map(graph, path: path, classNames: names, preprocessing: preprocessing)
    }

    /// Float logits [N, classes] of images `indices` of `set` under the model's preprocessing.
    public static func floatLogits(_ net: FloatNetwork, _ m: ImportedFloatModel, _ set: LabeledImages, _ indices: [Int]) -> [Float] {
        let size = set.imageSize
        var px = [UInt8]()
        px.reserveCapacity(indices.count * size)
        for i in indices { px.append(contentsOf: set.pixels[(i * size)..<((i + 1) * size)]) }
        return net.forward(m.input(planarPixels: px), batch: indices.count).logits
    }
}
