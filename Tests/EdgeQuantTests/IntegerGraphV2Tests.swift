import XCTest
import EdgeCore
import EdgeData
@testable import EdgeQuant

/// Properties of the version-2 integer graph: depthwise equals its grouped-dense
/// expression, QNET round trips, old sections stay byte-identical, validation names the
/// node and field of every new rule.
final class IntegerGraphV2Tests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A random depthwise layer over `c` channels with multiplier `m`, and random pixels.
    func randomDepthwise(_ rng: inout SeededGenerator, c: Int, m: Int, h: Int, w: Int, kh: Int, kw: Int, sh: Int, sw: Int,
                         pads: (Int, Int, Int, Int)) -> QConvLayer {
        let o = c * m, t = kh * kw
        let weights = (0..<(o * t)).map { _ in Int8(Int(rng.nextInt(below: 255)) - 127) }
        let bias = (0..<o).map { _ in Int32(rng.nextInt(below: 20001)) - 10000 }
        let mult = (0..<o).map { _ in Int32(1 << 30) + Int32(rng.nextInt(below: 1 << 30)) }
        let shift = (0..<o).map { _ in Int32(-5 - rng.nextInt(below: 8)) }
        return QConvLayer(kernelH: kh, kernelW: kw, strideH: sh, strideW: sw, padTop: pads.0, padBottom: pads.1, padLeft: pads.2,
                          padRight: pads.3, inChannels: c, outChannels: o, isDense: false, isDepthwise: true, weights: weights,
                          weightScales: .init(repeating: 1, count: o), bias: bias, multiplier: mult, shift: shift,
                          actMin: -128, actMax: 127)
    }

    /// The same layer as an ordinary convolution whose weights are zero outside each output
    /// channel's own input channel (a grouped convolution written densely).
    func asDense(_ d: QConvLayer) -> QConvLayer {
        var c = d
        let t = d.kernelH * d.kernelW, m = d.depthMultiplier
        var w = [Int8](repeating: 0, count: d.outChannels * t * d.inChannels)
        for o in 0..<d.outChannels { for a in 0..<t { w[(o * t + a) * d.inChannels + o / m] = d.weights[o * t + a] } }
        c.isDepthwise = false
        c.weights = w
        return c
    }

    func net(_ layer: QConvLayer, h: Int, w: Int) -> QuantizedGraph {
        let oh = (h + layer.padTop + layer.padBottom - layer.kernelH) / layer.strideH + 1
        let ow = (w + layer.padLeft + layer.padRight - layer.kernelW) / layer.strideW + 1
        let q = QuantParams(scale: 0.05, zeroPoint: 7)
        return QuantizedGraph(nodes: [
            QNode(op: .input, inputs: [], name: "in", floatNode: 0, shape: [h, w, layer.inChannels], quant: .input, rangeMin: 0, rangeMax: 1),
            QNode(op: .conv(layer), inputs: [0], name: "dw", floatNode: 0, shape: [oh, ow, layer.outChannels], quant: q, rangeMin: 0, rangeMax: 1),
            QNode(op: .flatten, inputs: [1], name: "flat", floatNode: 0, shape: [oh * ow * layer.outChannels], quant: q, rangeMin: 0, rangeMax: 1),
        ], method: "test", calibrationImages: 0, perTensor: false)
    }

    func testDepthwiseEqualsItsGroupedDenseForm() throws {
        var rng = SeededGenerator(seed: 12)
        for trial in 0..<40 {
            let c = [1, 3, 8, 16, 17, 32, 33, 40][trial % 8], m = trial % 5 == 0 ? 2 : 1
            let kh = 1 + rng.nextInt(below: 3), kw = 1 + rng.nextInt(below: 3)
            let sh = 1 + rng.nextInt(below: 2), sw = 1 + rng.nextInt(below: 2)
            let pads = (rng.nextInt(below: kh), rng.nextInt(below: kh), rng.nextInt(below: kw), rng.nextInt(below: kw))
            let h = 3 + rng.nextInt(below: 9), w = 3 + rng.nextInt(below: 9)
            let d = randomDepthwise(&rng, c: c, m: m, h: h, w: w, kh: kh, kw: kw, sh: sh, sw: sw, pads: pads)
            let px = (0..<(c * h * w)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let set = LabeledImages(channels: c, height: h, width: w, pixels: px, labels: [0], classNames: ["a"], sources: ["x"])
            let gd = net(d, h: h, w: w), gc = net(asDense(d), h: h, w: w)
            try gd.validate(inputShape: [c, h, w])
            try gc.validate(inputShape: [c, h, w])
            let want = try IntegerNetwork(gc, kernels: .reference).run(set, [0]).logits
            XCTAssertEqual(try IntegerNetwork(gd, kernels: .reference).run(set, [0]).logits, want, "trial \(trial) reference")
            XCTAssertEqual(try IntegerNetwork(gd, kernels: .auto).run(set, [0]).logits, want, "trial \(trial) simd")
            XCTAssertEqual(try IntegerNetwork(gc, kernels: .auto).run(set, [0]).logits, want, "trial \(trial) dense simd")
        }
    }

    func testVersion2RoundTripAndVersion1Unchanged() throws {
        var rng = SeededGenerator(seed: 3)
        var g = net(randomDepthwise(&rng, c: 4, m: 1, h: 6, w: 5, kh: 3, kw: 2, sh: 2, sw: 1, pads: (0, 1, 1, 0)), h: 6, w: 5)
        g.nodes[0].op = .quantizedInput(QInputLayer.affine(channels: 4, quant: .input))
        try g.validate(inputShape: [4, 6, 5])
        XCTAssertEqual(g.encodedVersion, 2)
        let bytes = g.encode()
        XCTAssertEqual(try QuantizedGraph.decode(bytes, path: "t", base: 0), g)
        // Every prefix is refused with a typed error.
        for n in 0..<bytes.count {
            XCTAssertThrowsError(try QuantizedGraph.decode(Array(bytes[0..<n]), path: "t", base: 0))
        }
        // The shipped models' QNET sections re-encode byte for byte as version 1.
        for name in ["fashion-lenet5-q.bin", "fashion-resnet8-q.bin"] {
            let path = Self.root.appendingPathComponent("models/" + name).path
            let file = try AtomicFile.read(path)
            let loaded = try QuantizedModelFile.decode(file, path: path)
            let q = try XCTUnwrap(loaded.int8)
            XCTAssertEqual(q.encodedVersion, 1)
            XCTAssertEqual(q.encode(), loaded.model.extraSections[QuantizedGraph.tag], name)
        }
        // A version-1 section may not carry version-2 op codes.
        var v1 = bytes
        v1[0] = 1
        XCTAssertThrowsError(try QuantizedGraph.decode(v1, path: "t", base: 0)) { XCTAssert("\($0)".contains("needs QNET version 2")) }
    }

    func testEveryNewRuleNamesNodeAndField() throws {
        var rng = SeededGenerator(seed: 5)
        let base = net(randomDepthwise(&rng, c: 4, m: 1, h: 6, w: 6, kh: 3, kw: 3, sh: 1, sw: 1, pads: (1, 1, 1, 1)), h: 6, w: 6)
        try base.validate(inputShape: [4, 6, 6])
        func rejects(_ field: String, _ edit: (inout QConvLayer) -> Void) {
            var g = base
            guard case .conv(var c) = g.nodes[1].op else { return XCTFail() }
            edit(&c)
            g.nodes[1].op = .conv(c)
            XCTAssertThrowsError(try g.validate(inputShape: [4, 6, 6]), field) { e in
                XCTAssert("\(e)".contains("int8 layer 1 (dw)") && "\(e)".contains(field), "\(field): \(e)")
            }
        }
        rejects("kernel/stride/padding") { $0.padTop = 3 }
        rejects("kernel/stride/padding") { $0.strideW = 0 }
        rejects("kernel/stride/padding") { $0.kernelW = 16 }
        rejects("depthwise") { $0.outChannels = 6; $0.weights += [Int8](repeating: 0, count: 18) }
        rejects("weights") { $0.weights.removeLast() }
        rejects("shift[0]") { $0.shift[0] = 31 }
        rejects("multiplier[0]") { $0.multiplier[0] = 12345 }
        rejects("real scales") { $0.realScale = [1, 1, 1, 1] }
        rejects("real scales") { $0.rounding = .doubleScale }
        rejects("real scale[2]") { $0.rounding = .doubleScale; $0.realScale = [1, 1, .nan, 1] }
        rejects("accumulator bound") { $0.bias[1] = Int32.max - 9 * 32385 + 1 }
        rejects("shape") { $0.padBottom = 0 }
        // Left shifts up to 30 and multiplier 0 are TFLite's and valid.
        var ok = base
        if case .conv(var c) = ok.nodes[1].op { c.shift[0] = 30; c.multiplier[1] = 0; ok.nodes[1].op = .conv(c) }
        XCTAssertNoThrow(try ok.validate(inputShape: [4, 6, 6]))
        // Pooling, mean and pad rules.
        func rejectsOp(_ op: QOp, shape: [Int], _ field: String) {
            var g = base
            g.nodes[1] = QNode(op: op, inputs: [0], name: "p", floatNode: 0, shape: shape, quant: .input, rangeMin: 0, rangeMax: 1)
            g.nodes[2].quant = .input
            g.nodes[2].shape = [shape.reduce(1, *)]
            XCTAssertThrowsError(try g.validate(inputShape: [4, 6, 6]), field) { e in
                XCTAssert("\(e)".contains("int8 layer 1 (p)") && "\(e)".contains(field), "\(field): \(e)")
            }
        }
        rejectsOp(.pool(QPoolLayer(kind: .max, kernelH: 2, kernelW: 2, strideH: 2, strideW: 2, padTop: 2)), shape: [3, 3, 4], "kernel/stride/padding")
        rejectsOp(.pool(QPoolLayer(kind: .average, kernelH: 2, kernelW: 2, strideH: 2, strideW: 2, actMin: 5, actMax: 4)), shape: [3, 3, 4], "clamp")
        rejectsOp(.pad(QPadLayer(top: 1, bottom: 0, left: 0, right: 0)), shape: [6, 6, 4], "shape")
        rejectsOp(.mean(QMeanLayer(multiplier: -1, shift: 0)), shape: [4], "mean multiplier")
        rejectsOp(.mean(QMeanLayer(multiplier: 1 << 30, shift: 31)), shape: [4], "mean shift")
    }

    /// A MobileNet-like imported graph: table input (3 channels, own zero point), conv 3×3
    /// stride 2 TF-SAME (pads bottom/right) with a left-shift multiplier on one channel,
    /// depthwise 3×3 + ReLU6 clamp, 1×1 conv, residual add, TFLite max pool SAME, PAD, MEAN
    /// with its own scale, dense with ReLU: reference and SIMD agree on every node, and the
    /// graph survives QNET version 2.
    func testImportedStyleGraphAgreesOnEveryNode() throws {
        var rng = SeededGenerator(seed: 21)
        func conv(_ cin: Int, _ cout: Int, k: Int, s: Int, pads: (Int, Int, Int, Int), depthwise: Bool = false, clamp: (Int32, Int32) = (-128, 127)) -> QConvLayer {
            let per = k * k * (depthwise ? 1 : cin)
            var c = QConvLayer(kernelH: k, kernelW: k, strideH: s, strideW: s, padTop: pads.0, padBottom: pads.1, padLeft: pads.2, padRight: pads.3,
                               inChannels: cin, outChannels: cout, isDense: false, isDepthwise: depthwise,
                               weights: (0..<(cout * per)).map { _ in Int8(rng.nextInt(below: 255) - 127) },
                               weightScales: .init(repeating: 0.01, count: cout),
                               bias: (0..<cout).map { _ in Int32(rng.nextInt(below: 4001)) - 2000 },
                               multiplier: (0..<cout).map { _ in Int32(1 << 30) + Int32(rng.nextInt(below: 1 << 30)) },
                               shift: (0..<cout).map { _ in Int32(-11 - rng.nextInt(below: 3)) }, actMin: clamp.0, actMax: clamp.1)
            c.shift[0] = 1  // one channel with M > 1
            return c
        }
        let q = { (zp: Int32) in QuantParams(scale: 0.05, zeroPoint: zp) }
        func node(_ op: QOp, _ ins: [Int], _ shape: [Int], _ quant: QuantParams) -> QNode {
            QNode(op: op, inputs: ins, name: "n\(ins.first ?? 0)-\(op.kind)", floatNode: 0, shape: shape, quant: quant, rangeMin: 0, rangeMax: 1)
        }
        let input = QInputLayer.affine(channels: 3, quant: q(-5), mean: [0.5, 0.4, 0.3], std: [0.25, 0.2, 0.3])
        let add = QAddLayer(leftShift: 20, aMult: 1 << 30, aShift: 0, bMult: 1 << 30, bShift: 0, outMult: 1_500_000_000, outShift: -19,
                            actMin: -128, actMax: 127)
        let nodes = [
            node(.quantizedInput(input), [], [16, 16, 3], q(-5)),
            node(.conv(conv(3, 16, k: 3, s: 2, pads: (0, 1, 0, 1))), [0], [8, 8, 16], q(3)),
            node(.conv(conv(16, 16, k: 3, s: 1, pads: (1, 1, 1, 1), depthwise: true, clamp: (-10, 90))), [1], [8, 8, 16], q(-10)),
            node(.conv(conv(16, 16, k: 1, s: 1, pads: (0, 0, 0, 0))), [2], [8, 8, 16], q(3)),
            node(.add(add), [1, 3], [8, 8, 16], q(0)),
            node(.pool(QPoolLayer(kind: .max, kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padTop: 0, padBottom: 1, padLeft: 0, padRight: 1)), [4], [4, 4, 16], q(0)),
            node(.pad(QPadLayer(top: 1, bottom: 0, left: 0, right: 1)), [5], [5, 5, 16], q(0)),
            node(.mean(QMeanLayer.tflm(inputScale: 0.05, outputScale: 0.02, count: 25)!), [6], [16], q(7)),
            node(.conv(QConvLayer(kernel: 1, stride: 1, padding: 0, inChannels: 16, outChannels: 5, isDense: true,
                                  weights: (0..<80).map { _ in Int8(rng.nextInt(below: 255) - 127) }, weightScales: .init(repeating: 0.01, count: 5),
                                  bias: [10, -10, 0, 5, 7], multiplier: .init(repeating: 1 << 30, count: 5), shift: .init(repeating: -8, count: 5),
                                  actMin: -128, actMax: 127)), [7], [5], q(-20)),
        ]
        let g = QuantizedGraph(nodes: nodes, method: "tflite", calibrationImages: 0, perTensor: false)
        try g.validate(inputShape: [3, 16, 16])
        XCTAssertEqual(try QuantizedGraph.decode(g.encode(), path: "t", base: 0), g)
        let n = 32
        let px = (0..<(n * 3 * 16 * 16)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let set = LabeledImages(channels: 3, height: 16, width: 16, pixels: px, labels: .init(repeating: 0, count: n),
                                classNames: (0..<5).map { "c\($0)" }, sources: (0..<n).map { "i\($0)" })
        let ref = try IntegerNetwork(g, kernels: .reference).run(set, Array(0..<n), keep: true)
        let simd = try IntegerNetwork(g, kernels: .auto).run(set, Array(0..<n), keep: true)
        XCTAssertEqual(ref.logits, simd.logits)
        for i in 0..<n { for j in g.nodes.indices { XCTAssertEqual(ref.outputs[i][j], simd.outputs[i][j], "image \(i) node \(j)") } }
        // Not degenerate: the logits vary across images.
        XCTAssertGreaterThan(Set(stride(from: 0, to: ref.logits.count, by: 5).map { ref.logits[$0] }).count, 3)
    }

    /// Validate once, run blind: seeded byte mutations of a version-2 section either fail to
    /// decode or validate with a typed error, or give a graph the engine runs on both kernel
    /// choices with identical outputs (no trap, no out-of-range read the checks let through).
    func testMutatedVersion2SectionsAreRejectedOrRunSafely() throws {
        var rng = SeededGenerator(seed: 77)
        var g = net(randomDepthwise(&rng, c: 5, m: 1, h: 7, w: 6, kh: 3, kw: 2, sh: 2, sw: 1, pads: (1, 1, 0, 1)), h: 7, w: 6)
        g.nodes[0].op = .quantizedInput(QInputLayer.affine(channels: 5, quant: .input))
        g.nodes.insert(QNode(op: .pool(QPoolLayer(kind: .average, kernelH: 2, kernelW: 3, strideH: 1, strideW: 2, padTop: 1, padRight: 1)),
                             inputs: [1], name: "pool", floatNode: 0, shape: [], quant: g.nodes[1].quant, rangeMin: 0, rangeMax: 1), at: 2)
        let dwShape = g.nodes[1].shape
        g.nodes[2].shape = [(dwShape[0] + 1 - 2) / 1 + 1, (dwShape[1] + 1 - 3) / 2 + 1, dwShape[2]]
        g.nodes[3].inputs = [2]
        g.nodes[3].shape = [g.nodes[2].shape.reduce(1, *)]
        try g.validate(inputShape: [5, 7, 6])
        let bytes = g.encode()
        let px = (0..<(5 * 7 * 6)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let set = LabeledImages(channels: 5, height: 7, width: 6, pixels: px, labels: [0], classNames: ["a"], sources: ["x"])
        var ran = 0, rejected = 0
        for _ in 0..<3000 {
            var b = bytes
            for _ in 0..<(1 + rng.nextInt(below: 3)) {
                let i = rng.nextInt(below: b.count)
                b[i] = rng.nextInt(below: 4) == 0 ? UInt8(truncatingIfNeeded: rng.next()) : b[i] ^ UInt8(1 << rng.nextInt(below: 8))
            }
            do {
                let m = try QuantizedGraph.decode(b, path: "t", base: 0)
                try m.validate(path: "t", inputShape: [5, 7, 6])
                let ref = try IntegerNetwork(m, kernels: .reference).run(set, [0]).logits
                XCTAssertEqual(try IntegerNetwork(m, kernels: .auto).run(set, [0]).logits, ref)
                ran += 1
            } catch EdgeError.badModel {
                rejected += 1
            }
        }
        XCTAssertGreaterThan(ran, 100)
        XCTAssertGreaterThan(rejected, 100)
    }
}
