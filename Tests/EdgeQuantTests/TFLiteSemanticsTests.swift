import XCTest
import EdgeCore
import EdgeData
@testable import EdgeQuant

/// The TensorFlow Lite Micro rules of docs/integer-spec.md, each against numbers computed
/// by hand (the arithmetic is in the comments), on the reference kernels and the SIMD path.
final class TFLiteSemanticsTests: XCTestCase {
    /// A one-image set of `pixels` (planar CHW).
    func images(_ c: Int, _ h: Int, _ w: Int, _ pixels: [UInt8]) -> LabeledImages {
        LabeledImages(channels: c, height: h, width: w, pixels: pixels, labels: [0], classNames: ["a"], sources: ["x"])
    }

    /// input → `op` (output shape, quantisation) → flatten to logits when `op` is not flat.
    func graph(input: [Int], op: QOp, shape: [Int], quant: QuantParams, inputOp: QOp = .input,
               inputQuant: QuantParams = .input) -> QuantizedGraph {
        var nodes = [QNode(op: inputOp, inputs: [], name: "in", floatNode: 0, shape: [input[1], input[2], input[0]],
                           quant: inputQuant, rangeMin: 0, rangeMax: 1),
                     QNode(op: op, inputs: [0], name: "op", floatNode: 0, shape: shape, quant: quant, rangeMin: 0, rangeMax: 1)]
        if shape.count == 3 {
            nodes.append(QNode(op: .flatten, inputs: [1], name: "flat", floatNode: 0, shape: [shape.reduce(1, *)], quant: quant,
                               rangeMin: 0, rangeMax: 1))
        }
        return QuantizedGraph(nodes: nodes, method: "test", calibrationImages: 0, perTensor: false)
    }

    /// Logits on both kernel choices; fails unless they agree.
    func run(_ g: QuantizedGraph, _ set: LabeledImages, file: StaticString = #filePath, line: UInt = #line) throws -> [Int8] {
        try g.validate(inputShape: [set.channels, set.height, set.width])
        let ref = try IntegerNetwork(g, kernels: .reference).run(set, [0]).logits
        let simd = try IntegerNetwork(g, kernels: .auto).run(set, [0]).logits
        XCTAssertEqual(ref, simd, "reference and SIMD differ", file: file, line: line)
        return ref
    }

    func testDepthwise3x3Stride2SamePadsBottomRight() throws {
        // 4×4 image, pixels 1…16 row-major; with `.input` x − zp = pixel. TF SAME at stride 2:
        // out = ceil(4/2) = 2, total padding (2−1)·2 + 3 − 4 = 1 → top/left 0, bottom/right 1.
        // w = [1 2 3; 4 5 6; 7 8 9], bias 0, M = 2^30·2^(0−31) = 0.5, out zp −128:
        //   (0,0): 1·1+2·2+3·3 + 4·5+5·6+6·7 + 7·9+8·10+9·11 = 348 → 174 → 46
        //   (0,1): 1·3+2·4 + 4·7+5·8 + 7·11+8·12 = 252 → 126 → −2
        //   (1,0): 1·9+2·10+3·11 + 4·13+5·14+6·15 = 274 → 137 → 9
        //   (1,1): 1·11+2·12 + 4·15+5·16 = 175 → SRDHM 87.5 rounds up to 88 → −40
        let layer = QConvLayer(kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padTop: 0, padBottom: 1, padLeft: 0, padRight: 1,
                               inChannels: 1, outChannels: 1, isDense: false, isDepthwise: true, weights: [1, 2, 3, 4, 5, 6, 7, 8, 9],
                               weightScales: [1], bias: [0], multiplier: [1 << 30], shift: [0], actMin: -128, actMax: 127)
        let out = QuantParams(scale: 1, zeroPoint: -128)
        let g = graph(input: [1, 4, 4], op: .conv(layer), shape: [2, 2, 1], quant: out)
        let set = images(1, 4, 4, (1...16).map { UInt8($0) })
        XCTAssertEqual(try run(g, set), [46, -2, 9, -40])
        // PyTorch's/our trainer's top-left convention gives other numbers: with pad top/left 1,
        // (0,0) sees only w[1][1]·1 + w[1][2]·2 + w[2][1]·5 + w[2][2]·6 = 5+12+40+54 = 111 → 56 → −72.
        var tl = layer
        (tl.padTop, tl.padLeft, tl.padBottom, tl.padRight) = (1, 1, 0, 0)
        let g2 = graph(input: [1, 4, 4], op: .conv(tl), shape: [2, 2, 1], quant: out)
        XCTAssertEqual(try run(g2, set)[0], -72)
    }

    func testFullyConnectedUsesQ31WhereDoubleRoundingDiffers() throws {
        // M = 3/997: TFLite's QuantizeMultiplier gives (1654230132, −8). acc = 100·1 + 66 = 166;
        // 166·M = 0.4995 → round(double) = 0, but Q31 rounds twice: 166·1654230132/2^31 =
        // 127.87 → 128, then 128/2^8 = 0.5 → away from zero → 1. TFLite Micro's
        // FULLY_CONNECTED uses the Q31 path (MultiplyByQuantizedMultiplier).
        let m = FixedPoint.tfliteMultiplier(3.0 / 997)!
        XCTAssertEqual(m.mult, 1_654_230_132)
        XCTAssertEqual(m.shift, -8)
        var fc = QConvLayer(kernel: 1, stride: 1, padding: 0, inChannels: 1, outChannels: 1, isDense: true, weights: [1],
                            weightScales: [1], bias: [66], multiplier: [m.mult], shift: [m.shift], actMin: -128, actMax: 127)
        let set = images(1, 1, 1, [100])
        let q = QuantParams(scale: 1, zeroPoint: 0)
        XCTAssertEqual(try run(graph(input: [1, 1, 1], op: .conv(fc), shape: [1], quant: q), set), [1])
        fc.rounding = .doubleScale
        fc.realScale = [3.0 / 997]
        XCTAssertFalse(fc.isVersion1)
        XCTAssertEqual(try run(graph(input: [1, 1, 1], op: .conv(fc), shape: [1], quant: q), set), [0])
    }

    func testMeanRequantisesLikeTFLM() throws {
        // 1×3 image, pixels 10, 20, 41: Σ(x − zp) = 71, n = 3. s_in/s_out = (1/255)/(2/255) = 0.5
        // → (2^30, 0); k = floor(log2 3) = 1; M' = (2^30 << 1)/3 = 715827882; shift −1.
        // SRDHM(71, 715827882) = 23.67 → 24; 24/2 = 12; + zp −128 = −116.
        let mean = QMeanLayer.tflm(inputScale: 1 / 255, outputScale: 2 / 255, count: 3)!
        XCTAssertEqual(mean, QMeanLayer(multiplier: 715_827_882, shift: -1))
        let g = graph(input: [1, 1, 3], op: .mean(mean), shape: [1], quant: QuantParams(scale: 2 / 255, zeroPoint: -128))
        XCTAssertEqual(try run(g, images(1, 1, 3, [10, 20, 41])), [-116])
    }

    func testPoolingWindowsExcludePadding() throws {
        // 3×3 image of pixels 1…9, x = pixel − 128; 3×3 windows, stride 1, SAME (pad 1 all round).
        // Average, corner (0,0): pixels 1,2,4,5 → Σx = 12 − 512 = −500 over n = 4 (not 9):
        // (−500 − 2)/4 = −125 (C truncation); centre: 45 − 1152 = −1107, (−1107 − 4)/9 = −123.
        // Max, corner: max(1,2,4,5) − 128 = −123; padding never wins, even over negatives.
        let avg = QPoolLayer(kind: .average, kernelH: 3, kernelW: 3, strideH: 1, strideW: 1, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1)
        let set = images(1, 3, 3, (1...9).map { UInt8($0) })
        let a = try run(graph(input: [1, 3, 3], op: .pool(avg), shape: [3, 3, 1], quant: .input), set)
        XCTAssertEqual(a[0], -125)
        XCTAssertEqual(a[4], -123)
        var mx = avg
        mx.kind = .max
        let b = try run(graph(input: [1, 3, 3], op: .pool(mx), shape: [3, 3, 1], quant: .input), set)
        XCTAssertEqual(b, [-123, -122, -122, -120, -119, -119, -120, -119, -119])
        // A fused ReLU6-style clamp applies after the reduction.
        mx.actMin = -121; mx.actMax = -120
        XCTAssertEqual(try run(graph(input: [1, 3, 3], op: .pool(mx), shape: [3, 3, 1], quant: .input), set)[0], -121)
    }

    func testLeftShiftsAndTheirWrap() throws {
        // shift 2, mult 2^30: M = 2. acc = 30 → 30·4 = 120 → SRDHM(120, 2^30) = 60.
        var c = QConvLayer(kernel: 1, stride: 1, padding: 0, inChannels: 1, outChannels: 1, isDense: true, weights: [1],
                           weightScales: [1], bias: [0], multiplier: [1 << 30], shift: [2], actMin: -128, actMax: 127)
        let q = QuantParams(scale: 1, zeroPoint: 0)
        XCTAssertEqual(try run(graph(input: [1, 1, 1], op: .conv(c), shape: [1], quant: q), images(1, 1, 1, [30])), [60])
        // shift 30: 3·2^30 wraps in int32 to −2^30 (TFLite's x·(1 << 30) on every target),
        // SRDHM(−2^30, 2^30) = −2^29 → clamps to −128, not to 127.
        c.shift = [30]
        XCTAssertEqual(try run(graph(input: [1, 1, 1], op: .conv(c), shape: [1], quant: q), images(1, 1, 1, [3])), [-128])
        XCTAssertEqual(FixedPoint.multiplyByQuantizedMultiplier(3, 1 << 30, 30), -(1 << 29))
    }

    func testInputTables() throws {
        // uint8 input (scale 1/255, zp 0) through QUANTIZE to int8 (scale 1/255, zp −128):
        // M = 1 → (2^30, 1), q = pixel − 128.
        let u = QInputLayer.uint8(inputScale: 1 / 255, inputZeroPoint: 0, output: .input)!
        XCTAssertEqual(u.table, (0..<256).map { Int8($0 - 128) })
        // int8 input with scale 0.02, zp 3 and (p/255 − 0.5)/0.25: p = 0 → −2 → −100 + 3 = −97;
        // p = 255 → 2 → 100 + 3 = 103; p = 128 → 0.00784/0.02 = 0.39 → 0 + 3 = 3.
        let quant = QuantParams(scale: 0.02, zeroPoint: 3)
        let a = QInputLayer.affine(channels: 1, quant: quant, mean: [0.5], std: [0.25])
        XCTAssertEqual([a.table[0], a.table[255], a.table[128]], [-97, 103, 3])
        let g = graph(input: [1, 1, 3], op: .flatten, shape: [3], quant: quant, inputOp: .quantizedInput(a), inputQuant: quant)
        XCTAssertEqual(try run(g, images(1, 1, 3, [0, 255, 128])), [-97, 103, 3])
        // An identity-scale flatten after the input keeps the logits equal to the table's values.
        var bad = g
        bad.nodes[0].op = .quantizedInput(QInputLayer(table: [0, 1]))
        XCTAssertThrowsError(try bad.validate(inputShape: [1, 1, 3])) { XCTAssert("\($0)".contains("input table")) }
    }

    func testPadWritesTheZeroPoint() throws {
        let p = QPadLayer(top: 1, bottom: 0, left: 0, right: 2)
        let g = graph(input: [1, 1, 2], op: .pad(p), shape: [2, 4, 1], quant: .input)
        XCTAssertEqual(try run(g, images(1, 1, 2, [200, 7])), [-128, -128, -128, -128, 72, -121, -128, -128])
    }

    func testTFLiteMultiplierMatchesQuantizeMultiplier() {
        // frexp(1) = 0.5·2^1 → (2^30, 1); tiny values flush to (0, 0); 2^31 rounding carries.
        XCTAssertEqual(FixedPoint.tfliteMultiplier(1)!.mult, 1 << 30)
        XCTAssertEqual(FixedPoint.tfliteMultiplier(1)!.shift, 1)
        XCTAssertEqual(FixedPoint.tfliteMultiplier(0)!.mult, 0)
        XCTAssertEqual(FixedPoint.tfliteMultiplier(1e-12)!.mult, 0)
        XCTAssertEqual(FixedPoint.tfliteMultiplier(1e-12)!.shift, 0)
        let carry = FixedPoint.tfliteMultiplier(1 - 1e-12)!
        XCTAssertEqual(carry.mult, 1 << 30)
        XCTAssertEqual(carry.shift, 1)
        XCTAssertEqual(FixedPoint.tfliteMultiplier(6)!.shift, 3)
        XCTAssertNil(FixedPoint.tfliteMultiplier(-1))
        XCTAssertNil(FixedPoint.tfliteMultiplier(0x1p40))
    }
}
