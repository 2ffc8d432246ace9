/// What the stages measured, image by image, before any summary. Results are computed from
/// these records alone (AuditSummary), so a sharded run's records, merged and sorted by image,
/// give exactly the numbers of the unsharded run. Every per-image array is aligned with
/// `images` (global indices into the audited set, ascending after a merge).
public struct AuditRecords: Codable, Sendable, Equatable {
    /// Clean logits of both nets.
    public struct Clean: Codable, Sendable, Equatable {
        /// Image indices and their labels.
        public var images: [Int] = [], labels: [Int] = []
        /// Logits [images, classes], float net and the int8 net's dequantised ones.
        public var float: [Float] = [], int8: [Float] = []
    }

    /// One gradient attack (fgsm, pgd) at one ε.
    public struct Attack: Codable, Sendable, Equatable {
        /// fgsm or pgd.
        public var attack: String
        /// L∞ radius.
        public var eps: Double
        /// Image indices and labels.
        public var images: [Int] = [], labels: [Int] = []
        /// Still correctly classified: float net (float example), int8 net (example snapped
        /// to the uint8 grid, transfer), int8 net on the STE-crafted example (when run).
        public var float: [Bool] = [], int8: [Bool] = [], ste: [Bool]? = nil
        /// L∞ and L2 norm of the snapped perturbation, pixel units.
        public var linf: [Double] = [], l2: [Double] = []
        /// For a composed attack (AutoAttack): images still robust after each component,
        /// keyed `<net>.<component>` (`float.apgd-t`, `int8_ste.square`), summed over batches.
        public var robustAfter: [String: Int]? = nil
    }

    /// The Square attack on the int8 net at one ε.
    public struct Square: Codable, Sendable, Equatable {
        /// L∞ radius.
        public var eps: Double
        /// Image indices, whether each was fooled, and the queries it used.
        public var images: [Int] = [], fooled: [Bool] = [], queries: [Int] = []
    }

    /// Carlini–Wagner L2 crafted on the float net.
    public struct CW: Codable, Sendable, Equatable {
        /// Image indices; whether the float net was right on the clean image; whether the
        /// float and the int8 net were fooled; the float example's L2 norm.
        public var images: [Int] = [], cleanCorrect: [Bool] = [], floatFooled: [Bool] = [], int8Fooled: [Bool] = [], l2: [Double] = []
    }

    /// One corruption at one severity: top-label confidence and correctness per net.
    public struct Corruption: Codable, Sendable, Equatable {
        /// Kind, severity (1-based) and the severity's parameter name and value.
        public var kind: String, level: Int, parameterName: String, parameter: Double
        /// Image indices.
        public var images: [Int] = []
        /// Float net: confidence and correctness.
        public var floatConfidence: [Double] = [], floatCorrect: [Bool] = []
        /// int8 net: confidence and correctness.
        public var int8Confidence: [Double] = [], int8Correct: [Bool] = []
        /// The mCE baseline model's correctness, when one is given.
        public var baselineCorrect: [Bool]? = nil
    }

    /// Input Fisher information (Shi et al.) per image, float net and STE simulation.
    public struct Fisher: Codable, Sendable, Equatable {
        /// Image indices and labels.
        public var images: [Int] = [], labels: [Int] = []
        /// ‖F(x)‖₂ and ‖F(x)‖_F per image, float net.
        public var floatSpectral: [Double] = [], floatFrobenius: [Double] = []
        /// Natural-log probabilities [images, classes], float net.
        public var floatLogP: [Double] = []
        /// The same through the int8 simulation with straight-through gradients (empty without it).
        public var int8Spectral: [Double] = [], int8Frobenius: [Double] = [], int8LogP: [Double] = []
    }

    /// The mCE baseline model on the clean images (its clean error enters relative mCE).
    public struct BaselineClean: Codable, Sendable, Equatable {
        /// Image indices and the baseline's correctness on each.
        public var images: [Int] = [], correct: [Bool] = []
    }

    /// Figures computed over a whole sample at once (SQNR, MI): kept as values. In a sharded
    /// run only shard 1 computes them, on the same sample the unsharded run uses.
    public struct Whole: Codable, Sendable, Equatable {
        /// Metric values.
        public var values: [MetricValue] = []
        /// Per int8 layer SQNR in dB, network order.
        public var sqnr: [LayerValue] = []
        /// Network position of each probed MI layer.
        public var layerOrder: [String: Int] = [:]
        /// Descriptions and warnings these stages add.
        public var labels: [String: String] = [:], notes: [String] = []
        /// Example images for the report's grids.
        public var gallery: [GalleryImage] = []
    }

    /// The clean stage.
    public var clean: Clean? = nil
    /// Gradient attacks, one entry per (attack, ε).
    public var attacks: [Attack] = []
    /// Square runs, one per ε.
    public var square: [Square] = []
    /// Carlini–Wagner, when run.
    public var cw: CW? = nil
    /// Corruptions, one per (kind, level).
    public var corruptions: [Corruption] = []
    /// Input Fisher information per image, when run.
    public var fisher: Fisher? = nil
    /// The mCE baseline on clean images, when one is given.
    public var baselineClean: BaselineClean? = nil
    /// Whole-sample figures.
    public var whole = Whole()
    /// Stages that did not run and why (for the report).
    public var skipped: [String: String] = [:]

    /// Creates empty records.
    public init() {}
}

/// A metric and its value (Codable, for shard files).
public struct MetricValue: Codable, Sendable, Equatable {
    /// The metric.
    public var metric: Metric
    /// The value.
    public var value: Double
}

/// A layer name and a value.
public struct LayerValue: Codable, Sendable, Equatable {
    /// The layer.
    public var layer: String
    /// The value.
    public var value: Double
}

/// One example image for the report's grids (adversarial examples, corruptions, float/int8
/// disagreements), planar uint8.
public struct GalleryImage: Codable, Sendable, Equatable {
    /// Grid it belongs to (`adversarial`, `corruption`, `disagreement`, …).
    public var section: String
    /// Row and column captions (e.g. image index and ε).
    public var row: String, column: String
    /// Text under the image (predictions).
    public var caption: String
    /// Shape and planar pixels.
    public var channels: Int, height: Int, width: Int, pixels: [UInt8]

    /// Creates an entry.
    public init(section: String, row: String, column: String, caption: String, channels: Int, height: Int, width: Int, pixels: [UInt8]) {
        self.section = section; self.row = row; self.column = column; self.caption = caption
        self.channels = channels; self.height = height; self.width = width; self.pixels = pixels
    }
}
