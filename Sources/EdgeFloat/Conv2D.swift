// Conv2D through im2col + GEMM, per image, and the batch-level layer over it.
// Shapes: x [C, H, W]; weight [O, C·KH·KW]; col [C·KH·KW, P] with P = OH·OW; y [O, P].

import EdgeCore
import EdgeModel

/// Geometry of one convolution: kernel and stride per axis, padding per side (the bottom and
/// right padding follow from the output size).
public struct ConvGeometry: Sendable {
    /// Input channels, height, width.
    public let c: Int, h: Int, w: Int
    /// Output channels, height, width.
    public let o: Int, oh: Int, ow: Int
    /// Kernel height and width.
    public let kh: Int, kw: Int
    /// Vertical and horizontal stride.
    public let sh: Int, sw: Int
    /// Zero padding above and on the left.
    public let padTop: Int, padLeft: Int
    /// Zero padding below and on the right (only for `isPointwise`; windows read zeros past the image).
    let padBottomRight: Int

    /// Kernel side of a square window (its height).
    public var k: Int { kh }
    /// Stride of a square window (the vertical one).
    public var stride: Int { sh }
    /// Padding of a symmetric window (the top one).
    public var pad: Int { padTop }

    /// Rows of the im2col matrix (C·KH·KW).
    public var kdim: Int { c * kh * kw }
    /// Output positions per image (OH·OW).
    public var positions: Int { oh * ow }
    /// True when im2col would copy the input unchanged (1×1, stride 1, no padding).
    public var isPointwise: Bool { kh == 1 && kw == 1 && sh == 1 && sw == 1 && padTop == 0 && padLeft == 0 && padBottomRight == 0 }

    /// Geometry of a square window from shapes already validated by `Graph.shapes`.
    public init(input: [Int], output: [Int], kernel: Int, stride: Int, padding: Int) {
        self.init(input: input, output: output,
                  window: Window2D(kernelH: kernel, kernelW: kernel, strideH: stride, strideW: stride,
                                   padding: SidePadding(top: padding, left: padding, bottom: padding, right: padding)))
    }

    /// Geometry of a general window from shapes already validated by `Graph.shapes`.
    public init(input: [Int], output: [Int], window: Window2D) {
        c = input[0]; h = input[1]; w = input[2]
        o = output[0]; oh = output[1]; ow = output[2]
        kh = window.kernelH; kw = window.kernelW; sh = window.strideH; sw = window.strideW
        padTop = window.padding.top; padLeft = window.padding.left
        padBottomRight = window.padding.bottom + window.padding.right
    }
}

enum ConvKernels {
    /// Unfolds x into col; horizontal stride 1 takes the SIMD rows of `ConvUnfold`.
    static func im2col(_ g: ConvGeometry, _ x: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>) {
        if g.sw == 1 { ConvUnfold.im2col(g, x, col) } else { im2colReference(g, x, col) }
    }

    /// Folds col back into dx (the adjoint of im2col); horizontal stride 1 takes `ConvUnfold`.
    static func col2im(_ g: ConvGeometry, _ col: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>) {
        if g.sw == 1 { ConvUnfold.col2im(g, col, dx) } else { col2imReference(g, col, dx) }
    }

    /// Unfolds x into col, zero where the window hangs over the padding. With stride 1 each
    /// row is one contiguous copy between two zero-filled margins (no per-pixel branch). The
    /// reference for `ConvUnfold.im2col` and the path for other strides.
    static func im2colReference(_ g: ConvGeometry, _ x: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>) {
        let p = g.positions
        for c in 0..<g.c {
            for ki in 0..<g.kh {
                for kj in 0..<g.kw {
                    let row = col + ((c * g.kh + ki) * g.kw + kj) * p
                    // Output columns whose input column ox·s − pad + kj lies inside the image.
                    let shift = kj - g.padLeft
                    let lo = g.sw == 1 ? min(g.ow, max(0, -shift)) : 0
                    let hi = g.sw == 1 ? max(lo, min(g.ow, g.w - shift)) : g.ow
                    for oy in 0..<g.oh {
                        let iy = oy * g.sh - g.padTop + ki
                        let dst = row + oy * g.ow
                        if iy < 0 || iy >= g.h {
                            dst.update(repeating: 0, count: g.ow)
                            continue
                        }
                        let src = x + (c * g.h + iy) * g.w
                        if g.sw == 1 {
                            if lo > 0 { dst.update(repeating: 0, count: lo) }
                            if hi > lo { (dst + lo).update(from: src + lo + shift, count: hi - lo) }
                            if g.ow > hi { (dst + hi).update(repeating: 0, count: g.ow - hi) }
                        } else {
                            for ox in 0..<g.ow {
                                let ix = ox * g.sw + shift
                                dst[ox] = (ix >= 0 && ix < g.w) ? src[ix] : 0
                            }
                        }
                    }
                }
            }
        }
    }

    /// Folds col back, accumulating into dx (the adjoint of im2col). The reference for
    /// `ConvUnfold.col2im` and the path for other strides.
    static func col2imReference(_ g: ConvGeometry, _ col: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>) {
        let p = g.positions
        for c in 0..<g.c {
            for ki in 0..<g.kh {
                for kj in 0..<g.kw {
                    let row = col + ((c * g.kh + ki) * g.kw + kj) * p
                    let shift = kj - g.padLeft
                    let lo = g.sw == 1 ? min(g.ow, max(0, -shift)) : 0
                    let hi = g.sw == 1 ? max(lo, min(g.ow, g.w - shift)) : g.ow
                    for oy in 0..<g.oh {
                        let iy = oy * g.sh - g.padTop + ki
                        if iy < 0 || iy >= g.h { continue }
                        let dst = dx + (c * g.h + iy) * g.w
                        let src = row + oy * g.ow
                        if g.sw == 1 {
                            let d = dst + shift
                            for ox in lo..<hi { d[ox] += src[ox] }
                        } else {
                            for ox in 0..<g.ow {
                                let ix = ox * g.sw + shift
                                if ix >= 0 && ix < g.w { dst[ix] += src[ox] }
                            }
                        }
                    }
                }
            }
        }
    }

    /// y = W·im2col(x) + b for one image; `col` is scratch of kdim·positions floats.
    static func forward(_ g: ConvGeometry, x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                        y: UnsafeMutablePointer<Float>, col: UnsafeMutablePointer<Float>) {
        let p = g.positions
        let b: UnsafePointer<Float>
        if g.isPointwise { b = x } else { im2col(g, x, col); b = UnsafePointer(col) }
        for o in 0..<g.o {
            let v = bias[o]
            let row = y + o * p
            for i in 0..<p { row[i] = v }
        }
        Gemm.sgemm(transA: false, transB: false, m: g.o, n: p, k: g.kdim, alpha: 1, a: weight, lda: g.kdim,
                   b: b, ldb: p, beta: 1, c: y, ldc: p)
    }

    /// Accumulates dW += dy·colᵀ and db += Σ dy for one image; writes dx when asked.
    static func backward(_ g: ConvGeometry, x: UnsafePointer<Float>, weight: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                         dW: UnsafeMutablePointer<Float>?, db: UnsafeMutablePointer<Float>?, dx: UnsafeMutablePointer<Float>?,
                         col: UnsafeMutablePointer<Float>) {
        let p = g.positions
        if let dW, let db {
            let b: UnsafePointer<Float>
            if g.isPointwise { b = x } else { im2col(g, x, col); b = UnsafePointer(col) }
            Gemm.sgemm(transA: false, transB: true, m: g.o, n: g.kdim, k: p, alpha: 1, a: dy, lda: p,
                       b: b, ldb: p, beta: 1, c: dW, ldc: g.kdim)
            for o in 0..<g.o {
                var s: Float = 0
                let row = dy + o * p
                for i in 0..<p { s += row[i] }
                db[o] += s
            }
        }
        if let dx {
            if g.isPointwise {
                Gemm.sgemm(transA: true, transB: false, m: g.kdim, n: p, k: g.o, alpha: 1, a: weight, lda: g.kdim,
                           b: dy, ldb: p, beta: 1, c: dx, ldc: p)
            } else {
                Gemm.sgemm(transA: true, transB: false, m: g.kdim, n: p, k: g.o, alpha: 1, a: weight, lda: g.kdim,
                           b: dy, ldb: p, beta: 0, c: col, ldc: p)
                col2im(g, col, dx)
            }
        }
    }
}

/// A convolution node over a batch: X [B, C, H, W] → Y [B, O, OH, OW]. Images run in fixed
/// chunks of `FloatNetwork.chunkSize`, each with its own im2col scratch.
enum Conv2DLayer {
    static func forward(_ geo: ConvGeometry, x: [Float], weight w: [Float], bias: [Float], batch b: Int) -> [Float] {
        let inSize = geo.c * geo.h * geo.w, outSize = geo.o * geo.positions
        // Every element is written (bias, then the GEMM), so no zero fill first.
        var y = [Float](unsafeUninitializedCapacity: b * outSize) { _, n in n = b * outSize }
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                w.withUnsafeBufferPointer { wp in
                    bias.withUnsafeBufferPointer { bp in
                        let (xp, yp, wp, bp) = (xp, yp, wp, bp)
                        let chunks = Parallel.chunks(b, size: FloatNetwork.chunkSize)
                        Parallel.forEach(chunks.count) { c in
                            let col = UnsafeMutablePointer<Float>.allocate(capacity: max(1, geo.kdim * geo.positions))
                            defer { col.deallocate() }
                            for n in chunks[c] {
                                ConvKernels.forward(geo, x: xp.baseAddress! + n * inSize, weight: wp.baseAddress!, bias: bp.baseAddress!,
                                                    y: yp.baseAddress! + n * outSize, col: col)
                            }
                        }
                    }
                }
            }
        }
        return y
    }

    /// Parameter gradients (when `parameters`) are per-chunk partial sums added in chunk order,
    /// so they do not depend on the thread count; dx is returned when `input`.
    static func backward(_ geo: ConvGeometry, x: [Float], weight w: [Float], dy: [Float], batch b: Int,
                         parameters wantParams: Bool, input wantDx: Bool) -> (params: [[Float]]?, dx: [Float]?) {
        let inSize = geo.c * geo.h * geo.w, outSize = geo.o * geo.positions
        let chunks = Parallel.chunks(b, size: FloatNetwork.chunkSize)
        let wCount = w.count, oc = geo.o
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
                                    let col = UnsafeMutablePointer<Float>.allocate(capacity: max(1, geo.kdim * geo.positions))
                                    defer { col.deallocate() }
                                    for n in chunks[c] {
                                        ConvKernels.backward(geo, x: xp.baseAddress! + n * inSize, weight: wp.baseAddress!,
                                                             dy: dyp.baseAddress! + n * outSize,
                                                             dW: wantParams ? pw.baseAddress! + c * wCount : nil,
                                                             db: wantParams ? pb.baseAddress! + c * oc : nil,
                                                             dx: wantDx ? dxp.baseAddress! + n * inSize : nil, col: col)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        var params: [[Float]]?
        if wantParams {
            var dW = [Float](repeating: 0, count: wCount), dB = [Float](repeating: 0, count: oc)
            for c in 0..<chunks.count {
                for t in 0..<wCount { dW[t] += partialW[c * wCount + t] }
                for t in 0..<oc { dB[t] += partialB[c * oc + t] }
            }
            params = [dW, dB]
        }
        return (params, wantDx ? dx : nil)
    }
}
