import ArgumentParser
import EdgeCore
import EdgeModel
import EdgeQuant

/// `edge-audit export`: weights for other tools.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Export float and int8 tensors as safetensors.")

    @Argument(help: "model.bin") var model: String
    @Option(help: "Output .safetensors file.") var safetensors: String

    func run() throws {
        try AtomicFile.checkWritableTarget(safetensors)
        let loaded = try QuantizedModelFile.decode(try ModelLoading.modelBin(model, for: "export"), path: model)
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
        AtomicFile.removeStaleTemps(besides: safetensors)
        try AtomicFile.write(Safetensors.encode(entries, metadata: meta), to: safetensors)
        print("wrote \(safetensors): \(entries.count) tensors")
    }
}

/// The graph as a JSON array, one object per node: name, op, inputs and the op's
/// parameters, so a reader can rebuild the forward pass (see scripts/check_safetensors.py).
func graphJSON(_ g: Graph) -> String {
    let nodes = g.nodes.map { n -> String in
        var f = ["\"name\":\(jsonString(n.name))", "\"op\":\"\(n.op.kind)\"", "\"inputs\":[\(n.inputs.map(String.init).joined(separator: ","))]"]
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
