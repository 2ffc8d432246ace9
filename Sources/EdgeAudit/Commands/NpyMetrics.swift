import EdgeCore
import EdgeMetrics

/// `edge-audit metrics`: the calibration and MI estimators on .npy arrays from any framework.
public enum NpyMetrics {
    /// The ECE family, NLL and Brier score of probabilities [N, K] against labels [N].
    public struct Calibration: Sendable {
        /// The `.npy` paths.
        public var probs: String, labels: String
        /// Equal-width bins.
        public var bins: Int
        /// Table or JSON.
        public var format: OutputFormat

        /// Checks `bins` (1...10000) and `format` (usage errors, exit 2).
        public init(probs: String, labels: String, bins: Int, format: String) throws {
            guard bins >= 1, bins <= 10_000 else { throw EdgeError.usage("--bins must be in 1...10000") }
            self.format = try OutputFormat(parsing: format)
            self.probs = probs; self.labels = labels; self.bins = bins
        }

        /// Reads both files and computes the metrics. Probabilities outside [0, 1], shapes
        /// that do not match, and labels outside 0..<K are bad data (exit 65) naming the file.
        public func run() throws -> CalibrationMetrics.Report {
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
                guard v >= 0, v < Double(k), v == v.rounded() else {
                    throw EdgeError.badData(path: labels, reason: "label \(v) is not in 0..<\(k)")
                }
                return Int(v)
            }
            return CalibrationMetrics.evaluate(probabilities: p.values, classes: k, labels: lab, bins: bins)
        }
    }

    /// I(T;X) and I(T;Y) in bits of activations [N, d…] against labels [N].
    public struct Information: Sendable {
        /// The `.npy` paths.
        public var activations: String, labels: String
        /// KDE noise variance σ² and binning width λ.
        public var sigma2: Double, binSize: Double
        /// Table or JSON.
        public var format: OutputFormat

        /// Checks σ² and λ (positive, finite) and `format` (usage errors, exit 2).
        public init(activations: String, labels: String, sigma2: Double, binSize: Double, format: String) throws {
            guard sigma2 > 0, sigma2.isFinite, binSize > 0, binSize.isFinite else {
                throw EdgeError.usage("--sigma2 and --bin-size must be positive")
            }
            self.format = try OutputFormat(parsing: format)
            self.activations = activations; self.labels = labels; self.sigma2 = sigma2; self.binSize = binSize
        }

        /// Reads both files and estimates; returns N, d (trailing dimensions flattened) and
        /// the estimate. Mismatched shapes, non-finite activations and non-integer labels
        /// and zero-width arrays are bad data (exit 65); N > 20000 is a usage error (the N×N distance matrix).
        public func run() throws -> (n: Int, d: Int, estimate: MIEstimate) {
            let a = try NpyArray.parse(try AtomicFile.read(activations, limit: 4 << 30), path: activations)
            let y = try NpyArray.parse(try AtomicFile.read(labels), path: labels)
            guard a.shape.count >= 2, y.shape.count == 1, a.shape[0] == y.shape[0], a.shape[0] > 1 else {
                throw EdgeError.badData(path: activations, reason: "need activations [N, d…] and labels [N] with N > 1; got \(a.shape) and \(y.shape)")
            }
            let n = a.shape[0], d = a.values.count / n
            // A zero-width array used to reach the estimator's precondition (SIGILL).
            guard d > 0 else {
                throw EdgeError.badData(path: activations, reason: "activations \(a.shape) have no features per sample")
            }
            guard n <= 20_000 else { throw EdgeError.usage("N = \(n) needs an N×N distance matrix; use at most 20000 samples") }
            let t = a.values.map { Float($0) }
            try MutualInformation.validate(t, path: activations)
            guard y.values.allSatisfy({ $0 == $0.rounded() && abs($0) < 1e9 }) else {
                throw EdgeError.badData(path: labels, reason: "labels must be integers")
            }
            return (n, d, MutualInformation.estimate(t, n: n, d: d, labels: y.values.map { Int($0) }, sigma2: sigma2, binSize: binSize))
        }
    }
}
