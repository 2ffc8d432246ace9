import EdgeCore
import Foundation

/// The summary table printed at the end of an audit.
public enum TerminalSummary {
    /// Lines of the table for `report`.
    public static func render(_ report: AuditReport) -> String {
        let m = report.results.metrics
        var rows: [(String, String, String)] = [("measure", "float", "int8")]
        func pct(_ v: Double?) -> String { v.map { String(format: "%.2f%%", $0 * 100) } ?? "-" }
        func add(_ label: String, _ key: String, percent: Bool = true) {
            let f = m["float.\(key)"], q = m["int8.\(key)"]
            rows.append((label, percent ? pct(f) : f.map { String(format: "%.4f", $0) } ?? "-", percent ? pct(q) : q.map { String(format: "%.4f", $0) } ?? "-"))
        }
        add("clean accuracy", "clean.accuracy")
        add("ECE", "clean.ece", percent: false)
        for e in report.settings.eps {
            let k = MetricKey.number(e)
            add("FGSM eps \(k)", "fgsm.eps_\(k).accuracy")
            add("PGD eps \(k)", "pgd.eps_\(k).accuracy")
            if let s = m["int8.pgd_ste.eps_\(k).accuracy"] { rows.append(("PGD eps \(k) (ste)", "-", pct(s))) }
            if let s = m["int8.square.eps_\(k).accuracy"] { rows.append(("Square eps \(k) (query)", "-", pct(s))) }
        }
        if m["float.cw.success_rate"] != nil { add("CW-L2 success rate", "cw.success_rate") }
        if let l2 = m["float.cw.median_l2"] { rows.append(("CW-L2 median L2 (float)", String(format: "%.3f", l2), "")) }
        for c in report.settings.corruptions { add(c.rawValue + " (mean)", "corruption.\(c.rawValue).mean_accuracy") }
        if let r = m["int8.corruption.relative_ce"] { rows.append(("relative CE int8/float", "", String(format: "%.3f", r))) }
        if let s = m["int8.sqnr.min_db"] { rows.append(("min layer SQNR", "", String(format: "%.1f dB", s))) }
        let w0 = rows.map(\.0.count).max() ?? 10, w1 = max(rows.map(\.1.count).max() ?? 6, 8), w2 = max(rows.map(\.2.count).max() ?? 6, 8)
        func padL(_ s: String, _ w: Int) -> String { s + String(repeating: " ", count: max(0, w - s.count)) }
        func padR(_ s: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }
        var out = ""
        for (i, r) in rows.enumerated() {
            out += padL(r.0, w0) + "  " + padR(r.1, w1) + "  " + padR(r.2, w2) + "\n"
            if i == 0 { out += String(repeating: "-", count: w0 + w1 + w2 + 4) + "\n" }
        }
        out += "int8 FGSM/PGD: transfer from the float net onto the uint8 grid; Square: query-only on the int8 net.\n"
        for n in report.results.notes { out += "note: \(n)\n" }
        for g in report.gates {
            let detail = g.reason ?? "\(AuditReport.format(g.lhs)) vs \(AuditReport.format(g.rhs))"
            out += SafeName.printable("\(g.passed ? "PASS" : "FAIL")  \(g.gate.name)  [\(g.gate.rule): \(detail)]", keepNewlines: false) + "\n"
        }
        return out
    }
}
