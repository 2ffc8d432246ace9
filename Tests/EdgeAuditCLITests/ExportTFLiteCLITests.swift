import Foundation
import XCTest

/// `edge-audit export --tflite` end to end: the written .tflite predicts exactly what the
/// model.bin's int8 net predicts (same dequantised logits, labels from the file), and the
/// usage errors and unwritable targets are refused.
/// Whole-file reads for comparisons.
enum AtomicFileBytes {
    static func read(_ p: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: p)) }
}

final class ExportTFLiteCLITests: CLITestCase {
    /// Runs from the repository root (the tests name models/… relatively).
    func run(_ args: [String]) throws -> (code: Int32, signal: Int32, out: String, err: String) {
        try run(args, env: [:], directory: root)
    }

    func testExportedTFLitePredictsLikeTheModel() throws {
        let model = "models/fashion-lenet5-q.bin", out = tmp + "/m.tflite", st = tmp + "/m.safetensors"
        let e = try run(["export", model, "--tflite", out, "--safetensors", st])
        XCTAssertEqual(e.code, 0, e.err)
        XCTAssert(e.out.contains("full-integer TFLite"), e.out)
        XCTAssert(FileManager.default.fileExists(atPath: st))
        let args = ["--images", "calibration/fashion-mnist", "--limit", "60", "--logits", "--format", "csv", "--quiet"]
        let a = try run(["predict", model, "--net", "int8"] + args), b = try run(["predict", out] + args)
        XCTAssertEqual(a.code, 0, a.err)
        XCTAssertEqual(b.code, 0, b.err)
        XCTAssertEqual(a.out, b.out, "the exported .tflite (labels from its labels.txt) predicts what the model's int8 net predicts")
    }

    func testUsageAndUnwritableTargets() throws {
        let model = "models/fashion-lenet5-q.bin"
        XCTAssertEqual(try run(["export", model]).code, 2)
        XCTAssertEqual(try run(["export", model, "--tflite", tmp + "/x", "--safetensors", tmp + "/x"]).code, 2)
        try FileManager.default.copyItem(atPath: root + "/" + model, toPath: tmp + "/m.bin")
        XCTAssertEqual(try run(["export", tmp + "/m.bin", "--tflite", tmp + "/./m.bin"]).code, 2, "the model is not overwritten")
        XCTAssertEqual(try AtomicFileBytes.read(tmp + "/m.bin"), try AtomicFileBytes.read(root + "/" + model))
        let r = try run(["export", model, "--tflite", tmp])
        XCTAssertNotEqual(r.code, 0)
        XCTAssert(r.err.contains(tmp), r.err)
        var isDir: ObjCBool = false
        XCTAssert(FileManager.default.fileExists(atPath: tmp, isDirectory: &isDir) && isDir.boolValue, "the directory is left alone")
        let f = try run(["export", model + ".missing", "--tflite", tmp + "/y.tflite"])
        XCTAssertEqual(f.code, 66, f.err)
    }
}
