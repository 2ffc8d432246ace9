import EdgeCore
import EdgeMetrics
import Foundation

/// report.html: one self-contained page (inline CSS and SVG, no external assets).
public enum HTMLReport {
    static func esc(_ s: String) -> String {
        XMLText.attribute(s)
    }

    static func pct(_ v: Double?) -> String { v.map { String(format: "%.2f%%", $0 * 100) } ?? "–" }

    /// The page for `report`.
    public static func render(_ report: AuditReport) -> String {
        let m = report.results.metrics
        var h = """
        <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>edge-audit report</title>
        <style>body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px;color:#222}table{border-collapse:collapse;margin:1em 0}
        td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}
        .pass{color:#1a7f37;font-weight:bold}.fail{color:#cf222e;font-weight:bold}svg{background:#fff;border:1px solid #ddd;margin:0.5em}
        .note{background:#fff8c5;padding:0.5em;border-left:4px solid #d4a72c}</style></head><body>
        <h1>edge-audit report</h1>
        <p>Model <code>\(esc(report.modelPath))</code> (sha256 <code>\(report.modelSHA256.prefix(16))…</code>),
        images <code>\(esc(report.imagesPath))</code> (\(report.imageCount) used, \(report.skippedImages) skipped),
        profile <b>\(esc(report.settings.profile))</b>, seed \(report.settings.seed).
        \(report.quantizedOnTheFly ? "The int8 net was quantised during this run (\(esc(report.calibration)))." : "int8 net from the model file (\(esc(report.calibration))).")</p>
        """
        if !report.gates.isEmpty {
            h += "<h2 id=\"gates\">Gates: <span class=\"\(report.passed ? "pass" : "fail")\">\(report.passed ? "all passed" : "FAILED")</span></h2><table><tr><th>gate</th><th>rule</th><th>value</th><th>bound</th><th>result</th></tr>"
            for g in report.gates {
                h += "<tr><td>\(esc(g.gate.name))</td><td><code>\(esc(g.gate.rule))</code></td><td>\(AuditReport.format(g.lhs))</td><td>\(AuditReport.format(g.rhs))</td><td class=\"\(g.passed ? "pass" : "fail")\">\(g.passed ? "pass" : "FAIL" + (g.reason.map { ": " + esc($0) } ?? ""))</td></tr>"
            }
            h += "</table>"
        }
        for n in report.results.notes { h += "<p class=\"note\">\(esc(n))</p>" }
        // Summary
        h += "<h2 id=\"summary\">Summary</h2><table><tr><th>measure</th><th>float</th><th>int8</th><th>int8 − float</th></tr>"
        func row(_ label: String, _ key: String, percent: Bool = true) {
            let f = m["float.\(key)"], q = m["int8.\(key)"]
            let d = (f != nil && q != nil) ? (percent ? String(format: "%+.2f pt", (q! - f!) * 100) : String(format: "%+.4f", q! - f!)) : "–"
            h += "<tr><td>\(esc(label))</td><td>\(percent ? pct(f) : f.map { String(format: "%.4f", $0) } ?? "–")</td><td>\(percent ? pct(q) : q.map { String(format: "%.4f", $0) } ?? "–")</td><td>\(d)</td></tr>"
        }
        row("clean accuracy", "clean.accuracy")
        row("ECE (\(report.settings.eceBins) bins)", "clean.ece", percent: false)
        row("NLL", "clean.nll", percent: false)
        row("Brier", "clean.brier", percent: false)
        for e in report.settings.eps {
            let k = MetricKey.number(e)
            row("FGSM ε=\(k) accuracy", "fgsm.eps_\(k).accuracy")
            row("PGD ε=\(k) accuracy", "pgd.eps_\(k).accuracy")
            if let v = m["int8.pgd_ste.eps_\(k).accuracy"] { h += "<tr><td>PGD ε=\(k) accuracy (ste)</td><td>–</td><td>\(pct(v))</td><td></td></tr>" }
            if let v = m["int8.square.eps_\(k).accuracy"] { h += "<tr><td>Square ε=\(k) accuracy (query)</td><td>–</td><td>\(pct(v))</td><td></td></tr>" }
        }
        if m["float.cw.success_rate"] != nil {
            row("CW-L2 success rate", "cw.success_rate")
            if let l2 = m["float.cw.median_l2"] { h += "<tr><td>CW-L2 median L2 of successful examples</td><td>\(String(format: "%.3f", l2))</td><td>–</td><td></td></tr>" }
        }
        row("mean corruption accuracy", "corruption.mean_accuracy")
        h += "</table><p>int8 attack numbers: FGSM/PGD are <i>transfer</i> (crafted on the float net, snapped to the uint8 grid, evaluated on the exact int8 net) or <i>ste</i> (crafted through the int8 simulation with straight-through gradients); Square is <i>query</i>-only on the int8 net; CW-L2 examples are transferred the same way.</p>"
        if let flips = m["agreement.clean.argmax_flips"] { h += "<p>Float and int8 disagree on \(pct(flips)) of clean images.</p>" }
        // Accuracy vs eps
        h += "<h2 id=\"attacks\">Accuracy under attack</h2>"
        let series: [(String, String, String)] = [("float FGSM", "float.fgsm", "#1f77b4"), ("float PGD", "float.pgd", "#0b3d91"),
                                                  ("int8 FGSM (transfer)", "int8.fgsm", "#ff7f0e"), ("int8 PGD (transfer)", "int8.pgd", "#d62728"),
                                                  ("int8 PGD (ste)", "int8.pgd_ste", "#9467bd"),
                                                  ("int8 Square (query)", "int8.square", "#2ca02c")]
        let xs = [0.0] + report.settings.eps
        var lines: [(String, String, [(Double, Double)])] = []
        for (label, key, color) in series {
            let net = key.hasPrefix("int8") ? "int8" : "float"
            var pts: [(Double, Double)] = []
            if let c = m["\(net).clean.accuracy"] { pts.append((0, c)) }
            for e in report.settings.eps { if let v = m["\(key).eps_\(MetricKey.number(e)).accuracy"] { pts.append((e, v)) } }
            if pts.count > 1 { lines.append((label, color, pts)) }
        }
        h += lineChart(lines, xMax: xs.max() ?? 1, xLabel: "ε (L∞, pixels in [0, 1])", yLabel: "accuracy")
        // Corruptions
        h += "<h2 id=\"corruptions\">Corruptions (mean accuracy over levels)</h2>"
        var bars: [(String, Double, Double)] = []
        for c in report.settings.corruptions {
            if let f = m["float.corruption.\(c.rawValue).mean_accuracy"], let q = m["int8.corruption.\(c.rawValue).mean_accuracy"] { bars.append((c.rawValue, f, q)) }
        }
        h += barChart(bars)
        h += "<table><tr><th>corruption</th><th>level: parameter</th><th>float</th><th>int8</th></tr>"
        for c in report.settings.corruptions {
            for (i, p) in c.parameters(side: 28).enumerated() {
                let k = "corruption.\(c.rawValue).level_\(i + 1)"
                guard m["float.\(k).accuracy"] != nil else { continue }
                h += "<tr><td>\(c.rawValue)</td><td>\(i + 1): \(c.parameterName) = \(MetricKey.number(m["\(k).\(c.parameterName)"] ?? p))</td><td>\(pct(m["float.\(k).accuracy"]))</td><td>\(pct(m["int8.\(k).accuracy"]))</td></tr>"
            }
        }
        h += "</table>"
        // Reliability
        h += "<h2 id=\"calibration\">Reliability diagrams</h2>"
        for net in ["float", "int8"] {
            if let bins = report.results.reliability[net] { h += reliability(bins, title: "\(net): ECE \(String(format: "%.4f", m["\(net).clean.ece"] ?? 0))") }
        }
        // SQNR
        h += "<h2 id=\"layers\">Per-layer SQNR of the int8 activations</h2><table><tr><th>layer</th><th>SQNR (dB)</th></tr>"
        for (l, v) in report.results.sqnr { h += "<tr><td>\(esc(l))</td><td>\(v.isFinite ? String(format: "%.1f", v) : "exact")</td></tr>" }
        h += "</table>"
        // Information plane: I(T;X) vs I(T;Y) per probed layer (KDE upper bound), float and int8.
        if m["mi.drift.max_abs"] != nil {
            h += "<h2 id=\"information\">Information plane (KDE upper bound, bits)</h2><p>\(esc(report.results.labels["mi"] ?? ""))</p>"
            let layers = report.results.miLayers
            if let n = m["mi.samples"], n > 1 {
                let cap = log2(n)
                let all = layers.compactMap { m["float.mi.clean.\($0).kde_upper_itx"] }
                if !all.isEmpty, all.allSatisfy({ abs($0 - cap) < 0.01 }) {
                    h += "<p class=\"note\">Every layer's I(T;X) is at its ceiling log2 N = \(String(format: "%.2f", cap)) bits: with σ² = \(report.settings.miSigma2.map(MetricKey.number) ?? "per layer") the samples are far apart relative to the kernel width, so the estimates cannot separate layers (and drift reads 0). A larger <code>--mi-sigma2</code> (or <code>--mi-bin-size</code>) resolves them.</p>"
                }
            }
            for input in report.settings.miInputs {
                var series: [(String, String, [(Double, Double)])] = []
                for (net, color) in [("float", "#1f77b4"), ("int8", "#ff7f0e")] {
                    let pts = layers.compactMap { l -> (Double, Double)? in
                        guard let x = m["\(net).mi.\(input).\(l).kde_upper_itx"], let y = m["\(net).mi.\(input).\(l).kde_upper_ity"] else { return nil }
                        return (x, y)
                    }
                    if !pts.isEmpty { series.append((net, color, pts)) }
                }
                h += infoPlane(series, layers: layers, title: input)
            }
            h += "<table><tr><th>input</th><th>layer</th><th>I(T;X) float</th><th>I(T;X) int8</th><th>I(T;Y) float</th><th>I(T;Y) int8</th><th>max |drift|</th></tr>"
            for input in report.settings.miInputs {
                for l in layers {
                    let k = "mi.\(input).\(l)"
                    let drifts = ["kde_upper_itx", "kde_upper_ity", "kde_lower_itx", "kde_lower_ity", "bin_itx", "bin_ity"].compactMap { m["mi.drift.\(input).\(l).\($0)"] }
                    h += "<tr><td>\(input)</td><td>\(esc(l))</td>" + ["float.\(k).kde_upper_itx", "int8.\(k).kde_upper_itx", "float.\(k).kde_upper_ity", "int8.\(k).kde_upper_ity"]
                        .map { "<td>\(m[$0].map { String(format: "%.3f", $0) } ?? "–")</td>" }.joined() + "<td>\(String(format: "%.3f", drifts.map(abs).max() ?? 0))</td></tr>"
                }
            }
            h += "</table>"
        }
        h += "<h2 id=\"settings\">Settings</h2><table>"
        for (k, v) in report.settings.described { h += "<tr><td>\(esc(k))</td><td>\(esc(v))</td></tr>" }
        h += "</table></body></html>\n"
        return h
    }

    static func lineChart(_ series: [(String, String, [(Double, Double)])], xMax: Double, xLabel: String, yLabel: String) -> String {
        let w = 640.0, ht = 320.0, l = 60.0, r = 180.0, t = 20.0, b = 50.0
        func px(_ x: Double) -> Double { l + (w - l - r) * x / max(xMax, 1e-9) }
        func py(_ y: Double) -> Double { t + (ht - t - b) * (1 - y) }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(ht))\" role=\"img\" aria-label=\"accuracy vs epsilon\">"
        for g in stride(from: 0.0, through: 1.0, by: 0.2) {
            s += "<line x1=\"\(l)\" y1=\(q(py(g))) x2=\"\(w - r)\" y2=\(q(py(g))) stroke=\"#eee\"/><text x=\"\(l - 8)\" y=\(q(py(g) + 4)) font-size=\"11\" text-anchor=\"end\">\(Int(g * 100))%</text>"
        }
        s += "<line x1=\"\(l)\" y1=\(q(py(0))) x2=\"\(w - r)\" y2=\(q(py(0))) stroke=\"#444\"/><line x1=\"\(l)\" y1=\(q(py(0))) x2=\"\(l)\" y2=\(q(py(1))) stroke=\"#444\"/>"
        s += "<text x=\(q((l + w - r) / 2)) y=\(q(ht - 12)) font-size=\"12\" text-anchor=\"middle\">\(esc(xLabel))</text>"
        var ticks = Set<Double>()
        for (_, _, pts) in series { for p in pts { ticks.insert(p.0) } }
        for x in ticks.sorted() { s += "<text x=\(q(px(x))) y=\(q(py(0) + 16)) font-size=\"11\" text-anchor=\"middle\">\(MetricKey.number(x))</text>" }
        for (i, (label, color, pts)) in series.enumerated() {
            let path = pts.map { "\(String(format: "%.1f", px($0.0))),\(String(format: "%.1f", py($0.1)))" }.joined(separator: " ")
            s += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(path)\"/>"
            for p in pts { s += "<circle cx=\(q(px(p.0))) cy=\(q(py(p.1))) r=\"3\" fill=\"\(color)\"/>" }
            s += "<rect x=\(q(w - r + 10)) y=\(q(t + Double(i) * 20)) width=\"12\" height=\"12\" fill=\"\(color)\"/><text x=\(q(w - r + 28)) y=\(q(t + Double(i) * 20 + 10)) font-size=\"12\">\(esc(label))</text>"
        }
        return s + "</svg>"
    }

    static func infoPlane(_ series: [(String, String, [(Double, Double)])], layers: [String], title: String) -> String {
        let w = 420.0, ht = 320.0, l = 50.0, r = 20.0, t = 30.0, b = 45.0
        let xMax = max(series.flatMap { $0.2.map(\.0) }.max() ?? 1, 1e-6) * 1.05
        let yMax = max(series.flatMap { $0.2.map(\.1) }.max() ?? 1, 1e-6) * 1.05
        func px(_ x: Double) -> Double { l + (w - l - r) * x / xMax }
        func py(_ y: Double) -> Double { t + (ht - t - b) * (1 - y / yMax) }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(ht))\" role=\"img\" aria-label=\"information plane \(esc(title))\">"
        s += "<text x=\(q(w / 2)) y=\"18\" font-size=\"13\" text-anchor=\"middle\">\(esc(title))</text>"
        s += "<line x1=\(q(l)) y1=\(q(py(0))) x2=\(q(w - r)) y2=\(q(py(0))) stroke=\"#444\"/><line x1=\(q(l)) y1=\(q(py(0))) x2=\(q(l)) y2=\(q(t)) stroke=\"#444\"/>"
        s += "<text x=\(q((l + w - r) / 2)) y=\(q(ht - 10)) font-size=\"11\" text-anchor=\"middle\">I(T;X) bits (max \(String(format: "%.2f", xMax / 1.05)))</text>"
        s += "<text x=\"12\" y=\(q(ht / 2)) font-size=\"11\" transform=\"rotate(-90 12 \(Int(ht / 2)))\" text-anchor=\"middle\">I(T;Y) bits (max \(String(format: "%.2f", yMax / 1.05)))</text>"
        for (label, color, pts) in series {
            s += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\" points=\"\(pts.map { "\(String(format: "%.1f", px($0.0))),\(String(format: "%.1f", py($0.1)))" }.joined(separator: " "))\"/>"
            var placed: [(Double, Double)] = []
            for (i, p) in pts.enumerated() {
                s += "<circle cx=\(q(px(p.0))) cy=\(q(py(p.1))) r=\"4\" fill=\"\(color)\"><title>\(esc(label)) \(esc(i < layers.count ? layers[i] : "")): (\(String(format: "%.3f", p.0)), \(String(format: "%.3f", p.1)))</title></circle>"
                if label == "float", i < layers.count {
                    // Layers whose estimates coincide (a saturated estimator) get stacked labels.
                    let same = placed.filter { abs(px($0.0) - px(p.0)) < 8 && abs(py($0.1) - py(p.1)) < 8 }.count
                    placed.append(p)
                    s += "<text x=\(q(px(p.0) - 6)) y=\(q(py(p.1) + 14 + Double(same) * 11)) font-size=\"10\" text-anchor=\"end\">\(esc(layers[i]))</text>"
                }
            }
        }
        s += "<rect x=\(q(l + 10)) y=\(q(t)) width=\"10\" height=\"10\" fill=\"#1f77b4\"/><text x=\(q(l + 24)) y=\(q(t + 9)) font-size=\"11\">float</text>"
        s += "<rect x=\(q(l + 60)) y=\(q(t)) width=\"10\" height=\"10\" fill=\"#ff7f0e\"/><text x=\(q(l + 74)) y=\(q(t + 9)) font-size=\"11\">int8</text>"
        return s + "</svg>"
    }

    static func barChart(_ bars: [(String, Double, Double)]) -> String {
        let rowH = 26.0, l = 120.0, w = 640.0
        let ht = Double(bars.count) * rowH + 40
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(ht))\" role=\"img\" aria-label=\"corruption accuracy\">"
        for (i, (name, f, qv)) in bars.enumerated() {
            let y = 10 + Double(i) * rowH
            s += "<text x=\(q(l - 6)) y=\(q(y + 14)) font-size=\"12\" text-anchor=\"end\">\(esc(name))</text>"
            s += "<rect x=\(q(l)) y=\(q(y)) width=\(q((w - l - 80) * f)) height=\"10\" fill=\"#1f77b4\"/>"
            s += "<rect x=\(q(l)) y=\(q(y + 11)) width=\(q((w - l - 80) * qv)) height=\"10\" fill=\"#ff7f0e\"/>"
            s += "<text x=\(q(l + (w - l - 80) * max(f, qv) + 4)) y=\(q(y + 16)) font-size=\"11\">\(String(format: "%.1f / %.1f%%", f * 100, qv * 100))</text>"
        }
        s += "<rect x=\(q(l)) y=\(q(ht - 22)) width=\"12\" height=\"10\" fill=\"#1f77b4\"/><text x=\(q(l + 16)) y=\(q(ht - 13)) font-size=\"12\">float</text>"
        s += "<rect x=\(q(l + 70)) y=\(q(ht - 22)) width=\"12\" height=\"10\" fill=\"#ff7f0e\"/><text x=\(q(l + 86)) y=\(q(ht - 13)) font-size=\"12\">int8</text>"
        return s + "</svg>"
    }

    static func reliability(_ bins: [CalibrationMetrics.Bin], title: String) -> String {
        let size = 300.0, m = 40.0
        let inner = size - 2 * m
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(size))\" height=\"\(Int(size + 20))\" role=\"img\" aria-label=\"\(esc(title))\">"
        s += "<text x=\(q(size / 2)) y=\"16\" font-size=\"13\" text-anchor=\"middle\">\(esc(title))</text>"
        s += "<line x1=\(q(m)) y1=\(q(m + inner)) x2=\(q(m + inner)) y2=\(q(m)) stroke=\"#999\" stroke-dasharray=\"4\"/>"
        let bw = inner / Double(max(bins.count, 1))
        for (i, b) in bins.enumerated() where b.count > 0 {
            let x = m + Double(i) * bw
            s += "<rect x=\(q(x + 1)) y=\(q(m + inner * (1 - b.accuracy))) width=\(q(bw - 2)) height=\(q(inner * b.accuracy)) fill=\"#1f77b4\" opacity=\"0.8\"/>"
        }
        s += "<rect x=\(q(m)) y=\(q(m)) width=\(q(inner)) height=\(q(inner)) fill=\"none\" stroke=\"#444\"/>"
        s += "<text x=\(q(size / 2)) y=\(q(size - 8)) font-size=\"11\" text-anchor=\"middle\">confidence</text>"
        s += "<text x=\"12\" y=\(q(size / 2)) font-size=\"11\" transform=\"rotate(-90 12 \(Int(size / 2)))\" text-anchor=\"middle\">accuracy</text>"
        return s + "</svg>"
    }

    private static func q(_ v: Double) -> String { "\"\(String(format: "%.1f", v))\"" }
}
