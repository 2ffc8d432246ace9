// Also compiled into the board runner (Device/edge-run, Embedded Swift; scripts/build-device.sh):
// keep this file free of Foundation and of untyped `throws`.

import EdgeCore

extension QuantizedGraph {
    /// Largest |x − zp| · |w| product: (127 − (−128)) · 127.
    public static let maxProduct = 255 * 127

    /// Checks every field the integer engine relies on, so that kernels can run without
    /// re-checking (validate once, run blind). Errors name the layer and the field:
    /// scales, zero points, multipliers (0 or [2^30, 2^31)), shifts ([−31, 30]), clamps,
    /// kernels/strides/padding per axis, depthwise channel counts, shapes, weight counts,
    /// input tables, pooling windows, MEAN and PAD parameters, and the accumulator bound
    /// |bias| + K·255·127 ≤ 2^31 − 1 (no int32 accumulator can overflow).
    public func validate(path: String = "<model>", inputShape: [Int], offset: Int = 0) throws(EdgeError) {
        func bad(_ i: Int, _ field: String, _ why: String) -> EdgeError {
            .badModel(path: path, section: "QNET", offset: offset, reason: "int8 layer \(i) (\(i < nodes.count ? nodes[i].name : "?")): \(field) \(why)")
        }
        guard !nodes.isEmpty, nodes.count <= 512 else { throw bad(0, "node count", "must be 1...512") }
        guard nodes[0].op.isInput else { throw bad(0, "op", "node 0 must be the input") }
        for (i, n) in nodes.enumerated() {
            let q = n.quant
            guard q.scale.isFinite, q.scale > 0 else { throw bad(i, "scale", "= \(q.scale) must be finite and > 0") }
            guard (-128...127).contains(q.zeroPoint) else { throw bad(i, "zero point", "= \(q.zeroPoint) is outside [-128, 127]") }
            for j in n.inputs where j < 0 || j >= i { throw bad(i, "input", "\(j) does not name an earlier node") }
            let expected = try expectedShape(ofNode: i, inputShape: inputShape, bad: { bad(i, $0, $1) })
            guard n.shape == expected else { throw bad(i, "shape", "\(n.shape) does not match the computed \(expected)") }
            guard let sz = ShapeMath.product(n.shape), sz > 0, sz <= 1 << 22 else { throw bad(i, "shape", "\(n.shape) is empty or too large") }
        }
        guard nodes.last?.shape.count == 1 else { throw bad(nodes.count - 1, "shape", "the last layer must output logits") }
    }

    /// The rules of node `i`'s op on its inputs; returns the output shape those inputs and
    /// parameters imply, which `validate` compares with the node's declared shape.
    /// `bad` builds the error for a field of this node.
    private func expectedShape(ofNode i: Int, inputShape: [Int],
                               bad: (String, String) -> EdgeError) throws(EdgeError) -> [Int] {
        let n = nodes[i], q = n.quant
        let ins = n.inputs.map { nodes[$0].shape }
        func sameQuant() throws(EdgeError) {
            guard q == nodes[n.inputs[0]].quant else { throw bad("quantisation", "must equal its input's") }
        }
        func clamp(_ lo: Int32, _ hi: Int32) throws(EdgeError) {
            guard -128 <= lo, lo <= hi, hi <= 127 else { throw bad("clamp", "[\(lo), \(hi)] is not inside [-128, 127]") }
        }
        func image() throws(EdgeError) -> (Int, Int, Int) {
            guard ins.count == 1, ins[0].count == 3 else { throw bad("inputs", "\(n.op.kind) needs one [H, W, C] input") }
            return (ins[0][0], ins[0][1], ins[0][2])
        }
        switch n.op {
        case .input, .quantizedInput:
            guard i == 0, n.inputs.isEmpty else { throw bad("op", "only node 0 may be the input") }
            if case .quantizedInput(let t) = n.op {
                guard t.table.count == 256 || t.table.count == 256 * inputShape[0] else {
                    throw bad("input table", "has \(t.table.count) entries, expected 256 or 256·\(inputShape[0])")
                }
            } else {
                guard q == QuantParams.input else { throw bad("input quantisation", "must be scale 1/255, zero point -128") }
            }
            return [inputShape[1], inputShape[2], inputShape[0]]
        case .conv(let c):
            guard ins.count == 1 else { throw bad("inputs", "conv takes one input") }
            let s = ins[0]
            let (h, w, ch) = s.count == 3 ? (s[0], s[1], s[2]) : (1, 1, s.first ?? 0)
            return try validateConv(c, h: h, w: w, ch: ch, bad: bad)
        case let .maxPool(k, s), let .avgPool(k, s):
            let (h, w, ch) = try image()
            guard k >= 1, k <= 15, s >= 1, s <= 15,
                  let oh = ShapeMath.windowOutput(size: h, kernel: k, stride: s, padding: 0),
                  let ow = ShapeMath.windowOutput(size: w, kernel: k, stride: s, padding: 0) else {
                throw bad("kernel/stride", "out of range or does not fit")
            }
            try sameQuant()
            return [oh, ow, ch]
        case .pool(let p):
            let (h, w, ch) = try image()
            guard let oh = Self.windowOutput(h, p.kernelH, p.strideH, p.padTop, p.padBottom),
                  let ow = Self.windowOutput(w, p.kernelW, p.strideW, p.padLeft, p.padRight) else {
                throw bad("kernel/stride/padding", "out of range (kernel, stride 1…15, each pad below its kernel) or does not fit")
            }
            try clamp(p.actMin, p.actMax)
            try sameQuant()
            return [oh, ow, ch]
        case .globalAvgPool:
            let (_, _, ch) = try image()
            try sameQuant()
            return [ch]
        case .mean(let m):
            let (_, _, ch) = try image()
            guard m.multiplier >= 0 else { throw bad("mean multiplier", "= \(m.multiplier) is outside [0, 2^31)") }
            guard (-31...30).contains(m.shift) else { throw bad("mean shift", "= \(m.shift) is outside [-31, 30]") }
            return [ch]
        case .pad(let p):
            let (h, w, ch) = try image()
            guard p.top <= 4096, p.bottom <= 4096, p.left <= 4096, p.right <= 4096 else { throw bad("padding", "exceeds 4096") }
            try sameQuant()
            return [h + p.top + p.bottom, w + p.left + p.right, ch]
        case .flatten, .relu:
            guard ins.count == 1 else { throw bad("inputs", "takes one input") }
            try sameQuant()
            return n.op == .flatten ? [QuantizedGraph.size(ins[0])] : ins[0]
        case .add(let a):
            guard ins.count == 2, ins[0] == ins[1] else { throw bad("inputs", "add needs two inputs of equal shape") }
            guard (0...20).contains(a.leftShift) else { throw bad("left shift", "= \(a.leftShift) is outside [0, 20]") }
            for (name, m, s) in [("a multiplier", a.aMult, a.aShift), ("b multiplier", a.bMult, a.bShift), ("output multiplier", a.outMult, a.outShift)] {
                guard m >= 1 << 30 else { throw bad(name, "= \(m) is outside [2^30, 2^31)") }
                guard (-31...0).contains(s) else { throw bad("\(name) shift", "= \(s) is outside [-31, 0]") }
            }
            try clamp(a.actMin, a.actMax)
            return ins[0]
        }
    }

    /// Output size along one axis with per-side padding, or nil when the kernel, stride or
    /// padding is out of range (kernel and stride 1…15, each pad below the kernel, so every
    /// window holds at least one image position) or the window does not fit.
    static func windowOutput(_ n: Int, _ k: Int, _ s: Int, _ before: Int, _ after: Int) -> Int? {
        guard n > 0, (1...15).contains(k), (1...15).contains(s), (0..<k).contains(before), (0..<k).contains(after),
              n + before + after >= k else { return nil }
        return (n + before + after - k) / s + 1
    }

    /// The convolution rules; returns the output shape.
    private func validateConv(_ c: QConvLayer, h: Int, w: Int, ch: Int, bad: (String, String) -> EdgeError) throws(EdgeError) -> [Int] {
        guard c.inChannels == ch else { throw bad("in channels", "= \(c.inChannels) but the input has \(ch)") }
        guard let oh = Self.windowOutput(h, c.kernelH, c.strideH, c.padTop, c.padBottom),
              let ow = Self.windowOutput(w, c.kernelW, c.strideW, c.padLeft, c.padRight) else {
            throw bad("kernel/stride/padding", "out of range (kernel, stride 1…15, each pad below its kernel) or does not fit the input")
        }
        guard c.outChannels >= 1, c.outChannels <= 4096 else { throw bad("out channels", "= \(c.outChannels) out of range") }
        if c.isDepthwise {
            guard !c.isDense, c.inChannels >= 1, c.outChannels % c.inChannels == 0 else {
                throw bad("depthwise", "out channels \(c.outChannels) must be a multiple of in channels \(c.inChannels)")
            }
        }
        let k = c.windowSize
        guard let wc = ShapeMath.product([c.outChannels, k]), c.weights.count == wc else { throw bad("weights", "count \(c.weights.count) does not match the shape") }
        guard !c.weights.contains(-128) else { throw bad("weights", "contain -128; the symmetric range is [-127, 127]") }
        for arr in [c.bias.count, c.multiplier.count, c.shift.count, c.weightScales.count] where arr != c.outChannels {
            throw bad("per-channel arrays", "have \(arr) entries, expected \(c.outChannels)")
        }
        switch c.rounding {
        case .q31: guard c.realScale.isEmpty else { throw bad("real scales", "are only used with double-scale rounding") }
        case .doubleScale: guard c.realScale.count == c.outChannels else { throw bad("real scales", "have \(c.realScale.count) entries, expected \(c.outChannels)") }
        }
        for o in 0..<c.outChannels {
            guard c.weightScales[o].isFinite, c.weightScales[o] > 0 else { throw bad("weight scale[\(o)]", "= \(c.weightScales[o]) must be finite and > 0") }
            // TFLite's QuantizeMultiplier yields 0 (multiplier below 2^-31) or [2^30, 2^31).
            guard c.multiplier[o] == 0 || c.multiplier[o] >= 1 << 30 else { throw bad("multiplier[\(o)]", "= \(c.multiplier[o]) is neither 0 nor in [2^30, 2^31)") }
            guard (-31...30).contains(c.shift[o]) else { throw bad("shift[\(o)]", "= \(c.shift[o]) is outside [-31, 30]") }
            if c.rounding == .doubleScale {
                guard c.realScale[o].isFinite, c.realScale[o] >= 0 else { throw bad("real scale[\(o)]", "= \(c.realScale[o]) must be finite and ≥ 0") }
            }
            // Accumulator bound: the exact sum bias + Σ (x − zp)·w must fit int32.
            let bound = Int64(abs(Int64(c.bias[o]))) + Int64(k) * Int64(Self.maxProduct)
            guard bound <= Int64(Int32.max) else {
                throw bad("accumulator bound", "|bias[\(o)]| + K·255·127 = \(bound) exceeds 2^31 - 1 (K = \(k))")
            }
        }
        guard -128 <= c.actMin, c.actMin <= c.actMax, c.actMax <= 127 else { throw bad("clamp", "[\(c.actMin), \(c.actMax)] is not inside [-128, 127]") }
        if c.isDense {
            guard h == 1, w == 1, c.kernelH == 1, c.kernelW == 1, c.strideH == 1, c.strideW == 1, c.padTop + c.padBottom + c.padLeft + c.padRight == 0 else {
                throw bad("dense", "needs a flat input, kernel 1, stride 1 and no padding")
            }
            return [c.outChannels]
        }
        return [oh, ow, c.outChannels]
    }
}
