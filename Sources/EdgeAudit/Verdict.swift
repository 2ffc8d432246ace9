import Foundation

/// The one-line answer at the top of every report, with or without gates: what got worse
/// (or better) from float to int8 beyond chance, by McNemar's test on the same images.
public enum Verdict {
    /// Human-readable name of a comparison path (`pgd.eps_0.1` → `PGD ε=0.1`).
    static func title(_ path: String) -> String {
        let parts = path.split(separator: ".", maxSplits: 1).map(String.init)
        let rest = parts.count > 1 ? parts[1] : ""
        switch parts[0] {
        case "clean": return "clean accuracy"
        case "fgsm", "pgd", "autoattack":
            let name = ["fgsm": "FGSM", "pgd": "PGD", "autoattack": "AutoAttack"][parts[0]] ?? parts[0]
            return name + " " + rest.replacingOccurrences(of: "eps_", with: "ε=")
        case "corruption":
            let c = rest.split(separator: ".").map(String.init)
            return (c.first ?? rest) + " " + (c.count > 1 ? c[1].replacingOccurrences(of: "level_", with: "level ") : "")
        default: return path
        }
    }

    /// The verdict line.
    public static func line(_ r: AuditResults) -> String {
        guard !r.paired.isEmpty else { return "verdict: no float-vs-int8 comparison was run" }
        func pct(_ v: Double) -> String { String(format: "%.1f%%", v * 100) }
        func item(_ c: PairedComparison) -> String {
            "\(title(c.path)) \(pct(c.float)) → \(pct(c.int8)) (p=\(String(format: c.test.pValue < 0.001 ? "%.1e" : "%.3f", c.test.pValue)))"
        }
        let worse = r.paired.filter { $0.significant && $0.int8 < $0.float }
        let better = r.paired.filter { $0.significant && $0.int8 > $0.float }
        if worse.isEmpty && better.isEmpty {
            return "verdict: int8 matches float within chance on all \(r.paired.count) comparisons (McNemar on the same images, Holm-corrected at 5%)"
        }
        var s = "verdict: "
        if !worse.isEmpty {
            s += "int8 is worse than float on \(worse.count) of \(r.paired.count) comparisons (McNemar, Holm-corrected at 5%): " + worse.prefix(5).map(item).joined(separator: "; ")
            if worse.count > 5 { s += "; …" }
        } else {
            s += "int8 is nowhere worse than float beyond chance"
        }
        if !better.isEmpty { s += "; better on \(better.count): " + better.prefix(3).map(item).joined(separator: "; ") }
        return s
    }

    /// Warnings when a sample is too small for the differences the report shows: the clean
    /// accuracy's 95% interval wider than ±2 points, or an attack measured on < 200 images.
    static func sampleWarnings(_ r: AuditResults) -> [String] {
        var out: [String] = []
        if let lo = r[Metric.clean(.int8, "accuracy").interval(.low)], let hi = r[Metric.clean(.int8, "accuracy").interval(.high)],
           hi - lo > 0.04, let c = r.paired.first(where: { $0.path == "clean" }) {
            out.append(String(format: "small sample: clean accuracy on %d images is known only to ±%.1f points (95%% Wilson interval); float/int8 differences below that are not evidence, and a gate against a larger baseline compares noise",
                              c.images, (hi - lo) / 2 * 100))
        }
        let small = r.paired.filter { $0.path != "clean" && !$0.path.hasPrefix("corruption") && $0.images < 200 }
        if let first = small.first {
            out.append("small sample: \(small.count) attack comparison(s) ran on fewer than 200 images (e.g. \(title(first.path)) on \(first.images)); their intervals are wide")
        }
        return out
    }
}
