/// The Fisher-information section of report.html: float vs int8 (STE) side by side.
enum HTMLFisher {
    /// The quantities shown, with their labels and formats.
    static let rows: [(String, String, String)] = [
        ("‖F(x)‖₂ mean", "spectral_mean", "%.4g"), ("‖F(x)‖₂ median", "spectral_median", "%.4g"),
        ("‖F(x)‖_F mean", "frobenius_mean", "%.4g"), ("‖F(x)‖_F median", "frobenius_median", "%.4g"),
        ("CCKL (nats)", "cckl", "%.4f"), ("images", "images", "%.0f"),
    ]

    /// The section, or why it did not run.
    static func section(_ report: AuditReport) -> String {
        let r = report.results
        var h = HTMLReport.heading("fisher")
        guard r[.fisher(.float, "images")] != nil else {
            return h + HTMLReport.notRun(ReportFacts.notRun(r, ["fisher"]))
        }
        h += "<table><tr><th>measure</th><th>float net (white-box)</th><th>int8 net (ste)</th><th>int8 ÷ float</th></tr>"
        for (label, q, format) in rows {
            let f = r[.fisher(.float, q)], i = r[.fisher(.int8, q)]
            let ratio = (f != nil && i != nil && f! != 0 && q != "images") ? String(format: "%.3f", i! / f!) : "–"
            h += "<tr><td>\(HTMLReport.esc(label))</td><td>\(f.map { String(format: format, $0) } ?? "–")</td>"
            h += "<td>\(i.map { String(format: format, $0) } ?? "–")</td><td>\(ratio)</td></tr>"
        }
        return h + "</table>" + (r.labels["fisher"].map { "<p class=\"method\">\(HTMLReport.esc($0)).</p>" } ?? "")
    }
}
