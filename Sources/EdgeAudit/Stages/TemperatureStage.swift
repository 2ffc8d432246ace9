import EdgeCore
import EdgeMetrics

/// Temperature scaling (Guo et al. 2017; what netcal offers): one temperature per net fitted
/// by NLL on the calibration images, then ECE and NLL of the audited images before and after.
/// The fit depends only on the calibration images, so every shard finds the same T.
public struct TemperatureStage: AuditStage {
    /// `.temperature`.
    public var id: StageID { .temperature }
    /// Creates the stage.
    public init() {}

    /// Fits and records T per net.
    public func run(_ ctx: AuditContext, into records: inout AuditRecords) throws {
        guard let cal = ctx.calibration, cal.count > 0 else {
            records.skipped["temperature"] = "not requested (--temperature-scaling fits it on the calibration images)"
            return
        }
        let k = ctx.float.classes
        var fl: [Float] = [], ql: [Float] = []
        for b in Parallel.chunks(cal.count, size: AuditContext.batch) {
            let idx = Array(b)
            fl += ctx.float.forward(cal.floatBatch(idx).data, batch: idx.count).logits
            ql += ctx.int8.dequantizedLogits(ctx.int8.run(cal, idx).logits)
        }
        for (net, logits) in [(Metric.Net.float, fl), (.int8, ql)] {
            let t = TemperatureScaling.fit(logits, labels: cal.labels, classes: k)
            records.whole.values.append(MetricValue(metric: .clean(net, "temperature"), value: t))
        }
        records.whole.labels["temperature"] = "temperature scaling: T per net fitted by NLL on \(cal.count) calibration images; ECE and NLL after it are on the audited images"
    }

    /// ECE and NLL of the clean logits divided by each net's T.
    static func summarize(_ clean: AuditRecords.Clean, temperatures: [Metric.Net: Double], classes k: Int, bins: Int, into r: inout AuditResults) {
        for (net, t) in temperatures {
            let logits = TemperatureScaling.scaled(net == .float ? clean.float : clean.int8, temperature: t)
            let c = CalibrationMetrics.evaluate(probabilities: CalibrationMetrics.softmax(logits, classes: k), classes: k, labels: clean.labels, bins: bins)
            r[.clean(net, "ece_temperature_scaled")] = c.ece
            r[.clean(net, "nll_temperature_scaled")] = c.nll
        }
    }
}
