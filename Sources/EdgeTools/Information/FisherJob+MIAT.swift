import EdgeCore
import EdgeData
import EdgeFloat
import EdgeInformation
import EdgeMetrics
import EdgeQuant

/// `fisher --miat`: the natural/adversarial MI estimates beside the Fisher norms.
extension FisherJob {
    /// MIAT's estimates on the measured net: PGD crafted on `crafting` (the float net or the
    /// STE simulation), outputs from the float net or the exact integer `engine`.
    func naturalAdversarialMI(_ set: LabeledImages, crafting: FloatNetwork, engine: IntegerNetwork?) throws -> NaturalAdversarialMI.Result {
        let est = InfoNCEEstimator()
        guard set.count >= 4 * est.batch else { throw EdgeError.usage("--miat needs at least \(4 * est.batch) images, got \(set.count)") }
        let k = crafting.classes
        let probs: (LabeledImages) -> [Float] = { s in
            let idx = Array(0..<s.count)
            let logits = engine.map { $0.dequantizedLogits($0.run(s, idx).logits) } ?? Parallel.chunks(s.count, size: 100).flatMap { b in
                crafting.forward(s.floatBatch(Array(b)).data, batch: b.count).logits
            }
            return CalibrationMetrics.softmax(logits, classes: k).map(Float.init)
        }
        return try NaturalAdversarialMI.measure(
            images: set, noise: NaturalAdversarialMI.noisePixels(images: set, eps: miatEps, seed: 1),
            pgd: NaturalAdversarialMI.pgdPixels(net: crafting, images: set, eps: miatEps, steps: 20, seed: 1),
            eps: miatEps, classes: k, estimator: est, probabilities: probs)
    }
}
