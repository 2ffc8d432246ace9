import EdgeMetrics
import Foundation

/// `edge-audit metrics`'s output.
public enum NpyMetricsText {
    /// `edge-audit metrics ece`: the figures (`%.6f`) and the non-empty reliability bins, as
    /// JSON (every bin) or a table.
    public static func calibration(_ r: CalibrationMetrics.Report, format: OutputFormat) -> String {
        let f6 = CommandText.f6
        let rows: [(String, Double)] = [("accuracy", r.accuracy), ("ece", r.ece), ("mce", r.mce), ("rmsce", r.rmsce),
                                        ("adaptive_ece", r.adaptiveECE), ("nll", r.nll), ("brier", r.brier)]
        if format == .json {
            let bins = r.bins.map {
                "{\"lower\": \(f6($0.lower)), \"upper\": \(f6($0.upper)), \"count\": \($0.count), \"confidence\": \(f6($0.confidence)), \"accuracy\": \(f6($0.accuracy))}"
            }
            return "{\n" + rows.map { "  \"\($0.0)\": \(f6($0.1))" }.joined(separator: ",\n") + ",\n  \"bins\": [" + bins.joined(separator: ", ") + "]\n}"
        }
        var lines = rows.map { CommandText.pad($0.0, 14) + f6($0.1) }
        lines.append("bins (lower, upper]: count, confidence, accuracy")
        for b in r.bins where b.count > 0 {
            lines.append(String(format: "  (%.3f, %.3f]  %6d  %.4f  %.4f", b.lower, b.upper, b.count, b.confidence, b.accuracy))
        }
        return lines.joined(separator: "\n")
    }

    /// `edge-audit metrics mi`: N, d, σ², λ and the six estimates in bits, as JSON (`%.6f`)
    /// or a table (`%.4f`).
    public static func information(n: Int, d: Int, _ e: MIEstimate, sigma2: Double, binSize: Double, format: OutputFormat) -> String {
        let rows: [(String, Double)] = [("kde_upper_itx", e.kdeUpperITX), ("kde_upper_ity", e.kdeUpperITY), ("kde_lower_itx", e.kdeLowerITX),
                                        ("kde_lower_ity", e.kdeLowerITY), ("bin_itx", e.binITX), ("bin_ity", e.binITY)]
        if format == .json {
            return "{\n  \"n\": \(n),\n  \"d\": \(d),\n  \"sigma2\": \(sigma2),\n  \"bin_size\": \(binSize),\n"
                + rows.map { "  \"\($0.0)\": \(CommandText.f6($0.1))" }.joined(separator: ",\n") + "\n}"
        }
        return (["N = \(n), d = \(d), σ² = \(sigma2), λ = \(binSize) (bits)"] + rows.map { CommandText.pad($0.0, 15) + String(format: "%.4f", $0.1) })
            .joined(separator: "\n")
    }
}
