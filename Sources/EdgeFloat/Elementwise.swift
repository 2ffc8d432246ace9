// Element-wise nodes over a batch: ReLU, the residual add, fake quantisation, clip; and zero
// padding. Shapes: any, flattened; every function but the padding keeps the layout.

import EdgeCore
import EdgeModel

enum ElementwiseLayer {
    /// Elements per parallel block of the ReLU passes (a multiple of 4; LeNet-5's first ReLU
    /// at batch 128 is 18 blocks). Elementwise, so the split never changes a bit.
    static let reluBlock = 32_768

    /// y = max(x, 0), in one pass over a fresh buffer (no copy of x first), blocks in parallel.
    static func reluForward(_ x: [Float]) -> [Float] {
        let n = x.count
        guard n > 0 else { return [] }
        return [Float](unsafeUninitializedCapacity: n) { out, count in
            x.withUnsafeBufferPointer { xp in
                let (xp, op) = (xp, out)
                Parallel.forEach((n + reluBlock - 1) / reluBlock) { blk in
                    for j in (blk * reluBlock)..<min(n, (blk + 1) * reluBlock) { op[j] = max(xp[j], 0) }
                }
            }
            count = n
        }
    }

    /// dx = dy where y > 0, else 0 (the subgradient at 0 is 0, as PyTorch's). Four lanes at a
    /// time by a vector compare and blend, not a branch: the sign of y is a coin flip per
    /// element, and the branch (which LLVM kept even for a scalar select) cost a fifth of a
    /// PGD step. `y <= 0` is false for NaN, so dy passes there, as before. Blocks in parallel.
    static func reluBackward(y: [Float], dy: [Float]) -> [Float] {
        precondition(y.count == dy.count)
        let n = dy.count
        guard n > 0 else { return [] }
        return [Float](unsafeUninitializedCapacity: n) { out, count in
            y.withUnsafeBufferPointer { yp in
                dy.withUnsafeBufferPointer { dp in
                    let (yp, dp, op) = (yp, dp, out)
                    Parallel.forEach((n + reluBlock - 1) / reluBlock) { blk in
                        reluBackwardBlock(yp.baseAddress!, dp.baseAddress!, op.baseAddress!, from: blk * reluBlock,
                                          to: min(n, (blk + 1) * reluBlock))
                    }
                }
            }
            count = n
        }
    }

    /// out[t] = y[t] <= 0 ? 0 : dy[t] for t in [from, to).
    @inline(__always)
    static func reluBackwardBlock(_ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
                                  from: Int, to n: Int) {
        let (ys, ds, os) = (UnsafeRawPointer(y), UnsafeRawPointer(dy), UnsafeMutableRawPointer(out))
        var t = from
        while t &+ 4 <= n {
            let v = ys.loadUnaligned(fromByteOffset: t &* 4, as: SIMD4<Float>.self)
            let g = ds.loadUnaligned(fromByteOffset: t &* 4, as: SIMD4<Float>.self)
            os.storeBytes(of: g.replacing(with: 0, where: v .<= 0), toByteOffset: t &* 4, as: SIMD4<Float>.self)
            t &+= 4
        }
        while t < n { out[t] = y[t] <= 0 ? 0 : dy[t]; t &+= 1 }
    }

    /// y = a + b.
    static func addForward(_ a: [Float], _ b: [Float]) -> [Float] {
        var y = a
        y.withUnsafeMutableBufferPointer { yp in b.withUnsafeBufferPointer { op in for j in yp.indices { yp[j] += op[j] } } }
        return y
    }

    /// acc += d, in place.
    static func accumulate(_ acc: inout [Float], _ d: [Float]) {
        acc.withUnsafeMutableBufferPointer { cp in d.withUnsafeBufferPointer { dp in for k in cp.indices { cp[k] += dp[k] } } }
    }

    /// real = scale·(clamp(round(x/scale) + zp, −128, 127) − zp), rounding half away from zero
    /// as the int8 requantisation does; the backward pass treats it as the identity.
    static func fakeQuantise(_ x: [Float], scale s: Float, zeroPoint: Int32) -> [Float] {
        let zp = Float(zeroPoint)
        var out = [Float](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<src.count {
                    let r = roundHalfAway(src[i] / s) + zp
                    dst[i] = s * (min(max(r, -128), 127) - zp)
                }
            }
        }
        return out
    }

    /// `q.rounded(.toNearestOrAwayFromZero)` wherever the result is then clamped to the int8
    /// range (|q| beyond 384 saturates either way), branch-free so the loop vectorises: on
    /// baseline x86-64 that rounding is a libm call per element, and fake quantisation was a
    /// quarter of a straight-through PGD step. Round to nearest even by the 1.5·2²³ trick
    /// (exact for |c| < 2²²), then move the ties that went toward zero away from it. NaN
    /// stays NaN (every comparison is false).
    @inline(__always)
    static func roundHalfAway(_ q: Float) -> Float {
        let c = q.isNaN ? q : min(max(q, -384), 384)
        let magic: Float = 12_582_912   // 1.5·2²³
        let n = (c + magic) - magic
        let d = c - n
        return d == 0.5 && c > 0 ? n + 1 : (d == -0.5 && c < 0 ? n - 1 : n)
    }
}

/// Clip and zero padding: imported models' ReLU6 / Clip and PAD.
enum ClipPadLayer {
    /// y = min(max(x, lower), upper).
    static func clipForward(_ x: [Float], lower: Float, upper: Float) -> [Float] {
        x.map { min(max($0, lower), upper) }
    }

    /// dx = dy where lower < x < upper, else 0 (at a bound the subgradient 0, as PyTorch's hardtanh).
    static func clipBackward(x: [Float], dy: [Float], lower: Float, upper: Float) -> [Float] {
        zip(x, dy).map { $0 > lower && $0 < upper ? $1 : 0 }
    }

    /// [B, C, H, W] → [B, C, H + top + bottom, W + left + right], zeros around.
    static func padForward(_ x: [Float], batch b: Int, si: [Int], _ p: SidePadding) -> [Float] {
        let (c, h, w) = (si[0], si[1], si[2]), oh = h + p.top + p.bottom, ow = w + p.left + p.right
        var y = [Float](repeating: 0, count: b * c * oh * ow)
        for n in 0..<b { for ch in 0..<c { for iy in 0..<h {
            let src = ((n * c + ch) * h + iy) * w, dst = ((n * c + ch) * oh + iy + p.top) * ow + p.left
            for ix in 0..<w { y[dst + ix] = x[src + ix] }
        } } }
        return y
    }

    /// The inner window of dy: the gradient of the padding is dropped.
    static func padBackward(_ dy: [Float], batch b: Int, si: [Int], _ p: SidePadding) -> [Float] {
        let (c, h, w) = (si[0], si[1], si[2]), oh = h + p.top + p.bottom, ow = w + p.left + p.right
        var dx = [Float](repeating: 0, count: b * c * h * w)
        for n in 0..<b { for ch in 0..<c { for iy in 0..<h {
            let dst = ((n * c + ch) * h + iy) * w, src = ((n * c + ch) * oh + iy + p.top) * ow + p.left
            for ix in 0..<w { dx[dst + ix] = dy[src + ix] }
        } } }
        return dx
    }
}
