import ArgumentParser
import EdgeAttacks
import EdgeCore
import EdgeData
import EdgeFloat
import EdgeInformation
import EdgeMetrics
import EdgeQuant
import Foundation

/// `edge-audit fisher`: per-image input Fisher information norms and CCKL (Shi et al.),
/// on the float net or the int8 net's straight-through simulation.
struct FisherCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fisher",
        abstract: "Input Fisher information norms, CCKL, MIAT MI.")

    @Argument(help: "model.bin") var model: String
    @Option(help: "Images in class folders.") var images: String
    @Option(help: "float or int8 (int8: the STE simulation, since the integer engine has no gradients).") var net = "float"
    @Option(help: "Use at most N images (evenly spread).") var limit: Int?
    @Option(help: "Write one JSON line per image (path, label, fisher_spectral, fisher_frobenius) here.") var perImage: String?
    @Option(help: "table or json.") var format = "table"
    @Option(help: "Calibration images when --net int8 and the model has no int8 net.") var calibration = "calibration/fashion-mnist"
    @Option(help: "Jacobian arithmetic: float32 (the float executor, fast) or float64 (a float64 twin, ≈ 6× slower).") var precision = "float32"
    @Flag(help: "Also estimate MIAT's natural and adversarial MI (InfoNCE critics; needs ≥ 256 images).") var miat = false
    @Option(help: "PGD-L∞ radius (and ±noise size) of the --miat samples.") var miatEps = 0.1
    @Flag(help: "Bad image files are fatal.") var strict = false
    @OptionGroup var compute: ComputeOptions

    func run() throws {
        try compute.apply()
        guard net == "float" || net == "int8" else { throw EdgeError.usage("--net must be float or int8, got '\(net)'") }
        guard format == "table" || format == "json" else { throw EdgeError.usage("--format must be table or json, got '\(format)'") }
        guard let prec = FisherInformation.Precision(rawValue: precision) else { throw EdgeError.usage("--precision must be float32 or float64, got '\(precision)'") }
        if let limit, limit <= 0 { throw EdgeError.usage("--limit must be positive, got \(limit)") }
        guard miatEps.isFinite, miatEps > 0, miatEps <= 1 else { throw EdgeError.usage("--miat-eps must be in (0, 1], got \(miatEps)") }
        if let perImage { try AtomicFile.checkWritableTarget(perImage) }
        let bytes = try ModelLoading.modelBin(model, for: "fisher")
        var loaded = try QuantizedModelFile.decode(bytes, path: model)
        let network: FloatNetwork, label: String
        var engine: IntegerNetwork? = nil
        if net == "int8" {
            (loaded, _) = try CLISupport.withInt8(model, decoded: loaded, calibration: calibration)
            guard let q = loaded.int8 else { throw EdgeError.internalError("no int8 network") }
            network = try StraightThrough.network(loaded.model, q)
            engine = try IntegerNetwork(q)
            label = "int8 (STE simulation: dequantised int8 weights, every int8 layer's output rounded to its grid, straight-through gradients)"
        } else {
            network = try FloatNetwork(loaded.model)
            label = "float"
        }
        // The K × K eigenproblem and K backward passes per image: bounded so no model can
        // make the command run for hours.
        guard network.classes <= 256 else {
            throw EdgeError.usage("\(model) has \(network.classes) classes; 'fisher' supports at most 256 (K backward passes and a K × K eigenproblem per image)")
        }
        if prec == .float64, !DoubleJacobian.supports(network) {
            throw EdgeError.usage("--precision float64 covers our trainer's layers only; this model has general convolutions, padded pools, clips or pads: use float32")
        }
        try MemoryBudget.check(estimate: FisherInformation.peakBytes(net: network, threads: Parallel.threads, precision: prec),
                               what: "the Fisher Jacobians (\(network.classes) classes × \(network.sizes[0]) inputs)")
        let set = try CLISupport.loadImages(images, for: loaded.model, strict: strict, limit: limit)
        guard set.count > 0 else { throw EdgeError.badData(path: images, reason: "no usable images") }
        let started = Date()
        let per = FisherInformation.measure(net: network, x: set.floatBatch(Array(0..<set.count)).data, batch: set.count, precision: prec)
        let secs = Date().timeIntervalSince(started)
        let summary = FisherSummary(per, labels: set.labels, classNames: set.classNames)
        let mi = miat ? try naturalAdversarialMI(set, crafting: network, engine: engine) : nil
        if let perImage {
            let lines = zip(per, set.labels).enumerated().map { i, e in
                "{\"path\": \(JSONText.quote(set.sources[i])), \"label\": \(e.1), \"fisher_spectral\": \(Self.number(e.0.spectral)), "
                    + "\"fisher_frobenius\": \(Self.number(e.0.frobenius))}\n"
            }
            try AtomicFile.write(Array(lines.joined().utf8), to: perImage)
        }
        if format == "json" {
            print(try Self.json(summary, net: label + ", Jacobian in \(precision)", images: set.count, seconds: secs, miat: mi))
        } else {
            print(Self.table(summary, net: label + ", Jacobian in \(precision)", images: set.count, seconds: secs, classNames: set.classNames))
            if let mi { print(Self.miatTable(mi, eps: miatEps)) }
        }
    }

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

    static func miatTable(_ r: NaturalAdversarialMI.Result, eps: Double) -> String {
        func row(_ name: String, _ acc: Double, _ nat: InfoNCEEstimator.Result, _ adv: InfoNCEEstimator.Result?) -> String {
            pad(name, 10) + pad(String(format: "%.4f", acc), 10, right: true) + pad(String(format: "%.3f", nat.nats), 10, right: true)
                + pad(adv.map { String(format: "%.3f", $0.nats) } ?? "—", 13, right: true)
        }
        return ["MIAT (InfoNCE bound, nats, ceiling ln 64 = 4.159; PGD-L∞ and ±noise at ε = \(eps), 20 steps, uint8 grid):",
                pad("", 10) + pad("accuracy", 10, right: true) + pad("natural", 10, right: true) + pad("adversarial", 13, right: true),
                row("clean", r.accuracyClean, r.naturalClean, nil), row("noise", r.accuracyNoise, r.naturalNoise, r.adversarialNoise),
                row("pgd", r.accuracyPGD, r.naturalPGD, r.adversarialPGD)].joined(separator: "\n")
    }

    /// Shortest round-trip decimal; null for a non-finite value (not valid JSON otherwise).
    static func number(_ v: Double) -> String { v.isFinite ? "\(v)" : "null" }

    static func json(_ s: FisherSummary, net: String, images: Int, seconds: Double, miat: NaturalAdversarialMI.Result?) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        var body = String(decoding: try e.encode(s), as: UTF8.self)
        // Context first, then the summary's own keys.
        body.removeFirst()
        let mi = try miat.map { "\n  \"miat\" : " + String(decoding: try e.encode($0), as: UTF8.self).replacingOccurrences(of: "\n", with: "\n  ") + "," } ?? ""
        return "{\n  \"net\" : \(JSONText.quote(net)),\n  \"images\" : \(images),\n  \"units\" : \"natural log; x in [0, 1] pixels\","
            + "\n  \"seconds\" : \(String(format: "%.3f", seconds)),\(mi)\(body)"
    }

    static func table(_ s: FisherSummary, net: String, images: Int, seconds: Double, classNames: [String]) -> String {
        func row(_ name: String, _ st: SampleStats) -> String {
            pad(name, 22) + [st.mean, st.p05, st.p25, st.median, st.p75, st.p95].map { pad(String(format: "%.4g", $0), 11, right: true) }.joined()
        }
        var out = ["net: \(net)", "\(images) images, \(String(format: "%.2f", seconds)) s; natural log, x in [0, 1]",
                   pad("", 22) + ["mean", "p05", "p25", "median", "p75", "p95"].map { pad($0, 11, right: true) }.joined(),
                   row("fisher_spectral", s.spectral), row("fisher_frobenius", s.frobenius), "per class (fisher_frobenius):"]
        for c in classNames { if let st = s.perClass[c] { out.append(row("  " + SafeName.printable(c, keepNewlines: false), st.frobenius)) } }
        out.append(String(format: "accuracy %.4f; cckl %.6g nats (mean KL(p_i ‖ p_j) over ordered pairs with different labels)", s.accuracy, s.cckl))
        return out.joined(separator: "\n")
    }
}
