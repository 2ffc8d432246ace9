import XCTest
import EdgeCore
import EdgeData
import EdgeMetrics
import EdgeFloat
import EdgeQuant
@testable import EdgeAudit

/// `mi`, `evaluate` and `metrics` rendered by EdgeAudit against their outputs recorded
/// before the rendering moved out of the CLI (Tests/Fixtures/commands/*.out, written by the
/// binary of main d6b6ae9, the model-based ones re-recorded by scripts/record-model-fixtures.sh
/// when the shipped models were re-made in issue 18; the .npy inputs are random arrays made
/// with numpy, seed 3).
final class CommandTextTests: XCTestCase {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    var fixtures: String { root + "/Tests/Fixtures/commands/" }

    func recorded(_ name: String) throws -> String { try String(contentsOfFile: fixtures + name + ".out", encoding: .utf8) }

    /// The shipped LeNet-5 (float and int8) and `limit` images of the calibration folder.
    func lenet(limit: Int?) throws -> (FloatNetwork, IntegerNetwork, LabeledImages) {
        let loaded = try QuantizedModelFile.read(root + "/models/fashion-lenet5-q.bin")
        let s = loaded.model.graph.inputShape
        let set = try ImageFolder.load(root + "/calibration/fashion-mnist", classNames: loaded.model.metadata.classNames,
                                       shape: (s[0], s[1], s[2]), limit: limit).images
        return (try FloatNetwork(loaded.model), try IntegerNetwork(loaded.int8!), set)
    }

    func testMetricsECEAndMIOnNpyArrays() throws {
        let table = try NpyMetrics.Calibration(probs: fixtures + "probs.npy", labels: fixtures + "labels.npy", bins: 15, format: "table")
        XCTAssertEqual(NpyMetricsText.calibration(try table.run(), format: .table) + "\n", try recorded("x_ece_table"))
        let json = try NpyMetrics.Calibration(probs: fixtures + "probs64.npy", labels: fixtures + "labels.npy", bins: 7, format: "json")
        XCTAssertEqual(NpyMetricsText.calibration(try json.run(), format: .json) + "\n", try recorded("x_ece_json"))
        for (name, s2, lambda, format) in [("x_mi_table", 0.1, 0.5, "table"), ("x_mi_json", 0.3, 0.25, "json")] {
            let q = try NpyMetrics.Information(activations: fixtures + "acts.npy", labels: fixtures + "labels.npy", sigma2: s2, binSize: lambda,
                                               format: format)
            let (n, d, e) = try q.run()
            XCTAssertEqual(NpyMetricsText.information(n: n, d: d, e, sigma2: s2, binSize: lambda, format: q.format) + "\n", try recorded(name), name)
        }
    }

    func testMITableForTwoLayersAndJSONWithPGDInputs() throws {
        let (float, int8, set) = try lenet(limit: nil)
        let t = try MIRequest(samples: 20, sigma2: 0.5, binSize: 0.3, eps: 0.1, inputs: "clean", layers: "relu1,fc3", exportActivations: nil,
                              format: "table", seed: 1)
        XCTAssertEqual(MIReportText.table(try MIRun.run(t, float: float, int8: int8, set: set, quiet: true)) + "\n", try recorded("m_mi_sigma2"))
        let j = try MIRequest(samples: 30, sigma2: nil, binSize: 0.5, eps: 0.1, inputs: "clean,pgd", layers: nil, exportActivations: nil,
                              format: "json", seed: 1)
        XCTAssertEqual(MIReportText.json(try MIRun.run(j, float: float, int8: int8, set: set, quiet: true)) + "\n", try recorded("m_mi_json"))
    }

    func testEvaluateTableForBothNetsAndJSONForInt8() throws {
        let (float, int8, set) = try lenet(limit: 30)
        let t = try EvaluateRequest(corruptions: "jpeg,saturation", net: "both", format: "table", limit: 30, seed: 1)
        let rt = try EvaluateRun.run(t, float: float, int8: int8, set: set, quiet: true)
        XCTAssertEqual(EvaluateReportText.table(rt, request: t, side: 28) + "\n", try recorded("v_eval_table"))
        let j = try EvaluateRequest(corruptions: "gaussian_noise", net: "int8", format: "json", limit: 30, seed: 1)
        let rj = try EvaluateRun.run(j, float: float, int8: int8, set: set, quiet: true)
        XCTAssertEqual(EvaluateReportText.json(rj, request: j) + "\n", try recorded("v_eval_int8json"))
    }

    /// Activations [N, 0] are bad data naming the file (they used to trap in the estimator).
    func testMetricsMIRefusesZeroWidthActivations() throws {
        let path = NSTemporaryDirectory() + "edge-audit-empty-\(UUID().uuidString).npy"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(NpyArray.encodeFloat32([], shape: [60, 0])).write(to: URL(fileURLWithPath: path))
        let q = try NpyMetrics.Information(activations: path, labels: fixtures + "labels.npy", sigma2: 0.1, binSize: 0.5, format: "table")
        XCTAssertThrowsError(try q.run()) { e in
            guard case let EdgeError.badData(p, reason) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(p, path)
            XCTAssertEqual(reason, "activations [60, 0] have no features per sample")
            XCTAssertEqual((e as? EdgeError)?.exitCode, 65)
        }
    }
}
