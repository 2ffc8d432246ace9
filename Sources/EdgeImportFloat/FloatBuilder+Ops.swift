import EdgeCore
import EdgeImport
import EdgeModel

// One imported operator → float nodes. Shapes in comments: NHWC per image on the imported
// side, CHW on the float side.

extension FloatBuilder {
    mutating func map(_ n: ImportedNode) throws {
        let out: (node: Int, held: Held)
        switch n.op {
        case .conv(let c):
            out = (try conv(n, c, depthwise: false), .spatial)
        case .depthwiseConv(let c):
            out = (try conv(n, c, depthwise: true), .spatial)
        case .pool(let p):
            out = (try pool(n, p), .spatial)
        case .mean(let keepDims):
            out = try mean(n, keepDims: keepDims)
        case .add(let a):
            let l = try source(n.inputs[0], n), r = try source(n.inputs[1], n)
            guard sameLayout(l.held, r.held) else { throw fail(n, "operands", "are held in different layouts") }
            out = (activation(a, after: append(.add, [l.node, r.node], name: n.name), name: n.name), l.held)
        case .fullyConnected(let f):
            out = (try dense(n, f), .vector)
        case .reshape(let shape):
            out = try reshape(n, to: shape)
        case .pad(let p):
            let x = try spatial(n.inputs[0], n)
            let sides = SidePadding(top: p.top, left: p.left, bottom: p.bottom, right: p.right)
            out = (append(.pad(sides), [x], name: n.name), .spatial)
        case .activation(let a):
            let x = try source(n.inputs[0], n)
            out = (activation(a, after: x.node, name: n.name), x.held)
        case .quantize, .dequantize:
            throw fail(n, "operator", "quantises inside a float graph")
        }
        holder[n.output] = out
    }

    /// An average that counts the padding is a zero pad followed by an unpadded average (the
    /// same sums: adding zeros is exact), which the int8 engine can run as PAD + AVERAGE_POOL.
    mutating func pool(_ n: ImportedNode, _ p: Pooling) throws -> Int {
        var x = try spatial(n.inputs[0], n)
        var pads = p.padding
        let padded = [pads.top, pads.left, pads.bottom, pads.right].contains { $0 > 0 }
        if p.kind == .average && p.countIncludesPadding && padded {
            x = append(.pad(SidePadding(top: pads.top, left: pads.left, bottom: pads.bottom, right: pads.right)), [x], name: n.name + "/pad")
            pads = .zero
            notes.append("\(n.sourceOp) '\(n.name)': padding counted by the average, mapped to a zero pad and an unpadded average")
        }
        let spec = PoolSpec(isMax: p.kind == .max, window: try window(n, p.kernelH, p.kernelW, p.strideH, p.strideW, pads),
                            countIncludesPadding: p.countIncludesPadding)
        return activation(p.activation, after: append(.pool(spec), [x], name: n.name), name: n.name)
    }

    func sameLayout(_ a: Held, _ b: Held) -> Bool {
        switch (a, b) {
        case (.spatial, .spatial), (.vector, .vector): return true
        case let (.flattened(h1, w1, c1), .flattened(h2, w2, c2)): return (h1, w1, c1) == (h2, w2, c2)
        default: return false
        }
    }

    func window(_ n: ImportedNode, _ kh: Int, _ kw: Int, _ sh: Int, _ sw: Int, _ p: Padding4) throws -> Window2D {
        let w = Window2D(kernelH: kh, kernelW: kw, strideH: sh, strideW: sw,
                         padding: SidePadding(top: p.top, left: p.left, bottom: p.bottom, right: p.right))
        guard [p.top, p.bottom].allSatisfy({ $0 < kh }), [p.left, p.right].allSatisfy({ $0 < kw }) else {
            throw fail(n, "padding \([p.top, p.left, p.bottom, p.right])", "reaches a whole kernel (\(kh)×\(kw)) beyond the input")
        }
        return w
    }

    func floats(_ c: ConstantTensor?, _ n: ImportedNode, _ what: String, count: Int) throws -> [Float]? {
        guard let c else { return nil }
        guard case .float32(let v) = c.values, v.count == count else { throw fail(n, what, "must be \(count) float32 values") }
        return v
    }

    /// Conv OHWI [O, KH, KW, I] → [O, I, KH, KW]; depthwise 1HWC [1, KH, KW, C] → [C, 1, KH, KW].
    mutating func conv(_ n: ImportedNode, _ c: Convolution, depthwise: Bool) throws -> Int {
        let x = try spatial(n.inputs[0], n)
        let s = c.weights.shape
        guard s.count == 4 else { throw fail(n, "weights", "must be 4-D, are \(s)") }
        let (kh, kw) = (s[1], s[2])
        let cin = depthwise ? s[3] : s[3], o = depthwise ? s[3] : s[0]
        guard let w = try floats(c.weights, n, "weights", count: s.reduce(1, *)) else { throw fail(n, "weights", "are missing") }
        var oihw = [Float](repeating: 0, count: w.count)
        if depthwise {
            for y in 0..<kh { for xx in 0..<kw { for ch in 0..<cin { oihw[(ch * kh + y) * kw + xx] = w[(y * kw + xx) * cin + ch] } } }
        } else {
            for oc in 0..<o { for y in 0..<kh { for xx in 0..<kw { for ic in 0..<cin {
                oihw[((oc * cin + ic) * kh + y) * kw + xx] = w[((oc * kh + y) * kw + xx) * cin + ic]
            } } } }
        }
        let bias = try floats(c.bias, n, "bias", count: o) ?? [Float](repeating: 0, count: o)
        let spec = ConvSpec(outChannels: o, window: try window(n, kh, kw, c.strideH, c.strideW, c.padding), depthwise: depthwise)
        let params = [Tensor(shape: [o, depthwise ? 1 : cin, kh, kw], data: oihw), Tensor(shape: [o], data: bias)]
        let conv = append(.convolution(spec), [x], name: n.name, params: params)
        return activation(c.activation, after: conv, name: n.name)
    }

    /// Dense: columns in the imported (NHWC flatten) order, permuted to CHW when the input is
    /// a flattened spatial tensor; a spatial input is flattened first.
    mutating func dense(_ n: ImportedNode, _ f: FullyConnected) throws -> Int {
        var src = try source(n.inputs[0], n)
        if case .spatial = src.held {
            let sh = graph.tensors[n.inputs[0]].shape
            let held: Held = sh[0] * sh[1] == 1 || sh[2] == 1 ? .vector : .flattened(h: sh[0], w: sh[1], c: sh[2])
            src = (append(.flatten, [src.node], name: n.name + "/flatten"), held)
        }
        let s = f.weights.shape
        guard s.count == 2 else { throw fail(n, "weights", "must be [O, I], are \(s)") }
        let (o, i) = (s[0], s[1])
        guard var w = try floats(f.weights, n, "weights", count: o * i) else { throw fail(n, "weights", "are missing") }
        if case let .flattened(h, ww, c) = src.held {
            guard h * ww * c == i else { throw fail(n, "weights", "have \(i) columns for a \(h)×\(ww)×\(c) input") }
            var p = [Float](repeating: 0, count: w.count)
            for oc in 0..<o { for ch in 0..<c { for y in 0..<h { for x in 0..<ww {
                p[oc * i + (ch * h + y) * ww + x] = w[oc * i + (y * ww + x) * c + ch]
            } } } }
            w = p
            notes.append("\(n.sourceOp) '\(n.name)': columns permuted from NHWC to CHW flatten order")
        }
        let bias = try floats(f.bias, n, "bias", count: o) ?? [Float](repeating: 0, count: o)
        let d = append(.dense(outFeatures: o), [src.node], name: n.name, params: [Tensor(shape: [o, i], data: w), Tensor(shape: [o], data: bias)])
        return activation(f.activation, after: d, name: n.name)
    }

    /// Mean over H, W: [H, W, C] → [C] (global average pool) or, keeping dims, [1, 1, C]
    /// (an average pool whose window is the whole image).
    mutating func mean(_ n: ImportedNode, keepDims: Bool) throws -> (node: Int, held: Held) {
        let x = try spatial(n.inputs[0], n)
        guard !keepDims else {
            let s = graph.tensors[n.inputs[0]].shape
            let spec = PoolSpec(isMax: false, window: try window(n, s[0], s[1], 1, 1, .zero), countIncludesPadding: true)
            return (append(.pool(spec), [x], name: n.name), .spatial)
        }
        return (append(.globalAvgPool, [x], name: n.name), .vector)
    }

    /// Reshapes that keep the element order in both layouts, or flatten a spatial tensor.
    mutating func reshape(_ n: ImportedNode, to shape: [Int]) throws -> (node: Int, held: Held) {
        let src = try source(n.inputs[0], n)
        let from = graph.tensors[n.inputs[0]].shape
        switch (src.held, shape.count) {
        case (.spatial, 1):
            let trivial = from[0] * from[1] == 1 || from[2] == 1
            return (append(.flatten, [src.node], name: n.name), trivial ? .vector : .flattened(h: from[0], w: from[1], c: from[2]))
        case (.vector, 1), (.flattened, 1):
            return src
        case (.spatial, 3) where shape == from:
            return src
        default:
            throw fail(n, "shape \(from) → \(shape)", "is not a flatten or a squeeze")
        }
    }
}
