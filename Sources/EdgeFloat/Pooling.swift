// Pooling: per-image kernels and the batch-level nodes over them.
// x [C, H, W] → y [C, OH, OW]; windows k×k, stride s, no padding. Global: [C, H, W] → [C].

import EdgeCore

enum PoolKernels {
    /// Max pool; `arg` receives, per output, the index of the winning input within its
    /// channel plane (the first maximum in row-major order, as PyTorch picks).
    static func maxForward(c: Int, h: Int, w: Int, oh: Int, ow: Int, k: Int, s: Int,
                           x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, arg: UnsafeMutablePointer<Int32>) {
        if k == 2 && s == 2 { return maxForward2x2(c: c, h: h, w: w, oh: oh, ow: ow, x: x, y: y, arg: arg) }
        maxForwardGeneral(c: c, h: h, w: w, oh: oh, ow: ow, k: k, s: s, x: x, y: y, arg: arg)
    }

    /// Any window: the reference for `maxForward2x2`.
    static func maxForwardGeneral(c: Int, h: Int, w: Int, oh: Int, ow: Int, k: Int, s: Int,
                                  x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, arg: UnsafeMutablePointer<Int32>) {
        for ch in 0..<c {
            let plane = x + ch * h * w
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var best = -Float.infinity
                    var bi = (oy * s) * w + ox * s
                    for ky in 0..<k {
                        let r = (oy * s + ky) * w + ox * s
                        for kx in 0..<k where plane[r + kx] > best {
                            best = plane[r + kx]
                            bi = r + kx
                        }
                    }
                    let o = (ch * oh + oy) * ow + ox
                    y[o] = best
                    arg[o] = Int32(bi)
                }
            }
        }
    }

    /// The 2×2, stride-2 window of LeNet-style nets: the same four strict `>` comparisons in
    /// the same order as the general loop, as selects (the winner is a coin flip, and the
    /// branches of the general loop mispredicted on most windows).
    static func maxForward2x2(c: Int, h: Int, w: Int, oh: Int, ow: Int,
                              x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, arg: UnsafeMutablePointer<Int32>) {
        for ch in 0..<c {
            let plane = x + ch * h * w
            for oy in 0..<oh {
                let o = (ch * oh + oy) * ow
                for ox in 0..<ow {
                    let r0 = (oy * 2) * w + ox * 2, r1 = r0 + w
                    var (best, bi) = pick(plane[r0], r0, -Float.infinity, r0)
                    (best, bi) = pick(plane[r0 + 1], r0 + 1, best, bi)
                    (best, bi) = pick(plane[r1], r1, best, bi)
                    (best, bi) = pick(plane[r1 + 1], r1 + 1, best, bi)
                    y[o + ox] = best
                    arg[o + ox] = Int32(bi)
                }
            }
        }
    }

    /// (v, r) when v beats the best so far (strictly, so the first maximum wins), else the best.
    @inline(__always)
    static func pick(_ v: Float, _ r: Int, _ best: Float, _ bi: Int) -> (Float, Int) {
        let more = v > best
        return (more ? v : best, more ? r : bi)
    }

    /// Routes dy to the recorded maxima (accumulating into dx).
    static func maxBackward(c: Int, h: Int, w: Int, outPerChannel: Int, dy: UnsafePointer<Float>,
                            arg: UnsafePointer<Int32>, dx: UnsafeMutablePointer<Float>) {
        for ch in 0..<c {
            let plane = dx + ch * h * w
            for i in 0..<outPerChannel {
                let o = ch * outPerChannel + i
                plane[Int(arg[o])] += dy[o]
            }
        }
    }

    /// Average pool over full windows.
    static func avgForward(c: Int, h: Int, w: Int, oh: Int, ow: Int, k: Int, s: Int,
                           x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        let inv = 1 / Float(k * k)
        for ch in 0..<c {
            let plane = x + ch * h * w
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var acc: Float = 0
                    for ky in 0..<k { for kx in 0..<k { acc += plane[(oy * s + ky) * w + ox * s + kx] } }
                    y[(ch * oh + oy) * ow + ox] = acc * inv
                }
            }
        }
    }

    /// Spreads each dy evenly over its window (accumulating into dx).
    static func avgBackward(c: Int, h: Int, w: Int, oh: Int, ow: Int, k: Int, s: Int,
                            dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>) {
        let inv = 1 / Float(k * k)
        for ch in 0..<c {
            let plane = dx + ch * h * w
            for oy in 0..<oh {
                for ox in 0..<ow {
                    let g = dy[(ch * oh + oy) * ow + ox] * inv
                    for ky in 0..<k { for kx in 0..<k { plane[(oy * s + ky) * w + ox * s + kx] += g } }
                }
            }
        }
    }
}

/// The pooling nodes over a batch; `si`/`so` are the per-image input and output shapes.
enum PoolLayer {
    static func maxForward(x: [Float], batch b: Int, si: [Int], so: [Int], k: Int, s: Int) -> (y: [Float], arg: [Int32]) {
        let inSize = si[0] * si[1] * si[2], outSize = so[0] * so[1] * so[2]
        var y = [Float](repeating: 0, count: b * outSize)
        var arg = [Int32](repeating: 0, count: b * outSize)
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                arg.withUnsafeMutableBufferPointer { ap in
                    let (xp, yp, ap) = (xp, yp, ap)
                    Parallel.forEach(b) { n in
                        PoolKernels.maxForward(c: si[0], h: si[1], w: si[2], oh: so[1], ow: so[2], k: k, s: s,
                                               x: xp.baseAddress! + n * inSize, y: yp.baseAddress! + n * outSize,
                                               arg: ap.baseAddress! + n * outSize)
                    }
                }
            }
        }
        return (y, arg)
    }

    static func maxBackward(dy: [Float], arg: [Int32], batch b: Int, si: [Int], so: [Int]) -> [Float] {
        let inSize = si[0] * si[1] * si[2], outSize = so[0] * so[1] * so[2]
        var dx = [Float](repeating: 0, count: b * inSize)
        dx.withUnsafeMutableBufferPointer { dxp in
            dy.withUnsafeBufferPointer { dyp in
                arg.withUnsafeBufferPointer { ap in
                    let (dxp, dyp, ap) = (dxp, dyp, ap)
                    // Images write disjoint planes, so any split gives the same bits.
                    Parallel.forEach(b) { n in
                        PoolKernels.maxBackward(c: si[0], h: si[1], w: si[2], outPerChannel: so[1] * so[2],
                                                dy: dyp.baseAddress! + n * outSize, arg: ap.baseAddress! + n * outSize,
                                                dx: dxp.baseAddress! + n * inSize)
                    }
                }
            }
        }
        return dx
    }

    static func avgForward(x: [Float], batch b: Int, si: [Int], so: [Int], k: Int, s: Int) -> [Float] {
        let inSize = si[0] * si[1] * si[2], outSize = so[0] * so[1] * so[2]
        var y = [Float](repeating: 0, count: b * outSize)
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                for n in 0..<b {
                    PoolKernels.avgForward(c: si[0], h: si[1], w: si[2], oh: so[1], ow: so[2], k: k, s: s,
                                           x: xp.baseAddress! + n * inSize, y: yp.baseAddress! + n * outSize)
                }
            }
        }
        return y
    }

    static func avgBackward(dy: [Float], batch b: Int, si: [Int], so: [Int], k: Int, s: Int) -> [Float] {
        let inSize = si[0] * si[1] * si[2], outSize = so[0] * so[1] * so[2]
        var dx = [Float](repeating: 0, count: b * inSize)
        dx.withUnsafeMutableBufferPointer { dxp in
            dy.withUnsafeBufferPointer { dyp in
                for n in 0..<b {
                    PoolKernels.avgBackward(c: si[0], h: si[1], w: si[2], oh: so[1], ow: so[2], k: k, s: s,
                                            dy: dyp.baseAddress! + n * outSize, dx: dxp.baseAddress! + n * inSize)
                }
            }
        }
        return dx
    }

    /// Mean over each channel plane, summed left to right in Float.
    static func globalForward(x: [Float], batch b: Int, si: [Int]) -> [Float] {
        let c = si[0], hw = si[1] * si[2]
        var y = [Float](repeating: 0, count: b * c)
        for n in 0..<b {
            for ch in 0..<c {
                var acc: Float = 0
                let base = (n * c + ch) * hw
                for j in 0..<hw { acc += x[base + j] }
                y[n * c + ch] = acc / Float(hw)
            }
        }
        return y
    }

    static func globalBackward(dy: [Float], batch b: Int, si: [Int]) -> [Float] {
        let c = si[0], hw = si[1] * si[2]
        var dx = [Float](repeating: 0, count: b * c * hw)
        for n in 0..<b {
            for ch in 0..<c {
                let v = dy[n * c + ch] / Float(hw)
                let base = (n * c + ch) * hw
                for t in 0..<hw { dx[base + t] = v }
            }
        }
        return dx
    }
}
