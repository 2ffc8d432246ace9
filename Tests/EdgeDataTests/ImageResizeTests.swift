import XCTest
import EdgeCore
@testable import EdgeData

final class ImageResizeTests: XCTestCase {
    func image(_ w: Int, _ h: Int, _ c: Int, _ px: [UInt8]) -> Image8 { Image8(width: w, height: h, channels: c, pixels: px) }

    func testConstantImageStaysConstantAtEverySize() {
        // Shrinking, enlarging, mixed, non-integer ratios, grey and RGB.
        for (w, h, c) in [(7, 5, 1), (28, 28, 1), (3, 3, 3)] {
            let src = image(w, h, c, [UInt8](repeating: 173, count: w * h * c))
            for (tw, th) in [(1, 1), (2, 3), (5, 7), (28, 28), (32, 32), (13, 2), (60, 1)] {
                let r = src.resized(width: tw, height: th)
                XCTAssertEqual(r.width, tw)
                XCTAssertEqual(r.height, th)
                XCTAssertEqual(r.channels, c)
                XCTAssertEqual(r.pixels, [UInt8](repeating: 173, count: tw * th * c), "\(w)×\(h)×\(c) → \(tw)×\(th)")
            }
        }
    }

    func testSameSizeIsIdentity() {
        var g = SeededGenerator(seed: 3)
        let px = (0..<(6 * 4 * 3)).map { _ in UInt8(truncatingIfNeeded: g.next()) }
        XCTAssertEqual(image(6, 4, 3, px).resized(width: 6, height: 4), image(6, 4, 3, px))
    }

    func testTwoByTwoToOneIsTheAverage() {
        // (0 + 1 + 2 + 4) / 4 = 1.75 → 2; (10 + 20 + 30 + 41) / 4 = 25.25 → 25.
        XCTAssertEqual(image(2, 2, 1, [0, 1, 2, 4]).resized(width: 1, height: 1).pixels, [2])
        XCTAssertEqual(image(2, 2, 1, [10, 20, 30, 41]).resized(width: 1, height: 1).pixels, [25])
        // RGB: per channel.
        XCTAssertEqual(image(2, 2, 3, [0, 100, 8, 4, 100, 8, 8, 100, 8, 12, 100, 9]).resized(width: 1, height: 1).pixels, [6, 100, 8])
    }

    func testAreaShrinkWeighsCoveredFractions() {
        // 3 → 2: output 0 covers [0, 1.5): p0 + p1/2 over 1.5; output 1 covers [1.5, 3).
        let r = image(3, 1, 1, [0, 30, 90]).resized(width: 2, height: 1)
        XCTAssertEqual(r.pixels, [10, 70])  // (0 + 15) / 1.5 = 10; (15 + 90) / 1.5 = 70
    }

    func testBilinearEnlargeUsesPixelCentres() {
        // 2 → 4: centres at −0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1).
        XCTAssertEqual(image(2, 1, 1, [0, 100]).resized(width: 4, height: 1).pixels, [0, 25, 75, 100])
        // Vertical axis the same way.
        XCTAssertEqual(image(1, 2, 1, [0, 100]).resized(width: 1, height: 4).pixels, [0, 25, 75, 100])
    }

    func testFolderLoadResizesOnlyWhenAsked() throws {
        let dir = NSTemporaryDirectory() + "edge-audit-resize-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/a", withIntermediateDirectories: true)
        try Data(try ImageCodec.encodePNG(image(8, 8, 1, [UInt8](repeating: 90, count: 64)))).write(to: URL(fileURLWithPath: dir + "/a/big.png"))
        try Data(try ImageCodec.encodePNG(image(4, 4, 1, [UInt8](repeating: 7, count: 16)))).write(to: URL(fileURLWithPath: dir + "/a/fit.png"))
        let plain = try ImageFolder.load(dir, classNames: ["a"], shape: (1, 4, 4))
        XCTAssertEqual(plain.images.count, 1)
        XCTAssertEqual(plain.skipped.map(\.path), [dir + "/a/big.png"])
        XCTAssertEqual(plain.resized, [:])
        let r = try ImageFolder.load(dir, classNames: ["a"], shape: (1, 4, 4), resize: true)
        XCTAssertEqual(r.images.count, 2)
        XCTAssertEqual(r.skipped, [])
        XCTAssertEqual(r.resized, ["8×8": 1])
        XCTAssertEqual(Array(r.images.pixels[0..<16]), [UInt8](repeating: 90, count: 16))
        XCTAssertEqual(Array(r.images.pixels[16..<32]), [UInt8](repeating: 7, count: 16))
    }
}
