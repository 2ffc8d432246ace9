import Foundation
@testable import EdgeImport

/// A naive float interpreter of the IR, written from the IR's documented semantics only
/// (NHWC activations, OHWI / 1HWC weights, explicit pads, HWC-ordered dense columns). Running
/// it on the stored inputs and matching LiteRT's and onnxruntime's outputs checks that the
/// importers' layout conversions, pads, folds and permutations mean what the IR says.
/// Shape legend: H, W, C = input height, width, channels; O = output channels.
enum ReferenceExecutor {
    static func run(_ g: ImportedGraph, input: [Float]) -> [Float] {
        var values = [[Float]](repeating: [], count: g.tensors.count)
        values[g.input] = input
        for n in g.nodes {
            let x = values[n.inputs[0]], s = g.tensors[n.inputs[0]].shape, os = g.tensors[n.output].shape
            switch n.op {
            case .conv(let c): values[n.output] = conv(x, s, c, os, depthwise: false)
            case .depthwiseConv(let c): values[n.output] = conv(x, s, c, os, depthwise: true)
            case .pool(let p): values[n.output] = pool(x, s, p, os)
            case .mean:
                let (h, w, ch) = (s[0], s[1], s[2])
                values[n.output] = (0..<ch).map { c in
                    var sum: Float = 0
                    for i in 0..<(h * w) { sum += x[i * ch + c] }
                    return sum / Float(h * w)
                }
            case .add(let a): values[n.output] = zip(x, values[n.inputs[1]]).map { clamp($0 + $1, a) }
            case .fullyConnected(let f):
                guard case .float32(let w) = f.weights.values else { return [] }
                let (o, i) = (f.weights.shape[0], f.weights.shape[1])
                let b = bias(f.bias, o)
                values[n.output] = (0..<o).map { oo in
                    var acc = b[oo]
                    for ii in 0..<i { acc += w[oo * i + ii] * x[ii] }
                    return clamp(acc, f.activation)
                }
            case .reshape: values[n.output] = x
            case .pad(let p):
                let (h, w, c) = (s[0], s[1], s[2]), ow = os[1]
                var out = [Float](repeating: 0, count: os.reduce(1, *))
                for y in 0..<h { for xx in 0..<w { for cc in 0..<c {
                    out[((y + p.top) * ow + xx + p.left) * c + cc] = x[(y * w + xx) * c + cc]
                } } }
                values[n.output] = out
            case .activation(let a): values[n.output] = x.map { clamp($0, a) }
            case .quantize, .dequantize: return []  // float models only
            }
        }
        return values[g.output]
    }

    static func clamp(_ v: Float, _ a: Activation) -> Float { min(max(v, a.bounds.lower), a.bounds.upper) }

    static func bias(_ b: ConstantTensor?, _ n: Int) -> [Float] {
        if let b = b, case .float32(let v) = b.values { return v }
        return [Float](repeating: 0, count: n)
    }

    /// out[oy][ox][o] = b[o] + Σ in[oy·sh − top + ky][ox·sw − left + kx][i] · w[o][ky][kx][i]
    /// (depthwise: i = o and w[0][ky][kx][o]); cells outside the input are zero.
    static func conv(_ x: [Float], _ s: [Int], _ c: Convolution, _ os: [Int], depthwise: Bool) -> [Float] {
        guard case .float32(let w) = c.weights.values else { return [] }
        let (h, wd, ci) = (s[0], s[1], s[2]), (oh, ow, o) = (os[0], os[1], os[2])
        let (kh, kw) = (c.kernelH, c.kernelW)
        let b = bias(c.bias, o)
        var out = [Float](repeating: 0, count: oh * ow * o)
        for oy in 0..<oh { for ox in 0..<ow { for oc in 0..<o {
            var acc = b[oc]
            for ky in 0..<kh { for kx in 0..<kw {
                let iy = oy * c.strideH - c.padding.top + ky, ix = ox * c.strideW - c.padding.left + kx
                guard iy >= 0, iy < h, ix >= 0, ix < wd else { continue }
                if depthwise {
                    acc += x[(iy * wd + ix) * ci + oc] * w[(ky * kw + kx) * o + oc]
                } else {
                    for i in 0..<ci { acc += x[(iy * wd + ix) * ci + i] * w[((oc * kh + ky) * kw + kx) * ci + i] }
                }
            } }
            out[(oy * ow + ox) * o + oc] = clamp(acc, c.activation)
        } } }
        return out
    }

    static func pool(_ x: [Float], _ s: [Int], _ p: Pooling, _ os: [Int]) -> [Float] {
        let (h, w, c) = (s[0], s[1], s[2]), (oh, ow) = (os[0], os[1])
        var out = [Float](repeating: 0, count: oh * ow * c)
        for oy in 0..<oh { for ox in 0..<ow { for cc in 0..<c {
            var best = -Float.infinity, sum: Float = 0, inside = 0
            for ky in 0..<p.kernelH { for kx in 0..<p.kernelW {
                let iy = oy * p.strideH - p.padding.top + ky, ix = ox * p.strideW - p.padding.left + kx
                guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                let v = x[(iy * w + ix) * c + cc]
                best = max(best, v)
                sum += v
                inside += 1
            } }
            let v = p.kind == .max ? best : sum / Float(p.countIncludesPadding ? p.kernelH * p.kernelW : inside)
            out[(oy * ow + ox) * c + cc] = clamp(v, p.activation)
        } } }
        return out
    }

    static func softmax(_ z: [Float]) -> [Float] {
        let m = z.max() ?? 0
        let e = z.map { Foundation.exp(Double($0 - m)) }
        let s = e.reduce(0, +)
        return e.map { Float($0 / s) }
    }
}

/// A minimal .npy reader for the fixtures (little-endian float32, C order).
enum NpyFloat32 {
    static func read(_ url: URL) throws -> (shape: [Int], values: [Float]) {
        let d = Array(try Data(contentsOf: url))
        guard d.count > 10, d[0] == 0x93 else { throw CocoaError(.fileReadCorruptFile) }
        let hlen = d[6] == 1 ? Int(d[8]) | Int(d[9]) << 8 : Int(d[8]) | Int(d[9]) << 8 | Int(d[10]) << 16 | Int(d[11]) << 24
        let start = d[6] == 1 ? 10 : 12
        let header = String(decoding: d[start..<(start + hlen)], as: UTF8.self)
        guard header.contains("'<f4'") else { throw CocoaError(.fileReadCorruptFile) }
        let dims = header.components(separatedBy: "(")[1].components(separatedBy: ")")[0]
            .split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let body = start + hlen
        let n = dims.reduce(1, *)
        let values = (0..<n).map { i -> Float in
            let o = body + 4 * i
            return Float(bitPattern: UInt32(d[o]) | UInt32(d[o + 1]) << 8 | UInt32(d[o + 2]) << 16 | UInt32(d[o + 3]) << 24)
        }
        return (dims, values)
    }
}
