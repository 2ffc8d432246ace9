import Foundation
import XCTest
@testable import EdgeImport

/// The int8 fixtures' IR, run by the naive Int8ReferenceExecutor with TFLite's reference
/// integer arithmetic, reproduces TensorFlow Lite Micro's stored int8 logits. Checks that the
/// importer's scales, zero points, per-channel axes, int32 biases, pads and clamp bounds mean
/// what the IR says; the engine's own bit-exactness is tested by its kernels' tests.
final class Int8SemanticsTests: XCTestCase {
    func testInt8FixturesMatchTFLiteMicro() throws {
        for name in Fixtures.tflite where !name.hasSuffix("_float") { try check(name, dir: Fixtures.dir) }
    }

    /// With EDGE_IMPORT_EXTRA=DIR (scripts/make_import_stress.py), every int8 DIR/NAME.tflite
    /// with NAME.inputs/logits.npy beside it; skipped without the variable.
    func testExtraInt8ModelsFromEnvironment() throws {
        guard let path = ProcessInfo.processInfo.environment["EDGE_IMPORT_EXTRA"] else { throw XCTSkip("EDGE_IMPORT_EXTRA not set") }
        for file in try FileManager.default.contentsOfDirectory(atPath: path).sorted() where file.hasSuffix("_int8.tflite") {
            try check(String(file.dropLast(".tflite".count)), dir: URL(fileURLWithPath: path))
        }
    }

    func check(_ name: String, dir: URL) throws {
        do {
            let g = try ModelImporter.importGraph(Array(try Data(contentsOf: dir.appendingPathComponent(name + ".tflite"))), path: name)
            let inputs = try NpyAny.read(dir.appendingPathComponent(name + ".inputs.npy"))
            let logits = try NpyAny.read(dir.appendingPathComponent(name + ".logits.npy"))
            let expected = try XCTUnwrap(logits.ints, "\(name): logits are not int8")
            let per = inputs.shape.dropFirst().reduce(1, *), classes = logits.shape[1]
            var exact = 0, worst: Int32 = 0
            for k in 0..<inputs.shape[0] {
                let out: [Int32]
                if let f = inputs.floats {
                    out = Int8ReferenceExecutor.run(g, input: [], floatInput: Array(f[(k * per)..<((k + 1) * per)]))
                } else {
                    out = Int8ReferenceExecutor.run(g, input: Array(inputs.ints![(k * per)..<((k + 1) * per)]))
                }
                let e = Array(expected[(k * classes)..<((k + 1) * classes)])
                XCTAssertEqual(out.count, classes, name)
                for (a, b) in zip(out, e) { worst = max(worst, abs(a - b)); if a == b { exact += 1 } }
            }
            print("\(name): \(exact)/\(expected.count) logits equal to TFLite Micro's, largest difference \(worst)")
            XCTAssertEqual(Int(worst), 0, "\(name): int8 logits differ from TFLite Micro's by up to \(worst)")
        }
    }
}
