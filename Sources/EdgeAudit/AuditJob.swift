import EdgeCore

/// From records to what a report folder holds, the same for a whole run, one shard and a
/// merge, so that a merge of N shards writes the report.json of the unsharded run.
public enum AuditJob {
    /// The files of a report folder.
    public static let reportFiles: Set<String> = ["report.json", "report.html", "junit.xml", "records.json"]

    /// Summarises `file`'s records and evaluates `gates` on them.
    public static func report(_ file: ShardFile, gates: [Gate], baseline: [String: Double]?) throws -> AuditReport {
        var results = AuditSummary.summarize(file.records, classNames: file.classNames, settings: file.settings)
        results.timings = StageID.allCases.compactMap { s in file.timings[s.rawValue].map { (s.rawValue, $0) } }
        if file.shard != .whole {
            results.notes.insert("this is shard \(file.shard.text): its numbers cover only this shard's images; 'edge-audit merge' combines the shards into the full report", at: 0)
        }
        let gateResults = try gates.map { try Gates.evaluate($0, metrics: results.metrics, baseline: baseline) }
        var r = AuditReport(toolVersion: file.toolVersion, modelPath: file.modelPath, modelSHA256: file.modelSHA256,
                            quantizedOnTheFly: file.quantizedOnTheFly, calibration: file.calibration, imagesPath: file.imagesPath,
                            imageCount: file.imageCount, skippedImages: file.skippedImages, settings: file.settings, results: results,
                            gates: gateResults, environment: file.environment.sorted { $0.key < $1.key })
        r.classNames = file.classNames
        r.shard = file.shard == .whole ? nil : file.shard
        return r
    }

    /// report.json, report.html and junit.xml of `report`, plus records.json for a shard
    /// (what `merge` reads).
    public static func files(_ report: AuditReport, records: ShardFile?) throws -> [(String, [UInt8])] {
        var out: [(String, [UInt8])] = [("report.json", Array(report.json().utf8)), ("report.html", Array(HTMLReport.render(report).utf8)),
                                        ("junit.xml", Array(report.junit().utf8))]
        if let records { out.append(("records.json", try records.encoded())) }
        return out
    }
}
