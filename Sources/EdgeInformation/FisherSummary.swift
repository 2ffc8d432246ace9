import Foundation

/// Distribution of one per-image quantity: mean and linear-interpolation quantiles
/// (numpy's default: the q-quantile of sorted v is v[h] interpolated at h = q·(n − 1)).
public struct SampleStats: Codable, Equatable, Sendable {
    /// Number of values.
    public var count: Int
    /// Arithmetic mean.
    public var mean: Double
    /// Smallest and largest value.
    public var min: Double, max: Double
    /// Quantiles 0.05, 0.25, 0.5 (median), 0.75, 0.95.
    public var p05: Double, p25: Double, median: Double, p75: Double, p95: Double

    /// The statistics of `values`; all NaN (count 0) for an empty list.
    public init(_ values: [Double]) {
        let v = values.sorted()
        count = v.count
        func q(_ f: Double) -> Double {
            guard !v.isEmpty else { return .nan }
            let h = f * Double(v.count - 1)
            let lo = Int(h.rounded(.down)), hi = Swift.min(lo + 1, v.count - 1)
            return v[lo] + (h - Double(lo)) * (v[hi] - v[lo])
        }
        mean = v.isEmpty ? .nan : values.reduce(0, +) / Double(v.count)
        min = v.first ?? .nan
        max = v.last ?? .nan
        (p05, p25, median, p75, p95) = (q(0.05), q(0.25), q(0.5), q(0.75), q(0.95))
    }
}

/// The summary `edge-audit fisher` prints: Fisher norms over the images, per class, and CCKL.
public struct FisherSummary: Codable, Equatable, Sendable {
    /// Mean and quantiles of ‖F(x)‖₂ and ‖F(x)‖_F.
    public var spectral: SampleStats, frobenius: SampleStats
    /// Per class name: the same statistics over that class's images.
    public var perClass: [String: ClassStats]
    /// CCKL in nats (CrossCategoryKL).
    public var cckl: Double
    /// Top-1 accuracy of the measured net on these images.
    public var accuracy: Double

    /// One class's statistics.
    public struct ClassStats: Codable, Equatable, Sendable {
        /// ‖F(x)‖₂ and ‖F(x)‖_F over the class.
        public var spectral: SampleStats, frobenius: SampleStats
    }

    enum CodingKeys: String, CodingKey {
        case spectral = "fisher_spectral", frobenius = "fisher_frobenius", perClass = "per_class", cckl, accuracy
    }

    /// Summarises `images` (FisherInformation.measure) with their `labels` and `classNames`.
    public init(_ images: [FisherInformation.PerImage], labels: [Int], classNames: [String]) {
        precondition(images.count == labels.count)
        spectral = SampleStats(images.map(\.spectral))
        frobenius = SampleStats(images.map(\.frobenius))
        var per: [String: ClassStats] = [:]
        for (c, name) in classNames.enumerated() {
            let mine = zip(images, labels).filter { $0.1 == c }.map(\.0)
            guard !mine.isEmpty else { continue }
            per[name] = ClassStats(spectral: SampleStats(mine.map(\.spectral)), frobenius: SampleStats(mine.map(\.frobenius)))
        }
        perClass = per
        let k = classNames.count
        cckl = CrossCategoryKL.compute(logProbabilities: images.flatMap(\.logProbabilities), classes: k, labels: labels)
        let right = zip(images, labels).filter { im, l in
            im.logProbabilities.indices.max { im.logProbabilities[$0] < im.logProbabilities[$1] } == l
        }.count
        accuracy = images.isEmpty ? .nan : Double(right) / Double(images.count)
    }
}
