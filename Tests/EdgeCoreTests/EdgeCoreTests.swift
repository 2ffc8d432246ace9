import XCTest
@testable import EdgeCore

final class EdgeCoreTests: XCTestCase {
    func testCRC32KnownAnswers() {
        // The standard check value of CRC-32/ISO-HDLC, and the empty message.
        XCTAssertEqual(CRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926)
        XCTAssertEqual(CRC32.checksum([UInt8]()), 0)
        XCTAssertEqual(CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)), 0x414F_A339)
    }

    func testGeneratorIsReproducibleAndStreamsAreIndependent() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42), c = SeededGenerator(seed: 43)
        let xa = (0..<100).map { _ in a.next() }
        XCTAssertEqual(xa, (0..<100).map { _ in b.next() })
        XCTAssertNotEqual(xa, (0..<100).map { _ in c.next() })
        var s1 = SeededGenerator(seed: 7, stream: 1, 2), s2 = SeededGenerator(seed: 7, stream: 2, 1)
        XCTAssertNotEqual(s1.next(), s2.next())
    }

    func testUniformAndGaussianMoments() {
        var g = SeededGenerator(seed: 1)
        let n = 200_000
        var su = 0.0, sg = 0.0, sg2 = 0.0
        for _ in 0..<n {
            let u = Double(g.nextFloat())
            XCTAssert(u >= 0 && u < 1)
            su += u
            let z = g.nextGaussian()
            sg += z; sg2 += z * z
        }
        XCTAssertEqual(su / Double(n), 0.5, accuracy: 0.005)
        XCTAssertEqual(sg / Double(n), 0, accuracy: 0.01)
        XCTAssertEqual(sg2 / Double(n), 1, accuracy: 0.02)
    }

    func testShuffleIsAPermutation() {
        var g = SeededGenerator(seed: 9)
        var a = Array(0..<1000)
        g.shuffle(&a)
        XCTAssertNotEqual(a, Array(0..<1000))
        XCTAssertEqual(a.sorted(), Array(0..<1000))
    }

    func testShapeProductRejectsOverflowAndNegatives() {
        XCTAssertEqual(ShapeMath.product([2, 3, 4]), 24)
        XCTAssertNil(ShapeMath.product([Int.max, 2]))
        XCTAssertNil(ShapeMath.product([1 << 32, 1 << 32]))
        XCTAssertNil(ShapeMath.product([3, -1]))
        XCTAssertEqual(ShapeMath.windowOutput(size: 28, kernel: 5, stride: 1, padding: 2), 28)
        XCTAssertEqual(ShapeMath.windowOutput(size: 7, kernel: 2, stride: 2, padding: 0), 3)
        XCTAssertNil(ShapeMath.windowOutput(size: 3, kernel: 5, stride: 1, padding: 0))
    }

    func testByteReaderNeverReadsPastTheEnd() throws {
        var w = ByteWriter()
        w.u32(0xDEAD_BEEF); w.f32(1.5); w.string("hé")
        var r = ByteReader(w.bytes, path: "p", section: "s")
        XCTAssertEqual(try r.u32("a"), 0xDEAD_BEEF)
        XCTAssertEqual(try r.f32("b"), 1.5)
        XCTAssertEqual(try r.string("c"), "hé")
        XCTAssertThrowsError(try r.u8("d")) { e in
            guard case EdgeError.badModel(_, "s", 15, _) = e else { return XCTFail("\(e)") }
        }
        // A count claiming more floats than bytes remain is refused before allocating.
        var r2 = ByteReader([0, 0, 0, 0], path: "p", section: "s")
        XCTAssertThrowsError(try r2.floats(Int(UInt32.max), "w"))
    }

    func testParallelForEachVisitsEveryIndexOnce() {
        Parallel.threads = 2
        var hits = [Int](repeating: 0, count: 1001)
        hits.withUnsafeMutableBufferPointer { h in
            let h = h
            Parallel.forEach(1001) { i in h[i] += 1 }
        }
        XCTAssertEqual(hits, [Int](repeating: 1, count: 1001))
        XCTAssertEqual(Parallel.chunks(10, size: 4), [0..<4, 4..<8, 8..<10])
    }
}
