import EdgeMetrics

/// What an audit measured: typed metric values (the flat `metrics` map that gates and
/// report.json read is derived from them), tables and what the report draws.
public struct AuditResults: Sendable {
    /// Every measured value.
    public var values: [Metric: Double] = [:]
    /// Reliability-diagram bins of the clean predictions, per net.
    public var reliability: [String: [CalibrationMetrics.Bin]] = [:]
    /// Per int8 layer: name and SQNR in dB.
    public var sqnr: [(String, Double)] = []
    /// What each attack number means (which net crafted, which net evaluated).
    public var labels: [String: String] = [:]
    /// Warnings worth a reader's attention (gradient masking, small samples, saturated MI).
    public var notes: [String] = []
    /// Seconds per stage, kept apart from results (they differ run to run).
    public var timings: [(String, Double)] = []
    /// Network position of each probed MI layer (for ordering plots).
    public var layerOrder: [String: Int] = [:]
    /// Confusion matrices of the clean predictions per net, counts [true][predicted].
    public var confusion: [String: [[Int]]] = [:]
    /// Clean predictions per net, aligned with `predictionImages`.
    public var predictions: [String: [Int]] = [:]
    /// The images `predictions` refer to.
    public var predictionImages: [Int] = []
    /// Float-vs-int8 comparisons on the same images, in the order they were made.
    public var paired: [PairedComparison] = []
    /// Stages that did not run and why.
    public var skipped: [String: String] = [:]
    /// Example images for the report's grids.
    public var gallery: [GalleryImage] = []

    /// Creates empty results.
    public init() {}

    /// A value by typed metric.
    public subscript(_ m: Metric) -> Double? {
        get { values[m] }
        set { values[m] = newValue }
    }

    /// The flat, name-keyed map (report.json `results`, gates).
    public var metrics: [String: Double] { Dictionary(uniqueKeysWithValues: values.map { ($0.key.key, $0.value) }) }

    /// Sets an accuracy and its 95% Wilson interval.
    mutating func setAccuracy(_ m: Metric, successes: Int, trials: Int) {
        values[m] = Double(successes) / Double(max(trials, 1))
        setInterval(m, successes: successes, trials: trials)
    }

    /// Sets the 95% Wilson interval of an accuracy already set.
    mutating func setInterval(_ m: Metric, successes: Int, trials: Int) {
        guard trials > 0 else { return }
        let ci = Significance.wilson(successes: successes, trials: trials)
        values[m.interval(.low)] = ci.low
        values[m.interval(.high)] = ci.high
    }

    /// Records McNemar's test of float vs int8 correctness on the same images under
    /// `path` (e.g. `clean`, `pgd.eps_0.1`).
    mutating func setPaired(_ path: String, float: [Bool], int8: [Bool]) {
        guard !float.isEmpty, float.count == int8.count else { return }
        let t = Significance.paired(float, int8)
        values[.agreement(path, "mcnemar_p")] = t.pValue
        values[.agreement(path, "discordant_float_only")] = Double(t.onlyFirst)
        values[.agreement(path, "discordant_int8_only")] = Double(t.onlySecond)
        let f = Double(float.filter { $0 }.count) / Double(float.count), q = Double(int8.filter { $0 }.count) / Double(int8.count)
        paired.append(PairedComparison(path: path, images: float.count, float: f, int8: q, test: t))
    }

    /// Marks the comparisons that survive Holm's correction over all of them.
    mutating func correctForMultipleComparisons() {
        let keep = Significance.holm(paired.map(\.test.pValue))
        for i in paired.indices { paired[i].significant = keep[i] }
    }

    /// Names of the layers with MI estimates, in network order.
    public var miLayers: [String] {
        let layers = Set(values.keys.compactMap { $0.stage == "mi" && $0.net == .float ? $0.layer : nil })
        return layers.sorted { (layerOrder[$0] ?? 0, $0) < (layerOrder[$1] ?? 0, $1) }
    }

    /// The MI inputs with estimates, sorted.
    public var miInputs: [String] {
        Set(values.keys.compactMap { $0.stage == "mi" && $0.net == .float ? $0.subject : nil }).sorted()
    }
}

/// Float and int8 accuracy on the same images with McNemar's test.
public struct PairedComparison: Sendable, Equatable {
    /// What was compared (`clean`, `pgd.eps_0.1`, `corruption.jpeg.level_3`).
    public var path: String
    /// Images compared.
    public var images: Int
    /// Float and int8 accuracy.
    public var float: Double, int8: Double
    /// The test.
    public var test: Significance.Paired
    /// Whether the difference survives Holm's correction over all of the run's comparisons
    /// (what the verdict and the report call significant).
    public var significant = false
}
