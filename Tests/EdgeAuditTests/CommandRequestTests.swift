import XCTest
import EdgeCore
@testable import EdgeAudit

/// The commands' option checks, now in EdgeAudit: each failure is the usage error (exit 2)
/// with the message the CLI has always printed, and good options parse to typed values.
final class CommandRequestTests: XCTestCase {
    func attack(attack: String = "pgd", eps: String = "0.1", norm: String = "linf", steps: Int = 40, stepSize: Double? = nil,
                kappa: Double = 0, net: String = "float", mode: String = "transfer", targeted: Bool = false, limit: Int? = nil,
                format: String = "table") throws -> AttackRequest {
        try AttackRequest(attack: attack, eps: eps, norm: norm, steps: steps, stepSize: stepSize, restarts: 1, maxSteps: 100, searchSteps: 5,
                          kappa: kappa, queries: 1000, net: net, mode: mode, targeted: targeted, limit: limit, seed: 1,
                          saveAdversarial: nil, format: format)
    }

    func assertUsage(_ message: String, file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void) {
        XCTAssertThrowsError(try body(), file: file, line: line) { e in
            guard case let EdgeError.usage(m) = e else { return XCTFail("not a usage error: \(e)", file: file, line: line) }
            XCTAssertEqual(m, message, file: file, line: line)
            XCTAssertEqual((e as? EdgeError)?.exitCode, 2, file: file, line: line)
        }
    }

    func testAttackOptionsParseToTypedValues() throws {
        let r = try attack(attack: "apgd-ce", eps: "0.05, 0.1", norm: "l2", net: "int8", mode: "ste", format: "json")
        XCTAssertEqual(r.attack, .apgdCE)
        XCTAssertEqual(r.epsilons, [0.05, 0.1])
        XCTAssertEqual(r.norm, .l2)
        XCTAssertEqual(r.net, .int8)
        XCTAssertEqual(r.mode, .ste)
        XCTAssertEqual(r.format, .json)
        XCTAssertTrue(r.needsSimulation)
        // The added attacks skip the transfer matrix on the float net; Square never has it.
        XCTAssertFalse(try attack(attack: "autoattack").needsSimulation)
        XCTAssertTrue(try attack(attack: "fgsm").needsSimulation)
        XCTAssertFalse(try attack(attack: "square", net: "int8", mode: "query").needsSimulation)
        // L2 radii go up to 100, L∞ ones to 1.
        XCTAssertEqual(try attack(attack: "cw", eps: "50").epsilons, [50])
    }

    func testAttackRefusalsKeepTheirMessages() {
        assertUsage("--attack must be one of fgsm, pgd, apgd-ce, apgd-dlr, cw, square, mifgsm, apgd-t, fab-t, autoattack, ddn, deepfool") {
            _ = try attack(attack: "nosuch")
        }
        assertUsage("--targeted is not offered for --attack apgd-ce (use pgd or cw)") { _ = try attack(attack: "apgd-ce", targeted: true) }
        assertUsage("--norm must be linf or l2") { _ = try attack(norm: "l3") }
        assertUsage("--net must be float or int8") { _ = try attack(net: "int16") }
        assertUsage("--mode must be transfer, ste or query") { _ = try attack(mode: "x") }
        assertUsage("--format must be table or json") { _ = try attack(format: "xml") }
        assertUsage("the Square attack runs only as --net int8 --mode query") { _ = try attack(attack: "square") }
        assertUsage("--mode query needs --attack square") { _ = try attack(net: "int8", mode: "query") }
        assertUsage("--norm l2 applies to pgd, apgd-ce, apgd-t, fab-t and autoattack (fgsm, mifgsm and square are L∞; cw, ddn and deepfool are L2)") {
            _ = try attack(attack: "fgsm", norm: "l2")
        }
        assertUsage("steps, restarts and queries must be positive") { _ = try attack(steps: 0) }
        assertUsage("--eps: '2' is not a valid radius") { _ = try attack(eps: "2") }
        assertUsage("--eps: 'nan' is not a valid radius") { _ = try attack(eps: "0.1,nan") }
        assertUsage("--eps is empty") { _ = try attack(eps: ",") }
        assertUsage("steps ≤ 100000, restarts ≤ 1000, --max-steps ≤ 100000, --search-steps ≤ 64, --queries ≤ 1000000") {
            _ = try attack(steps: 100_001)
        }
        assertUsage("--step-size must be a finite number in (0, 100], got -1.0") { _ = try attack(stepSize: -1) }
        assertUsage("--kappa must be a finite number ≥ 0, got nan") { _ = try attack(kappa: .nan) }
        assertUsage("--limit must be positive, got 0") { _ = try attack(limit: 0) }
        // The first failing check wins, in the command's order.
        assertUsage("--norm must be linf or l2") { _ = try attack(norm: "l3", net: "x", format: "xml") }
    }

    func testMIAndEvaluateRefusals() {
        func mi(samples: Int = 100, sigma2: Double? = nil, inputs: String = "clean", format: String = "table") throws {
            _ = try MIRequest(samples: samples, sigma2: sigma2, binSize: 0.5, eps: 0.1, inputs: inputs, layers: nil, exportActivations: nil,
                              format: format, seed: 1)
        }
        assertUsage("--samples must be in 2...20000") { try mi(samples: 1) }
        assertUsage("--sigma2, --bin-size and --eps must be positive (eps ≤ 1)") { try mi(sigma2: 0) }
        assertUsage("--sigma2 and --bin-size must be finite") { try mi(sigma2: .infinity) }
        assertUsage("--format must be table or json") { try mi(format: "csv") }
        assertUsage("--inputs is empty") { try mi(inputs: ",") }
        XCTAssertThrowsError(try mi(inputs: "clean,nosuch")) { e in XCTAssert("\(e)".contains("unknown MI input 'nosuch'"), "\(e)") }
        XCTAssertEqual(try MIRequest(samples: 30, sigma2: nil, binSize: 0.5, eps: 0.1, inputs: "clean, pgd", layers: "relu1, fc3",
                                     exportActivations: nil, format: "json", seed: 1).layers, ["relu1", "fc3"])
        assertUsage("--net must be float, int8 or both") { _ = try EvaluateRequest(corruptions: "all", net: "x", format: "table", limit: nil, seed: 1) }
        XCTAssertThrowsError(try EvaluateRequest(corruptions: "jpeg,nosuch", net: "both", format: "table", limit: nil, seed: 1)) { e in
            XCTAssert("\(e)".contains("unknown corruption 'nosuch'"), "\(e)")
        }
        XCTAssertEqual(try EvaluateRequest(corruptions: "jpeg", net: "int8", format: "json", limit: nil, seed: 1).nets, ["int8"])
        assertUsage("--bins must be in 1...10000") { _ = try NpyMetrics.Calibration(probs: "p", labels: "l", bins: 0, format: "table") }
        assertUsage("--sigma2 and --bin-size must be positive") {
            _ = try NpyMetrics.Information(activations: "a", labels: "l", sigma2: .nan, binSize: 0.5, format: "table")
        }
    }
}
