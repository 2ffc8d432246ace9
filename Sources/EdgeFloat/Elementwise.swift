// Element-wise nodes over a batch: ReLU, the residual add, flatten (a no-op on the data)
// and fake quantisation. Shapes: any, flattened; every function keeps the layout.

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
            let r = (v / s).rounded(.toNearestOrAwayFromZero) + zp
            return s * (min(max(r, -128), 127) - zp)
        }
    }
}
