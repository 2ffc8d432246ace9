import XCTest
import Foundation
import EdgeCore
import EdgeData
@testable import EdgeQuant

/// The pixel-buffer API against the LabeledImages one it replaces: the same int8 logits and
/// node outputs, image for image, from planar and grey buffers of the shipped ResNet-8.
final class PixelBufferRunTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func testPixelBuffersAgreeWithLabeledImagesInBothLayouts() throws {
        let loaded = try QuantizedModelFile.read(Self.root.appendingPathComponent("models/fashion-resnet8-q.bin").path)
        let net = try IntegerNetwork(try XCTUnwrap(loaded.int8))
        let (c, h, w) = (1, 28, 28)
        XCTAssertEqual(net.imageSize, c * h * w)
        var rng = SeededGenerator(seed: 15)
        let count = 21
        let pixels = (0..<(count * c * h * w)).map { _ in UInt8(rng.nextInt(below: 256)) }
        let set = LabeledImages(channels: c, height: h, width: w, pixels: pixels, labels: [Int](repeating: 0, count: count),
                                classNames: (0..<10).map { "c\($0)" }, sources: (0..<count).map { "img\($0)" })
        let order = [20, 3, 3, 0, 17, 9, 1, 2, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 18, 19]
        let viaSet = net.run(set, order, keep: true)
        // The same images gathered into a contiguous planar batch, and transposed to HWC.
        let planar = order.flatMap { Array(pixels[($0 * h * w)..<(($0 + 1) * h * w)]) }
        let viaPlanar = try net.run(pixels: planar, keep: true)
        XCTAssertEqual(viaPlanar.logits, viaSet.logits)
        XCTAssertEqual(viaPlanar.outputs, viaSet.outputs)
        XCTAssertEqual(try net.predict(pixels: planar), net.predict(set, order))
        // Grey images are the same in both layouts (the 3-channel interleaved path is checked
        // against TensorFlow Lite Micro in EdgeImportQuantTests).
        XCTAssertEqual(try net.run(pixels: planar, layout: .hwc).logits, viaSet.logits)
        // Logits must differ between images, or the comparison above proves little.
        XCTAssertGreaterThan(Set(stride(from: 0, to: viaSet.logits.count, by: 10).map { Array(viaSet.logits[$0..<($0 + 10)]) }).count, 10)
    }

    func testPartialImageIsRefused() throws {
        let loaded = try QuantizedModelFile.read(Self.root.appendingPathComponent("models/fashion-lenet5-q.bin").path)
        let net = try IntegerNetwork(try XCTUnwrap(loaded.int8))
        XCTAssertThrowsError(try net.run(pixels: [UInt8](repeating: 0, count: 28 * 28 + 1))) { e in
            guard case EdgeError.badData(_, let reason)? = e as? EdgeError else { return XCTFail("\(e)") }
            XCTAssertTrue(reason.contains("785 pixels"), reason)
        }
        XCTAssertEqual(try net.run(pixels: []).logits, [])
    }
}
