import EdgeCore
import EdgeData
import EdgeFloat

/// `predict`'s output: one JSON line or CSV row per image (path, label, prediction,
/// probabilities, optionally logits) and the counts behind the accuracy line.
public struct PredictionWriter {
    /// The two output formats.
    public enum Format: String, CaseIterable, Sendable { case jsonl, csv }

    /// Output format.
    public var format: Format
    /// Class names in output order.
    public var names: [String]
    /// Whether each line also carries the raw logits.
    public var withLogits: Bool
    /// Images whose prediction was their label, so far.
    public private(set) var correct = 0
    /// Images whose logits were not all finite (no prediction, counted as wrong), so far.
    public private(set) var nonFinite = 0

    /// A writer for `names.count` classes.
    public init(format: Format, names: [String], withLogits: Bool) {
        self.format = format
        self.names = names
        self.withLogits = withLogits
    }

    /// The CSV header line (with newline); nil for JSON lines.
    public var header: String? {
        guard format == .csv else { return nil }
        var h = "path,label,predicted," + names.map { XMLText.csvField("p_\($0)") }.joined(separator: ",")
        if withLogits { h += "," + names.map { XMLText.csvField("logit_\($0)") }.joined(separator: ",") }
        return h + "\n"
    }

    /// The lines (each ending in a newline) for images `indices` of `set`, whose logits are
    /// `logits` (indices.count × classes, row-major); counts them.
    public mutating func lines(_ set: LabeledImages, _ indices: [Int], logits z: [Float]) -> String {
        let k = names.count
        var text = ""
        for (b, i) in indices.enumerated() {
            let row = z[(b * k)..<(b * k + k)]
            let p = SoftmaxCrossEntropy.probabilities(row)
            // Non-finite logits have no prediction: reported as null (JSON) or empty (CSV)
            // and counted as wrong, never as class 0 by an argmax over NaN.
            let finite = row.allSatisfy { $0.isFinite }
            let pred: Int? = finite ? SoftmaxCrossEntropy.argmax(Array(row), classes: k)[0] : nil
            if !finite { nonFinite += 1 }
            if pred == set.labels[i] { correct += 1 }
            text += format == .jsonl ? json(set, i, pred, p, row) : csv(set, i, pred, p, row)
        }
        return text
    }

    private func json(_ set: LabeledImages, _ i: Int, _ pred: Int?, _ p: [Double], _ row: ArraySlice<Float>) -> String {
        var t = "{\"path\":\(JSONText.quote(set.sources[i])),\"label\":\(JSONText.quote(names[set.labels[i]])),\"predicted\":\(pred.map { JSONText.quote(names[$0]) } ?? "null"),"
        t += "\"probabilities\":[\(p.map { number(Float($0)) }.joined(separator: ","))]"
        if withLogits { t += ",\"logits\":[\(row.map(number).joined(separator: ","))]" }
        return t + "}\n"
    }

    private func csv(_ set: LabeledImages, _ i: Int, _ pred: Int?, _ p: [Double], _ row: ArraySlice<Float>) -> String {
        var t = "\(XMLText.csvField(set.sources[i])),\(XMLText.csvField(names[set.labels[i]])),\(pred.map { XMLText.csvField(names[$0]) } ?? ""),"
        t += p.map { number(Float($0)) }.joined(separator: ",")
        if withLogits { t += "," + row.map(number).joined(separator: ",") }
        return t + "\n"
    }

    /// A value as Swift prints a Float; non-finite ones as JSON null or CSV NaN/Inf/-Inf.
    func number(_ v: Float) -> String { v.isFinite ? String(v) : (format == .jsonl ? "null" : (v.isNaN ? "NaN" : (v > 0 ? "Inf" : "-Inf"))) }

    /// The closing accuracy line (stderr), naming the images folder and the engine.
    public func summary(images: Int, folder: String, engine: String) -> String {
        String(format: "accuracy %.4f (%d/%d) on %@ [%@]", Double(correct) / Double(images), correct, images, folder, engine)
    }

    /// The warning about non-finite logits, when there were any.
    public func warning(images: Int) -> String? {
        nonFinite > 0 ? "warning: \(nonFinite) of \(images) images have non-finite logits (NaN or Inf): no prediction, counted as wrong" : nil
    }
}
