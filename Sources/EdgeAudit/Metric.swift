/// One measured quantity of an audit, typed. This file is the only place a metric name is
/// spelled: stages create metrics through the constructors below, gates and the flat
/// `results` map of report.json read `key`, and renderers match on the typed fields.
/// Names are those of docs/report-schema.md (unchanged from the untyped version).
public struct Metric: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The network a value belongs to (nil: both, e.g. float→int8 agreement, or neither).
    public enum Net: String, Sendable, Codable, CaseIterable {
        /// The float network (white-box).
        case float
        /// The exact integer network.
        case int8
    }

    /// What a value is measured in.
    public enum Unit: String, Sendable, Codable {
        /// A fraction in [0, 1] (accuracies, success rates, ECE).
        case fraction
        /// Decibels.
        case decibel
        /// Bits (mutual information).
        case bits
        /// Pixel units of an image in [0, 1] (perturbation norms).
        case pixel
        /// A count of images or queries.
        case count
        /// A ratio of two quantities (relative corruption error) or a figure without unit.
        case ratio
        /// A probability (p-values).
        case probability
    }

    /// The audit stage that measures it (the second name component for net metrics).
    public let stage: String
    /// The network, when the value belongs to one.
    public let net: Net?
    /// The attack variant, corruption kind, MI input or layer the value is about.
    public let subject: String?
    /// The ε (`eps_0.1`) or severity (`level_3`) component, when there is one.
    public let level: String?
    /// The layer (MI, SQNR), when there is one.
    public let layer: String?
    /// The quantity's own name (`accuracy`, `ece`, `kde_upper_itx`, …).
    public let quantity: String
    /// Its unit.
    public let unit: Unit
    /// The flat name gates and report.json use.
    public let key: String

    init(key: String, stage: String, net: Net?, subject: String? = nil, level: String? = nil, layer: String? = nil,
         quantity: String, unit: Unit) {
        self.key = key; self.stage = stage; self.net = net; self.subject = subject; self.level = level
        self.layer = layer; self.quantity = quantity; self.unit = unit
    }

    /// The flat name.
    public var description: String { key }
    /// Equality and order follow the flat name (it is unique per metric).
    public static func == (a: Metric, b: Metric) -> Bool { a.key == b.key }
    /// Hashes the flat name.
    public func hash(into h: inout Hasher) { h.combine(key) }
    /// Sorted by flat name.
    public static func < (a: Metric, b: Metric) -> Bool { a.key < b.key }

    /// The unit of a quantity name used by several families.
    static func unit(of quantity: String) -> Unit {
        switch quantity {
        case "db", "min_db": return .decibel
        case "mean_linf", "mean_l2", "median_l2": return .pixel
        case "mean_queries", "samples", "images", "discordant_float_only", "discordant_int8_only": return .count
        case "nll", "relative_ce", "ce", "mce", "relative_mce", "temperature", "sigma2": return .ratio
        case "mcnemar_p": return .probability
        default: return .fraction
        }
    }

    /// The ε component as written in names (`eps_0.05`).
    public static func epsKey(_ eps: Double) -> String { "eps_\(MetricKey.number(eps))" }
}

extension Metric {
    // MARK: - Clean accuracy and calibration

    /// `<net>.clean.<quantity>` (accuracy, ece, mce, rmsce, adaptive_ece, nll, brier, nonfinite_fraction).
    public static func clean(_ net: Net, _ quantity: String) -> Metric {
        Metric(key: "\(net.rawValue).clean.\(quantity)", stage: "clean", net: net, quantity: quantity, unit: unit(of: quantity))
    }

    /// The headline `<net>.accuracy` / `<net>.ece` (the same values as the clean ones).
    public static func headline(_ net: Net, _ quantity: String) -> Metric {
        Metric(key: "\(net.rawValue).\(quantity)", stage: "clean", net: net, subject: "headline", quantity: quantity, unit: unit(of: quantity))
    }

    /// `<net>.clean.class.<name>.accuracy`: accuracy on the images of one class.
    public static func classAccuracy(_ net: Net, className: String) -> Metric {
        Metric(key: "\(net.rawValue).clean.class.\(className).accuracy", stage: "clean", net: net, subject: className,
               quantity: "accuracy", unit: .fraction)
    }

    /// `agreement.<stage…>.<quantity>`: float vs int8 on the same images (argmax flips,
    /// McNemar's p-value and discordant counts). `path` is e.g. `clean`, `pgd.eps_0.1`.
    public static func agreement(_ path: String, _ quantity: String) -> Metric {
        Metric(key: "agreement.\(path).\(quantity)", stage: "agreement", net: nil, subject: path, quantity: quantity, unit: unit(of: quantity))
    }

    // MARK: - SQNR

    /// `int8.sqnr.<layer>.db`.
    public static func sqnr(layer: String) -> Metric {
        Metric(key: "int8.sqnr.\(layer).db", stage: "sqnr", net: .int8, layer: layer, quantity: "db", unit: .decibel)
    }

    /// `int8.sqnr.min_db`: the lowest layer SQNR.
    public static let sqnrMin = Metric(key: "int8.sqnr.min_db", stage: "sqnr", net: .int8, quantity: "min_db", unit: .decibel)

    // MARK: - Attacks

    /// `<net>.<attack>.eps_<ε>.<quantity>`; `attack` is fgsm, pgd, fgsm_ste, pgd_ste, square,
    /// worst_case, ….
    public static func attack(_ net: Net, _ attack: String, eps: Double, _ quantity: String) -> Metric {
        Metric(key: "\(net.rawValue).\(attack).\(epsKey(eps)).\(quantity)", stage: attack, net: net, subject: attack,
               level: epsKey(eps), quantity: quantity, unit: unit(of: quantity))
    }

    /// `<net>.cw.<quantity>` (success_rate, median_l2, mean_l2).
    public static func cw(_ net: Net, _ quantity: String) -> Metric {
        Metric(key: "\(net.rawValue).cw.\(quantity)", stage: "cw", net: net, subject: "cw", quantity: quantity, unit: unit(of: quantity))
    }

    // MARK: - Corruptions

    /// `<net>.corruption.<kind>.level_<l>.<quantity>` (accuracy, ece).
    public static func corruption(_ net: Net, _ kind: String, level: Int, _ quantity: String) -> Metric {
        Metric(key: "\(net.rawValue).corruption.\(kind).level_\(level).\(quantity)", stage: "corruption", net: net, subject: kind,
               level: "level_\(level)", quantity: quantity, unit: unit(of: quantity))
    }

    /// `corruption.<kind>.level_<l>.<parameter>`: the parameter value of a severity.
    public static func corruptionParameter(_ kind: String, level: Int, name: String) -> Metric {
        Metric(key: "corruption.\(kind).level_\(level).\(name)", stage: "corruption", net: nil, subject: kind, level: "level_\(level)",
               quantity: name, unit: .ratio)
    }

    /// `<net>.corruption.<kind>.<quantity>` (mean_accuracy; relative_ce for int8), or over
    /// every kind when `kind` is nil: `<net>.corruption.<quantity>`.
    public static func corruptionSummary(_ net: Net, _ kind: String?, _ quantity: String) -> Metric {
        let mid = kind.map { ".\($0)" } ?? ""
        return Metric(key: "\(net.rawValue).corruption\(mid).\(quantity)", stage: "corruption", net: net, subject: kind,
                      quantity: quantity, unit: unit(of: quantity))
    }

    // MARK: - Mutual information

    /// `<net>.mi.<input>.<layer>.<estimator>` in bits.
    public static func mi(_ net: Net, input: String, layer: String, _ estimator: String) -> Metric {
        Metric(key: "\(net.rawValue).mi.\(input).\(layer).\(estimator)", stage: "mi", net: net, subject: input, layer: layer,
               quantity: estimator, unit: .bits)
    }

    /// `<net>.mi_inputs.<input>.<quantity>` (accuracy, loss in nats): how each net does on
    /// one MI input, beside its MI (the seed's Fig. 5 plots both).
    public static func miInput(_ net: Net, input: String, _ quantity: String) -> Metric {
        Metric(key: "\(net.rawValue).mi_inputs.\(input).\(quantity)", stage: "mi", net: net, subject: input, quantity: quantity,
               unit: quantity == "loss" ? .ratio : .fraction)
    }

    /// `mi.drift.<input>.<layer>.<estimator>`: int8 minus float, bits.
    public static func miDrift(input: String, layer: String, _ estimator: String) -> Metric {
        Metric(key: "mi.drift.\(input).\(layer).\(estimator)", stage: "mi", net: nil, subject: input, layer: layer,
               quantity: estimator, unit: .bits)
    }

    /// `mi.sigma2.<layer>`: the KDE noise variance used at a layer.
    public static func miSigma2(layer: String) -> Metric {
        Metric(key: "mi.sigma2.\(layer)", stage: "mi", net: nil, layer: layer, quantity: "sigma2", unit: .ratio)
    }

    /// `mi.drift.max_abs` (bits) and `mi.samples` (images).
    public static let miDriftMaxAbs = Metric(key: "mi.drift.max_abs", stage: "mi", net: nil, quantity: "max_abs", unit: .bits)
    /// Images in the MI sample.
    public static let miSamples = Metric(key: "mi.samples", stage: "mi", net: nil, quantity: "samples", unit: .count)

    /// The estimators every MI probe reports, in print order.
    public static let miEstimators = ["kde_upper_itx", "kde_upper_ity", "kde_lower_itx", "kde_lower_ity", "bin_itx", "bin_ity"]

    // MARK: - Fisher information

    /// `<net>.fisher.<quantity>` (spectral_mean, spectral_median, frobenius_mean,
    /// frobenius_median, cckl in nats, images).
    public static func fisher(_ net: Net, _ quantity: String) -> Metric {
        Metric(key: "\(net.rawValue).fisher.\(quantity)", stage: "fisher", net: net, quantity: quantity,
               unit: quantity == "images" ? .count : .ratio)
    }

    // MARK: - Saliency

    /// Which two maps of the same image a saliency discrepancy compares.
    public enum SaliencyComparison: String, Sendable, CaseIterable {
        /// The float net's and the int8 net's (STE) maps of the clean image.
        case floatVsInt8 = "float_vs_int8"
        /// One net's maps of the clean image and of its PGD example.
        case cleanVsPGD = "clean_vs_pgd"
    }

    /// The summaries of a saliency comparison: the ℓ1 distance of ℓ1-normalised maps and the
    /// Kendall τ_b of the top-k pixels, mean and median over the images (docs/saliency.md).
    public static let saliencyQuantities = ["l1_mean", "l1_median", "kendall_tau_mean", "kendall_tau_median"]

    /// `saliency.float_vs_int8.<quantity>` (net nil) or `<net>.saliency.clean_vs_pgd.<quantity>`.
    public static func saliency(_ net: Net?, _ comparison: SaliencyComparison, _ quantity: String) -> Metric {
        Metric(key: (net.map { "\($0.rawValue)." } ?? "") + "saliency.\(comparison.rawValue).\(quantity)", stage: "saliency", net: net,
               subject: comparison.rawValue, quantity: quantity, unit: .ratio)
    }

    /// `saliency.images`: images in the saliency sample.
    public static let saliencyImages = Metric(key: "saliency.images", stage: "saliency", net: nil, quantity: "images", unit: .count)

    // MARK: - Intervals

    /// `<key>.ci95_low` / `<key>.ci95_high`: the 95% Wilson interval of an accuracy.
    public func interval(_ side: IntervalSide) -> Metric {
        Metric(key: "\(key).\(side.rawValue)", stage: stage, net: net, subject: subject, level: level, layer: layer,
               quantity: "\(quantity).\(side.rawValue)", unit: unit)
    }

    /// Which end of an interval.
    public enum IntervalSide: String, Sendable {
        /// Lower bound.
        case low = "ci95_low"
        /// Upper bound.
        case high = "ci95_high"
    }
}
