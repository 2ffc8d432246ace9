import XCTest
@testable import EdgeFloat

/// The straight-through simulation's rounding without libm: identical to
/// `rounded(.toNearestOrAwayFromZero)` followed by the int8 clamp, on ties, near-ties,
/// large, infinite, subnormal and NaN values, and on a dense sweep.
final class FakeQuantRoundingTests: XCTestCase {
    func reference(_ x: [Float], _ s: Float, _ zeroPoint: Int32) -> [Float] {
        let zp = Float(zeroPoint)
        return x.map { v in s * (min(max((v / s).rounded(.toNearestOrAwayFromZero) + zp, -128), 127) - zp) }
    }

    func testMatchesLibmRoundingBitForBit() {
        var values: [Float] = [0, -0, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 127.5, -128.5, 383.5, 384.5, -384.5, 1e30, -1e30,
                               .infinity, -.infinity, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .greatestFiniteMagnitude]
        for k in -300...300 { let h = Float(k) + 0.5; values += [h, h.nextUp, h.nextDown] }
        var g: UInt64 = 12345
        for _ in 0..<200_000 {
            g = g &* 6364136223846793005 &+ 1442695040888963407
            values.append(Float(bitPattern: UInt32(truncatingIfNeeded: g >> 32)))
        }
        for (s, zp) in [(Float(1), Int32(0)), (0.0123, -128), (0.5, 17), (3e-5, 127), (7.25, -3)] {
            let a = ElementwiseLayer.fakeQuantise(values, scale: s, zeroPoint: zp), b = reference(values, s, zp)
            for i in values.indices where !(a[i].isNaN && b[i].isNaN) {
                XCTAssertEqual(a[i].bitPattern, b[i].bitPattern, "value \(values[i]) scale \(s) zp \(zp)")
            }
            XCTAssertEqual(a.map(\.isNaN), b.map(\.isNaN))
        }
    }
}
