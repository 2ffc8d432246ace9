import EdgeCore
import Foundation

/// The summary printed at the end of an audit: the verdict first, then one row per measure
/// with the method behind each net's number and the 95% interval of every accuracy, the
/// worst case over all attacks at each ε, warnings, stages not run, and gates.
public enum TerminalSummary {
    /// One table row: measure, method(s), float value, int8 value.
    typealias Row = (measure: String, method: String, float: String, int8: String)

    /// The text for `report` (ends with a newline).
    public static func render(_ report: AuditReport) -> String {
        let r = report.results
        var out = Verdict.line(r) + "\n\n"
        out += table([("measure", "method (float / int8)", "float", "int8")] + rows(report))
        for n in r.notes { out += "note: \(n)\n" }
        for k in r.skipped.keys.sorted() { out += "not run: \(k): \(r.skipped[k] ?? "")\n" }
        for g in report.gates {
            let detail = g.reason ?? "\(AuditReport.format(g.lhs)) vs \(AuditReport.format(g.rhs))"
            out += SafeName.printable("\(g.passed ? "PASS" : "FAIL")  \(g.gate.name)  [\(g.gate.rule): \(detail)]", keepNewlines: false) + "\n"
        }
        return out
    }

    static func text(_ v: ReportFacts.Value?) -> String { v?.text ?? "-" }
    static func fixed(_ v: Double?, _ format: String = "%.4f") -> String { v.map { String(format: format, $0) } ?? "-" }

    /// Clean, attacks per ε (worst case last), CW, corruptions, SQNR, MI drift.
    static func rows(_ report: AuditReport) -> [Row] {
        let r = report.results
        var rows: [Row] = []
        let cleanMethod = "clean / exact int8"
        rows.append(("clean accuracy [95%]", cleanMethod, text(ReportFacts.value(r, .clean(.float, "accuracy"))),
                     text(ReportFacts.value(r, .clean(.int8, "accuracy")))))
        rows.append(("ECE", cleanMethod, fixed(r[.clean(.float, "ece")]), fixed(r[.clean(.int8, "ece")])))
        if r[.clean(.float, "temperature")] != nil || r[.clean(.int8, "temperature")] != nil {
            rows.append(("temperature T", "fitted on calibration images", fixed(r[.clean(.float, "temperature")], "%.3f"),
                         fixed(r[.clean(.int8, "temperature")], "%.3f")))
            rows.append(("ECE after temperature scaling", cleanMethod, fixed(r[.clean(.float, "ece_temperature_scaled")]),
                         fixed(r[.clean(.int8, "ece_temperature_scaled")])))
        }
        if let flips = r[.agreement("clean", "argmax_flips")] {
            rows.append(("float/int8 disagree", "clean", "", String(format: "%.2f%%", flips * 100)))
        }
        for eps in report.settings.eps {
            for a in ReportFacts.attackRows(r, eps: eps) {
                let extra = a.imagesText.map { " " + $0 } ?? ""
                rows.append(("\(a.title) eps \(MetricKey.number(eps))\(extra)", a.methods, text(a.float), text(a.int8)))
            }
        }
        if r[.cw(.float, "success_rate")] != nil {
            rows.append(("CW-L2 success rate", "white-box / transfer", text(ReportFacts.value(r, .cw(.float, "success_rate"))),
                         text(ReportFacts.value(r, .cw(.int8, "success_rate")))))
            if let l2 = r[.cw(.float, "median_l2")] { rows.append(("CW-L2 median L2", "white-box", String(format: "%.3f", l2), "")) }
        }
        for c in report.settings.corruptions {
            let f = r[.corruptionSummary(.float, c.rawValue, "mean_accuracy")], q = r[.corruptionSummary(.int8, c.rawValue, "mean_accuracy")]
            guard f != nil || q != nil else { continue }
            rows.append(("\(c.rawValue) (mean of levels)", "8-bit corrupted", fixed(f.map { $0 * 100 }, "%.2f%%"), fixed(q.map { $0 * 100 }, "%.2f%%")))
        }
        if let rce = r[.corruptionSummary(.int8, nil, "relative_ce")] { rows.append(("relative CE int8/float", "8-bit corrupted", "", String(format: "%.3f", rce))) }
        if r[.corruptionSummary(.int8, nil, "mce")] != nil {
            rows.append(("mCE (vs baseline model)", "8-bit corrupted", fixed(r[.corruptionSummary(.float, nil, "mce")], "%.3f"),
                         fixed(r[.corruptionSummary(.int8, nil, "mce")], "%.3f")))
        }
        if let f = r[.fisher(.float, "frobenius_mean")] {
            rows.append(("Fisher ‖F‖_F mean", "white-box / ste", String(format: "%.4g", f), fixed(r[.fisher(.int8, "frobenius_mean")], "%.4g")))
            rows.append(("CCKL (nats)", "white-box / ste", fixed(r[.fisher(.float, "cckl")], "%.3f"), fixed(r[.fisher(.int8, "cckl")], "%.3f")))
        }
        if let l = r[.saliency(.float, .cleanVsPGD, "l1_mean")] {
            rows.append(("saliency ℓ1 clean vs PGD", "white-box / ste", String(format: "%.3f", l), fixed(r[.saliency(.int8, .cleanVsPGD, "l1_mean")], "%.3f")))
            if let q = r[.saliency(nil, .floatVsInt8, "l1_mean")] { rows.append(("saliency ℓ1 float vs int8", "same clean input", "", String(format: "%.3f", q))) }
        }
        if let s = r[.sqnrMin] { rows.append(("min layer SQNR", "int8 vs float activations", "", String(format: "%.1f dB", s))) }
        if let d = r[.miDriftMaxAbs] { rows.append(("max |MI drift|", "int8 − float, bits", "", String(format: "%.3f", d))) }
        return rows
    }

    /// Left-aligned text columns, right-aligned numbers, a rule under the header.
    static func table(_ rows: [Row]) -> String {
        let w0 = rows.map(\.measure.count).max() ?? 10, w1 = rows.map(\.method.count).max() ?? 10
        let w2 = max(rows.map(\.float.count).max() ?? 6, 8), w3 = max(rows.map(\.int8.count).max() ?? 6, 8)
        func padL(_ s: String, _ w: Int) -> String { s + String(repeating: " ", count: max(0, w - s.count)) }
        func padR(_ s: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }
        var out = ""
        for (i, row) in rows.enumerated() {
            out += padL(row.measure, w0) + "  " + padL(row.method, w1) + "  " + padR(row.float, w2) + "  " + padR(row.int8, w3) + "\n"
            if i == 0 { out += String(repeating: "-", count: w0 + w1 + w2 + w3 + 6) + "\n" }
        }
        return out
    }
}
