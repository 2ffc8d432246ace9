// Element-wise nodes over a batch: ReLU, the residual add, fake quantisation, clip; and zero
// padding. Shapes: any, flattened; every function but the padding keeps the layout.

import EdgeModel

enum ElementwiseLayer {
    /// y = max(x, 0).
    static func reluForward(_ x: [Float]) -> [Float] {
        var y = x
        y.withUnsafeMutableBufferPointer { p in for j in p.indices { p[j] = max(p[j], 0) } }
        return y
    }

    /// dx = dy where y > 0, else 0 (the subgradient at 0 is 0, as PyTorch's).
    static func reluBackward(y: [Float], dy: [Float]) -> [Float] {
        var dx = dy
        dx.withUnsafeMutableBufferPointer { dp in y.withUnsafeBufferPointer { yp in for t in dp.indices where yp[t] <= 0 { dp[t] = 0 } } }
        return dx
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
        return x.map { v in
            let r = roundHalfAway(v / s) + zp
            return s * (min(max(r, -128), 127) - zp)
        }
    }

    /// `q.rounded(.toNearestOrAwayFromZero)` wherever the result is then clamped to the int8
    /// range (|q| beyond 384 saturates either way), without the libm call that rounding costs
    /// on baseline x86-64 (a tenth of a straight-through PGD step): truncate through Int32,
    /// then step away from zero when the exact remainder is at least one half. NaN stays NaN.
    @inline(__always)
    static func roundHalfAway(_ q: Float) -> Float {
        guard !q.isNaN else { return q }
        let c = min(max(q, -384), 384)
        let t = Float(Int32(c))
        let f = c - t
        return f >= 0.5 ? t + 1 : (f <= -0.5 ? t - 1 : t)
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
