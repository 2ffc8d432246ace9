import EdgeMetrics
import Foundation

/// One probed layer's estimates at one epoch, in bits (MutualInformation.estimate).
public struct LayerInformation: Codable, Equatable, Sendable {
    /// KDE lower bound of I(T;X) and I(T;Y).
    public var kdeLowerITX: Double, kdeLowerITY: Double
    /// KDE upper bound of I(T;X) and I(T;Y).
    public var kdeUpperITX: Double, kdeUpperITY: Double
    /// Binning estimates of I(T;X) and I(T;Y).
    public var binITX: Double, binITY: Double

    enum CodingKeys: String, CodingKey {
        case kdeLowerITX = "kde_lower_itx", kdeLowerITY = "kde_lower_ity", kdeUpperITX = "kde_upper_itx"
        case kdeUpperITY = "kde_upper_ity", binITX = "bin_itx", binITY = "bin_ity"
    }

    /// The six numbers of `e`.
    public init(_ e: MIEstimate) {
        (kdeLowerITX, kdeLowerITY, kdeUpperITX, kdeUpperITY, binITX, binITY) =
            (e.kdeLowerITX, e.kdeLowerITY, e.kdeUpperITX, e.kdeUpperITY, e.binITX, e.binITY)
    }
}

/// What was measured after one epoch.
public struct EpochInformation: Codable, Equatable, Sendable {
    /// Epoch after which it was measured; 0 is the initialised net, before any training.
    public var epoch: Int
    /// Accuracy on the whole test set (the trainer's figure).
    public var testAccuracy: Double
    /// Mean ‖F(x)‖_F over the clean sample.
    public var fisherFrobeniusMean: Double
    /// Input kind (clean, pgd) → layer name → estimates.
    public var inputs: [String: [String: LayerInformation]]

    enum CodingKeys: String, CodingKey {
        case epoch, testAccuracy = "test_accuracy", fisherFrobeniusMean = "fisher_frobenius_mean", inputs
    }
}

/// How the information planes are measured; stored in the log.
public struct InformationPlaneSettings: Codable, Equatable, Sendable {
    /// Measure before training (epoch 0), after every `every`-th epoch and after the last.
    public var every = 1
    /// Input kinds: "clean" and/or "pgd".
    public var inputs = ["clean"]
    /// Test images in the sample (evenly spread over the test set, as `edge-audit mi` picks them).
    public var samples = 1000
    /// PGD-L∞ radius, steps (step size 2.5·ε/steps, one random start, snapped to uint8 — as
    /// the audit's MI stage crafts them on the float net).
    public var eps = 0.1, pgdSteps = 20
    /// KDE noise variance σ² and binning width λ.
    public var sigma2 = 0.1, binSize = 0.5
    /// Seed of the PGD starts.
    public var seed: UInt64 = 1
    /// Probed layers in network order (filled in by the probe).
    public var layers: [String] = []
    /// Number of classes K and sample size N: the bounds log2 K on I(T;Y) and log2 N on I(T;X).
    public var classes = 0, sampleCount = 0

    enum CodingKeys: String, CodingKey {
        case every, inputs, samples, eps, pgdSteps = "pgd_steps", sigma2, binSize = "bin_size", seed, layers, classes
        case sampleCount = "sample_count"
    }

    /// Defaults: every epoch, clean inputs, 1000 samples, ε = 0.1, 20 PGD steps, σ² = 0.1, λ = 0.5.
    public init() {}
}

/// The `--mi-log` file: `{"epochs": [...], "settings": {...}}`, bits, sorted keys.
public struct InformationPlaneLog: Codable, Equatable, Sendable {
    /// One entry per measured epoch, in order.
    public var epochs: [EpochInformation] = []
    /// The settings of the run.
    public var settings: InformationPlaneSettings

    /// An empty log with `settings`.
    public init(settings: InformationPlaneSettings) { self.settings = settings }

    /// Deterministic JSON: sorted keys, shortest round-trip numbers, non-finite values as strings.
    public func json() throws -> [UInt8] {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return Array(try e.encode(self)) + [10]
    }
}
