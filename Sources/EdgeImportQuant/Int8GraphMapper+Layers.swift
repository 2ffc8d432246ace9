import EdgeCore
import EdgeImport
import EdgeQuant

// The layers with derived integer parameters: convolution, depthwise convolution, dense and
// add, each parameter as TensorFlow Lite Micro's Prepare computes it.

extension Builder {
    /// Symmetric int8 weights, their per-output-channel scales (a per-tensor scale repeated),
    /// and the int32 biases (zeros when absent).
    func weightsAndBias(_ wt: ConstantTensor, _ bt: ConstantTensor?, outChannels o: Int, _ n: ImportedNode) throws -> ([Int8], [Float], [Int32]) {
        guard case .int8(let w) = wt.values else { throw fail(n, "weights type", "is not int8") }
        guard let q = wt.quantization else { throw fail(n, "weights.quantization", "is missing") }
        if let i = q.zeroPoints.firstIndex(where: { $0 != 0 }) {
            throw fail(n, "weights.quantization.zero_point[\(i)]", "= \(q.zeroPoints[i]); the engine needs symmetric weights (zero point 0)")
        }
        if let i = w.firstIndex(of: -128) {
            throw fail(n, "weights[\(i)]", "= -128; the engine's symmetric weight range is [-127, 127] (TFLite's converter never writes -128)")
        }
        guard q.scales.count == 1 || q.scales.count == o else {
            throw fail(n, "weights.quantization.scale", "has \(q.scales.count) entries for \(o) output channels")
        }
        if let i = q.scales.firstIndex(where: { !($0.isFinite && $0 > 0) }) {
            throw fail(n, "weights.quantization.scale[\(i)]", "= \(q.scales[i]) must be finite and > 0")
        }
        let scales = q.scales.count == 1 ? [Float](repeating: q.scales[0], count: o) : q.scales
        var bias = [Int32](repeating: 0, count: o)
        if let bt {
            guard case .int32(let b) = bt.values, b.count == o else { throw fail(n, "bias", "must be \(o) int32 values") }
            bias = b
        }
        return (w, scales, bias)
    }

    /// Per-channel (multiplier, shift) = QuantizeMultiplier(double(s_in)·double(s_w[o])/double(s_out)).
    func multipliers(_ scales: [Float], input: QuantParams, output: QuantParams, _ n: ImportedNode) throws -> ([Int32], [Int32]) {
        var mult: [Int32] = [], shift: [Int32] = []
        for (o, ws) in scales.enumerated() {
            let real = Double(input.scale) * Double(ws) / Double(output.scale)
            guard let m = FixedPoint.tfliteMultiplier(real) else {
                throw fail(n, "multiplier[\(o)]", "s_in·s_w/s_out = \(real) needs a shift above 30")
            }
            mult.append(m.mult)
            shift.append(m.shift)
        }
        return (mult, shift)
    }

    /// CONV_2D (weights OHWI, already the engine's [O][ky][kx][C]) or DEPTHWISE_CONV_2D
    /// (weights [1][kh][kw][C], transposed to [C][kh·kw]).
    func convLayer(_ c: Convolution, _ n: ImportedNode, input x: Int, depthwise: Bool) throws -> QConvLayer {
        let s = nodes[x].shape
        guard s.count == 3 else { throw fail(n, "input", "\(s) is not [H, W, C]") }
        let ws = c.weights.shape
        guard ws.count == 4 else { throw fail(n, "weights.shape", "\(ws) is not 4-D") }
        let o = depthwise ? ws[3] : ws[0], ch = s[2]
        guard depthwise ? (ws[0] == 1 && o == ch) : ws[3] == ch else {
            throw fail(n, "weights.shape", "\(ws) does not fit an input of \(ch) channels")
        }
        try checkWindow(n, kernel: (c.kernelH, c.kernelW), stride: (c.strideH, c.strideW), pads: c.padding)
        let qo = try quant(n.output, n, "output")
        var (w, scales, bias) = try weightsAndBias(c.weights, c.bias, outChannels: o, n)
        if depthwise {
            let k = c.kernelH * c.kernelW
            w = (0..<(o * k)).map { i in w[(i % k) * o + i / k] }
        }
        let (mult, shift) = try multipliers(scales, input: nodes[x].quant, output: qo, n)
        let (lo, hi) = c.activation.quantizedBounds(graph.tensors[n.output].quantization!)
        return QConvLayer(kernelH: c.kernelH, kernelW: c.kernelW, strideH: c.strideH, strideW: c.strideW,
                          padTop: c.padding.top, padBottom: c.padding.bottom, padLeft: c.padding.left, padRight: c.padding.right,
                          inChannels: ch, outChannels: o, isDense: false, isDepthwise: depthwise, weights: w, weightScales: scales,
                          bias: bias, multiplier: mult, shift: shift, rounding: .q31, actMin: lo, actMax: hi)
    }

    /// FULLY_CONNECTED (weights [O, I], I in NHWC-flatten order) as a 1×1 dense layer.
    func denseLayer(_ f: FullyConnected, _ n: ImportedNode, input x: Int) throws -> QConvLayer {
        let ws = f.weights.shape, inputs = nodes[x].shape.reduce(1, *)
        guard ws.count == 2, ws[1] == inputs else { throw fail(n, "weights.shape", "\(ws) does not fit \(inputs) input features") }
        let o = ws[0]
        let qo = try quant(n.output, n, "output")
        let (w, scales, bias) = try weightsAndBias(f.weights, f.bias, outChannels: o, n)
        let (mult, shift) = try multipliers(scales, input: nodes[x].quant, output: qo, n)
        let (lo, hi) = f.activation.quantizedBounds(graph.tensors[n.output].quantization!)
        return QConvLayer(kernelH: 1, kernelW: 1, strideH: 1, strideW: 1, padTop: 0, padBottom: 0, padLeft: 0, padRight: 0,
                          inChannels: inputs, outChannels: o, isDense: true, isDepthwise: false, weights: w, weightScales: scales,
                          bias: bias, multiplier: mult, shift: shift, rounding: .q31, actMin: lo, actMax: hi)
    }

    /// ADD: inputs shifted left by 20 and scaled by s_i / (2·max(s1, s2)), the sum by
    /// 2·max(s1, s2) / (2^20·s_out), all QuantizeMultiplier in binary64 (add_common.cc).
    func addLayer(_ act: Activation, _ n: ImportedNode, a: QuantParams, b: QuantParams) throws -> QAddLayer {
        let qo = try quant(n.output, n, "output")
        let twice = 2 * max(Double(a.scale), Double(b.scale))
        func m(_ real: Double, _ field: String) throws -> (mult: Int32, shift: Int32) {
            guard let v = FixedPoint.tfliteMultiplier(real), v.mult >= 1 << 30, (-31...0).contains(v.shift) else {
                throw fail(n, field, "= \(real) is outside the engine's range (2^-32, 1)")
            }
            return v
        }
        let ma = try m(Double(a.scale) / twice, "input1 multiplier"), mb = try m(Double(b.scale) / twice, "input2 multiplier")
        let mo = try m(twice / (Double(1 << 20) * Double(qo.scale)), "output multiplier")
        let (lo, hi) = act.quantizedBounds(graph.tensors[n.output].quantization!)
        return QAddLayer(leftShift: 20, aMult: ma.mult, aShift: ma.shift, bMult: mb.mult, bShift: mb.shift, outMult: mo.mult,
                         outShift: mo.shift, actMin: lo, actMax: hi)
    }
}
