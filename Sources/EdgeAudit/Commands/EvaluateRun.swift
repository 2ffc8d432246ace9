import EdgeCore
import EdgeCorruptions
import EdgeData
import EdgeFloat
import EdgeQuant

/// Every option of `edge-audit evaluate` as a validated value.
public struct EvaluateRequest: Sendable {
    /// Which nets are shown: `["float"]`, `["int8"]` or both.
    public var nets: [String]
    /// The audit settings of the clean and corruption stages.
    public var settings: AuditSettings
    /// Table or JSON.
    public var format: OutputFormat

    /// Checks the command's options in the order it always has, with its messages (usage
    /// errors, exit 2). `corruptions` is `all` or a comma-separated list.
    public init(corruptions: String, net: String, format: String, limit: Int?, seed: UInt64) throws {
        guard ["float", "int8", "both"].contains(net) else { throw EdgeError.usage("--net must be float, int8 or both") }
        self.format = try OutputFormat(parsing: format)
        nets = net == "both" ? ["float", "int8"] : [net]
        var s = AuditSettings.profile("default")!
        s.seed = seed
        s.limit = limit
        if corruptions != "all" {
            s.corruptions = try corruptions.split(separator: ",").map { n in
                guard let c = Corruption(name: String(n)) else {
                    throw EdgeError.usage("--corruptions: unknown corruption '\(n)'; known: \(Corruption.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return c
            }
        }
        settings = s
    }

    /// Both nets are shown (and the int8/float corruption-error ratios with them).
    public var both: Bool { nets.count == 2 }
}

/// `edge-audit evaluate`: the audit's clean and corruption stages alone.
public enum EvaluateRun {
    /// Runs the clean and corruption stages of `r` on `set`.
    public static func run(_ r: EvaluateRequest, float: FloatNetwork, int8: IntegerNetwork, set: LabeledImages,
                           quiet: Bool) throws -> AuditResults {
        try AuditRunner(float: float, int8: int8, set: set, settings: r.settings, quiet: quiet).run(stages: [.clean, .corruptions])
    }
}
