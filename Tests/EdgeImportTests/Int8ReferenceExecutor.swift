import Foundation
@testable import EdgeImport

/// A naive int8 interpreter of the IR with TFLite's reference integer arithmetic
/// (QuantizeMultiplier / MultiplyByQuantizedMultiplier, ADD's 20-bit left shift, average
/// pooling rounded half away from zero, MEAN's multiplier divided by the element count as
/// QuantizedMeanOrSum does), written from the IR's fields only. It is
/// a test oracle for the importer (do the scales, zero points, pads and biases mean what the
/// IR says?), not the engine's spec: the engine's kernels are checked against TFLite Micro's
/// stored logits by their own tests.
enum Int8ReferenceExecutor {
    // MARK: - TFLite's fixed-point helpers (tensorflow/lite/kernels/internal/common.h)

    /// (Q31 multiplier, shift) with m ≈ q · 2^(shift − 31).
    static func quantizeMultiplier(_ m: Double) -> (Int32, Int) {
        guard m > 0 else { return (0, 0) }
        let e = Int(m.exponent) + 1          // frexp: m = f · 2^e with f in [0.5, 1)
        let f = m / pow(2, Double(e))
        var q = (f * Double(1 << 31)).rounded(.toNearestOrAwayFromZero)
        var shift = e
        if q == Double(1 << 31) { q /= 2; shift += 1 }
        if shift < -31 { return (0, 0) }
        return (Int32(q), shift)
    }

    static func srdhm(_ a: Int32, _ b: Int32) -> Int32 {
        if a == b && a == Int32.min { return Int32.max }
        let ab = Int64(a) * Int64(b)
        let nudge: Int64 = ab >= 0 ? 1 << 30 : 1 - (1 << 30)
        return Int32(truncatingIfNeeded: (ab + nudge) / (1 << 31))
    }

    static func roundingDivideByPOT(_ x: Int32, _ e: Int) -> Int32 {
        guard e > 0 else { return x }
        let mask = Int32((1 << e) - 1), remainder = x & mask
        let threshold = (mask >> 1) + (x < 0 ? 1 : 0)
        return (x >> Int32(e)) + (remainder > threshold ? 1 : 0)
    }

    static func mbqm(_ x: Int32, _ q: Int32, _ shift: Int) -> Int32 {
        let left = max(shift, 0), right = max(-shift, 0)
        return roundingDivideByPOT(srdhm(x &* (1 << Int32(left)), q), right)
    }

    static func clamp(_ v: Int32, _ act: Activation, _ q: Quantization, lo: Int32 = -128, hi: Int32 = 127) -> Int32 {
        let (l, u) = act.quantizedBounds(q, lo: lo, hi: hi)
        return min(max(v, l), u)
    }

    static func divideRounded(_ sum: Int32, _ n: Int32) -> Int32 { sum > 0 ? (sum + n / 2) / n : (sum - n / 2) / n }

    // MARK: - The interpreter

    /// Runs the graph on `input` (the model input's own dtype, as Int32), returning the
    /// output tensor's values.
    static func run(_ g: ImportedGraph, input: [Int32], floatInput: [Float]? = nil) -> [Int32] {
        var v = [[Int32]](repeating: [], count: g.tensors.count)
        v[g.input] = input
        for n in g.nodes {
            let xi = n.inputs[0], x = v[xi], s = g.tensors[xi].shape, os = g.tensors[n.output].shape
            let qin = g.tensors[xi].quantization, qout = g.tensors[n.output].quantization!
            switch n.op {
            case .quantize:
                if let f = floatInput, g.tensors[xi].type == .float32 {
                    v[n.output] = f.map { Int32(clamping: Int(($0 / qout.scales[0]).rounded(.toNearestOrAwayFromZero)) + Int(qout.zeroPoints[0])) }
                        .map { min(max($0, -128), 127) }
                } else {
                    let (q, sh) = quantizeMultiplier(Double(qin!.scales[0]) / Double(qout.scales[0]))
                    let (lo, hi): (Int32, Int32) = g.tensors[n.output].type == .uint8 ? (0, 255) : (-128, 127)
                    v[n.output] = x.map { min(max(mbqm($0 - qin!.zeroPoints[0], q, sh) + qout.zeroPoints[0], lo), hi) }
                }
            case .conv(let c), .depthwiseConv(let c):
                var depthwise = false
                if case .depthwiseConv = n.op { depthwise = true }
                v[n.output] = conv(x, s, qin!, c, os, qout, depthwise: depthwise)
            case .pool(let p): v[n.output] = pool(x, s, p, os, qout)
            case .mean:
                let (h, w, c) = (s[0], s[1], s[2])
                // TFLite's QuantizedMeanOrSum: the multiplier in_scale/out_scale absorbs 1/N
                // as (q << k) / N with k = min(⌊log2 N⌋, 32, 31 + shift), shift − k.
                var (q, sh) = quantizeMultiplier(Double(qin!.scales[0]) / Double(qout.scales[0]))
                let count = h * w
                let k = min(Int.bitWidth - 1 - count.leadingZeroBitCount, 32, 31 + sh)
                q = Int32(truncatingIfNeeded: (Int64(q) << Int64(k)) / Int64(count))
                sh -= k
                v[n.output] = (0..<c).map { cc in
                    var acc: Int32 = 0
                    for i in 0..<count { acc += x[i * c + cc] - qin!.zeroPoints[0] }
                    return min(max(mbqm(acc, q, sh) + qout.zeroPoints[0], -128), 127)
                }
            case .add(let a):
                let qb = g.tensors[n.inputs[1]].quantization!, y = v[n.inputs[1]]
                let twiceMax = 2 * max(Double(qin!.scales[0]), Double(qb.scales[0]))
                let (q1, s1) = quantizeMultiplier(Double(qin!.scales[0]) / twiceMax)
                let (q2, s2) = quantizeMultiplier(Double(qb.scales[0]) / twiceMax)
                let (qo, so) = quantizeMultiplier(twiceMax / (Double(1 << 20) * Double(qout.scales[0])))
                v[n.output] = (0..<x.count).map { i in
                    let a1 = mbqm((x[i] - qin!.zeroPoints[0]) << 20, q1, s1)
                    let a2 = mbqm((y[i] - qb.zeroPoints[0]) << 20, q2, s2)
                    return clamp(mbqm(a1 + a2, qo, so) + qout.zeroPoints[0], a, qout)
                }
            case .fullyConnected(let f):
                guard case .int8(let w) = f.weights.values else { return [] }
                let (o, i) = (f.weights.shape[0], f.weights.shape[1])
                let b = bias(f.bias, o)
                v[n.output] = (0..<o).map { oo in
                    var acc = b[oo]
                    for ii in 0..<i { acc += (x[ii] - qin!.zeroPoints[0]) * Int32(w[oo * i + ii]) }
                    let ws = f.weights.quantization!.scales
                    let (q, sh) = quantizeMultiplier(Double(qin!.scales[0]) * Double(ws[ws.count == 1 ? 0 : oo]) / Double(qout.scales[0]))
                    return clamp(mbqm(acc, q, sh) + qout.zeroPoints[0], f.activation, qout)
                }
            case .reshape: v[n.output] = x
            case .pad(let p):
                let (h, w, c) = (s[0], s[1], s[2]), ow = os[1]
                var out = [Int32](repeating: qout.zeroPoints[0], count: os.reduce(1, *))
                for y in 0..<h { for xx in 0..<w { for cc in 0..<c {
                    out[((y + p.top) * ow + xx + p.left) * c + cc] = x[(y * w + xx) * c + cc]
                } } }
                v[n.output] = out
            case .activation(let a): v[n.output] = x.map { clamp($0, a, qout) }
            case .dequantize: return []
            }
        }
        return v[g.output]
    }

    static func bias(_ b: ConstantTensor?, _ n: Int) -> [Int32] {
        if let b = b, case .int32(let v) = b.values { return v }
        return [Int32](repeating: 0, count: n)
    }

    static func conv(_ x: [Int32], _ s: [Int], _ qin: Quantization, _ c: Convolution, _ os: [Int], _ qout: Quantization,
                     depthwise: Bool) -> [Int32] {
        guard case .int8(let w) = c.weights.values, let wq = c.weights.quantization else { return [] }
        let (h, wd, ci) = (s[0], s[1], s[2]), (oh, ow, o) = (os[0], os[1], os[2])
        let (kh, kw) = (c.kernelH, c.kernelW)
        let b = bias(c.bias, o), zp = qin.zeroPoints[0]
        let mult = (0..<o).map { oc in
            quantizeMultiplier(Double(qin.scales[0]) * Double(wq.scales[wq.scales.count == 1 ? 0 : oc]) / Double(qout.scales[0]))
        }
        var out = [Int32](repeating: 0, count: oh * ow * o)
        for oy in 0..<oh { for ox in 0..<ow { for oc in 0..<o {
            var acc = b[oc]
            for ky in 0..<kh { for kx in 0..<kw {
                let iy = oy * c.strideH - c.padding.top + ky, ix = ox * c.strideW - c.padding.left + kx
                guard iy >= 0, iy < h, ix >= 0, ix < wd else { continue }
                if depthwise {
                    acc += (x[(iy * wd + ix) * ci + oc] - zp) * Int32(w[(ky * kw + kx) * o + oc])
                } else {
                    for i in 0..<ci { acc += (x[(iy * wd + ix) * ci + i] - zp) * Int32(w[((oc * kh + ky) * kw + kx) * ci + i]) }
                }
            } }
            out[(oy * ow + ox) * o + oc] = clamp(mbqm(acc, mult[oc].0, mult[oc].1) + qout.zeroPoints[0], c.activation, qout)
        } } }
        return out
    }

    static func pool(_ x: [Int32], _ s: [Int], _ p: Pooling, _ os: [Int], _ qout: Quantization) -> [Int32] {
        let (h, w, c) = (s[0], s[1], s[2]), (oh, ow) = (os[0], os[1])
        var out = [Int32](repeating: 0, count: oh * ow * c)
        for oy in 0..<oh { for ox in 0..<ow { for cc in 0..<c {
            var best = Int32.min, sum: Int32 = 0, count: Int32 = 0
            for ky in 0..<p.kernelH { for kx in 0..<p.kernelW {
                let iy = oy * p.strideH - p.padding.top + ky, ix = ox * p.strideW - p.padding.left + kx
                guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                best = max(best, x[(iy * w + ix) * c + cc])
                sum += x[(iy * w + ix) * c + cc]
                count += 1
            } }
            let r = p.kind == .max ? best : divideRounded(sum, count)
            out[(oy * ow + ox) * c + cc] = clamp(r, p.activation, qout)
        } } }
        return out
    }
}

/// .npy reader for the int8/uint8/float32 fixture arrays, returning values as Int32 or Float.
enum NpyAny {
    static func read(_ url: URL) throws -> (shape: [Int], ints: [Int32]?, floats: [Float]?) {
        let d = Array(try Data(contentsOf: url))
        let hlen = Int(d[8]) | Int(d[9]) << 8
        let header = String(decoding: d[10..<(10 + hlen)], as: UTF8.self)
        let dims = header.components(separatedBy: "(")[1].components(separatedBy: ")")[0]
            .split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let body = Array(d[(10 + hlen)...]), n = dims.reduce(1, *)
        if header.contains("'|i1'") { return (dims, body.prefix(n).map { Int32(Int8(bitPattern: $0)) }, nil) }
        if header.contains("'|u1'") { return (dims, body.prefix(n).map { Int32($0) }, nil) }
        let (_, f) = try NpyFloat32.read(url)
        return (dims, nil, f)
    }
}
