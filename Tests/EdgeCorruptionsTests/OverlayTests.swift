import XCTest
import EdgeCore
@testable import EdgeCorruptions

/// MNIST-C's stripe, dotted line, zigzag and canny edges.
final class OverlayTests: XCTestCase {
    func testStripeInvertsTheOuterColumnsAndIsAnInvolution() throws {
        let x = try TestImages.fashion(1)[0]
        let p = TestImages.planes(x)
        let once = Corruption.stripe(p, width: 7).floats()
        for yy in 0..<28 { for xx in 0..<28 {
            let inverted = xx < 7 || xx >= 21
            XCTAssertEqual(once[yy * 28 + xx], inverted ? 1 - x[yy * 28 + xx] : x[yy * 28 + xx], accuracy: 1e-6)
        } }
        XCTAssertEqual(Corruption.stripe(Corruption.stripe(p, width: 9), width: 9).floats(), x)
        XCTAssertEqual(Corruption.stripe.parameters(side: 28)[2], 7, "MNIST-C's 7 columns at level 3")
    }

    /// line_from_points on a horizontal line at row 10: 1 on it, 1 + ln(1 − 1/2.3) one row
    /// away, 0 from two rows (1 + ln(1 − 2/2.3) < 0).
    func testLineProfileByHand() {
        let l = Corruption.linePlane(h: 28, w: 28, c0: 0, r0: 10, c1: 27, r1: 10)
        XCTAssertEqual(l[10 * 28 + 5], 1)
        XCTAssertEqual(l[11 * 28 + 5], 1 + log(1 - 1 / 2.3), accuracy: 1e-12)
        XCTAssertEqual(l[9 * 28 + 20], 0.429455, accuracy: 1e-6)
        XCTAssertEqual(l[12 * 28 + 5], 0)
        XCTAssertEqual(l[10 * 28 + 27], 0, "columns from ⌈c1⌉ on are blank")
        XCTAssertEqual(Corruption.linePlane(h: 28, w: 28, c0: 4, r0: 1, c1: 4, r1: 9), [Double](repeating: 0, count: 784))
    }

    func testDottedLineOnlyBrightensAndSkipsEveryOtherColumnPair() throws {
        let x = try TestImages.fashion(1)[0]
        for level in 1...5 {
            var g = SeededGenerator(seed: UInt64(level))
            let y = try Corruption.dottedLine.apply(x, channels: 1, height: 28, width: 28, level: level, rng: &g)
            XCTAssert(zip(y, x).allSatisfy { $0 >= $1 })
            for yy in 0..<28 { for xx in 0..<28 where (xx / 2) % 2 == 0 { XCTAssertEqual(y[yy * 28 + xx], x[yy * 28 + xx]) } }
            XCTAssertNotEqual(y, x)
        }
        XCTAssertEqual(Corruption.lineCount(0.5).count, 1)
        XCTAssertEqual(Corruption.lineCount(3).count, 3)
    }

    func testZigzagStaysNearItsBaseLine() throws {
        let black = TestImages.flat(0)
        var rows = Set<Int>()
        for seed in 0..<20 {
            var g = SeededGenerator(seed: UInt64(seed)), copy = g
            let y = try Corruption.zigzag.apply(black, channels: 1, height: 28, width: 28, level: 3, rng: &g)
            let r0 = copy.nextInt(below: 27)
            // Amplitude 2, rise at most 5, line half-width 2.3: every lit pixel is within 10 rows of r0.
            for i in y.indices where y[i] > 0 {
                XCTAssertLessThanOrEqual(abs(i / 28 - r0), 10, "seed \(seed)")
                XCTAssert((1...26).contains(i % 28), "columns 2…25 (±1 for the tilt)")
                rows.insert(i / 28)
            }
            XCTAssertGreaterThanOrEqual(y.filter { $0 > 0.4 }.count, 15, "seed \(seed)")
        }
        XCTAssertGreaterThan(rows.count, 15, "r0 varies")
    }

    func testCannyEdgesBlendTowardsABinaryEdgeMap() throws {
        let x = try TestImages.fashion(1)[0]
        var g = SeededGenerator(seed: 1)
        let full = try Corruption.cannyEdges.apply(x, channels: 1, height: 28, width: 28, level: 5, rng: &g)
        XCTAssert(full.allSatisfy { $0 == 0 || $0 == 1 })
        let edges = full.filter { $0 == 1 }.count
        XCTAssert((20...400).contains(edges), "\(edges) edge pixels")
        let half = Corruption.cannyEdges(TestImages.planes(x), weight: 0.4).floats()
        for i in x.indices { XCTAssertEqual(half[i], 0.6 * x[i] + 0.4 * full[i], accuracy: 1e-6) }
    }
}
