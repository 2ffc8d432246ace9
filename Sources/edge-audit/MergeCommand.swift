import ArgumentParser
import EdgeAudit
import EdgeCore

/// `edge-audit merge SHARD_DIR… --out DIR`: the report of the unsharded run from the report
/// folders of `audit --shard 1/N … N/N`.
struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Merge the report folders of 'audit --shard K/N'.")

    @Argument(help: "The shard report folders (each holds records.json), in any order.") var shards: [String]
    @Option(help: "Output folder for report.json, report.html, junit.xml.") var out = "edge-audit-report"
    @Option(help: "Gates file (docs/gates.md); a failing gate exits 1.") var gates: String?
    @Option(help: "report.json of a previous release, for 'baseline' in gates.") var baseline: String?
    @Flag(help: "Accept a --baseline that audited another model.") var allowBaselineMismatch = false

    func run() throws {
        guard !shards.isEmpty else { throw EdgeError.usage("merge needs the shard report folders") }
        for dir in shards { try CLISupport.checkDisjoint(output: out, input: dir) }
        let folder = try ReportFolder(out, allowed: AuditJob.reportFiles)
        let gateList = try gates.map { try Gates.parse(String(decoding: try AtomicFile.read($0, limit: 1 << 20), as: UTF8.self), path: $0) } ?? []
        let base = try baseline.map { try Baseline.read($0) }
        let files = try shards.map { dir in (path: dir + "/records.json", file: try ShardFile.read(dir + "/records.json")) }
        let merged = try AuditMerge.merge(files)
        let planned = Set(try AuditJob.report(merged, gates: [], baseline: nil).results.metrics.keys)
        try Gates.validate(gateList, known: planned, baseline: base?.results)
        if let base, let path = baseline {
            for w in try base.checkIdentity(path: path, modelSHA256: merged.modelSHA256, allowMismatch: allowBaselineMismatch) { printError("warning: " + w) }
            for w in base.warnings(path: path, imageCount: merged.imageCount, profile: merged.settings.profile) { printError("warning: " + w) }
        }
        let report = try AuditJob.report(merged, gates: gateList, baseline: base?.results)
        try folder.commit(try AuditJob.files(report, records: nil))
        folder.release()
        print(SafeName.printable(TerminalSummary.render(report)), terminator: "")
        print("merged \(files.count) shard(s) into \(out)/report.json, \(out)/report.html, \(out)/junit.xml")
        if !report.passed { throw ExitCode(1) }
    }
}
