import EdgeCore
import EdgeCorruptions
import EdgeData
import EdgeFloat
import EdgeQuant

/// Every option of `edge-audit mi` as a validated value.
public struct MIRequest: Sendable {
    /// The audit settings of the MI stage (the default profile with these options).
    public var settings: AuditSettings
    /// Layers to probe; nil probes every conv/dense output.
    public var layers: [String]?
    /// Folder for the probes' activations as .npy files, if any.
    public var exportActivations: String?
    /// Table or JSON.
    public var format: OutputFormat

    /// Checks the command's options in the order it always has, with its messages: usage
    /// errors exit 2, an `exportActivations` path that is not a folder exits 73.
    public init(samples: Int, sigma2: Double?, binSize: Double, eps: Double, inputs: String, layers: String?, exportActivations: String?,
                format: String, seed: UInt64, sweep: String? = nil) throws {
        guard samples >= 2, samples <= 20_000 else { throw EdgeError.usage("--samples must be in 2...20000") }
        guard sigma2 ?? 1 > 0, binSize > 0, eps > 0, eps <= 1 else {
            throw EdgeError.usage("--sigma2, --bin-size and --eps must be positive (eps ≤ 1)")
        }
        self.format = try OutputFormat(parsing: format)
        var s = AuditSettings.profile("default")!
        s.miSamples = samples; s.miSigma2 = sigma2; s.miBinSize = binSize; s.eps = [eps]; s.seed = seed
        s.miInputs = inputs.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        guard !s.miInputs.isEmpty else { throw EdgeError.usage("--inputs is empty") }
        guard sigma2?.isFinite ?? true, binSize.isFinite else { throw EdgeError.usage("--sigma2 and --bin-size must be finite") }
        for i in s.miInputs where !["clean", "fgsm", "pgd"].contains(i) && Corruption(rawValue: i) == nil {
            let known = Corruption.allCases.map(\.rawValue).joined(separator: ", ")
            throw EdgeError.usage("unknown MI input '\(i)'; use clean, fgsm, pgd or a corruption name (\(known))")
        }
        if let dir = exportActivations, let k = FileKind.of(dir, followSymlinks: false), k != .directory {
            throw EdgeError.cannotWrite(path: dir, reason: "it is \(k.phrase); --export-activations must name a folder")
        }
        // --sweep saturation,patch_shuffle: every level on the clean and the PGD sample (Zhang et al. Fig. 5).
        if let sweep { s.miSweep = try AuditOverrides.corruptions(sweep) }
        settings = s
        self.layers = layers.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
        self.exportActivations = exportActivations
    }
}

/// `edge-audit mi`: the audit's MI stage alone, with the command's settings.
public enum MIRun {
    /// Runs the MI stage on `set`; an unknown layer in `r.layers` is a usage error naming the probes.
    public static func run(_ r: MIRequest, float: FloatNetwork, int8: IntegerNetwork, set: LabeledImages,
                           quiet: Bool) throws -> AuditResults {
        var runner = AuditRunner(float: float, int8: int8, set: set, settings: r.settings, quiet: quiet)
        if let wanted = r.layers {
            let known = runner.probes.map(\.name)
            for w in wanted where !known.contains(w) {
                throw EdgeError.usage("unknown layer '\(w)'; probes are: \(known.joined(separator: ", "))")
            }
            runner.probeFilter = Set(wanted)
        }
        runner.exportActivations = r.exportActivations
        return try runner.run(stages: [.mi])
    }
}
