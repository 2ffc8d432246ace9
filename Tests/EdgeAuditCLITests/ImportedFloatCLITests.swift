import Foundation
import XCTest

/// The CLI on float TFLite and ONNX files: `predict` on PNGs made from a fixture's stored
/// inputs prints logits within 1e-4 (relative to the image's largest logit) of the reference
/// runtime's (LiteRT, onnxruntime); `inspect` shows the float graph the engine runs.
extension ImportedModelCLITests {
    /// A float32 .npy array: shape and values.
    func floats(_ name: String) throws -> (shape: [Int], values: [Float]) {
        let d = Array(try Data(contentsOf: URL(fileURLWithPath: fixtures + "/" + name)))
        let hlen = Int(d[8]) | Int(d[9]) << 8
        let header = String(decoding: d[10..<(10 + hlen)], as: UTF8.self)
        XCTAssert(header.contains("'<f4'"), header)
        let dims = header.components(separatedBy: "(")[1].components(separatedBy: ")")[0]
            .split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let b = Array(d[(10 + hlen)...])
        return (dims, (0..<dims.reduce(1, *)).map { i in
            Float(bitPattern: UInt32(b[4 * i]) | UInt32(b[4 * i + 1]) << 8 | UInt32(b[4 * i + 2]) << 16 | UInt32(b[4 * i + 3]) << 24)
        })
    }

    func testPredictOnFloatModelsMatchesTheReferenceRuntimes() throws {
        let labels = tmp + "/labels.txt"
        try Data((0..<10).map { "c\($0)" }.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: labels))
        // keras_b's inputs are a seeded colouring, not pixel/255: EdgeImportFloatTests feeds them directly.
        for file in ["keras_a_1ch_float.tflite", "torch_a_opset13.onnx", "torch_b_opset13.onnx"] {
            let stem = String(file.split(separator: ".")[0])
            let x = try floats(stem + ".inputs.npy"), want = try floats(stem + ".logits.npy").values
            // The stored inputs are pixel/255 (checked), so PNGs of those pixels reproduce them.
            var nhwc = x.values, shape = x.shape
            if file.hasSuffix(".onnx") {
                let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
                shape = [n, h, w, c]
                for b in 0..<n { for ch in 0..<c { for i in 0..<(h * w) { nhwc[(b * h * w + i) * c + ch] = x.values[(b * c + ch) * h * w + i] } } }
            }
            let px = nhwc.map { UInt8(($0 * 255).rounded()) }
            XCTAssert(zip(nhwc, px).allSatisfy { $0 == Float($1) / 255 }, "\(stem) inputs are not pixel/255")
            let dir = tmp + "/" + stem
            try writeImages(px, shape: shape, to: dir)
            let r = try run(["predict", fixtures + "/" + file, "--images", dir, "--labels", labels, "--logits", "--quiet"])
            XCTAssertEqual(r.code, 0, r.err)
            XCTAssert(r.err.contains("float net from \(file.hasSuffix(".onnx") ? "ONNX" : "TFLite")"), r.err)
            let got = try logits(r.out)
            XCTAssertEqual(got.count, 16, stem)
            for k in 0..<16 {
                let row = Array(want[(k * 10)..<(k * 10 + 10)])
                let mine = try XCTUnwrap(got[String(format: "%@/c0/img%02d.png", dir, k)], "\(stem) image \(k)")
                let scale = max(1, row.map { abs($0) }.max()!)
                XCTAssertLessThanOrEqual(zip(mine, row).map { abs($0 - $1) }.max()! / scale, 1e-4, "\(stem) image \(k): \(mine) vs \(row)")
            }
        }
    }

    func testInspectShowsTheFloatGraph() throws {
        let r = try run(["inspect", fixtures + "/torch_b_opset13.onnx"])
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssert(r.out.contains("float engine:") && r.out.contains("dwconv") && r.out.contains("clip"), r.out)
        // torch_b's first Conv pads (1, 2); its AveragePool counts the padding: a pad node, then
        // an unpadded average over whole windows.
        XCTAssert(r.out.contains("pad 1,2,1,2"), r.out)
        XCTAssert(r.out.contains("pad 1,1,1,1") && r.out.contains("2×2/2×2 pad 0,0,0,0 /window"), r.out)
        XCTAssert(r.out.contains("columns permuted from NHWC to CHW"), r.out)
        XCTAssert(r.out.contains("labels: none in the file"), r.out)
    }
}
