import XCTest
import EdgeCore
import EdgeFloat
@testable import EdgeInformation
@testable import EdgeModel

/// Integrated Gradients' completeness, Grad-CAM and its upsampling on hand-computed nets and
/// maps, the discrepancy measures on hand-computed arrays, SmoothGrad's noise keying.
final class SaliencyTests: XCTestCase {
    /// conv 3@3×3 → ReLU → max-pool → dense: piecewise linear, so the right Riemann sum tends
    /// to f_c(x) − f_c(0) as M grows (completeness), with an error that shrinks like 1/M.
    func testIntegratedGradientsCompleteness() throws {
        let net = try TinyNets.make([Node(.conv2d(outChannels: 3, kernel: 3, stride: 1, padding: 1), [0], name: "c"),
                                     Node(.relu, [1], name: "r"), Node(.maxPool(kernel: 2, stride: 2), [2], name: "p"),
                                     Node(.flatten, [3], name: "f"), Node(.dense(outFeatures: 4), [4], name: "d")],
                                    input: [1, 6, 6], seed: 11)
        let b = 3, x = TinyNets.inputs(b * 36, seed: 12), classes = [0, 2, 3]
        let fx = net.forward(x, batch: b).logits, f0 = net.forward([Float](repeating: 0, count: x.count), batch: b).logits
        var errors: [Double] = []
        for m in [2, 8, 32, 128, 512, 2048] {
            let ig = Saliency.integratedGradients(net, x: x, batch: b, classes: classes, steps: m)
            var worst = 0.0
            for n in 0..<b {
                let gap = Double(fx[n * 4 + classes[n]] - f0[n * 4 + classes[n]])
                let sum = ig[(n * 36)..<((n + 1) * 36)].reduce(0.0) { $0 + Double($1) }
                worst = max(worst, abs(sum - gap) / abs(gap))
                XCTAssertGreaterThan(abs(gap), 0.05, "a flat logit would not test completeness")
            }
            errors.append(worst)
        }
        XCTAssertLessThan(errors.last!, 1e-3, "completeness at M = 2048: \(errors)")
        for i in 1..<errors.count { XCTAssertLessThan(errors[i], errors[i - 1], "the error shrinks with M: \(errors)") }
        // About 1/M (measured 0.29 at M = 2, 0.0025 at M = 512): a coarse sum is far off, so convergence is tested.
        XCTAssertGreaterThan(errors[0], 100 * errors.last!, "\(errors)")
    }

    /// input [1, 2, 2] → 1×1 conv (weights 1, −1; biases 0, 0.5) → ReLU → flatten → dense(2):
    /// A⁰ = x, A¹ = max(0.5 − x, 0), ∂f_c/∂A = the dense row, so α and the map are by hand.
    func testGradCAMOnAHandNet() throws {
        let g = Graph(inputShape: [1, 2, 2], nodes: [Node(.input, [], name: "in"),
                                                      Node(.conv2d(outChannels: 2, kernel: 1, stride: 1, padding: 0), [0], name: "conv"),
                                                      Node(.relu, [1], name: "relu"), Node(.flatten, [2], name: "flat"),
                                                      Node(.dense(outFeatures: 2), [3], name: "fc")])
        let params: [[Tensor]] = [[], [Tensor(shape: [2, 1, 1, 1], data: [1, -1]), Tensor(shape: [2], data: [0, 0.5])], [], [],
                                  [Tensor(shape: [2, 8], data: [1, 2, 3, 4, -1, -1, -1, -1, -4, 0, 0, 0, 2, 2, 2, 2]), Tensor(shape: [2], data: [0.3, -0.2])]]
        let net = try FloatNetwork(Model(graph: g, parameters: params, metadata: ModelMetadata(classNames: ["a", "b"])))
        XCTAssertEqual(GradCAM.layer(net), 2, "the convolution's rectified output")
        let x: [Float] = [0.2, 0.4, 0.6, 0.8]
        // Class 0: α = (2.5, −1); A⁰ = x, A¹ = (0.3, 0.1, 0, 0): ReLU(2.5A⁰ − A¹).
        // Class 1: α = (−1, 2): ReLU(−A⁰ + 2A¹) = (0.4, 0, 0, 0).
        let cam = GradCAM.maps(net, x: x + x, batch: 2, classes: [0, 1])
        let want: [Float] = [0.2, 0.9, 1.5, 2.0, 0.4, 0, 0, 0]
        for (a, w) in zip(cam, want) { XCTAssertEqual(a, w, accuracy: 1e-6) }
    }

    /// 2 × 2 → 4 × 4 with half-pixel centres, by hand (PyTorch's align_corners=False gives the same).
    func testBilinearUpsampling() {
        let up = GradCAM.upsample([0, 1, 2, 3], from: (2, 2), to: (4, 4))
        let want: [Float] = [0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3]
        for (a, w) in zip(up, want) { XCTAssertEqual(a, w, accuracy: 1e-6) }
        XCTAssertEqual(GradCAM.upsample([1, 5, 7, 2, 4, 9], from: (2, 3), to: (2, 3)), [1, 5, 7, 2, 4, 9], "same size is the identity")
    }

    /// ℓ1 of ℓ1-normalised maps on small arrays.
    func testL1Discrepancy() {
        // (0.25, −0.25, 0.5, 0) vs (0.5, 0, 0.5, 0).
        XCTAssertEqual(SaliencyDiscrepancy.l1([1, -1, 2, 0], [2, 0, 2, 0]), 0.5, accuracy: 1e-12)
        XCTAssertEqual(SaliencyDiscrepancy.l1([1, -1, 2, 0], [3, -3, 6, 0]), 0, accuracy: 1e-12, "scale does not count")
        XCTAssertEqual(SaliencyDiscrepancy.l1([1, -1, 2, 0], [-1, 1, -2, 0]), 2, accuracy: 1e-12, "opposite maps are 2 apart")
        XCTAssertEqual(SaliencyDiscrepancy.l1([0, 0, 0], [0, 4, 0]), 1)
        XCTAssertEqual(SaliencyDiscrepancy.l1([0, 0], [0, 0]), 0)
    }

    /// τ_b with and without ties, undefined for a constant side, and on the top-k union.
    func testKendallTau() throws {
        // One discordant pair of six.
        XCTAssertEqual(try XCTUnwrap(SaliencyDiscrepancy.kendallTauB([1, 2, 3, 4], [1, 3, 2, 4])), 4.0 / 6.0, accuracy: 1e-12)
        // Concordant 4, discordant 0, one pair tied in each: 4/√(5·5).
        XCTAssertEqual(try XCTUnwrap(SaliencyDiscrepancy.kendallTauB([1, 2, 2, 3], [1, 2, 3, 3])), 0.8, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(SaliencyDiscrepancy.kendallTauB([1, 2, 3], [3, 2, 1])), -1, accuracy: 1e-12)
        XCTAssertNil(SaliencyDiscrepancy.kendallTauB([1, 2, 3], [5, 5, 5]))
        XCTAssertEqual(SaliencyDiscrepancy.topK(pixels: 784, fraction: 0.1), 79)
        XCTAssertEqual(SaliencyDiscrepancy.topK(pixels: 10, fraction: 0.001), 1)
        // k = 2: top |a| = {0, 1}, top |b| = {1, 2}; on {0, 1, 2}: |a| = (0.9, 0.8, 0.1), |b| = (0.1, 0.7, 0.6):
        // pairs (0,1) and (0,2) discordant, (1,2) concordant → −1/3.
        let a: [Float] = [0.9, -0.8, 0.1, 0, 0.5, 0.05, 0.2, 0.3, 0, 0.01]
        let b: [Float] = [0.1, 0.7, -0.6, 0, 0, 0, 0.2, 0, 0.3, 0]
        XCTAssertEqual(SaliencyDiscrepancy.top(a, k: 2), [0, 1])
        XCTAssertEqual(try XCTUnwrap(SaliencyDiscrepancy.kendallTopK(a, b, fraction: 0.2)), -1.0 / 3.0, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(SaliencyDiscrepancy.kendallTopK(a, a, fraction: 0.2)), 1, accuracy: 1e-12)
    }

    /// An image's SmoothGrad noise depends on its stream only (not on its batch or the thread
    /// count), so a map is the same alone or batched; another seed gives another map.
    func testSmoothGradNoiseIsKeyedByImage() throws {
        let net = try TinyNets.make([Node(.flatten, [0], name: "f"), Node(.dense(outFeatures: 5), [1], name: "d1"),
                                     Node(.relu, [2], name: "r"), Node(.dense(outFeatures: 3), [3], name: "d2")], input: [1, 3, 3], seed: 5)
        let x = TinyNets.inputs(18, seed: 6)
        let both = Saliency.smoothGrad(net, x: x, batch: 2, classes: [1, 2], samples: 6, sigma: 0.2, seed: 9, streams: [40, 41], keepNoise: true)
        let second = Saliency.smoothGrad(net, x: Array(x[9...]), batch: 1, classes: [2], samples: 6, sigma: 0.2, seed: 9, streams: [41])
        XCTAssertEqual(Array(both.map[9...]), second.map)
        XCTAssertNotEqual(Saliency.smoothGrad(net, x: x, batch: 2, classes: [1, 2], samples: 6, sigma: 0.2, seed: 10, streams: [40, 41]).map, both.map)
        // The kept noise is the generator's stream, sample by sample: its first value by hand.
        var rng = Saliency.noiseGenerator(seed: 9, stream: 41)
        XCTAssertEqual(both.noise?[6 * 9], Float(0.2 * rng.nextGaussian()))
        // The mean gradient over the kept noisy copies, recomputed one copy at a time.
        var mean = [Double](repeating: 0, count: 9)
        for s in 0..<6 {
            let noisy = (0..<9).map { x[9 + $0] + both.noise![(6 + s) * 9 + $0] }
            let g = Saliency.logitGradients(net, x: noisy, batch: 1, classes: [2]).gradient
            for t in 0..<9 { mean[t] += Double(g[t]) / 6 }
        }
        for t in 0..<9 { XCTAssertEqual(Double(second.map[t]), mean[t], accuracy: 1e-6) }
    }
}
