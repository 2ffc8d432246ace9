import EdgeCore

/// Release gates: rules over report metrics, e.g.
/// `int8.clean.accuracy >= float.clean.accuracy - 0.005` or
/// `int8.pgd.eps_0.1.accuracy >= baseline - 0.01`. Format: docs/gates.md.
public struct Gate: Sendable, Equatable {
    /// Display name (the rule itself when none is given).
    public var name: String
    /// The rule text.
    public var rule: String
}

/// The outcome of one gate.
public struct GateResult: Sendable {
    /// The gate.
    public var gate: Gate
    /// Whether the rule held.
    public var passed: Bool
    /// Values of the two sides (NaN when a side could not be computed).
    public var lhs: Double, rhs: Double
    /// Why the gate failed without a comparison (a metric that is NaN or was not measured).
    public var reason: String? = nil
}

/// Parses the gates file (a small, documented subset of TOML) and evaluates rules.
public enum Gates {
    /// Parses `[[gate]]` tables with `name = "…"` (optional) and `rule = "…"` (required).
    public static func parse(_ text: String, path: String) throws -> [Gate] {
        var gates: [Gate] = []
        var current: (name: String?, rule: String?)? = nil
        func close(_ line: Int) throws {
            guard let c = current else { return }
            guard let rule = c.rule else { throw EdgeError.usage("\(path):\(line): a [[gate]] without rule = \"…\"") }
            gates.append(Gate(name: c.name ?? rule, rule: rule))
        }
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = n + 1
            var s = raw.trimmingCharacters(in: .whitespaces)
            if s.isEmpty || s.hasPrefix("#") { continue }
            if s == "[[gate]]" {
                try close(line)
                current = (nil, nil)
                continue
            }
            guard let eq = s.firstIndex(of: "=") else { throw EdgeError.usage("\(path):\(line): expected key = \"value\" or [[gate]], got: \(s)") }
            let key = s[..<eq].trimmingCharacters(in: .whitespaces)
            s = s[s.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            // Strip a trailing comment after the closing quote.
            guard s.hasPrefix("\""), let end = s.dropFirst().firstIndex(of: "\"") else {
                throw EdgeError.usage("\(path):\(line): the value of \(key) must be a \"double-quoted string\"")
            }
            let value = String(s[s.index(after: s.startIndex)..<end])
            let rest = s[s.index(after: end)...].trimmingCharacters(in: .whitespaces)
            guard rest.isEmpty || rest.hasPrefix("#") else { throw EdgeError.usage("\(path):\(line): unexpected text after the value: \(rest)") }
            guard current != nil else { throw EdgeError.usage("\(path):\(line): \(key) outside a [[gate]] table") }
            switch key {
            case "name": current?.name = value
            case "rule": current?.rule = value
            default: throw EdgeError.usage("\(path):\(line): unknown key '\(key)' (a gate has name and rule)")
            }
        }
        try close(text.split(separator: "\n", omittingEmptySubsequences: false).count)
        guard !gates.isEmpty else { throw EdgeError.usage("\(path): no [[gate]] tables") }
        return gates
    }

    /// Evaluates a rule: `METRIC OP EXPR`, OP one of >= <= > < ==, EXPR a sum of numbers,
    /// metric names, `baseline` (the same metric in the baseline report) and
    /// `baseline.METRIC`, joined by + and −.
    public static func evaluate(_ gate: Gate, metrics: [String: Double], baseline: [String: Double]?) throws -> GateResult {
        let (left, op, right) = try split(gate)
        guard let lhs = metrics[left] else {
            return GateResult(gate: gate, passed: false, lhs: .nan, rhs: .nan, reason: "\(left) was not measured in this run")
        }
        guard lhs.isFinite else {
            return GateResult(gate: gate, passed: false, lhs: lhs, rhs: .nan, reason: "\(left) is \(lhs) (not a finite number)")
        }
        let rhs: Double
        do { rhs = try expression(right, subject: left, gate: gate, metrics: metrics, baseline: baseline) } catch Missing.metric(let name) {
            return GateResult(gate: gate, passed: false, lhs: lhs, rhs: .nan, reason: "\(name) was not measured in this run")
        }
        guard rhs.isFinite else {
            return GateResult(gate: gate, passed: false, lhs: lhs, rhs: rhs, reason: "the right-hand side is \(rhs) (not a finite number)")
        }
        let passed: Bool
        switch op {
        case ">=": passed = lhs >= rhs
        case "<=": passed = lhs <= rhs
        case ">": passed = lhs > rhs
        case "<": passed = lhs < rhs
        default: passed = lhs == rhs
        }
        return GateResult(gate: gate, passed: passed, lhs: lhs, rhs: rhs)
    }

    /// A metric the run did not produce, found while evaluating (the gate fails, exit 1).
    private enum Missing: Error { case metric(String) }

    /// `rule` with the typographic forms people paste (U+2212 minus, ≥, ≤) as ASCII.
    static func normalized(_ rule: String) -> String {
        rule.replacingOccurrences(of: "\u{2212}", with: "-").replacingOccurrences(of: "\u{2013}", with: "-")
            .replacingOccurrences(of: "≥", with: ">=").replacingOccurrences(of: "≤", with: "<=")
    }

    /// The rule's metric, operator and right-hand expression.
    static func split(_ gate: Gate) throws -> (String, String, String) {
        let rule = normalized(gate.rule)
        let ops = [">=", "<=", "==", ">", "<"]
        guard let op = ops.first(where: { rule.contains($0) }), let r = rule.range(of: op) else {
            throw EdgeError.usage("gate '\(gate.name)': the rule needs one of >= <= > < ==")
        }
        let left = rule[..<r.lowerBound].trimmingCharacters(in: .whitespaces)
        let right = rule[r.upperBound...].trimmingCharacters(in: .whitespaces)
        guard !left.isEmpty else { throw EdgeError.usage("gate '\(gate.name)': no metric before \(op)") }
        guard right.range(of: "[<>=]", options: .regularExpression) == nil else {
            throw EdgeError.usage("gate '\(gate.name)': one comparison per rule")
        }
        return (left, op, right)
    }

    /// Checks every gate before the audit runs: the syntax, that each metric it names is one
    /// the run can produce (`known`), and that a baseline is given when a rule uses one.
    /// Throws `usage` (exit 2) naming the gate and the nearest known names.
    public static func validate(_ gates: [Gate], known: Set<String>, baseline: [String: Double]?) throws {
        let all = Dictionary(uniqueKeysWithValues: known.map { ($0, 0.0) })
        for g in gates {
            let (left, _, right) = try split(g)
            guard known.contains(left) else { throw unknown(left, g, all) }
            _ = try expression(right, subject: left, gate: g, metrics: all, baseline: baseline.map { _ in all }, checkOnly: true)
        }
    }

    private static func expression(_ e: String, subject: String, gate: Gate, metrics: [String: Double], baseline: [String: Double]?,
                                   checkOnly: Bool = false) throws -> Double {
        // Split on + and − that separate terms (not inside numbers such as 1e-3).
        var terms: [(Double, String)] = []
        var sign = 1.0, cur = ""
        let chars = Array(e)
        for (i, ch) in chars.enumerated() {
            if (ch == "+" || ch == "-") && !(i > 0 && (chars[i - 1] == "e" || chars[i - 1] == "E") && cur.first.map({ $0.isNumber || $0 == "." }) == true) {
                let t = cur.trimmingCharacters(in: .whitespaces)
                if !t.isEmpty { terms.append((sign, t)) } else if !terms.isEmpty { throw EdgeError.usage("gate '\(gate.name)': malformed expression '\(e)'") }
                sign = ch == "+" ? 1 : -1
                cur = ""
            } else {
                cur.append(ch)
            }
        }
        let t = cur.trimmingCharacters(in: .whitespaces)
        guard !t.isEmpty else { throw EdgeError.usage("gate '\(gate.name)': malformed expression '\(e)'") }
        terms.append((sign, t))
        var v = 0.0
        for (s, term) in terms {
            if let x = Double(term) { v += s * x; continue }
            if term == "baseline" || term.hasPrefix("baseline.") {
                guard let baseline else { throw EdgeError.usage("gate '\(gate.name)' refers to the baseline; pass --baseline OLD/report.json") }
                let key = term == "baseline" ? subject : String(term.dropFirst("baseline.".count))
                if checkOnly { guard metrics[key] != nil else { throw unknown(key, gate, metrics) }; continue }
                guard let b = baseline[key] else { throw EdgeError.usage("gate '\(gate.name)': the baseline report has no metric '\(key)'") }
                v += s * b
                continue
            }
            guard term.first.map({ $0.isLetter }) == true else {
                throw EdgeError.usage("gate '\(gate.name)': '\(term)' is neither a number nor a metric name")
            }
            guard let m = metrics[term] else {
                if checkOnly { throw unknown(term, gate, metrics) }
                throw Missing.metric(term)
            }
            v += s * m
        }
        return v
    }

    private static func unknown(_ name: String, _ gate: Gate, _ metrics: [String: Double]) -> EdgeError {
        let prefix = name.split(separator: ".").prefix(2).joined(separator: ".")
        let near = metrics.keys.filter { $0.hasPrefix(prefix) }.sorted().prefix(8)
        return EdgeError.usage("gate '\(gate.name)': unknown metric '\(name)'" + (near.isEmpty ? "" : "; similar: \(near.joined(separator: ", "))"))
    }
}

import Foundation
