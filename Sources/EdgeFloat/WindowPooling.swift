// Pooling with a general window (per-axis kernel and stride, per-side padding), as imported
// TFLite and ONNX models use it. Padded cells never win a max; an average divides by the
// whole window (`countIncludesPadding`, ONNX count_include_pad = 1) or by the cells inside
// the input (TFLite's rule and ONNX's default). Shapes: x [C, H, W] → y [C, OH, OW].

import EdgeCore
import EdgeModel

enum WindowPoolKernels {
    /// The input rows and columns window (oy, ox) covers, clipped to the image, and the divisor.
    @inline(__always)
    static func span(_ g: ConvGeometry, _ oy: Int, _ ox: Int, countPadding: Bool) -> (y0: Int, y1: Int, x0: Int, x1: Int, n: Int) {
        let ys = oy * g.sh - g.padTop, xs = ox * g.sw - g.padLeft
        let y0 = max(ys, 0), y1 = min(ys + g.kh, g.h), x0 = max(xs, 0), x1 = min(xs + g.kw, g.w)
        return (y0, y1, x0, x1, countPadding ? g.kh * g.kw : (y1 - y0) * (x1 - x0))
    }

    /// Max; `arg` receives the index of the first maximum (row-major) within its channel plane.
    static func maxForward(_ g: ConvGeometry, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, arg: UnsafeMutablePointer<Int32>) {
        for ch in 0..<g.c {
            let plane = x + ch * g.h * g.w
            for oy in 0..<g.oh {
                for ox in 0..<g.ow {
                    let s = span(g, oy, ox, countPadding: false)
                    var best = -Float.infinity, bi = s.y0 * g.w + s.x0
                    for iy in s.y0..<s.y1 {
                        for ix in s.x0..<s.x1 where plane[iy * g.w + ix] > best { best = plane[iy * g.w + ix]; bi = iy * g.w + ix }
                    }
                    let o = (ch * g.oh + oy) * g.ow + ox
                    y[o] = best
                    arg[o] = Int32(bi)
                }
            }
        }
    }

    static func avgForward(_ g: ConvGeometry, countPadding: Bool, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        for ch in 0..<g.c {
            let plane = x + ch * g.h * g.w
            for oy in 0..<g.oh {
                for ox in 0..<g.ow {
                    let s = span(g, oy, ox, countPadding: countPadding)
                    var acc: Float = 0
                    for iy in s.y0..<s.y1 { for ix in s.x0..<s.x1 { acc += plane[iy * g.w + ix] } }
                    y[(ch * g.oh + oy) * g.ow + ox] = acc / Float(s.n)
                }
            }
        }
    }

    /// Spreads each dy over the window's cells inside the image (accumulating into dx).
    static func avgBackward(_ g: ConvGeometry, countPadding: Bool, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>) {
        for ch in 0..<g.c {
            let plane = dx + ch * g.h * g.w
            for oy in 0..<g.oh {
                for ox in 0..<g.ow {
                    let s = span(g, oy, ox, countPadding: countPadding)
                    let d = dy[(ch * g.oh + oy) * g.ow + ox] / Float(s.n)
                    for iy in s.y0..<s.y1 { for ix in s.x0..<s.x1 { plane[iy * g.w + ix] += d } }
                }
            }
        }
    }
}

/// The general pooling node over a batch.
enum WindowPoolLayer {
    static func forward(_ g: ConvGeometry, _ p: PoolSpec, x: [Float], batch b: Int) -> (y: [Float], arg: [Int32]?) {
        let inSize = g.c * g.h * g.w, outSize = g.c * g.positions
        var y = [Float](repeating: 0, count: b * outSize)
        var arg = [Int32](repeating: 0, count: p.isMax ? b * outSize : 0)
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                arg.withUnsafeMutableBufferPointer { ap in
                    let (xp, yp, ap) = (xp, yp, ap)
                    Parallel.forEach(b) { n in
                        if p.isMax {
                            WindowPoolKernels.maxForward(g, x: xp.baseAddress! + n * inSize, y: yp.baseAddress! + n * outSize,
                                                         arg: ap.baseAddress! + n * outSize)
                        } else {
                            WindowPoolKernels.avgForward(g, countPadding: p.countIncludesPadding, x: xp.baseAddress! + n * inSize,
                                                         y: yp.baseAddress! + n * outSize)
                        }
                    }
                }
            }
        }
        return (y, p.isMax ? arg : nil)
    }

    static func backward(_ g: ConvGeometry, _ p: PoolSpec, dy: [Float], arg: [Int32]?, batch b: Int) -> [Float] {
        if p.isMax, let arg {
            return PoolLayer.maxBackward(dy: dy, arg: arg, batch: b, si: [g.c, g.h, g.w], so: [g.c, g.oh, g.ow])
        }
        let inSize = g.c * g.h * g.w, outSize = g.c * g.positions
        var dx = [Float](repeating: 0, count: b * inSize)
        dx.withUnsafeMutableBufferPointer { dxp in
            dy.withUnsafeBufferPointer { dyp in
                let (dxp, dyp) = (dxp, dyp)
                Parallel.forEach(b) { n in
                    WindowPoolKernels.avgBackward(g, countPadding: p.countIncludesPadding, dy: dyp.baseAddress! + n * outSize,
                                                  dx: dxp.baseAddress! + n * inSize)
                }
            }
        }
        return dx
    }
}
