import XCTest
import EdgeCore
@testable import EdgeCorruptions

/// MNIST-C's rotate, shear, scale and translate against their definitions.
final class GeometricTests: XCTestCase {
    func testRotatingByAQuarterTurnFourTimesIsTheIdentity() throws {
        let x = try TestImages.fashion(1)[0]
        var p = TestImages.planes(x)
        let once = Corruption.rotate(p, angle: Double.pi / 2).floats()
        // A quarter turn about 13.5: output (x, y) reads input (27 − y, x).
        for yy in 0..<28 { for xx in 0..<28 { XCTAssertEqual(once[yy * 28 + xx], x[xx * 28 + 27 - yy], accuracy: 1e-6) } }
        for _ in 0..<4 { p = Corruption.rotate(p, angle: Double.pi / 2) }
        XCTAssertEqual(p.floats().enumerated().map { abs($0.element - x[$0.offset]) }.max()!, 0, accuracy: 1e-6)
        let rgb = TestImages.planes(TestImages.rgb32(), c: 3, side: 32)
        var r = rgb
        for _ in 0..<4 { r = Corruption.rotate(r, angle: -Double.pi / 2) }
        XCTAssertEqual(zip(r.floats(), rgb.floats()).map { abs($0 - $1) }.max()!, 0, accuracy: 1e-6)
    }

    func testTranslateMovesEveryPixelAndConservesTheContent() throws {
        let x = try TestImages.fashion(1)[0]
        for level in 1...5 {
            var g = SeededGenerator(seed: UInt64(level)), copy = g
            let y = try Corruption.translate.apply(x, channels: 1, height: 28, width: 28, level: level, rng: &g)
            let dx = level * Int(Corruption.randomSign(&copy)), dy = level * Int(Corruption.randomSign(&copy))
            for yy in 0..<28 { for xx in 0..<28 {
                let (sy, sx) = (yy + dy, xx + dx)
                let want: Float = sy >= 0 && sy < 28 && sx >= 0 && sx < 28 ? x[sy * 28 + sx] : 0
                XCTAssertEqual(y[yy * 28 + xx], want)
            } }
        }
        // A blob away from the border keeps its mass exactly.
        var blob = [Float](repeating: 0, count: 784)
        for yy in 10..<16 { for xx in 9..<17 { blob[yy * 28 + xx] = Float(yy + xx) / 40 } }
        let moved = Corruption.translate(TestImages.planes(blob), dx: -5, dy: 5).floats()
        XCTAssertEqual(moved.reduce(0, +), blob.reduce(0, +), accuracy: 1e-5)
    }

    func testScaleShrinksAboutTheCentre() {
        var square = [Float](repeating: 0, count: 784)
        for yy in 4..<24 { for xx in 4..<24 { square[yy * 28 + xx] = 1 } }
        for f in [0.9, 0.7, 0.5] {
            let y = Corruption.scale(TestImages.planes(square), f).floats()
            let mass = Double(y.reduce(0, +)), want = 400 * f * f
            XCTAssertEqual(mass, want, accuracy: 0.1 * want, "factor \(f)")
            XCTAssertEqual(y[13 * 28 + 13], 1)
            // Outside the shrunk square [13.5 ± 10f] nothing remains.
            for yy in 0..<28 { for xx in 0..<28 where abs(Double(xx) - 13.5) > 10 * f + 1 || abs(Double(yy) - 13.5) > 10 * f + 1 {
                XCTAssertEqual(y[yy * 28 + xx], 0)
            } }
        }
    }

    /// Horizontal stripes have no x dependence, so a horizontal shear only rescales them
    /// vertically by cos s about the centre: every interior row stays constant along x.
    func testShearOfHorizontalStripesKeepsRowsConstant() {
        let stripes = (0..<784).map { Float(($0 / 28) % 4 < 2 ? 0.8 : 0.1) }
        let y = Corruption.shear(TestImages.planes(stripes), 0.6).floats()
        for yy in 0..<28 {
            let row = (9..<19).map { y[yy * 28 + $0] }
            XCTAssertEqual(row.max()! - row.min()!, 0, accuracy: 1e-5, "row \(yy)")
            let sy = cos(0.6) * Double(yy) + 13.5 * (1 - cos(0.6))
            let i = Int(sy), f = Float(sy - Double(i))
            XCTAssertEqual(row[0], (1 - f) * stripes[i * 28] + f * stripes[min(i + 1, 27) * 28], accuracy: 1e-5)
        }
        // Vertical structure leans: a column at the top moves the other way from one at the bottom.
        var bar = [Float](repeating: 0, count: 784)
        for yy in 0..<28 { bar[yy * 28 + 14] = 1 }
        let s = Corruption.shear(TestImages.planes(bar), 0.4).floats()
        func peak(_ row: Int) -> Int { (0..<28).max { s[row * 28 + $0] < s[row * 28 + $1] }! }
        XCTAssertLessThan(peak(2), peak(25))
    }
}
