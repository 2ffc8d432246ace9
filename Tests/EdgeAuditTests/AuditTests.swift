import XCTest
import EdgeAttacks
import EdgeCore
import EdgeCorruptions
import EdgeData
import EdgeFloat
import EdgeModel
import EdgeQuant
import EdgeTrain
@testable import EdgeAudit

final class AuditTests: XCTestCase {
    func testGateParsingAndEvaluation() throws {
        let text = """
        # release gates
        [[gate]]
        name = "int8 keeps accuracy"
        rule = "int8.clean.accuracy >= float.clean.accuracy - 0.005"   # half a point

        [[gate]]
        rule = "int8.ece <= 5e-2"

        [[gate]]
        name = "no regression"
        rule = "int8.pgd.eps_0.1.accuracy >= baseline - 0.01"
        """
        let gates = try Gates.parse(text, path: "g.toml")
        XCTAssertEqual(gates.map(\.name), ["int8 keeps accuracy", "int8.ece <= 5e-2", "no regression"])
        let m = ["int8.clean.accuracy": 0.897, "float.clean.accuracy": 0.9, "int8.ece": 0.049, "int8.pgd.eps_0.1.accuracy": 0.30]
        let r0 = try Gates.evaluate(gates[0], metrics: m, baseline: nil)
        XCTAssertTrue(r0.passed)
        XCTAssertEqual(r0.rhs, 0.895, accuracy: 1e-12)
        XCTAssertTrue(try Gates.evaluate(gates[1], metrics: m, baseline: nil).passed)
        XCTAssertFalse(try Gates.evaluate(gates[2], metrics: m, baseline: ["int8.pgd.eps_0.1.accuracy": 0.32]).passed)
        XCTAssertTrue(try Gates.evaluate(gates[2], metrics: m, baseline: ["int8.pgd.eps_0.1.accuracy": 0.305]).passed)
        XCTAssertThrowsError(try Gates.evaluate(gates[2], metrics: m, baseline: nil)) { e in XCTAssert("\(e)".contains("--baseline")) }
        // Names are checked against the planned metrics before the audit (exit 2) ...
        XCTAssertThrowsError(try Gates.validate([Gate(name: "x", rule: "int8.nope >= 1")], known: Set(m.keys), baseline: nil)) { e in
            XCTAssert("\(e)".contains("unknown metric 'int8.nope'"), "\(e)")
        }
        XCTAssertThrowsError(try Gates.validate([Gate(name: "x", rule: "int8.ece <= float.nope + 1")], known: Set(m.keys), baseline: nil))
        XCTAssertThrowsError(try Gates.validate([gates[2]], known: Set(m.keys), baseline: nil)) { e in XCTAssert("\(e)".contains("--baseline")) }
        XCTAssertNoThrow(try Gates.validate(gates, known: Set(m.keys), baseline: [:]))
        XCTAssertThrowsError(try Gates.validate([Gate(name: "x", rule: "int8.ece <= 1 <= 2")], known: Set(m.keys), baseline: nil))
        // ... and one the run did not produce, or a NaN, fails the gate with a reason (exit 1).
        let missing = try Gates.evaluate(Gate(name: "x", rule: "int8.nope >= 1"), metrics: m, baseline: nil)
        XCTAssertFalse(missing.passed)
        XCTAssert(missing.reason?.contains("not measured") == true)
        let nan = try Gates.evaluate(Gate(name: "x", rule: "int8.ece <= 1"), metrics: ["int8.ece": .nan], baseline: nil)
        XCTAssertFalse(nan.passed)
        XCTAssert(nan.reason?.contains("not a finite number") == true)
        let nanRight = try Gates.evaluate(Gate(name: "x", rule: "int8.ece <= float.ece"), metrics: ["int8.ece": 0, "float.ece": .infinity], baseline: nil)
        XCTAssertFalse(nanRight.passed)
        // Typographic minus and ≥ as pasted from documents mean what they look like.
        let u = try Gates.evaluate(Gate(name: "u", rule: "int8.clean.accuracy ≥ float.clean.accuracy \u{2212} 0.005"), metrics: m, baseline: nil)
        XCTAssertTrue(u.passed)
        XCTAssertEqual(u.rhs, 0.895, accuracy: 1e-12)
        XCTAssertThrowsError(try Gates.parse("[[gate]]\nname = \"a\"\n", path: "g.toml")) { e in XCTAssert("\(e)".contains("without rule")) }
        XCTAssertThrowsError(try Gates.parse("[[gate]]\nrule = 3\n", path: "g.toml")) { e in XCTAssert("\(e)".contains("g.toml:2")) }
        XCTAssertThrowsError(try Gates.parse("[[gate]]\ncolour = \"red\"\n", path: "g.toml")) { e in XCTAssert("\(e)".contains("unknown key")) }
    }

    nonisolated(unsafe) static var ste: FloatNetwork? = nil

    static func fixture() throws -> (FloatNetwork, IntegerNetwork, LabeledImages) {
        var g = SeededGenerator(seed: 3)
        let n = 120
        var px = [UInt8](repeating: 0, count: n * 784), labels: [Int] = []
        for i in 0..<n {
            let label = i % 3
            for y in 0..<28 { for x in 0..<28 {
                let on = label == 0 ? (x / 7 == 1) : (label == 1 ? (y / 7 == 2) : (x == y || x == 27 - y))
                px[i * 784 + y * 28 + x] = on ? UInt8(170 + g.nextInt(below: 80)) : UInt8(g.nextInt(below: 90))
            } }
            labels.append(label)
        }
        let set = LabeledImages(channels: 1, height: 28, width: 28, pixels: px, labels: labels, classNames: ["a", "b", "c"], sources: (0..<n).map { "\($0)" })
        var c = TrainingConfig()
        c.epochs = 2; c.batch = 30; c.quiet = true
        let m = try Trainer.train(c, train: set, test: set)
        let q = try Quantizer.quantize(m, calibration: set)
        ste = try StraightThrough.network(m, q)
        return (try FloatNetwork(m), try IntegerNetwork(q), set)
    }

    func settings() -> AuditSettings {
        var s = AuditSettings.profile("quick")!
        s.eps = [0.1]
        s.pgdSteps = 3
        s.squareQueries = 20
        s.squareImages = 30
        s.corruptions = [.gaussianNoise, .jpeg, .patchShuffle]
        s.cwImages = 12
        s.cwSteps = 5
        s.miSamples = 60
        s.saliencyImages = 6
        return s
    }

    func testResultsAreIdenticalAtOneAndTwoThreads() throws {
        let (f, q, set) = try Self.fixture()
        var texts: [String] = []
        for t in [1, 2] {
            Parallel.threads = t
            var runner = AuditRunner(float: f, int8: q, set: set, settings: settings(), quiet: true)
            runner.ste = Self.ste
            let r = try runner.run()
            XCTAssertNotNil(r.metrics["int8.pgd_ste.eps_0.1.accuracy"])
            XCTAssertNotNil(r.metrics["float.cw.success_rate"])
            XCTAssertNotNil(r.metrics["mi.drift.max_abs"])
            for key in ["saliency.float_vs_int8.l1_mean", "float.saliency.clean_vs_pgd.kendall_tau_median", "int8.saliency.clean_vs_pgd.l1_median"] {
                XCTAssertNotNil(r.metrics[key], key)
            }
            XCTAssertEqual(r.metrics["saliency.images"], 6)
            // The plan that gates are checked against before the run names every metric the
            // run produced (a superset: some are data-dependent).
            let planned = AuditRunner.plannedMetrics(settings: settings(), int8: q.graph, hasSTE: true, imageSide: 28, classNames: set.classNames)
            XCTAssertEqual(Set(r.metrics.keys).subtracting(planned), [], "metrics the plan did not predict")
            XCTAssertGreaterThan(Set(r.metrics.keys).intersection(planned).count, 100)
            var rep = AuditReport(toolVersion: "t", modelPath: "m", modelSHA256: "0", quantizedOnTheFly: false, calibration: "c", imagesPath: "i",
                                  imageCount: set.count, skippedImages: 0, settings: settings(), results: r, gates: [], environment: [])
            rep.generatedAt = "fixed"
            // Everything except timings, environment and the time of writing.
            let json = rep.json()
            texts.append(String(json[..<(json.range(of: "\"environment\"")!.lowerBound)]) + String(json[json.range(of: "\"gates\"")!.lowerBound...].prefix(200)))
            XCTAssertNotNil(r.metrics["int8.square.eps_0.1.accuracy"])
            XCTAssertNotNil(r.metrics["float.corruption.jpeg.level_5.accuracy"])
            XCTAssertEqual(r.metrics["corruption.jpeg.level_5.quality"], 7)
        }
        XCTAssertEqual(texts[0], texts[1])
    }

    func testReportKeysAreSortedAndJUnitHasOneCasePerGate() throws {
        let (f, q, set) = try Self.fixture()
        let r = try AuditRunner(float: f, int8: q, set: set, settings: settings(), quiet: true).run()
        let gates = [Gate(name: "must fail", rule: "int8.clean.accuracy >= 1.5"), Gate(name: "must pass", rule: "int8.clean.accuracy >= 0")]
        let results = try gates.map { try Gates.evaluate($0, metrics: r.metrics, baseline: nil) }
        let rep = AuditReport(toolVersion: "t", modelPath: "m", modelSHA256: SHA256.hex([]), quantizedOnTheFly: true, calibration: "c", imagesPath: "i",
                              imageCount: set.count, skippedImages: 0, settings: settings(), results: r, gates: results, environment: [("threads", "1")])
        XCTAssertFalse(rep.passed)
        let json = rep.json()
        let obj = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        XCTAssertEqual(obj["schema"] as? String, "edge-audit-report/1")
        let keys = json.split(separator: "\n").filter { $0.hasPrefix("  \"") }.map { $0.split(separator: "\"")[1] }
        XCTAssertEqual(keys, keys.sorted())
        let junit = rep.junit()
        XCTAssertEqual(junit.components(separatedBy: "<testcase ").count - 1, 2)
        XCTAssertEqual(junit.components(separatedBy: "<failure ").count - 1, 1)
        let html = HTMLReport.render(rep)
        for section in ["id=\"summary\"", "id=\"attacks\"", "id=\"corruptions\"", "id=\"calibration\"", "id=\"gates\"", "<svg"] {
            XCTAssert(html.contains(section), section)
        }
        XCTAssertFalse(html.contains("http://") && html.contains("src=\"http"), "no external assets")
    }

    func testSHA256KnownAnswers() {
        XCTAssertEqual(SHA256.hex([]), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(Array(repeating: 0x61, count: 1000)), "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }
}
