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

/// Imported float models through our own quantiser (on the fly, as model.bin without int8):
/// the int8 graph passes the cross-check against its float graph, survives a model.bin round
/// trip, and the int8 engine (both kernel choices, identical) tracks the float engine it was
/// calibrated from: the same class on (nearly) every image and a logit SQNR above 25 dB.
/// Average pools that count their padding become a zero pad + unpadded pool (FloatBuilder),
/// which the int8 engine runs as TFLite's PAD + AVERAGE_POOL_2D.
extension FloatFixtureTests {
    func testImportedFloatModelsQuantiseAndTrackTheFloatNet() throws {
        for file in Self.fixtures {
            let stem = String(file.split(separator: ".")[0])
            let graph = try ModelImporter.importGraph(Array(try Data(contentsOf: Self.dir.appendingPathComponent(file))), path: file)
            let m = try FloatGraphMapper.map(graph, path: file)
            let (shape, x) = try npy(Self.dir.appendingPathComponent("\(stem).inputs.npy"))
            let (c, h, w) = (m.inputShape[0], m.inputShape[1], m.inputShape[2])
            // Planar pixels nearest the stored inputs (NHWC for TFLite, NCHW for ONNX).
            var px = [UInt8](repeating: 0, count: x.count)
            for b in 0..<shape[0] { for ch in 0..<c { for i in 0..<(h * w) {
                let v = file.hasSuffix(".tflite") ? x[(b * h * w + i) * c + ch] : x[(b * c + ch) * h * w + i]
                px[(b * c + ch) * h * w + i] = UInt8(min(max((v * 255).rounded(), 0), 255))
            } } }
            let set = LabeledImages(channels: c, height: h, width: w, pixels: px, labels: [Int](repeating: 0, count: shape[0]),
                                    classNames: m.model.metadata.classNames, sources: [String](repeating: "", count: shape[0]))
            let q = try Quantizer.quantize(m.model, calibration: set)
            try q.crossCheck(against: m.model.graph, path: file, offset: 0)
            let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("edge-q-\(stem)-\(getpid()).bin").path
            defer { try? FileManager.default.removeItem(atPath: tmp) }
            try QuantizedModelFile.write(m.model, int8: q, to: tmp)
            let back = try QuantizedModelFile.read(tmp)
            XCTAssertEqual(back.int8, q, file)
            XCTAssertEqual(back.model.graph, m.model.graph, file)

            let all = Array(0..<set.count)
            let ref = try IntegerNetwork(q, kernels: .reference), simd = try IntegerNetwork(q, kernels: .auto)
            let qi = ref.run(set, all).logits
            XCTAssertEqual(simd.run(set, all).logits, qi, "\(file): \(simd.isaName) differs from the reference kernels")
            let fl = try FloatNetwork(m.model).forward(set.floatBatch(all).data, batch: set.count).logits
            let dq = ref.dequantizedLogits(qi), k = m.classes
            let agree = zip(SoftmaxCrossEntropy.argmax(fl, classes: k), SoftmaxCrossEntropy.argmax(dq, classes: k)).filter { $0 == $1 }.count
            let signal = fl.reduce(0.0) { $0 + Double($1) * Double($1) }
            let noise = zip(fl, dq).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }
            let sqnr = 10 * log10(signal / max(noise, 1e-30))
            print("\(file): int8 (\(q.nodes.count) layers) vs float: \(agree)/\(set.count) same class, logit SQNR \(String(format: "%.1f", sqnr)) dB")
            // Measured 2026-12-01: 16/16 on every fixture, 33.6–47.2 dB.
            XCTAssertGreaterThanOrEqual(agree, 15, file)
            XCTAssertGreaterThan(sqnr, 25, file)
            // The straight-through simulation (dequantised int8 weights, every int8 output on its
            // grid) must stand for the int8 net: within two output steps of its logits.
            let ste = try StraightThrough.network(m.model, q).forward(set.floatBatch(all).data, batch: set.count).logits
            let step = q.nodes[q.nodes.count - 1].quant.scale
            let worst = zip(ste, dq).map { abs($0 - $1) }.max() ?? 0
            print("\(file): straight-through vs int8 engine: largest logit difference \(worst / step) output steps")
            XCTAssertLessThanOrEqual(worst, 2 * step, file)   // measured: 1.0 step on every fixture
        }
    }
}
