import EdgeAttacks
import EdgeCore
import EdgeCorruptions
import EdgeData
import EdgeMetrics
import Foundation

/// Per-layer mutual information I(T;X), I(T;Y) of both nets (KDE bounds and binning) on
/// clean, adversarial and corrupted inputs, and its float→int8 drift. A whole-sample figure:
/// shard 1 computes it on the same evenly spread sample as an unsharded run.
public struct MIStage: AuditStage {
    /// `.mi`.
    public var id: StageID { .mi }
    /// Creates the stage.
    public init() {}

    /// The int8 layers probed (every convolution and dense output, after its fused
    /// activation, which is where both nets have a value) and their float counterparts.
    public static func probes(_ ctx: AuditContext) -> [(name: String, q: Int, f: Int)] {
        ctx.int8.graph.nodes.enumerated().compactMap { i, n in
            if case .conv = n.op, ctx.probeFilter?.contains(n.name) ?? true { return (n.name, i, n.floatNode) }
            return nil
        }
    }

    /// The MI inputs: clean, FGSM/PGD crafted on the float net and snapped to the uint8 grid
    /// (both nets see these pixels), or a corruption at level 3.
    static func inputs(_ ctx: AuditContext, base: LabeledImages, sample: [Int], specs: [String]? = nil) throws -> [(String, LabeledImages)] {
        let s = ctx.settings, n = base.count, eps = s.miAttackEps
        return try (specs ?? s.miInputs).map { spec in
            switch spec {
            case "clean":
                return (spec, base)
            case "fgsm", "pgd":
                var adv = [UInt8](repeating: 0, count: base.pixels.count)
                for (bi, b) in Parallel.chunks(n, size: AuditContext.batch).enumerated() {
                    let bIdx = Array(b)
                    var rng = SeededGenerator(seed: s.seed, stream: 0x4D49, UInt64(bi))
                    let e = Float(eps)
                    let x = base.floatBatch(bIdx).data
                    let bl = bIdx.map { base.labels[$0] }
                    let a = spec == "pgd"
                        ? GradientAttacks.pgd(ctx.float, x: x, labels: bl, eps: e, stepSize: 2.5 * e / Float(max(s.pgdSteps, 1)), steps: s.pgdSteps, rng: &rng)
                        : GradientAttacks.fgsm(ctx.float, x: x, labels: bl, eps: e)
                    let clean8 = Array(base.pixels[(b.lowerBound * base.imageSize)..<(b.upperBound * base.imageSize)])
                    for (k, v) in PixelGrid.snap(adversarial: a, clean: clean8).enumerated() { adv[b.lowerBound * base.imageSize + k] = v }
                }
                return (spec, base.withPixels(adv, labels: base.labels))
            default:
                guard let c = Corruption(rawValue: spec) else {
                    throw EdgeError.usage("unknown MI input '\(spec)'; use clean, fgsm, pgd or a corruption name")
                }
                let level = min(3, c.parameters(side: min(base.height, base.width)).count)
                return (spec, try c.apply(to: base, level: level, seed: s.seed, indices: sample))
            }
        }
    }

    /// The sweep inputs: for each corruption of `settings.miSweep` and each of its levels,
    /// the clean sample and its PGD version (from `inputs`, or crafted here) distorted at that
    /// level, named `<kind>.level_<l>` and `pgd+<kind>.level_<l>`.
    static func sweepInputs(_ ctx: AuditContext, base: LabeledImages, sample: [Int], pgd: LabeledImages?) throws -> [(String, LabeledImages)] {
        let s = ctx.settings
        guard !s.miSweep.isEmpty else { return [] }
        let adv = try pgd ?? inputs(ctx, base: base, sample: sample, specs: ["pgd"])[0].1
        var out: [(String, LabeledImages)] = []
        for c in s.miSweep {
            for level in 1...max(1, c.parameters(side: min(base.height, base.width)).count) {
                out.append(("\(c.rawValue).level_\(level)", try c.apply(to: base, level: level, seed: s.seed, indices: sample)))
                out.append(("pgd+\(c.rawValue).level_\(level)", try c.apply(to: adv, level: level, seed: s.seed, indices: sample)))
            }
        }
        return out
    }

    /// Accuracy and mean cross-entropy (nats) of both nets on one MI input.
    static func accuracyAndLoss(_ ctx: AuditContext, input: String, images: LabeledImages, floatLogits: [Float], int8Logits: [Float]) -> [MetricValue] {
        let k = ctx.float.classes
        return [(Metric.Net.float, floatLogits), (.int8, int8Logits)].flatMap { net, logits -> [MetricValue] in
            let c = CalibrationMetrics.evaluate(probabilities: CalibrationMetrics.softmax(logits, classes: k), classes: k, labels: images.labels, bins: 15)
            return [MetricValue(metric: .miInput(net, input: input, "accuracy"), value: c.accuracy),
                    MetricValue(metric: .miInput(net, input: input, "loss"), value: c.nll)]
        }
    }

    /// Records every probe's estimates for both nets, the σ² used, and warnings.
    public func run(_ ctx: AuditContext, into records: inout AuditRecords) throws {
        let s = ctx.settings
        guard s.miSamples > 0 else { records.skipped["mi"] = "mi_samples is 0"; return }
        guard ctx.shard.ownsWholeSample else { return }
        let sample = ctx.spread(s.miSamples)
        let n = sample.count
        guard n > 1 else { records.skipped["mi"] = "fewer than 2 images"; return }
        let base = ctx.set.subset(sample)
        let probes = Self.probes(ctx)
        var inputs = try Self.inputs(ctx, base: base, sample: sample)
        inputs += try Self.sweepInputs(ctx, base: base, sample: sample, pgd: inputs.first { $0.0 == "pgd" }?.1)
        if let dir = ctx.exportActivations { try AtomicFile.write(NpyArray.encodeInt64(base.labels, shape: [n]), to: "\(dir)/labels.npy") }
        let bar = ctx.progress("mutual information", total: inputs.count * probes.count)
        var w = MIWriter(n: n, labels: base.labels, fixedSigma2: s.miSigma2, binSize: s.miBinSize, exportTo: ctx.exportActivations)
        for (name, images) in inputs {
            var fAct = [[Float]](repeating: [], count: probes.count)
            var fLogits: [Float] = []
            for b in Parallel.chunks(n, size: AuditContext.batch) {
                let pass = ctx.float.forward(images.floatBatch(Array(b)).data, batch: b.count)
                for (pi, p) in probes.enumerated() { fAct[pi] += pass.outputs[p.f] }
                fLogits += pass.logits
            }
            let (qLogits, outs) = ctx.int8.run(images, Array(0..<n), keep: true)
            w.values += Self.accuracyAndLoss(ctx, input: name, images: images, floatLogits: fLogits, int8Logits: ctx.int8.dequantizedLogits(qLogits))
            for (pi, p) in probes.enumerated() {
                let d = fAct[pi].count / n
                let qp = ctx.int8.graph.nodes[p.q].quant
                var qAct = [Float](repeating: 0, count: n * d)
                for b in 0..<n { for t in 0..<d { qAct[b * d + t] = qp.dequantize(outs[b][p.q][t]) } }
                try w.add(input: name, layer: p.name, float: fAct[pi], int8: qAct, d: d)
                bar.advance()
            }
        }
        bar.finish()
        for (i, p) in probes.enumerated() { records.whole.layerOrder[p.name] = i }
        records.whole.values += w.values
        records.whole.values.append(MetricValue(metric: .miDriftMaxAbs, value: w.maxDrift))
        records.whole.values.append(MetricValue(metric: .miSamples, value: Double(n)))
        records.whole.notes += w.saturationNotes()
        let sigma = s.miSigma2.map { "σ² = \(MetricKey.number($0))" } ?? "σ² per layer = median pairwise squared distance of the float activations / ln N (stored as mi.sigma2.<layer>)"
        records.whole.labels["mi"] = "bits; probes: every conv/dense output after its fused activation (where both nets have a value); int8 activations dequantised; inputs: \(s.miInputs.joined(separator: ", ")) (attacks at ε=\(MetricKey.number(s.miAttackEps)), crafted on the float net and snapped to uint8; corruptions at level 3); \(sigma), λ = \(MetricKey.number(s.miBinSize))"
    }
}

/// Estimates one probe at a time and collects values, drift and saturation.
struct MIWriter {
    let n: Int, labels: [Int], fixedSigma2: Double?, binSize: Double, exportTo: String?
    var values: [MetricValue] = []
    var maxDrift = 0.0
    /// (input, layer) pairs whose float I(T;X) sits at log2 N.
    var saturated: [String] = []
    /// σ² per layer, from the first input (clean when listed) so that every input of a layer
    /// and both nets share one kernel width.
    var sigma2: [String: Double] = [:]

    mutating func add(input: String, layer: String, float f: [Float], int8 q: [Float], d: Int) throws {
        // Coordinates are in CHW (float) and HWC (int8) order; distances and bins do not
        // depend on coordinate order, so no reordering is needed.
        if let dir = exportTo {
            // Layer names come from the model file: sanitised, they cannot leave `dir`.
            let stem = SafeName.component("\(input).\(layer)")
            try AtomicFile.write(NpyArray.encodeFloat32(f, shape: [n, d]), to: "\(dir)/\(stem).float.npy")
            try AtomicFile.write(NpyArray.encodeFloat32(q, shape: [n, d]), to: "\(dir)/\(stem).int8.npy")
        }
        let s2: Double
        if let fixedSigma2 { s2 = fixedSigma2 } else if let known = sigma2[layer] { s2 = known } else {
            s2 = MutualInformation.scaledSigma2(f, n: n, d: d)
            sigma2[layer] = s2
            values.append(MetricValue(metric: .miSigma2(layer: layer), value: s2))
        }
        let ef = MutualInformation.estimate(f, n: n, d: d, labels: labels, sigma2: s2, binSize: binSize)
        let eq = MutualInformation.estimate(q, n: n, d: d, labels: labels, sigma2: s2, binSize: binSize)
        let pairs: [(String, Double, Double)] = [("kde_upper_itx", ef.kdeUpperITX, eq.kdeUpperITX), ("kde_upper_ity", ef.kdeUpperITY, eq.kdeUpperITY),
                                                 ("kde_lower_itx", ef.kdeLowerITX, eq.kdeLowerITX), ("kde_lower_ity", ef.kdeLowerITY, eq.kdeLowerITY),
                                                 ("bin_itx", ef.binITX, eq.binITX), ("bin_ity", ef.binITY, eq.binITY)]
        for (est, fv, qv) in pairs {
            values.append(MetricValue(metric: .mi(.float, input: input, layer: layer, est), value: fv))
            values.append(MetricValue(metric: .mi(.int8, input: input, layer: layer, est), value: qv))
            values.append(MetricValue(metric: .miDrift(input: input, layer: layer, est), value: qv - fv))
            maxDrift = max(maxDrift, abs(qv - fv))
        }
        let cap = log2(Double(n)) - 1e-3
        if ef.kdeUpperITX >= cap { saturated.append("\(input)/\(layer) (KDE)") }
        if ef.binITX >= cap { saturated.append("\(input)/\(layer) (binning)") }
    }

    /// A warning per run when estimates sit at their ceiling log2 N.
    func saturationNotes() -> [String] {
        guard !saturated.isEmpty else { return [] }
        return [String(format: "MI saturation: I(T;X) of %d estimate(s) (%@) is at its ceiling log2 N = %.2f bits, so they cannot separate layers or show drift; a larger --mi-sigma2 (KDE; the per-layer default avoids it) or --mi-bin-size (binning) resolves them",
                       saturated.count, saturated.prefix(6).joined(separator: ", ") + (saturated.count > 6 ? ", …" : ""), log2(Double(n)))]
    }
}
