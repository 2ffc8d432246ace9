import EdgeCore
import EdgeData
import EdgeFloat
import EdgeQuant
import Foundation

/// Runs the audit stages over a float net, its int8 net and a labelled image set: each stage
/// appends per-image records, and `AuditSummary` turns the records into results.
public struct AuditRunner {
    /// What the stages share.
    public private(set) var context: AuditContext
    /// The int8 simulation with straight-through gradients (for the `ste` mode), if given.
    public var ste: FloatNetwork? {
        get { context.ste }
        set {
            var c = AuditContext(float: context.float, int8: context.int8, ste: newValue, set: context.set, settings: context.settings,
                                 quiet: context.quiet, shard: context.shard, exportActivations: context.exportActivations,
                                 probeFilter: context.probeFilter, calibration: context.calibration)
            c.ceBaseline = context.ceBaseline
            c.ceBaselineMissing = context.ceBaselineMissing
            context = c
        }
    }
    /// When set, the MI stage writes every probe's activations as .npy files here.
    public var exportActivations: String? {
        get { context.exportActivations }
        set { context.exportActivations = newValue }
    }
    /// Held-out images to fit a temperature per net on, if any.
    public var calibration: LabeledImages? {
        get { context.calibration }
        set { context.calibration = newValue }
    }
    /// The mCE baseline model (float) and its name; nil skips mCE, saying `reason`.
    public mutating func setCEBaseline(_ baseline: (net: FloatNetwork, name: String)?, reason: String) {
        context.ceBaseline = baseline
        context.ceBaselineMissing = reason
    }
    /// When set, only these layers are probed by the MI stage.
    public var probeFilter: Set<String>? {
        get { context.probeFilter }
        set { context.probeFilter = newValue }
    }

    /// Prepares a run (of shard `shard` of the work).
    public init(float: FloatNetwork, int8: IntegerNetwork, set: LabeledImages, settings: AuditSettings, quiet: Bool, shard: AuditShard = .whole) {
        context = AuditContext(float: float, int8: int8, ste: nil, set: set, settings: settings, quiet: quiet, shard: shard)
    }

    /// The stage values of `ids`, in run order.
    public static func stages(_ ids: Set<StageID>) -> [any AuditStage] {
        StageID.allCases.filter(ids.contains).map { id -> any AuditStage in
            switch id {
            case .clean: return CleanStage()
            case .sqnr: return SQNRStage()
            case .fgsm: return GradientAttackStage(pgd: false)
            case .pgd: return GradientAttackStage(pgd: true)
            case .autoattack: return AutoAttackStage()
            case .square: return SquareStage()
            case .cw: return CarliniWagnerStage()
            case .corruptions: return CorruptionStage()
            case .temperature: return TemperatureStage()
            case .fisher: return FisherStage()
            case .saliency: return SaliencyStage()
            case .mi: return MIStage()
            case .gallery: return GalleryStage()
            }
        }
    }

    /// The layers the MI stage probes.
    public var probes: [(name: String, q: Int, f: Int)] { MIStage.probes(context) }

    /// Runs `stages` (all by default) and returns the records with each stage's seconds.
    public func record(stages ids: Set<StageID> = Set(StageID.allCases)) throws -> (AuditRecords, [(String, Double)]) {
        var records = AuditRecords()
        var timings: [(String, Double)] = []
        for stage in Self.stages(ids) {
            let t0 = Date()
            try stage.run(context, into: &records)
            timings.append((stage.id.rawValue, Date().timeIntervalSince(t0)))
        }
        return (records, timings)
    }

    /// Runs `stages` (all by default) and summarises them.
    public func run(stages ids: Set<StageID> = Set(StageID.allCases)) throws -> AuditResults {
        let (records, timings) = try record(stages: ids)
        var r = AuditSummary.summarize(records, classNames: context.set.classNames, settings: context.settings)
        r.timings = timings
        return r
    }
}
