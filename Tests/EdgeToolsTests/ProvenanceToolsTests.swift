import XCTest
import EdgeCore
import EdgeData
import EdgeModel
import EdgeQuant
import EdgeTools
import EdgeTrain

/// What train and quantize record, and where the source commit comes from.
final class ProvenanceToolsTests: XCTestCase {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    func testQuantizeRecordsItsRecipeAndTheDigestsOfItsInputs() throws {
        let src = try AtomicFile.read(root + "/models/fashion-lenet5.bin", limit: 64 << 20)
        let loaded = try QuantizedModelFile.decode(src, path: "f.bin")
        let cal = try ImageLoading.load(root + "/calibration/fashion-mnist", for: loaded.model, strict: false, limit: 20, log: { _ in })
        let out = NSTemporaryDirectory() + "edge-audit-prov-\(UUID().uuidString).bin"
        defer { try? FileManager.default.removeItem(atPath: out) }
        _ = try QuantizeJob.run(model: "models/f.bin", loaded, sourceBytes: src, calibration: cal, calibrationPath: "cal dir",
                                options: .init(method: .percentile, perTensor: true), out: out)
        let written = try AtomicFile.read(out, limit: 64 << 20)
        let decoded = try QuantizedModelFile.decode(written, path: out)
        let p = try XCTUnwrap(decoded.model.provenance)
        XCTAssertEqual(p.command, ["quantize", "models/f.bin", "--calibration", "cal dir", "--method", "percentile", "--per-tensor"])
        XCTAssertEqual(p.inputs.map(\.role), ["model", "calibration"])
        XCTAssertEqual(p.inputs[0].sha256, try ModelFile.contentSHA256(src, path: "f.bin"))
        // The image digest by its definition, built here: shape, count, classes, labels, pixels.
        var w = ByteWriter()
        for v in [1, 28, 28, 20, 10] { w.u32(UInt32(v)) }
        for n in cal.classNames { w.string(n) }
        for l in cal.labels { w.u32(UInt32(l)) }
        w.raw(cal.pixels)
        XCTAssertEqual(p.inputs[1].sha256, SHA256.hex(w.bytes))
        XCTAssertEqual(p.toolVersion, SourceCommit.toolVersion)
        // The content digest covers the int8 net: it differs from the float source's.
        XCTAssertNotEqual(try ModelFile.contentSHA256(written, path: out), p.inputs[0].sha256)
    }

    func testTrainCommandFillsEveryDefaultAndLeavesOutWhatDoesNotShapeTheModel() {
        var job = TrainJob(out: "x.bin")
        job.optimizer = "sgd"
        job.limit = 2000
        job.miLog = "planes.json"
        var cfg = TrainingConfig()
        cfg.optimizer = .sgd
        XCTAssertEqual(RecipeProvenance.trainCommand(job, cfg),
                       ["train", "--arch", "lenet5", "--dataset", "fashion-mnist", "--epochs", "15", "--batch", "128", "--optimizer", "sgd",
                        "--lr", "0.05", "--weight-decay", "0.0005", "--seed", "1", "--adversarial", "none", "--limit", "2000"])
        job.adversarial = "pgd"
        job.eps = 0.08
        XCTAssertEqual(Array(RecipeProvenance.trainCommand(job, cfg).suffix(9)),
                       ["pgd", "--eps", "0.08", "--step-size", "0.02", "--steps", "7", "--limit", "2000"])
        XCTAssertThrowsError(try RecipeProvenance.check(["train", "--dataset", "a\nb"])) { e in
            guard case EdgeError.usage(let m) = e else { return XCTFail("\(e)") }
            XCTAssert(m.contains("U+000A"), m)
        }
    }

    func testSourceCommitOrigins() throws {
        XCTAssert(SourceCommit.current(environment: ["EDGE_AUDIT_SOURCE_COMMIT": "abc\u{1b}def"], executable: nil) == ("abcdef", "EDGE_AUDIT_SOURCE_COMMIT"),
                  "taken as given, control characters dropped")
        XCTAssert(SourceCommit.current(environment: [:], executable: "/usr/local/bin/edge-audit") == ("unknown", "none"))
        XCTAssert(SourceCommit.current(environment: [:], executable: "/nonexistent/.build/release/edge-audit") == ("unknown", "none"))
        let (commit, origin) = SourceCommit.current(environment: [:], executable: root + "/.build/release/edge-audit")
        // In a git checkout: HEAD as git itself prints it, possibly marked dirty or stale.
        guard origin == "git" else { return XCTAssertEqual(commit, "unknown") }
        XCTAssert(Provenance.isCommit(String(commit.prefix(40))), commit)
        XCTAssert([40, 46, 46].contains(commit.count) && (commit.count == 40 || commit.hasSuffix("-dirty") || commit.hasSuffix("-stale")), commit)
    }
}
