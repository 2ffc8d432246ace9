/// The saliency section of report.html: the interpretation discrepancies (float vs int8,
/// clean vs PGD per net) and a grid of inputs with their heat maps.
enum HTMLSaliency {
    /// The comparisons shown, in order, with their labels.
    static let rows: [(String, Metric.Net?, Metric.SaliencyComparison)] = [
        ("float vs int8 (ste), clean input", nil, .floatVsInt8),
        ("float net: clean vs PGD", .float, .cleanVsPGD),
        ("int8 net (ste): clean vs PGD", .int8, .cleanVsPGD),
    ]

    /// The section, or why it did not run.
    static func section(_ report: AuditReport) -> String {
        let r = report.results
        var h = HTMLReport.heading("saliency")
        guard let n = r[.saliencyImages] else { return h + HTMLReport.notRun(ReportFacts.notRun(r, ["saliency"])) }
        h += "<table><tr><th>maps compared</th><th>ℓ1 mean</th><th>ℓ1 median</th><th>Kendall τ mean</th><th>Kendall τ median</th></tr>"
        for (label, net, c) in rows where r[.saliency(net, c, "l1_mean")] != nil {
            h += "<tr><td>\(HTMLReport.esc(label))</td>"
            for q in Metric.saliencyQuantities { h += "<td>\(r[.saliency(net, c, q)].map { String(format: "%.3f", $0) } ?? "–")</td>" }
            h += "</tr>"
        }
        h += "</table><p>\(Int(n)) evenly spread images. ℓ1 is 0 for maps of the same shape and 2 for opposite ones; "
            + "τ is 1 when both maps rank their most important pixels alike.</p>"
        if let said = r.labels["saliency"] { h += "<p class=\"method\">\(HTMLReport.esc(said)).</p>" }
        let grid = r.gallery.filter { $0.section == "saliency" }
        if !grid.isEmpty {
            h += "<p class=\"method\">Heat maps over each image: red raises the explained logit, blue lowers it; each map is drawn "
                + "at its own 99th percentile of |value|. Captions: the discrepancy to the float map (int8) or to the same net's clean map (PGD).</p>"
            h += HTMLGallery.grid(grid)
        }
        return h + "\n"
    }
}
