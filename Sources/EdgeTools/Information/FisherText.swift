import EdgeCore
import EdgeData
import EdgeInformation
import Foundation

/// The text `fisher` prints and writes: the summary table or JSON, the MIAT table, and the
/// per-image JSON lines.
public enum FisherText {
    /// One JSON line per image (path, label, both norms).
    public static func perImageLines(_ per: [FisherInformation.PerImage], _ set: LabeledImages) -> String {
        zip(per, set.labels).enumerated().map { i, e in
            "{\"path\": \(JSONText.quote(set.sources[i])), \"label\": \(e.1), \"fisher_spectral\": \(number(e.0.spectral)), "
                + "\"fisher_frobenius\": \(number(e.0.frobenius))}\n"
        }.joined()
    }

    /// The MIAT rows: accuracy and natural/adversarial MI on clean, noisy and PGD inputs.
    public static func miatTable(_ r: NaturalAdversarialMI.Result, eps: Double) -> String {
        let pad = TextTable.pad
        func row(_ name: String, _ acc: Double, _ nat: InfoNCEEstimator.Result, _ adv: InfoNCEEstimator.Result?) -> String {
            pad(name, 10, false) + pad(String(format: "%.4f", acc), 10, true) + pad(String(format: "%.3f", nat.nats), 10, true)
                + pad(adv.map { String(format: "%.3f", $0.nats) } ?? "—", 13, true)
        }
        return ["MIAT (InfoNCE bound, nats, ceiling ln 64 = 4.159; PGD-L∞ and ±noise at ε = \(eps), 20 steps, uint8 grid):",
                pad("", 10, false) + pad("accuracy", 10, true) + pad("natural", 10, true) + pad("adversarial", 13, true),
                row("clean", r.accuracyClean, r.naturalClean, nil), row("noise", r.accuracyNoise, r.naturalNoise, r.adversarialNoise),
                row("pgd", r.accuracyPGD, r.naturalPGD, r.adversarialPGD)].joined(separator: "\n")
    }

    /// Shortest round-trip decimal; null for a non-finite value (not valid JSON otherwise).
    public static func number(_ v: Double) -> String { v.isFinite ? "\(v)" : "null" }

    /// The summary as JSON, the run's context keys first.
    public static func json(_ s: FisherSummary, net: String, images: Int, seconds: Double, miat: NaturalAdversarialMI.Result?) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        var body = String(decoding: try e.encode(s), as: UTF8.self)
        // Context first, then the summary's own keys.
        body.removeFirst()
        let mi = try miat.map { "\n  \"miat\" : " + String(decoding: try e.encode($0), as: UTF8.self).replacingOccurrences(of: "\n", with: "\n  ") + "," } ?? ""
        return "{\n  \"net\" : \(JSONText.quote(net)),\n  \"images\" : \(images),\n  \"units\" : \"natural log; x in [0, 1] pixels\","
            + "\n  \"seconds\" : \(String(format: "%.3f", seconds)),\(mi)\(body)"
    }

    /// The summary as a table: quantiles of both norms, per-class Frobenius, accuracy and CCKL.
    public static func table(_ s: FisherSummary, net: String, images: Int, seconds: Double, classNames: [String]) -> String {
        let pad = TextTable.pad
        func row(_ name: String, _ st: SampleStats) -> String {
            pad(name, 22, false) + [st.mean, st.p05, st.p25, st.median, st.p75, st.p95].map { pad(String(format: "%.4g", $0), 11, true) }.joined()
        }
        var out = ["net: \(net)", "\(images) images, \(String(format: "%.2f", seconds)) s; natural log, x in [0, 1]",
                   pad("", 22, false) + ["mean", "p05", "p25", "median", "p75", "p95"].map { pad($0, 11, true) }.joined(),
                   row("fisher_spectral", s.spectral), row("fisher_frobenius", s.frobenius), "per class (fisher_frobenius):"]
        for c in classNames { if let st = s.perClass[c] { out.append(row("  " + SafeName.printable(c, keepNewlines: false), st.frobenius)) } }
        out.append(String(format: "accuracy %.4f; ", s.accuracy) + (s.cckl.isNaN ? "cckl n/a (needs images of at least two classes)"
            : String(format: "cckl %.6g nats (mean KL(p_i ‖ p_j) over ordered pairs with different labels)", s.cckl)))
        return out.joined(separator: "\n")
    }
}
