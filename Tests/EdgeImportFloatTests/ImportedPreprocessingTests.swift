import XCTest
import Foundation
import EdgeAttacks
import EdgeCore
import EdgeData
import EdgeFloat
import EdgeImport
import EdgeModel
import EdgeQuant
@testable import EdgeImportFloat

/// An imported model's preprocessing becomes its first layer, so the model reads pixel / 255
/// like every model.bin (attacks and ε stay in pixel units), and our quantiser folds that
/// layer into the int8 input table instead of giving it an int8 layer of its own.
extension FloatFixtureTests {
    /// (pixel·s − mean[c]) / std[c] with per-channel values, as PyTorch's Normalize would be given.
    static func normalisation(channels c: Int) -> Preprocessing {
        Preprocessing(inputScale: 1 / 255, mean: c == 1 ? [0.2860] : [0.485, 0.456, 0.406],
                      std: c == 1 ? [0.3530] : [0.229, 0.224, 0.225], source: "test")
    }

    func testPreprocessingIsTheFirstLayerAndMatchesNormalisedInputs() throws {
        for file in ["keras_b_3ch_float.tflite", "torch_a_opset13.onnx"] {
            let graph = try ModelImporter.importGraph(Array(try Data(contentsOf: Self.dir.appendingPathComponent(file))), path: file)
            let raw = try FloatGraphMapper.map(graph, path: file)
            let c = raw.inputShape[0], pre = Self.normalisation(channels: c)
            let m = try FloatGraphMapper.map(graph, path: file, preprocessing: pre)
            XCTAssertEqual(m.model.graph.nodes.count, raw.model.graph.nodes.count + 1, file)
            XCTAssertEqual(m.model.graph.nodes[1].name, FloatGraphMapper.preprocessingNode, file)
            // Independent expectation: the unnormalised graph fed the normalised tensor in float64 → float32.
            let size = c * raw.inputShape[1] * raw.inputShape[2], n = 4
            var rng = SeededGenerator(seed: 7)
            let px = (0..<(n * size)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let hw = size / c
            let normalised = px.indices.map { i -> Float in
                let ch = (i / hw) % c
                return Float((Double(px[i]) * Double(pre.inputScale) - Double(pre.mean[ch])) / Double(pre.std[ch]))
            }
            let want = try FloatNetwork(raw.model).forward(normalised, batch: n).logits
            let got = try FloatNetwork(m.model).forward(m.input(planarPixels: px), batch: n).logits
            let scale = want.map { abs($0) }.max() ?? 1
            for (a, b) in zip(got, want) { XCTAssertEqual(a, b, accuracy: 1e-5 * max(scale, 1), file) }
        }
    }

    func testQuantiserFoldsThePreprocessingIntoTheInputTable() throws {
        let file = "keras_b_3ch_float.tflite"
        let graph = try ModelImporter.importGraph(Array(try Data(contentsOf: Self.dir.appendingPathComponent(file))), path: file)
        let raw = try FloatGraphMapper.map(graph, path: file)
        let pre = Self.normalisation(channels: 3)
        let m = try FloatGraphMapper.map(graph, path: file, preprocessing: pre)
        let (c, h, w) = (m.inputShape[0], m.inputShape[1], m.inputShape[2])
        var rng = SeededGenerator(seed: 3)
        let count = 16
        let set = LabeledImages(channels: c, height: h, width: w, pixels: (0..<(count * c * h * w)).map { _ in UInt8.random(in: 0...255, using: &rng) },
                                labels: [Int](repeating: 0, count: count), classNames: m.model.metadata.classNames,
                                sources: [String](repeating: "", count: count))
        let q = try Quantizer.quantize(m.model, calibration: set)
        let q0 = try Quantizer.quantize(raw.model, calibration: set)
        XCTAssertEqual(q.nodes.count, q0.nodes.count, "the preprocessing must not become an int8 layer")
        guard case let .quantizedInput(table) = q.nodes[0].op else { return XCTFail("node 0 is \(q.nodes[0].op.kind)") }
        try q.crossCheck(against: m.model.graph, path: file, offset: 0)
        // The table against the formula in float64: the extremes set scale and zero point.
        let real = { (ch: Int, p: Int) in (Double(p) / 255 - Double(pre.mean[ch])) / Double(pre.std[ch]) }
        let lo = min(0, (0..<3).map { real($0, 0) }.min()!), hi = max(0, (0..<3).map { real($0, 255) }.max()!)
        XCTAssertEqual(Double(q.nodes[0].quant.scale), (hi - lo) / 255, accuracy: 1e-6)
        var off = 0
        for ch in 0..<3 { for p in 0..<256 {
            let want = min(max((real(ch, p) / Double(q.nodes[0].quant.scale)).rounded() + Double(q.nodes[0].quant.zeroPoint), -128), 127)
            let d = abs(Double(table.table[ch * 256 + p]) - want)
            XCTAssertLessThanOrEqual(d, 1, "channel \(ch) pixel \(p)")
            if d > 0 { off += 1 }
        } }
        XCTAssertLessThanOrEqual(off, 4, "entries off by one (binary32 rounding ties): \(off)")
        // A model.bin round trip keeps both nets, and the int8 net tracks the float one.
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("edge-prep-\(getpid()).bin").path
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        try QuantizedModelFile.write(m.model, int8: q, to: tmp)
        let back = try QuantizedModelFile.read(tmp)
        XCTAssertEqual(back.int8, q)
        let all = Array(0..<count)
        let int8 = try IntegerNetwork(q, kernels: .reference)
        let qi = int8.run(set, all).logits
        XCTAssertEqual(try IntegerNetwork(q, kernels: .auto).run(set, all).logits, qi)
        let fl = try FloatNetwork(m.model).forward(set.floatBatch(all).data, batch: count).logits
        let dq = int8.dequantizedLogits(qi)
        let signal = fl.reduce(0.0) { $0 + Double($1) * Double($1) }
        let noise = zip(fl, dq).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }
        XCTAssertGreaterThan(10 * log10(signal / max(noise, 1e-30)), 25)
        // The straight-through simulation puts the preprocessing's output on the input grid.
        let ste = try StraightThrough.network(m.model, q).forward(set.floatBatch(all).data, batch: count).logits
        let worst = zip(ste, dq).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, 2 * q.nodes[q.nodes.count - 1].quant.scale * (1 + 1e-5))   // measured: 2.0 steps
    }
}
