import EdgeCore
import Foundation

/// A self-contained HTML page of an information-plane log: for each input kind and probed
/// layer, the trajectory of (I(T;X), I(T;Y)) over the measured epochs, points coloured by
/// epoch (dark blue → yellow), one row of panels per estimator (KDE upper, KDE lower,
/// binning); then test accuracy and mean Fisher Frobenius norm over epochs. Inline SVG only.
public enum InformationPlanePlot {
    static let w = 230.0, h = 190.0, m = 34.0

    /// The page for `log`.
    public static func html(_ log: InformationPlaneLog) -> String {
        let s = log.settings
        var body = "<h1>Information planes during training</h1>\n<p>" + XMLText.attribute(
            "N = \(s.sampleCount) test images, K = \(s.classes); bits; σ² = \(s.sigma2), λ = \(s.binSize); PGD ε = \(s.eps), \(s.pgdSteps) steps; "
            + "epochs \(log.epochs.first?.epoch ?? 0)–\(log.epochs.last?.epoch ?? 0); colour: epoch (dark = early, yellow = late)") + "</p>\n"
        let estimators: [(String, (LayerInformation) -> (Double, Double))] = [
            ("KDE upper bound", { ($0.kdeUpperITX, $0.kdeUpperITY) }), ("KDE lower bound", { ($0.kdeLowerITX, $0.kdeLowerITY) }),
            ("binning", { ($0.binITX, $0.binITY) })]
        for input in s.inputs {
            for (title, pick) in estimators {
                body += "<h2>" + XMLText.attribute("\(input) inputs, \(title)") + "</h2>\n<div>"
                for layer in s.layers {
                    let pts = log.epochs.compactMap { e in e.inputs[input]?[layer].map { (e.epoch, pick($0)) } }
                    body += panel(layer, pts.map { (Double($0.0), $0.1.0, $0.1.1) }, xMax: log2(Double(max(s.sampleCount, 2))),
                                  yMax: log2(Double(max(s.classes, 2))), xLabel: "I(T;X)", yLabel: "I(T;Y)")
                }
                body += "</div>\n"
            }
        }
        body += "<h2>Accuracy and Fisher information</h2>\n<div>"
        let acc = log.epochs.map { (Double($0.epoch), Double($0.epoch), $0.testAccuracy) }
        let fis = log.epochs.map { (Double($0.epoch), Double($0.epoch), $0.fisherFrobeniusMean) }
        let last = Double(log.epochs.last?.epoch ?? 1)
        body += panel("test accuracy", acc, xMax: last, yMax: 1, xLabel: "epoch", yLabel: "accuracy")
        body += panel("mean ‖F(x)‖_F (clean sample)", fis, xMax: last, yMax: max(fis.map(\.2).filter(\.isFinite).max() ?? 1, 1e-12),
                      xLabel: "epoch", yLabel: "‖F‖_F")
        body += "</div>\n"
        return "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>information planes</title><style>"
            + "body{font-family:sans-serif;margin:1em}svg{margin:4px;background:#fff;border:1px solid #ddd}"
            + "h2{font-size:1em;margin:1em 0 .2em}div{display:flex;flex-wrap:wrap}</style></head><body>\n" + body + "</body></html>\n"
    }

    /// One SVG panel: points (colour key, x, y) joined in order, axes from 0 to the maxima.
    static func panel(_ title: String, _ pts: [(Double, Double, Double)], xMax: Double, yMax: Double,
                      xLabel: String, yLabel: String) -> String {
        let keys = pts.map(\.0)
        let lo = keys.min() ?? 0, hi = keys.max() ?? 1
        let xm = max(xMax, pts.map(\.1).filter(\.isFinite).max() ?? 0, 1e-12)
        let ym = max(yMax, pts.map(\.2).filter(\.isFinite).max() ?? 0, 1e-12)
        func px(_ v: Double) -> Double { m + (v / xm) * (w - m - 8) }
        func py(_ v: Double) -> Double { h - m - (v / ym) * (h - m - 20) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(h))\">"
        svg += "<text x=\"\(m)\" y=\"13\" font-size=\"11\">\(XMLText.attribute(title))</text>"
        svg += "<line x1=\"\(m)\" y1=\"\(h - m)\" x2=\"\(w - 8)\" y2=\"\(h - m)\" stroke=\"#888\"/><line x1=\"\(m)\" y1=\"20\" x2=\"\(m)\" y2=\"\(h - m)\" stroke=\"#888\"/>"
        svg += "<text x=\"\(w - 8)\" y=\"\(h - m + 12)\" font-size=\"9\" text-anchor=\"end\">\(XMLText.attribute(xLabel)) 0–\(fmt(xm))</text>"
        svg += "<text x=\"2\" y=\"28\" font-size=\"9\">\(XMLText.attribute(yLabel))</text><text x=\"2\" y=\"38\" font-size=\"9\">≤ \(fmt(ym))</text>"
        let finite = pts.filter { $0.1.isFinite && $0.2.isFinite }
        if finite.count > 1 {
            svg += "<polyline fill=\"none\" stroke=\"#bbb\" points=\"" + finite.map { "\(fmt(px($0.1))),\(fmt(py($0.2)))" }.joined(separator: " ") + "\"/>"
        }
        for p in finite {
            let t = hi > lo ? (p.0 - lo) / (hi - lo) : 1
            svg += "<circle cx=\"\(fmt(px(p.1)))\" cy=\"\(fmt(py(p.2)))\" r=\"3.5\" fill=\"\(colour(t))\"><title>epoch \(Int(p.0)): (\(fmt(p.1)), \(fmt(p.2)))</title></circle>"
        }
        return svg + "</svg>"
    }

    /// A viridis-like ramp from t = 0 (dark blue) to 1 (yellow).
    static func colour(_ t: Double) -> String {
        let stops: [(Double, Double, Double)] = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)]
        let x = min(max(t, 0), 1) * Double(stops.count - 1)
        let i = min(Int(x), stops.count - 2), f = x - Double(i)
        let c = (0..<3).map { k -> Int in
            let a = [stops[i].0, stops[i].1, stops[i].2][k], b = [stops[i + 1].0, stops[i + 1].1, stops[i + 1].2][k]
            return Int((a + f * (b - a)).rounded())
        }
        return String(format: "#%02x%02x%02x", c[0], c[1], c[2])
    }

    static func fmt(_ v: Double) -> String { String(format: "%.3g", v) }
}
