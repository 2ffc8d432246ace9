import XCTest
import Foundation
import EdgeCore
import EdgeData
@testable import EdgeQuant

/// One image's layers split over a team of threads (Sources/CEdgeTeam) against the same
/// network on one thread: identical int8 logits on the shipped ResNet-8 (residual adds,
/// 16/32/64-channel convolutions, all split) and LeNet-5 (thin-input and paired paths,
/// the dense tail), under both kernel choices, for batches small enough to take the team.
final class LayerTeamTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func testSplitLayersGiveTheOneThreadLogits() throws {
        let saved = Parallel.threads
        defer { Parallel.threads = saved }
        var rng = SeededGenerator(seed: 21)
        let count = 12
        let pixels = (0..<(count * 28 * 28)).map { _ in UInt8(rng.nextInt(below: 256)) }
        let set = LabeledImages(channels: 1, height: 28, width: 28, pixels: pixels, labels: [Int](repeating: 0, count: count),
                                classNames: (0..<10).map { "c\($0)" }, sources: (0..<count).map { "img\($0)" })
        for name in ["fashion-resnet8-q", "fashion-lenet5-q"] {
            let graph = try XCTUnwrap(try QuantizedModelFile.read(Self.root.appendingPathComponent("models/\(name).bin").path).int8)
            for kernels in KernelChoice.allCases {
                let net = try IntegerNetwork(graph, kernels: kernels)
                Parallel.threads = 1
                let one = (0..<count).flatMap { net.run(set, [$0]).logits }
                let batch = net.run(set, Array(0..<count)).logits
                XCTAssertEqual(batch, one, "\(name) \(kernels): batch vs single images on one thread")
                XCTAssertEqual(net.team.jobs, 0, "no team on one thread")
                for threads in [2, 3] {
                    Parallel.threads = threads
                    XCTAssertEqual((0..<count).flatMap { net.run(set, [$0]).logits }, one, "\(name) \(kernels) \(threads) threads, batch 1")
                    XCTAssertEqual(net.run(set, Array(0..<count)).logits, one, "\(name) \(kernels) \(threads) threads, batch \(count)")
                }
                // ResNet-8: ten convolutions and three adds. The two adds of ≥ 4096 elements
                // split on every ISA; on AVX-512 also the seven convolutions above the size
                // where a split pays (all but the two 1×1 projections and the dense layer);
                // on AVX2, whose threshold is a quarter of that (75k), the projections too
                // (MACs + 24 per output: 250,880 and 175,616); the scalar reference splits only the adds.
                if name == "fashion-resnet8-q" {
                    let (split, all) = net.splitLayers
                    XCTAssertEqual(all, 13)
                    let expected = ["avx512vnni": 9, "avx2": 11][net.isaName] ?? 2
                    XCTAssertEqual(split, expected, "\(kernels) on \(net.isaName)")
                }
                if name == "fashion-resnet8-q" { XCTAssertGreaterThan(net.team.jobs, count, "\(name) \(kernels): the layers were split") }
                // Different images must give different logits, or the equality proves little.
                XCTAssertGreaterThan(Set(stride(from: 0, to: one.count, by: 10).map { Array(one[$0..<($0 + 10)]) }).count, count / 2)
            }
        }
    }
}
