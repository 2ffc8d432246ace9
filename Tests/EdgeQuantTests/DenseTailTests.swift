import XCTest
import Foundation
import EdgeCore
import EdgeData
@testable import EdgeQuant

/// The dense tail run once per chunk of images (IntegerNetwork+DenseTail.swift) against the
/// per-image path (which `keep: true` takes), on the shipped LeNet-5 with both kernel
/// choices: the same int8 logits for full chunks, a short last chunk and single images.
final class DenseTailTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func testChunkedDenseTailGivesThePerImageLogits() throws {
        let loaded = try QuantizedModelFile.read(Self.root.appendingPathComponent("models/fashion-lenet5-q.bin").path)
        let graph = try XCTUnwrap(loaded.int8)
        var rng = SeededGenerator(seed: 9)
        let count = 37  // two full chunks of 16 and a short one of 5
        let pixels = (0..<(count * 28 * 28)).map { _ in UInt8(rng.nextInt(below: 256)) }
        let set = LabeledImages(channels: 1, height: 28, width: 28, pixels: pixels, labels: [Int](repeating: 0, count: count),
                                classNames: (0..<10).map { "c\($0)" }, sources: (0..<count).map { "img\($0)" })
        for kernels in KernelChoice.allCases {
            let net = try IntegerNetwork(graph, kernels: kernels)
            // fc1, fc2, fc3 after the flatten.
            XCTAssertEqual(net.tailStart, graph.nodes.count - 3)
            let order = Array((0..<count).reversed())
            let perImage = net.run(set, order, keep: true).logits
            XCTAssertEqual(net.run(set, order).logits, perImage, "\(kernels)")
            XCTAssertEqual(net.run(set, [5]).logits, Array(perImage[(31 * 10)..<(32 * 10)]), "\(kernels)")
            // Different images must give different logits, or the equality proves little.
            XCTAssertGreaterThan(Set(stride(from: 0, to: perImage.count, by: 10).map { Array(perImage[$0..<($0 + 10)]) }).count, 20)
        }
    }
}
