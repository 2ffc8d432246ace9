import EdgeCore
import EdgeData
import EdgeExport
import EdgeImport
import EdgeImportQuant
import EdgeQuant
import Foundation
import XCTest

/// A graph with the ops the shipped models lack (depthwise, ReLU6 clamp, RELU, TFLite SAME
/// pooling, PAD, a padding only PAD can express, ADD, MEAN) exported, re-imported and run:
/// identical int8 logits. EDGE_EXPORT_DUMP=DIR also writes the .tflite, the images and the
/// engine's logits there for a TensorFlow Lite Micro check (docs/import-formats.md, "Export").
final class SyntheticExportTests: XCTestCase {
    var seed: UInt64 = 0x9E37_79B9_7F4A_7C15

    func next() -> UInt64 {
        seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17
        return seed
    }

    func node(_ op: QOp, _ inputs: [Int], _ name: String, _ shape: [Int], _ q: QuantParams, _ index: Int) -> QNode {
        QNode(op: op, inputs: inputs, name: name, floatNode: index, shape: shape, quant: q,
              rangeMin: q.scale * Float(-128 - q.zeroPoint), rangeMax: q.scale * Float(127 - q.zeroPoint))
    }

    func conv(_ sIn: QuantParams, _ sOut: QuantParams, kh: Int, kw: Int, stride: Int, pads: (Int, Int, Int, Int), c: Int, o: Int,
              depthwise: Bool = false, dense: Bool = false, act: (Int32, Int32) = (-128, 127)) -> QConvLayer {
        let k = kh * kw * (depthwise ? 1 : c)
        var w: [Int8] = [], scales: [Float] = [], bias: [Int32] = []
        var s = seed
        func r() -> UInt64 { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return s }
        for _ in 0..<(o * k) { w.append(Int8(Int(r() % 255) - 127)) }
        for j in 0..<o { scales.append(0.004 + Float(j) * 0.0007); bias.append(Int32(Int(r() % 2001) - 1000)) }
        let m = scales.map { FixedPoint.tfliteMultiplier(Double(sIn.scale) * Double($0) / Double(sOut.scale))! }
        return QConvLayer(kernelH: kh, kernelW: kw, strideH: stride, strideW: stride, padTop: pads.0, padBottom: pads.1, padLeft: pads.2,
                          padRight: pads.3, inChannels: c, outChannels: o, isDense: dense, isDepthwise: depthwise, weights: w,
                          weightScales: scales, bias: bias, multiplier: m.map(\.mult), shift: m.map(\.shift), actMin: act.0, actMax: act.1)
    }

    func graph(multiplier m: Int = 1) -> QuantizedGraph {
        let c = 2 * m
        let q0 = QuantParams.input
        let q1 = QuantParams(scale: 0.03, zeroPoint: -128), q5 = QuantParams(scale: 0.05, zeroPoint: 3)
        let q7 = QuantParams(scale: 0.08, zeroPoint: -5), q8 = QuantParams(scale: 0.06, zeroPoint: 2), q9 = QuantParams(scale: 0.1, zeroPoint: -1)
        let relu6Hi = Int32(min(127, -128 + Int((6 / q1.scale).rounded(.toNearestOrAwayFromZero))))
        var n: [QNode] = []
        n.append(node(.input, [], "input", [12, 12, 2], q0, 0))
        n.append(node(.conv(conv(q0, q1, kh: 3, kw: 3, stride: 1, pads: (1, 1, 1, 1), c: 2, o: c, depthwise: true, act: (-128, relu6Hi))),
                      [0], "dw", [12, 12, c], q1, 1))
        n.append(node(.relu, [1], "relu", [12, 12, c], q1, 2))
        n.append(node(.pool(QPoolLayer(kind: .max, kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padTop: 0, padBottom: 1, padLeft: 0, padRight: 1)),
                      [2], "maxsame", [6, 6, c], q1, 3))
        n.append(node(.pad(QPadLayer(top: 1, bottom: 2, left: 0, right: 1)), [3], "pad", [9, 7, c], q1, 4))
        n.append(node(.conv(conv(q1, q5, kh: 3, kw: 3, stride: 2, pads: (1, 0, 0, 1), c: c, o: 4)), [4], "conv", [4, 3, 4], q5, 5))
        n.append(node(.avgPool(kernel: 2, stride: 1), [5], "avg", [3, 2, 4], q5, 6))
        let twice = 2 * Double(q5.scale)
        let ma = FixedPoint.tfliteMultiplier(Double(q5.scale) / twice)!, mo = FixedPoint.tfliteMultiplier(twice / (Double(1 << 20) * Double(q7.scale)))!
        n.append(node(.add(QAddLayer(leftShift: 20, aMult: ma.mult, aShift: ma.shift, bMult: ma.mult, bShift: ma.shift, outMult: mo.mult,
                                     outShift: mo.shift, actMin: -128, actMax: 127)), [6, 6], "add", [3, 2, 4], q7, 7))
        n.append(node(.mean(QMeanLayer.tflm(inputScale: q7.scale, outputScale: q8.scale, count: 6)!), [7], "mean", [4], q8, 8))
        n.append(node(.conv(conv(q8, q9, kh: 1, kw: 1, stride: 1, pads: (0, 0, 0, 0), c: 4, o: 5, dense: true)), [8], "logits", [5], q9, 9))
        return QuantizedGraph(nodes: n, method: "synthetic", calibrationImages: 0, perTensor: false)
    }

    func testEveryOpRoundTripsExactly() throws {
        let g = graph()
        try g.validate(inputShape: [2, 12, 12])
        let bytes = try TFLiteExporter.export(g, path: "synthetic")
        let mapped = try Int8GraphMapper.map(try ModelImporter.importGraph(bytes, path: "synthetic.tflite"), path: "synthetic.tflite")
        try check(g, bytes: bytes, mapped: mapped.graph, name: "synthetic")
    }

    /// Depth multiplier 2: written (TFLite Micro runs it; EDGE_EXPORT_DUMP checks that), but
    /// the importer reads depth multiplier 1 only, so no round trip here.
    func testDepthMultiplierTwoIsWritten() throws {
        let g = graph(multiplier: 2)
        try g.validate(inputShape: [2, 12, 12])
        let bytes = try TFLiteExporter.export(g, path: "synthetic-m2")
        let spec = try TFLiteExporter.model(g, path: "synthetic-m2")
        XCTAssert(spec.operators.contains { $0.options == .depthwise(padding: .same, strideW: 1, strideH: 1, multiplier: 2, activation: .relu6) })
        XCTAssertThrowsError(try ModelImporter.importGraph(bytes, path: "m2.tflite")) { XCTAssert("\($0)".contains("depth_multiplier"), "\($0)") }
        try check(g, bytes: bytes, mapped: nil, name: "synthetic-m2")
    }

    func check(_ g: QuantizedGraph, bytes: [UInt8], mapped: QuantizedGraph?, name: String) throws {
        let spec = try TFLiteExporter.model(g, path: name)
        let codes = Set(spec.operators.map(\.builtin))
        for c in [TFLiteBuiltin.depthwiseConv2D, TFLiteBuiltin.relu, TFLiteBuiltin.maxPool2D, TFLiteBuiltin.pad, TFLiteBuiltin.conv2D,
                  TFLiteBuiltin.averagePool2D, TFLiteBuiltin.add, TFLiteBuiltin.mean, TFLiteBuiltin.fullyConnected] {
            XCTAssert(codes.contains(c), "operator \(c) missing")
        }
        let count = 300
        var px = [UInt8](repeating: 0, count: count * 288)
        for i in px.indices { px[i] = UInt8(truncatingIfNeeded: next() >> 17) }
        let set = LabeledImages(channels: 2, height: 12, width: 12, pixels: px, labels: [Int](repeating: 0, count: count),
                                classNames: ["a", "b", "c", "d", "e"], sources: (0..<count).map { "\($0)" })
        let ours = try IntegerNetwork(g, kernels: .reference).run(set, Array(0..<count)).logits
        if let mapped {
            let back = try IntegerNetwork(mapped, kernels: .reference).run(set, Array(0..<count)).logits
            XCTAssertEqual(ours, back)
        }
        XCTAssertGreaterThan(Set(ours).count, 20, "logits are saturated: a weak test")
        if let dir = ProcessInfo.processInfo.environment["EDGE_EXPORT_DUMP"] {
            // HWC images (the TFLite input order) and the engine's logits.
            var hwc = [UInt8](repeating: 0, count: px.count)
            for i in 0..<count { for c in 0..<2 { for p in 0..<144 { hwc[i * 288 + p * 2 + c] = px[i * 288 + c * 144 + p] } } }
            try Data(bytes).write(to: URL(fileURLWithPath: dir + "/\(name).tflite"))
            try Data(hwc).write(to: URL(fileURLWithPath: dir + "/\(name).images.u8"))
            try Data(ours.map { UInt8(bitPattern: $0) }).write(to: URL(fileURLWithPath: dir + "/\(name).logits.i8"))
        }
    }

    func testIdentityTableInputExportsAndOtherTablesAreRefused() throws {
        var g = graph()
        g.nodes[0].op = .quantizedInput(QInputLayer(table: (0..<256).map { Int8($0 - 128) }))
        XCTAssertNoThrow(try TFLiteExporter.export(g, path: "t"))
        g.nodes[0].op = .quantizedInput(QInputLayer(table: (0..<256).map { Int8(($0 / 2) - 64) }))
        XCTAssertThrowsError(try TFLiteExporter.export(g, path: "t")) { XCTAssert("\($0)".contains("input table"), "\($0)") }
    }

    func testDoubleScaleAndNonSamePoolPaddingAreRefused() throws {
        var g = graph()
        guard case .conv(var c) = g.nodes[5].op else { return XCTFail() }
        c.rounding = .doubleScale
        c.realScale = c.multiplier.indices.map { FixedPoint.real(mult: c.multiplier[$0], shift: c.shift[$0]) }
        g.nodes[5].op = .conv(c)
        XCTAssertThrowsError(try TFLiteExporter.export(g, path: "t")) { XCTAssert("\($0)".contains("'conv'") && "\($0)".contains("rounding"), "\($0)") }
        g = graph()
        g.nodes[3].op = .pool(QPoolLayer(kind: .max, kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padTop: 1, padBottom: 0, padLeft: 0, padRight: 1))
        XCTAssertThrowsError(try TFLiteExporter.export(g, path: "t")) { XCTAssert("\($0)".contains("'maxsame'") && "\($0)".contains("padding"), "\($0)") }
    }
}
