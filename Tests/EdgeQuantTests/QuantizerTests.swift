import XCTest
import CEdgeKernels
import EdgeCore
import EdgeData
import EdgeFloat
import EdgeModel
@testable import EdgeQuant
import EdgeTrain

final class QuantizerTests: XCTestCase {
    /// A model with random weights (BN statistics random too) and random images.
    static func randomModel(_ arch: Architecture, input: [Int], seed: UInt64) throws -> (Model, LabeledImages) {
        var rng = SeededGenerator(seed: seed)
        let g = arch.graph(input: input, classes: 5)
        var params = try Initializer.parameters(for: g, rng: &rng)
        for i in params.indices where { if case .batchNorm = g.nodes[i].op { return true }; return false }() {
            for c in 0..<params[i][0].count {
                params[i][0].data[c] = rng.uniform(0.5, 1.5)
                params[i][1].data[c] = rng.uniform(-0.2, 0.2)
                params[i][2].data[c] = rng.uniform(-0.3, 0.3)
                params[i][3].data[c] = rng.uniform(0.5, 2)
            }
        }
        for i in params.indices where !params[i].isEmpty && params[i].count == 2 {
            for c in 0..<params[i][1].count { params[i][1].data[c] = rng.uniform(-0.1, 0.1) }
        }
        let m = Model(graph: g, parameters: params, metadata: ModelMetadata(classNames: (0..<5).map { "c\($0)" }))
        let n = 64
        let px = (0..<(n * input.reduce(1, *))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let set = LabeledImages(channels: input[0], height: input[1], width: input[2], pixels: px, labels: (0..<n).map { $0 % 5 },
                                classNames: m.metadata.classNames, sources: (0..<n).map { "r\($0)" })
        return (m, set)
    }

    func testMultiplierQuantisation() {
        // 0.5 = 2^30 · 2^(0 − 31); 0.75 = 0.75·2^31 · 2^(0−31); 0.1 → f = 0.8, e = −3.
        XCTAssertEqual(FixedPoint.quantizeMultiplier(0.5)!.mult, 1 << 30)
        XCTAssertEqual(FixedPoint.quantizeMultiplier(0.5)!.shift, 0)
        XCTAssertEqual(FixedPoint.quantizeMultiplier(0.75)!.mult, 1_610_612_736)
        let t = FixedPoint.quantizeMultiplier(0.1)!
        XCTAssertEqual(t.shift, -3)
        XCTAssertEqual(t.mult, Int32((0.8 * 2_147_483_648).rounded()))
        // Rounding up to 2^31 renormalises: 1 − 2^−40 → (2^30, 1) would exceed; must stay < 1.
        XCTAssertNil(FixedPoint.quantizeMultiplier(1 - 1e-12))
        XCTAssertNil(FixedPoint.quantizeMultiplier(1.5))
        XCTAssertNil(FixedPoint.quantizeMultiplier(0))
        var g = SeededGenerator(seed: 2)
        for _ in 0..<10_000 {
            let m = pow(2, -Double(g.nextInt(below: 30)) - 0.001) * (0.5 + g.nextDouble() / 2)
            guard let q = FixedPoint.quantizeMultiplier(m) else { return XCTFail("\(m)") }
            XCTAssert(q.mult >= 1 << 30)
            XCTAssertEqual(FixedPoint.real(mult: q.mult, shift: q.shift), m, accuracy: m * 1e-9)
        }
    }

    func testRequantMatchesRealArithmetic() {
        // acc·M with M = mult·2^(shift−31) rounds to the nearest integer of the real product
        // (ties are measure-zero for random values).
        var g = SeededGenerator(seed: 3)
        for _ in 0..<20_000 {
            let acc = Int32(truncatingIfNeeded: Int64(g.nextInt(below: 1 << 24)) - (1 << 23))
            let m = 0.5 * g.nextDouble() + 1e-6
            let q = FixedPoint.quantizeMultiplier(m)!
            let got = ea_requant(acc, q.mult, q.shift)
            let want = (Double(acc) * FixedPoint.real(mult: q.mult, shift: q.shift)).rounded()
            XCTAssertEqual(Double(got), want, accuracy: 1, "acc \(acc) m \(m)")
        }
        XCTAssertEqual(ea_requant(100, 1 << 30, 0), 50)
        XCTAssertEqual(ea_requant(3, 1 << 30, 0), 2)       // 1.5 → 2
        XCTAssertEqual(ea_requant(-3, 1 << 30, -1), -1)    // −0.75 → −1
    }

    func testQuantParamsCoverZeroExactly() {
        for (lo, hi) in [(Float(0), Float(6)), (-1, 1), (-3, 0.5), (0.2, 4)] as [(Float, Float)] {
            let q = QuantParams.covering(lo, hi)
            XCTAssertEqual(q.dequantize(q.quantize(0)), 0)
            XCTAssert((-128...127).contains(q.zeroPoint))
        }
        XCTAssertEqual(QuantParams.covering(0, 6).zeroPoint, -128)
        XCTAssertEqual(QuantParams.input.dequantize(Int8(bitPattern: 0xFF ^ 0x80)), 1, accuracy: 1e-7)
    }

    func testReferenceAndSIMDNetworksAreBitIdentical() throws {
        for (arch, input, seed) in [(Architecture.lenet5, [1, 28, 28], UInt64(1)), (.lenet5, [3, 20, 20], 2), (.resnet8, [1, 28, 28], 3), (.resnet8, [3, 15, 13], 4)] {
            let (m, set) = try Self.randomModel(arch, input: input, seed: seed)
            let q = try Quantizer.quantize(m, calibration: set)
            let ref = try IntegerNetwork(q, kernels: .reference), fast = try IntegerNetwork(q, kernels: .auto)
            let idx = Array(0..<set.count)
            let a = ref.run(set, idx, keep: true), b = fast.run(set, idx, keep: true)
            XCTAssertEqual(a.logits, b.logits, "\(arch) \(input) seed \(seed) [\(fast.isaName)]")
            XCTAssertEqual(a.outputs, b.outputs, "\(arch) \(input) seed \(seed): some intermediate layer differs")
            for t in [1, 2] {
                Parallel.threads = t
                XCTAssertEqual(fast.run(set, idx).logits, b.logits, "thread count changed the int8 result")
            }
        }
    }

    func testInt8TracksFloat() throws {
        for arch in Architecture.allCases {
            let (m, set) = try Self.randomModel(arch, input: [1, 16, 16], seed: 7)
            let q = try Quantizer.quantize(m, calibration: set)
            let sq = SQNR.perLayer(float: try FloatNetwork(m), int8: try IntegerNetwork(q), set: set)
            // 8-bit quantisation of well-scaled activations gives roughly 6 dB per bit;
            // every layer must stay far above noise level.
            for (i, s) in sq.enumerated() { XCTAssertGreaterThan(s, 15, "\(arch) layer \(q.nodes[i].name)") }
            XCTAssertEqual(q.nodes.filter { if case .conv = $0.op { return true }; return false }.count,
                           m.graph.nodes.filter { if case .conv2d = $0.op { return true }; if case .dense = $0.op { return true }; return false }.count)
            if arch == .resnet8 {
                // Every batch norm was folded and every ReLU after a conv fused.
                XCTAssertFalse(q.nodes.contains { $0.op == .relu })
            }
        }
    }

    func testBatchNormFoldingIsExactInFloat() {
        let w: [Float] = [1, -2, 0.5, 3], b: [Float] = [0.1, -0.2]
        // γ = (3, 0.5), β = (0.3, −0.1), μ = (1, −1), σ² = (4, 0.25): factors γ/σ = 1.5 and 1.
        let bn = [Tensor(shape: [2], data: [3, 0.5]), Tensor(shape: [2], data: [0.3, -0.1]), Tensor(shape: [2], data: [1, -1]), Tensor(shape: [2], data: [4, 0.25])]
        let (w2, b2) = Quantizer.fold(w: w, b: b, outChannels: 2, bn: bn, eps: 0)
        XCTAssertEqual(w2, [1.5, -3, 0.5, 3])
        XCTAssertEqual(b2[0], (0.1 - 1) * 1.5 + 0.3, accuracy: 1e-6)
        XCTAssertEqual(b2[1], (-0.2 + 1) * 1 - 0.1, accuracy: 1e-6)
    }

    func testQNETRoundTripAndValidationErrors() throws {
        let (m, set) = try Self.randomModel(.resnet8, input: [1, 12, 12], seed: 9)
        let q = try Quantizer.quantize(m, calibration: set, options: .init(method: .percentile))
        let back = try QuantizedGraph.decode(q.encode(), path: "q", base: 0)
        XCTAssertEqual(back, q)
        func expectRejected(_ mutate: (inout QuantizedGraph) -> Void, _ field: String, line: UInt = #line) {
            var g = q
            mutate(&g)
            XCTAssertThrowsError(try g.validate(path: "m.bin", inputShape: [1, 12, 12]), line: line) { e in
                XCTAssert("\(e)".contains(field), "\(e)", line: line)
            }
        }
        let conv = q.nodes.firstIndex { if case .conv = $0.op { return true }; return false }!
        expectRejected({ $0.nodes[conv].quant.scale = 0 }, "scale")
        expectRejected({ $0.nodes[conv].quant.scale = -.infinity }, "scale")
        expectRejected({ $0.nodes[conv].quant.zeroPoint = 128 }, "zero point")
        expectRejected({ g in if case .conv(var c) = g.nodes[conv].op { c.shift[0] = 31; g.nodes[conv].op = .conv(c) } }, "shift[0]")
        expectRejected({ g in if case .conv(var c) = g.nodes[conv].op { c.shift[0] = -32; g.nodes[conv].op = .conv(c) } }, "shift[0]")
        expectRejected({ g in if case .conv(var c) = g.nodes[conv].op { c.multiplier[0] = 5; g.nodes[conv].op = .conv(c) } }, "multiplier[0]")
        expectRejected({ g in if case .conv(var c) = g.nodes[conv].op { c.bias[0] = Int32.max - 10; g.nodes[conv].op = .conv(c) } }, "accumulator bound")
        expectRejected({ g in if case .conv(var c) = g.nodes[conv].op { c.weights[0] = -128; g.nodes[conv].op = .conv(c) } }, "weights")
        expectRejected({ g in if case .conv(var c) = g.nodes[conv].op { c.actMin = 100; c.actMax = 50; g.nodes[conv].op = .conv(c) } }, "clamp")
        expectRejected({ $0.nodes[conv].shape[2] += 1 }, "shape")
        expectRejected({ $0.nodes[conv].inputs = [conv] }, "input")
    }

    func testAccumulatorBoundRejectsHugeLayers() {
        // K = 66312 > (2^31 − 1) / (255·127): even with zero bias this layer could overflow.
        let k = 66_312
        let c = QConvLayer(kernel: 1, stride: 1, padding: 0, inChannels: k, outChannels: 1, isDense: true, weights: [Int8](repeating: 1, count: k),
                           weightScales: [1], bias: [0], multiplier: [1 << 30], shift: [0], actMin: -128, actMax: 127)
        let g = QuantizedGraph(nodes: [
            QNode(op: .input, inputs: [], name: "in", floatNode: 0, shape: [1, 1, k], quant: .input, rangeMin: 0, rangeMax: 1),
            QNode(op: .flatten, inputs: [0], name: "flat", floatNode: 1, shape: [k], quant: .input, rangeMin: 0, rangeMax: 1),
            QNode(op: .conv(c), inputs: [1], name: "fc", floatNode: 2, shape: [1], quant: QuantParams(scale: 1, zeroPoint: 0), rangeMin: 0, rangeMax: 1),
        ], method: "minmax", calibrationImages: 1, perTensor: false)
        XCTAssertThrowsError(try g.validate(inputShape: [k, 1, 1])) { e in XCTAssert("\(e)".contains("accumulator bound"), "\(e)") }
    }

    func testModelFileCarriesBothNets() throws {
        let (m, set) = try Self.randomModel(.lenet5, input: [1, 28, 28], seed: 11)
        let q = try Quantizer.quantize(m, calibration: set)
        let path = NSTemporaryDirectory() + "q-\(UUID().uuidString).bin"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try QuantizedModelFile.write(m, int8: q, to: path)
        let back = try QuantizedModelFile.read(path)
        XCTAssertEqual(back.int8, q)
        XCTAssertEqual(back.model.parameters, m.parameters)
    }
}

/// A channel whose weights died in training (≈ 5e-7, seen in a TRADES LeNet-5) used to make
/// the bias break the int32 bound at max|w|/127; its weight scale is now raised just enough
/// (TFLite's quantiser does the same), and healthy channels keep max|w|/127 exactly.
final class DeadChannelQuantizationTests: XCTestCase {
    func testDeadChannelGetsAScaleItsBiasFitsAndOthersAreUntouched() throws {
        let per = 150, inScale: Float = 1 / 255, out = QuantParams.covering(-4, 6)
        var w = [Float](repeating: 0, count: 2 * per)
        for k in 0..<per { w[k] = Float(k % 7 - 3) * 0.01; w[per + k] = Float(k % 5 - 2) * 2.5e-7 }
        let b: [Float] = [0.2, 0.35]
        let layer = try Quantizer.quantizeLayer(weights: w, bias: b, outChannels: 2, inScale: inScale, out: out, relu: false, perTensor: false,
                                                name: "conv", kernel: 5, stride: 1, padding: 0, inChannels: 6, dense: false)
        XCTAssertEqual(layer.weightScales[0], 0.03 / 127)                 // healthy: unchanged
        let s1 = layer.weightScales[1]
        XCTAssertGreaterThan(s1, 5e-7 / 127)                               // raised
        let bound = Double(Int32.max) - Double(per) * Double(QuantizedGraph.maxProduct)
        XCTAssertLessThanOrEqual(abs(Double(layer.bias[1])), bound)       // the bias now fits
        XCTAssertGreaterThan(abs(Double(layer.bias[1])), 0.99 * bound)    // and only just: the smallest such scale
        // The dead channel's real bias survives: bias_q · s_in · s_w ≈ 0.35.
        XCTAssertEqual(Double(layer.bias[1]) * Double(inScale) * Double(s1), 0.35, accuracy: 1e-6)
    }
}
