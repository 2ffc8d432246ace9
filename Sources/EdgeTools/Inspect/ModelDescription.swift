import EdgeCore
import EdgeData
import EdgeFloat
import EdgeModel
import EdgeQuant
import Foundation

/// `inspect` for a model.bin: the float graph layer by layer, the training recipe, the int8
/// net with its quantisation (and per-layer SQNR when images are given), the file's sections.
public struct ModelDescription {
    /// The file's path, as given.
    public let path: String
    /// The file's size in bytes.
    public let size: Int
    /// The section table.
    public let sections: [ModelFile.SectionEntry]
    /// The decoded nets.
    public let loaded: LoadedModel
    /// Output shape of every float node.
    public let shapes: [[Int]]
    /// `ModelFile.contentSHA256`: the digest that leaves the provenance out.
    public let contentSHA256: String

    /// Decodes and validates the model.bin `bytes` read from `path`.
    public init(path: String, bytes: [UInt8]) throws {
        self.path = path
        size = bytes.count
        sections = try ModelFile.sections(bytes, path: path)
        loaded = try QuantizedModelFile.decode(bytes, path: path)
        shapes = try loaded.model.validate(path: path)
        contentSHA256 = try ModelFile.contentSHA256(bytes, path: path)
    }

    /// Per-layer SQNR of the int8 net against the float net on up to 200 images of `set`
    /// (nil when the file has no int8 net).
    public func sqnr(on set: LabeledImages) throws -> [Double]? {
        guard let q = loaded.int8 else { return nil }
        return SQNR.perLayer(float: try FloatNetwork(loaded.model), int8: try IntegerNetwork(q), set: set)
    }

    /// Everything `inspect` prints; `sqnr` (measured on `sqnrFolder`) adds a column.
    public func lines(sqnr: [Double]?, sqnrFolder: String?) -> [String] {
        var out = floatLines()
        if let q = loaded.int8 { out += Self.int8Lines(q, sqnr: sqnr, folder: sqnrFolder) }
        out += provenanceLines()
        out.append("sections:")
        for e in sections {
            out.append("  \(e.tag)  offset \(e.offset)  length \(e.length)  crc32 \(String(format: "%08x", e.crc))\(e.flags & ModelFile.flagRequired != 0 ? "  required" : "")")
        }
        return out
    }

    /// Header, float layer table, parameter count and recipe.
    func floatLines() -> [String] {
        let m = loaded.model
        let macs = m.graph.macs(shapes: shapes)
        let pad = TextTable.pad
        var out = ["model \(path) (\(size) bytes, format v\(ModelFile.version))",
                   "input \(m.graph.inputShape.map(String.init).joined(separator: "×")), preprocessing \(m.metadata.preprocessing), \(m.metadata.classNames.count) classes: \(m.metadata.classNames.joined(separator: ", "))",
                   "",
                   pad("#", 3, false) + pad("layer", 18, false) + pad("op", 10, false) + pad("inputs", 8, false) + pad("output", 14, false)
                       + pad("params", 9, true) + pad("MACs", 11, true)]
        for (i, n) in m.graph.nodes.enumerated() {
            let params = m.parameters[i].reduce(0) { $0 + $1.count }
            out.append(pad("\(i)", 3, false) + pad(n.name, 18, false) + pad(n.op.kind + Self.detail(n.op), 10, false)
                       + pad(n.inputs.map(String.init).joined(separator: ","), 8, false) + pad(shapes[i].map(String.init).joined(separator: "×"), 14, false)
                       + pad("\(params)", 9, true) + pad("\(macs[i])", 11, true))
        }
        out += ["", "parameters \(m.parameterCount), MACs per image \(macs.reduce(0, +))"]
        if let r = m.metadata.recipe {
            var line = "recipe: \(r.arch) on \(r.dataset), \(r.epochs) epochs, batch \(r.batch), \(r.optimizer) lr \(r.learningRate) (\(r.schedule)), weight decay \(r.weightDecay), seed \(r.seed)"
            if r.adversarial != "none" { line += ", adversarial \(r.adversarial) eps \(r.eps) step \(r.stepSize) × \(r.steps)" }
            out.append(line)
            out.append(String(format: "test accuracy %.4f on %d images", r.testAccuracy, r.testImages))
        }
        return out
    }

    /// The int8 layer table: scales, zero points, ranges, the smallest multiplier, clamps.
    static func int8Lines(_ q: QuantizedGraph, sqnr sq: [Double]?, folder: String?) -> [String] {
        let pad = TextTable.pad
        var out = ["", "int8 network: \(q.nodes.count) layers\(folder.map { ", SQNR on up to 200 images of \($0)" } ?? ""), \(q.method) calibration on \(q.calibrationImages) images, \(q.perTensor ? "per-tensor" : "per-channel") weights, \(q.macs) MACs per image"]
        out.append(pad("#", 3, false) + pad("layer", 18, false) + pad("op", 8, false) + pad("out HWC", 11, false) + pad("scale", 12, false)
                   + pad("zp", 5, true) + pad("range", 20, false) + pad("multiplier·2^shift", 30, false) + pad("clamp", 11, false)
                   + (sq != nil ? pad("SQNR dB", 8, true) : ""))
        for (i, n) in q.nodes.enumerated() {
            let (mul, clamp) = Int8Columns.requantisation(n.op, imported: false)
            let range = String(format: "[%.3g, %.3g]", n.rangeMin, n.rangeMax)
            var line = pad("\(i)", 3, false) + pad(n.name, 18, false) + pad(n.op.kind, 8, false) + pad(n.shape.map(String.init).joined(separator: "×"), 11, false)
                + pad(String(format: "%.6g", n.quant.scale), 12, false) + pad("\(n.quant.zeroPoint)", 5, true) + pad(range, 20, false)
                + pad(mul, 30, false) + pad(clamp, 11, false)
            if let sq { line += pad(sq[i].isInfinite ? "exact" : String(format: "%.1f", sq[i]), 8, true) }
            out.append(line)
        }
        out.append("")
        return out
    }

    /// Kernel, stride and padding of a float op, for the op column.
    static func detail(_ op: Op) -> String {
        switch op {
        case let .conv2d(_, k, s, p): return " \(k)x\(k)/\(s)p\(p)"
        case let .maxPool(k, s), let .avgPool(k, s): return " \(k)/\(s)"
        default: return ""
        }
    }
}

/// The requantisation columns shared by both inspect tables.
enum Int8Columns {
    /// The smallest multiplier·2^shift of a conv/dense layer (or the add's output one) and
    /// the clamp; for `imported` graphs also MEAN's folded 1/n and a pool's clamp.
    static func requantisation(_ op: QOp, imported: Bool) -> (String, String) {
        switch op {
        case .conv(let c):
            let lo = c.multiplier.indices.min { FixedPoint.real(mult: c.multiplier[$0], shift: c.shift[$0]) < FixedPoint.real(mult: c.multiplier[$1], shift: c.shift[$1]) } ?? 0
            return ("\(c.multiplier[lo])·2^\(c.shift[lo])" + (c.outChannels > 1 ? " (min of \(c.outChannels))" : ""), "[\(c.actMin),\(c.actMax)]")
        case .add(let a):
            return ("out \(a.outMult)·2^\(a.outShift)", "[\(a.actMin),\(a.actMax)]")
        case .mean(let me) where imported:
            return ("\(me.multiplier)·2^\(me.shift) (1/n folded)", "")
        case .pool(let p) where imported:
            return ("", "[\(p.actMin),\(p.actMax)]")
        default:
            return ("", "")
        }
    }
}
