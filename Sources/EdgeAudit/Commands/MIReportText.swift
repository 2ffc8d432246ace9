import Foundation

/// `edge-audit mi`'s output: per-layer MI of both nets and the drift.
public enum MIReportText {
    /// Every MI-stage metric, sorted by name, as one flat JSON object (`%.6f`).
    public static func json(_ r: AuditResults) -> String {
        let mi = r.values.filter { $0.key.stage == "mi" }.sorted { $0.key < $1.key }
        return "{\n" + mi.map { "  \"\($0.key.key)\": \(CommandText.f6($0.value))" }.joined(separator: ",\n") + "\n}"
    }

    /// The stage's label, one line per (input, layer, estimator) with float, int8 and their
    /// difference in bits, the largest |drift| and the notes.
    public static func table(_ r: AuditResults) -> String {
        let pad = CommandText.pad
        var lines = [r.labels["mi"] ?? ""]
        lines.append(pad("input", 16, false) + pad("layer", 12, false) + pad("estimator", 15, false) + pad("float", 9, true)
                     + pad("int8", 9, true) + pad("drift", 9, true))
        for input in r.miInputs {
            for l in r.miLayers {
                for est in Metric.miEstimators {
                    guard let f = r[.mi(.float, input: input, layer: l, est)], let q = r[.mi(.int8, input: input, layer: l, est)] else { continue }
                    lines.append(pad(input, 16, false) + pad(l, 12, false) + pad(est, 15, false) + pad(String(format: "%.3f", f), 9, true)
                                 + pad(String(format: "%.3f", q), 9, true) + pad(String(format: "%+.3f", q - f), 9, true))
                }
            }
        }
        lines.append(String(format: "max |drift| = %.4f bits", r[.miDriftMaxAbs] ?? 0))
        lines += r.notes.map { "note: " + $0 }
        return lines.joined(separator: "\n")
    }
}
