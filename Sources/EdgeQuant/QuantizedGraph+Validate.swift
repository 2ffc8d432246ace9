// Also compiled into the board runner (Device/edge-run, Embedded Swift; scripts/build-device.sh):
// keep this file free of Foundation and of untyped `throws`.

import EdgeCore

extension QuantizedGraph {
    /// Largest |x − zp| · |w| product: (127 − (−128)) · 127.
    public static let maxProduct = 255 * 127

    /// Checks every field the integer engine relies on, so that kernels can run without
    /// re-checking (validate once, run blind). Errors name the layer and the field:
    /// scales, zero points, multipliers, shifts, clamps, shapes, weight counts and the
    /// accumulator bound |bias| + K·255·127 ≤ 2^31 − 1 (no int32 accumulator can overflow).
    public func validate(path: String = "<model>", inputShape: [Int], offset: Int = 0) throws(EdgeError) {
        func bad(_ i: Int, _ field: String, _ why: String) -> EdgeError {
            .badModel(path: path, section: "QNET", offset: offset, reason: "int8 layer \(i) (\(i < nodes.count ? nodes[i].name : "?")): \(field) \(why)")
        }
        guard !nodes.isEmpty, nodes.count <= 512 else { throw bad(0, "node count", "must be 1...512") }
        guard nodes[0].op == .input else { throw bad(0, "op", "node 0 must be the input") }
        for (i, n) in nodes.enumerated() {
            let q = n.quant
            guard q.scale.isFinite, q.scale > 0 else { throw bad(i, "scale", "= \(q.scale) must be finite and > 0") }
            guard (-128...127).contains(q.zeroPoint) else { throw bad(i, "zero point", "= \(q.zeroPoint) is outside [-128, 127]") }
            for j in n.inputs where j < 0 || j >= i { throw bad(i, "input", "\(j) does not name an earlier node") }
            let ins = n.inputs.map { nodes[$0].shape }
            func hwc(_ s: [Int]) -> (Int, Int, Int) { s.count == 3 ? (s[0], s[1], s[2]) : (1, 1, s.first ?? 0) }
            let expected: [Int]
            switch n.op {
            case .input:
                guard i == 0, n.inputs.isEmpty else { throw bad(i, "op", "only node 0 may be the input") }
                guard q == QuantParams.input else { throw bad(i, "input quantisation", "must be scale 1/255, zero point -128") }
                expected = [inputShape[1], inputShape[2], inputShape[0]]
            case .conv(let c):
                guard ins.count == 1 else { throw bad(i, "inputs", "conv takes one input") }
                let (h, w, ch) = hwc(ins[0])
                guard c.inChannels == ch else { throw bad(i, "in channels", "= \(c.inChannels) but the input has \(ch)") }
                guard c.kernel >= 1, c.kernel <= 15, c.stride >= 1, c.stride <= 15, c.padding >= 0, c.padding < c.kernel else {
                    throw bad(i, "kernel/stride/padding", "out of range")
                }
                guard c.outChannels >= 1, c.outChannels <= 4096 else { throw bad(i, "out channels", "= \(c.outChannels) out of range") }
                guard let oh = ShapeMath.windowOutput(size: h, kernel: c.kernel, stride: c.stride, padding: c.padding),
                      let ow = ShapeMath.windowOutput(size: w, kernel: c.kernel, stride: c.stride, padding: c.padding) else {
                    throw bad(i, "kernel", "does not fit the input")
                }
                let k = c.windowSize
                guard let wc = ShapeMath.product([c.outChannels, k]), c.weights.count == wc else { throw bad(i, "weights", "count \(c.weights.count) does not match the shape") }
                guard !c.weights.contains(-128) else { throw bad(i, "weights", "contain -128; the symmetric range is [-127, 127]") }
                for arr in [c.bias.count, c.multiplier.count, c.shift.count, c.weightScales.count] where arr != c.outChannels {
                    throw bad(i, "per-channel arrays", "have \(arr) entries, expected \(c.outChannels)")
                }
                for o in 0..<c.outChannels {
                    guard c.weightScales[o].isFinite, c.weightScales[o] > 0 else { throw bad(i, "weight scale[\(o)]", "= \(c.weightScales[o]) must be finite and > 0") }
                    guard c.multiplier[o] >= 1 << 30 else { throw bad(i, "multiplier[\(o)]", "= \(c.multiplier[o]) is outside [2^30, 2^31)") }
                    guard (-31...0).contains(c.shift[o]) else { throw bad(i, "shift[\(o)]", "= \(c.shift[o]) is outside [-31, 0]") }
                    // Accumulator bound: the exact sum bias + Σ (x − zp)·w must fit int32.
                    let bound = Int64(abs(Int64(c.bias[o]))) + Int64(k) * Int64(Self.maxProduct)
                    guard bound <= Int64(Int32.max) else {
                        throw bad(i, "accumulator bound", "|bias[\(o)]| + K·255·127 = \(bound) exceeds 2^31 - 1 (K = \(k))")
                    }
                }
                guard -128 <= c.actMin, c.actMin <= c.actMax, c.actMax <= 127 else { throw bad(i, "clamp", "[\(c.actMin), \(c.actMax)] is not inside [-128, 127]") }
                expected = c.isDense ? [c.outChannels] : [oh, ow, c.outChannels]
                if c.isDense { guard h == 1, w == 1, c.kernel == 1 else { throw bad(i, "dense", "needs a flat input and kernel 1") } }
            case let .maxPool(k, s), let .avgPool(k, s):
                guard ins.count == 1, ins[0].count == 3 else { throw bad(i, "inputs", "pooling needs one [H, W, C] input") }
                guard k >= 1, k <= 15, s >= 1, s <= 15,
                      let oh = ShapeMath.windowOutput(size: ins[0][0], kernel: k, stride: s, padding: 0),
                      let ow = ShapeMath.windowOutput(size: ins[0][1], kernel: k, stride: s, padding: 0) else {
                    throw bad(i, "kernel/stride", "out of range or does not fit")
                }
                guard q == nodes[n.inputs[0]].quant else { throw bad(i, "quantisation", "must equal its input's") }
                expected = [oh, ow, ins[0][2]]
            case .globalAvgPool:
                guard ins.count == 1, ins[0].count == 3 else { throw bad(i, "inputs", "needs one [H, W, C] input") }
                guard q == nodes[n.inputs[0]].quant else { throw bad(i, "quantisation", "must equal its input's") }
                expected = [ins[0][2]]
            case .flatten, .relu:
                guard ins.count == 1 else { throw bad(i, "inputs", "takes one input") }
                guard q == nodes[n.inputs[0]].quant else { throw bad(i, "quantisation", "must equal its input's") }
                expected = n.op == .flatten ? [QuantizedGraph.size(ins[0])] : ins[0]
            case .add(let a):
                guard ins.count == 2, ins[0] == ins[1] else { throw bad(i, "inputs", "add needs two inputs of equal shape") }
                guard (0...20).contains(a.leftShift) else { throw bad(i, "left shift", "= \(a.leftShift) is outside [0, 20]") }
                for (name, m, s) in [("a multiplier", a.aMult, a.aShift), ("b multiplier", a.bMult, a.bShift), ("output multiplier", a.outMult, a.outShift)] {
                    guard m >= 1 << 30 else { throw bad(i, name, "= \(m) is outside [2^30, 2^31)") }
                    guard (-31...0).contains(s) else { throw bad(i, "\(name) shift", "= \(s) is outside [-31, 0]") }
                }
                guard -128 <= a.actMin, a.actMin <= a.actMax, a.actMax <= 127 else { throw bad(i, "clamp", "is not inside [-128, 127]") }
                expected = ins[0]
            }
            guard n.shape == expected else { throw bad(i, "shape", "\(n.shape) does not match the computed \(expected)") }
            guard let sz = ShapeMath.product(n.shape), sz > 0, sz <= 1 << 22 else { throw bad(i, "shape", "\(n.shape) is empty or too large") }
        }
        guard nodes.last?.shape.count == 1 else { throw bad(nodes.count - 1, "shape", "the last layer must output logits") }
    }
}
