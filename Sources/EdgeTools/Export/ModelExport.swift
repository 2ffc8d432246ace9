import EdgeCore
import EdgeExport
import EdgeModel
import EdgeQuant
import Foundation

/// `export`: a model.bin's nets for other tools. Each writer returns the line to print.
public enum ModelExport {
    /// Writes the int8 net (quantised now on `calibration` when the file has none, said on
    /// `log`) of `decoded`, read from `model`, as a full-integer TFLite file at `out`.
    public static func tflite(_ decoded: LoadedModel, model: String, calibration: String, to out: String,
                              log: (String) -> Void) throws -> String {
        let (loaded, _) = try Int8OnTheFly.ensure(model, decoded: decoded, calibration: calibration, log: log)
        guard let q = loaded.int8 else { throw EdgeError.internalError("no int8 network") }
        let bytes = try TFLiteExporter.export(q, path: model, description: "edge-audit int8 export of \(model.split(separator: "/").last.map(String.init) ?? model)",
                                              labels: loaded.model.metadata.classNames)
        AtomicFile.removeStaleTemps(besides: out)
        try AtomicFile.write(bytes, to: out)
        return "wrote \(out): full-integer TFLite, \(q.nodes.count - 1) int8 layers, \(bytes.count) bytes (int8 input: q = pixel − 128; labels.txt appended)"
    }

    /// Writes the float tensors, and the int8 ones when present, as safetensors at `out`,
    /// with the graphs and class names as metadata (scripts/check_safetensors.py reads them).
    public static func safetensors(_ loaded: LoadedModel, to out: String) throws -> String {
        let m = loaded.model
        var meta = ["format": "pt", "edge-audit.classes": m.metadata.classNames.joined(separator: ","),
                    "edge-audit.input": m.graph.inputShape.map(String.init).joined(separator: ","),
                    "edge-audit.preprocessing": m.metadata.preprocessing]
        meta["edge-audit.graph"] = graphJSON(m.graph)
        var entries = Safetensors.floatEntries(m)
        if let q = loaded.int8 {
            entries += Int8Export.entries(q)
            meta["edge-audit.int8.graph"] = Int8Export.graphJSON(q)
        }
        AtomicFile.removeStaleTemps(besides: out)
        try AtomicFile.write(Safetensors.encode(entries, metadata: meta), to: out)
        return "wrote \(out): \(entries.count) tensors"
    }

    /// The float graph as a JSON array, one object per node: name, op, inputs and the op's
    /// parameters, so a reader can rebuild the forward pass.
    public static func graphJSON(_ g: Graph) -> String {
        let nodes = g.nodes.map { n -> String in
            var f = ["\"name\":\(JSONText.quote(n.name))", "\"op\":\"\(n.op.kind)\"", "\"inputs\":[\(n.inputs.map(String.init).joined(separator: ","))]"]
            switch n.op {
            case let .conv2d(o, k, s, p): f += ["\"out\":\(o)", "\"kernel\":\(k)", "\"stride\":\(s)", "\"padding\":\(p)"]
            case let .dense(o): f += ["\"out\":\(o)"]
            case let .maxPool(k, s), let .avgPool(k, s): f += ["\"kernel\":\(k)", "\"stride\":\(s)"]
            case let .batchNorm(eps): f += ["\"eps\":\(eps)"]
            default: break
            }
            return "{" + f.joined(separator: ",") + "}"
        }
        return "[" + nodes.joined(separator: ",") + "]"
    }
}
