import EdgeCorruptions
import Foundation

/// `edge-audit evaluate`'s output: accuracy and ECE per corruption and level.
public enum EvaluateReportText {
    /// The shown nets' metrics and the corruption metrics, sorted by name, as one flat JSON
    /// object (`%.6f`); with one net, the int8/float ratios are left out.
    public static func json(_ r: AuditResults, request q: EvaluateRequest) -> String {
        let m = r.metrics
        var keys = m.keys.filter { k in q.nets.contains { k.hasPrefix("\($0).") } || k.hasPrefix("corruption.") }.sorted()
        if !q.both { keys.removeAll { $0.hasSuffix("relative_ce") } }
        return "{\n" + keys.map { "  \"\($0)\": \(CommandText.f6(m[$0] ?? 0))" }.joined(separator: ",\n") + "\n}"
    }

    /// One line for clean and per (corruption, level) with each net's accuracy and ECE;
    /// with both nets, the int8/float corruption error per corruption and its mean.
    /// `side` is min(height, width) of the images (it sets some corruptions' parameters).
    public static func table(_ r: AuditResults, request q: EvaluateRequest, side: Int) -> String {
        let m = r.metrics, pad = CommandText.pad
        var header = pad("corruption", 16, false) + pad("level", 6, false) + pad("parameter", 16, false)
        for n in q.nets { header += pad("\(n) acc", 10, true) + pad("\(n) ECE", 10, true) }
        var lines = [header]
        func line(_ a: String, _ b: String, _ c: String, _ key: String) {
            var l = pad(a, 16, false) + pad(b, 6, false) + pad(c, 16, false)
            for n in q.nets {
                l += pad(CommandText.percent(m["\(n).\(key).accuracy"] ?? 0), 10, true)
                l += pad(String(format: "%.4f", m["\(n).\(key).ece"] ?? 0), 10, true)
            }
            lines.append(l)
        }
        line("clean", "-", "-", "clean")
        for c in q.settings.corruptions {
            for (i, p) in c.parameters(side: side).enumerated() {
                line(c.rawValue, "\(i + 1)", "\(c.parameterName)=\(MetricKey.number(p))", "corruption.\(c.rawValue).level_\(i + 1)")
            }
            if q.both, let ce = m["int8.corruption.\(c.rawValue).relative_ce"] {
                lines.append(pad("", 22, false) + String(format: "CE int8/float = %.3f", ce))
            }
        }
        if q.both, let ce = m["int8.corruption.relative_ce"] {
            lines.append(String(format: "mean CE int8/float over corruptions: %.3f", ce))
        }
        return lines.joined(separator: "\n")
    }
}
