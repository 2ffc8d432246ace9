// The board runner's engine planning against the host's, natively (scripts/test-device.sh,
// "engine planning"): Device/edge-run/Sources/Engine.swift and the host's IntegerNetwork
// (Sources/EdgeQuant/IntegerNetwork.swift) compiled into one x86-64 program over the same
// C kernels, run on version-2 graphs that no model.bin can carry to the runner today (the
// host's cross-check pairs table inputs, TFLite pooling, MEAN and PAD with no float op):
// every graph's int8 logits must be identical, per image, on the reference kernels and on
// the best SIMD path. Not part of the runner's build (scripts/build-device.sh compiles
// Device/edge-run/Sources only).

import CEdgeRun
import Foundation

/// Random layers and graphs, seeded.
struct Maker {
    var rng: SeededGenerator

    mutating func int(_ n: Int) -> Int { Int(rng.nextInt(below: n)) }

    /// A convolution (ordinary, depthwise or dense) with random weights and Q31 or
    /// double-scale rounding.
    mutating func conv(_ cin: Int, _ cout: Int, kh: Int, kw: Int, sh: Int = 1, sw: Int = 1, pads: (Int, Int, Int, Int) = (0, 0, 0, 0),
                       depthwise: Bool = false, dense: Bool = false, double: Bool = false, clamp: (Int32, Int32) = (-128, 127),
                       shift0: Int32 = -9) -> QConvLayer {
        let per = kh * kw * (depthwise ? 1 : cin)
        let mult = (0..<cout).map { _ in Int32(1 << 30) + Int32(int(1 << 30)) }
        var shift = (0..<cout).map { _ in shift0 - Int32(int(4)) }
        if cout > 1 { shift[1] = 1 }  // one channel with M > 1 (TFLite's left shift)
        return QConvLayer(kernelH: kh, kernelW: kw, strideH: sh, strideW: sw, padTop: pads.0, padBottom: pads.1, padLeft: pads.2,
                          padRight: pads.3, inChannels: cin, outChannels: cout, isDense: dense, isDepthwise: depthwise,
                          weights: (0..<(cout * per)).map { _ in Int8(int(255) - 127) },
                          weightScales: .init(repeating: 0.01, count: cout),
                          bias: (0..<cout).map { _ in Int32(int(4001)) - 2000 }, multiplier: mult, shift: shift,
                          rounding: double ? .doubleScale : .q31,
                          realScale: double ? zip(mult, shift).map { FixedPoint.real(mult: $0, shift: $1) } : [],
                          actMin: clamp.0, actMax: clamp.1)
    }
}

func node(_ op: QOp, _ ins: [Int], _ shape: [Int], _ q: QuantParams) -> QNode {
    QNode(op: op, inputs: ins, name: "n\(ins.first ?? 0)-\(op.kind)", floatNode: 0, shape: shape, quant: q, rangeMin: 0, rangeMax: 1)
}

func q(_ zp: Int32) -> QuantParams { QuantParams(scale: 0.05, zeroPoint: zp) }

/// The graphs: every op IntegerNetwork runs, in the forms that take different kernels.
func graphs() -> [(String, QuantizedGraph, [Int])] {
    var m = Maker(rng: SeededGenerator(seed: 19))
    var out: [(String, QuantizedGraph, [Int])] = []
    let add = QAddLayer(leftShift: 20, aMult: 1 << 30, aShift: 0, bMult: 1 << 30, bShift: 0, outMult: 1_500_000_000, outShift: -19,
                        actMin: -128, actMax: 127)
    // 1. MobileNet-like (IntegerGraphV2Tests' imported-style graph): 3-channel affine table input,
    //    TF-SAME stride-2 conv, depthwise + ReLU6-style clamp, 1x1 conv, add, TFLite max pool
    //    with padding, PAD (then a 2x2 conv, so that its sides matter), MEAN, dense.
    out.append(("imported-style", QuantizedGraph(nodes: [
        node(.quantizedInput(.affine(channels: 3, quant: q(-5), mean: [0.5, 0.4, 0.3], std: [0.25, 0.2, 0.3])), [], [16, 16, 3], q(-5)),
        node(.conv(m.conv(3, 16, kh: 3, kw: 3, sh: 2, sw: 2, pads: (0, 1, 0, 1))), [0], [8, 8, 16], q(3)),
        node(.conv(m.conv(16, 16, kh: 3, kw: 3, pads: (1, 1, 1, 1), depthwise: true, clamp: (-10, 90))), [1], [8, 8, 16], q(-10)),
        node(.conv(m.conv(16, 16, kh: 1, kw: 1)), [2], [8, 8, 16], q(3)),
        node(.add(add), [1, 3], [8, 8, 16], q(0)),
        node(.pool(QPoolLayer(kind: .max, kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padTop: 0, padBottom: 1, padLeft: 0, padRight: 1)), [4], [4, 4, 16], q(0)),
        node(.pad(QPadLayer(top: 1, bottom: 0, left: 0, right: 1)), [5], [5, 5, 16], q(0)),
        node(.conv(m.conv(16, 16, kh: 2, kw: 2)), [6], [4, 4, 16], q(1)),
        node(.mean(QMeanLayer.tflm(inputScale: 0.05, outputScale: 0.02, count: 16)!), [7], [16], q(7)),
        node(.conv(m.conv(16, 5, kh: 1, kw: 1, dense: true)), [8], [5], q(-20)),
    ], method: "tflite", calibrationImages: 0, perTensor: false), [3, 16, 16]))
    // 2. uint8 input table (one 256-entry table for 3 channels), non-square kernel and stride,
    //    depthwise multiplier 2, padded average pool with a clamp, plain TFLite pools (the
    //    trainer's kernels), standalone ReLU, global average pool, double-scale dense.
    out.append(("uint8-dw2-avgpool", QuantizedGraph(nodes: [
        node(.quantizedInput(QInputLayer.uint8(inputScale: 1 / 255, inputZeroPoint: 0, output: QuantParams(scale: 1 / 255, zeroPoint: -128))!), [], [12, 10, 3], q(-128)),
        node(.conv(m.conv(3, 8, kh: 3, kw: 2, sh: 1, sw: 2, pads: (1, 1, 0, 1))), [0], [12, 5, 8], q(2)),
        node(.conv(m.conv(8, 16, kh: 3, kw: 3, pads: (1, 1, 1, 1), depthwise: true)), [1], [12, 5, 16], q(-3)),
        node(.pool(QPoolLayer(kind: .average, kernelH: 3, kernelW: 2, strideH: 2, strideW: 1, padTop: 1, padBottom: 1, padLeft: 0, padRight: 1,
                              actMin: -100, actMax: 100)), [2], [6, 5, 16], q(-3)),
        node(.pool(QPoolLayer(kind: .max, kernelH: 2, kernelW: 2, strideH: 1, strideW: 1)), [3], [5, 4, 16], q(-3)),
        node(.pool(QPoolLayer(kind: .average, kernelH: 2, kernelW: 2, strideH: 2, strideW: 2)), [4], [2, 2, 16], q(-3)),
        node(.relu, [5], [2, 2, 16], q(-3)),
        node(.globalAvgPool, [6], [16], q(-3)),
        node(.conv(m.conv(16, 7, kh: 1, kw: 1, dense: true, double: true, shift0: -4)), [7], [7], q(4)),
    ], method: "tflite", calibrationImages: 0, perTensor: false), [3, 12, 10]))
    // 3. The trainer's ops on one channel: q = pixel − 128 input, v1 pools, flatten, dense.
    out.append(("v1-ops", QuantizedGraph(nodes: [
        node(.input, [], [14, 14, 1], .input),
        node(.conv(m.conv(1, 6, kh: 3, kw: 3, pads: (1, 1, 1, 1), depthwise: true)), [0], [14, 14, 6], q(-128)),
        node(.maxPool(kernel: 2, stride: 2), [1], [7, 7, 6], q(-128)),
        node(.conv(m.conv(6, 6, kh: 3, kw: 3)), [2], [5, 5, 6], q(-1)),
        node(.avgPool(kernel: 2, stride: 1), [3], [4, 4, 6], q(-1)),
        node(.flatten, [4], [96], q(-1)),
        node(.conv(m.conv(96, 10, kh: 1, kw: 1, dense: true)), [5], [10], q(0)),
    ], method: "minmax", calibrationImages: 0, perTensor: false), [1, 14, 14]))
    return out
}

@main
struct EngineParity {
    static func main() throws {
        let images = 64
        var failures = 0
        var rng = SeededGenerator(seed: 7)
        for (name, g, inShape) in graphs() {
            try g.validate(inputShape: inShape)
            let (c, h, w) = (inShape[0], inShape[1], inShape[2])
            // Noise around a per-image level, so that variation survives the averaging ops.
            let px = (0..<(images * c * h * w)).map { j in UInt8(truncatingIfNeeded: (j / (c * h * w)) * 53 + Int(rng.nextInt(below: 96))) }
            let k = g.nodes[g.nodes.count - 1].shape[0]
            let set = LabeledImages(channels: c, height: h, width: w, pixels: px, labels: .init(repeating: 0, count: images),
                                    classNames: (0..<k).map { "c\($0)" }, sources: (0..<images).map { "i\($0)" })
            for (kernels, isa) in [(KernelChoice.reference, Int32(EA_ISA_SCALAR)), (.auto, ea_isa_best())] {
                let want = try IntegerNetwork(g, kernels: kernels).run(set, Array(0..<images)).logits
                let engine = try Engine(g, isa: isa, path: name)
                var hwc = [UInt8](repeating: 0, count: c * h * w)
                var got = [Int8](repeating: 0, count: k)
                var same = 0
                for i in 0..<images {
                    // The host reads planar CHW pixels; the runner's IMAGES.u8 is HWC.
                    for ch in 0..<c { for p in 0..<(h * w) { hwc[p * c + ch] = px[i * c * h * w + ch * h * w + p] } }
                    hwc.withUnsafeBufferPointer { src in got.withUnsafeMutableBufferPointer { engine.run(src.baseAddress!, $0.baseAddress!) } }
                    if Array(want[(i * k)..<((i + 1) * k)]) == got { same += 1 }
                }
                // Not degenerate: the logits differ from image to image.
                let distinct = Set((0..<images).map { Array(want[($0 * k)..<(($0 + 1) * k)]) }).count
                print("\(name) (\(String(cString: ea_isa_name(isa)))): \(same)/\(images) images bit-identical (\(distinct) distinct logit vectors)")
                if same != images || distinct < images / 4 { failures += 1 }
            }
        }
        if failures > 0 { print("engine parity: \(failures) failure(s)"); exit(1) }
    }
}
