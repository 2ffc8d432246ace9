import XCTest
import EdgeCore
@testable import EdgeData

final class ImageCodecTests: XCTestCase {
    func gradient(_ w: Int, _ h: Int, _ c: Int) -> Image8 {
        var px = [UInt8](repeating: 0, count: w * h * c)
        for y in 0..<h { for x in 0..<w { for k in 0..<c { px[(y * w + x) * c + k] = UInt8((x * 9 + y * 5 + k * 40) % 256) } } }
        return Image8(width: w, height: h, channels: c, pixels: px)
    }

    func testPNGRoundTripIsLossless() throws {
        for c in [1, 3] {
            let img = gradient(28, 17, c)
            let png = try ImageCodec.encodePNG(img)
            XCTAssertEqual(ImageCodec.kind(of: png), .png)
            XCTAssertEqual(try ImageCodec.decode(png, path: "x.png"), img)
        }
    }

    func testJPEGHighQualityStaysCloseOnSmoothInput() throws {
        var px = [UInt8](repeating: 0, count: 32 * 32)
        for y in 0..<32 { for x in 0..<32 { px[y * 32 + x] = UInt8(64 + x * 2 + y) } }
        let img = Image8(width: 32, height: 32, channels: 1, pixels: px)
        let jpg = try ImageCodec.encodeJPEG(img, quality: 100)
        let back = try ImageCodec.decode(jpg, path: "x.jpg")
        XCTAssertEqual(back.width, 32)
        XCTAssertEqual(back.channels, 1)
        let maxErr = zip(back.pixels, img.pixels).map { abs(Int($0) - Int($1)) }.max() ?? 0
        XCTAssertLessThanOrEqual(maxErr, 2)
        // Lower quality loses more: a real codec, not a pass-through.
        let low = try ImageCodec.decode(try ImageCodec.encodeJPEG(gradient(32, 32, 1), quality: 5), path: "y.jpg")
        XCTAssertNotEqual(low.pixels, gradient(32, 32, 1).pixels)
    }

    func testEveryPrefixOfAPNGAndJPEGIsATypedError() throws {
        let png = try ImageCodec.encodePNG(gradient(12, 9, 3))
        let jpg = try ImageCodec.encodeJPEG(gradient(12, 9, 3), quality: 80)
        for file in [png, jpg] {
            for n in 0..<file.count {
                XCTAssertThrowsError(try ImageCodec.decode(Array(file[0..<n]), path: "cut")) { e in
                    guard case EdgeError.badData("cut", _) = e else { return XCTFail("prefix \(n): \(e)") }
                }
            }
        }
    }

    func testCorruptBytesAreErrorsNotCrashes() throws {
        let png = try ImageCodec.encodePNG(gradient(20, 20, 1))
        var g = SeededGenerator(seed: 5)
        var failures = 0
        for _ in 0..<300 {
            var b = png
            let i = 8 + g.nextInt(below: b.count - 8)
            b[i] ^= UInt8(1 << g.nextInt(below: 8))
            do { _ = try ImageCodec.decode(b, path: "flip") } catch { failures += 1 }
        }
        XCTAssertGreaterThan(failures, 0)  // CRCs catch most flips
        XCTAssertThrowsError(try ImageCodec.decode(Array("hello, not an image".utf8), path: "t.txt"))
    }

    func testHugeDeclaredSizeIsRejectedBeforeAllocation() throws {
        // A valid PNG header claiming 20000×20000 pixels and nothing else.
        var png = try ImageCodec.encodePNG(gradient(4, 4, 1))
        func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        png.replaceSubrange(16..<20, with: be(20000))
        png.replaceSubrange(20..<24, with: be(20000))
        let crc = CRC32.checksum(png[12..<29])
        png.replaceSubrange(29..<33, with: be(crc))
        XCTAssertThrowsError(try ImageCodec.decode(png, path: "big.png")) { e in
            XCTAssert("\(e)".contains("big.png"), "\(e)")
        }
    }

    func testGrayRGBConversionUsesBT601() {
        let rgb = Image8(width: 2, height: 1, channels: 3, pixels: [255, 0, 0, 10, 200, 30])
        let g = rgb.converted(toChannels: 1)
        // 0.299·255 = 76.2 → 76; 0.299·10 + 0.587·200 + 0.114·30 = 123.81 → 124.
        XCTAssertEqual(g.pixels, [76, 124])
        XCTAssertEqual(g.converted(toChannels: 3).pixels, [76, 76, 76, 124, 124, 124])
    }
}

final class HostileImageTests: XCTestCase {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/hostile/images").path

    func testHugeHeaderIsRejectedBeforeAllocating() throws {
        let b = try AtomicFile.read(Self.dir + "/huge-header.png")
        XCTAssertLessThan(b.count, 100)
        XCTAssertThrowsError(try ImageCodec.decode(b, path: "huge-header.png")) { e in
            XCTAssert("\(e)".contains("huge-header.png"), "\(e)")
        }
    }

    func testThousandsOfProgressiveScansAreRejectedFast() throws {
        let b = try AtomicFile.read(Self.dir + "/many-scans.jpg")
        let t0 = Date()
        XCTAssertThrowsError(try ImageCodec.decode(b, path: "many-scans.jpg")) { e in
            XCTAssert("\(e)".contains("many-scans.jpg"), "\(e)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(t0), 1.0)
    }
}
