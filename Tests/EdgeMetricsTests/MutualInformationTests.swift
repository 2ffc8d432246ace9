import XCTest
import EdgeCore
@testable import EdgeMetrics

final class MutualInformationTests: XCTestCase {
    func testBinningByHand() {
        // λ = 0.5: bins 0, 0, 1, 2 → H = 1.5 bits; class 0 = {0, 0} (0 bits), class 1 = {1, 2} (1 bit).
        let e = MutualInformation.estimate([0.1, 0.2, 0.7, 1.2], n: 4, d: 1, labels: [0, 0, 1, 1], binSize: 0.5)
        XCTAssertEqual(e.binITX, 1.5, accuracy: 1e-12)
        XCTAssertEqual(e.binITY, 1.0, accuracy: 1e-12)
    }

    func testKDEOnFarApartAndIdenticalPoints() {
        // Eight points 100 apart: every kernel sum is its own term, so I(T;X) = log2 8 = 3 bits
        // and I(T;Y) = log2 8 − log2 4 = 1 bit, for both bounds.
        let far: [Float] = (0..<8).flatMap { i -> [Float] in [Float(i) * 100, 0] }
        let e = MutualInformation.estimate(far, n: 8, d: 2, labels: [0, 0, 0, 0, 1, 1, 1, 1])
        XCTAssertEqual(e.kdeUpperITX, 3, accuracy: 1e-9)
        XCTAssertEqual(e.kdeLowerITX, 3, accuracy: 1e-9)
        XCTAssertEqual(e.kdeUpperITY, 1, accuracy: 1e-9)
        XCTAssertEqual(e.kdeLowerITY, 1, accuracy: 1e-9)
        // Identical points carry no information about which sample they came from.
        let same = MutualInformation.estimate([Float](repeating: 0.3, count: 30), n: 10, d: 3, labels: (0..<10).map { $0 % 2 })
        XCTAssertEqual(same.kdeUpperITX, 0, accuracy: 1e-9)
        XCTAssertEqual(same.kdeUpperITY, 0, accuracy: 1e-9)
        XCTAssertEqual(same.binITX, 0, accuracy: 1e-12)
    }

    func testBoundsAreOrderedAndDistancesMatchADirectSum() {
        var g = SeededGenerator(seed: 3)
        let n = 60, d = 7
        let t = (0..<(n * d)).map { _ in Float(g.nextGaussian()) * 0.5 }
        let dist = MutualInformation.squaredDistances(t, n: n, d: d)
        for (i, j) in [(0, 1), (5, 40), (59, 2)] {
            var s = 0.0
            for k in 0..<d { let v = Double(t[i * d + k]) - Double(t[j * d + k]); s += v * v }
            XCTAssertEqual(dist[i * n + j], s, accuracy: 1e-9)
        }
        let e = MutualInformation.estimate(t, n: n, d: d, labels: (0..<n).map { $0 % 3 })
        XCTAssertLessThanOrEqual(e.kdeLowerITX, e.kdeUpperITX + 1e-9)
        XCTAssertLessThanOrEqual(e.kdeUpperITX, log2(Double(n)) + 1e-9)
        XCTAssertGreaterThanOrEqual(e.kdeUpperITY, -1e-9)
    }

    func testNpyParsing() throws {
        func npy(_ descr: String, _ shape: String, _ payload: [UInt8]) -> [UInt8] {
            var h = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }"
            while (10 + h.utf8.count + 1) % 64 != 0 { h += " " }
            h += "\n"
            let n = h.utf8.count
            return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(n & 0xFF), UInt8(n >> 8)] + Array(h.utf8) + payload
        }
        var p: [UInt8] = []
        for v: Float in [1.5, -2, 0.25, 8] { let b = v.bitPattern; p += [UInt8(b & 0xFF), UInt8(b >> 8 & 0xFF), UInt8(b >> 16 & 0xFF), UInt8(b >> 24)] }
        let a = try NpyArray.parse(npy("<f4", "(2, 2)", p), path: "a.npy")
        XCTAssertEqual(a.shape, [2, 2])
        XCTAssertEqual(a.values, [1.5, -2, 0.25, 8])
        let l = try NpyArray.parse(npy("<i8", "(2,)", [3, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]), path: "l.npy")
        XCTAssertEqual(l.values, [3, -1])
        XCTAssertThrowsError(try NpyArray.parse(npy("<f4", "(3, 2)", p), path: "short.npy")) { e in XCTAssert("\(e)".contains("short.npy")) }
        XCTAssertThrowsError(try NpyArray.parse(npy("<c8", "(1,)", p), path: "c.npy"))
        XCTAssertThrowsError(try NpyArray.parse(Array("not numpy".utf8), path: "x.npy"))
    }
}

final class MutualInformationFixtureTests: XCTestCase {
    /// The fixture of scripts/mi_reference.py and the values that independent numpy
    /// restatement prints.
    func testAgreesWithTheNumpyRestatement() {
        let t: [Float] = [0, 0.125, 0.25, -0.25, 1.0, 0.375, 1.25, 0.875, -0.5, 0.75]
        let e = MutualInformation.estimate(t, n: 5, d: 2, labels: [0, 0, 1, 1, 0], sigma2: 0.1, binSize: 0.5)
        let want: [(Double, Double)] = [(e.kdeUpperITX, 2.007553394560235), (e.kdeUpperITY, 0.9649308099901248),
                                        (e.kdeLowerITX, 1.2524899391115552), (e.kdeLowerITY, 0.7522787341847674),
                                        (e.binITX, 2.321928094887362), (e.binITY, 0.9709505944546686)]
        for (got, expected) in want { XCTAssertEqual(got, expected, accuracy: 1e-9 * abs(expected)) }
    }

    func testBinningProperties() {
        var g = SeededGenerator(seed: 5)
        let n = 200
        let labels = (0..<n).map { _ in g.nextInt(below: 4) }
        // An injective layer on distinct points (each point alone in its bin): H(T) = log2 N.
        let distinct = (0..<n).flatMap { i -> [Float] in [Float(i) * 10, 0] }
        let e = MutualInformation.estimate(distinct, n: n, d: 2, labels: labels)
        XCTAssertEqual(e.binITX, log2(Double(n)), accuracy: 1e-12)
        // I(T;Y) ≤ H(Y).
        var hy = 0.0
        for c in 0..<4 { let p = Double(labels.filter { $0 == c }.count) / Double(n); if p > 0 { hy -= p * log2(p) } }
        XCTAssertEqual(e.binITY, hy, accuracy: 1e-12)
        let noisy = (0..<(n * 3)).map { _ in Float(g.nextGaussian()) }
        let r = MutualInformation.estimate(noisy, n: n, d: 3, labels: labels)
        XCTAssertLessThanOrEqual(r.binITX, log2(Double(n)) + 1e-12)
        XCTAssertLessThanOrEqual(r.binITY, hy + 1e-12)
        XCTAssertLessThanOrEqual(r.kdeUpperITY, hy + 1e-9)
    }

    func testNonFiniteActivationsAreRejected() {
        XCTAssertThrowsError(try MutualInformation.validate([1, .nan, 2], path: "a.npy")) { e in XCTAssert("\(e)".contains("a.npy")) }
        XCTAssertThrowsError(try MutualInformation.validate([.infinity], path: "a.npy"))
        XCTAssertNoThrow(try MutualInformation.validate([1, 2], path: "a.npy"))
    }
}
