import EdgeCore
import EdgeCorruptions
import Foundation

extension Corruption: Codable {}


/// What a sharded run writes beside its report (records.json): the per-image records and
/// everything needed to check that shards belong together and to summarise their union.
public struct ShardFile: Codable, Sendable {
    /// Schema identifier.
    public static let schema = "edge-audit-shard/1"
    /// `schema` as read.
    public var schemaID: String = ShardFile.schema
    /// Which shard.
    public var shard: AuditShard
    /// Tool version that wrote it.
    public var toolVersion: String
    /// Model path and SHA-256.
    public var modelPath: String, modelSHA256: String
    /// Whether the int8 net was quantised during the run, and how.
    public var quantizedOnTheFly: Bool, calibration: String
    /// The image folder, its image count (the whole set, not the shard's part) and skips.
    public var imagesPath: String, imageCount: Int, skippedImages: Int
    /// Class names in label order.
    public var classNames: [String]
    /// The settings (identical in every shard).
    public var settings: AuditSettings
    /// Machine facts (from this shard).
    public var environment: [String: String]
    /// The records of this shard's batches.
    public var records: AuditRecords
    /// Seconds per stage in this shard.
    public var timings: [String: Double]

    /// Creates a record file.
    public init(shard: AuditShard, toolVersion: String, modelPath: String, modelSHA256: String, quantizedOnTheFly: Bool, calibration: String,
                imagesPath: String, imageCount: Int, skippedImages: Int, classNames: [String], settings: AuditSettings,
                environment: [String: String], records: AuditRecords, timings: [String: Double]) {
        self.shard = shard; self.toolVersion = toolVersion; self.modelPath = modelPath; self.modelSHA256 = modelSHA256
        self.quantizedOnTheFly = quantizedOnTheFly; self.calibration = calibration; self.imagesPath = imagesPath
        self.imageCount = imageCount; self.skippedImages = skippedImages; self.classNames = classNames; self.settings = settings
        self.environment = environment; self.records = records; self.timings = timings
    }

    /// The file's bytes (JSON; numbers round-trip exactly, so merges are exact).
    public func encoded() throws -> [UInt8] {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return Array(try e.encode(self))
    }

    /// Reads and checks one shard file.
    public static func read(_ path: String) throws -> ShardFile {
        let bytes = try AtomicFile.read(path, limit: 4 << 30)
        let f: ShardFile
        do { f = try JSONDecoder().decode(ShardFile.self, from: Data(bytes)) } catch {
            throw EdgeError.badData(path: path, reason: "not an edge-audit shard record file (\(Self.describe(error)))")
        }
        guard f.schemaID == schema else { throw EdgeError.badData(path: path, reason: "field schemaID is '\(f.schemaID)', expected '\(schema)'") }
        try f.records.validate(path: path, classes: f.classNames.count, imageCount: f.imageCount)
        return f
    }

    /// The decoding error's field path, for messages that name the field.
    static func describe(_ error: Error) -> String {
        guard let e = error as? DecodingError else { return "\(error)" }
        switch e {
        case .keyNotFound(let k, let c): return "missing field '\((c.codingPath + [k]).map(\.stringValue).joined(separator: "."))'"
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c):
            return "field '\(c.codingPath.map(\.stringValue).joined(separator: "."))': \(c.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}

extension AuditRecords {
    /// Checks that every per-image array is aligned with its images and every index and
    /// label is in range, so a summary of (merged) records cannot trap.
    func validate(path: String, classes k: Int, imageCount n: Int) throws {
        func bad(_ field: String, _ why: String) -> EdgeError { .badData(path: path, reason: "records.\(field): \(why)") }
        func check(_ field: String, _ images: [Int], _ lengths: [(String, Int)]) throws {
            if let i = images.first(where: { $0 < 0 || $0 >= n }) { throw bad("\(field).images", "image \(i) is outside 0..<\(n)") }
            for (name, len) in lengths where len != images.count {
                throw bad("\(field).\(name)", "has \(len) entries for \(images.count) images")
            }
        }
        if let c = clean {
            try check("clean", c.images, [("labels", c.labels.count), ("float", c.float.count / max(k, 1)), ("int8", c.int8.count / max(k, 1))])
            guard c.float.count == c.images.count * k, c.int8.count == c.images.count * k else { throw bad("clean.float", "is not images × \(k) logits") }
            if let l = c.labels.first(where: { $0 < 0 || $0 >= k }) { throw bad("clean.labels", "label \(l) is outside 0..<\(k)") }
        }
        for (i, a) in attacks.enumerated() {
            try check("attacks[\(i)]", a.images, [("labels", a.labels.count), ("float", a.float.count), ("int8", a.int8.count),
                                                  ("linf", a.linf.count), ("l2", a.l2.count)] + (a.ste.map { [("ste", $0.count)] } ?? []))
        }
        for (i, s) in square.enumerated() { try check("square[\(i)]", s.images, [("fooled", s.fooled.count), ("queries", s.queries.count)]) }
        if let c = cw {
            try check("cw", c.images, [("cleanCorrect", c.cleanCorrect.count), ("floatFooled", c.floatFooled.count),
                                       ("int8Fooled", c.int8Fooled.count), ("l2", c.l2.count)])
        }
        for (i, c) in corruptions.enumerated() {
            try check("corruptions[\(i)]", c.images, [("floatConfidence", c.floatConfidence.count), ("floatCorrect", c.floatCorrect.count),
                                                      ("int8Confidence", c.int8Confidence.count), ("int8Correct", c.int8Correct.count)]
                                                      + (c.baselineCorrect.map { [("baselineCorrect", $0.count)] } ?? []))
        }
        if let b = baselineClean { try check("baselineClean", b.images, [("correct", b.correct.count)]) }
        if let f = fisher {
            var lengths = [("labels", f.labels.count), ("floatSpectral", f.floatSpectral.count), ("floatFrobenius", f.floatFrobenius.count)]
            if !f.int8Spectral.isEmpty { lengths += [("int8Spectral", f.int8Spectral.count), ("int8Frobenius", f.int8Frobenius.count)] }
            try check("fisher", f.images, lengths)
            guard f.floatLogP.count == f.images.count * k, f.int8LogP.isEmpty || f.int8LogP.count == f.images.count * k else {
                throw bad("fisher.floatLogP", "is not images × \(k) log-probabilities")
            }
            if let l = f.labels.first(where: { $0 < 0 || $0 >= k }) { throw bad("fisher.labels", "label \(l) is outside 0..<\(k)") }
        }
    }
}
