import EdgeCore
import Foundation

/// An earlier report.json used by gates as `baseline`: its results and what it was
/// measured on, so that a baseline of another model or schema is refused and a weaker one
/// is pointed out.
public struct Baseline: Sendable {
    /// The flat results map.
    public var results: [String: Double]
    /// Its schema identifier, model hash, image count and profile.
    public var schema: String, modelSHA256: String?, imageCount: Int?, profile: String?

    /// Profiles from weakest to strongest.
    static let profileRank = ["quick": 0, "default": 1, "full": 2]

    /// Reads and checks `path` (a regular file of at most 64 MiB holding an edge-audit report).
    public static func read(_ path: String) throws -> Baseline {
        let bytes = try AtomicFile.read(path, limit: 64 << 20)
        guard let obj = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw EdgeError.badData(path: path, reason: "not a JSON object")
        }
        guard let schema = obj["schema"] as? String, schema.hasPrefix("edge-audit-report/") else {
            throw EdgeError.badData(path: path, reason: "not an edge-audit report (no schema field)")
        }
        guard let res = obj["results"] as? [String: Any] else { throw EdgeError.badData(path: path, reason: "report has no results") }
        var out: [String: Double] = [:]
        for (k, v) in res { if let d = (v as? NSNumber)?.doubleValue { out[k] = d } }
        let model = obj["model"] as? [String: Any], images = obj["images"] as? [String: Any], settings = obj["settings"] as? [String: Any]
        return Baseline(results: out, schema: schema, modelSHA256: model?["sha256"] as? String,
                        imageCount: (images?["count"] as? NSNumber)?.intValue, profile: settings?["profile"] as? String)
    }

    /// Refuses (exit 2) a baseline of another schema version, or of another model unless
    /// `allowMismatch` (then returns the warning). Runs before any work.
    public func checkIdentity(path: String, modelSHA256: String, allowMismatch: Bool) throws -> [String] {
        guard schema == AuditReport.schema else {
            throw EdgeError.usage("--baseline \(path): schema '\(schema)' is not this version's '\(AuditReport.schema)'; re-run the baseline audit with this version")
        }
        guard modelSHA256 != self.modelSHA256 else { return [] }
        let msg = "--baseline \(path) audited another model (sha256 \(self.modelSHA256?.prefix(12) ?? "none")…, this run \(modelSHA256.prefix(12))…)"
        guard allowMismatch else { throw EdgeError.usage(msg + "; pass --allow-baseline-mismatch to compare across models") }
        return [msg]
    }

    /// Warnings when the baseline was measured on fewer images or with a weaker profile
    /// than this run (its numbers are then noisier, or from weaker attacks).
    public func warnings(path: String, imageCount: Int, profile: String) -> [String] {
        var warnings: [String] = []
        if let n = self.imageCount, n < imageCount {
            warnings.append("--baseline \(path) was measured on \(n) images, this run on \(imageCount): its numbers are noisier than this run's")
        }
        if let p = self.profile, let a = Self.profileRank[p], let b = Self.profileRank[profile], a < b {
            warnings.append("--baseline \(path) used the weaker profile '\(p)' (this run: '\(profile)'): attack numbers are not comparable")
        }
        return warnings
    }
}
