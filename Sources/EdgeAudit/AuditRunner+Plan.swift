import EdgeCorruptions
import EdgeQuant

extension AuditRunner {
    /// Every metric name this run can produce, derived from the settings and the int8 graph
    /// alone (before any image is touched), so that gates naming a metric the run will not
    /// measure fail in seconds with exit 2 instead of after the audit. Some of these depend
    /// on the data (CW norms need a fooled image; relative CE needs float errors); a gate on
    /// one that ends up missing fails with a reason rather than a usage error.
    public static func plannedMetrics(settings s: AuditSettings, int8: QuantizedGraph, hasSTE: Bool, imageSide: Int,
                                      classNames: [String] = []) -> Set<String> {
        let layers = int8.nodes.dropFirst().map(\.name)
        let probes = int8.nodes.compactMap { n -> String? in if case .conv = n.op { return n.name }; return nil }
        return plannedMetrics(settings: s, layers: layers, probes: probes, hasSTE: hasSTE, imageSide: imageSide, classNames: classNames)
    }

    /// As above from the int8 layer names and the probed (conv/dense) layer names; before an
    /// on-the-fly quantisation, every float node name may serve for both (a superset).
    public static func plannedMetrics(settings s: AuditSettings, layers: [String], probes: [String], hasSTE: Bool, imageSide: Int,
                                      classNames: [String] = []) -> Set<String> {
        var m = cleanMetrics(s, classNames: classNames, hasSTE: hasSTE)
        m += layers.map { .sqnr(layer: $0) } + [.sqnrMin]
        m += attackMetrics(s, hasSTE: hasSTE)
        m += corruptionMetrics(s, imageSide: imageSide)
        m += miMetrics(s, probes: probes, imageSide: imageSide)
        m += saliencyMetrics(s, hasSTE: hasSTE)
        return Set(m.map(\.key))
    }

    /// An accuracy and its interval.
    static func withInterval(_ a: Metric) -> [Metric] { [a, a.interval(.low), a.interval(.high)] }

    /// McNemar's figures of one comparison.
    static func paired(_ path: String) -> [Metric] { ["mcnemar_p", "discordant_float_only", "discordant_int8_only"].map { .agreement(path, $0) } }

    /// Clean accuracy, calibration, per class, temperature scaling, agreement, Fisher.
    static func cleanMetrics(_ s: AuditSettings, classNames: [String], hasSTE: Bool) -> [Metric] {
        var m: [Metric] = []
        for net in Metric.Net.allCases {
            m += withInterval(.clean(net, "accuracy"))
            m += ["ece", "mce", "rmsce", "adaptive_ece", "nll", "brier", "nonfinite_fraction"].map { .clean(net, $0) }
            m += [.headline(net, "accuracy"), .headline(net, "ece")]
            for c in classNames { m += withInterval(.classAccuracy(net, className: c)) }
            if s.temperatureScaling { m += ["temperature", "ece_temperature_scaled", "nll_temperature_scaled"].map { .clean(net, $0) } }
        }
        m.append(.agreement("clean", "argmax_flips"))
        m += paired("clean")
        if s.fisherImages > 0 {
            for net in Metric.Net.allCases where net == .float || hasSTE {
                m += ["spectral_mean", "spectral_median", "frobenius_mean", "frobenius_median", "cckl", "images"].map { .fisher(net, $0) }
            }
        }
        return m
    }

    /// Every attack at every ε, the worst case, CW.
    static func attackMetrics(_ s: AuditSettings, hasSTE: Bool) -> [Metric] {
        var m: [Metric] = []
        for eps in s.eps {
            for attack in ["fgsm", "pgd"] + (s.autoAttackImages > 0 ? ["autoattack"] : []) {
                m += withInterval(.attack(.float, attack, eps: eps, "accuracy")) + withInterval(.attack(.int8, attack, eps: eps, "accuracy"))
                m += [.attack(.int8, attack, eps: eps, "mean_linf"), .attack(.int8, attack, eps: eps, "mean_l2")]
                if hasSTE { m += withInterval(.attack(.int8, attack + "_ste", eps: eps, "accuracy")) }
                m += paired("\(attack).\(Metric.epsKey(eps))")
            }
            if s.autoAttackImages > 0 {
                for c in ["apgd_ce", "apgd_t", "fab_t", "square"] {
                    m.append(.attack(.float, "autoattack", eps: eps, "robust_after_" + c))
                    if hasSTE { m.append(.attack(.int8, "autoattack_ste", eps: eps, "robust_after_" + c)) }
                }
            }
            if s.squareImages > 0 && s.squareQueries > 0 {
                m += withInterval(.attack(.int8, "square", eps: eps, "accuracy")) + [.attack(.int8, "square", eps: eps, "mean_queries")]
            }
            for net in Metric.Net.allCases {
                m += withInterval(.attack(net, "worst_case", eps: eps, "accuracy")) + [.attack(net, "worst_case", eps: eps, "images")]
            }
        }
        if s.cwImages > 0 {
            m += withInterval(.cw(.float, "success_rate")) + withInterval(.cw(.int8, "success_rate"))
            m += [.cw(.float, "median_l2"), .cw(.float, "mean_l2")]
        }
        return m
    }

    /// Every corruption level, the per-kind and overall summaries, mCE.
    static func corruptionMetrics(_ s: AuditSettings, imageSide: Int) -> [Metric] {
        var m: [Metric] = []
        for c in s.corruptions {
            for level in 1...max(1, c.parameters(side: imageSide).count) {
                for net in Metric.Net.allCases {
                    m += withInterval(.corruption(net, c.rawValue, level: level, "accuracy")) + [.corruption(net, c.rawValue, level: level, "ece")]
                }
                m.append(.corruptionParameter(c.rawValue, level: level, name: c.parameterName))
                m += paired("corruption.\(c.rawValue).level_\(level)")
            }
            m += [.corruptionSummary(.float, c.rawValue, "mean_accuracy"), .corruptionSummary(.int8, c.rawValue, "mean_accuracy"),
                  .corruptionSummary(.int8, c.rawValue, "relative_ce"), .corruptionSummary(.float, c.rawValue, "ce"),
                  .corruptionSummary(.int8, c.rawValue, "ce")]
        }
        guard !s.corruptions.isEmpty else { return m }
        m += [.corruptionSummary(.float, nil, "mean_accuracy"), .corruptionSummary(.int8, nil, "mean_accuracy"),
              .corruptionSummary(.int8, nil, "relative_ce")]
        // Present when a baseline model is found (a gate on them fails with a reason otherwise).
        for net in Metric.Net.allCases { m += [.corruptionSummary(net, nil, "mce"), .corruptionSummary(net, nil, "relative_mce")] }
        return m
    }

    /// The saliency discrepancies: clean vs PGD per net, float vs int8 (both need the STE net).
    static func saliencyMetrics(_ s: AuditSettings, hasSTE: Bool) -> [Metric] {
        guard s.saliencyImages > 0 else { return [] }
        var m: [Metric] = [.saliencyImages]
        for q in Metric.saliencyQuantities {
            m.append(.saliency(.float, .cleanVsPGD, q))
            if hasSTE { m += [.saliency(.int8, .cleanVsPGD, q), .saliency(nil, .floatVsInt8, q)] }
        }
        return m
    }

    /// MI of every probe and input (sweeps included), σ² per layer, accuracy/loss per input.
    static func miMetrics(_ s: AuditSettings, probes: [String], imageSide: Int) -> [Metric] {
        guard s.miSamples > 1 else { return [] }
        var m: [Metric] = []
        let inputs = s.miInputNames(side: imageSide)
        for p in probes {
            if s.miSigma2 == nil { m.append(.miSigma2(layer: p)) }
            for input in inputs {
                for est in Metric.miEstimators {
                    m += [.mi(.float, input: input, layer: p, est), .mi(.int8, input: input, layer: p, est), .miDrift(input: input, layer: p, est)]
                }
            }
        }
        for input in inputs {
            for net in Metric.Net.allCases { m += [.miInput(net, input: input, "accuracy"), .miInput(net, input: input, "loss")] }
        }
        return m + [.miDriftMaxAbs, .miSamples]
    }
}
