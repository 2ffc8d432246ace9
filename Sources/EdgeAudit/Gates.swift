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
    /// Values of the two sides.
    public var lhs: Double, rhs: Double
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
        let ops = [">=", "<=", "==", ">", "<"]
        guard let op = ops.first(where: { gate.rule.contains($0) }), let r = gate.rule.range(of: op) else {
            throw EdgeError.usage("gate '\(gate.name)': the rule needs one of >= <= > < ==")
        }
        let left = gate.rule[..<r.lowerBound].trimmingCharacters(in: .whitespaces)
        let right = gate.rule[r.upperBound...].trimmingCharacters(in: .whitespaces)
        guard let lhs = metrics[left] else { throw unknown(left, gate, metrics) }
        let rhs = try expression(right, subject: left, gate: gate, metrics: metrics, baseline: baseline)
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

    private static func expression(_ e: String, subject: String, gate: Gate, metrics: [String: Double], baseline: [String: Double]?) throws -> Double {
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
                guard let b = baseline[key] else { throw EdgeError.usage("gate '\(gate.name)': the baseline report has no metric '\(key)'") }
                v += s * b
                continue
            }
            guard let m = metrics[term] else { throw unknown(term, gate, metrics) }
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
