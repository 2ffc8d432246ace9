import EdgeCore
import EdgeImport
import EdgeImportQuant
import EdgeQuant
import Foundation

/// `edge-audit inspect` for a TFLite/ONNX file: the imported graph, and for int8 models the
/// integer graph the engine runs, layer by layer with its quantisation.
extension Inspect {
    func inspectImported(_ bytes: [UInt8]) throws {
        let graph = try ModelLoading.importGraph(bytes, path: model)
        let kind = graph.format == .tflite ? "TFLite" : "ONNX"
        print("model \(model) (\(bytes.count) bytes, \(kind), \(graph.precision.rawValue), producer \(graph.metadata.producer.isEmpty ? "?" : graph.metadata.producer))")
        print("")
        print("imported graph:")
        for line in graph.summary { print("  " + line) }
        print("")
        guard graph.precision == .int8 else {
            let m = try ModelLoading.floatModel(graph, path: model, labels: imported.labels, preprocessing: try imported.preprocessing(),
                                                needLabels: false)
            for line in try ModelLoading.describeFloat(m) { print(line) }
            if let l = graph.metadata.labels { print("labels: \(l.count) from \(graph.metadata.labelSource ?? "the file"): \(l.joined(separator: ", "))") }
            else { print("labels: none in the file (predict needs --labels FILE)") }
            return
        }
        let m = try ModelLoading.int8Model(graph, path: model, preprocessing: try imported.preprocessing())
        let q = m.graph
        print("int8 engine: \(q.nodes.count) layers, TFLite Micro semantics (Q31 requantisation, TFLite rounding), "
              + "\(q.perTensor ? "per-tensor" : "per-channel") weights, \(q.macs) MACs per image")
        print("input: \(m.inputShape[1])×\(m.inputShape[2])×\(m.inputShape[0]) pixels; \(m.inputRule)")
        if let l = graph.metadata.labels { print("labels: \(l.count) from \(graph.metadata.labelSource ?? "the file"): \(l.joined(separator: ", "))") }
        else { print("labels: none in the file (predict needs --labels FILE)") }
        print(pad("#", 3) + pad("layer", 22) + pad("op", 9) + pad("out HWC", 11) + pad("scale", 12) + pad("zp", 5, right: true)
              + pad("multiplier·2^shift", 30) + pad("clamp", 11) + "from")
        for (i, n) in q.nodes.enumerated() {
            var mul = "", clamp = ""
            switch n.op {
            case .conv(let c):
                let lo = c.multiplier.indices.min { FixedPoint.real(mult: c.multiplier[$0], shift: c.shift[$0]) < FixedPoint.real(mult: c.multiplier[$1], shift: c.shift[$1]) } ?? 0
                mul = "\(c.multiplier[lo])·2^\(c.shift[lo])" + (c.outChannels > 1 ? " (min of \(c.outChannels))" : "")
                clamp = "[\(c.actMin),\(c.actMax)]"
            case .add(let a):
                mul = "out \(a.outMult)·2^\(a.outShift)"
                clamp = "[\(a.actMin),\(a.actMax)]"
            case .mean(let me):
                mul = "\(me.multiplier)·2^\(me.shift) (1/n folded)"
            case .pool(let p):
                clamp = "[\(p.actMin),\(p.actMax)]"
            default: break
            }
            print(pad("\(i)", 3) + pad(n.name, 22) + pad(n.op.kind, 9) + pad(n.shape.map(String.init).joined(separator: "×"), 11)
                  + pad(String(format: "%.6g", n.quant.scale), 12) + pad("\(n.quant.zeroPoint)", 5, right: true) + pad(mul, 30) + pad(clamp, 11)
                  + m.origins[i])
        }
        for note in m.notes { print("note: \(note)") }
    }
}
