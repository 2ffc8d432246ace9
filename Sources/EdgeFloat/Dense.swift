// Fully connected layer over a batch on OpenBLAS.
// Shapes: x [B, I]; weight [O, I] (PyTorch's layout); bias [O]; y [B, O].

/// The dense node: forward y = x·Wᵀ + b, backward dW = dyᵀ·x, db = Σ dy, dx = dy·W.
enum DenseLayer {
    static func forward(x: [Float], weight w: [Float], bias: [Float], batch b: Int, inFeatures inF: Int, outFeatures o: Int) -> [Float] {
        var y = [Float](repeating: 0, count: b * o)
        for n in 0..<b { for j in 0..<o { y[n * o + j] = bias[j] } }
        x.withUnsafeBufferPointer { xp in
            w.withUnsafeBufferPointer { wp in
                y.withUnsafeMutableBufferPointer { yp in
                    Gemm.sgemm(transA: false, transB: true, m: b, n: o, k: inF, alpha: 1, a: xp.baseAddress!, lda: inF,
                               b: wp.baseAddress!, ldb: inF, beta: 1, c: yp.baseAddress!, ldc: o)
                }
            }
        }
        return y
    }

    static func backward(x: [Float], weight w: [Float], dy: [Float], batch b: Int, inFeatures inF: Int, outFeatures o: Int,
                         parameters wantParams: Bool, input wantDx: Bool) -> (params: [[Float]]?, dx: [Float]?) {
        var params: [[Float]]?
        if wantParams {
            var dW = [Float](repeating: 0, count: w.count), dB = [Float](repeating: 0, count: o)
            x.withUnsafeBufferPointer { xp in
                dy.withUnsafeBufferPointer { dyp in
                    dW.withUnsafeMutableBufferPointer { dwp in
                        Gemm.sgemm(transA: true, transB: false, m: o, n: inF, k: b, alpha: 1, a: dyp.baseAddress!, lda: o,
                                   b: xp.baseAddress!, ldb: inF, beta: 1, c: dwp.baseAddress!, ldc: inF)
                    }
                }
            }
            for n in 0..<b { for t in 0..<o { dB[t] += dy[n * o + t] } }
            params = [dW, dB]
        }
        guard wantDx else { return (params, nil) }
        var dx = [Float](repeating: 0, count: b * inF)
        dy.withUnsafeBufferPointer { dyp in
            w.withUnsafeBufferPointer { wp in
                dx.withUnsafeMutableBufferPointer { dxp in
                    Gemm.sgemm(transA: false, transB: false, m: b, n: inF, k: o, alpha: 1, a: dyp.baseAddress!, lda: o,
                               b: wp.baseAddress!, ldb: inF, beta: 0, c: dxp.baseAddress!, ldc: inF)
                }
            }
        }
        return (params, dx)
    }
}
