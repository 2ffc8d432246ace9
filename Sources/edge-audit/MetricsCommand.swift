import ArgumentParser
import EdgeAudit

/// `edge-audit metrics`: the estimators on numpy arrays from any framework (EdgeAudit's NpyMetrics).
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
            let q = try NpyMetrics.Calibration(probs: probs, labels: labels, bins: bins, format: format)
            print(NpyMetricsText.calibration(try q.run(), format: q.format))
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
            let q = try NpyMetrics.Information(activations: activations, labels: labels, sigma2: sigma2, binSize: binSize, format: format)
            let (n, d, e) = try q.run()
            print(NpyMetricsText.information(n: n, d: d, e, sigma2: sigma2, binSize: binSize, format: q.format))
        }
    }
}
