// Depthwise convolution (one KH×KW filter per channel, multiplier 1) as direct loops: a
// depthwise layer has too little reduction per output for im2col + GEMM to pay off.
// Shapes: x [C, H, W]; weight [C, 1, KH, KW]; bias [C]; y [C, OH, OW].

import EdgeCore

enum DepthwiseKernels {
    /// y = bias + Σ_taps w·x for one image; taps over the padding read zero.
    static func forward(_ g: ConvGeometry, x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                        y: UnsafeMutablePointer<Float>) {
        for c in 0..<g.c {
            let plane = x + c * g.h * g.w, taps = weight + c * g.kh * g.kw
            for oy in 0..<g.oh {
                for ox in 0..<g.ow {
                    var acc = bias[c]
                    for ky in 0..<g.kh {
                        let iy = oy * g.sh - g.padTop + ky
                        if iy < 0 || iy >= g.h { continue }
                        for kx in 0..<g.kw {
                            let ix = ox * g.sw - g.padLeft + kx
                            if ix >= 0 && ix < g.w { acc += taps[ky * g.kw + kx] * plane[iy * g.w + ix] }
                        }
                    }
                    y[(c * g.oh + oy) * g.ow + ox] = acc
                }
            }
        }
    }

    /// Accumulates dW += dy·x, db += Σ dy (when given) and dx += dy·w (when given) for one image.
    static func backward(_ g: ConvGeometry, x: UnsafePointer<Float>, weight: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                         dW: UnsafeMutablePointer<Float>?, db: UnsafeMutablePointer<Float>?, dx: UnsafeMutablePointer<Float>?) {
        for c in 0..<g.c {
            let plane = x + c * g.h * g.w, taps = weight + c * g.kh * g.kw
            for oy in 0..<g.oh {
                for ox in 0..<g.ow {
                    let d = dy[(c * g.oh + oy) * g.ow + ox]
                    db?[c] += d
                    for ky in 0..<g.kh {
                        let iy = oy * g.sh - g.padTop + ky
                        if iy < 0 || iy >= g.h { continue }
                        for kx in 0..<g.kw {
                            let ix = ox * g.sw - g.padLeft + kx
                            guard ix >= 0 && ix < g.w else { continue }
                            dW?[c * g.kh * g.kw + ky * g.kw + kx] += d * plane[iy * g.w + ix]
                            dx?[(c * g.h + iy) * g.w + ix] += d * taps[ky * g.kw + kx]
                        }
                    }
                }
            }
        }
    }
}

/// The depthwise node over a batch, chunked like `Conv2DLayer` so parameter gradients are
/// per-chunk partial sums added in chunk order (identical at any thread count).
enum DepthwiseLayer {
    static func forward(_ g: ConvGeometry, x: [Float], weight w: [Float], bias: [Float], batch b: Int) -> [Float] {
        let inSize = g.c * g.h * g.w, outSize = g.o * g.positions
        var y = [Float](repeating: 0, count: b * outSize)
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                w.withUnsafeBufferPointer { wp in
                    bias.withUnsafeBufferPointer { bp in
                        let (xp, yp, wp, bp) = (xp, yp, wp, bp)
                        Parallel.forEach(b) { n in
                            DepthwiseKernels.forward(g, x: xp.baseAddress! + n * inSize, weight: wp.baseAddress!, bias: bp.baseAddress!,
                                                     y: yp.baseAddress! + n * outSize)
                        }
                    }
                }
            }
        }
        return y
    }

    static func backward(_ g: ConvGeometry, x: [Float], weight w: [Float], dy: [Float], batch b: Int,
                         parameters wantParams: Bool, input wantDx: Bool) -> (params: [[Float]]?, dx: [Float]?) {
        let inSize = g.c * g.h * g.w, outSize = g.o * g.positions
        let chunks = Parallel.chunks(b, size: FloatNetwork.chunkSize)
        let wCount = w.count, oc = g.o
        var partialW = [Float](repeating: 0, count: wantParams ? chunks.count * wCount : 0)
        var partialB = [Float](repeating: 0, count: wantParams ? chunks.count * oc : 0)
        var dx = [Float](repeating: 0, count: wantDx ? b * inSize : 0)
        x.withUnsafeBufferPointer { xp in
            w.withUnsafeBufferPointer { wp in
                dy.withUnsafeBufferPointer { dyp in
                    partialW.withUnsafeMutableBufferPointer { pw in
                        partialB.withUnsafeMutableBufferPointer { pb in
                            dx.withUnsafeMutableBufferPointer { dxp in
                                let (xp, wp, dyp, pw, pb, dxp) = (xp, wp, dyp, pw, pb, dxp)
                                Parallel.forEach(chunks.count) { c in
                                    for n in chunks[c] {
                                        DepthwiseKernels.backward(g, x: xp.baseAddress! + n * inSize, weight: wp.baseAddress!,
                                                                  dy: dyp.baseAddress! + n * outSize,
                                                                  dW: wantParams ? pw.baseAddress! + c * wCount : nil,
                                                                  db: wantParams ? pb.baseAddress! + c * oc : nil,
                                                                  dx: wantDx ? dxp.baseAddress! + n * inSize : nil)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        guard wantParams else { return (nil, wantDx ? dx : nil) }
        var dW = [Float](repeating: 0, count: wCount), dB = [Float](repeating: 0, count: oc)
        for c in 0..<chunks.count {
            for t in 0..<wCount { dW[t] += partialW[c * wCount + t] }
            for t in 0..<oc { dB[t] += partialB[c * oc + t] }
        }
        return ([dW, dB], wantDx ? dx : nil)
    }
}
