import ArgumentParser
import EdgeCore
import EdgeModel

/// `edge-audit export`: weights for other tools.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Export the weights as safetensors in PyTorch's layouts.")

    @Argument(help: "model.bin") var model: String
    @Option(help: "Output .safetensors file.") var safetensors: String

    func run() throws {
        let m = try ModelFile.read(model)
        var meta = ["format": "pt", "edge-audit.classes": m.metadata.classNames.joined(separator: ","),
                    "edge-audit.input": m.graph.inputShape.map(String.init).joined(separator: ","),
                    "edge-audit.preprocessing": m.metadata.preprocessing]
        meta["edge-audit.graph"] = m.graph.nodes.map { n in "\(n.name):\(n.op.kind):\(n.inputs.map(String.init).joined(separator: "+"))" }.joined(separator: ";")
        let entries = Safetensors.floatEntries(m)
        try AtomicFile.write(Safetensors.encode(entries, metadata: meta), to: safetensors)
        print("wrote \(safetensors): \(entries.count) tensors")
    }
}
