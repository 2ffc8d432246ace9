import XCTest
import Foundation
import EdgeCore
import EdgeFloat
import EdgeModel

/// The executor's exact floats on the shipped models, pinned by SHA-256 digests of their bit
/// patterns. The digests were recorded from the executor before its layers moved into
/// per-layer files (commit 8a56dd4), so any change to the order of a single float operation
/// in forward or backward, in eval or training mode, fails here. When the shipped models were
/// re-made with provenance (issue 18), the digests were re-recorded on the new files by the
/// executor that still matched the 8a56dd4 digests on the old ones. They hold for OpenBLAS's
/// Haswell kernels (scripts/test.sh sets OPENBLAS_CORETYPE=Haswell; other kernel families
/// sum in another order).
final class ShippedModelGoldenTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// 11 images: one full chunk of 8 and a partial one, so chunked reductions are covered.
    static let batch = 11

    func digest(_ v: [Float]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(v.count * 4)
        for x in v { withUnsafeBytes(of: x.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        return String(SHA256.hex(SHA256.digest(bytes)).prefix(16))
    }

    /// Digests of eval logits, eval input gradient, eval parameter gradients, training logits,
    /// training input gradient, training parameter gradients, the updated running statistics, and
    /// logits and input gradient with fake quantisation on every other node.
    func digests(_ file: String) throws -> [String] {
        let model = try ModelFile.read(Self.root.appendingPathComponent("models/\(file)").path)
        let net = try FloatNetwork(model)
        var rng = SeededGenerator(seed: 2026)
        let x = (0..<(Self.batch * net.sizes[0])).map { _ in rng.uniform(0, 1) }
        let r = (0..<(Self.batch * net.classes)).map { _ in rng.uniform(-1, 1) }
        let eval = net.forward(x, batch: Self.batch)
        let ge = net.backward(eval, dLogits: r, parameters: true, input: true)
        let train = net.forward(x, batch: Self.batch, training: true)
        let gt = net.backward(train, dLogits: r, parameters: true, input: true)
        let stats = digest(net.model.parameters.flatMap { $0.flatMap { $0.data } })
        for i in stride(from: 1, to: net.sizes.count, by: 2) { net.fakeQuant[i] = (scale: 0.05, zeroPoint: -3) }
        let fq = net.forward(x, batch: Self.batch)
        let gq = net.backward(fq, dLogits: r, parameters: false, input: true)
        return [digest(eval.logits), digest(ge.input!), digest(ge.parameters.flatMap { $0.flatMap { $0 } }),
                digest(train.logits), digest(gt.input!), digest(gt.parameters.flatMap { $0.flatMap { $0 } }),
                stats, digest(fq.logits), digest(gq.input!)]
    }

    func testLeNet5MatchesRecordedExecutor() throws {
        XCTAssertEqual(try digests("fashion-lenet5.bin"), Self.lenet)
    }

    func testResNet8MatchesRecordedExecutor() throws {
        XCTAssertEqual(try digests("fashion-resnet8.bin"), Self.resnet)
    }

    static let lenet = ["efe52761bd23add7", "48e584fdc7823e36", "9804327ff0d58516", "efe52761bd23add7", "48e584fdc7823e36",
                             "9804327ff0d58516", "6746f68b60bfe38b", "caa60c125fd3f96c", "8e6fedf7ac496814"]
    static let resnet = ["21c3b65daaf9b8f6", "465cd93ea0d7c7d9", "f83be780a30e3d16", "90262455e06cfd40", "a0b95bd109ee454c",
                              "8338afbcf507ea12", "6790fccc090cb8ee", "19b9198e4df39a0b", "2e4071dd72a808da"]
}
