import XCTest
import Foundation
import EdgeCore
import EdgeData
import EdgeFloat
import EdgeQuant
@testable import EdgeTools

/// `--float-model` on both converter fixtures: the pair's float net is the parent's function
/// (its logits equal the parent's own float engine's within the tolerance on seeded images,
/// checked here independently of `verify`), its int8 net is the file's own, unchanged.
final class FloatParentPairingTests: XCTestCase {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/import").path

    func testConverterPairsMatchTheirParents() throws {
        for m in ["keras_a_1ch", "keras_b_3ch", "keras_c_gaphead"] {
            let int8 = Self.dir + "/\(m)_int8.tflite", parent = Self.dir + "/\(m)_float.tflite"
            let labels = NSTemporaryDirectory() + "labels-\(getpid()).txt"
            try Data((0..<10).map { "c\($0)" }.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: labels))
            defer { try? FileManager.default.removeItem(atPath: labels) }
            var notes: [String] = []
            let pair = try ModelLoading.load(int8, for: "audit", importing: ImportSettings(labels: labels, floatModel: parent), log: { notes.append($0) }).model
            let own = try ModelLoading.load(int8, for: "audit", importing: ImportSettings(labels: labels), log: { _ in }).model
            let p = try ModelLoading.load(parent, for: "audit", importing: ImportSettings(labels: labels), log: { _ in }).model
            XCTAssert(notes.contains { $0.contains("paired with its float parent") }, "\(notes)")
            XCTAssert(pair.int8?.nodes.map(\.op) == own.int8?.nodes.map(\.op), "\(m): the int8 net must be the file's own")
            let s = p.model.graph.inputShape, n = 6
            var rng = SeededGenerator(seed: 5)
            let x = (0..<(n * s[0] * s[1] * s[2])).map { _ in Float(UInt8.random(in: 0...255, using: &rng)) / 255 }
            let want = try FloatNetwork(p.model).forward(x, batch: n).logits
            let got = try FloatNetwork(pair.model).forward(x, batch: n).logits
            let scale = max(1, want.map { abs($0) }.max() ?? 0)
            XCTAssertLessThanOrEqual((zip(got, want).map { abs($0 - $1) }.max() ?? 1) / scale, 1e-5, m)
            // The dequantised twin is a different float net: the pair must not be it.
            XCTAssertNotEqual(try FloatNetwork(own.model).forward(x, batch: n).logits, got, m)
        }
    }
}
