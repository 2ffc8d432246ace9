import Foundation

/// The per-class, calibration and per-layer sections of report.html.
enum HTMLTables {
    static func esc(_ s: String) -> String { HTMLReport.esc(s) }

    /// Both nets' confusion matrices (rows: true class, columns: predicted) and per-class
    /// accuracy with intervals.
    static func confusion(_ report: AuditReport) -> String {
        let r = report.results
        var h = HTMLReport.heading("confusion")
        guard !r.confusion.isEmpty else { return h + HTMLReport.notRun(ReportFacts.notRun(r, ["clean"])) }
        let names = ReportFacts.classNames(report)
        h += "<p>Clean images; rows are the true class, columns the predicted one; cell shade is the share of the row.</p>"
        h += "<div style=\"display:flex;flex-wrap:wrap;gap:1.5em\">"
        for net in ["float", "int8"] {
            guard let m = r.confusion[net] else { continue }
            h += "<div><h3>\(net) net\(net == "int8" ? " (exact engine)" : "")</h3>" + matrix(m, names: names) + "</div>"
        }
        // Without the report's class names (older callers), the per-class metrics still name
        // their classes: their typed subject is the class name.
        let perClassNames = report.classNames.isEmpty
            ? Set(r.values.keys.compactMap { $0.stage == "clean" && $0.quantity == "accuracy" && $0.subject != "headline" ? $0.subject : nil }).sorted()
            : names
        h += "</div>" + perClass(r, names: perClassNames)
        return h + "\n"
    }

    /// One confusion matrix as a table with row-normalised shading.
    static func matrix(_ m: [[Int]], names: [String]) -> String {
        var h = "<table class=\"cm\"><tr><th class=\"l\">true \\ predicted</th>"
        for j in m.indices { h += "<th title=\"\(esc(name(names, j)))\">\(esc(short(name(names, j))))</th>" }
        h += "<th>images</th></tr>"
        for (i, row) in m.enumerated() {
            let total = max(row.reduce(0, +), 1)
            h += "<tr><th class=\"l\">\(esc(name(names, i)))</th>"
            for (j, c) in row.enumerated() {
                let share = Double(c) / Double(total)
                let bg = c == 0 ? "#ffffff" : (i == j ? "rgba(26,127,55,\(String(format: "%.2f", 0.15 + 0.6 * share)))"
                                                      : "rgba(207,34,46,\(String(format: "%.2f", 0.1 + 0.8 * min(share * 3, 1))))")
                h += "<td style=\"background:\(bg)\">\(c)</td>"
            }
            h += "<td>\(row.reduce(0, +))</td></tr>"
        }
        return h + "</table>"
    }

    static func name(_ names: [String], _ i: Int) -> String { i < names.count ? names[i] : "class \(i)" }

    /// Column headers stay narrow: long class names are cut (the full name is the tooltip).
    static func short(_ s: String) -> String { s.count > 9 ? String(s.prefix(8)) + "…" : s }

    /// Accuracy per class for both nets.
    static func perClass(_ r: AuditResults, names: [String]) -> String {
        var rows = ""
        for n in names {
            let f = ReportFacts.value(r, .classAccuracy(.float, className: n)), q = ReportFacts.value(r, .classAccuracy(.int8, className: n))
            guard f != nil || q != nil else { continue }
            rows += "<tr><td>\(esc(n))</td>" + HTMLSections.cell(f) + HTMLSections.cell(q) + HTMLSections.delta(f?.value, q?.value, percent: true) + "</tr>"
        }
        guard !rows.isEmpty else { return "" }
        return "<h3 id=\"per-class\">Per-class accuracy</h3><table><tr><th class=\"l\">class</th><th>float [95%]</th><th>int8 [95%]</th>"
            + "<th>int8 − float</th></tr>" + rows + "</table>"
    }

    /// Reliability diagrams of the clean predictions, both nets.
    static func calibration(_ report: AuditReport) -> String {
        let r = report.results
        var h = HTMLReport.heading("calibration")
        guard !r.reliability.isEmpty else { return h + HTMLReport.notRun(ReportFacts.notRun(r, ["clean"])) }
        h += "<p>Clean images, \(report.settings.eceBins) equal-width confidence bins. Bars: accuracy per bin; red outline: gap to the bin's mean "
        h += "confidence (what ECE averages, weighted by the counts above the bars); dashed: perfect calibration.</p>"
        for (net, color) in [("float", HTMLCharts.floatColor), ("int8", HTMLCharts.int8Color)] {
            guard let bins = r.reliability[net], let n = Metric.Net(rawValue: net) else { continue }
            let ece = r[.clean(n, "ece")].map { String(format: "%.4f", $0) } ?? "–"
            h += HTMLCharts.reliability(bins, title: "\(net) net: ECE \(ece), \(bins.reduce(0) { $0 + $1.count }) images", color: color)
        }
        return h + "\n"
    }

    /// Per-layer SQNR of the int8 activations.
    static func sqnr(_ report: AuditReport) -> String {
        let r = report.results
        var h = HTMLReport.heading("layers")
        guard !r.sqnr.isEmpty else { return h + HTMLReport.notRun(ReportFacts.notRun(r, ["sqnr"])) }
        h += "<p>Signal-to-quantisation-noise ratio of each int8 layer's dequantised output against the float net's (higher is closer).</p>"
        h += "<table><tr><th class=\"l\">layer</th><th>SQNR (dB)</th></tr>"
        for (l, v) in r.sqnr { h += "<tr><td>\(esc(l))</td><td>\(v.isFinite ? String(format: "%.1f", v) : "exact")</td></tr>" }
        return h + "</table>\n"
    }

    /// The information plane per MI input, the per-layer table, and saturation warnings.
    static func information(_ report: AuditReport) -> String {
        let r = report.results
        var h = HTMLReport.heading("information")
        let layers = r.miLayers
        guard !layers.isEmpty, let n = r[.miSamples] else { return h + HTMLReport.notRun(ReportFacts.notRun(r, ["mi"])) }
        let cap = n > 1 ? log2(n) : nil
        h += "<p>KDE upper bound, \(Int(n)) images. \(esc(r.labels["mi"] ?? ""))</p>"
        var saturated: [String] = []
        for input in r.miInputs {
            for l in layers {
                if let v = r[.mi(.float, input: input, layer: l, "kde_upper_itx")], let cap, v >= cap - 1e-3 { saturated.append("\(input)/\(l)") }
            }
        }
        if let cap, !saturated.isEmpty {
            h += "<div class=\"notes\"><b>Saturated estimates.</b> I(T;X) of \(saturated.count) probe(s) (\(esc(saturated.prefix(8).joined(separator: ", "))))"
            h += " sits at its ceiling log2 N = \(String(format: "%.2f", cap)) bits: the samples are far apart relative to the kernel width, so these "
            h += "estimates cannot separate layers and their drift reads 0. A larger <code>--mi-sigma2</code> (or the per-layer default) resolves them.</div>"
        }
        for input in r.miInputs {
            var series: [HTMLCharts.Series] = []
            for (net, color) in [(Metric.Net.float, HTMLCharts.floatColor), (.int8, HTMLCharts.int8Color)] {
                let pts = layers.compactMap { l -> (Double, Double)? in
                    guard let x = r[.mi(net, input: input, layer: l, "kde_upper_itx")], let y = r[.mi(net, input: input, layer: l, "kde_upper_ity")] else { return nil }
                    return (x, y)
                }
                if !pts.isEmpty { series.append(HTMLCharts.Series(label: net.rawValue, color: color, points: pts)) }
            }
            h += HTMLCharts.infoPlane(series, layers: layers, title: input, ceiling: cap)
        }
        return h + miTable(r, layers: layers) + "\n"
    }

    static func miTable(_ r: AuditResults, layers: [String]) -> String {
        func f3(_ v: Double?) -> String { "<td>\(v.map { String(format: "%.3f", $0) } ?? "–")</td>" }
        var h = "<table><tr><th class=\"l\">input</th><th class=\"l\">layer</th><th>σ²</th><th>I(T;X) float</th><th>I(T;X) int8</th>"
        h += "<th>I(T;Y) float</th><th>I(T;Y) int8</th><th>max |drift| (any estimator)</th></tr>"
        for input in r.miInputs {
            for l in layers {
                let drifts = Metric.miEstimators.compactMap { r[.miDrift(input: input, layer: l, $0)] }
                h += "<tr><td>\(esc(input))</td><td>\(esc(l))</td><td>\(r[.miSigma2(layer: l)].map { String(format: "%.4g", $0) } ?? "fixed")</td>"
                h += f3(r[.mi(.float, input: input, layer: l, "kde_upper_itx")]) + f3(r[.mi(.int8, input: input, layer: l, "kde_upper_itx")])
                h += f3(r[.mi(.float, input: input, layer: l, "kde_upper_ity")]) + f3(r[.mi(.int8, input: input, layer: l, "kde_upper_ity")])
                h += f3(drifts.map(abs).max()) + "</tr>"
            }
        }
        return h + "</table>"
    }
}
