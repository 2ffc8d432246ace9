import EdgeCore
import EdgeCorruptions
import EdgeInformation

/// What `audit` flags change in a profile: each nil keeps the profile's value. Validation
/// lives here, so every command that starts from a profile refuses the same values with the
/// same message (exit 2) before any work.
public struct AuditOverrides: Sendable {
    /// The profile name (quick, default or full).
    public var profile = "default"
    /// At most this many images.
    public var limit: Int?
    /// L∞ radii (already parsed; each in (0, 1]).
    public var eps: [Double]?
    /// PGD steps and restarts.
    public var pgdSteps: Int?, pgdRestarts: Int?
    /// Square queries and images.
    public var squareQueries: Int?, squareImages: Int?
    /// AutoAttack images, and whether to use its standard budget.
    public var autoAttackImages: Int?, autoAttackStandard = false
    /// CW images.
    public var cwImages: Int?
    /// Images whose Fisher information is measured.
    public var fisherImages: Int?
    /// Images in the saliency stage and its method (ig, smoothgrad, gradcam).
    public var saliencyImages: Int?, saliencyMethod: String?
    /// MI sample, σ² and bin width.
    public var miSamples: Int?, miSigma2: Double?, miBinSize: Double?
    /// `all`, `none` or a comma-separated list of corruption names (reference aliases too).
    public var corruptions: String?
    /// Corruptions swept by the MI stage (`saturation,patch_shuffle`; `none`).
    public var miSweep: String?
    /// Seed.
    public var seed: UInt64?
    /// Fit a temperature per net on the calibration images.
    public var temperatureScaling = false

    /// No overrides.
    public init() {}

    /// The profile with these overrides applied.
    public func settings() throws -> AuditSettings {
        guard var s = AuditSettings.profile(profile) else { throw EdgeError.usage("--profile must be quick, default or full, got '\(profile)'") }
        func check(_ ok: Bool, _ message: String) throws { if !ok { throw EdgeError.usage(message) } }
        if let limit { try check(limit > 0, "--limit must be positive"); s.limit = limit }
        if let eps {
            try check(!eps.isEmpty && eps.allSatisfy { $0 > 0 && $0 <= 1 }, "--eps must be a list of numbers in (0, 1], got \(eps.map(MetricKey.number))")
            s.eps = eps
        }
        if let pgdSteps { try check((1...10_000).contains(pgdSteps), "--pgd-steps must be in 1...10000"); s.pgdSteps = pgdSteps }
        if let pgdRestarts { try check((1...100).contains(pgdRestarts), "--pgd-restarts must be in 1...100"); s.pgdRestarts = pgdRestarts }
        if let squareQueries { try check(squareQueries >= 0, "--square-queries must be ≥ 0"); s.squareQueries = squareQueries }
        if let squareImages { try check(squareImages >= 0, "--square-images must be ≥ 0"); s.squareImages = squareImages }
        if let corruptions { s.corruptions = try Self.corruptions(corruptions) }
        if let autoAttackImages { try check(autoAttackImages >= 0, "--autoattack-images must be ≥ 0"); s.autoAttackImages = autoAttackImages }
        if autoAttackStandard { (s.autoAttackSteps, s.autoAttackTargets, s.autoAttackFabSteps, s.autoAttackQueries) = (100, 9, 100, 5000) }
        if let fisherImages { try check(fisherImages >= 0, "--fisher-images must be ≥ 0"); s.fisherImages = fisherImages }
        if let saliencyImages { try check(saliencyImages >= 0, "--saliency-images must be ≥ 0"); s.saliencyImages = saliencyImages }
        if let saliencyMethod {
            guard let m = SaliencyMethod(rawValue: saliencyMethod) else { throw EdgeError.usage("--saliency-method must be ig, smoothgrad or gradcam, got '\(saliencyMethod)'") }
            s.saliency.method = m
        }
        if let cwImages { try check(cwImages >= 0, "--cw-images must be ≥ 0"); s.cwImages = cwImages }
        if let miSamples { try check((0...20_000).contains(miSamples), "--mi-samples must be in 0...20000"); s.miSamples = miSamples }
        if let miSigma2 { try check(miSigma2 > 0 && miSigma2.isFinite, "--mi-sigma2 must be positive"); s.miSigma2 = miSigma2 }
        if let miBinSize { try check(miBinSize > 0 && miBinSize.isFinite, "--mi-bin-size must be positive"); s.miBinSize = miBinSize }
        if let miSweep { s.miSweep = try Self.corruptions(miSweep) }
        if let seed { s.seed = seed }
        s.temperatureScaling = temperatureScaling
        return s
    }

    /// `all`, `none` or a list of names.
    public static func corruptions(_ text: String) throws -> [Corruption] {
        switch text {
        case "all": return Corruption.allCases
        case "none": return []
        default:
            return try text.split(separator: ",").map { name in
                guard let c = Corruption(name: String(name).trimmingCharacters(in: .whitespaces)) else {
                    throw EdgeError.usage("unknown corruption '\(name)'; known: \(Corruption.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return c
            }
        }
    }
}
