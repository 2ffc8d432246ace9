import EdgeMetrics
import Foundation

/// The report's inline SVG charts. Every chart has labelled axes with ticks; colours are
/// fixed per series so float and int8 look the same in every chart.
enum HTMLCharts {
    /// One polyline of a chart: legend text, colour, dash pattern (nil: solid), points.
    struct Series {
        var label: String, color: String, dash: String? = nil
        var points: [(Double, Double)]
    }

    static let floatColor = "#1f77b4", int8Color = "#ff7f0e"

    static func esc(_ s: String) -> String { HTMLReport.esc(s) }

    /// A quoted SVG coordinate with one decimal.
    static func q(_ v: Double) -> String { "\"\(String(format: "%.1f", v))\"" }

    static func text(_ x: Double, _ y: Double, _ s: String, size: Int = 11, anchor: String = "middle", extra: String = "") -> String {
        "<text x=\(q(x)) y=\(q(y)) font-size=\"\(size)\" text-anchor=\"\(anchor)\"\(extra)>\(esc(s))</text>"
    }

    static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, _ stroke: String, dash: String? = nil) -> String {
        "<line x1=\(q(x1)) y1=\(q(y1)) x2=\(q(x2)) y2=\(q(y2)) stroke=\"\(stroke)\"\(dash.map { " stroke-dasharray=\"\($0)\"" } ?? "")/>"
    }

    static func open(_ w: Double, _ h: Double, _ label: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(h))\" viewBox=\"0 0 \(Int(w)) \(Int(h))\" role=\"img\" aria-label=\"\(esc(label))\">"
    }

    /// Accuracy (0–100%) against ε, one series per (net, method), with a legend on the right.
    static func accuracyVsEps(_ series: [Series], eps: [Double]) -> String {
        let w = 760.0, ht = 340.0, l = 60.0, r = 260.0, t = 20.0, b = 50.0
        let xMax = max(eps.max() ?? 1, 1e-9)
        func px(_ x: Double) -> Double { l + (w - l - r) * x / xMax }
        func py(_ y: Double) -> Double { t + (ht - t - b) * (1 - y) }
        var s = open(w, ht, "accuracy against epsilon")
        for g in stride(from: 0.0, through: 1.0, by: 0.2) {
            s += line(l, py(g), w - r, py(g), "#eee") + text(l - 8, py(g) + 4, "\(Int((g * 100).rounded()))%", anchor: "end")
        }
        s += line(l, py(0), w - r, py(0), "#444") + line(l, py(0), l, py(1), "#444")
        for x in [0.0] + eps {
            s += line(px(x), py(0), px(x), py(0) + 5, "#444") + text(px(x), py(0) + 18, MetricKey.number(x))
        }
        s += text((l + w - r) / 2, ht - 10, "ε (L∞ radius, pixels in [0, 1])", size: 12)
        s += text(14, (t + ht - b) / 2, "accuracy", size: 12, extra: " transform=\"rotate(-90 14 \(Int((t + ht - b) / 2)))\"")
        for (i, sr) in series.enumerated() {
            let pts = sr.points.map { "\(String(format: "%.1f", px($0.0))),\(String(format: "%.1f", py($0.1)))" }.joined(separator: " ")
            let dash = sr.dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
            s += "<polyline fill=\"none\" stroke=\"\(sr.color)\" stroke-width=\"2\"\(dash) points=\"\(pts)\"/>"
            for p in sr.points { s += "<circle cx=\(q(px(p.0))) cy=\(q(py(p.1))) r=\"3\" fill=\"\(sr.color)\"/>" }
            let ly = t + Double(i) * 20
            s += "<line x1=\(q(w - r + 10)) y1=\(q(ly + 6)) x2=\(q(w - r + 30)) y2=\(q(ly + 6)) stroke=\"\(sr.color)\" stroke-width=\"2\"\(dash)/>"
            s += text(w - r + 36, ly + 10, sr.label, size: 12, anchor: "start")
        }
        return s + "</svg>"
    }

    /// Horizontal bars, float above int8, per corruption kind (mean accuracy over levels).
    static func corruptionBars(_ bars: [(String, Double, Double)]) -> String {
        let rowH = 28.0, l = 130.0, w = 700.0, axis = 40.0
        let ht = Double(bars.count) * rowH + axis + 24
        let span = w - l - 100
        var s = open(w, ht, "mean accuracy under each corruption")
        let yAxis = Double(bars.count) * rowH + 10
        for g in stride(from: 0.0, through: 1.0, by: 0.25) {
            s += line(l + span * g, 6, l + span * g, yAxis, "#eee") + text(l + span * g, yAxis + 14, "\(Int(g * 100))%")
        }
        for (i, (name, f, qv)) in bars.enumerated() {
            let y = 10 + Double(i) * rowH
            s += text(l - 6, y + 15, name, size: 12, anchor: "end")
            s += "<rect x=\(q(l)) y=\(q(y)) width=\(q(span * f)) height=\"11\" fill=\"\(floatColor)\"/>"
            s += "<rect x=\(q(l)) y=\(q(y + 12)) width=\(q(span * qv)) height=\"11\" fill=\"\(int8Color)\"/>"
            s += text(l + span * max(f, qv) + 6, y + 17, String(format: "%.1f%% / %.1f%%", f * 100, qv * 100), anchor: "start")
        }
        s += line(l, yAxis, l + span, yAxis, "#444")
        s += "<rect x=\(q(l)) y=\(q(ht - 16)) width=\"12\" height=\"10\" fill=\"\(floatColor)\"/>" + text(l + 16, ht - 7, "float", size: 12, anchor: "start")
        s += "<rect x=\(q(l + 70)) y=\(q(ht - 16)) width=\"12\" height=\"10\" fill=\"\(int8Color)\"/>" + text(l + 86, ht - 7, "int8", size: 12, anchor: "start")
        return s + "</svg>"
    }

    /// A reliability diagram: per confidence bin, the bar is the accuracy, the red outline
    /// the gap to the mean confidence, the number above it the bin's image count; axes
    /// carry ticks every 0.2 and the diagonal is perfect calibration.
    static func reliability(_ bins: [CalibrationMetrics.Bin], title: String, color: String) -> String {
        let w = 380.0, ht = 380.0, l = 52.0, r = 14.0, t = 34.0, b = 48.0
        let iw = w - l - r, ih = ht - t - b
        func px(_ x: Double) -> Double { l + iw * x }
        func py(_ y: Double) -> Double { t + ih * (1 - y) }
        var s = open(w, ht, title) + text(w / 2, 18, title, size: 13)
        for g in stride(from: 0.0, through: 1.0001, by: 0.2) {
            let lab = String(format: "%.1f", g)
            s += line(px(g), py(0), px(g), py(0) + 5, "#444") + text(px(g), py(0) + 18, lab)
            s += line(l - 5, py(g), l, py(g), "#444") + text(l - 8, py(g) + 4, lab, anchor: "end")
            if g > 0 && g < 1 { s += line(l, py(g), l + iw, py(g), "#f0f0f0") }
        }
        for bin in bins where bin.count > 0 {
            let x0 = px(bin.lower) + 1, bw = max(iw * (bin.upper - bin.lower) - 2, 1)
            let tip = String(format: "confidence %.2f–%.2f: %d images, accuracy %.3f, mean confidence %.3f",
                             bin.lower, bin.upper, bin.count, bin.accuracy, bin.confidence)
            s += "<rect x=\(q(x0)) y=\(q(py(bin.accuracy))) width=\(q(bw)) height=\(q(ih * bin.accuracy)) fill=\"\(color)\" opacity=\"0.85\">"
            s += "<title>\(tip)</title></rect>"
            let top = min(bin.accuracy, bin.confidence), gap = abs(bin.accuracy - bin.confidence)
            if gap > 0.002 {
                s += "<rect x=\(q(x0)) y=\(q(py(top + gap))) width=\(q(bw)) height=\(q(ih * gap)) fill=\"none\" stroke=\"#cf222e\" stroke-width=\"1\"/>"
            }
            s += text(x0 + bw / 2, py(max(bin.accuracy, bin.confidence)) - 3, "\(bin.count)", size: 9)
        }
        s += line(px(0), py(0), px(1), py(1), "#999", dash: "4")
        s += "<rect x=\(q(l)) y=\(q(t)) width=\(q(iw)) height=\(q(ih)) fill=\"none\" stroke=\"#444\"/>"
        s += text(l + iw / 2, ht - 10, "confidence (numbers above bars: images per bin)", size: 11)
        s += text(14, t + ih / 2, "accuracy", size: 11, extra: " transform=\"rotate(-90 14 \(Int(t + ih / 2)))\"")
        return s + "</svg>"
    }

    /// The information plane of one MI input: I(T;X) against I(T;Y) per probed layer, both nets.
    static func infoPlane(_ series: [Series], layers: [String], title: String, ceiling: Double?) -> String {
        let w = 440.0, ht = 330.0, l = 56.0, r = 20.0, t = 30.0, b = 46.0
        // The log2 N ceiling is drawn only when the estimates come near it; otherwise it would
        // squash them into the left of the chart.
        let dataMax = series.flatMap { $0.points.map(\.0) }.max() ?? 0
        let cap = ceiling, ceiling = ceiling.flatMap { dataMax >= 0.6 * $0 ? $0 : nil }
        let xs = series.flatMap { $0.points.map(\.0) } + (ceiling.map { [$0] } ?? [])
        let xMax = max(xs.max() ?? 1, 1e-6) * 1.08, yMax = max(series.flatMap { $0.points.map(\.1) }.max() ?? 1, 1e-6) * 1.08
        func px(_ x: Double) -> Double { l + (w - l - r) * x / xMax }
        func py(_ y: Double) -> Double { t + (ht - t - b) * (1 - y / yMax) }
        var s = open(w, ht, "information plane \(title)") + text(w / 2, 18, title, size: 13)
        for k in 0...4 {
            let gx = xMax / 1.08 * Double(k) / 4, gy = yMax / 1.08 * Double(k) / 4
            s += line(px(gx), py(0), px(gx), py(0) + 5, "#444") + text(px(gx), py(0) + 17, String(format: "%.2f", gx), size: 10)
            s += line(l - 5, py(gy), l, py(gy), "#444") + text(l - 8, py(gy) + 4, String(format: "%.2f", gy), size: 10, anchor: "end")
        }
        s += line(l, py(0), w - r, py(0), "#444") + line(l, py(0), l, t, "#444")
        if let c = ceiling {
            s += line(px(c), t, px(c), py(0), "#cf222e", dash: "3") + text(px(c) - 4, t + 12, "log2 N", size: 10, anchor: "end")
        }
        if ceiling == nil, let cap { s += text(w - r, t + 9, String(format: "ceiling log2 N = %.2f (off scale)", cap), size: 10, anchor: "end") }
        s += text((l + w - r) / 2, ht - 8, "I(T;X) bits", size: 11)
        s += text(14, ht / 2, "I(T;Y) bits", size: 11, extra: " transform=\"rotate(-90 14 \(Int(ht / 2)))\"")
        for sr in series {
            let pts = sr.points.map { "\(String(format: "%.1f", px($0.0))),\(String(format: "%.1f", py($0.1)))" }.joined(separator: " ")
            s += "<polyline fill=\"none\" stroke=\"\(sr.color)\" stroke-width=\"1.5\" points=\"\(pts)\"/>"
            var placed: [(Double, Double)] = []
            for (i, p) in sr.points.enumerated() {
                let name = i < layers.count ? layers[i] : ""
                // Float as rings, int8 as dots: identical estimates stay visible as both.
                let mark = sr.label == "float" ? "r=\"6\" fill=\"none\" stroke=\"\(sr.color)\" stroke-width=\"2\"" : "r=\"3\" fill=\"\(sr.color)\""
                let tip = esc("\(sr.label) \(name): ") + String(format: "(%.3f, %.3f)", p.0, p.1)
                s += "<circle cx=\(q(px(p.0))) cy=\(q(py(p.1))) \(mark)><title>\(tip)</title></circle>"
                guard sr.label == "float" else { continue }
                // Layers whose estimates coincide (a saturated estimator) get stacked labels.
                let same = placed.filter { abs(px($0.0) - px(p.0)) < 8 && abs(py($0.1) - py(p.1)) < 8 }.count
                placed.append(p)
                s += text(px(p.0) - 6, py(p.1) + 14 + Double(same) * 11, name, size: 10, anchor: "end")
            }
        }
        s += "<circle cx=\(q(l + 15)) cy=\(q(t + 5)) r=\"5\" fill=\"none\" stroke=\"\(floatColor)\" stroke-width=\"2\"/>" + text(l + 24, t + 9, "float", anchor: "start")
        s += "<circle cx=\(q(l + 69)) cy=\(q(t + 5)) r=\"3\" fill=\"\(int8Color)\"/>" + text(l + 78, t + 9, "int8", anchor: "start")
        return s + "</svg>"
    }
}
