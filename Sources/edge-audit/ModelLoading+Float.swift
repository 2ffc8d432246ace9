import EdgeCore
import EdgeData
import EdgeFloat
import EdgeImport
import EdgeImportFloat
import EdgeModel
import Foundation

/// Float TFLite/ONNX models on the float engine (`FloatGraphMapper` → `FloatNetwork`).
extension ModelLoading {
    /// The float model of a float32 imported graph, with class names from `--labels` or the
    /// file; without either, an error when `needLabels`, else classes named "0", "1", ….
    static func floatModel(_ graph: ImportedGraph, path: String, labels file: String?, preprocessing: Preprocessing?,
                           needLabels: Bool = true) throws -> ImportedFloatModel {
        let unnamed = try FloatGraphMapper.map(graph, path: path, preprocessing: preprocessing)
        if !needLabels && file == nil && graph.metadata.labels == nil { return unnamed }
        let names = try labels(file, graph: graph, classes: unnamed.classes, path: path)
        return try FloatGraphMapper.map(graph, path: path, classNames: names, preprocessing: preprocessing)
    }

    /// Float logits [N, classes] of images `indices` of `set` under the model's preprocessing.
    static func floatLogits(_ net: FloatNetwork, _ m: ImportedFloatModel, _ set: LabeledImages, _ indices: [Int]) -> [Float] {
        let size = set.imageSize
        var px = [UInt8]()
        px.reserveCapacity(indices.count * size)
        for i in indices { px.append(contentsOf: set.pixels[(i * size)..<((i + 1) * size)]) }
        return net.forward(m.input(planarPixels: px), batch: indices.count).logits
    }

    /// `inspect` lines for a float model: the float graph the engine runs, layer by layer.
    static func describeFloat(_ m: ImportedFloatModel) throws -> [String] {
        let g = m.model.graph
        let shapes = try g.shapes()
        let macs = g.macs(shapes: shapes).reduce(0, +)
        let params = m.model.parameters.reduce(0) { $0 + $1.reduce(0) { $0 + $1.count } }
        let pre = m.preprocessing
        var lines = ["float engine: \(g.nodes.count) nodes, \(params) parameters, \(macs) MACs per image (float32, CHW)",
                     "input: \(g.inputShape[1])×\(g.inputShape[2])×\(g.inputShape[0]) pixels; "
                         + "x = (pixel·\(pre.inputScale) − mean \(pre.mean)) / std \(pre.std) [\(pre.source)]",
                     "#  layer                   op        out CHW     window"]
        for (i, n) in g.nodes.enumerated() {
            var win = ""
            switch n.op {
            case let .convolution(c):
                let w = c.window, p = w.padding
                win = "\(w.kernelH)×\(w.kernelW)/\(w.strideH)×\(w.strideW) pad \(p.top),\(p.left),\(p.bottom),\(p.right)"
            case let .pool(s):
                let w = s.window, p = w.padding
                win = "\(w.kernelH)×\(w.kernelW)/\(w.strideH)×\(w.strideW) pad \(p.top),\(p.left),\(p.bottom),\(p.right)"
                    + (s.isMax ? "" : (s.countIncludesPadding ? " /window" : " /inside"))
            case let .clip(lo, hi): win = "[\(lo), \(hi)]"
            case let .pad(p): win = "pad \(p.top),\(p.left),\(p.bottom),\(p.right)"
            default: break
            }
            let name = n.name.count > 22 ? String(n.name.prefix(21)) + "…" : n.name
            lines.append(String(format: "%-3d", i) + name.padding(toLength: 24, withPad: " ", startingAt: 0)
                         + n.op.kind.padding(toLength: 10, withPad: " ", startingAt: 0)
                         + shapes[i].map(String.init).joined(separator: "×").padding(toLength: 12, withPad: " ", startingAt: 0) + win)
        }
        return lines + m.notes.map { "note: " + $0 }
    }
}
