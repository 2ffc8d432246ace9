import EdgeCore
import Foundation

/// Everything written about one audit: identity, settings, results, gates, timings.
public struct AuditReport {
    /// Schema identifier written into report.json.
    public static let schema = "edge-audit-report/1"
    /// Tool version.
    public var toolVersion: String
    /// Model file path and SHA-256.
    public var modelPath: String, modelSHA256: String
    /// Whether the int8 net was quantised during this run (the file had none).
    public var quantizedOnTheFly: Bool
    /// Calibration method and images of the int8 net.
    public var calibration: String
    /// Image folder and image counts.
    public var imagesPath: String, imageCount: Int, skippedImages: Int
    /// The settings used.
    public var settings: AuditSettings
    /// What was measured.
    public var results: AuditResults
    /// Gate outcomes (empty without --gates).
    public var gates: [GateResult]
    /// Machine facts that do not affect results (threads, int8 kernel ISA).
    public var environment: [(String, String)]
    /// When the report was made (ISO 8601, UTC); like timings it differs run to run, unless
    /// SOURCE_DATE_EPOCH fixes it.
    public var generatedAt: String = AuditReport.timestamp()
    /// The shard this report covers (nil: the whole run or a merge).
    public var shard: AuditShard? = nil

    /// Creates a report.
    public init(toolVersion: String, modelPath: String, modelSHA256: String, quantizedOnTheFly: Bool, calibration: String,
                imagesPath: String, imageCount: Int, skippedImages: Int, settings: AuditSettings, results: AuditResults,
                gates: [GateResult], environment: [(String, String)]) {
        self.toolVersion = toolVersion; self.modelPath = modelPath; self.modelSHA256 = modelSHA256
        self.quantizedOnTheFly = quantizedOnTheFly; self.calibration = calibration; self.imagesPath = imagesPath
        self.imageCount = imageCount; self.skippedImages = skippedImages; self.settings = settings; self.results = results
        self.gates = gates; self.environment = environment
    }

    /// Whether every gate passed (true without gates).
    public var passed: Bool { gates.allSatisfy(\.passed) }

    // MARK: - JSON (sorted keys, stable number formatting)

    /// A minimal JSON value that prints with sorted keys.
    indirect enum JSON {
        case number(Double), string(String), bool(Bool), array([JSON]), object([String: JSON]), null

        func render(_ indent: String = "") -> String {
            let inner = indent + "  "
            switch self {
            case .number(let v): return AuditReport.format(v)
            case .string(let s): return AuditReport.quote(s)
            case .bool(let b): return b ? "true" : "false"
            case .null: return "null"
            case .array(let a):
                if a.isEmpty { return "[]" }
                return "[\n" + a.map { inner + $0.render(inner) }.joined(separator: ",\n") + "\n" + indent + "]"
            case .object(let o):
                if o.isEmpty { return "{}" }
                return "{\n" + o.keys.sorted().map { inner + AuditReport.quote($0) + ": " + (o[$0] ?? .null).render(inner) }.joined(separator: ",\n") + "\n" + indent + "}"
            }
        }
    }

    /// Numbers: integers as integers, others with 6 significant decimals after the point
    /// (fixed), so that reruns print identical text; non-finite values as null.
    static func format(_ v: Double) -> String {
        guard v.isFinite else { return "null" }
        if v == v.rounded() && abs(v) < 1e15 { return String(Int64(v)) }
        return String(format: "%.6f", v)
    }

    static func quote(_ s: String) -> String { JSONText.quote(s) }

    /// report.json text (docs/report-schema.md).
    public func json() -> String {
        var settingsObj: [String: JSON] = [:]
        for (k, v) in settings.described { settingsObj[k] = .string(v) }
        let rel: [String: JSON] = results.reliability.mapValues { bins in
            .array(bins.map { .object(["lower": .number($0.lower), "upper": .number($0.upper), "count": .number(Double($0.count)),
                                       "confidence": .number($0.confidence), "accuracy": .number($0.accuracy)]) })
        }
        let root: [String: JSON] = [
            "schema": .string(Self.schema),
            "tool": .object(["name": .string("edge-audit"), "version": .string(toolVersion)]),
            "model": .object(["path": .string(modelPath), "sha256": .string(modelSHA256), "int8_quantized_on_the_fly": .bool(quantizedOnTheFly),
                              "int8_calibration": .string(calibration)]),
            "images": .object(["path": .string(imagesPath), "count": .number(Double(imageCount)), "skipped": .number(Double(skippedImages))]),
            "settings": .object(settingsObj),
            "results": .object(results.metrics.mapValues { .number($0) }),
            "details": .object(["reliability": .object(rel), "labels": .object(results.labels.mapValues { .string($0) }),
                                "notes": .array(results.notes.map { .string($0) }),
                                "sqnr_db": .array(results.sqnr.map { .object(["layer": .string($0.0), "db": .number($0.1)]) })]),
            "gates": .array(gates.map { .object(["name": .string($0.gate.name), "rule": .string($0.gate.rule), "passed": .bool($0.passed),
                                                 "lhs": .number($0.lhs), "rhs": .number($0.rhs), "reason": $0.reason.map { .string($0) } ?? .null]) }),
            "passed": .bool(passed),
            "verdict": .string(Verdict.line(results)),
            "generated_at": .string(generatedAt),
            "shard": shard.map { .string($0.text) } ?? .null,
            "tables": tablesJSON(),
            "skipped_stages": .object(results.skipped.mapValues { .string($0) }),
            "environment": .object(Dictionary(uniqueKeysWithValues: environment.map { ($0.0, JSON.string($0.1)) })),
            "timings_seconds": .object(Dictionary(results.timings.map { ($0.0, JSON.number(($0.1 * 1000).rounded() / 1000)) }, uniquingKeysWith: { a, _ in a })),
        ]
        return JSON.object(root).render() + "\n"
    }

    /// The `tables` section: confusion matrices per net, counts [true][predicted], with the
    /// class names that index them, and the paired float-vs-int8 tests.
    func tablesJSON() -> JSON {
        var t: [String: JSON] = [:]
        for (net, m) in results.confusion {
            t[net] = .object(["confusion": .array(m.map { .array($0.map { .number(Double($0)) }) })])
        }
        t["classes"] = .array(classNames.map { .string($0) })
        t["paired"] = .array(results.paired.map { c in
            .object(["comparison": .string(c.path), "images": .number(Double(c.images)), "float_accuracy": .number(c.float),
                     "int8_accuracy": .number(c.int8), "float_only": .number(Double(c.test.onlyFirst)),
                     "int8_only": .number(Double(c.test.onlySecond)), "mcnemar_p": .number(c.test.pValue),
                     "significant": .bool(c.significant), "significant_uncorrected": .bool(c.test.significant)])
        })
        return .object(t)
    }

    /// Class names (from the settings' image set), for the tables.
    public var classNames: [String] = []

    /// Now in ISO 8601 UTC, or SOURCE_DATE_EPOCH when set (reproducible reports).
    public static func timestamp() -> String {
        let env = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"].flatMap { TimeInterval($0) }
        let f = ISO8601DateFormatter()
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: env.map { Date(timeIntervalSince1970: $0) } ?? Date())
    }

    /// Reads the `results` map of an earlier report.json (for --baseline).
    public static func readResults(_ path: String) throws -> [String: Double] { try Baseline.read(path).results }

    // MARK: - JUnit XML

    /// One test case per gate; a run without gates has one case saying so.
    public func junit() -> String {
        func esc(_ s: String) -> String { XMLText.attribute(s) }
        let failures = gates.filter { !$0.passed }.count
        var x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        x += "<testsuites name=\"edge-audit\" tests=\"\(gates.count)\" failures=\"\(failures)\">\n"
        x += "  <testsuite name=\"edge-audit gates: \(esc(modelPath))\" tests=\"\(gates.count)\" failures=\"\(failures)\">\n"
        for g in gates {
            x += "    <testcase classname=\"edge-audit.gates\" name=\"\(esc(g.gate.name))\">\n"
            if !g.passed {
                let why = g.reason ?? "\(Self.format(g.lhs)) vs \(Self.format(g.rhs))"
                x += "      <failure message=\"\(esc(g.gate.rule)) failed: \(esc(why))\">\(esc(g.gate.rule))</failure>\n"
            }
            x += "    </testcase>\n"
        }
        x += "  </testsuite>\n</testsuites>\n"
        return x
    }
}
