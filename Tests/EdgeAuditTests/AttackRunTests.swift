import XCTest
import EdgeAttacks
import EdgeCore
import EdgeData
import EdgeFloat
import EdgeQuant
@testable import EdgeAudit

/// `AttackRun` against the `edge-audit attack` outputs recorded before the attack logic moved
/// out of the CLI (Tests/Fixtures/attack/*.out, written by the binary of main d6b6ae9 on
/// models/fashion-lenet5-q.bin and calibration/fashion-mnist; re-recorded by
/// scripts/record-model-fixtures.sh, binary of 97a3639, when the models were re-made in
/// issue 18): the same numbers, fields and table text, timings aside.
final class AttackRunTests: XCTestCase {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// Parses `args` as the command does (defaults for what is not given).
    func request(_ args: [String: String], targeted: Bool = false) throws -> AttackRequest {
        try AttackRequest(attack: args["attack"] ?? "pgd", eps: args["eps"] ?? "0.1", norm: args["norm"] ?? "linf",
                          steps: Int(args["steps"] ?? "40")!, stepSize: args["step-size"].map { Double($0)! },
                          restarts: Int(args["restarts"] ?? "1")!, maxSteps: Int(args["max-steps"] ?? "100")!,
                          searchSteps: Int(args["search-steps"] ?? "5")!, kappa: 0, queries: Int(args["queries"] ?? "1000")!,
                          net: args["net"] ?? "float", mode: args["mode"] ?? "transfer", targeted: targeted,
                          limit: args["limit"].map { Int($0)! }, seed: 1, saveAdversarial: nil, format: args["format"] ?? "table")
    }

    /// Timings removed: the `seconds`/`craft_seconds` JSON fields and the table's time column.
    func untimed(_ s: String) -> String {
        var t = s.replacingOccurrences(of: #", "seconds": [0-9.]+, "craft_seconds": [0-9.]+"#, with: "", options: .regularExpression)
        t = t.replacingOccurrences(of: #" +[0-9.]+s $"#, with: " TIME", options: [.regularExpression])
        return t.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.replacingOccurrences(of: #" +[0-9.]+s $"#, with: " TIME", options: .regularExpression) }.joined(separator: "\n")
    }

    /// Runs the recorded case `name` with `args` and compares with its recorded stdout.
    func check(_ name: String, _ args: [String: String], targeted: Bool = false, file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try request(args, targeted: targeted)
        let loaded = try QuantizedModelFile.read(root + "/models/fashion-lenet5-q.bin")
        let s = loaded.model.graph.inputShape
        let set = try ImageFolder.load(root + "/calibration/fashion-mnist", classNames: loaded.model.metadata.classNames,
                                       shape: (s[0], s[1], s[2]), limit: r.limit).images
        let int8 = try IntegerNetwork(loaded.int8!)
        let ste = try AttackRun.simulation(for: r, model: loaded.model, int8: int8)
        let o = try AttackRun.run(r, float: try FloatNetwork(loaded.model), int8: int8, ste: ste, set: set, quiet: true)
        let text = r.format == .json ? AttackReportText.json(o) : AttackReportText.table(o)
        let recorded = try String(contentsOfFile: root + "/Tests/Fixtures/attack/\(name).out", encoding: .utf8)
        XCTAssertEqual(untimed(text + "\n"), untimed(recorded), name, file: file, line: line)
    }

    func testFGSMOnTheFloatNetAtThreeRadii() throws {
        try check("a_fgsm_json", ["attack": "fgsm", "eps": "0,0.05,0.1", "limit": "20", "format": "json"])
    }

    func testPGDL2WithRestartsAndTargetedPGD() throws {
        try check("a_pgd_l2", ["attack": "pgd", "norm": "l2", "eps": "1.0", "steps": "5", "restarts": "2", "limit": "20", "format": "json"])
        try check("a_pgd_tgt", ["attack": "pgd", "eps": "0.1", "steps": "5", "limit": "20", "format": "json"], targeted: true)
    }

    func testPGDThroughTheSimulationAsJSONAndTable() throws {
        try check("a_pgd_ste", ["attack": "pgd", "eps": "0.05,0.1", "steps": "5", "net": "int8", "mode": "ste", "limit": "20", "format": "json"])
        try check("a_pgd_ste_table", ["attack": "pgd", "eps": "0.05,0.1", "steps": "5", "net": "int8", "mode": "ste", "limit": "20"])
    }

    func testCarliniWagnerTransferredAsTable() throws {
        try check("a_cw_int8_table", ["attack": "cw", "eps": "0.5,1", "max-steps": "10", "search-steps": "2", "net": "int8", "limit": "10"])
    }

    func testSquareQueryOnly() throws {
        try check("a_square", ["attack": "square", "eps": "0.1", "net": "int8", "mode": "query", "queries": "50", "limit": "10", "format": "json"])
    }

    func testAPGDTargetedAndDDN() throws {
        try check("a_apgdt", ["attack": "apgd-t", "eps": "0.08", "steps": "3", "limit": "6", "format": "json"])
        try check("a_ddn", ["attack": "ddn", "eps": "1", "steps": "5", "limit": "8", "format": "json"])
    }

    /// One tiny PGD step barely moves the images: the Square check beats it and warns.
    func testTheGradientMaskingWarningOnAWeakTransferAttack() throws {
        let weak = ["attack": "pgd", "eps": "0.1", "steps": "1", "step-size": "0.0001", "net": "int8", "limit": "20"]
        try check("a_pgd_mask", weak.merging(["format": "json"]) { $1 })
        try check("a_pgd_mask_t", weak)
    }

    func testAutoAttackThroughTheSimulation() throws {
        try check("a_aa_ste", ["attack": "autoattack", "eps": "0.1", "net": "int8", "mode": "ste", "limit": "2", "format": "json"])
    }
}
