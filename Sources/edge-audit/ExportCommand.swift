import ArgumentParser
import Foundation
import EdgeCore
import EdgeExport
import EdgeModel
import EdgeQuant

/// `edge-audit export`: weights for other tools.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export safetensors and/or an int8 .tflite.",
        discussion: "--safetensors writes the float and int8 tensors; --tflite the int8 net as a full-integer TFLite file that TensorFlow Lite Micro runs bit-exactly (docs/import-formats.md, \"Export to TFLite\").")

    @Argument(help: "model.bin") var model: String
    @Option(help: "Output .safetensors file.") var safetensors: String?
    @Option(help: "Output .tflite file: the int8 net, run bit-exactly by TensorFlow Lite Micro.") var tflite: String?
    @Option(help: "Calibration images for --tflite when the model has no int8 network (minmax).")
    var calibration = "calibration/fashion-mnist"

    func validate() throws {
        guard safetensors != nil || tflite != nil else { throw ValidationError("give --safetensors FILE, --tflite FILE, or both") }
        func real(_ p: String) -> String { URL(fileURLWithPath: p).standardizedFileURL.resolvingSymlinksInPath().path }
        if let s = safetensors, let t = tflite, real(s) == real(t) { throw ValidationError("--safetensors and --tflite name the same file") }
        for (flag, out) in [("--safetensors", safetensors), ("--tflite", tflite)] {
            if let out, real(out) == real(model) { throw ValidationError("\(flag) names the model file itself; choose another output") }
        }
    }

    func run() throws {
        for out in [safetensors, tflite].compactMap({ $0 }) { try AtomicFile.checkWritableTarget(out) }
        let bytes = try ModelLoading.modelBin(model, for: "export")
        let decoded = try QuantizedModelFile.decode(bytes, path: model)
        if let tflite { try writeTFLite(decoded, to: tflite) }
        if let safetensors { try writeSafetensors(decoded, to: safetensors) }
    }

    /// The int8 net (quantised now when the file has none) as a .tflite file.
    func writeTFLite(_ decoded: LoadedModel, to out: String) throws {
        let (loaded, _) = try CLISupport.withInt8(model, decoded: decoded, calibration: calibration)
        guard let q = loaded.int8 else { throw EdgeError.internalError("no int8 network") }
        let bytes = try TFLiteExporter.export(q, path: model, description: "edge-audit int8 export of \(model.split(separator: "/").last.map(String.init) ?? model)",
                                              labels: loaded.model.metadata.classNames)
        AtomicFile.removeStaleTemps(besides: out)
        try AtomicFile.write(bytes, to: out)
        print("wrote \(out): full-integer TFLite, \(q.nodes.count - 1) int8 layers, \(bytes.count) bytes (int8 input: q = pixel − 128; labels.txt appended)")
    }

    /// Float tensors, and the int8 ones when present, as safetensors.
    func writeSafetensors(_ loaded: LoadedModel, to safetensors: String) throws {
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
