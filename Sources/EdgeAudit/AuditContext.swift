import EdgeCore
import EdgeData
import EdgeFloat
import EdgeQuant

/// Which part of the work a run does: shard `index` of `count` (1-based). Work is cut into
/// fixed batches of each stage's image list and shard K takes batches K−1, K−1+N, …, so every
/// image keeps the batch, and therefore the seeds, it has in the unsharded run.
public struct AuditShard: Sendable, Equatable, Codable {
    /// 1-based shard number.
    public let index: Int
    /// Number of shards.
    public let count: Int

    /// The whole run (one shard).
    public static let whole = AuditShard(uncheckedIndex: 1, count: 1)

    init(uncheckedIndex index: Int, count: Int) { self.index = index; self.count = count }

    /// Parses `K/N` with 1 ≤ K ≤ N ≤ 10000.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), n >= 1, n <= 10_000, k >= 1, k <= n else {
            throw EdgeError.usage("--shard must be K/N with 1 ≤ K ≤ N ≤ 10000, got '\(text)'")
        }
        self.init(uncheckedIndex: k, count: n)
    }

    /// Whether this shard runs batch `b` of a stage.
    public func owns(batch b: Int) -> Bool { b % count == index - 1 }
    /// Whether this shard computes the whole-sample figures (SQNR, MI): shard 1 only.
    public var ownsWholeSample: Bool { index == 1 }
    /// `K/N`.
    public var text: String { "\(index)/\(count)" }
}

/// What every stage shares: the nets, the images, the settings, the shard and progress.
/// Stages read it and append to `AuditRecords`; nothing here changes during a run.
public struct AuditContext {
    /// The float net (white-box).
    public let float: FloatNetwork
    /// The exact int8 net.
    public let int8: IntegerNetwork
    /// The int8 simulation with straight-through gradients, when given.
    public let ste: FloatNetwork?
    /// The audited images.
    public let set: LabeledImages
    /// Every knob.
    public let settings: AuditSettings
    /// No progress bars.
    public let quiet: Bool
    /// The part of the work this run does.
    public let shard: AuditShard
    /// When set, the MI stage writes every probe's activations as .npy files here.
    public var exportActivations: String? = nil
    /// When set, only these layers are probed by the MI stage.
    public var probeFilter: Set<String>? = nil
    /// Held-out images to fit a temperature per net on (`--temperature-scaling`), if any.
    public var calibration: LabeledImages? = nil
    /// The float model whose corruption errors normalise mCE (ImageNet-C's "baseline"), and
    /// its name for the report; nil skips mCE with `ceBaselineMissing` as the reason.
    public var ceBaseline: (net: FloatNetwork, name: String)? = nil
    /// Why there is no mCE baseline (shown in the report).
    public var ceBaselineMissing = "no --ce-baseline model"
    /// Images per batch for every stage (fixed, so partitions never depend on threads).
    public static let batch = 100

    /// Creates a context.
    public init(float: FloatNetwork, int8: IntegerNetwork, ste: FloatNetwork?, set: LabeledImages, settings: AuditSettings,
                quiet: Bool, shard: AuditShard = .whole, exportActivations: String? = nil, probeFilter: Set<String>? = nil,
                calibration: LabeledImages? = nil) {
        self.float = float; self.int8 = int8; self.ste = ste; self.set = set; self.settings = settings
        self.quiet = quiet; self.shard = shard; self.exportActivations = exportActivations; self.probeFilter = probeFilter
        self.calibration = calibration
    }

    /// `n` image indices evenly spread over the set (every class is represented, since the
    /// set is in class-folder order).
    public func spread(_ n: Int) -> [Int] {
        let m = min(n, set.count)
        return (0..<m).map { $0 * set.count / max(m, 1) }
    }

    /// `indices` cut into fixed batches, with each batch's number, keeping only this
    /// shard's batches.
    public func batches(_ indices: [Int]) -> [(number: Int, images: [Int])] {
        Parallel.chunks(indices.count, size: Self.batch).enumerated().compactMap { b, r in
            shard.owns(batch: b) ? (b, Array(indices[r])) : nil
        }
    }

    /// Every image of the set, in order.
    public var allImages: [Int] { Array(0..<set.count) }

    /// How many of `indices` this shard runs (for progress bars).
    public func ownedCount(_ indices: [Int]) -> Int { batches(indices).reduce(0) { $0 + $1.images.count } }

    /// Planar uint8 pixels of images `idx`, concatenated.
    public func pixels(_ idx: [Int]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(idx.count * set.imageSize)
        for i in idx { out += set.pixels[(i * set.imageSize)..<((i + 1) * set.imageSize)] }
        return out
    }

    /// The int8 net's predictions on planar uint8 `pixels` (one image per label).
    public func int8Predictions(_ pixels: [UInt8], labels: [Int]) -> [Int] {
        int8.predict(set.withPixels(pixels, labels: labels), Array(0..<labels.count))
    }

    /// A progress bar for `total` units.
    public func progress(_ label: String, total: Int) -> ProgressBar { ProgressBar(label, total: total, quiet: quiet) }
}

/// One step of the audit: reads the context, appends its per-image records. How records
/// become metrics lives beside each stage (its `summarize`), used by AuditSummary.
public protocol AuditStage {
    /// The stage's name.
    var id: StageID { get }
    /// Runs this shard's part of the stage.
    func run(_ ctx: AuditContext, into records: inout AuditRecords) throws
}

/// The stages of an audit, in the order they run.
public enum StageID: String, CaseIterable, Sendable, Codable {
    /// Clean accuracy and calibration.
    case clean
    /// Per-layer SQNR of the int8 activations.
    case sqnr
    /// FGSM (float white-box, int8 transfer).
    case fgsm
    /// PGD (float white-box, int8 transfer).
    case pgd
    /// AutoAttack (float white-box, int8 by transfer and through the STE simulation).
    case autoattack
    /// Square attack on the int8 net.
    case square
    /// Carlini–Wagner L2 on a subset.
    case cw
    /// Every corruption at every level.
    case corruptions
    /// Temperature scaling fitted on the calibration images (when given).
    case temperature
    /// Input Fisher information and CCKL, float vs int8 (STE).
    case fisher
    /// Saliency maps' interpretation discrepancy, float vs int8 (STE) and clean vs PGD.
    case saliency
    /// Per-layer mutual information, float vs int8, on clean, adversarial and noisy inputs.
    case mi
    /// Example images for the report (adversarial, corrupted, float/int8 disagreements).
    case gallery
}
