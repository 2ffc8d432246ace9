/// The gradient-masking checks of Carlini et al. 2019 ("On evaluating adversarial
/// robustness", §5) that need no extra attack: they read the numbers the audit already has
/// and warn in every report when one fails, because each failure means a gradient attack
/// found less than it should and the robustness numbers flatter the model.
enum MaskingChecks {
    /// Warnings for `r` under `settings`.
    static func notes(_ r: AuditResults, settings s: AuditSettings) -> [String] {
        var out: [String] = []
        let eps = s.eps.sorted()
        for net in Metric.Net.allCases {
            for attack in ["fgsm", "pgd", "autoattack"] {
                // Larger ε must not leave more images robust.
                let accs = eps.compactMap { e in r[.attack(net, attack, eps: e, "accuracy")].map { (e, $0) } }
                for (a, b) in zip(accs, accs.dropFirst()) where b.1 > a.1 + 1e-12 {
                    out.append(String(format: "gradient-masking check: on the %@ net %@ leaves more images robust at ε=%@ (%.2f%%) than at ε=%@ (%.2f%%); a larger budget can never help a correct attack",
                                      net.rawValue, attack, MetricKey.number(b.0), b.1 * 100, MetricKey.number(a.0), a.1 * 100))
                }
            }
            for e in eps {
                // More steps must not do worse: PGD below FGSM, AutoAttack below PGD (same images or a superset).
                let f = r[.attack(net, "fgsm", eps: e, "accuracy")], p = r[.attack(net, "pgd", eps: e, "accuracy")]
                let a = r[.attack(net, "autoattack", eps: e, "accuracy")]
                if let f, let p, p > f + 0.01 {
                    out.append(String(format: "gradient-masking check: on the %@ net at ε=%@ PGD (%d steps) leaves %.2f%% robust, more than one-step FGSM (%.2f%%)",
                                      net.rawValue, MetricKey.number(e), s.pgdSteps, p * 100, f * 100))
                }
                if let p, let a, a > p + 0.02 {
                    out.append(String(format: "gradient-masking check: on the %@ net at ε=%@ AutoAttack leaves %.2f%% robust, more than PGD (%.2f%%)%@",
                                      net.rawValue, MetricKey.number(e), a * 100, p * 100, s.autoAttackIsStandard ? "" : " — its budget is weakened in this profile"))
                }
            }
        }
        return out
    }
}
