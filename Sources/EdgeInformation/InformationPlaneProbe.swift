import EdgeAttacks
import EdgeCore
import EdgeData
import EdgeFloat
import EdgeMetrics
import EdgeModel
import Foundation

/// Measures information planes of a float net during training, with the audit MI stage's
/// conventions so that the last epoch equals `edge-audit mi` on the saved model: the same
/// sample (i·count/N for i < N), probes at the quantiser's fused-group outputs (where the
/// int8 net also has a value), batches of 100, the same PGD streams and uint8 snapping.
public struct InformationPlaneProbe {
    /// Settings, with `layers`, `classes` and `sampleCount` filled in.
    public private(set) var settings: InformationPlaneSettings
    let sample: LabeledImages
    let probes: [(name: String, node: Int)]

    /// The batch of the audit's MI stage: float forward passes on the same partitions.
    static let batch = 100

    /// A probe of `graph` on `test`, sampling `settings.samples` images.
    public init(graph: Graph, test: LabeledImages, settings: InformationPlaneSettings) throws {
        let m = min(settings.samples, test.count)
        guard m >= 2 else { throw EdgeError.usage("--mi-samples: the information planes need at least 2 test images, the test set has \(test.count)") }
        sample = test.subset((0..<m).map { $0 * test.count / m })
        probes = Self.probes(graph)
        var s = settings
        s.layers = probes.map(\.name)
        s.classes = test.classNames.count
        s.sampleCount = m
        self.settings = s
    }

    /// The float node at each int8 layer's output, named as the int8 node: every conv or
    /// dense layer with its sole-consumer batch norm (convolutions only) and ReLU folded in,
    /// as `Quantizer` groups them.
    public static func probes(_ g: Graph) -> [(name: String, node: Int)] {
        var consumers = [[Int]](repeating: [], count: g.nodes.count)
        for (i, n) in g.nodes.enumerated() { for j in n.inputs { consumers[j].append(i) } }
        func sole(_ i: Int) -> Int? { consumers[i].count == 1 ? consumers[i][0] : nil }
        return g.nodes.indices.compactMap { i in
            var tail = i
            switch g.nodes[i].op {
            case .conv2d:
                if let c = sole(i), case .batchNorm = g.nodes[c].op { tail = c }
            case .dense: break
            default: return nil
            }
            if let c = sole(tail), g.nodes[c].op == .relu { tail = c }
            return (g.nodes[tail].name, tail)
        }
    }

    /// The estimates of `net` after `epoch`, with the trainer's `testAccuracy`.
    public func measure(net: FloatNetwork, epoch: Int, testAccuracy: Double) -> EpochInformation {
        let n = sample.count
        var inputs: [String: [String: LayerInformation]] = [:]
        for kind in settings.inputs {
            let images = kind == "pgd" ? adversarial(net) : sample
            var acts = [[Float]](repeating: [], count: probes.count)
            for b in Parallel.chunks(n, size: Self.batch) {
                let pass = net.forward(images.floatBatch(Array(b)).data, batch: b.count)
                for (pi, p) in probes.enumerated() { acts[pi] += pass.outputs[p.node] }
            }
            var layers: [String: LayerInformation] = [:]
            for (pi, p) in probes.enumerated() {
                let e = MutualInformation.estimate(acts[pi], n: n, d: acts[pi].count / n, labels: sample.labels,
                                                   sigma2: settings.sigma2, binSize: settings.binSize)
                layers[p.name] = LayerInformation(e)
            }
            inputs[kind] = layers
        }
        let fisher = FisherInformation.measure(net: net, x: sample.floatBatch(Array(0..<n)).data, batch: n)
        return EpochInformation(epoch: epoch, testAccuracy: testAccuracy,
                                fisherFrobeniusMean: fisher.reduce(0) { $0 + $1.frobenius } / Double(n), inputs: inputs)
    }

    /// PGD-L∞ examples of the sample on `net`, snapped to uint8, with the MI stage's streams.
    func adversarial(_ net: FloatNetwork) -> LabeledImages {
        let n = sample.count, e = Float(settings.eps), steps = settings.pgdSteps
        var adv = [UInt8](repeating: 0, count: sample.pixels.count)
        for (bi, b) in Parallel.chunks(n, size: Self.batch).enumerated() {
            var rng = SeededGenerator(seed: settings.seed, stream: 0x4D49, UInt64(bi))
            let idx = Array(b)
            let a = GradientAttacks.pgd(net, x: sample.floatBatch(idx).data, labels: idx.map { sample.labels[$0] }, eps: e,
                                        stepSize: 2.5 * e / Float(max(steps, 1)), steps: steps, rng: &rng)
            let lo = b.lowerBound * sample.imageSize, hi = b.upperBound * sample.imageSize
            for (k, v) in PixelGrid.snap(adversarial: a, clean: Array(sample.pixels[lo..<hi])).enumerated() { adv[lo + k] = v }
        }
        return sample.withPixels(adv, labels: sample.labels)
    }
}
