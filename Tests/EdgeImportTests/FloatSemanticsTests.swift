import Foundation
import XCTest
@testable import EdgeImport

/// The float fixtures' IR, run by the naive ReferenceExecutor on the 16 stored inputs,
/// reproduces the reference runtimes' stored outputs (LiteRT for .tflite, onnxruntime for
/// .onnx) within 1e-4, softmax re-applied where the importer dropped it.
final class FloatSemanticsTests: XCTestCase {
    @discardableResult
    func check(_ name: String, ext: String, nchw: Bool, dir: URL = Fixtures.dir,
               edit: (inout ImportedGraph) -> Void = { _ in }, expectMatch: Bool = true) throws -> Float {
        var g = try ModelImporter.importGraph(Array(try Data(contentsOf: dir.appendingPathComponent("\(name).\(ext)"))),
                                              path: name)
        edit(&g)
        let (ishape, x) = try NpyFloat32.read(dir.appendingPathComponent(name + ".inputs.npy"))
        let (oshape, y) = try NpyFloat32.read(dir.appendingPathComponent(name + ".outputs.npy"))
        let (_, logits) = try NpyFloat32.read(dir.appendingPathComponent(name + ".logits.npy"))
        let per = ishape.dropFirst().reduce(1, *), classes = oshape[1]
        var worst: Float = 0
        for k in 0..<ishape[0] {
            var image = Array(x[(k * per)..<((k + 1) * per)])
            if nchw {  // [C, H, W] → [H, W, C]
                let (c, h, w) = (ishape[1], ishape[2], ishape[3])
                image = (0..<(h * w * c)).map { i in image[(i % c) * h * w + i / c] }
            }
            let z = ReferenceExecutor.run(g, input: image)
            let out = g.softmaxDropped ? ReferenceExecutor.softmax(z) : z
            let expected = Array(y[(k * classes)..<((k + 1) * classes)])
            let expectedLogits = Array(logits[(k * classes)..<((k + 1) * classes)])
            XCTAssertEqual(out.count, classes, name)
            for (a, b) in zip(out, expected) { worst = max(worst, abs(a - b)) }
            for (a, b) in zip(z, expectedLogits) { worst = max(worst, abs(a - b)) }
        }
        if expectMatch { XCTAssertLessThanOrEqual(worst, 1e-4, "\(name): largest difference from the reference runtime") }
        return worst
    }

    /// Negative control: the first conv padded top/left (our trainer's convention) instead
    /// of TensorFlow's bottom/right no longer matches LiteRT, so the comparison has teeth.
    func testTopLeftPaddingWouldNotMatch() throws {
        let worst = try check("keras_a_1ch_float", ext: "tflite", nchw: false, edit: { g in
            if case .conv(var c) = g.nodes[0].op {
                c.padding = Padding4(top: 1, left: 1, bottom: 0, right: 0)
                g.nodes[0].op = .conv(c)
            }
        }, expectMatch: false)
        XCTAssertGreaterThan(worst, 1e-3)
    }

    func testFloatTFLiteMatchesLiteRT() throws {
        for name in Fixtures.tflite where name.hasSuffix("_float") { try check(name, ext: "tflite", nchw: false) }
    }

    /// Models from elsewhere: with EDGE_IMPORT_EXTRA=DIR, every DIR/NAME.tflite|.onnx is
    /// imported, and float ones with NAME.inputs/outputs/logits.npy beside them (the layout
    /// of Tests/Fixtures/import) are compared with their runtime's outputs. A tool for
    /// trying converters' output on new architectures; skipped without the variable.
    func testExtraModelsFromEnvironment() throws {
        guard let path = ProcessInfo.processInfo.environment["EDGE_IMPORT_EXTRA"] else { throw XCTSkip("EDGE_IMPORT_EXTRA not set") }
        let dir = URL(fileURLWithPath: path)
        for file in try FileManager.default.contentsOfDirectory(atPath: path).sorted() {
            let url = dir.appendingPathComponent(file), ext = url.pathExtension, name = url.deletingPathExtension().lastPathComponent
            guard ext == "tflite" || ext == "onnx" else { continue }
            do {
                let g = try ModelImporter.importGraph(Array(try Data(contentsOf: url)), path: file)
                print("\(file): \(g.precision) \(g.nodes.map(\.sourceOp))")
                XCTAssertNil(g.invariantViolation(), file)
                let hasReference = FileManager.default.fileExists(atPath: dir.appendingPathComponent(name + ".logits.npy").path)
                if g.precision == .float32, hasReference {
                    let worst = try check(name, ext: ext, nchw: ext == "onnx", dir: dir)
                    print("\(file): largest difference \(worst)")
                }
            } catch let e as ImportError {
                XCTFail("\(file): \(e)")
            }
        }
    }

    func testONNXMatchesONNXRuntime() throws {
        for name in Fixtures.onnx { try check(name, ext: "onnx", nchw: true) }
    }
}
