import Foundation

/// What the HTML report and the terminal summary both say, read from typed metrics (never
/// from metric names): values with their 95% intervals, the attack rows at each ε with the
/// net and method behind each number, and why a stage has no data.
enum ReportFacts {
    /// A fraction with its 95% Wilson interval, when one was stored.
    struct Value {
        var value: Double
        var low: Double?, high: Double?

        /// `88.2% [86.1, 90.0]` (interval bounds in percent, one decimal).
        var text: String {
            let v = String(format: "%.1f%%", value * 100)
            guard let low, let high else { return v }
            return v + String(format: " [%.1f, %.1f]", low * 100, high * 100)
        }
    }

    /// A value and its interval from `r`.
    static func value(_ r: AuditResults, _ m: Metric) -> Value? {
        r[m].map { Value(value: $0, low: r[m.interval(.low)], high: r[m.interval(.high)]) }
    }

    /// One attack at one ε: what each net scored and how the number was obtained.
    struct AttackRow {
        /// The attack variant (`pgd`, `pgd_ste`, `square`, `worst_case`, …).
        var subject: String
        /// Human-readable attack name.
        var title: String
        /// Accuracy of each net, when measured.
        var float: Value?, int8: Value?
        /// Images behind each net's worst case (the ones every attack on that net ran on).
        var floatImages: Int?, int8Images: Int?

        /// `(20 images)`, or `(float 100 / int8 20 images)` when the nets' counts differ.
        var imagesText: String? {
            switch (floatImages, int8Images) {
            case let (f?, q?) where f != q: return "(float \(f) / int8 \(q) images)"
            case let (f?, _): return "(\(f) images)"
            case let (nil, q?): return "(\(q) images)"
            default: return nil
            }
        }

        /// The method of each net's number: white-box, transfer, ste, query, all attacks.
        func method(_ net: Metric.Net) -> String { ReportFacts.method(net, subject) }
        /// Both methods, for one-line tables (`white-box / transfer`).
        var methods: String {
            if subject == "worst_case" { return "all attacks on each net" }
            switch (float, int8) {
            case (.some, .some): return method(.float) == method(.int8) ? method(.float) : "\(method(.float)) / \(method(.int8))"
            case (.some, nil): return method(.float)
            default: return method(.int8)
            }
        }
    }

    /// Order of the known attack variants; any other variant follows, sorted by name.
    static let attackOrder = ["fgsm", "pgd", "apgd_ce", "apgd_dlr", "autoattack", "fgsm_ste", "pgd_ste", "apgd_ce_ste", "autoattack_ste", "square", "worst_case"]

    /// How a net's number for `subject` was obtained. Float numbers are white-box; int8 ones
    /// come from examples crafted on the float net (transfer), through the STE simulation,
    /// or from queries to the int8 engine alone.
    static func method(_ net: Metric.Net, _ subject: String) -> String {
        if subject == "worst_case" { return net == .float ? "worst of white-box" : "worst of transfer, ste, query" }
        if net == .float { return "white-box" }
        if subject.hasSuffix("_ste") { return "ste" }
        if subject == "square" { return "query" }
        return "transfer"
    }

    /// Readable attack name: `pgd_ste` → `PGD (ste)`, `worst_case` → `worst case`.
    static func title(_ subject: String) -> String {
        if subject == "worst_case" { return "worst case" }
        if subject == "square" { return "Square" }
        let ste = subject.hasSuffix("_ste")
        let base = ste ? String(subject.dropLast(4)) : subject
        let name = base == "autoattack" ? "AutoAttack" : base.replacingOccurrences(of: "_", with: "-").uppercased()
        return ste ? "\(name) (ste)" : name
    }

    /// Every attack measured at `eps`, in `attackOrder`, worst case last.
    static func attackRows(_ r: AuditResults, eps: Double) -> [AttackRow] {
        let level = Metric.epsKey(eps)
        var subjects = Set<String>()
        for m in r.values.keys where m.level == level && m.quantity == "accuracy" && m.net != nil {
            if let s = m.subject { subjects.insert(s) }
        }
        let ordered = subjects.sorted { a, b in
            let ia = attackOrder.firstIndex(of: a) ?? (a == "worst_case" ? 99 : 50)
            let ib = attackOrder.firstIndex(of: b) ?? (b == "worst_case" ? 99 : 50)
            return (ia, a) < (ib, b)
        }
        return ordered.map { s in
            AttackRow(subject: s, title: title(s), float: value(r, .attack(.float, s, eps: eps, "accuracy")),
                      int8: value(r, .attack(.int8, s, eps: eps, "accuracy")),
                      floatImages: r[.attack(.float, s, eps: eps, "images")].map { Int($0) },
                      int8Images: r[.attack(.int8, s, eps: eps, "images")].map { Int($0) })
        }
    }

    /// The description stored for a net's attack (`results.labels["int8.pgd"]`).
    static func label(_ r: AuditResults, _ net: Metric.Net, _ subject: String) -> String? {
        r.labels["\(net.rawValue).\(subject)"]
    }

    /// Why a stage has no data: its recorded reason, or that the run did not include it.
    static func notRun(_ r: AuditResults, _ stages: [String]) -> String {
        for s in stages { if let why = r.skipped[s] { return "not run: \(why)" } }
        return "not run: this run did not include the \(stages.joined(separator: "/")) stage"
    }

    /// Class names for tables: the report's, or numbers when it has none.
    static func classNames(_ report: AuditReport) -> [String] {
        let k = report.results.confusion.values.first?.count ?? 0
        if report.classNames.count >= k { return report.classNames }
        return (0..<k).map { "class \($0)" }
    }
}
