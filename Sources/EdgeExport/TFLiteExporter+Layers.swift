import EdgeCore
import EdgeQuant

// The layers whose integer parameters TFLite re-derives: convolution, depthwise convolution,
// dense, add and TFLite-style pooling. Each derived value is compared with the engine's.

/// What TFLite Micro's Prepare computes from the scales a file stores.
enum TFLiteDerivation {
    /// CalculateActivationRangeQuantized for int8: NONE [−128, 127]; RELU [max(−128, zp), 127];
    /// RELU6 also min(127, zp + TfLiteRound(6 / scale)) (binary32 division, as TFLite).
    static func range(_ a: TFLiteActivation, _ q: QuantParams) -> (Int32, Int32) {
        func quantize(_ f: Float) -> Int64 {
            let r = (f / q.scale).rounded(.toNearestOrAwayFromZero)
            return Int64(q.zeroPoint) + Int64(max(min(r, 1e12), -1e12))
        }
        switch a {
        case .none: return (-128, 127)
        case .relu: return (Int32(max(-128, quantize(0))), 127)
        case .relu6: return (Int32(max(-128, quantize(0))), Int32(min(127, quantize(6))))
        }
    }

    /// The fused activation whose TFLite clamp equals (lo, hi), NONE first.
    static func activation(lo: Int32, hi: Int32, _ q: QuantParams) -> TFLiteActivation? {
        TFLiteActivation.allCases.first { range($0, q) == (lo, hi) }
    }

    /// TensorFlow's SAME along one axis: (out, before, after).
    static func same(size n: Int, kernel k: Int, stride s: Int) -> (Int, Int, Int) {
        let out = (n + s - 1) / s
        let total = max((out - 1) * s + k - n, 0)
        return (out, total / 2, total - total / 2)
    }

    /// Per-channel QuantizeMultiplier(double(s_in)·double(s_w[o]) / double(s_out)) (conv, dense).
    static func multipliers(input: Float, weights: [Float], output: Float) -> [(mult: Int32, shift: Int32)?] {
        weights.map { FixedPoint.tfliteMultiplier(Double(input) * Double($0) / Double(output)) }
    }

    /// add_common.cc: left shift 20, inputs by s_i / (2·max(s_a, s_b)), the sum by
    /// 2·max(s_a, s_b) / (2^20·s_out), all binary64 QuantizeMultiplier.
    static func add(a: Float, b: Float, output: Float) -> (a: (Int32, Int32), b: (Int32, Int32), out: (Int32, Int32))? {
        let twice = 2 * max(Double(a), Double(b))
        guard let ma = FixedPoint.tfliteMultiplier(Double(a) / twice), let mb = FixedPoint.tfliteMultiplier(Double(b) / twice),
              let mo = FixedPoint.tfliteMultiplier(twice / (Double(1 << 20) * Double(output))) else { return nil }
        return ((ma.mult, ma.shift), (mb.mult, mb.shift), (mo.mult, mo.shift))
    }
}

extension ExportWriter {
    /// The fused activation reproducing node `i`'s clamp, or a refusal.
    func fused(lo: Int32, hi: Int32, _ i: Int) throws -> TFLiteActivation {
        let q = graph.nodes[i].quant
        guard let a = TFLiteDerivation.activation(lo: lo, hi: hi, q) else {
            throw fail(i, "output clamp", "[\(lo), \(hi)] is none of TFLite's NONE \(TFLiteDerivation.range(.none, q)), RELU \(TFLiteDerivation.range(.relu, q)) or RELU6 \(TFLiteDerivation.range(.relu6, q)) for the output quantisation")
        }
        return a
    }

    /// CONV_2D, DEPTHWISE_CONV_2D or FULLY_CONNECTED.
    mutating func conv(_ c: QConvLayer, _ i: Int) throws {
        let n = graph.nodes[i]
        let x = n.inputs[0], xin = graph.nodes[x]
        guard c.rounding == .q31, c.realScale.isEmpty else {
            throw fail(i, "rounding", "is double-scale; TFLite Micro requantises with Q31 multipliers only")
        }
        let derived = TFLiteDerivation.multipliers(input: xin.quant.scale, weights: c.weightScales, output: n.quant.scale)
        for o in 0..<c.outChannels {
            guard let d = derived[o], d.mult == c.multiplier[o], d.shift == c.shift[o] else {
                let want = derived[o].map { "(\($0.mult), \($0.shift))" } ?? "out of range"
                throw fail(i, "multiplier[\(o)]", "(\(c.multiplier[o]), \(c.shift[o])) differs from TFLite's QuantizeMultiplier of s_in·s_w/s_out = \(Double(xin.quant.scale) * Double(c.weightScales[o]) / Double(n.quant.scale)): \(want)")
            }
        }
        let act = try fused(lo: c.actMin, hi: c.actMax, i)
        let o = c.outChannels
        let allSame = c.weightScales.allSatisfy { $0 == c.weightScales[0] }
        let wScales = allSame && graph.perTensor ? [c.weightScales[0]] : c.weightScales
        let biasScales = wScales.map { xin.quant.scale * $0 }
        let zeros = [Int64](repeating: 0, count: wScales.count)
        let bias = constant("\(n.name)/bias", shape: [Int32(o)], type: TensorType.int32, data: Bytes.int32(c.bias), scales: biasScales,
                            zeroPoints: zeros)

        if c.isDense {
            // The engine's dense weights are [O][K] with K in HWC order: TFLite's NHWC flatten.
            var input = tensorOf[x]
            if xin.shape.count != 1 {
                let flat = try activation("\(n.name)/flatten", shape: [QuantizedGraphSize.of(xin.shape)], xin.quant, i)
                let shape: [Int32] = [-1, spec.tensors[Int(flat)].shape[1]]   // −1: any batch (see `reshape`)
                let s = int32Constant("\(n.name)/flatten/shape", shape: [2], shape)
                op(TFLiteBuiltin.reshape, 1, [input, s], [flat], .reshape(newShape: shape))
                input = flat
            }
            let wt = constant("\(n.name)/weights", shape: [Int32(o), Int32(c.inChannels)], type: TensorType.int8, data: Bytes.int8(c.weights),
                              scales: wScales, zeroPoints: zeros)
            let out = try output(i)
            op(TFLiteBuiltin.fullyConnected, wScales.count > 1 ? 12 : 4, [input, wt, bias], [out], .fullyConnected(activation: act))
            return
        }

        // Padding: VALID, SAME when TensorFlow's rule gives exactly these pads, else PAD + VALID
        // (the zero point a PAD adds contributes nothing, as the engine's padding).
        let (h, w) = (xin.shape[0], xin.shape[1])
        var input = tensorOf[x]
        let padding: TFLitePadding
        let sh = TFLiteDerivation.same(size: h, kernel: c.kernelH, stride: c.strideH)
        let sw = TFLiteDerivation.same(size: w, kernel: c.kernelW, stride: c.strideW)
        if c.padTop == 0 && c.padBottom == 0 && c.padLeft == 0 && c.padRight == 0 {
            padding = .valid
        } else if sh == (n.shape[0], c.padTop, c.padBottom) && sw == (n.shape[1], c.padLeft, c.padRight) {
            padding = .same
        } else {
            let padded = try activation("\(n.name)/pad", shape: [h + c.padTop + c.padBottom, w + c.padLeft + c.padRight, xin.shape[2]], xin.quant, i)
            let pads = int32Constant("\(n.name)/paddings", shape: [4, 2],
                                     [0, 0, Int32(c.padTop), Int32(c.padBottom), Int32(c.padLeft), Int32(c.padRight), 0, 0])
            op(TFLiteBuiltin.pad, 2, [input, pads], [padded], .pad)
            input = padded
            padding = .valid
        }
        let k = c.kernelH * c.kernelW
        if c.isDepthwise {
            // Engine [O][kh][kw] → TFLite [1][kh][kw][O], per-channel along dimension 3.
            let wv = (0..<(o * k)).map { j in c.weights[(j % o) * k + j / o] }
            let wt = constant("\(n.name)/weights", shape: [1, Int32(c.kernelH), Int32(c.kernelW), Int32(o)], type: TensorType.int8,
                              data: Bytes.int8(wv), scales: wScales, zeroPoints: zeros, dimension: wScales.count > 1 ? 3 : 0)
            let out = try output(i)
            op(TFLiteBuiltin.depthwiseConv2D, 3, [input, wt, bias], [out],
               .depthwise(padding: padding, strideW: Int32(c.strideW), strideH: Int32(c.strideH), multiplier: Int32(c.depthMultiplier), activation: act))
        } else {
            // Engine [O][kh][kw][C] is TFLite's OHWI.
            let wt = constant("\(n.name)/weights", shape: [Int32(o), Int32(c.kernelH), Int32(c.kernelW), Int32(c.inChannels)],
                              type: TensorType.int8, data: Bytes.int8(c.weights), scales: wScales, zeroPoints: zeros)
            let out = try output(i)
            op(TFLiteBuiltin.conv2D, 3, [input, wt, bias], [out],
               .conv(padding: padding, strideW: Int32(c.strideW), strideH: Int32(c.strideH), activation: act))
        }
    }

    /// ADD, when TFLite's derivation from the three scales gives the engine's multipliers.
    mutating func add(_ a: QAddLayer, _ i: Int) throws {
        let n = graph.nodes[i]
        let qa = graph.nodes[n.inputs[0]].quant, qb = graph.nodes[n.inputs[1]].quant
        guard a.leftShift == 20 else { throw fail(i, "left shift", "= \(a.leftShift); TFLite's int8 ADD uses 20") }
        guard let d = TFLiteDerivation.add(a: qa.scale, b: qb.scale, output: n.quant.scale) else {
            throw fail(i, "multipliers", "are out of TFLite's range for these scales")
        }
        for (field, ours, theirs) in [("input1 multiplier", (a.aMult, a.aShift), d.a), ("input2 multiplier", (a.bMult, a.bShift), d.b),
                                      ("output multiplier", (a.outMult, a.outShift), d.out)] where ours != theirs {
            throw fail(i, field, "\(ours) differs from TFLite's derivation from the tensor scales \(theirs)")
        }
        let act = try fused(lo: a.actMin, hi: a.actMax, i)
        let out = try output(i)
        op(TFLiteBuiltin.add, 2, [tensorOf[n.inputs[0]], tensorOf[n.inputs[1]]], [out], .add(activation: act))
    }

    /// MAX_POOL_2D / AVERAGE_POOL_2D with TFLite's window rules: VALID or SAME only (padding
    /// never contributes, so it cannot become a PAD).
    mutating func pool(_ p: QPoolLayer, _ i: Int) throws {
        let n = graph.nodes[i], x = n.inputs[0], xin = graph.nodes[x]
        try sameQuant(i)
        let padding: TFLitePadding
        if p.padTop == 0 && p.padBottom == 0 && p.padLeft == 0 && p.padRight == 0 {
            padding = .valid
        } else if TFLiteDerivation.same(size: xin.shape[0], kernel: p.kernelH, stride: p.strideH) == (n.shape[0], p.padTop, p.padBottom),
                  TFLiteDerivation.same(size: xin.shape[1], kernel: p.kernelW, stride: p.strideW) == (n.shape[1], p.padLeft, p.padRight) {
            padding = .same
        } else {
            throw fail(i, "padding", "(\(p.padTop), \(p.padBottom), \(p.padLeft), \(p.padRight)) is neither VALID nor TensorFlow's SAME")
        }
        let act = try fused(lo: p.actMin, hi: p.actMax, i)
        let out = try output(i)
        op(p.kind == .max ? TFLiteBuiltin.maxPool2D : TFLiteBuiltin.averagePool2D, 2, [tensorOf[x]], [out],
           .pool(padding: padding, strideW: Int32(p.strideW), strideH: Int32(p.strideH), filterW: Int32(p.kernelW), filterH: Int32(p.kernelH),
                 activation: act))
    }
}

/// Element counts of validated shapes.
enum QuantizedGraphSize {
    static func of(_ s: [Int]) -> Int { s.reduce(1, *) }
}
