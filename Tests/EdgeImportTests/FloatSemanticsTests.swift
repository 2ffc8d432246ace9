import XCTest
@testable import EdgeImport

/// The float fixtures' IR, run by the naive ReferenceExecutor on the 16 stored inputs,
/// reproduces the reference runtimes' stored outputs (LiteRT for .tflite, onnxruntime for
/// .onnx) within 1e-4, softmax re-applied where the importer dropped it.
final class FloatSemanticsTests: XCTestCase {
    @discardableResult
    func check(_ name: String, ext: String, nchw: Bool, edit: (inout ImportedGraph) -> Void = { _ in },
               expectMatch: Bool = true) throws -> Float {
        var g = try ModelImporter.importGraph(try Fixtures.bytes("\(name).\(ext)"), path: name)
        edit(&g)
        let (ishape, x) = try NpyFloat32.read(Fixtures.dir.appendingPathComponent(name + ".inputs.npy"))
        let (oshape, y) = try NpyFloat32.read(Fixtures.dir.appendingPathComponent(name + ".outputs.npy"))
        let (_, logits) = try NpyFloat32.read(Fixtures.dir.appendingPathComponent(name + ".logits.npy"))
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

    func testONNXMatchesONNXRuntime() throws {
        for name in Fixtures.onnx { try check(name, ext: "onnx", nchw: true) }
    }
}
