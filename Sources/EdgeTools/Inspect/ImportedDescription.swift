import EdgeImport
import EdgeImportQuant
import EdgeQuant
import Foundation

/// `inspect` for a TFLite/ONNX file: the imported graph, and for int8 models the integer
/// graph the engine runs, layer by layer with its quantisation and the node it came from.
public enum ImportedDescription {
    /// "TFLite" or "ONNX".
    public static func formatName(_ g: ImportedGraph) -> String { g.format == .tflite ? "TFLite" : "ONNX" }

    /// The file line and the imported graph's summary.
    public static func header(path: String, size: Int, graph: ImportedGraph) -> [String] {
        ["model \(path) (\(size) bytes, \(formatName(graph)), \(graph.precision.rawValue), producer \(graph.metadata.producer.isEmpty ? "?" : graph.metadata.producer))",
         "", "imported graph:"] + graph.summary.map { "  " + $0 } + [""]
    }

    /// The integer engine's view of `m`, mapped from `graph`.
    public static func int8Lines(graph: ImportedGraph, model m: ImportedInt8Model) -> [String] {
        let q = m.graph, pad = TextTable.pad
        var out = ["int8 engine: \(q.nodes.count) layers, TFLite Micro semantics (Q31 requantisation, TFLite rounding), "
                   + "\(q.perTensor ? "per-tensor" : "per-channel") weights, \(q.macs) MACs per image",
                   "input: \(m.inputShape[1])×\(m.inputShape[2])×\(m.inputShape[0]) pixels; \(m.inputRule)"]
        if let l = graph.metadata.labels { out.append("labels: \(l.count) from \(graph.metadata.labelSource ?? "the file"): \(l.joined(separator: ", "))") }
        else { out.append("labels: none in the file (predict needs --labels FILE)") }
        out.append(pad("#", 3, false) + pad("layer", 22, false) + pad("op", 9, false) + pad("out HWC", 11, false) + pad("scale", 12, false)
                   + pad("zp", 5, true) + pad("multiplier·2^shift", 30, false) + pad("clamp", 11, false) + "from")
        for (i, n) in q.nodes.enumerated() {
            let (mul, clamp) = Int8Columns.requantisation(n.op, imported: true)
            out.append(pad("\(i)", 3, false) + pad(n.name, 22, false) + pad(n.op.kind, 9, false) + pad(n.shape.map(String.init).joined(separator: "×"), 11, false)
                       + pad(String(format: "%.6g", n.quant.scale), 12, false) + pad("\(n.quant.zeroPoint)", 5, true) + pad(mul, 30, false)
                       + pad(clamp, 11, false) + m.origins[i])
        }
        return out + m.notes.map { "note: \($0)" }
    }
}
