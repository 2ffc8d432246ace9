import ArgumentParser
import EdgeAudit
import EdgeCore
import EdgeMetrics
import Foundation

/// `edge-audit metrics`: the estimators on numpy arrays from any framework.
struct Metrics: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "ECE and MI estimators on .npy files.",
                                                    subcommands: [ECE.self, MI.self])

    struct ECE: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ece", abstract: "ECE, MCE, RMS-CE, adaptive ECE, NLL, Brier and reliability bins.")
        @Option(help: "Probabilities [N, K] (.npy, float32/float64, C order).") var probs: String
        @Option(help: "Labels [N] (.npy, int32/int64).") var labels: String
        @Option(help: "Equal-width bins.") var bins = 15
        @Option(help: "table or json.") var format = "table"

        func run() throws {
            guard bins >= 1, bins <= 10_000 else { throw EdgeError.usage("--bins must be in 1...10000") }
            guard format == "table" || format == "json" else { throw EdgeError.usage("--format must be table or json") }
            let p = try NpyArray.parse(try AtomicFile.read(probs, limit: 4 << 30), path: probs)
            if let i = p.values.firstIndex(where: { !$0.isFinite || $0 < 0 || $0 > 1 }) {
                throw EdgeError.badData(path: probs, reason: "value \(i) is \(p.values[i]); probabilities must lie in [0, 1]")
            }
            let y = try NpyArray.parse(try AtomicFile.read(labels), path: labels)
            guard p.shape.count == 2, y.shape.count == 1, p.shape[0] == y.shape[0], p.shape[0] > 0 else {
                throw EdgeError.badData(path: probs, reason: "need probabilities [N, K] and labels [N]; got \(p.shape) and \(y.shape)")
            }
            let k = p.shape[1]
            let lab = try y.values.map { v -> Int in
                guard v >= 0, v < Double(k), v == v.rounded() else { throw EdgeError.badData(path: labels, reason: "label \(v) is not in 0..<\(k)") }
                return Int(v)
            }
            let r = CalibrationMetrics.evaluate(probabilities: p.values, classes: k, labels: lab, bins: bins)
            let rows: [(String, Double)] = [("accuracy", r.accuracy), ("ece", r.ece), ("mce", r.mce), ("rmsce", r.rmsce),
                                            ("adaptive_ece", r.adaptiveECE), ("nll", r.nll), ("brier", r.brier)]
            if format == "json" {
                let binsJSON = r.bins.map { "{\"lower\": \(String(format: "%.6f", $0.lower)), \"upper\": \(String(format: "%.6f", $0.upper)), \"count\": \($0.count), \"confidence\": \(String(format: "%.6f", $0.confidence)), \"accuracy\": \(String(format: "%.6f", $0.accuracy))}" }
                print("{\n" + rows.map { "  \"\($0.0)\": \(String(format: "%.6f", $0.1))" }.joined(separator: ",\n") + ",\n  \"bins\": [" + binsJSON.joined(separator: ", ") + "]\n}")
            } else {
                for (n, v) in rows { print(pad(n, 14) + String(format: "%.6f", v)) }
                print("bins (lower, upper]: count, confidence, accuracy")
                for b in r.bins where b.count > 0 { print(String(format: "  (%.3f, %.3f]  %6d  %.4f  %.4f", b.lower, b.upper, b.count, b.confidence, b.accuracy)) }
            }
        }
    }

    struct MI: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "mi", abstract: "I(T;X) and I(T;Y) in bits: KDE upper/lower bounds and binning.")
        @Option(help: "Activations [N, d…] (.npy, float32/float64, C order; trailing dims are flattened).") var activations: String
        @Option(help: "Labels [N] (.npy, int32/int64).") var labels: String
        @Option(help: "KDE noise variance σ².") var sigma2 = 0.1
        @Option(help: "Binning width λ.") var binSize = 0.5
        @Option(help: "table or json.") var format = "table"
        @OptionGroup var compute: ComputeOptions

        func run() throws {
            try compute.apply()
            guard sigma2 > 0, sigma2.isFinite, binSize > 0, binSize.isFinite else { throw EdgeError.usage("--sigma2 and --bin-size must be positive") }
            guard format == "table" || format == "json" else { throw EdgeError.usage("--format must be table or json") }
            let a = try NpyArray.parse(try AtomicFile.read(activations, limit: 4 << 30), path: activations)
            let y = try NpyArray.parse(try AtomicFile.read(labels), path: labels)
            guard a.shape.count >= 2, y.shape.count == 1, a.shape[0] == y.shape[0], a.shape[0] > 1 else {
                throw EdgeError.badData(path: activations, reason: "need activations [N, d…] and labels [N] with N > 1; got \(a.shape) and \(y.shape)")
            }
            let n = a.shape[0], d = a.values.count / n
            guard n <= 20_000 else { throw EdgeError.usage("N = \(n) needs an N×N distance matrix; use at most 20000 samples") }
            let t = a.values.map { Float($0) }
            try MutualInformation.validate(t, path: activations)
            guard y.values.allSatisfy({ $0 == $0.rounded() && abs($0) < 1e9 }) else { throw EdgeError.badData(path: labels, reason: "labels must be integers") }
            let e = MutualInformation.estimate(t, n: n, d: d, labels: y.values.map { Int($0) }, sigma2: sigma2, binSize: binSize)
            let rows: [(String, Double)] = [("kde_upper_itx", e.kdeUpperITX), ("kde_upper_ity", e.kdeUpperITY), ("kde_lower_itx", e.kdeLowerITX),
                                            ("kde_lower_ity", e.kdeLowerITY), ("bin_itx", e.binITX), ("bin_ity", e.binITY)]
            if format == "json" {
                print("{\n  \"n\": \(n),\n  \"d\": \(d),\n  \"sigma2\": \(sigma2),\n  \"bin_size\": \(binSize),\n" + rows.map { "  \"\($0.0)\": \(String(format: "%.6f", $0.1))" }.joined(separator: ",\n") + "\n}")
            } else {
                print("N = \(n), d = \(d), σ² = \(sigma2), λ = \(binSize) (bits)")
                for (k, v) in rows { print(pad(k, 15) + String(format: "%.4f", v)) }
            }
        }
    }
}
