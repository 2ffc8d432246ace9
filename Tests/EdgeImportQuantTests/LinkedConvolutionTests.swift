import EdgeCore
import EdgeData
import EdgeImport
import EdgeImportQuant
import EdgeQuant
import Foundation
import XCTest

/// Layers that write straight into the next one's input image (AVX-512: the input into the
/// first convolution's, each depthwise layer of the imported MobileNet-style net into its
/// pointwise one's u8 image, and each pointwise layer into the next depthwise one's int16
/// image) give the logits of the
/// unlinked run (`keep: true` writes every tensor), of the scalar reference, and the same
/// at batch 1 and at a batch with two threads splitting each layer.
final class LinkedConvolutionTests: XCTestCase {
    func testLinkedConvolutionsGiveTheReferenceLogits() throws {
        let g = try ModelImporter.importGraph(try ImportFixtures.bytes("keras_mobilenet_int8.tflite"), path: "keras_mobilenet_int8")
        let graph = try Int8GraphMapper.map(g, path: "keras_mobilenet_int8").graph
        let auto = try IntegerNetwork(graph, kernels: .auto), ref = try IntegerNetwork(graph, kernels: .reference)
        XCTAssertEqual(ref.linkedLayers, 0, "the reference kernels write every tensor")
        // Each of the four depthwise layers writes into the pointwise layer after it, the stem
        // and the first three pointwise layers into the depthwise layer after each (the last
        // feeds the MEAN), and the input into the stem's image.
        if auto.isaName == "avx512vnni" { XCTAssertEqual(auto.linkedLayers, 9) }
        var rng = SeededGenerator(seed: 5)
        let count = 20
        let pixels = (0..<(count * 28 * 28)).map { _ in UInt8(rng.nextInt(below: 256)) }
        let set = LabeledImages(channels: 1, height: 28, width: 28, pixels: pixels, labels: [Int](repeating: 0, count: count),
                                classNames: (0..<10).map { "c\($0)" }, sources: (0..<count).map { "img\($0)" })
        let saved = Parallel.threads
        defer { Parallel.threads = saved }
        Parallel.threads = 1
        let want = ref.run(set, Array(0..<count)).logits
        XCTAssertEqual(auto.run(set, Array(0..<count)).logits, want, "linked, batch \(count)")
        XCTAssertEqual(auto.run(set, Array(0..<count), keep: true).logits, want, "unlinked (keep)")
        XCTAssertEqual((0..<count).flatMap { auto.run(set, [$0]).logits }, want, "linked, batch 1")
        Parallel.threads = 2
        XCTAssertEqual((0..<count).flatMap { auto.run(set, [$0]).logits }, want, "linked, batch 1, two threads")
        XCTAssertEqual(auto.run(set, Array(0..<count)).logits, want, "linked, batch \(count), two threads")
        // Different images must give different logits, or the equality proves little.
        XCTAssertGreaterThan(Set(stride(from: 0, to: want.count, by: 10).map { Array(want[$0..<($0 + 10)]) }).count, count / 2)
    }
}
