import XCTest
import EdgeCore
@testable import EdgeCorruptions

/// Fog, snow and spatter, and the OpenCV steps spatter depends on.
final class WeatherTests: XCTestCase {
    func testPlasmaSpansZeroToOneAndLowerDecayIsRougher() {
        func roughness(_ decay: Double) -> Double {
            var total = 0.0
            for s in 0..<8 {
                var g = SeededGenerator(seed: UInt64(s))
                let p = Corruption.plasmaFractal(size: 32, decay: decay, rng: &g)
                XCTAssertEqual(p.min(), 0)
                XCTAssertEqual(p.max(), 1)
                for y in 0..<32 { for x in 0..<31 { total += abs(p[y * 32 + x + 1] - p[y * 32 + x]) } }
            }
            return total
        }
        XCTAssertGreaterThan(roughness(1.75), 1.2 * roughness(3))
    }

    /// fog(x) = (x + c·plasma)·max/(max + c), with the plasma the generator's first draws.
    func testFogFollowsItsFormula() throws {
        let x = try TestImages.fashion(1)[0]
        var g = SeededGenerator(seed: 4), copy = g
        let y = try Corruption.fog.apply(x, channels: 1, height: 28, width: 28, level: 4, rng: &g)
        let plasma = Corruption.plasmaFractal(size: 32, decay: 2, rng: &copy)
        let mx = Double(x.max()!)
        for (yy, xx) in [(0, 0), (3, 17), (27, 27), (14, 14)] {
            let want = (Double(x[yy * 28 + xx]) + 1 * plasma[yy * 32 + xx]) * mx / (mx + 1)
            XCTAssertEqual(Double(y[yy * 28 + xx]), min(max(want, 0), 1), accuracy: 1e-6)
        }
    }

    func testSnowOnlyBrightens() throws {
        let x = TestImages.rgb32()
        for level in 1...5 {
            var g = SeededGenerator(seed: UInt64(level))
            let y = try Corruption.snow.apply(x, channels: 3, height: 32, width: 32, level: level, rng: &g)
            XCTAssert(zip(y, x).allSatisfy { $0 >= $1 - 1e-6 }, "level \(level)")
            XCTAssertGreaterThan(TestImages.meanAbsDiff(y, x), 0.01)
        }
    }

    func testSpatterMudCoversAndWaterAdds() throws {
        let x = try TestImages.fashion(1)[0]
        let mud = 63.0 / 255
        var sawMud = false
        for seed in 0..<6 {
            for level in 4...5 {
                var g = SeededGenerator(seed: UInt64(seed))
                let y = try Corruption.spatter.apply(x, channels: 1, height: 28, width: 28, level: level, rng: &g)
                for (a, b) in zip(y, x) where a != b {
                    // x·(1 − m) + mud·m with m ≥ 0.8.
                    XCTAssertLessThanOrEqual(abs(Double(a) - mud), 0.2 * abs(Double(b) - mud) + 1e-6)
                    sawMud = true
                }
            }
            for level in 1...3 {
                var g = SeededGenerator(seed: UInt64(seed))
                let y = try Corruption.spatter.apply(x, channels: 1, height: 28, width: 28, level: level, rng: &g)
                XCTAssert(zip(y, x).allSatisfy { $0 >= $1 }, "water only adds light")
            }
        }
        XCTAssert(sawMud)
    }

    func testChamferDistanceIsCloseToEuclidean() {
        var edge = [Bool](repeating: false, count: 20 * 20)
        edge[5 * 20 + 5] = true
        edge[14 * 20 + 16] = true
        let d = Corruption.chamferDistance(edge, h: 20, w: 20)
        for y in 0..<20 { for x in 0..<20 {
            let e = min(hypot(Double(y - 5), Double(x - 5)), hypot(Double(y - 14), Double(x - 16)))
            XCTAssertEqual(d[y * 20 + x], e, accuracy: 0.03 * e + 1e-9, "(\(y), \(x))")
        } }
        XCTAssertEqual(d[5 * 20 + 6], 1)
        XCTAssertEqual(d[6 * 20 + 6], 1.4)
        XCTAssertEqual(d[7 * 20 + 6], 2.1969)
    }

    /// Four values with counts 2, 1, 1, 4 (N = 8): lut = round(255·(cdf − 2)/6) = 0, 42 (42.5 to even, as cvRound), 85, 255.
    func testEqualizeHistogramByHand() {
        let p: [Double] = [3, 3, 7, 9, 20, 20, 20, 20]
        XCTAssertEqual(Corruption.equalizeHistogram(p), [0, 0, 42, 85, 255, 255, 255, 255])
        XCTAssertEqual(Corruption.equalizeHistogram([5, 5, 5]), [5, 5, 5])
    }

    func testCannyFindsOneLineOnAStepAndNothingOnFlat() {
        var p = [Double](repeating: 0, count: 16 * 16)
        for y in 0..<16 { for x in 8..<16 { p[y * 16 + x] = 200 } }
        let e = Canny.opencv(p, h: 16, w: 16, low: 50, high: 150)
        // cv2.Canny gives column 7 on every row (the tie with column 8 goes to the left pixel).
        for y in 0..<16 { XCTAssertEqual((0..<16).filter { e[y * 16 + $0] }, [7], "row \(y)") }
        XCTAssertFalse(Canny.opencv([Double](repeating: 90, count: 256), h: 16, w: 16, low: 50, high: 150).contains(true))
        // skimage keeps both pixels of the symmetric two-pixel ridge (ties pass its ≤ test):
        // feature.canny gives columns 7 and 8 on rows 1…14 and nothing on the outer ring.
        let s = Canny.skimage(p.map { $0 / 200 }, h: 16, w: 16)
        for y in 1..<15 { XCTAssertEqual((0..<16).filter { s[y * 16 + $0] }, [7, 8], "row \(y)") }
        XCTAssertFalse(s[0 * 16 + 7] || s[15 * 16 + 8])
        XCTAssertFalse(s[0 * 16 + 8], "skimage leaves the outer ring empty")
    }
}
