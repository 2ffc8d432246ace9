import XCTest
import EdgeCore
import EdgeFloat
@testable import EdgeInformation
@testable import EdgeModel

/// The K × K shortcut against the explicit D × D Fisher matrix, the float64 Jacobian against
/// finite differences, and the eigen-solver against matrices with known spectra.
final class FisherTests: XCTestCase {
    /// flatten → dense(6 → 5) → ReLU → dense(5 → 4): J = W2·diag(h > 0)·W1 analytically.
    func testShortcutMatchesExplicitFisherMatrix() throws {
        let net = try TinyNets.make([Node(.flatten, [0], name: "flat"), Node(.dense(outFeatures: 5), [1], name: "fc1"),
                                     Node(.relu, [2], name: "r"), Node(.dense(outFeatures: 4), [3], name: "fc2")],
                                    input: [1, 2, 3], seed: 3)
        let (d, h, k) = (6, 5, 4)
        let w1 = net.model.parameters[2][0].data.map(Double.init), b1 = net.model.parameters[2][1].data.map(Double.init)
        let w2 = net.model.parameters[4][0].data.map(Double.init), b2 = net.model.parameters[4][1].data.map(Double.init)
        for img in 0..<5 {
            let x = TinyNets.inputs(d, seed: 100 + UInt64(img))
            let pre = (0..<h).map { r in (0..<d).reduce(b1[r]) { $0 + w1[r * d + $1] * Double(x[$1]) } }
            let z = (0..<k).map { r in (0..<h).reduce(b2[r]) { $0 + w2[r * h + $1] * max(pre[$1], 0) } }
            var jac = [Double](repeating: 0, count: k * d)
            for c in 0..<k { for t in 0..<d { for u in 0..<h where pre[u] > 0 { jac[c * d + t] += w2[c * h + u] * w1[u * d + t] } } }
            let p = FisherInformation.logSoftmax(z).map { exp($0) }
            // F = Jᵀ(diag p − ppᵀ)J, D × D, written out.
            var f = [Double](repeating: 0, count: d * d)
            for a in 0..<d { for b in 0..<d { for r in 0..<k { for c in 0..<k {
                let m = (r == c ? p[r] : 0) - p[r] * p[c]
                f[a * d + b] += jac[r * d + a] * m * jac[c * d + b]
            } } } }
            let frob = f.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let spec = powerIteration(f, n: d)
            for precision in FisherInformation.Precision.allCases {
                let got = FisherInformation.measure(net: net, x: x, batch: 1, precision: precision)[0]
                let tol = precision == .float64 ? 1e-10 : 1e-5
                XCTAssertEqual(got.frobenius, frob, accuracy: tol * frob, "image \(img), \(precision)")
                XCTAssertEqual(got.spectral, spec, accuracy: tol * spec, "image \(img), \(precision)")
            }
            XCTAssertGreaterThan(spec, 1e-3, "a degenerate case would not test the shortcut")
        }
    }

    /// The largest eigenvalue of a PSD matrix by power iteration: a method independent of Jacobi.
    func powerIteration(_ a: [Double], n: Int) -> Double {
        var v = (0..<n).map { 1 + Double($0) * 0.1 }
        var lambda = 0.0
        for _ in 0..<5000 {
            var w = [Double](repeating: 0, count: n)
            for i in 0..<n { for j in 0..<n { w[i] += a[i * n + j] * v[j] } }
            let norm = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
            lambda = norm / v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            v = w.map { $0 / norm }
        }
        return lambda
    }

    /// Conv, pooling, batch norm and a residual add: the float64 Jacobian against central
    /// differences of its own float64 forward pass, and its logits against the float executor.
    func testDoubleJacobianMatchesFiniteDifferences() throws {
        let nodes = [Node(.conv2d(outChannels: 3, kernel: 3, stride: 1, padding: 1), [0], name: "c1"),
                     Node(.batchNorm(epsilon: 1e-5), [1], name: "bn"), Node(.relu, [2], name: "r1"),
                     Node(.conv2d(outChannels: 3, kernel: 3, stride: 1, padding: 1), [3], name: "c2"),
                     Node(.add, [4, 3], name: "add"), Node(.maxPool(kernel: 2, stride: 2), [5], name: "mp"),
                     Node(.avgPool(kernel: 2, stride: 1), [6], name: "ap"), Node(.globalAvgPool, [7], name: "gap"),
                     Node(.dense(outFeatures: 4), [8], name: "fc")]
        let net = try TinyNets.make(nodes, input: [2, 6, 6], seed: 5)
        let x = TinyNets.inputs(72, seed: 9)
        let dj = DoubleJacobian(net)
        let (jac, logits) = dj.jacobian(x)
        let floatLogits = net.forward(x, batch: 1).logits
        for c in 0..<4 { XCTAssertEqual(logits[c], Double(floatLogits[c]), accuracy: 1e-5) }
        let h = 1e-6
        var worst = 0.0
        for t in 0..<72 {
            var up = x.map(Double.init), down = up
            up[t] += h; down[t] -= h
            let lu = dj.forward(up).last!, ld = dj.forward(down).last!
            for c in 0..<4 { worst = max(worst, abs((lu[c] - ld[c]) / (2 * h) - jac[c * 72 + t])) }
        }
        XCTAssertLessThan(worst, 1e-6)
        let (fj, _) = FisherInformation.jacobians(net: net, x: x, batch: 1)
        for i in 0..<jac.count { XCTAssertEqual(Double(fj[i]), jac[i], accuracy: 1e-5) }
    }

    /// A = Q·diag(λ)·Qᵀ with Q a Householder reflector: Jacobi returns λ, sorted descending.
    func testJacobiFindsKnownSpectrum() {
        var rng = SeededGenerator(seed: 11)
        for n in [1, 2, 3, 7, 10] {
            let lambda = (0..<n).map { i in i % 3 == 0 ? 0 : rng.nextDouble() * 10 - 2 }
            let v = (0..<n).map { _ in rng.nextGaussian() }
            let vv = v.reduce(0) { $0 + $1 * $1 }
            var q = [Double](repeating: 0, count: n * n)
            for i in 0..<n { for j in 0..<n { q[i * n + j] = (i == j ? 1 : 0) - 2 * v[i] * v[j] / vv } }
            var a = [Double](repeating: 0, count: n * n)
            for i in 0..<n { for j in 0..<n { for m in 0..<n { a[i * n + j] += q[i * n + m] * lambda[m] * q[j * n + m] } } }
            let got = SymmetricEigen.eigenvalues(a, n: n)
            for (g, e) in zip(got, lambda.sorted(by: >)) { XCTAssertEqual(g, e, accuracy: 1e-12, "n = \(n)") }
        }
        XCTAssertTrue(SymmetricEigen.eigenvalues([1, .nan, .nan, 1], n: 2).allSatisfy(\.isNaN))
    }
}
