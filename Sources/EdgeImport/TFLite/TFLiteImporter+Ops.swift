// One function per TFLite operator family: read its options, check every attribute the
// engine cannot run exactly, compute the output shape and compare it with the file's.

extension TFLiteBuilder {
    /// Largest kernel or stride accepted (far above what edge CNNs use).
    static let maxWindow = 64

    mutating func convert(_ op: TFLiteOperator, index: Int, isInputEdge: Bool, isOutputEdge: Bool) throws {
        guard let code = Builtin(rawValue: op.code) else {
            let name = op.customName.map { "custom operator '\($0)'" } ?? opName(op.code)
            throw ImportError(.unsupportedOperator, path: path, location: op.location, offset: op.offset,
                              "operator \(index) (\(name)) is not supported")
        }
        switch code {
        case .conv2D, .depthwiseConv2D: try convolution(op, index: index, depthwise: code == .depthwiseConv2D)
        case .averagePool2D, .maxPool2D: try pool(op, index: index, max: code == .maxPool2D)
        case .mean: try mean(op, index: index)
        case .add: try add(op, index: index)
        case .fullyConnected: try fullyConnected(op, index: index)
        case .reshape, .squeeze: try reshape(op, index: index)
        case .pad, .padV2: try pad(op, index: index)
        case .relu, .relu6, .reluN1To1:
            let x = try input(op, 0)
            let act: Activation = code == .relu ? .relu : code == .relu6 ? .relu6 : .clip(lower: -1, upper: 1)
            try checkCompute(op, x)
            try emit(op, index: index, .activation(act), inputs: [x], check: tensors[x].shape)
        case .quantize: try quantize(op, index: index, inputEdge: isInputEdge, outputEdge: isOutputEdge)
        case .dequantize:
            let x = try input(op, 0)
            guard isOutputEdge, tensors[x].type == .int8 else {
                throw fail(.unsupportedOperator, op, "", "operator \(index): DEQUANTIZE is supported only int8 → float at the output")
            }
            try emit(op, index: index, .dequantize, inputs: [x], check: tensors[x].shape)
            guard tensors[tensors.count - 1].type == .float32 else {
                throw fail(.unsupportedType, op, "outputs[0]", "output is not float32")
            }
        case .softmax:
            throw fail(.unsupportedOperator, op, "", "operator \(index): SOFTMAX is supported only as the last operator")
        default:
            throw fail(.unsupportedOperator, op, "", "operator \(index) is not supported")
        }
    }

    /// Decodes a fused activation code.
    func fusedActivation(_ op: TFLiteOperator, _ t: FlatTable, slot: Int) throws -> Activation {
        switch try t.i8(slot, "fused_activation_function") {
        case 0: return .none
        case 1: return .relu
        case 2: return .clip(lower: -1, upper: 1)
        case 3: return .relu6
        case let a: throw fail(.unsupportedAttribute, op, "builtin_options.fused_activation_function",
                               "fused activation \(a) (TANH/SIGN_BIT) is not supported")
        }
    }

    /// The options table, which must be present and of `type`.
    func options(_ op: TFLiteOperator, _ type: UInt8) throws -> FlatTable {
        guard op.optionsType == type, let t = op.options else {
            throw fail(.inconsistent, op, "builtin_options", "options of type \(op.optionsType), expected \(type)")
        }
        return t
    }

    /// Fixes the graph's precision on the first compute op and refuses mixtures (hybrid models).
    mutating func checkCompute(_ op: TFLiteOperator, _ x: Int) throws {
        let p: ImportedGraph.Precision
        switch tensors[x].type {
        case .float32: p = .float32
        case .int8: p = .int8
        default: throw fail(.unsupportedType, op, "inputs[0]", "\(tensors[x].type) activations inside the graph (int8 or float32 only)")
        }
        if let q = precision, q != p {
            throw fail(.unsupportedType, op, "inputs[0]", "\(p) operator in a \(q) graph (mixed precision is not supported)")
        }
        precision = p
    }

    /// Stride/window/padding triple for one spatial axis.
    func window(_ op: TFLiteOperator, size n: Int, kernel k: Int, stride s: Int, same: Bool, axis: String) throws
        -> (out: Int, before: Int, after: Int) {
        guard k >= 1, k <= Self.maxWindow, s >= 1, s <= Self.maxWindow else {
            throw fail(.unsupportedAttribute, op, "builtin_options", "\(axis) kernel \(k) / stride \(s) outside 1...\(Self.maxWindow)")
        }
        if same, let r = WindowMath.same(size: n, kernel: k, stride: s) { return r }
        if !same, let o = WindowMath.explicit(size: n, kernel: k, stride: s, before: 0, after: 0) { return (o, 0, 0) }
        throw fail(.inconsistent, op, "builtin_options", "\(axis) window \(k) does not fit the input size \(n)")
    }

    func padding(_ op: TFLiteOperator, _ t: FlatTable) throws -> Bool {
        switch try t.i8(0, "padding") {
        case 0: return true   // SAME
        case 1: return false  // VALID
        case let p: throw fail(.unsupportedAttribute, op, "builtin_options.padding", "padding \(p)")
        }
    }

    mutating func convolution(_ op: TFLiteOperator, index: Int, depthwise: Bool) throws {
        let x = try input(op, 0)
        try checkCompute(op, x)
        let xs = tensors[x].shape
        guard xs.count == 3 else { throw fail(.badDimension, op, "inputs[0]", "input \(xs) is not [H, W, C]") }
        typealias C = TFLiteSchema.Conv2DOptions
        typealias D = TFLiteSchema.DepthwiseOptions
        let t = try options(op, depthwise ? TFLiteSchema.OptionsType.depthwiseConv2D : TFLiteSchema.OptionsType.conv2D)
        let same = try padding(op, t)
        let sw = Int(try t.i32(depthwise ? D.strideW : C.strideW, "stride_w"))
        let sh = Int(try t.i32(depthwise ? D.strideH : C.strideH, "stride_h"))
        let dw = try t.i32(depthwise ? D.dilationW : C.dilationW, "dilation_w_factor", default: 1)
        let dh = try t.i32(depthwise ? D.dilationH : C.dilationH, "dilation_h_factor", default: 1)
        guard dw == 1, dh == 1 else {
            throw fail(.unsupportedAttribute, op, "builtin_options.dilation_h_factor", "operator \(index): dilation \(dh)×\(dw) (only 1)")
        }
        let act = try fusedActivation(op, t, slot: depthwise ? D.activation : C.activation)
        let (wt, w) = try constant(op, 1, what: "weights")
        guard wt.shape.count == 4 else { throw fail(.badDimension, op, "inputs[1]", "weights \(wt.shape) are not rank 4") }
        let (o, kh, kw, i) = (wt.shape[0], wt.shape[1], wt.shape[2], wt.shape[3])
        if depthwise {
            let mult = Int(try t.i32(D.depthMultiplier, "depth_multiplier", default: 1))
            guard o == 1, i == xs[2], mult == 1 || mult == 0 else {
                throw fail(.unsupportedAttribute, op, "builtin_options.depth_multiplier",
                           "operator \(index): weights \(wt.shape) on \(xs[2]) channels, multiplier \(mult) (only 1)")
            }
        } else if i != xs[2] {
            throw fail(.unsupportedAttribute, op, "inputs[1]", "operator \(index): grouped convolution (weights \(wt.shape) on \(xs[2]) channels)")
        }
        let vertical = try window(op, size: xs[0], kernel: kh, stride: sh, same: same, axis: "vertical")
        let horizontal = try window(op, size: xs[1], kernel: kw, stride: sw, same: same, axis: "horizontal")
        let outC = depthwise ? i : o
        let bias = try optionalBias(op, channels: outC)
        try checkWeightTypes(op, w, bias, axis: depthwise ? 3 : 0)
        let conv = Convolution(weights: w, bias: bias, strideH: sh, strideW: sw,
                               padding: Padding4(top: vertical.before, left: horizontal.before,
                                                 bottom: vertical.after, right: horizontal.after),
                               activation: act)
        try emit(op, index: index, depthwise ? .depthwiseConv(conv) : .conv(conv), inputs: [x],
                 check: [vertical.out, horizontal.out, outC])
    }

    /// Bias operand (slot 2) of conv/dense: absent (−1) or a constant of `channels` entries.
    func optionalBias(_ op: TFLiteOperator, channels: Int) throws -> ConstantTensor? {
        guard op.inputs.count > 2, op.inputs[2] >= 0 else { return nil }
        let (_, b) = try constant(op, 2, what: "bias")
        guard b.shape == [channels] else {
            throw fail(.inconsistent, op, "inputs[2]", "bias \(b.shape) for \(channels) channels")
        }
        return b
    }

    /// int8 graphs need int8 weights (per-channel along `axis`, or per-tensor) and int32
    /// biases; float graphs need float32 weights and biases (int8 weights would be a hybrid model).
    func checkWeightTypes(_ op: TFLiteOperator, _ w: ConstantTensor, _ b: ConstantTensor?, axis: Int) throws {
        switch (precision, w.values) {
        case (.int8?, .int8):
            guard let q = w.quantization, q.axis == nil || q.axis == axis else {
                throw fail(.unsupportedAttribute, op, "inputs[1]", "int8 weights need per-tensor or axis-\(axis) quantisation")
            }
            if let b = b {
                guard case .int32 = b.values, let bq = b.quantization, bq.scales.count == 1 || bq.scales.count == b.count else {
                    throw fail(.unsupportedType, op, "inputs[2]", "int8 operators need a quantised int32 bias")
                }
            }
        case (.float32?, .float32):
            if let b = b, case .float32 = b.values {} else if b != nil {
                throw fail(.unsupportedType, op, "inputs[2]", "float operators need a float32 bias")
            }
        default:
            throw fail(.unsupportedType, op, "inputs[1]", "weights of this type in a \(precision?.rawValue ?? "?") graph (hybrid models are not supported)")
        }
    }

    mutating func pool(_ op: TFLiteOperator, index: Int, max: Bool) throws {
        let x = try input(op, 0)
        try checkCompute(op, x)
        let xs = tensors[x].shape
        guard xs.count == 3 else { throw fail(.badDimension, op, "inputs[0]", "input \(xs) is not [H, W, C]") }
        typealias P = TFLiteSchema.Pool2DOptions
        let t = try options(op, TFLiteSchema.OptionsType.pool2D)
        let same = try padding(op, t)
        let kh = Int(try t.i32(P.filterH, "filter_height")), kw = Int(try t.i32(P.filterW, "filter_width"))
        let sh = Int(try t.i32(P.strideH, "stride_h")), sw = Int(try t.i32(P.strideW, "stride_w"))
        let v = try window(op, size: xs[0], kernel: kh, stride: sh, same: same, axis: "vertical")
        let h = try window(op, size: xs[1], kernel: kw, stride: sw, same: same, axis: "horizontal")
        let p = Pooling(kind: max ? .max : .average, kernelH: kh, kernelW: kw, strideH: sh, strideW: sw,
                        padding: Padding4(top: v.before, left: h.before, bottom: v.after, right: h.after),
                        countIncludesPadding: false, activation: try fusedActivation(op, t, slot: P.activation))
        try emit(op, index: index, .pool(p), inputs: [x], check: [v.out, h.out, xs[2]])
    }

    mutating func mean(_ op: TFLiteOperator, index: Int) throws {
        let x = try input(op, 0)
        try checkCompute(op, x)
        let xs = tensors[x].shape
        guard xs.count == 3 else { throw fail(.badDimension, op, "inputs[0]", "input \(xs) is not [H, W, C]") }
        let (_, axes) = try constant(op, 1, what: "axes")
        guard case .int32(let a) = axes.values, Set(a.map { $0 < 0 ? $0 + 4 : $0 }) == [1, 2], a.count == 2 else {
            throw fail(.unsupportedAttribute, op, "inputs[1]", "operator \(index): MEAN over axes other than [1, 2] (height, width)")
        }
        var keep = false
        if op.optionsType == TFLiteSchema.OptionsType.reducer, let t = op.options {
            keep = try t.bool(TFLiteSchema.ReducerOptions.keepDims, "keep_dims")
        }
        try emit(op, index: index, .mean(keepDims: keep), inputs: [x], check: keep ? [1, 1, xs[2]] : [xs[2]])
    }

    mutating func add(_ op: TFLiteOperator, index: Int) throws {
        guard op.inputs.count == 2, !isConstant(op, 0), !isConstant(op, 1) else {
            throw fail(.unsupportedAttribute, op, "inputs", "operator \(index): ADD of a constant (only two activations)")
        }
        let a = try input(op, 0), b = try input(op, 1)
        try checkCompute(op, a)
        try checkCompute(op, b)
        guard tensors[a].shape == tensors[b].shape else {
            throw fail(.unsupportedAttribute, op, "inputs", "operator \(index): broadcasting ADD \(tensors[a].shape) + \(tensors[b].shape)")
        }
        let t = try options(op, TFLiteSchema.OptionsType.add)
        let act = try fusedActivation(op, t, slot: TFLiteSchema.AddOptions.activation)
        try emit(op, index: index, .add(activation: act), inputs: [a, b], check: tensors[a].shape)
    }

    mutating func fullyConnected(_ op: TFLiteOperator, index: Int) throws {
        let x = try input(op, 0)
        try checkCompute(op, x)
        typealias F = TFLiteSchema.FullyConnectedOptions
        let t = try options(op, TFLiteSchema.OptionsType.fullyConnected)
        guard try t.i8(F.weightsFormat, "weights_format") == 0 else {
            throw fail(.unsupportedAttribute, op, "builtin_options.weights_format", "operator \(index): shuffled weights")
        }
        let act = try fusedActivation(op, t, slot: F.activation)
        let (wt, w) = try constant(op, 1, what: "weights")
        guard wt.shape.count == 2 else { throw fail(.badDimension, op, "inputs[1]", "weights \(wt.shape) are not [O, I]") }
        let inputs = ShapeProduct.elements(tensors[x].shape) ?? -1
        guard wt.shape[1] == inputs else {
            throw fail(.inconsistent, op, "inputs[1]", "weights \(wt.shape) on an input of \(inputs) elements")
        }
        let bias = try optionalBias(op, channels: wt.shape[0])
        try checkWeightTypes(op, w, bias, axis: 0)
        try emit(op, index: index, .fullyConnected(FullyConnected(weights: w, bias: bias, activation: act)), inputs: [x],
                 check: [wt.shape[0]])
    }

    mutating func reshape(_ op: TFLiteOperator, index: Int) throws {
        let x = try input(op, 0)
        guard op.outputs.count == 1 else { throw fail(.badGraph, op, "outputs", "\(op.outputs.count) outputs") }
        let out = try activation(op.outputs[0], location: "\(op.location).outputs[0]")
        guard ShapeProduct.elements(out.shape) == ShapeProduct.elements(tensors[x].shape) else {
            throw fail(.inconsistent, op, "outputs[0]", "reshape \(tensors[x].shape) → \(out.shape) changes the element count")
        }
        guard out.type == tensors[x].type, out.quantization == tensors[x].quantization else {
            throw fail(.unsupportedAttribute, op, "outputs[0]", "operator \(index): reshape that changes the quantisation")
        }
        try emit(op, index: index, .reshape(shape: out.shape), inputs: [x])
    }

    mutating func pad(_ op: TFLiteOperator, index: Int) throws {
        let x = try input(op, 0)
        try checkCompute(op, x)
        let xs = tensors[x].shape
        guard xs.count == 3 else { throw fail(.badDimension, op, "inputs[0]", "input \(xs) is not [H, W, C]") }
        let (_, p) = try constant(op, 1, what: "paddings")
        guard p.shape == [4, 2], case .int32(let v) = p.values else {
            throw fail(.inconsistent, op, "inputs[1]", "paddings \(p.shape) are not int [4, 2]")
        }
        guard v[0] == 0, v[1] == 0, v[6] == 0, v[7] == 0, v.allSatisfy({ $0 >= 0 && $0 <= Int32(Self.maxWindow) }) else {
            throw fail(.unsupportedAttribute, op, "inputs[1]", "operator \(index): paddings \(v) (only H and W, 0...\(Self.maxWindow))")
        }
        if op.inputs.count > 2, op.inputs[2] >= 0 {
            // PADV2's value must be what PAD would use: 0.0, or the zero point in int8.
            let (_, c) = try constant(op, 2, what: "constant value")
            let zp = tensors[x].quantization?.zeroPoints.first ?? 0
            let ok: Bool
            switch c.values {
            case .float32(let f): ok = f == [0]
            case .int8(let q): ok = q.count == 1 && Int32(q[0]) == zp
            case .int32: ok = false
            }
            guard ok else {
                throw fail(.unsupportedAttribute, op, "inputs[2]", "operator \(index): PADV2 with a non-zero value")
            }
        }
        let pads = Padding4(top: Int(v[2]), left: Int(v[4]), bottom: Int(v[3]), right: Int(v[5]))
        try emit(op, index: index, .pad(pads), inputs: [x],
                 check: [xs[0] + pads.top + pads.bottom, xs[1] + pads.left + pads.right, xs[2]])
        guard tensors[tensors.count - 1].quantization == tensors[x].quantization else {
            throw fail(.unsupportedAttribute, op, "outputs[0]", "operator \(index): PAD that changes the quantisation")
        }
    }

    mutating func quantize(_ op: TFLiteOperator, index: Int, inputEdge: Bool, outputEdge: Bool) throws {
        let x = try input(op, 0)
        let from = tensors[x].type
        let edgeIn = inputEdge && x == 0
        guard edgeIn || (outputEdge && from == .int8) else {
            throw fail(.unsupportedOperator, op, "", "operator \(index): QUANTIZE is supported only at the input or output edge")
        }
        try emit(op, index: index, .quantize, inputs: [x], check: tensors[x].shape)
        let to = tensors[tensors.count - 1].type
        guard (edgeIn && to == .int8) || (!edgeIn && (to == .uint8 || to == .int8)) else {
            throw fail(.unsupportedType, op, "outputs[0]", "QUANTIZE \(from) → \(to)")
        }
        if edgeIn { precision = .int8 }
    }
}
