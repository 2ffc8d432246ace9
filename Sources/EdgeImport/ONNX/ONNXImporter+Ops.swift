// One function per ONNX operator family. Every attribute that changes the arithmetic is
// read and either mapped exactly or refused with the node index and attribute name.

extension ONNXBuilder {
    /// Largest kernel, stride or pad accepted.
    static let maxWindow = 64

    mutating func convert(_ node: Onnx_NodeProto, index: Int) throws {
        let loc = location(node, index)
        guard node.domain.isEmpty || node.domain == "ai.onnx" else {
            throw fail(.unsupportedOperator, loc, "operator \(index) (\(node.domain).\(node.opType)) is not supported")
        }
        switch node.opType {
        case "Conv": try conv(node, index)
        case "BatchNormalization": try batchNorm(node, index)
        case "Relu": try activationNode(node, index, .relu)
        case "Clip": try clip(node, index)
        case "MaxPool", "AveragePool": try pool(node, index, max: node.opType == "MaxPool")
        case "GlobalAveragePool":
            let x = try spatial(node, index)
            try emit(node, index, .mean(keepDims: true), inputs: [x.tensor], shape: [1, 1, tensors[x.tensor].shape[2]])
        case "ReduceMean": try reduceMean(node, index)
        case "Add": try add(node, index)
        case "Gemm", "MatMul": try dense(node, index)
        case "Flatten", "Reshape", "Squeeze": try reshape(node, index)
        case "Pad": try pad(node, index)
        case "Softmax": try softmax(node, index)
        case "Identity": try alias(node, index, to: try activation(node, index, 0))
        case "Dropout":
            // Inference-mode Dropout is the identity; a training_mode input that is not a
            // constant false would make it random, which is refused.
            if let t = try constant(node, index, 2, what: "training_mode"), t.ints != [0] {
                throw fail(.unsupportedAttribute, location(node, index), "operator \(index): Dropout in training mode")
            }
            try alias(node, index, to: try activation(node, index, 0))
        case "Constant": try constantNode(node, index)
        default:
            throw fail(.unsupportedOperator, loc, "operator \(index) (\(node.opType)) is not supported")
        }
        if node.output.count > 1, node.output.dropFirst().contains(where: { !$0.isEmpty && uses[$0, default: 0] > 0 }) {
            throw fail(.unsupportedAttribute, loc, "operator \(index) (\(node.opType)): its extra outputs are used")
        }
    }

    /// The input activation, which must be spatial ([H, W, C]).
    func spatial(_ node: Onnx_NodeProto, _ index: Int) throws -> ONNXValue {
        let x = try activation(node, index, 0)
        guard tensors[x.tensor].shape.count == 3 else {
            throw fail(.badDimension, location(node, index), "input of shape \(tensors[x.tensor].shape) is not N×C×H×W")
        }
        return x
    }

    /// Pads [top, left, bottom, right] and output sizes from pads/auto_pad/strides/kernel.
    func window(_ node: Onnx_NodeProto, _ index: Int, _ a: ONNXAttributes, h: Int, w: Int, kh: Int, kw: Int)
        throws -> (Padding4, Int, Int, Int, Int) {
        let strides = try a.ints("strides") ?? [1, 1]
        let dil = try a.ints("dilations") ?? [1, 1]
        guard strides.count == 2, strides.allSatisfy({ $0 >= 1 && $0 <= Int64(Self.maxWindow) }) else {
            throw fail(.unsupportedAttribute, "\(location(node, index)).strides", "strides \(strides)")
        }
        guard dil == [1, 1] else {
            throw fail(.unsupportedAttribute, "\(location(node, index)).dilations", "dilations \(dil) (only 1)")
        }
        guard kh >= 1, kw >= 1, kh <= Self.maxWindow, kw <= Self.maxWindow else {
            throw fail(.unsupportedAttribute, "\(location(node, index)).kernel_shape", "kernel \(kh)×\(kw)")
        }
        let sh = Int(strides[0]), sw = Int(strides[1])
        let auto = try a.string("auto_pad", default: "NOTSET")
        var p = Padding4.zero
        switch auto {
        case "NOTSET", "":
            let pads = try a.ints("pads") ?? [0, 0, 0, 0]
            guard pads.count == 4, pads.allSatisfy({ $0 >= 0 && $0 <= Int64(Self.maxWindow) }) else {
                throw fail(.unsupportedAttribute, "\(location(node, index)).pads", "pads \(pads)")
            }
            // ONNX order: [x1_begin, x2_begin, x1_end, x2_end] = [top, left, bottom, right].
            p = Padding4(top: Int(pads[0]), left: Int(pads[1]), bottom: Int(pads[2]), right: Int(pads[3]))
        case "VALID": break
        case "SAME_UPPER", "SAME_LOWER":
            let upper = auto == "SAME_UPPER"
            guard let v = WindowMath.onnxSame(size: h, kernel: kh, stride: sh, upper: upper),
                  let u = WindowMath.onnxSame(size: w, kernel: kw, stride: sw, upper: upper) else {
                throw fail(.inconsistent, location(node, index), "window does not fit")
            }
            p = Padding4(top: v.before, left: u.before, bottom: v.after, right: u.after)
        default:
            throw fail(.unsupportedAttribute, "\(location(node, index)).auto_pad", "auto_pad '\(auto)'")
        }
        guard let oh = WindowMath.explicit(size: h, kernel: kh, stride: sh, before: p.top, after: p.bottom),
              let ow = WindowMath.explicit(size: w, kernel: kw, stride: sw, before: p.left, after: p.right) else {
            throw fail(.inconsistent, location(node, index), "a \(kh)×\(kw) window does not fit a \(h)×\(w) input")
        }
        return (p, sh, sw, oh, ow)
    }

    mutating func conv(_ node: Onnx_NodeProto, _ index: Int) throws {
        let loc = location(node, index)
        let x = try spatial(node, index)
        let (h, w, c) = (tensors[x.tensor].shape[0], tensors[x.tensor].shape[1], tensors[x.tensor].shape[2])
        guard let wc = try constant(node, index, 1, what: "weights"), let wf = wc.floats, wc.dims.count == 4 else {
            throw fail(.unsupportedAttribute, loc, "operator \(index): weights must be a float OIHW constant")
        }
        let (o, ig, kh, kw) = (wc.dims[0], wc.dims[1], wc.dims[2], wc.dims[3])
        let a = attributes(node, index)
        if let k = try a.ints("kernel_shape"), k != [Int64(kh), Int64(kw)] {
            throw fail(.inconsistent, "\(loc).kernel_shape", "kernel_shape \(k) but weights \(wc.dims)")
        }
        let group = try a.int("group", default: 1)
        let depthwise: Bool
        if group == 1, ig == c {
            depthwise = false
        } else if group == Int64(c), ig == 1, o == c {
            depthwise = true
        } else {
            throw fail(.unsupportedAttribute, "\(loc).group",
                       "operator \(index): group \(group) with weights \(wc.dims) on \(c) channels (only 1 or depthwise, multiplier 1)")
        }
        let (pads, sh, sw, oh, ow) = try window(node, index, a, h: h, w: w, kh: kh, kw: kw)
        var bias: ConstantTensor?
        if let b = try constant(node, index, 2, what: "bias") {
            guard let bf = b.floats, bf.count == o else {
                throw fail(.inconsistent, loc, "bias \(b.dims) for \(o) channels")
            }
            bias = ConstantTensor(shape: [o], values: .float32(bf))
        }
        // OIHW → OHWI (depthwise [C, 1, KH, KW] → [1, KH, KW, C]): w[o][i][y][x] moves to
        // [o][y][x][i], so a kernel row is contiguous over input channels as in TFLite.
        var out = [Float](repeating: 0, count: wf.count)
        for oo in 0..<o {
            for i in 0..<ig {
                for y in 0..<kh {
                    for xx in 0..<kw {
                        let src = ((oo * ig + i) * kh + y) * kw + xx
                        let dst = depthwise ? (y * kw + xx) * o + oo : ((oo * kh + y) * kw + xx) * ig + i
                        out[dst] = wf[src]
                    }
                }
            }
        }
        let weights = ConstantTensor(shape: depthwise ? [1, kh, kw, o] : [o, kh, kw, ig], values: .float32(out))
        let p = Convolution(weights: weights, bias: bias, strideH: sh, strideW: sw, padding: pads, activation: .none)
        try emit(node, index, depthwise ? .depthwiseConv(p) : .conv(p), inputs: [x.tensor], shape: [oh, ow, o])
    }

    /// The last emitted node, when `input` is its output and nothing else reads it.
    func fusable(_ node: Onnx_NodeProto, _ input: String) -> Int? {
        guard let v = values[input], let last = nodes.indices.last, nodes[last].output == v.tensor,
              uses[input, default: 0] == 1, input != outputName else { return nil }
        return last
    }

    /// BatchNormalization folded into the convolution or dense layer right before it:
    /// s = γ/√(σ² + ε), w'[o] = w[o]·s[o], b'[o] = (b[o] − μ[o])·s[o] + β[o], in Double.
    mutating func batchNorm(_ node: Onnx_NodeProto, _ index: Int) throws {
        let loc = location(node, index)
        let a = attributes(node, index)
        guard try a.int("training_mode", default: 0) == 0 else {
            throw fail(.unsupportedAttribute, "\(loc).training_mode", "operator \(index): training-mode batch norm")
        }
        let eps = Double(try a.float("epsilon", default: 1e-5))
        _ = try activation(node, index, 0)
        guard let last = fusable(node, node.input[0]) else {
            throw fail(.unsupportedOperator, loc,
                "operator \(index): BatchNormalization is supported only right after a Conv or Gemm whose output only it reads")
        }
        var p = [[Float]]()
        for slot in 1...4 {
            guard let c = try constant(node, index, slot, what: "batch-norm parameter"), let f = c.floats else {
                throw fail(.unsupportedAttribute, loc, "operator \(index): batch-norm input \(slot) is not a float constant")
            }
            p.append(f)
        }
        let channels = tensors[nodes[last].output].shape.last ?? 0
        guard p.allSatisfy({ $0.count == channels }) else {
            throw fail(.inconsistent, loc, "batch-norm parameters for \(channels) channels")
        }
        let s = (0..<channels).map { Double(p[0][$0]) / (Double(p[3][$0]) + eps).squareRoot() }
        guard s.allSatisfy({ $0.isFinite }), p[1].allSatisfy({ $0.isFinite }), p[2].allSatisfy({ $0.isFinite }) else {
            throw fail(.inconsistent, loc,
                "operator \(index): batch-norm variance + ε must be > 0 and every parameter finite")
        }
        func fold(_ w: ConstantTensor, _ b: ConstantTensor?, channelAxisLast: Bool) -> (ConstantTensor, ConstantTensor) {
            guard case .float32(var wv) = w.values else { return (w, b ?? w) }
            let per = wv.count / max(channels, 1)
            for k in 0..<wv.count {
                let ch = channelAxisLast ? k % channels : k / per
                wv[k] = Float(Double(wv[k]) * s[ch])
            }
            var bv = [Float](repeating: 0, count: channels)
            if let b = b, case .float32(let old) = b.values { bv = old }
            for ch in 0..<channels { bv[ch] = Float((Double(bv[ch]) - Double(p[2][ch])) * s[ch] + Double(p[1][ch])) }
            return (ConstantTensor(shape: w.shape, values: .float32(wv)), ConstantTensor(shape: [channels], values: .float32(bv)))
        }
        switch nodes[last].op {
        case .conv(var c) where c.activation == .none:
            let r = fold(c.weights, c.bias, channelAxisLast: false)
            c.weights = r.0
            c.bias = r.1
            nodes[last].op = .conv(c)
        case .depthwiseConv(var c) where c.activation == .none:
            let r = fold(c.weights, c.bias, channelAxisLast: true)
            c.weights = r.0
            c.bias = r.1
            nodes[last].op = .depthwiseConv(c)
        case .fullyConnected(var f) where f.activation == .none:
            let r = fold(f.weights, f.bias, channelAxisLast: false)
            f.weights = r.0
            f.bias = r.1
            nodes[last].op = .fullyConnected(f)
        default:
            throw fail(.unsupportedOperator, loc,
                "operator \(index): BatchNormalization after \(nodes[last].sourceOp) cannot be folded")
        }
        notes.append("BatchNormalization (node \(index)) folded into \(nodes[last].sourceOp) (node \(nodes[last].sourceIndex))")
        try alias(node, index, to: values[node.input[0]]!)
    }

    /// A ReLU/Clip: fused into the op before it when that op reads nothing else's output and
    /// has no activation yet; otherwise a standalone activation node.
    mutating func activationNode(_ node: Onnx_NodeProto, _ index: Int, _ act: Activation) throws {
        let x = try activation(node, index, 0)
        if let last = fusable(node, node.input[0]) {
            var fused = true
            switch nodes[last].op {
            case .conv(var c) where c.activation == .none: c.activation = act; nodes[last].op = .conv(c)
            case .depthwiseConv(var c) where c.activation == .none: c.activation = act; nodes[last].op = .depthwiseConv(c)
            case .fullyConnected(var f) where f.activation == .none: f.activation = act; nodes[last].op = .fullyConnected(f)
            case .add(let a) where a == .none: nodes[last].op = .add(activation: act)
            default: fused = false
            }
            if fused { return try alias(node, index, to: x) }
        }
        try emit(node, index, .activation(act), inputs: [x.tensor], shape: tensors[x.tensor].shape, chw: x.chw)
    }

    /// Clip: bounds from inputs 1 and 2 (opset ≥ 11) or from attributes (older files).
    mutating func clip(_ node: Onnx_NodeProto, _ index: Int) throws {
        let a = attributes(node, index)
        var lo = try a.float("min", default: -.infinity), hi = try a.float("max", default: .infinity)
        for (slot, what) in [(1, "min"), (2, "max")] {
            guard let c = try constant(node, index, slot, what: "Clip \(what)") else { continue }
            guard let f = c.floats, f.count == 1, f[0].isFinite else {
                throw fail(.unsupportedAttribute, location(node, index),
                    "operator \(index): Clip \(what) must be one finite float")
            }
            if slot == 1 { lo = f[0] } else { hi = f[0] }
        }
        guard lo <= hi, !lo.isNaN, !hi.isNaN else {
            throw fail(.unsupportedAttribute, location(node, index), "Clip [\(lo), \(hi)]")
        }
        let act: Activation = lo == 0 && hi == 6 ? .relu6 : lo == 0 && hi == .infinity ? .relu
            : lo == -.infinity && hi == .infinity ? .none : .clip(lower: lo, upper: hi)
        if act == .none { return try alias(node, index, to: try activation(node, index, 0)) }
        try activationNode(node, index, act)
    }

    mutating func pool(_ node: Onnx_NodeProto, _ index: Int, max: Bool) throws {
        let loc = location(node, index)
        let x = try spatial(node, index)
        let s = tensors[x.tensor].shape
        let a = attributes(node, index)
        guard let k = try a.ints("kernel_shape"), k.count == 2 else {
            throw fail(.unsupportedAttribute, "\(loc).kernel_shape", "need 2 entries")
        }
        guard try a.int("ceil_mode", default: 0) == 0 else {
            throw fail(.unsupportedAttribute, "\(loc).ceil_mode", "operator \(index): ceil_mode 1")
        }
        guard try a.int("storage_order", default: 0) == 0 else {
            throw fail(.unsupportedAttribute, "\(loc).storage_order", "column-major")
        }
        guard k.allSatisfy({ $0 >= 1 && $0 <= Int64(Self.maxWindow) }) else {
            throw fail(.unsupportedAttribute, "\(loc).kernel_shape", "\(k)")
        }
        let (pads, sh, sw, oh, ow) = try window(node, index, a, h: s[0], w: s[1], kh: Int(k[0]), kw: Int(k[1]))
        let include = try a.int("count_include_pad", default: 0) != 0
        let p = Pooling(kind: max ? .max : .average, kernelH: Int(k[0]), kernelW: Int(k[1]), strideH: sh, strideW: sw,
                        padding: pads, countIncludesPadding: include, activation: .none)
        try emit(node, index, .pool(p), inputs: [x.tensor], shape: [oh, ow, s[2]])
    }

    /// Axes as a set normalised for rank 4, from the attribute (opset < 18 for ReduceMean,
    /// < 13 for Squeeze) or the second input.
    func axes(_ node: Onnx_NodeProto, _ index: Int, inputFrom opsetForInput: Int) throws -> Set<Int64>? {
        var raw: [Int64]?
        if opset >= opsetForInput {
            raw = try constant(node, index, 1, what: "axes")?.ints
        } else {
            raw = try attributes(node, index).ints("axes")
        }
        return raw.map { Set($0.map { $0 < 0 ? $0 + 4 : $0 }) }
    }

    mutating func reduceMean(_ node: Onnx_NodeProto, _ index: Int) throws {
        let x = try spatial(node, index)
        let keep = try attributes(node, index).int("keepdims", default: 1) != 0
        guard try axes(node, index, inputFrom: 18) == [2, 3] else {
            throw fail(.unsupportedAttribute, "\(location(node, index)).axes", "operator \(index): ReduceMean over axes other than [2, 3]")
        }
        let c = tensors[x.tensor].shape[2]
        try emit(node, index, .mean(keepDims: keep), inputs: [x.tensor], shape: keep ? [1, 1, c] : [c])
    }

    mutating func add(_ node: Onnx_NodeProto, _ index: Int) throws {
        let loc = location(node, index)
        guard node.input.count == 2 else { throw fail(.badGraph, loc, "Add needs 2 inputs") }
        let constIn = node.input.firstIndex { constants[$0] != nil }
        if let ci = constIn {
            // MatMul + Add: the constant becomes the bias of the dense layer before.
            let other = node.input[1 - ci]
            guard let last = fusable(node, other), case .fullyConnected(var f) = nodes[last].op, f.bias == nil,
                  f.activation == .none, let b = constants[node.input[ci]]?.floats, b.count == f.weights.shape[0] else {
                throw fail(.unsupportedAttribute, loc,
                    "operator \(index): Add of a constant is supported only as the bias after MatMul")
            }
            f.bias = ConstantTensor(shape: [b.count], values: .float32(b))
            nodes[last].op = .fullyConnected(f)
            return try alias(node, index, to: values[other]!)
        }
        let a = try activation(node, index, 0), b = try activation(node, index, 1)
        guard tensors[a.tensor].shape == tensors[b.tensor].shape else {
            throw fail(.unsupportedAttribute, loc,
                "operator \(index): broadcasting Add \(tensors[a.tensor].shape) + \(tensors[b.tensor].shape)")
        }
        try emit(node, index, .add(activation: .none), inputs: [a.tensor, b.tensor], shape: tensors[a.tensor].shape, chw: a.chw)
    }
}
