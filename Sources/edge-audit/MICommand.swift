import ArgumentParser
import EdgeAudit
import EdgeCore
import EdgeCorruptions
import Foundation

/// `edge-audit mi`: per-layer mutual information of a model, float vs int8, and its drift.
struct MICommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mi",
        abstract: "Per-layer mutual information, float vs int8.")

    @Argument(help: "model.bin") var model: String
    @Option(help: "Images in class folders.") var images: String
    @Option(help: "Images in the sample (evenly spread).") var samples = 1000
    @Option(help: "KDE noise variance σ² (default: per layer, from its activation scale).") var sigma2: Double?
    @Option(help: "Binning width λ.") var binSize = 0.5
    @Option(help: "ε of the FGSM/PGD inputs.") var eps = 0.1
    @Option(help: "Comma-separated inputs: clean, fgsm, pgd or corruption names (level 3).") var inputs = "clean,fgsm,pgd"
    @Option(help: "Comma-separated layer names to probe (default: every conv/dense output).") var layers: String?
    @Option(help: "Write each probe's activations (float and int8) and the labels as .npy files here.") var exportActivations: String?
    @Option(help: "table or json.") var format = "table"
    @Option(help: "Calibration images when the model has no int8 net.") var calibration = "calibration/fashion-mnist"
    @Option(help: "Seed.") var seed: UInt64 = 1
    @OptionGroup var compute: ComputeOptions

    func run() throws {
        try compute.apply()
        guard samples >= 2, samples <= 20_000 else { throw EdgeError.usage("--samples must be in 2...20000") }
        guard sigma2 ?? 1 > 0, binSize > 0, eps > 0, eps <= 1 else { throw EdgeError.usage("--sigma2, --bin-size and --eps must be positive (eps ≤ 1)") }
        guard format == "table" || format == "json" else { throw EdgeError.usage("--format must be table or json") }
        var s = AuditSettings.profile("default")!
        s.miSamples = samples; s.miSigma2 = sigma2; s.miBinSize = binSize; s.eps = [eps]; s.seed = seed
        s.miInputs = inputs.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        guard !s.miInputs.isEmpty else { throw EdgeError.usage("--inputs is empty") }
        guard sigma2?.isFinite ?? true, binSize.isFinite else { throw EdgeError.usage("--sigma2 and --bin-size must be finite") }
        for i in s.miInputs where !["clean", "fgsm", "pgd"].contains(i) && Corruption(rawValue: i) == nil {
            throw EdgeError.usage("unknown MI input '\(i)'; use clean, fgsm, pgd or a corruption name (\(Corruption.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        if let dir = exportActivations, let k = FileKind.of(dir, followSymlinks: false), k != .directory {
            throw EdgeError.cannotWrite(path: dir, reason: "it is \(k.phrase); --export-activations must name a folder")
        }
        let (float, int8, set, _) = try CLISupport.loadNets(model, images: images, calibration: calibration, limit: nil, command: "mi")
        var runner = AuditRunner(float: float, int8: int8, set: set, settings: s, quiet: compute.quiet)
        if let layers {
            let wanted = layers.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
            let known = runner.probes.map(\.name)
            for w in wanted where !known.contains(w) { throw EdgeError.usage("unknown layer '\(w)'; probes are: \(known.joined(separator: ", "))") }
            runner.probeFilter = Set(wanted)
        }
        runner.exportActivations = exportActivations
        let r = try runner.run(stages: [.mi])
        if format == "json" {
            let mi = r.values.filter { $0.key.stage == "mi" }.sorted { $0.key < $1.key }
            print("{\n" + mi.map { "  \"\($0.key.key)\": \(String(format: "%.6f", $0.value))" }.joined(separator: ",\n") + "\n}")
            return
        }
        print(r.labels["mi"] ?? "")
        print(pad("input", 16) + pad("layer", 12) + pad("estimator", 15) + pad("float", 9, right: true) + pad("int8", 9, right: true) + pad("drift", 9, right: true))
        for input in r.miInputs {
            for l in r.miLayers {
                for est in Metric.miEstimators {
                    guard let f = r[.mi(.float, input: input, layer: l, est)], let q = r[.mi(.int8, input: input, layer: l, est)] else { continue }
                    print(pad(input, 16) + pad(l, 12) + pad(est, 15) + pad(String(format: "%.3f", f), 9, right: true)
                          + pad(String(format: "%.3f", q), 9, right: true) + pad(String(format: "%+.3f", q - f), 9, right: true))
                }
            }
        }
        print(String(format: "max |drift| = %.4f bits", r[.miDriftMaxAbs] ?? 0))
        for n in r.notes { print("note: " + n) }
    }
}
