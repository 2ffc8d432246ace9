import XCTest
import EdgeCore
@testable import EdgeInformation

/// The MIAT-style estimator on cases with known answers, before it is used on nets.
final class InfoNCETests: XCTestCase {
    func gaussians(_ n: Int, _ d: Int, seed: UInt64) -> [Float] {
        var rng = SeededGenerator(seed: seed)
        return (0..<(n * d)).map { _ in Float(rng.nextGaussian()) }
    }

    func testIndependentGaussiansGiveAboutZero() throws {
        let (n, d) = (2048, 4)
        let r = try InfoNCEEstimator().estimate(u: gaussians(n, d, seed: 1), du: d, v: gaussians(n, d, seed: 2), dv: d, n: n)
        print("InfoNCE, independent Gaussians: \(r)")
        XCTAssertLessThan(abs(r.nats), 0.1, "\(r)")
    }

    /// v = A·u + c with A invertible: the true MI is unbounded, the bound saturates at log B.
    func testInvertibleMapReachesTheCeiling() throws {
        let (n, d) = (2048, 4)
        let u = gaussians(n, d, seed: 3)
        var rng = SeededGenerator(seed: 4)
        let a = (0..<(d * d)).map { i in Float(i % (d + 1) == 0 ? 2 : 0) + rng.uniform(-0.5, 0.5) }
        var v = [Float](repeating: 0, count: n * d)
        for s in 0..<n { for i in 0..<d { v[s * d + i] = 0.3 + (0..<d).reduce(0) { $0 + a[i * d + $1] * u[s * d + $1] } } }
        let r = try InfoNCEEstimator().estimate(u: u, du: d, v: v, dv: d, n: n)
        print("InfoNCE, invertible map: \(r)")
        XCTAssertGreaterThan(r.nats, 0.9 * r.ceiling, "\(r)")
        XCTAssertLessThanOrEqual(r.nats, r.ceiling + 1e-9)
    }

    /// Correlated Gaussians (ρ = 0.8 per coordinate, d = 2): I = −(d/2)·ln(1 − ρ²) = 1.02 nats,
    /// well below the ceiling ln 64 = 4.16, so the estimate should be close, from below.
    func testCorrelatedGaussiansNearTheAnalyticValue() throws {
        let (n, d, rho) = (2048, 2, Float(0.8))
        let u = gaussians(n, d, seed: 5), z = gaussians(n, d, seed: 6)
        let v = zip(u, z).map { rho * $0 + (1 - rho * rho).squareRoot() * $1 }
        let truth = -Double(d) / 2 * log(1 - Double(rho * rho))
        let r = try InfoNCEEstimator().estimate(u: u, du: d, v: v, dv: d, n: n)
        print("InfoNCE, correlated Gaussians (truth \(truth)): \(r)")
        XCTAssertEqual(r.nats, truth, accuracy: 0.2, "\(r)")
    }

    func testTooFewSamplesIsAUsageError() {
        XCTAssertThrowsError(try InfoNCEEstimator().estimate(u: [Float](repeating: 0, count: 200), du: 1,
                                                             v: [Float](repeating: 0, count: 200), dv: 1, n: 200))
    }
}
