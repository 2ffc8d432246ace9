import ArgumentParser
import EdgeCore
import EdgeData
import EdgeFloat
import EdgeModel
import EdgeQuant
import Foundation

/// `edge-audit inspect`: what is inside a model file.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show layers, shapes, MACs, int8 parameters, recipe.")

    @Argument(help: "model.bin, .tflite or .onnx (the format is told by the file's content).") var model: String
    @Option(help: "Images (class folders) to measure per-layer int8 SQNR on (default: calibration/fashion-mnist when it exists; 'none' skips).") var sqnr: String?

    @OptionGroup var imported: ImportOptions
    @OptionGroup var compute: ComputeOptions

    func run() throws {
        try compute.apply()
        let (bytes, detected) = try ModelLoading.read(model)
        if detected == .tflite || detected == .onnx { return try inspectImported(bytes) }
        let entries = try ModelFile.sections(bytes, path: model)
        let loaded = try QuantizedModelFile.decode(bytes, path: model)
        let m = loaded.model
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
        if let q = loaded.int8 { try printInt8(q, m) }
        print("sections:")
        for e in entries {
            print("  \(e.tag)  offset \(e.offset)  length \(e.length)  crc32 \(String(format: "%08x", e.crc))\(e.flags & ModelFile.flagRequired != 0 ? "  required" : "")")
        }
    }

    private func printInt8(_ q: QuantizedGraph, _ m: Model) throws {
        var sq: [Double]? = nil
        let defaultDir = "calibration/fashion-mnist"
        let dir: String? = sqnr == "none" ? nil : (sqnr ?? (FileManager.default.fileExists(atPath: defaultDir) ? defaultDir : nil))
        if let dir {
            let set = try CLISupport.loadImages(dir, for: m, strict: false, limit: 200)
            sq = SQNR.perLayer(float: try FloatNetwork(m), int8: try IntegerNetwork(q), set: set)
        }
        print("")
        print("int8 network: \(q.nodes.count) layers\(dir.map { ", SQNR on up to 200 images of \($0)" } ?? ""), \(q.method) calibration on \(q.calibrationImages) images, \(q.perTensor ? "per-tensor" : "per-channel") weights, \(q.macs) MACs per image")
        print(pad("#", 3) + pad("layer", 18) + pad("op", 8) + pad("out HWC", 11) + pad("scale", 12) + pad("zp", 5, right: true)
              + pad("range", 20) + pad("multiplier·2^shift", 30) + pad("clamp", 11) + (sq != nil ? pad("SQNR dB", 8, right: true) : ""))
        for (i, n) in q.nodes.enumerated() {
            var mul = "", clamp = ""
            if case .conv(let c) = n.op {
                let lo = c.multiplier.indices.min { FixedPoint.real(mult: c.multiplier[$0], shift: c.shift[$0]) < FixedPoint.real(mult: c.multiplier[$1], shift: c.shift[$1]) } ?? 0
                mul = "\(c.multiplier[lo])·2^\(c.shift[lo])" + (c.outChannels > 1 ? " (min of \(c.outChannels))" : "")
                clamp = "[\(c.actMin),\(c.actMax)]"
            } else if case .add(let a) = n.op {
                mul = "out \(a.outMult)·2^\(a.outShift)"
                clamp = "[\(a.actMin),\(a.actMax)]"
            }
            let range = String(format: "[%.3g, %.3g]", n.rangeMin, n.rangeMax)
            var line = pad("\(i)", 3) + pad(n.name, 18) + pad(n.op.kind, 8) + pad(n.shape.map(String.init).joined(separator: "×"), 11)
                + pad(String(format: "%.6g", n.quant.scale), 12) + pad("\(n.quant.zeroPoint)", 5, right: true) + pad(range, 20) + pad(mul, 30) + pad(clamp, 11)
            if let sq { line += pad(sq[i].isInfinite ? "exact" : String(format: "%.1f", sq[i]), 8, right: true) }
            print(line)
        }
        print("")
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
