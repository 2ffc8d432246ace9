import EdgeCore
import Foundation

/// `edge-audit attack`'s output: a JSON document or an aligned table.
public enum AttackReportText {
    /// The JSON document: the run's settings and one object per ε (fields in a fixed order,
    /// numbers `%.6f`; `seconds` and `craft_seconds` are timings).
    public static func json(_ o: AttackOutcome) -> String {
        let r = o.request
        var out = "{\n  \"attack\": \(JSONText.quote(r.attack.rawValue)),\n  \"net\": \(JSONText.quote(r.net.rawValue)),\n"
        out += "  \"mode\": \(JSONText.quote(r.net == .int8 ? r.mode.rawValue : "white-box")),\n"
        out += "  \"label\": \(JSONText.quote(r.label)),\n  \"images\": \(o.images),\n  \"seed\": \(r.seed),\n"
        out += "  \"targeted\": \(r.targeted),\n  \"results\": [\n"
        out += o.rows.map { row in "    {" + fields(row, square: r.attack == .square, images: o.images, judgedOn: r.net == .int8 && r.mode == .ste ? "int8" : "float").joined(separator: ", ") + "}" }
            .joined(separator: ",\n")
        return out + "\n  ]\n}"
    }

    /// The `"name": value` pairs of one row.
    static func fields(_ row: AttackRow, square: Bool, images n: Int, judgedOn: String = "float") -> [String] {
        let f6 = CommandText.f6
        var f = ["\"eps\": \(MetricKey.number(row.eps))", "\"robust_accuracy\": \(f6(row.accuracy))", "\"success_rate\": \(f6(row.success))",
                 "\"mean_linf\": \(f6(row.meanLinf))", "\"median_linf\": \(f6(row.medianLinf))",
                 "\"mean_l2\": \(f6(row.meanL2))", "\"median_l2\": \(f6(row.medianL2))"]
        if square { f.append("\"mean_queries\": \(String(format: "%.2f", row.queries))") }
        if !row.matrix.isEmpty {
            f.append("\"transfer_matrix\": {" + row.matrix.keys.sorted().map { "\"\($0)\": \(f6(row.matrix[$0] ?? 0))" }.joined(separator: ", ") + "}")
        }
        if let note = row.note { f.append("\"warning\": \(JSONText.quote(note))") }
        if let b = row.perAttack {
            // Which net judged each component (transfer: the float net it was crafted on).
            f.append("\"per_attack_judged_on\": \(JSONText.quote(judgedOn))")
            f.append("\"per_attack\": " + perAttack(b, images: n))
        }
        f.append("\"seconds\": \(String(format: "%.3f", row.seconds))")
        f.append("\"craft_seconds\": \(String(format: "%.3f", row.craftSeconds))")
        return f
    }

    /// `[{"attack": …, "robust_accuracy_after": …, "steps": …, …}, …]`: the clean count,
    /// then each component with its budget (and why it was skipped).
    public static func perAttack(_ t: AutoAttackTally, images n: Int) -> String {
        let rows = [#"{"attack": "clean", "robust_accuracy_after": \#(CommandText.f6(Double(t.clean) / Double(max(n, 1))))}"#]
            + t.steps.map { s in
                var f = #"{"attack": "\#(s.name.rawValue)", "robust_accuracy_after": \#(CommandText.f6(Double(s.robustAfter) / Double(max(n, 1))))"#
                f += #", "steps": \#(s.budget.steps), "restarts": \#(s.budget.restarts), "target_classes": \#(s.budget.targetClasses), "queries": \#(s.budget.queries)"#
                if let why = s.skipped { f += #", "skipped": \#(JSONText.quote(why))"# }
                return f + "}"
            }
        return "[" + rows.joined(separator: ", ") + "]"
    }

    /// The table: a title line (attack, label, images, seed), a header, one line per ε, and
    /// under it the transfer matrix, the masking warning and AutoAttack's breakdown.
    public static func table(_ o: AttackOutcome) -> String {
        let r = o.request, square = r.attack == .square
        func cell(_ s: String, _ w: Int) -> String { CommandText.pad(s, w, right: true) }
        var lines = ["\(r.attack.rawValue)\(r.targeted ? " (targeted)" : "") — \(r.label); \(o.images) images, seed \(r.seed)"]
        lines.append(CommandText.pad("eps", 8) + cell("robust acc", 11) + cell("success", 9) + cell("mean L∞", 9) + cell("med L∞", 9)
                     + cell("mean L2", 9) + cell("med L2", 9) + (square ? cell("queries", 9) : "") + cell("time", 8))
        for row in o.rows {
            lines.append(CommandText.pad(MetricKey.number(row.eps), 8) + cell(CommandText.percent(row.accuracy), 11)
                         + cell(CommandText.percent(row.success), 9)
                         + cell(String(format: "%.4f", row.meanLinf), 9) + cell(String(format: "%.4f", row.medianLinf), 9)
                         + cell(String(format: "%.3f", row.meanL2), 9) + cell(String(format: "%.3f", row.medianL2), 9)
                         + (square ? cell(String(format: "%.1f", row.queries), 9) : "") + cell(String(format: "%.1fs", row.seconds), 8))
            if !row.matrix.isEmpty {
                func m(_ k: String) -> String { CommandText.percent(row.matrix[k] ?? 0) }
                lines.append("         transfer matrix (uint8 grid): float→float \(m("crafted_float.eval_float")), float→int8 \(m("crafted_float.eval_int8")), "
                             + "int8(ste)→float \(m("crafted_int8_ste.eval_float")), int8(ste)→int8 \(m("crafted_int8_ste.eval_int8"))")
            }
            if let note = row.note { lines.append("         " + note) }
            if let b = row.perAttack { lines.append("         per attack: " + perAttack(b, images: o.images)) }
        }
        return lines.joined(separator: "\n")
    }
}
