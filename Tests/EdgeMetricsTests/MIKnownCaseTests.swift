import XCTest
import EdgeCore
@testable import EdgeMetrics

/// The KDE and binning estimators on cases whose answer is known, before they are used on
/// nets (issue 17): independence gives ≈ 0, an invertible map gives the entropy bound.
final class MIKnownCaseTests: XCTestCase {
    func testIndependentLabelsGiveAboutZero() {
        var g = SeededGenerator(seed: 21)
        let (n, d) = (2000, 2)
        let t = (0..<(n * d)).map { _ in Float(g.nextGaussian()) }
        let labels = (0..<n).map { _ in g.nextInt(below: 4) }
        // σ² = 1 and λ = 1: kernels and bins as wide as the data's own spread.
        let e = MutualInformation.estimate(t, n: n, d: d, labels: labels, sigma2: 1, binSize: 1)
        for (name, v) in [("kde_upper_ity", e.kdeUpperITY), ("kde_lower_ity", e.kdeLowerITY)] {
            XCTAssertLessThan(abs(v), 0.02, name)
        }
        // Plug-in binning is biased upwards by ≈ (bins − 1)(K − 1)/(2N ln 2) ≈ 0.03 bits here.
        XCTAssertLessThan(e.binITY, 0.08)
        XCTAssertGreaterThanOrEqual(e.binITY, 0)
    }

    /// T = A·X + c for an invertible A: distinct samples stay distinct, so with kernels and
    /// bins far below their spacing I(T;X) = H(X̂) = log2 N, and I(T;Y) = H(Y) for labels
    /// that are a function of X (the sign pattern of two coordinates).
    func testInvertibleMapGivesTheEntropyBound() {
        var g = SeededGenerator(seed: 22)
        let (n, d) = (512, 3)
        let x = (0..<(n * d)).map { _ in g.nextGaussian() }
        let a: [Double] = [2, 0.5, -1, 0, 1.5, 0.3, 0.7, -0.2, 1]
        var t = [Float](repeating: 0, count: n * d)
        for s in 0..<n { for i in 0..<d { t[s * d + i] = Float(0.1 + (0..<d).reduce(0) { $0 + a[i * d + $1] * x[s * d + $1] }) } }
        let labels = (0..<n).map { s in (x[s * d] > 0 ? 1 : 0) + (x[s * d + 1] > 0 ? 2 : 0) }
        var counts = [Int](repeating: 0, count: 4)
        for l in labels { counts[l] += 1 }
        let hy = counts.reduce(0.0) { h, c in c == 0 ? h : h - Double(c) / Double(n) * log2(Double(c) / Double(n)) }
        let e = MutualInformation.estimate(t, n: n, d: d, labels: labels, sigma2: 1e-10, binSize: 1e-6)
        for (name, v) in [("kde_upper_itx", e.kdeUpperITX), ("kde_lower_itx", e.kdeLowerITX), ("bin_itx", e.binITX)] {
            XCTAssertEqual(v, log2(Double(n)), accuracy: 1e-6, name)
        }
        for (name, v) in [("kde_upper_ity", e.kdeUpperITY), ("kde_lower_ity", e.kdeLowerITY), ("bin_ity", e.binITY)] {
            XCTAssertEqual(v, hy, accuracy: 1e-6, name)
        }
        XCTAssertGreaterThan(hy, 1.9)
    }
}
