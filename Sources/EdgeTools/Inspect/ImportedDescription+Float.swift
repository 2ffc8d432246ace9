import EdgeCore
import EdgeImport
import EdgeImportFloat
import EdgeModel
import Foundation

/// `inspect` for an imported file as a whole, and the float engine's view of a float one.
extension ImportedDescription {
    /// Every `inspect` line of the TFLite/ONNX file `bytes` at `path`, handed to `emit` as it
    /// is known (the imported graph's lines come out even when the engine then refuses the
    /// graph): the imported graph, then the graph the float or integer engine runs. `preprocessing` is read only once
    /// the header is out, so a bad --mean fails in the same place as before.
    public static func emit(path: String, bytes: [UInt8], labels: String?,
                            preprocessing: () throws -> Preprocessing?, to emit: (String) -> Void) throws {
        let graph = try ModelLoading.importGraph(bytes, path: path)
        header(path: path, size: bytes.count, graph: graph).forEach(emit)
        guard graph.precision == .int8 else {
            let m = try ModelLoading.floatModel(graph, path: path, labels: labels, preprocessing: try preprocessing(), needLabels: false)
            try floatLines(m).forEach(emit)
            let l = graph.metadata.labels.map { "labels: \($0.count) from \(graph.metadata.labelSource ?? "the file"): \($0.joined(separator: ", "))" }
            return emit(l ?? "labels: none in the file (predict needs --labels FILE)")
        }
        int8Lines(graph: graph, model: try ModelLoading.int8Model(graph, path: path, preprocessing: try preprocessing())).forEach(emit)
    }

    /// `inspect` lines for a float model: the float graph the engine runs, layer by layer.
    public static func floatLines(_ m: ImportedFloatModel) throws -> [String] {
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
