import ArgumentParser
import EdgeCore
import EdgeModel
import Foundation

/// `edge-audit inspect`: what is inside a model file.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show a model's layers, shapes, parameters, MACs, recipe and checksums.")

    @Argument(help: "model.bin") var model: String

    func run() throws {
        let bytes = try AtomicFile.read(model, limit: 512 << 20)
        let entries = try ModelFile.sections(bytes, path: model)
        let m = try ModelFile.decode(bytes, path: model)
        let shapes = try m.validate(path: model)
        let macs = m.graph.macs(shapes: shapes)
        print("model \(model) (\(bytes.count) bytes, format v\(ModelFile.version))")
        print("input \(m.graph.inputShape.map(String.init).joined(separator: "×")), preprocessing \(m.metadata.preprocessing), \(m.metadata.classNames.count) classes: \(m.metadata.classNames.joined(separator: ", "))")
        print("")
        print(pad("#", 3) + pad("layer", 18) + pad("op", 10) + pad("inputs", 8) + pad("output", 14) + pad("params", 9, right: true) + pad("MACs", 11, right: true))
        for (i, n) in m.graph.nodes.enumerated() {
            let params = m.parameters[i].reduce(0) { $0 + $1.count }
            print(pad("\(i)", 3) + pad(n.name, 18) + pad(n.op.kind + detail(n.op), 10) + pad(n.inputs.map(String.init).joined(separator: ","), 8)
                  + pad(shapes[i].map(String.init).joined(separator: "×"), 14) + pad("\(params)", 9, right: true) + pad("\(macs[i])", 11, right: true))
        }
        print("")
        print("parameters \(m.parameterCount), MACs per image \(macs.reduce(0, +))")
        if let r = m.metadata.recipe {
            var line = "recipe: \(r.arch) on \(r.dataset), \(r.epochs) epochs, batch \(r.batch), \(r.optimizer) lr \(r.learningRate) (\(r.schedule)), weight decay \(r.weightDecay), seed \(r.seed)"
            if r.adversarial != "none" { line += ", adversarial \(r.adversarial) eps \(r.eps) step \(r.stepSize) × \(r.steps)" }
            print(line)
            print(String(format: "test accuracy %.4f on %d images", r.testAccuracy, r.testImages))
        }
        print("sections:")
        for e in entries {
            print("  \(e.tag)  offset \(e.offset)  length \(e.length)  crc32 \(String(format: "%08x", e.crc))\(e.flags & ModelFile.flagRequired != 0 ? "  required" : "")")
        }
    }

    private func detail(_ op: Op) -> String {
        switch op {
        case let .conv2d(_, k, s, p): return " \(k)x\(k)/\(s)p\(p)"
        case let .maxPool(k, s), let .avgPool(k, s): return " \(k)/\(s)"
        default: return ""
        }
    }
}

/// Pads `s` to `w` columns.
func pad(_ s: String, _ w: Int, right: Bool = false) -> String {
    let n = max(0, w - s.count)
    return right ? String(repeating: " ", count: n) + s + " " : s + String(repeating: " ", count: n) + " "
}
