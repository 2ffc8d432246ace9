import EdgeAttacks
import EdgeCore
import EdgeCorruptions
import EdgeData
import EdgeFloat
import EdgeMetrics
import EdgeModel
import EdgeQuant
import Foundation

/// What an audit measured. `metrics` is the flat, sorted map that gates read; the rest
/// feeds the HTML report.
public struct AuditResults: Sendable {
    /// metric name → value (accuracies and ECE in [0, 1], SQNR in dB).
    public var metrics: [String: Double] = [:]
    /// Reliability-diagram bins of the clean predictions, per net.
    public var reliability: [String: [CalibrationMetrics.Bin]] = [:]
    /// Per int8 layer: name and SQNR in dB.
    public var sqnr: [(String, Double)] = []
    /// What each attack number means (which net crafted, which net evaluated).
    public var labels: [String: String] = [:]
    /// Warnings worth a reader's attention (e.g. gradient masking).
    public var notes: [String] = []
    /// Seconds per stage, kept apart from results (they differ run to run).
    public var timings: [(String, Double)] = []

    /// Names of the layers with MI estimates, in network order.
    public var miLayers: [String] {
        var seen: [String] = []
        // Keys are float.mi.<input>.<layer>.kde_upper_itx; inputs have no dots, layers may.
        for k in metrics.keys.sorted() where k.hasPrefix("float.mi.") && k.hasSuffix(".kde_upper_itx") {
            let rest = k.dropFirst("float.mi.".count).dropLast(".kde_upper_itx".count)
            guard let dot = rest.firstIndex(of: ".") else { continue }
            let layer = String(rest[rest.index(after: dot)...])
            if !seen.contains(layer) { seen.append(layer) }
        }
        return seen.sorted { (layerOrder[$0] ?? 0) < (layerOrder[$1] ?? 0) }
    }

    /// Network position of each probed layer (for ordering plots).
    public var layerOrder: [String: Int] = [:]
}

/// The stages of an audit, in the order they run.
public enum AuditStage: String, CaseIterable, Sendable {
    /// Clean accuracy and calibration.
    case clean
    /// Per-layer SQNR of the int8 activations.
    case sqnr
    /// FGSM (float white-box, int8 transfer).
    case fgsm
    /// PGD (float white-box, int8 transfer).
    case pgd
    /// Square attack on the int8 net.
    case square
    /// Carlini–Wagner L2 on a subset.
    case cw
    /// Every corruption at every level.
    case corruptions
    /// Per-layer mutual information, float vs int8, on clean, adversarial and noisy inputs.
    case mi
}

/// Runs the audit stages over a float net, its int8 net and a labelled image set.
public struct AuditRunner {
    let float: FloatNetwork
    let int8: IntegerNetwork
    /// The int8 simulation with straight-through gradients (for the `ste` mode), if given.
    public var ste: FloatNetwork? = nil
    let set: LabeledImages
    let settings: AuditSettings
    let quiet: Bool
    /// When set, the MI stage writes every probe's activations as .npy files here.
    public var exportActivations: String? = nil
    /// When set, only these layers are probed by the MI stage.
    public var probeFilter: Set<String>? = nil
    /// Images per batch for every stage (fixed, so partitions never depend on threads).
    static let batch = 100

    /// Prepares a run.
    public init(float: FloatNetwork, int8: IntegerNetwork, set: LabeledImages, settings: AuditSettings, quiet: Bool) {
        self.float = float
        self.int8 = int8
        self.set = set
        self.settings = settings
        self.quiet = quiet
    }

    /// Runs `stages` (all by default).
    public func run(stages: Set<AuditStage> = Set(AuditStage.allCases)) throws -> AuditResults {
        var r = AuditResults()
        r.labels = [
            "float.fgsm": "white-box FGSM on the float net (float inputs)",
            "float.pgd": "white-box PGD-Linf on the float net (float inputs)",
            "int8.fgsm": "transfer: FGSM crafted on the float net, snapped to the uint8 grid, evaluated on the exact int8 net",
            "int8.pgd": "transfer: PGD crafted on the float net, snapped to the uint8 grid, evaluated on the exact int8 net",
            "int8.square": "query: Square attack (Linf) calling only the exact int8 net, on the uint8 grid",
            "int8.fgsm_ste": "ste: FGSM through the int8 simulation with straight-through gradients, snapped to the uint8 grid, evaluated on the exact int8 net",
            "int8.pgd_ste": "ste: PGD through the int8 simulation with straight-through gradients, snapped to the uint8 grid, evaluated on the exact int8 net",
            "float.cw": "white-box Carlini-Wagner L2 on the float net (minimal perturbation; subset)",
            "int8.cw": "transfer: the float net's CW examples snapped to the uint8 grid and evaluated on the exact int8 net",
            "corruption": "every corrupted image is 8-bit (as a camera delivers it) and is fed to both nets",
        ]
        var t0 = Date()
        func lap(_ name: String) { r.timings.append((name, Date().timeIntervalSince(t0))); t0 = Date() }
        if stages.contains(.clean) { try clean(&r); lap("clean") }
        if stages.contains(.sqnr) { sqnrStage(&r); lap("sqnr") }
        if stages.contains(.fgsm) { gradientStage(&r, pgd: false); lap("fgsm") }
        if stages.contains(.pgd) { gradientStage(&r, pgd: true); lap("pgd") }
        if stages.contains(.square) { squareStage(&r); lap("square") }
        if stages.contains(.cw) && settings.cwImages > 0 { cwStage(&r); lap("cw") }
        if stages.contains(.corruptions) { try corruptionStage(&r); lap("corruptions") }
        if stages.contains(.mi) && settings.miSamples > 0 { try miStage(&r); lap("mi") }
        return r
    }

    private var batches: [[Int]] { Parallel.chunks(set.count, size: Self.batch).map { Array($0) } }

    /// `n` image indices evenly spread over the set (every class is represented, since
    /// the set is in class-folder order), cut into fixed batches.
    private func spread(_ n: Int) -> [[Int]] {
        let m = min(n, set.count)
        let idx = (0..<m).map { $0 * set.count / max(m, 1) }
        return Parallel.chunks(m, size: Self.batch).map { Array(idx[$0]) }
    }

    // MARK: - Clean accuracy and calibration

    private func clean(_ r: inout AuditResults) throws {
        let k = float.classes
        let bar = ProgressBar("clean", total: set.count, quiet: quiet)
        var fl: [Float] = [], ql: [Float] = []
        for idx in batches {
            fl += float.forward(set.floatBatch(idx).data, batch: idx.count).logits
            ql += int8.dequantizedLogits(int8.run(set, idx).logits)
            bar.advance(idx.count)
        }
        bar.finish()
        for (net, logits) in [("float", fl), ("int8", ql)] {
            let bad = stride(from: 0, to: logits.count, by: k).filter { b in logits[b..<(b + k)].contains { !$0.isFinite } }.count
            r.metrics["\(net).clean.nonfinite_fraction"] = Double(bad) / Double(max(set.count, 1))
            if bad > 0 {
                r.notes.append("the \(net) net gives non-finite logits (NaN or Inf) on \(bad) of \(set.count) clean images: its accuracy counts them by an argmax over NaN and its calibration metrics are NaN")
            }
            let c = CalibrationMetrics.evaluate(probabilities: CalibrationMetrics.softmax(logits, classes: k), classes: k,
                                                labels: set.labels, bins: settings.eceBins)
            r.metrics["\(net).clean.accuracy"] = c.accuracy
            r.metrics["\(net).clean.ece"] = c.ece
            r.metrics["\(net).clean.mce"] = c.mce
            r.metrics["\(net).clean.rmsce"] = c.rmsce
            r.metrics["\(net).clean.adaptive_ece"] = c.adaptiveECE
            r.metrics["\(net).clean.nll"] = c.nll
            r.metrics["\(net).clean.brier"] = c.brier
            r.metrics["\(net).accuracy"] = c.accuracy
            r.metrics["\(net).ece"] = c.ece
            r.reliability[net] = c.bins
        }
        let fp = SoftmaxCrossEntropy.argmax(fl, classes: k), qp = SoftmaxCrossEntropy.argmax(ql, classes: k)
        r.metrics["agreement.clean.argmax_flips"] = Double(zip(fp, qp).filter { $0 != $1 }.count) / Double(max(set.count, 1))
    }

    // MARK: - Per-layer SQNR

    private func sqnrStage(_ r: inout AuditResults) {
        let s = SQNR.perLayer(float: float, int8: int8, set: set, limit: 200)
        var lo = Double.infinity
        for (i, v) in s.enumerated() where i > 0 {
            let name = int8.graph.nodes[i].name
            r.sqnr.append((name, v))
            if v.isFinite { r.metrics["int8.sqnr.\(name).db"] = v; lo = min(lo, v) }
        }
        if lo.isFinite { r.metrics["int8.sqnr.min_db"] = lo }
    }

    // MARK: - FGSM and PGD (white-box on float, transfer to int8)

    private func gradientStage(_ r: inout AuditResults, pgd: Bool) {
        let name = pgd ? "pgd" : "fgsm"
        let n = pgd ? min(settings.pgdImages ?? set.count, set.count) : set.count
        let sub = spread(n)
        let bar = ProgressBar(name, total: n * settings.eps.count, quiet: quiet)
        for (ei, eps) in settings.eps.enumerated() {
            var fCorrect = 0, qCorrect = 0, steCorrect = 0
            var linf = 0.0, l2 = 0.0
            for (bi, idx) in sub.enumerated() {
                let x = set.floatBatch(idx).data
                let labels = idx.map { set.labels[$0] }
                func craft(_ on: FloatNetwork) -> [Float] {
                    if pgd {
                        var rng = SeededGenerator(seed: settings.seed, stream: 0x5047_44, UInt64(ei), UInt64(bi))
                        let e = Float(eps)
                        return GradientAttacks.pgd(on, x: x, labels: labels, eps: e, stepSize: 2.5 * e / Float(max(settings.pgdSteps, 1)),
                                                   steps: settings.pgdSteps, restarts: settings.pgdRestarts, rng: &rng)
                    }
                    return GradientAttacks.fgsm(on, x: x, labels: labels, eps: Float(eps))
                }
                let adv = craft(float)
                if let ste {
                    var clean8s: [UInt8] = []
                    for i in idx { clean8s += set.pixels[(i * set.imageSize)..<((i + 1) * set.imageSize)] }
                    steCorrect += int8Correct(PixelGrid.snap(adversarial: craft(ste), clean: clean8s), labels)
                }
                let fp = SoftmaxCrossEntropy.argmax(float.forward(adv, batch: idx.count).logits, classes: float.classes)
                fCorrect += zip(fp, labels).filter { $0 == $1 }.count
                // The int8 net sees what a board would: the example on the uint8 grid.
                var clean8: [UInt8] = []
                for i in idx { clean8 += set.pixels[(i * set.imageSize)..<((i + 1) * set.imageSize)] }
                let snapped = PixelGrid.snap(adversarial: adv, clean: clean8)
                let d = set.imageSize
                for b in 0..<idx.count {
                    var mx = 0.0, s2 = 0.0
                    for t in 0..<d {
                        let dv = Double(Int(snapped[b * d + t]) - Int(clean8[b * d + t])) / 255
                        mx = max(mx, abs(dv)); s2 += dv * dv
                    }
                    linf += mx; l2 += s2.squareRoot()
                }
                qCorrect += int8Correct(snapped, labels)
                bar.advance(idx.count)
            }
            let key = "eps_\(MetricKey.number(eps))"
            r.metrics["float.\(name).\(key).accuracy"] = Double(fCorrect) / Double(max(n, 1))
            r.metrics["int8.\(name).\(key).accuracy"] = Double(qCorrect) / Double(max(n, 1))
            r.metrics["int8.\(name).\(key).mean_linf"] = linf / Double(max(n, 1))
            r.metrics["int8.\(name).\(key).mean_l2"] = l2 / Double(max(n, 1))
            if ste != nil { r.metrics["int8.\(name)_ste.\(key).accuracy"] = Double(steCorrect) / Double(max(n, 1)) }
        }
        bar.finish()
    }

    /// Images of `pixels` (planar uint8, one per label) that the int8 net classifies correctly.
    private func int8Correct(_ pixels: [UInt8], _ labels: [Int]) -> Int {
        zip(int8.predict(set.withPixels(pixels, labels: labels), Array(0..<labels.count)), labels).filter { $0 == $1 }.count
    }

    // MARK: - Carlini–Wagner L2 (float white-box on a subset, transferred to int8)

    private func cwStage(_ r: inout AuditResults) {
        let n = min(settings.cwImages, set.count)
        guard n > 0 else { return }
        let bar = ProgressBar("cw", total: n, quiet: quiet)
        var norms: [Double] = [], fFooled = 0, qFooled = 0, correct = 0
        for idx in spread(n) {
            let x = set.floatBatch(idx).data
            let labels = idx.map { set.labels[$0] }
            let cleanPred = SoftmaxCrossEntropy.argmax(float.forward(x, batch: idx.count).logits, classes: float.classes)
            let adv = CarliniWagnerL2(maxSteps: settings.cwSteps, searchSteps: 4, initialConst: 0.1, learningRate: 0.05).perturb(float, x: x, labels: labels)
            let pred = SoftmaxCrossEntropy.argmax(float.forward(adv, batch: idx.count).logits, classes: float.classes)
            var clean8: [UInt8] = []
            for i in idx { clean8 += set.pixels[(i * set.imageSize)..<((i + 1) * set.imageSize)] }
            let snapped = PixelGrid.snap(adversarial: adv, clean: clean8)
            let qPred = int8.predict(set.withPixels(snapped, labels: labels), Array(0..<labels.count))
            let d = set.imageSize
            for b in 0..<idx.count where cleanPred[b] == labels[b] {
                correct += 1
                if pred[b] != labels[b] {
                    fFooled += 1
                    var s = 0.0
                    for t in 0..<d { let v = Double(adv[b * d + t] - x[b * d + t]); s += v * v }
                    norms.append(s.squareRoot())
                }
                if qPred[b] != labels[b] { qFooled += 1 }
            }
            bar.advance(idx.count)
        }
        bar.finish()
        r.metrics["float.cw.success_rate"] = Double(fFooled) / Double(max(correct, 1))
        r.metrics["int8.cw.success_rate"] = Double(qFooled) / Double(max(correct, 1))
        if !norms.isEmpty {
            norms.sort()
            r.metrics["float.cw.median_l2"] = norms[norms.count / 2]
            r.metrics["float.cw.mean_l2"] = norms.reduce(0, +) / Double(norms.count)
        }
    }

    // MARK: - Square attack (query-only on int8)

    private func squareStage(_ r: inout AuditResults) {
        let n = min(settings.squareImages, set.count)
        guard n > 0, settings.squareQueries > 0 else { return }
        let bar = ProgressBar("square", total: n * settings.eps.count, quiet: quiet)
        for eps in settings.eps {
            let atk = SquareAttack(eps: Float(eps), queries: settings.squareQueries, side: min(set.height, set.width))
            var robust = 0, queries = 0
            for idx in spread(n) {
                let out = atk.run(int8, set: set, indices: idx, seed: settings.seed)
                robust += out.fooled.filter { !$0 }.count
                queries += out.queriesUsed.reduce(0, +)
                bar.advance(idx.count)
            }
            let key = "eps_\(MetricKey.number(eps))"
            let acc = Double(robust) / Double(n)
            r.metrics["int8.square.\(key).accuracy"] = acc
            r.metrics["int8.square.\(key).mean_queries"] = Double(queries) / Double(n)
            if let pgd = r.metrics["int8.pgd.\(key).accuracy"], acc + 1e-12 < pgd {
                r.notes.append(String(format: "gradient-masking check: at eps %@ the query attack (%.3f) beats the transferred PGD (%.3f) on the int8 net; gradient-based numbers understate its fragility",
                                      MetricKey.number(eps), acc, pgd))
            }
        }
        bar.finish()
    }

    // MARK: - Corruptions

    private func corruptionStage(_ r: inout AuditResults) throws {
        let side = min(set.height, set.width)
        let total = settings.corruptions.reduce(0) { $0 + $1.parameters(side: side).count } * set.count
        let bar = ProgressBar("corruptions", total: total, quiet: quiet)
        var ratios: [Double] = []
        var fMeans: [Double] = [], qMeans: [Double] = []
        for c in settings.corruptions {
            let params = c.parameters(side: side)
            var ceF = 0.0, ceQ = 0.0, sumF = 0.0, sumQ = 0.0
            for (li, p) in params.enumerated() {
                let level = li + 1
                let cs = try c.apply(to: set, level: level, seed: settings.seed)
                let k = float.classes
                var fl: [Float] = [], ql: [Float] = []
                for idx in batches {
                    fl += float.forward(cs.floatBatch(idx).data, batch: idx.count).logits
                    ql += int8.dequantizedLogits(int8.run(cs, idx).logits)
                    bar.advance(idx.count)
                }
                let key = "corruption.\(c.rawValue).level_\(level)"
                for (net, logits) in [("float", fl), ("int8", ql)] {
                    let m = CalibrationMetrics.evaluate(probabilities: CalibrationMetrics.softmax(logits, classes: k), classes: k,
                                                        labels: set.labels, bins: settings.eceBins)
                    r.metrics["\(net).\(key).accuracy"] = m.accuracy
                    r.metrics["\(net).\(key).ece"] = m.ece
                    if net == "float" { ceF += 1 - m.accuracy; sumF += m.accuracy } else { ceQ += 1 - m.accuracy; sumQ += m.accuracy }
                }
                r.metrics["corruption.\(c.rawValue).level_\(level).\(c.parameterName)"] = p
            }
            let nl = Double(max(params.count, 1))
            r.metrics["float.corruption.\(c.rawValue).mean_accuracy"] = sumF / nl
            r.metrics["int8.corruption.\(c.rawValue).mean_accuracy"] = sumQ / nl
            fMeans.append(sumF / nl)
            qMeans.append(sumQ / nl)
            if ceF > 0 {
                r.metrics["int8.corruption.\(c.rawValue).relative_ce"] = ceQ / ceF
                ratios.append(ceQ / ceF)
            }
        }
        bar.finish()
        if !fMeans.isEmpty {
            r.metrics["float.corruption.mean_accuracy"] = fMeans.reduce(0, +) / Double(fMeans.count)
            r.metrics["int8.corruption.mean_accuracy"] = qMeans.reduce(0, +) / Double(qMeans.count)
        }
        if !ratios.isEmpty { r.metrics["int8.corruption.relative_ce"] = ratios.reduce(0, +) / Double(ratios.count) }
    }

    // MARK: - Mutual information

    /// The int8 layers probed (every convolution and dense output, after its fused
    /// activation, which is where both nets have a value) and their float counterparts.
    public var probes: [(name: String, q: Int, f: Int)] {
        int8.graph.nodes.enumerated().compactMap { i, n in
            if case .conv = n.op, probeFilter?.contains(n.name) ?? true { return (n.name, i, n.floatNode) }
            return nil
        }
    }

    private func miStage(_ r: inout AuditResults) throws {
        let idx = spread(settings.miSamples).flatMap { $0 }
        let n = idx.count
        guard n > 1 else { return }
        let labels = idx.map { set.labels[$0] }
        let base = set.subset(idx)
        let eps = settings.miAttackEps
        var inputs: [(String, LabeledImages)] = []
        func images(_ px: [UInt8]) -> LabeledImages {
            LabeledImages(channels: base.channels, height: base.height, width: base.width, pixels: px, labels: labels,
                          classNames: base.classNames, sources: base.sources)
        }
        for spec in settings.miInputs {
            switch spec {
            case "clean":
                inputs.append((spec, base))
            case "fgsm", "pgd":
                // Crafted on the float net and snapped to the uint8 grid; both nets see these pixels.
                var adv = [UInt8](repeating: 0, count: base.pixels.count)
                for (bi, b) in Parallel.chunks(n, size: Self.batch).enumerated() {
                    let bIdx = Array(b)
                    var rng = SeededGenerator(seed: settings.seed, stream: 0x4D49, UInt64(bi))
                    let e = Float(eps)
                    let x = base.floatBatch(bIdx).data
                    let bl = bIdx.map { labels[$0] }
                    let a = spec == "pgd"
                        ? GradientAttacks.pgd(float, x: x, labels: bl, eps: e, stepSize: 2.5 * e / Float(max(settings.pgdSteps, 1)), steps: settings.pgdSteps, rng: &rng)
                        : GradientAttacks.fgsm(float, x: x, labels: bl, eps: e)
                    let clean8 = Array(base.pixels[(b.lowerBound * base.imageSize)..<(b.upperBound * base.imageSize)])
                    for (k, v) in PixelGrid.snap(adversarial: a, clean: clean8).enumerated() { adv[b.lowerBound * base.imageSize + k] = v }
                }
                inputs.append((spec, images(adv)))
            default:
                guard let c = Corruption(rawValue: spec) else {
                    throw EdgeError.usage("unknown MI input '\(spec)'; use clean, fgsm, pgd or a corruption name")
                }
                let level = min(3, c.parameters(side: min(base.height, base.width)).count)
                inputs.append((spec, try c.apply(to: base, level: level, seed: settings.seed, indices: idx)))
            }
        }
        if let dir = exportActivations { try AtomicFile.write(NpyArray.encodeInt64(labels, shape: [n]), to: "\(dir)/labels.npy") }
        let bar = ProgressBar("mutual information", total: inputs.count * probes.count, quiet: quiet)
        var maxDrift = 0.0
        for (name, images) in inputs {
            // Float activations at the probes, [n, d] per probe.
            var fAct = [[Float]](repeating: [], count: probes.count)
            for b in Parallel.chunks(n, size: Self.batch) {
                let pass = float.forward(images.floatBatch(Array(b)).data, batch: b.count)
                for (pi, p) in probes.enumerated() { fAct[pi] += pass.outputs[p.f] }
            }
            let (_, outs) = int8.run(images, Array(0..<n), keep: true)
            for (pi, p) in probes.enumerated() {
                let d = fAct[pi].count / n
                let qp = int8.graph.nodes[p.q].quant
                var qAct = [Float](repeating: 0, count: n * d)
                for b in 0..<n { for t in 0..<d { qAct[b * d + t] = qp.dequantize(outs[b][p.q][t]) } }
                // Coordinates are in CHW (float) and HWC (int8) order; distances and bins do
                // not depend on coordinate order, so no reordering is needed.
                if let dir = exportActivations {
                    // Layer names come from the model file: sanitised, they cannot leave `dir`.
                    let stem = SafeName.component("\(name).\(p.name)")
                    try AtomicFile.write(NpyArray.encodeFloat32(fAct[pi], shape: [n, d]), to: "\(dir)/\(stem).float.npy")
                    try AtomicFile.write(NpyArray.encodeFloat32(qAct, shape: [n, d]), to: "\(dir)/\(stem).int8.npy")
                }
                let ef = MutualInformation.estimate(fAct[pi], n: n, d: d, labels: labels, sigma2: settings.miSigma2, binSize: settings.miBinSize)
                let eq = MutualInformation.estimate(qAct, n: n, d: d, labels: labels, sigma2: settings.miSigma2, binSize: settings.miBinSize)
                let pairs: [(String, Double, Double)] = [("kde_upper_itx", ef.kdeUpperITX, eq.kdeUpperITX), ("kde_upper_ity", ef.kdeUpperITY, eq.kdeUpperITY),
                                                         ("kde_lower_itx", ef.kdeLowerITX, eq.kdeLowerITX), ("kde_lower_ity", ef.kdeLowerITY, eq.kdeLowerITY),
                                                         ("bin_itx", ef.binITX, eq.binITX), ("bin_ity", ef.binITY, eq.binITY)]
                for (est, fv, qv) in pairs {
                    r.metrics["float.mi.\(name).\(p.name).\(est)"] = fv
                    r.metrics["int8.mi.\(name).\(p.name).\(est)"] = qv
                    r.metrics["mi.drift.\(name).\(p.name).\(est)"] = qv - fv
                    maxDrift = max(maxDrift, abs(qv - fv))
                }
                bar.advance()
            }
        }
        bar.finish()
        for (i, p) in probes.enumerated() { r.layerOrder[p.name] = i }
        r.metrics["mi.drift.max_abs"] = maxDrift
        r.metrics["mi.samples"] = Double(n)
        r.labels["mi"] = "bits; probes: every conv/dense output after its fused activation (where both nets have a value); int8 activations dequantised; inputs: \(settings.miInputs.joined(separator: ", ")) (attacks at ε=\(MetricKey.number(eps)), crafted on the float net and snapped to uint8; corruptions at level 3); σ² = \(MetricKey.number(settings.miSigma2)), λ = \(MetricKey.number(settings.miBinSize))"
    }
}
