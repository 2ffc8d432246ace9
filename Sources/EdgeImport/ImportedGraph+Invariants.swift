// The promises an ImportedGraph makes to whoever maps it onto an engine, checked in one
// place: the importers establish them, the tests and fuzz targets verify them after every
// successful import, so a file that parses can never yield a graph an executor would index
// out of bounds.

extension ImportedGraph {
    /// nil when the graph keeps its promises, else the first broken one: nodes read only
    /// tensors written before them (or the input) and write each tensor once; shapes are
    /// positive; weights and biases hold exactly their shape's element count; per-channel
    /// quantisation has one entry per channel; every output shape follows from the op's
    /// parameters and input shape; int8/uint8 tensors carry a per-tensor quantisation.
    public func invariantViolation() -> String? {
        guard !tensors.isEmpty, input >= 0, input < tensors.count, output >= 0, output < tensors.count else {
            return "input \(input) / output \(output) outside \(tensors.count) tensors"
        }
        for (i, t) in tensors.enumerated() {
            guard !t.shape.isEmpty, t.shape.allSatisfy({ $0 > 0 }), ShapeProduct.elements(t.shape) != nil else {
                return "tensor \(i) has shape \(t.shape)"
            }
            if t.type == .int8 || t.type == .uint8 {
                guard let q = t.quantization, q.scales.count == 1, q.zeroPoints.count == 1 else {
                    return "quantised tensor \(i) without one scale and zero point"
                }
            }
        }
        var written = [Bool](repeating: false, count: tensors.count)
        written[input] = true
        for (k, n) in nodes.enumerated() {
            guard n.output >= 0, n.output < tensors.count, !written[n.output] else { return "node \(k) output \(n.output)" }
            guard !n.inputs.isEmpty, n.inputs.allSatisfy({ $0 >= 0 && $0 < tensors.count && written[$0] }) else {
                return "node \(k) reads \(n.inputs) before they are written"
            }
            if let why = shapeViolation(n) { return "node \(k) (\(n.sourceOp)): \(why)" }
            written[n.output] = true
        }
        return written[output] ? nil : "the output is never written"
    }

    private func shapeViolation(_ n: ImportedNode) -> String? {
        let x = tensors[n.inputs[0]].shape, y = tensors[n.output].shape
        func window(_ size: Int, _ k: Int, _ s: Int, _ a: Int, _ b: Int) -> Int? {
            WindowMath.explicit(size: size, kernel: k, stride: s, before: a, after: b)
        }
        switch n.op {
        case .conv(let c), .depthwiseConv(let c):
            var depthwise = false
            if case .depthwiseConv = n.op { depthwise = true }
            let w = c.weights.shape
            guard x.count == 3, w.count == 4, c.weights.count == ShapeProduct.elements(w) else { return "weights \(w) on \(x)" }
            let outC = depthwise ? w[3] : w[0]
            guard depthwise ? (w[0] == 1 && w[3] == x[2]) : w[3] == x[2] else { return "weights \(w) on \(x)" }
            if let b = c.bias, b.shape != [outC] || b.count != outC { return "bias \(b.shape) for \(outC) channels" }
            if let q = c.weights.quantization, !q.isPerTensor, q.scales.count != outC { return "\(q.scales.count) scales" }
            guard let oh = window(x[0], w[1], c.strideH, c.padding.top, c.padding.bottom),
                  let ow = window(x[1], w[2], c.strideW, c.padding.left, c.padding.right), y == [oh, ow, outC] else {
                return "output \(y) does not follow from \(x), kernel \(w[1])×\(w[2]), strides, pads"
            }
        case .pool(let p):
            guard x.count == 3, let oh = window(x[0], p.kernelH, p.strideH, p.padding.top, p.padding.bottom),
                  let ow = window(x[1], p.kernelW, p.strideW, p.padding.left, p.padding.right), y == [oh, ow, x[2]] else {
                return "pool output \(y) from \(x)"
            }
        case .mean(let keep):
            guard x.count == 3, y == (keep ? [1, 1, x[2]] : [x[2]]) else { return "mean output \(y) from \(x)" }
        case .add:
            guard n.inputs.count == 2, tensors[n.inputs[1]].shape == x, y == x else { return "add of unequal shapes" }
        case .fullyConnected(let f):
            let w = f.weights.shape
            guard w.count == 2, f.weights.count == w[0] * w[1], w[1] == ShapeProduct.elements(x), y == [w[0]] else {
                return "dense \(w) on \(x) → \(y)"
            }
            if let b = f.bias, b.count != w[0] { return "bias of \(b.count) for \(w[0]) outputs" }
            if let q = f.weights.quantization, !q.isPerTensor, q.scales.count != w[0] { return "\(q.scales.count) scales" }
        case .reshape(let s):
            guard s == y, ShapeProduct.elements(s) == ShapeProduct.elements(x) else { return "reshape \(x) → \(y)" }
        case .pad(let p):
            guard x.count == 3, min(p.top, p.left, p.bottom, p.right) >= 0,
                  y == [x[0] + p.top + p.bottom, x[1] + p.left + p.right, x[2]] else { return "pad output \(y) from \(x)" }
        case .activation, .quantize, .dequantize:
            guard y == x else { return "elementwise op changes \(x) to \(y)" }
        }
        return nil
    }
}
