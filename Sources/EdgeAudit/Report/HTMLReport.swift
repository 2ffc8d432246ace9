import EdgeCore
import Foundation

/// report.html: one self-contained page (inline CSS, SVG and PNG data URIs; no scripts, no
/// external assets). Every string that comes from a model, a file or the command line is
/// escaped; every number says which net and which method produced it.
public enum HTMLReport {
    /// `s` escaped for HTML text and attributes.
    static func esc(_ s: String) -> String { XMLText.attribute(s) }

    /// A fraction as a percentage with two decimals, or a dash.
    static func pct(_ v: Double?) -> String { v.map { String(format: "%.2f%%", $0 * 100) } ?? "–" }

    /// The sections in page order, with their headings (the table of contents).
    static let sections: [(id: String, title: String)] = [
        ("summary", "Summary"), ("attacks", "Accuracy under attack"), ("paired", "Float vs int8 on the same images"),
        ("confusion", "Confusion matrices and per-class accuracy"), ("calibration", "Reliability diagrams"),
        ("corruptions", "Corruptions"), ("fisher", "Input Fisher information"), ("saliency", "Saliency maps"), ("gallery", "Images"), ("layers", "Per-layer SQNR"),
        ("information", "Mutual information"), ("settings", "Settings and environment"),
    ]

    /// The page for `report`.
    public static func render(_ report: AuditReport) -> String {
        var h = head() + header(report)
        h += HTMLSections.summary(report)
        h += HTMLSections.attacks(report)
        h += HTMLSections.paired(report)
        h += HTMLTables.confusion(report)
        h += HTMLTables.calibration(report)
        h += HTMLSections.corruptions(report)
        h += HTMLFisher.section(report)
        h += HTMLSaliency.section(report)
        h += HTMLGallery.section(report)
        h += HTMLTables.sqnr(report)
        h += HTMLTables.information(report)
        h += footer(report)
        return h + "</body></html>\n"
    }

    static let css = """
    body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:1180px;padding:0 1em;color:#1f2328;line-height:1.4}
    h1{margin-bottom:.2em}h2{border-bottom:1px solid #d0d7de;padding-bottom:.2em;margin-top:1.8em}h3{margin:1.2em 0 .4em}
    table{border-collapse:collapse;margin:.6em 0}td,th{border:1px solid #d0d7de;padding:3px 9px;text-align:right;vertical-align:top}
    th{background:#f6f8fa}td:first-child,th:first-child,td.l,th.l{text-align:left}
    .pass{color:#1a7f37;font-weight:600}.fail{color:#cf222e;font-weight:600}
    svg{background:#fff;border:1px solid #d0d7de;margin:.4em .6em .4em 0;vertical-align:top}
    .verdict{font-size:1.15em;padding:.7em 1em;border-radius:6px;border:1px solid}
    .verdict.bad{background:#ffebe9;border-color:#cf222e}.verdict.good{background:#dafbe1;border-color:#1a7f37}
    .verdict.none{background:#f6f8fa;border-color:#d0d7de}
    .notes{background:#fff8c5;border:1px solid #d4a72c;border-radius:6px;padding:.4em 1em}.notes li{margin:.3em 0}
    .notrun{color:#57606a;font-style:italic;background:#f6f8fa;padding:.5em 1em;border-left:4px solid #8c959f}
    tr.worst td{font-weight:600;background:#fff5e6}tr.sig-worse td{background:#ffebe9}tr.sig-better td{background:#dafbe1}
    .method{color:#57606a;font-size:.9em}.meta{color:#57606a}.toc a{margin-right:1em}
    table.cm{font-size:.9em}table.cm td{min-width:2.1em;text-align:center;padding:2px 3px}table.cm th{font-size:.85em;padding:2px 3px}
    .grid td{text-align:center;font-size:.8em;padding:4px}.grid img{width:84px;height:84px;image-rendering:pixelated;display:block;margin:0 auto;border:1px solid #d0d7de}
    .grid th{font-size:.85em;text-align:center}dl.labels dt{font-weight:600;margin-top:.3em}dl.labels dd{margin-left:1.5em;color:#57606a}
    code{background:#f6f8fa;padding:0 .25em;border-radius:3px}details{margin:.6em 0}summary{cursor:pointer;color:#0969da}
    """

    static func head() -> String {
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">"
            + "<title>edge-audit report</title><style>\(css)</style></head><body>\n"
    }

    /// Title, verdict (always, gates or not), notes, identity, gates, skipped stages.
    static func header(_ report: AuditReport) -> String {
        let r = report.results
        var h = "<h1>edge-audit report</h1>\n"
        h += "<p class=\"verdict \(verdictClass(r))\" id=\"verdict\"><b>\(esc(Verdict.line(r)))</b></p>\n"
        if !r.notes.isEmpty {
            h += "<div class=\"notes\" id=\"notes\"><b>Warnings</b><ul>" + r.notes.map { "<li>\(esc($0))</li>" }.joined() + "</ul></div>\n"
        }
        h += identity(report)
        h += gates(report)
        if !r.skipped.isEmpty {
            h += "<h3 id=\"skipped\">Stages not run</h3><ul>"
            for k in r.skipped.keys.sorted() { h += "<li><b>\(esc(k))</b>: \(esc(r.skipped[k] ?? ""))</li>" }
            h += "</ul>\n"
        }
        h += "<p class=\"toc\">" + sections.map { "<a href=\"#\($0.id)\">\(esc($0.title))</a>" }.joined() + "</p>\n"
        return h
    }

    /// Red when int8 is significantly worse somewhere, green when compared and not, grey
    /// when nothing was compared.
    static func verdictClass(_ r: AuditResults) -> String {
        if r.paired.isEmpty { return "none" }
        return r.paired.contains { $0.significant && $0.int8 < $0.float } ? "bad" : "good"
    }

    static func identity(_ report: AuditReport) -> String {
        let s = report.settings
        var h = "<p class=\"meta\">Model <code>\(esc(report.modelPath))</code> (sha256 <code>\(esc(String(report.modelSHA256.prefix(16))))…</code>); "
        h += "images <code>\(esc(report.imagesPath))</code> (\(report.imageCount) used, \(report.skippedImages) skipped); "
        h += "profile <b>\(esc(s.profile))</b>, seed \(s.seed). "
        h += report.quantizedOnTheFly ? "The int8 net was quantised during this run (\(esc(report.calibration))). "
                                      : "int8 net from the model file (\(esc(report.calibration))). "
        h += "Generated <b>\(esc(report.generatedAt))</b> by edge-audit <b>\(esc(report.toolVersion))</b>"
        if let shard = report.shard { h += ", shard \(esc(shard.text)) (this report covers only part of the images)" }
        return h + ".</p>\n"
    }

    static func gates(_ report: AuditReport) -> String {
        guard !report.gates.isEmpty else {
            return "<p class=\"meta\" id=\"gates\">No release gates were given (<code>--gates</code>); the verdict above compares int8 with float.</p>\n"
        }
        var h = "<h2 id=\"gates\">Gates: <span class=\"\(report.passed ? "pass" : "fail")\">\(report.passed ? "all passed" : "FAILED")</span></h2>"
        h += "<table><tr><th>gate</th><th>rule</th><th>value</th><th>bound</th><th>result</th></tr>"
        for g in report.gates {
            let result = g.passed ? "pass" : "FAIL" + (g.reason.map { ": " + esc($0) } ?? "")
            h += "<tr><td>\(esc(g.gate.name))</td><td class=\"l\"><code>\(esc(g.gate.rule))</code></td><td>\(AuditReport.format(g.lhs))</td>"
            h += "<td>\(AuditReport.format(g.rhs))</td><td class=\"\(g.passed ? "pass" : "fail")\">\(result)</td></tr>"
        }
        return h + "</table>\n"
    }

    /// Settings, environment and timings, then the timestamp and version again.
    static func footer(_ report: AuditReport) -> String {
        var h = "<h2 id=\"settings\">Settings and environment</h2><table><tr><th>setting</th><th class=\"l\">value</th></tr>"
        for (k, v) in report.settings.described + report.environment { h += "<tr><td>\(esc(k))</td><td class=\"l\">\(esc(v))</td></tr>" }
        h += "</table>"
        if !report.results.timings.isEmpty {
            h += "<table><tr><th>stage</th><th>seconds</th></tr>"
            for (k, v) in report.results.timings { h += "<tr><td>\(esc(k))</td><td>\(String(format: "%.2f", v))</td></tr>" }
            h += "</table>"
        }
        return h + "<p class=\"meta\">edge-audit \(esc(report.toolVersion)) · report schema \(esc(AuditReport.schema)) · generated \(esc(report.generatedAt))</p>\n"
    }

    /// A section heading.
    static func heading(_ id: String) -> String {
        "<h2 id=\"\(id)\">\(esc(sections.first { $0.id == id }?.title ?? id))</h2>\n"
    }

    /// The placeholder of a section without data.
    static func notRun(_ text: String) -> String { "<p class=\"notrun\">\(esc(text))</p>\n" }
}
