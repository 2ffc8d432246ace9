import Foundation

/// The numeric sections of report.html: summary, attacks, paired tests, corruptions.
enum HTMLSections {
    static func esc(_ s: String) -> String { HTMLReport.esc(s) }

    static func cell(_ v: ReportFacts.Value?) -> String { "<td>\(v.map { esc($0.text) } ?? "–")</td>" }

    static func delta(_ f: Double?, _ q: Double?, percent: Bool) -> String {
        guard let f, let q else { return "<td>–</td>" }
        return "<td>" + (percent ? String(format: "%+.2f pt", (q - f) * 100) : String(format: "%+.4f", q - f)) + "</td>"
    }

    /// Clean accuracy with intervals, calibration, and how often the nets disagree.
    static func summary(_ report: AuditReport) -> String {
        let r = report.results
        var h = HTMLReport.heading("summary")
        guard r[.clean(.float, "accuracy")] != nil || r[.clean(.int8, "accuracy")] != nil else {
            return h + HTMLReport.notRun(ReportFacts.notRun(r, ["clean"]))
        }
        h += "<table><tr><th>measure (clean images)</th><th>float net</th><th>int8 net (exact engine)</th><th>int8 − float</th></tr>"
        let acc = (ReportFacts.value(r, .clean(.float, "accuracy")), ReportFacts.value(r, .clean(.int8, "accuracy")))
        h += "<tr><td>accuracy [95% Wilson interval]</td>" + cell(acc.0) + cell(acc.1) + delta(acc.0?.value, acc.1?.value, percent: true) + "</tr>"
        let calib: [(String, String)] = [("ECE (\(report.settings.eceBins) bins)", "ece"), ("MCE", "mce"), ("adaptive ECE", "adaptive_ece"),
                                         ("NLL", "nll"), ("Brier", "brier")]
        for (label, q) in calib {
            let f = r[.clean(.float, q)], i = r[.clean(.int8, q)]
            guard f != nil || i != nil else { continue }
            h += "<tr><td>\(esc(label))</td><td>\(f.map { String(format: "%.4f", $0) } ?? "–")</td><td>\(i.map { String(format: "%.4f", $0) } ?? "–")</td>"
            h += delta(f, i, percent: false) + "</tr>"
        }
        h += "</table>" + temperature(r)
        if let flips = r[.agreement("clean", "argmax_flips")] {
            h += "<p>The float and int8 nets predict different classes on <b>\(HTMLReport.pct(flips))</b> of the clean images.</p>"
        }
        return h + "\n"
    }

    /// Temperature scaling (`--temperature-scaling`): T per net and calibration after it.
    static func temperature(_ r: AuditResults) -> String {
        guard r[.clean(.float, "temperature")] != nil || r[.clean(.int8, "temperature")] != nil else {
            return r.skipped["temperature"].map { HTMLReport.notRun("Temperature scaling: not run: \($0)") } ?? ""
        }
        var h = "<h3 id=\"temperature\">Temperature scaling</h3><table><tr><th>measure</th><th>float net</th><th>int8 net</th><th>int8 − float</th></tr>"
        for (label, q, format) in [("temperature T", "temperature", "%.3f"), ("ECE after scaling", "ece_temperature_scaled", "%.4f"),
                                   ("NLL after scaling", "nll_temperature_scaled", "%.4f")] {
            let f = r[.clean(.float, q)], i = r[.clean(.int8, q)]
            h += "<tr><td>\(label)</td><td>\(f.map { String(format: format, $0) } ?? "–")</td><td>\(i.map { String(format: format, $0) } ?? "–")</td>"
            h += delta(f, i, percent: false) + "</tr>"
        }
        return h + "</table>" + (r.labels["temperature"].map { "<p class=\"method\">\(esc($0)).</p>" } ?? "")
    }

    /// Per ε, every attack's accuracy on each net with its method and interval, the
    /// worst case over all of them, CW-L2, and a chart of accuracy against ε.
    static func attacks(_ report: AuditReport) -> String {
        let r = report.results, eps = report.settings.eps
        var h = HTMLReport.heading("attacks")
        let rows = eps.map { ($0, ReportFacts.attackRows(r, eps: $0)) }
        if rows.allSatisfy({ $0.1.isEmpty }) {
            h += HTMLReport.notRun(ReportFacts.notRun(r, ["fgsm", "pgd", "square"]))
        } else {
            h += "<p>Accuracy of each net on adversarial examples, with the 95% interval. <b>white-box</b>: crafted with the float net's own gradients; "
            h += "<b>transfer</b>: crafted on the float net, snapped to the uint8 grid, run on the exact int8 net; <b>ste</b>: crafted through the int8 "
            h += "simulation with straight-through gradients; <b>query</b>: Square attack calling only the int8 net. The <b>worst case</b> row counts an "
            h += "image as robust only if it survives every attack run on that net at that ε.</p>"
            h += "<table><tr><th>ε</th><th class=\"l\">attack</th><th>float accuracy</th><th class=\"l\">float method</th><th>int8 accuracy</th>"
            h += "<th class=\"l\">int8 method</th></tr>"
            for (e, list) in rows {
                for row in list {
                    let cls = row.subject == "worst_case" ? " class=\"worst\"" : ""
                    let title = row.title + (row.imagesText.map { " " + $0 } ?? "")
                    h += "<tr\(cls)><td>\(MetricKey.number(e))</td><td class=\"l\">\(esc(title))</td>" + cell(row.float)
                    h += "<td class=\"l method\">\(row.float == nil ? "" : esc(row.method(.float)))</td>" + cell(row.int8)
                    h += "<td class=\"l method\">\(row.int8 == nil ? "" : esc(row.method(.int8)))</td></tr>"
                }
            }
            h += "</table>"
            h += HTMLCharts.accuracyVsEps(series(r, rows: rows), eps: eps)
            h += labels(r, subjects: Set(rows.flatMap { $0.1.map(\.subject) }))
        }
        // An attack family switched off still gets its line, so its absence is not read as robustness.
        for (stage, name) in [("fgsm", "FGSM"), ("pgd", "PGD"), ("square", "Square (query attack on the int8 net)")] {
            if let why = r.skipped[stage] { h += HTMLReport.notRun("\(name): not run: \(why)") }
        }
        h += carliniWagner(r)
        return h + "\n"
    }

    /// One chart series per (net, attack), starting at the clean accuracy (ε = 0).
    static func series(_ r: AuditResults, rows: [(Double, [ReportFacts.AttackRow])]) -> [HTMLCharts.Series] {
        let floatShades = ["#1f77b4", "#0b3d91", "#6baed6", "#08306b"], int8Shades = ["#ff7f0e", "#d62728", "#9467bd", "#2ca02c", "#8c564b", "#e377c2"]
        var subjects: [String] = []
        for (_, list) in rows { for row in list where !subjects.contains(row.subject) { subjects.append(row.subject) } }
        var out: [HTMLCharts.Series] = []
        for net in [Metric.Net.float, .int8] {
            var k = 0
            for s in subjects {
                var pts: [(Double, Double)] = r[.clean(net, "accuracy")].map { [(0, $0)] } ?? []
                for (e, list) in rows {
                    if let row = list.first(where: { $0.subject == s }), let v = net == .float ? row.float : row.int8 { pts.append((e, v.value)) }
                }
                guard pts.count > 1 else { continue }
                let shades = net == .float ? floatShades : int8Shades
                let color = s == "worst_case" ? "#000000" : shades[k % shades.count]
                if s != "worst_case" { k += 1 }
                // The title already says ste; the worst case covers every method.
                let method = s == "worst_case" ? "all attacks" : ReportFacts.method(net, s)
                let title = ReportFacts.title(s)
                let label = "\(net.rawValue) \(title)" + (title.contains("(\(method))") ? "" : " (\(method))")
                out.append(HTMLCharts.Series(label: label, color: color, dash: net == .float ? nil : "6 3", points: pts))
            }
        }
        return out
    }

    /// What each number means, from the stage descriptions.
    static func labels(_ r: AuditResults, subjects: Set<String>) -> String {
        var items: [(String, String)] = []
        for s in subjects.sorted() {
            for net in [Metric.Net.float, .int8] {
                if let l = ReportFacts.label(r, net, s) { items.append(("\(net.rawValue) \(ReportFacts.title(s))", l)) }
            }
        }
        guard !items.isEmpty else { return "" }
        return "<dl class=\"labels\">" + items.map { "<dt>\(esc($0.0))</dt><dd>\(esc($0.1))</dd>" }.joined() + "</dl>"
    }

    /// Carlini–Wagner L2: success rates (white-box on float, transfer on int8) and norms.
    static func carliniWagner(_ r: AuditResults) -> String {
        var h = "<h3 id=\"cw\">Carlini–Wagner L2 (minimal perturbation)</h3>"
        guard r[.cw(.float, "success_rate")] != nil else { return h + HTMLReport.notRun(ReportFacts.notRun(r, ["cw"])) }
        h += "<table><tr><th class=\"l\">net</th><th class=\"l\">method</th><th>success rate [95%]</th><th>median L2 of successes</th></tr>"
        h += "<tr><td>float</td><td class=\"l method\">white-box</td>" + cell(ReportFacts.value(r, .cw(.float, "success_rate")))
        h += "<td>\(r[.cw(.float, "median_l2")].map { String(format: "%.3f", $0) } ?? "–")</td></tr>"
        h += "<tr><td>int8</td><td class=\"l method\">transfer (the float net's examples, snapped to uint8)</td>"
        h += cell(ReportFacts.value(r, .cw(.int8, "success_rate"))) + "<td>–</td></tr></table>"
        h += "<p class=\"method\">Success rates are over the images the float net classifies correctly; a low int8 rate means the float net's "
        h += "minimal perturbations do not transfer, not that the int8 net is robust.</p>"
        return h
    }

    /// McNemar's test of float vs int8 correctness per comparison; significant rows tinted.
    static func paired(_ report: AuditReport) -> String {
        let r = report.results
        var h = HTMLReport.heading("paired")
        guard !r.paired.isEmpty else { return h + HTMLReport.notRun(ReportFacts.notRun(r, ["clean"])) }
        h += "<p>Both nets on the same images: <i>float only</i> counts images only the float net gets right, <i>int8 only</i> the reverse. "
        h += "McNemar's exact test; rows with p &lt; 0.05 are tinted (red: int8 worse, green: int8 better). int8 attack rows use transferred examples.</p>"
        // Clean, attacks and every significant row stay in view; the many corruption levels
        // that show nothing fold into a <details> (no script needed to open it).
        let shown = r.paired.filter { $0.path == "clean" || !$0.path.hasPrefix("corruption.") || $0.significant }
        h += pairedTable(shown)
        if shown.count < r.paired.count {
            h += "<details><summary>all \(r.paired.count) comparisons, corruption levels included</summary>" + pairedTable(r.paired) + "</details>"
        }
        return h + "\n"
    }

    static func pairedTable(_ list: [PairedComparison]) -> String {
        var h = "<table><tr><th class=\"l\">comparison</th><th>images</th><th>float</th><th>int8</th><th>int8 − float</th><th>float only</th>"
        h += "<th>int8 only</th><th>p</th><th>significant</th></tr>"
        for c in list {
            let cls = c.significant ? (c.int8 < c.float ? " class=\"sig-worse\"" : " class=\"sig-better\"") : ""
            let p = String(format: c.test.pValue < 0.001 ? "%.1e" : "%.3f", c.test.pValue)
            h += "<tr\(cls)><td>\(esc(Verdict.title(c.path)))</td><td>\(c.images)</td><td>\(HTMLReport.pct(c.float))</td><td>\(HTMLReport.pct(c.int8))</td>"
            h += delta(c.float, c.int8, percent: true) + "<td>\(c.test.onlyFirst)</td><td>\(c.test.onlySecond)</td><td>\(p)</td>"
            h += "<td>\(c.significant ? "<b>yes</b>" : "no")</td></tr>"
        }
        return h + "</table>"
    }

    /// ImageNet-C's mCE (errors normalised by a baseline model, `--ce-baseline`) per net,
    /// with the CE of each kind, or why it was not computed.
    static func meanCorruptionError(_ r: AuditResults, kinds: [String]) -> String {
        guard r[.corruptionSummary(.float, nil, "mce")] != nil || r[.corruptionSummary(.int8, nil, "mce")] != nil else {
            return r.skipped["mce"].map { HTMLReport.notRun("mCE: not run: \($0)") } ?? ""
        }
        func f3(_ m: Metric) -> String { "<td>\(r[m].map { String(format: "%.3f", $0) } ?? "–")</td>" }
        var h = "<h3 id=\"mce\">mCE (ImageNet-C, normalised by the baseline model's errors)</h3>"
        h += "<table><tr><th class=\"l\">corruption</th><th>CE float</th><th>CE int8</th></tr>"
        for k in kinds { h += "<tr><td>\(esc(k))</td>" + f3(.corruptionSummary(.float, k, "ce")) + f3(.corruptionSummary(.int8, k, "ce")) + "</tr>" }
        h += "<tr><th class=\"l\">mCE</th>" + f3(.corruptionSummary(.float, nil, "mce")) + f3(.corruptionSummary(.int8, nil, "mce")) + "</tr>"
        h += "<tr><th class=\"l\">relative mCE</th>" + f3(.corruptionSummary(.float, nil, "relative_mce"))
        return h + f3(.corruptionSummary(.int8, nil, "relative_mce")) + "</tr></table>"
    }

    /// Mean accuracy per corruption (bars) and every level with its parameter and intervals.
    static func corruptions(_ report: AuditReport) -> String {
        let r = report.results
        var h = HTMLReport.heading("corruptions")
        var bars: [(String, Double, Double)] = []
        for c in report.settings.corruptions {
            if let f = r[.corruptionSummary(.float, c.rawValue, "mean_accuracy")], let q = r[.corruptionSummary(.int8, c.rawValue, "mean_accuracy")] {
                bars.append((c.rawValue, f, q))
            }
        }
        guard !bars.isEmpty else { return h + HTMLReport.notRun(ReportFacts.notRun(r, ["corruptions"])) }
        h += "<p>Every corrupted image is rounded to 8 bits and fed to both nets (float: float executor; int8: exact engine). Bars: mean accuracy over levels.</p>"
        h += HTMLCharts.corruptionBars(bars)
        if let rce = r[.corruptionSummary(.int8, nil, "relative_ce")] {
            h += "<p>Relative corruption error (int8 errors / float errors, mean over kinds): <b>\(String(format: "%.3f", rce))</b>.</p>"
        }
        h += meanCorruptionError(r, kinds: report.settings.corruptions.map(\.rawValue))
        h += "<details><summary>every level of every corruption: parameter, both accuracies with intervals, ECE</summary>"
        h += "<table><tr><th class=\"l\">corruption</th><th class=\"l\">level: parameter</th><th>float accuracy [95%]</th><th>int8 accuracy [95%]</th>"
        h += "<th>int8 − float</th><th>ECE float / int8</th></tr>"
        for c in report.settings.corruptions {
            for level in 1...20 {
                let f = ReportFacts.value(r, .corruption(.float, c.rawValue, level: level, "accuracy"))
                let q = ReportFacts.value(r, .corruption(.int8, c.rawValue, level: level, "accuracy"))
                guard f != nil || q != nil else { break }
                let p = r[.corruptionParameter(c.rawValue, level: level, name: c.parameterName)].map(MetricKey.number) ?? "?"
                let ece = [Metric.Net.float, .int8].map { r[.corruption($0, c.rawValue, level: level, "ece")].map { String(format: "%.3f", $0) } ?? "–" }
                h += "<tr><td>\(esc(c.rawValue))</td><td class=\"l\">\(level): \(esc(c.parameterName)) = \(esc(p))</td>" + cell(f) + cell(q)
                h += delta(f?.value, q?.value, percent: true) + "<td>\(ece.joined(separator: " / "))</td></tr>"
            }
        }
        return h + "</table></details>\n"
    }
}
