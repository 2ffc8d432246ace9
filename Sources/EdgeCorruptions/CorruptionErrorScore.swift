/// ImageNet-C's corruption error (Hendrycks & Dietterich 2019, §3): a model's top-1 error
/// summed over the levels of a corruption, divided by the same sum for a stated baseline
/// model (ImageNet-C uses AlexNet; edge-audit's default is the shipped float LeNet-5).
public struct CorruptionErrorScore: Sendable, Equatable {
    /// CE_c = Σ_l E(model, c, l) / Σ_l E(baseline, c, l).
    public var ce: [Corruption: Double]
    /// mCE: the unweighted mean of `ce` over the scored corruptions.
    public var mCE: Double
    /// Relative CE_c = Σ_l (E(model, c, l) − E(model, clean)) / Σ_l (E(baseline, c, l) −
    /// E(baseline, clean)), for the corruptions where the baseline's denominator is > 0.
    public var relativeCE: [Corruption: Double]
    /// Relative mCE: the mean of `relativeCE`, or nil when some corruption did not degrade
    /// the baseline at all (its relative CE is undefined, and a mean over the others would
    /// silently describe a different suite).
    public var relativeMCE: Double?
}

/// Why a corruption error cannot be computed; each case names the corruption at fault.
public enum CorruptionScoreError: Error, Equatable, CustomStringConvertible {
    /// Neither table has a corruption.
    case noCorruptions
    /// The two tables score different corruptions (only in the model's, only in the baseline's).
    case differentCorruptions(onlyModel: [Corruption], onlyBaseline: [Corruption])
    /// A corruption has a different number of levels in the two tables, or none.
    case levelCount(Corruption, model: Int, baseline: Int)
    /// An error rate outside [0, 1] (or NaN); `level` is 1-based, 0 for the clean error.
    case notAnErrorRate(Corruption?, level: Int, value: Double)
    /// The baseline made no error at any level, so CE is undefined.
    case baselineNeverWrong(Corruption)

    /// One line naming the corruption and the numbers involved.
    public var description: String {
        switch self {
        case .noCorruptions: return "corruption error: no corruptions to score"
        case .differentCorruptions(let m, let b):
            return "corruption error: model and baseline score different corruptions (only model: "
                + "\(m.map(\.rawValue).joined(separator: ", ")); only baseline: \(b.map(\.rawValue).joined(separator: ", ")))"
        case .levelCount(let c, let m, let b): return "corruption error: \(c.rawValue) has \(m) levels for the model and \(b) for the baseline"
        case .notAnErrorRate(let c, let l, let v):
            return "corruption error: \(c?.rawValue ?? "clean") level \(l) has error \(v), not in [0, 1]"
        case .baselineNeverWrong(let c): return "corruption error: the baseline makes no error on \(c.rawValue), so its CE is undefined"
        }
    }
}

/// The ImageNet-C summaries computed from per-level error rates.
public enum CorruptionError {
    /// CE per corruption and mCE from error rates in [0, 1], one per level (level 1
    /// first), for the model and the baseline on the same images and seed.
    public static func meanCE(model: [Corruption: [Double]], baseline: [Corruption: [Double]]) throws -> (ce: [Corruption: Double], mCE: Double) {
        let kinds = try checkedKinds(model, baseline)
        var ce: [Corruption: Double] = [:]
        for c in kinds {
            let b = baseline[c]!.reduce(0, +)
            guard b > 0 else { throw CorruptionScoreError.baselineNeverWrong(c) }
            ce[c] = model[c]!.reduce(0, +) / b
        }
        return (ce, kinds.map { ce[$0]! }.reduce(0, +) / Double(kinds.count))
    }

    /// CE, mCE, relative CE and relative mCE; `modelClean` and `baselineClean` are the
    /// clean error rates.
    public static func score(model: [Corruption: [Double]], modelClean: Double,
                             baseline: [Corruption: [Double]], baselineClean: Double) throws -> CorruptionErrorScore {
        for v in [modelClean, baselineClean] where !(v >= 0 && v <= 1) {
            throw CorruptionScoreError.notAnErrorRate(nil, level: 0, value: v)
        }
        let (ce, mCE) = try meanCE(model: model, baseline: baseline)
        var rel: [Corruption: Double] = [:]
        for (c, m) in model {
            let den = baseline[c]!.reduce(0) { $0 + ($1 - baselineClean) }
            if den > 0 { rel[c] = m.reduce(0) { $0 + ($1 - modelClean) } / den }
        }
        let relMean = rel.count == model.count ? rel.values.sorted().reduce(0, +) / Double(rel.count) : nil
        return CorruptionErrorScore(ce: ce, mCE: mCE, relativeCE: rel, relativeMCE: relMean)
    }

    /// The scored corruptions in declaration order, after checking that both tables cover
    /// the same ones with the same level counts and hold error rates.
    static func checkedKinds(_ model: [Corruption: [Double]], _ baseline: [Corruption: [Double]]) throws -> [Corruption] {
        let onlyM = Corruption.allCases.filter { model[$0] != nil && baseline[$0] == nil }
        let onlyB = Corruption.allCases.filter { model[$0] == nil && baseline[$0] != nil }
        guard onlyM.isEmpty, onlyB.isEmpty else { throw CorruptionScoreError.differentCorruptions(onlyModel: onlyM, onlyBaseline: onlyB) }
        let kinds = Corruption.allCases.filter { model[$0] != nil }
        guard !kinds.isEmpty else { throw CorruptionScoreError.noCorruptions }
        for c in kinds {
            let m = model[c]!, b = baseline[c]!
            guard m.count == b.count, !m.isEmpty else { throw CorruptionScoreError.levelCount(c, model: m.count, baseline: b.count) }
            for (i, v) in (m + b).enumerated() where !(v >= 0 && v <= 1) {
                throw CorruptionScoreError.notAnErrorRate(c, level: i % m.count + 1, value: v)
            }
        }
        return kinds
    }
}
