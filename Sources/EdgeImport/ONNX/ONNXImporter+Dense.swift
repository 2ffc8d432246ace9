// Dense layers, shape operators, Pad, the trailing Softmax and Constant nodes.

extension ONNXBuilder {
    /// Gemm (transA 0; transB, alpha, beta honoured) or MatMul with a constant right side:
    /// W [O, I] = alpha · (transB ? B : Bᵀ), b = beta · C. When the input vector is a
    /// flattened C×H×W tensor, column c·H·W + y·W + x moves to (y·W + x)·C + c (HWC order).
    mutating func dense(_ node: Onnx_NodeProto, _ index: Int) throws {
        let loc = location(node, index)
        let x = try activation(node, index, 0)
        guard tensors[x.tensor].shape.count == 1 else {
            throw fail(.badDimension, loc,
                "operator \(index): \(node.opType) on a \(tensors[x.tensor].shape) input (flatten first)")
        }
        let k = tensors[x.tensor].shape[0]
        let a = attributes(node, index)
        let gemm = node.opType == "Gemm"
        guard try a.int("transA", default: 0) == 0 else { throw fail(.unsupportedAttribute, "\(loc).transA", "transA 1") }
        let transB = gemm ? try a.int("transB", default: 0) != 0 : false
        let alpha = gemm ? try a.float("alpha", default: 1) : 1, beta = gemm ? try a.float("beta", default: 1) : 1
        guard let bc = try constant(node, index, 1, what: "weights"), let bf = bc.floats, bc.dims.count == 2 else {
            throw fail(.unsupportedAttribute, loc, "operator \(index): weights must be a float 2-D constant")
        }
        let (rows, cols) = (bc.dims[0], bc.dims[1])
        let (o, i) = transB ? (rows, cols) : (cols, rows)
        guard i == k else { throw fail(.inconsistent, loc, "weights \(bc.dims) on \(k) inputs") }
        if let s = x.chw, s.c * s.h * s.w != i {
            throw fail(.inconsistent, loc, "input flattened from \(s.c)×\(s.h)×\(s.w) but \(i) columns")
        }
        var w = [Float](repeating: 0, count: o * i)
        for oo in 0..<o {
            for ii in 0..<i {
                let src = transB ? oo * cols + ii : ii * cols + oo
                var dst = ii
                if let s = x.chw, s.h * s.w > 1 {
                    let c = ii / (s.h * s.w), rem = ii % (s.h * s.w)
                    dst = rem * s.c + c
                }
                w[oo * i + dst] = alpha * bf[src]
            }
        }
        if let s = x.chw, s.h * s.w > 1 { notes.append("\(node.opType) (node \(index)) columns permuted from CHW to HWC order") }
        var bias: ConstantTensor?
        if gemm, let cc = try constant(node, index, 2, what: "bias") {
            guard let cf = cc.floats, cf.count == o || cf.count == 1 else {
                throw fail(.unsupportedAttribute, loc, "operator \(index): bias \(cc.dims) for \(o) outputs")
            }
            let full = cf.count == 1 ? [Float](repeating: cf[0], count: o) : cf
            bias = ConstantTensor(shape: [o], values: .float32(full.map { beta * $0 }))
        }
        let f = FullyConnected(weights: ConstantTensor(shape: [o, i], values: .float32(w)), bias: bias, activation: .none)
        try emit(node, index, .fullyConnected(f), inputs: [x.tensor], shape: [o])
    }

    /// Flatten (axis 1), Reshape to [N, −1 | C·H·W] or of a vector to a vector, and Squeeze
    /// of the 1×1 spatial axes. Anything that would reorder or split dimensions is refused.
    mutating func reshape(_ node: Onnx_NodeProto, _ index: Int) throws {
        let loc = location(node, index)
        let x = try activation(node, index, 0)
        let s = tensors[x.tensor].shape
        let n = s.reduce(1, *)
        switch node.opType {
        case "Flatten":
            guard try attributes(node, index).int("axis", default: 1) == 1 else {
                throw fail(.unsupportedAttribute, "\(loc).axis", "operator \(index): Flatten axis other than 1")
            }
        case "Squeeze":
            let ax = try axes(node, index, inputFrom: 13)
            guard s.count == 3, s[0] == 1, s[1] == 1, ax == [2, 3] else {
                throw fail(.unsupportedAttribute, loc,
                    "operator \(index): Squeeze other than the 1×1 spatial axes of N×C×1×1")
            }
        default:
            guard let t = try constant(node, index, 1, what: "shape")?.ints, t.count == 2,
                  [1, -1, 0].contains(t[0]), t[1] == -1 || t[1] == Int64(n) else {
                throw fail(.unsupportedAttribute, loc, "operator \(index): Reshape other than to [N, \(n)] (a flatten)")
            }
        }
        if s.count == 1 { return try alias(node, index, to: x) }
        guard s.count == 3 else { throw fail(.badDimension, loc, "operator \(index): input of shape \(s)") }
        let chw = (c: s[2], h: s[0], w: s[1])
        try emit(node, index, .reshape(shape: [n]), inputs: [x.tensor], shape: [n], chw: chw)
    }

    /// Constant-mode Pad of H and W only, value 0 (the pads input of opset ≥ 11, or the
    /// attribute of older files): [n0, c0, top, left, n1, c1, bottom, right].
    mutating func pad(_ node: Onnx_NodeProto, _ index: Int) throws {
        let loc = location(node, index)
        let x = try spatial(node, index)
        let a = attributes(node, index)
        guard try a.string("mode", default: "constant") == "constant" else {
            throw fail(.unsupportedAttribute, "\(loc).mode", "operator \(index): Pad mode '\(try a.string("mode", default: ""))'")
        }
        guard node.input.count < 4 || node.input[3].isEmpty else { throw fail(.unsupportedAttribute, loc, "Pad with axes") }
        let p = try constant(node, index, 1, what: "pads")?.ints ?? a.ints("pads")
        guard let v = p, v.count == 8, v[0] == 0, v[1] == 0, v[4] == 0, v[5] == 0,
              v.allSatisfy({ $0 >= 0 && $0 <= Int64(Self.maxWindow) }) else {
            throw fail(.unsupportedAttribute, loc, "operator \(index): pads \(p ?? []) (only non-negative H and W pads)")
        }
        if let c = try constant(node, index, 2, what: "constant_value"), c.floats != [0] {
            throw fail(.unsupportedAttribute, loc, "operator \(index): Pad value other than 0")
        }
        let pads = Padding4(top: Int(v[2]), left: Int(v[3]), bottom: Int(v[6]), right: Int(v[7]))
        let s = tensors[x.tensor].shape
        try emit(node, index, .pad(pads), inputs: [x.tensor], shape: [s[0] + pads.top + pads.bottom, s[1] + pads.left + pads.right, s[2]])
    }

    /// A Softmax whose output is the graph output is dropped (the graph then yields logits).
    mutating func softmax(_ node: Onnx_NodeProto, _ index: Int) throws {
        let x = try activation(node, index, 0)
        guard node.output.first == outputName, tensors[x.tensor].shape.count == 1 else {
            throw fail(.unsupportedOperator, location(node, index),
                "operator \(index): Softmax is supported only as the last operator, on logits")
        }
        softmaxDropped = true
        notes.append("trailing Softmax (node \(index)) dropped: the output is logits")
        try alias(node, index, to: x)
    }

    /// Constant: its value (tensor or scalar/list attribute) becomes a named constant.
    mutating func constantNode(_ node: Onnx_NodeProto, _ index: Int) throws {
        let loc = location(node, index)
        guard let out = node.output.first, !out.isEmpty, constants[out] == nil, values[out] == nil else {
            throw fail(.badGraph, loc, "Constant output missing or written twice")
        }
        let attrs = node.attribute
        guard attrs.count == 1, let a = attrs.first else {
            throw fail(.inconsistent, loc, "Constant needs exactly one value attribute")
        }
        let c: ONNXConstant
        switch a.name {
        case "value": c = try ONNXValues.decode(a.t) { fail($0, loc, $1) }
        case "value_float": c = ONNXConstant(dims: [], floats: [a.f])
        case "value_floats": c = ONNXConstant(dims: [a.floats.count], floats: a.floats)
        case "value_int": c = ONNXConstant(dims: [], ints: [a.i])
        case "value_ints": c = ONNXConstant(dims: [a.ints.count], ints: a.ints)
        default: throw fail(.unsupportedAttribute, "\(loc).\(a.name)", "operator \(index): Constant of kind \(a.name)")
        }
        constants[out] = c
    }
}
