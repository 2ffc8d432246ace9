import XCTest
import EdgeCore
import EdgeData
@testable import EdgeCorruptions

final class CorruptionTests: XCTestCase {
    func image(_ c: Int = 1, _ side: Int = 28) -> [Float] {
        (0..<(c * side * side)).map { Float(($0 * 37) % 256) / 255 }
    }

    func testSaturationFormulaOnChosenPixels() {
        // v = 0.75, p = 8: t = 0.5, 0.5^(1/4) = 0.840896, ·0.5 + 0.5 = 0.920448.
        XCTAssertEqual(Corruption.saturate(0.75, p: 8), 0.920448, accuracy: 1e-5)
        XCTAssertEqual(Corruption.saturate(0.25, p: 8), 1 - 0.920448, accuracy: 1e-5)
        XCTAssertEqual(Corruption.saturate(0.5, p: 64), 0.5)
        XCTAssertEqual(Corruption.saturate(0.3, p: 2), 0.3, accuracy: 1e-6)   // p = 2 is the identity
        XCTAssertEqual(Corruption.saturate(1, p: 1024), 1)
        XCTAssertEqual(Corruption.saturate(0.6, p: 1024), 0.998431, accuracy: 1e-5) // 0.2^(1/512) = 0.996862; ·.5 + .5
    }

    func testPatchShuffleMovesWholePatches() throws {
        let x = image(3)
        var g = SeededGenerator(seed: 4)
        let y = try Corruption.patchShuffle(x, c: 3, h: 28, w: 28, k: 4, rng: &g)
        XCTAssertEqual(y.sorted(), x.sorted())
        XCTAssertNotEqual(y, x)
        // Every 7×7 output patch equals some input patch, the same one in every channel.
        func patch(_ v: [Float], _ ch: Int, _ p: Int) -> [Float] {
            var out: [Float] = []
            for yy in 0..<7 { for xx in 0..<7 { out.append(v[(ch * 28 + p / 4 * 7 + yy) * 28 + p % 4 * 7 + xx]) } }
            return out
        }
        var used = Set<Int>()
        for p in 0..<16 {
            let src = (0..<16).first { patch(x, 0, $0) == patch(y, 0, p) }
            XCTAssertNotNil(src)
            used.insert(src!)
            for ch in 1..<3 { XCTAssertEqual(patch(y, ch, p), patch(x, ch, src!)) }
        }
        XCTAssertEqual(used.count, 16)
        XCTAssertThrowsError(try Corruption.patchShuffle(x, c: 3, h: 28, w: 28, k: 5, rng: &g)) { e in XCTAssert("\(e)".contains("does not divide")) }
    }

    func testGaussianNoiseMoments() throws {
        let x = [Float](repeating: 0.5, count: 100_000)
        var g = SeededGenerator(seed: 9)
        let y = try Corruption.gaussianNoise.apply(x, channels: 1, height: 100, width: 1000, level: 1, rng: &g)
        let d = zip(y, x).map { Double($0 - $1) }
        let mean = d.reduce(0, +) / Double(d.count)
        let sd = (d.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(d.count)).squareRoot()
        XCTAssertEqual(mean, 0, accuracy: 0.002)
        XCTAssertEqual(sd, 0.08, accuracy: 0.002)
    }

    func testJPEGQuality100StaysCloseOnASmoothImage() throws {
        var x = [Float](repeating: 0, count: 32 * 32)
        for yy in 0..<32 { for xx in 0..<32 { x[yy * 32 + xx] = Float(60 + xx * 3 + yy * 2) / 255 } }
        var g = SeededGenerator(seed: 1)
        // The levels are ImageNet-C's; check the codec path itself at quality 100.
        let img = Image8.fromPlanar(x[...], channels: 1, height: 32, width: 32)
        let back = try ImageCodec.decode(try ImageCodec.encodeJPEG(img, quality: 100), path: "t").planarFloats()
        XCTAssertLessThanOrEqual(zip(back, x).map { abs($0 - $1) }.max() ?? 1, 2.0 / 255 + 1e-6)
        let q7 = try Corruption.jpeg.apply(x, channels: 1, height: 32, width: 32, level: 5, rng: &g)
        XCTAssertGreaterThan(zip(q7, x).map { abs($0 - $1) }.max() ?? 0, 2.0 / 255)
    }

    func testPerImageSeedingIsOrderIndependent() throws {
        let x = image()
        func run(_ i: Int) throws -> [Float] {
            var g = Corruption.generator(seed: 3, corruption: .impulseNoise, level: 2, index: i)
            return try Corruption.impulseNoise.apply(x, channels: 1, height: 28, width: 28, level: 2, rng: &g)
        }
        let a5 = try run(5), a7 = try run(7)
        _ = try run(100)
        XCTAssertEqual(try run(5), a5)
        XCTAssertNotEqual(a5, a7)
    }

    func testEveryCorruptionStaysInRangeOnGrayAndRGB() throws {
        for c in Corruption.allCases {
            for ch in [1, 3] {
                for level in 1...c.parameters(side: 28).count {
                    var g = SeededGenerator(seed: UInt64(level))
                    let y = try c.apply(image(ch), channels: ch, height: 28, width: 28, level: level, rng: &g)
                    XCTAssertEqual(y.count, ch * 784)
                    XCTAssert(y.allSatisfy { $0 >= 0 && $0 <= 1 }, "\(c) level \(level)")
                }
            }
            var g = SeededGenerator(seed: 1)
            XCTAssertThrowsError(try c.apply(image(), channels: 1, height: 28, width: 28, level: 9, rng: &g))
        }
        XCTAssertEqual(Corruption.patchShuffle.parameters(side: 32), [2, 4, 8])
    }
}

final class DefocusTests: XCTestCase {
    func testKernelIsNormalisedAndBlurPreservesConstants() throws {
        for (r, a) in [(0.3, 0.4), (1.5, 0.1), (3, 0.1), (10, 0.5)] {
            let (n, k) = Corruption.defocusKernel(radius: r, alias: a)
            // Inside its frame the disk keeps mass 1; at r = 10 it touches the frame and the
            // reflected Gaussian adds a little, exactly as ImageNet-C's cv2 code does.
            XCTAssertEqual(k.reduce(0, +), 1, accuracy: r <= 8 ? 1e-9 : 0.02)
            XCTAssertEqual(n % 2, 1)
            XCTAssertEqual(k[(n / 2) * n + n / 2], k.max()!, "the centre carries the most weight")
        }
        var g = SeededGenerator(seed: 1)
        let flat = [Float](repeating: 0.4, count: 784)
        let y = try Corruption.defocusBlur.apply(flat, channels: 1, height: 28, width: 28, level: 5, rng: &g)
        XCTAssertEqual(y.map { Double($0) }.max()!, 0.4, accuracy: 1e-6)
        XCTAssertEqual(y.map { Double($0) }.min()!, 0.4, accuracy: 1e-6)
        // A single bright pixel spreads out and keeps its mass.
        var dot = [Float](repeating: 0, count: 784)
        dot[14 * 28 + 14] = 1
        let b = try Corruption.defocusBlur.apply(dot, channels: 1, height: 28, width: 28, level: 4, rng: &g)
        XCTAssertLessThan(b[14 * 28 + 14], 1)
        XCTAssertEqual(b.reduce(0, +), 1, accuracy: 1e-5)
    }
}

final class JPEGBlockTests: XCTestCase {
    /// At quality 7 the 8×8 DCT blocks show: jumps across block boundaries are larger than
    /// steps inside blocks on a smooth ramp (a block-boundary measure).
    func testQuality7ShowsBlockEdges() throws {
        var x = [Float](repeating: 0, count: 32 * 32)
        for y in 0..<32 { for xx in 0..<32 { x[y * 32 + xx] = Float(40 + xx * 5 + y * 2) / 255 } }
        var g = SeededGenerator(seed: 1)
        let q7 = try Corruption.jpeg.apply(x, channels: 1, height: 32, width: 32, level: 5, rng: &g)
        var boundary = 0.0, inside = 0.0, nb = 0.0, ni = 0.0
        for y in 0..<32 { for xx in 0..<31 {
            let d = Double(abs(q7[y * 32 + xx + 1] - q7[y * 32 + xx]))
            if xx % 8 == 7 { boundary += d; nb += 1 } else { inside += d; ni += 1 }
        } }
        XCTAssertGreaterThan(boundary / nb, 1.5 * inside / ni, "boundary \(boundary / nb), inside \(inside / ni)")
    }
}
