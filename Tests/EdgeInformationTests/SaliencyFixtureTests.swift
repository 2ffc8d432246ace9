import XCTest
import EdgeCore
import EdgeFloat
@testable import EdgeInformation
@testable import EdgeModel

/// Our IG, SmoothGrad and Grad-CAM of models/fashion-lenet5.bin against PyTorch's float64
/// autograd maps of the same images, stored by scripts/check_saliency.py --fixture in
/// Tests/Fixtures/saliency/fashion-lenet5.json. SmoothGrad's reference was computed on the
/// noise edge-audit drew for the run's images 0, 1, 2, so the same seed and streams must
/// reproduce that noise here.
final class SaliencyFixtureTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    func testMapsMatchPyTorch() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.root + "/Tests/Fixtures/saliency/fashion-lenet5.json"))
        let doc = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let net = try FloatNetwork(try ModelFile.read(Self.root + "/models/fashion-lenet5.bin"))
        let images = try XCTUnwrap(doc["images"] as? [[String: Any]])
        XCTAssertEqual(images.count, 3)
        let pixels = try images.flatMap { try XCTUnwrap($0["pixels"] as? [Int]) }
        let x = pixels.map { Float($0) * (1 / 255) }
        let classes = try images.map { try XCTUnwrap($0["class"] as? Int) }
        let steps = try XCTUnwrap(doc["ig_steps"] as? Int), samples = try XCTUnwrap(doc["smoothgrad_samples"] as? Int)
        let sigma = try XCTUnwrap(doc["smoothgrad_sigma"] as? Double), seed = try XCTUnwrap(doc["smoothgrad_seed"] as? Int)
        let ours: [String: [Float]] = [
            "ig": Saliency.integratedGradients(net, x: x, batch: 3, classes: classes, steps: steps),
            "smoothgrad": Saliency.smoothGrad(net, x: x, batch: 3, classes: classes, samples: samples, sigma: sigma, seed: UInt64(seed),
                                              streams: [0, 1, 2]).map,
            "gradcam": GradCAM.maps(net, x: x, batch: 3, classes: classes),
        ]
        for (method, mine) in ours {
            for (n, image) in images.enumerated() {
                let ref = try XCTUnwrap(image[method] as? [Double], method)
                XCTAssertEqual(ref.count, 784)
                let peak = ref.map(abs).max() ?? 0
                XCTAssertGreaterThan(peak, 1e-3, "\(method) image \(n): a zero map would not test anything")
                let err = zip(mine[(n * 784)..<((n + 1) * 784)], ref).map { abs(Double($0) - $1) }.max() ?? .infinity
                XCTAssertLessThanOrEqual(err / peak, 1e-4, "\(method) image \(n): max |ours − PyTorch| / max |PyTorch|")
            }
        }
    }
}
