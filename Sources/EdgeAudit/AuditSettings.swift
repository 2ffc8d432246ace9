import EdgeCorruptions
import EdgeInformation

/// Every knob of an audit run. A profile fills them; flags override single ones; all of
/// them are printed and stored in the report.
public struct AuditSettings: Sendable, Equatable, Codable {
    /// Profile name the settings started from.
    public var profile: String
    /// Use at most this many images (nil: all).
    public var limit: Int?
    /// L∞ radii for FGSM, PGD and Square.
    public var eps: [Double]
    /// PGD steps; the step size is 2.5·ε/steps (Madry et al.).
    public var pgdSteps: Int
    /// PGD random restarts.
    public var pgdRestarts: Int
    /// Images attacked by PGD (the first N; nil: all).
    public var pgdImages: Int?
    /// Square-attack query budget per image.
    public var squareQueries: Int
    /// Images attacked by the Square attack (the first N).
    public var squareImages: Int
    /// Corruptions to run (every level of each).
    public var corruptions: [Corruption]
    /// Reliability-diagram / ECE bins.
    public var eceBins: Int
    /// Images in the mutual-information sample (0 disables the stage).
    public var miSamples: Int = 500
    /// KDE noise variance σ² of the MI estimators; nil (the default) picks it per layer from
    /// the layer's activation scale (`MutualInformation.scaledSigma2`).
    public var miSigma2: Double? = nil
    /// Binning width λ of the MI estimators.
    public var miBinSize: Double = 0.5
    /// Images attacked by Carlini–Wagner L2 and its Adam steps per binary-search round.
    public var cwImages: Int = 100, cwSteps: Int = 50
    /// MI inputs: clean, fgsm, pgd (at `miAttackEps`) or a corruption name (at level 3).
    public var miInputs: [String] = ["clean", "pgd", "gaussian_noise"]
    /// Seed of every random draw.
    public var seed: UInt64
    /// Fit a temperature per net on the calibration images and report ECE/NLL after it.
    public var temperatureScaling = false
    /// Distortion sweeps of the MI stage (Zhang et al. Fig. 5): every level of each of these
    /// corruptions, applied to the clean and to the PGD inputs of the MI sample.
    public var miSweep: [Corruption] = []
    /// Every MI input name: `miInputs`, then the sweep's `<kind>.level_<l>` and
    /// `pgd+<kind>.level_<l>` for images of side `side`.
    public func miInputNames(side: Int) -> [String] {
        miInputs + miSweep.flatMap { c in
            (1...max(1, c.parameters(side: side).count)).flatMap { ["\(c.rawValue).level_\($0)", "pgd+\(c.rawValue).level_\($0)"] }
        }
    }
    /// Images whose input Fisher information is measured (evenly spread; 0 skips it).
    public var fisherImages = 1000
    /// Images whose saliency maps are compared float vs int8 and clean vs PGD (evenly
    /// spread; 0 skips the stage).
    public var saliencyImages = 100
    /// The saliency stage's attribution method and its knobs (its seed is `seed`).
    public var saliency = SaliencyOptions()
    /// Fraction of the pixels in each top-k set of the saliency Kendall τ.
    public var saliencyTopK = 0.1
    /// `saliency` with the run's seed: what the stage uses.
    public var saliencyOptions: SaliencyOptions {
        var o = saliency
        o.seed = seed
        return o
    }
    /// Images attacked by AutoAttack (evenly spread; 0 skips it).
    public var autoAttackImages = 0
    /// AutoAttack's budget: APGD steps, target classes, FAB steps, Square queries (the
    /// standard version: 100, 9, 100, 5000; a profile that lowers them is labelled weakened).
    public var autoAttackSteps = 100, autoAttackTargets = 9, autoAttackFabSteps = 100, autoAttackQueries = 5000
    /// Whether AutoAttack runs at its standard budget.
    public var autoAttackIsStandard: Bool {
        autoAttackSteps >= 100 && autoAttackTargets >= 9 && autoAttackFabSteps >= 100 && autoAttackQueries >= 5000
    }

    /// The named profiles: quick (CI-sized), default, full.
    public static func profile(_ name: String) -> AuditSettings? {
        switch name {
        case "quick":
            var s = AuditSettings(profile: name, limit: 1000, eps: [0.05, 0.1], pgdSteps: 10, pgdRestarts: 1, pgdImages: 500,
                                  squareQueries: 100, squareImages: 200, corruptions: Corruption.allCases, eceBins: 15, miSamples: 300, seed: 1)
            s.cwImages = 50
            s.cwSteps = 30
            // A weakened AutoAttack, labelled as such in every report.
            s.autoAttackImages = 100
            s.fisherImages = 200
            s.saliencyImages = 50
            (s.autoAttackSteps, s.autoAttackTargets, s.autoAttackFabSteps, s.autoAttackQueries) = (10, 3, 10, 100)
            return s
        case "default":
            var s = AuditSettings(profile: name, limit: nil, eps: [0.02, 0.05, 0.1, 0.2], pgdSteps: 20, pgdRestarts: 1, pgdImages: 2000,
                                 squareQueries: 500, squareImages: 500, corruptions: Corruption.allCases, eceBins: 15, miSamples: 1000, seed: 1)
            s.cwImages = 200
            s.cwSteps = 100
            // Standard AutoAttack on 200 images keeps the profile under 5 minutes on 10k
            // images on 2 cores (BENCHMARKS.md, "Audit profiles").
            s.autoAttackImages = 200
            return s
        case "full":
            var s = AuditSettings(profile: name, limit: nil, eps: [0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3], pgdSteps: 40, pgdRestarts: 2,
                                 pgdImages: nil, squareQueries: 2000, squareImages: 1000, corruptions: Corruption.allCases, eceBins: 15, miSamples: 2000, seed: 1)
            s.cwImages = 1000
            s.cwSteps = 200
            s.autoAttackImages = Int.max
            s.fisherImages = Int.max
            s.saliencyImages = 1000
            return s
        default:
            return nil
        }
    }

    /// The settings as sorted key → text pairs (for the terminal and the report).
    public var described: [(String, String)] {
        [("profile", profile), ("limit", limit.map(String.init) ?? "all"), ("eps", eps.map(MetricKey.number).joined(separator: ",")),
         ("pgd_steps", "\(pgdSteps)"), ("pgd_step_size", "2.5*eps/steps"), ("pgd_restarts", "\(pgdRestarts)"),
         ("pgd_images", pgdImages.map(String.init) ?? "all"), ("square_queries", "\(squareQueries)"), ("square_images", "\(squareImages)"),
         ("cw_images", "\(cwImages)"), ("cw_steps", "\(cwSteps)"),
         ("corruptions", corruptions.map(\.rawValue).joined(separator: ",")), ("ece_bins", "\(eceBins)"), ("mi_samples", "\(miSamples)"), ("mi_sigma2", miSigma2.map(MetricKey.number) ?? "per-layer"),
         ("mi_bin_size", MetricKey.number(miBinSize)), ("mi_inputs", miInputs.joined(separator: ",")), ("mi_sweep", miSweep.map(\.rawValue).joined(separator: ",")), ("mi_attack_eps", MetricKey.number(miAttackEps)), ("seed", "\(seed)"),
         ("temperature_scaling", temperatureScaling ? "on calibration images" : "off"),
         ("autoattack_images", "\(autoAttackImages)"), ("fisher_images", "\(fisherImages)"),
         ("saliency_images", "\(saliencyImages)"), ("saliency", saliencyOptions.described), ("saliency_top_k", MetricKey.number(saliencyTopK)),
         ("autoattack_budget", "apgd_steps=\(autoAttackSteps) targets=\(autoAttackTargets) fab_steps=\(autoAttackFabSteps) square_queries=\(autoAttackQueries)" + (autoAttackIsStandard ? " (standard)" : " (weakened)"))]
    }

    /// The ε of the adversarial MI inputs: the largest listed ε not above 0.1 (else the smallest).
    public var miAttackEps: Double { eps.filter { $0 <= 0.1 }.max() ?? eps.min() ?? 0.1
    }
}

/// Metric names used in reports and gates.
public enum MetricKey {
    /// A number as written in keys: the shortest decimal that round-trips ("0.1", "0.05").
    public static func number(_ v: Double) -> String {
        var s = "\(v)"
        if s.hasSuffix(".0") { s.removeLast(2) }
        return s
    }
}
