import XCTest
import Foundation
import EdgeCore
import EdgeFloat
import EdgeImport
import EdgeModel
@testable import EdgeImportFloat

/// Float TFLite and ONNX fixtures made by the real converters (Tests/Fixtures/import/README.md)
/// run on our float engine against the logits their reference runtimes computed: LiteRT for
/// .tflite, onnxruntime for .onnx, on the same 16 stored inputs.
///
/// Tolerance: |ours − theirs| ≤ 1e-4 · max(1, max |logit| of the image). Both sides are
/// binary32 with different summation orders (im2col + OpenBLAS here, XNNPACK / MLAS there),
/// so each dot product of K terms may differ by about K·2⁻²⁴·Σ|w·x|; for these nets (K ≤ 600,
/// logits of order 1–10) that is a few 1e-6 relative at worst; measured: ≤ 1.5e-7 on every
/// fixture. 1e-4 (the issue's bound) still fails a wrong layout, padding side or divisor:
/// swapping top/bottom and left/right padding moves keras_a by 3.6e-2 and onnx_helper by 3e-3.
final class FloatFixtureTests: XCTestCase {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/import")

    static let fixtures = ["keras_a_1ch_float.tflite", "keras_b_3ch_float.tflite", "keras_c_gaphead_float.tflite", "torch_a_opset13.onnx", "torch_a_opset17.onnx",
                           "torch_a_dynamo_opset18.onnx", "torch_b_opset13.onnx", "onnx_helper_opset13.onnx"]

    /// float32 .npy (little-endian '<f4', C order): shape and values.
    func npy(_ url: URL) throws -> (shape: [Int], values: [Float]) {
        let d = Array(try Data(contentsOf: url))
        let hlen = Int(d[8]) | Int(d[9]) << 8
        let header = String(decoding: d[10..<(10 + hlen)], as: UTF8.self)
        XCTAssertTrue(header.contains("'<f4'"), header)
        let dims = header.components(separatedBy: "(")[1].components(separatedBy: ")")[0]
            .split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let body = Array(d[(10 + hlen)...])
        let values = (0..<dims.reduce(1, *)).map { i in
            Float(bitPattern: UInt32(body[4 * i]) | UInt32(body[4 * i + 1]) << 8 | UInt32(body[4 * i + 2]) << 16 | UInt32(body[4 * i + 3]) << 24)
        }
        return (dims, values)
    }

    func testFloatFixturesMatchTheirReferenceRuntimes() throws {
        for file in Self.fixtures {
            let stem = String(file.split(separator: ".")[0])
            let url = Self.dir.appendingPathComponent(file)
            let graph = try ModelImporter.importGraph(Array(try Data(contentsOf: url)), path: file)
            XCTAssertEqual(graph.precision, .float32, file)
            let m = try FloatGraphMapper.map(graph, path: file)
            let net = try FloatNetwork(m.model)
            let (shape, x) = try npy(Self.dir.appendingPathComponent("\(stem).inputs.npy"))
            let want = try npy(Self.dir.appendingPathComponent("\(stem).logits.npy")).values
            let n = shape[0]
            // TFLite inputs are NHWC, ONNX inputs NCHW; the float engine takes NCHW.
            var chw = x
            if file.hasSuffix(".tflite") {
                let (h, w, c) = (shape[1], shape[2], shape[3])
                for b in 0..<n { for i in 0..<(h * w) { for ch in 0..<c { chw[b * h * w * c + ch * h * w + i] = x[(b * h * w + i) * c + ch] } } }
            }
            let got = net.forward(chw, batch: n).logits
            XCTAssertEqual(got.count, want.count, file)
            let k = net.classes
            var worst: Float = 0
            for b in 0..<n {
                let row = want[(b * k)..<(b * k + k)]
                let scale = max(1, row.map { abs($0) }.max()!)
                for j in 0..<k { worst = max(worst, abs(got[b * k + j] - want[b * k + j]) / scale) }
                XCTAssertEqual(SoftmaxCrossEntropy.argmax(Array(got[(b * k)..<(b * k + k)]), classes: k),
                               SoftmaxCrossEntropy.argmax(Array(row), classes: k), "\(file) image \(b)")
            }
            print("\(file): largest |ours − \(file.hasSuffix(".onnx") ? "onnxruntime" : "LiteRT")| / max(1, |logit|) = \(worst) over \(n) images")
            XCTAssertLessThanOrEqual(worst, 1e-4, file)
        }
    }
}
