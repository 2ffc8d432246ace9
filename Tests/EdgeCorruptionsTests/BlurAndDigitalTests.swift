import XCTest
import EdgeCore
@testable import EdgeCorruptions

/// Motion, glass and zoom blur, pixelate and elastic transform against their definitions.
final class BlurAndDigitalTests: XCTestCase {
    func testMotionBlurKeepsConstantsAndMatchesTheTapFormulaAtZeroDegrees() throws {
        for level in 1...5 {
            var g = SeededGenerator(seed: UInt64(level))
            let y = try Corruption.motionBlur.apply(TestImages.flat(0.35, c: 3, side: 32), channels: 3, height: 32, width: 32, level: level, rng: &g)
            XCTAssertEqual(Double(y.min()!), 0.35, accuracy: 1e-6)
            XCTAssertEqual(Double(y.max()!), 0.35, accuracy: 1e-6)
        }
        // At 0° tap i reads i columns to the right (⌈i − ½⌉ = i), clamped at the edge.
        var p = [Double](repeating: 0, count: 28 * 28)
        for i in p.indices { p[i] = Double((i * 31) % 17) / 16 }
        let out = Corruption.motionBlurPlane(p, h: 28, w: 28, radius: 6, sigma: 2, degrees: 0)
        let k = (0..<13).map { exp(-Double($0 * $0) / 8) }, ks = k.reduce(0, +)
        for (y, x) in [(0, 0), (5, 20), (27, 27), (13, 14)] {
            let want = (0..<13).reduce(0.0) { $0 + k[$1] / ks * p[y * 28 + min(x + $1, 27)] }
            XCTAssertEqual(out[y * 28 + x], want, accuracy: 1e-12)
        }
        // At 90° the trail runs down the rows instead.
        let down = Corruption.motionBlurPlane(p, h: 28, w: 28, radius: 6, sigma: 2, degrees: 90)
        let want = (0..<13).reduce(0.0) { $0 + k[$1] / ks * p[min(4 + $1, 27) * 28 + 9] }
        XCTAssertEqual(down[4 * 28 + 9], want, accuracy: 1e-12)
    }

    /// Without blur, one δ = 1 sweep (rows and columns 27 down to 2, offsets −1 or 0) gives
    /// each swept pixel the clean value of itself or its left, upper or upper-left
    /// neighbour (the sweep has not reached those yet); rows and columns 0 and 1 keep theirs.
    func testGlassBlurWithoutBlurCopiesFromAnUpperLeftNeighbour() {
        let x = (0..<(28 * 28)).map { Float(($0 * 7) % 251) / 255 }
        var g = SeededGenerator(seed: 3)
        let y = Corruption.glassBlur(TestImages.planes(x), (0, 1, 1), rng: &g).floats()
        var moved = 0
        for h in 0..<28 { for w in 0..<28 {
            let v = y[h * 28 + w]
            if h < 2 || w < 2 { XCTAssertEqual(v, x[h * 28 + w]); continue }
            let candidates = [(0, 0), (0, -1), (-1, 0), (-1, -1)].map { x[(h + $0.0) * 28 + w + $0.1] }
            XCTAssert(candidates.contains(v), "(\(h), \(w))")
            if v != x[h * 28 + w] { moved += 1 }
        } }
        // Three of the four offsets move the pixel: about 3/4 of 26² = 507.
        XCTAssert((420...590).contains(moved), "\(moved) pixels moved")
        // Constant images stay constant at every level (Gaussian and swaps both preserve them).
        for level in 1...5 {
            var g = SeededGenerator(seed: 1)
            let c = try! Corruption.glassBlur.apply(TestImages.flat(100.0 / 255), channels: 1, height: 28, width: 28, level: level, rng: &g)
            XCTAssertEqual(Double(c.max()!), 100.0 / 255, accuracy: 1e-6)
        }
    }

    func testClippedZoomMatchesLinearInterpolationOfTheCentreCrop() {
        let p = (0..<(28 * 28)).map { Double(($0 * 13) % 29) / 28 }
        XCTAssertEqual(PlaneFilters.clippedZoom(p, h: 28, w: 28, factor: 1), p)
        // z = 2: crop 14 rows from 7, enlarged to 28; output o reads 7 + o·13/27.
        let z = PlaneFilters.clippedZoom(p, h: 28, w: 28, factor: 2)
        func lin(_ s: Double, _ read: (Int) -> Double) -> Double {
            let i = Int(s), f = s - Double(i)
            return (1 - f) * read(i) + f * read(min(i + 1, 27))
        }
        for (y, x) in [(0, 0), (27, 27), (10, 3), (14, 20)] {
            let sy = 7 + Double(y) * 13 / 27, sx = 7 + Double(x) * 13 / 27
            let want = lin(sy) { r in lin(sx) { c in p[r * 28 + c] } }
            XCTAssertEqual(z[y * 28 + x], want, accuracy: 1e-12)
        }
        var g = SeededGenerator(seed: 1)
        let flat = try! Corruption.zoomBlur.apply(TestImages.flat(0.6), channels: 1, height: 28, width: 28, level: 5, rng: &g)
        XCTAssertEqual(Double(flat.min()!), 0.6, accuracy: 1e-6)
    }

    func testPixelateIsBlockConstantAndAveragesBlocks() throws {
        let x = try TestImages.fashion(1)[0]
        // 28 → 14 → 28: each 2×2 block becomes its mean (on the uint8 grid).
        let y = Corruption.pixelate(TestImages.planes(x), factor: 0.5).floats()
        for by in 0..<14 { for bx in 0..<14 {
            let idx = [(0, 0), (0, 1), (1, 0), (1, 1)].map { (2 * by + $0.0) * 28 + 2 * bx + $0.1 }
            let mean = idx.reduce(0.0) { $0 + Double(x[$1]) } / 4
            for i in idx { XCTAssertEqual(Double(y[i]), mean, accuracy: 1.01 / 255) }
            XCTAssertEqual(Set(idx.map { y[$0] }).count, 1, "block \(by),\(bx) is not constant")
        } }
        // At every level the output is the nearest-neighbour enlargement of an s×s image,
        // s = ⌊28·f⌋: pixels mapping to the same small pixel are equal.
        for (level, f) in Corruption.pixelate.parameters(side: 28).enumerated() {
            var g = SeededGenerator(seed: 1)
            let out = try Corruption.pixelate.apply(x, channels: 1, height: 28, width: 28, level: level + 1, rng: &g)
            let s = Int(28 * f)
            let src = (0..<28).map { Int((Double($0) + 0.5) * Double(s) / 28) }
            var seen: [Int: Float] = [:]
            for yy in 0..<28 { for xx in 0..<28 {
                let key = src[yy] * s + src[xx]
                if let v = seen[key] { XCTAssertEqual(v, out[yy * 28 + xx], "level \(level + 1)") } else { seen[key] = out[yy * 28 + xx] }
            } }
            XCTAssertEqual(seen.count, s * s)
        }
    }

    func testElasticWithoutJitterOrFieldIsTheIdentityAndKeepsConstants() throws {
        let x = try TestImages.fashion(1)[0]
        var g = SeededGenerator(seed: 2)
        XCTAssertEqual(Corruption.elastic(TestImages.planes(x), (0, 0, 0), rng: &g).floats(), x)
        // The affine map through three points reproduces them.
        let m = Corruption.affine(from: [(0, 0), (1, 0), (0, 1)], to: [(2, 3), (4, 3), (2, 6)])
        XCTAssertEqual(m, [2, 0, 2, 0, 3, 3])
        for level in 1...5 {
            let flat = try Corruption.elasticTransform.apply(TestImages.flat(0.3, c: 3, side: 32), channels: 3, height: 32, width: 32,
                                                             level: level, rng: &g)
            XCTAssertEqual(Double(flat.max()!), 0.3, accuracy: 1e-6)
            XCTAssertEqual(Double(flat.min()!), 0.3, accuracy: 1e-6)
        }
    }
}
