import EdgeCore
import EdgeFloat
import Foundation

/// A one-hidden-layer ReLU perceptron, y = W2·relu(W1·x + b1) + b2, trained with Adam: one
/// encoder of the separable MI critic. B = batch, I = inputs, H = hidden, E = embedding.
struct CriticMLP {
    let inputs: Int, hidden: Int, outputs: Int
    /// W1 [H, I], b1 [H], W2 [E, H], b2 [E], and their Adam moments in the same layout.
    var params: [[Float]]
    var m: [[Float]], v: [[Float]]
    var step = 0

    /// He-uniform initial weights from `rng` (the output layer scaled by 0.1, so the initial
    /// critic's scores are near 0 and its bound near 0 instead of far below), zero biases.
    init(inputs: Int, hidden: Int, outputs: Int, rng: inout SeededGenerator) {
        (self.inputs, self.hidden, self.outputs) = (inputs, hidden, outputs)
        let l1 = (6 / Float(inputs)).squareRoot(), l2 = 0.1 * (6 / Float(hidden)).squareRoot()
        let w1 = (0..<(hidden * inputs)).map { _ in rng.uniform(-l1, l1) }
        let w2 = (0..<(outputs * hidden)).map { _ in rng.uniform(-l2, l2) }
        params = [w1, [Float](repeating: 0, count: hidden), w2, [Float](repeating: 0, count: outputs)]
        m = params.map { [Float](repeating: 0, count: $0.count) }
        v = m
    }

    /// Hidden activations [B, H] (after ReLU) and outputs [B, E] for `x` [B, I].
    func forward(_ x: [Float], batch b: Int) -> (hidden: [Float], y: [Float]) {
        var h = [Float](repeating: 0, count: b * hidden)
        for n in 0..<b { for j in 0..<hidden { h[n * hidden + j] = params[1][j] } }
        gemm(false, true, b, hidden, inputs, x, params[0], &h)
        for i in h.indices where h[i] < 0 { h[i] = 0 }
        var y = [Float](repeating: 0, count: b * outputs)
        for n in 0..<b { for j in 0..<outputs { y[n * outputs + j] = params[3][j] } }
        gemm(false, true, b, outputs, hidden, h, params[2], &y)
        return (h, y)
    }

    /// One Adam step (lr, β = 0.9, 0.999) on the gradient dL/dy = `dy` [B, E] at `x`.
    mutating func update(_ x: [Float], batch b: Int, hidden h: [Float], dy: [Float], lr: Float) {
        var g = params.map { [Float](repeating: 0, count: $0.count) }
        gemm(true, false, outputs, hidden, b, dy, h, &g[2])
        for n in 0..<b { for j in 0..<outputs { g[3][j] += dy[n * outputs + j] } }
        var dh = [Float](repeating: 0, count: b * hidden)
        gemm(false, false, b, hidden, outputs, dy, params[2], &dh)
        for i in dh.indices where h[i] <= 0 { dh[i] = 0 }
        gemm(true, false, hidden, inputs, b, dh, x, &g[0])
        for n in 0..<b { for j in 0..<hidden { g[1][j] += dh[n * hidden + j] } }
        step += 1
        let c1 = 1 - pow(0.9, Float(step)), c2 = 1 - pow(0.999, Float(step))
        for t in params.indices {
            for i in params[t].indices {
                m[t][i] = 0.9 * m[t][i] + 0.1 * g[t][i]
                v[t][i] = 0.999 * v[t][i] + 0.001 * g[t][i] * g[t][i]
                params[t][i] -= lr * (m[t][i] / c1) / ((v[t][i] / c2).squareRoot() + 1e-8)
            }
        }
    }

    /// c += op(a)·op(b)ᵀ-style row-major product: op(a) is m×k, op(b) is k×n.
    private func gemm(_ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int, _ a: [Float], _ b: [Float], _ c: inout [Float]) {
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    Gemm.sgemm(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 1, a: ap.baseAddress!, lda: ta ? m : k,
                               b: bp.baseAddress!, ldb: tb ? k : n, beta: 1, c: cp.baseAddress!, ldc: n)
                }
            }
        }
    }
}
