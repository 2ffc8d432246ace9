import EdgeCorruptions
import EdgeQuant

extension AuditRunner {
    /// Every metric name this run can produce, derived from the settings and the int8 graph
    /// alone (before any image is touched), so that gates naming a metric the run will not
    /// measure fail in seconds with exit 2 instead of after the audit. Some of these depend
    /// on the data (CW norms need a fooled image; relative CE needs float errors); a gate on
    /// one that ends up missing fails with a reason rather than a usage error.
    public static func plannedMetrics(settings s: AuditSettings, int8: QuantizedGraph, hasSTE: Bool, imageSide: Int) -> Set<String> {
        let layers = int8.nodes.dropFirst().map(\.name)
        let probes = int8.nodes.compactMap { n -> String? in if case .conv = n.op { return n.name }; return nil }
        return plannedMetrics(settings: s, layers: layers, probes: probes, hasSTE: hasSTE, imageSide: imageSide)
    }

    /// As above from the int8 layer names and the probed (conv/dense) layer names; before an
    /// on-the-fly quantisation, every float node name may serve for both (a superset).
    public static func plannedMetrics(settings s: AuditSettings, layers: [String], probes: [String], hasSTE: Bool, imageSide: Int) -> Set<String> {
        var m = Set<String>()
        for net in ["float", "int8"] {
            for q in ["accuracy", "ece", "mce", "rmsce", "adaptive_ece", "nll", "brier"] { m.insert("\(net).clean.\(q)") }
            m.insert("\(net).accuracy"); m.insert("\(net).ece"); m.insert("\(net).clean.nonfinite_fraction")
        }
        m.insert("agreement.clean.argmax_flips")
        for n in layers { m.insert("int8.sqnr.\(n).db") }
        m.insert("int8.sqnr.min_db")
        for eps in s.eps {
            let key = "eps_\(MetricKey.number(eps))"
            for attack in ["fgsm", "pgd"] {
                m.insert("float.\(attack).\(key).accuracy")
                for q in ["accuracy", "mean_linf", "mean_l2"] { m.insert("int8.\(attack).\(key).\(q)") }
                if hasSTE { m.insert("int8.\(attack)_ste.\(key).accuracy") }
            }
            if s.squareImages > 0 && s.squareQueries > 0 {
                m.insert("int8.square.\(key).accuracy"); m.insert("int8.square.\(key).mean_queries")
            }
        }
        if s.cwImages > 0 {
            for k in ["float.cw.success_rate", "int8.cw.success_rate", "float.cw.median_l2", "float.cw.mean_l2"] { m.insert(k) }
        }
        for c in s.corruptions {
            for level in 1...max(1, c.parameters(side: imageSide).count) {
                let key = "corruption.\(c.rawValue).level_\(level)"
                for net in ["float", "int8"] { m.insert("\(net).\(key).accuracy"); m.insert("\(net).\(key).ece") }
                m.insert("\(key).\(c.parameterName)")
            }
            m.insert("float.corruption.\(c.rawValue).mean_accuracy"); m.insert("int8.corruption.\(c.rawValue).mean_accuracy")
            m.insert("int8.corruption.\(c.rawValue).relative_ce")
        }
        if !s.corruptions.isEmpty {
            m.insert("float.corruption.mean_accuracy"); m.insert("int8.corruption.mean_accuracy"); m.insert("int8.corruption.relative_ce")
        }
        if s.miSamples > 1 {
            for input in s.miInputs {
                for p in probes {
                    for est in ["kde_upper_itx", "kde_upper_ity", "kde_lower_itx", "kde_lower_ity", "bin_itx", "bin_ity"] {
                        m.insert("float.mi.\(input).\(p).\(est)"); m.insert("int8.mi.\(input).\(p).\(est)"); m.insert("mi.drift.\(input).\(p).\(est)")
                    }
                }
            }
            m.insert("mi.drift.max_abs"); m.insert("mi.samples")
        }
        return m
    }
}
