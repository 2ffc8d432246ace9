import EdgeCorruptions
import EdgeFloat
import EdgeMetrics

/// Every corruption at every level, fed as 8-bit images (as a camera delivers them) to both
/// nets. Image i's corruption depends on (seed, kind, level, i) only.
public struct CorruptionStage: AuditStage {
    /// `.corruptions`.
    public var id: StageID { .corruptions }
    /// Creates the stage.
    public init() {}

    /// Records, per (kind, level) and image, both nets' top-label confidence and correctness.
    public func run(_ ctx: AuditContext, into records: inout AuditRecords) throws {
        let s = ctx.settings, side = min(ctx.set.height, ctx.set.width), k = ctx.float.classes
        guard !s.corruptions.isEmpty else { records.skipped["corruptions"] = "no corruption selected"; return }
        let all = ctx.allImages, owned = ctx.ownedCount(all)
        let bar = ctx.progress("corruptions", total: s.corruptions.reduce(0) { $0 + $1.parameters(side: side).count } * owned)
        if let base = ctx.ceBaseline {
            var bc = AuditRecords.BaselineClean()
            for (_, idx) in ctx.batches(all) {
                let labels = idx.map { ctx.set.labels[$0] }
                bc.images += idx
                bc.correct += Self.correct(base.net, ctx.set.floatBatch(idx).data, labels: labels)
            }
            records.baselineClean = bc
            records.whole.labels["mce"] = "mCE (ImageNet-C): each net's top-1 error summed over a corruption's levels, over the same sum for the baseline \(base.name) on the same corrupted images; averaged over corruptions. Relative mCE subtracts each model's clean error first"
        } else {
            records.skipped["mce"] = ctx.ceBaselineMissing
        }
        for c in s.corruptions {
            for (li, p) in c.parameters(side: side).enumerated() {
                var rec = AuditRecords.Corruption(kind: c.rawValue, level: li + 1, parameterName: c.parameterName, parameter: p)
                for (_, idx) in ctx.batches(all) {
                    let cs = try c.apply(to: ctx.set.subset(idx), level: li + 1, seed: s.seed, indices: idx)
                    let batch = Array(0..<idx.count)
                    let labels = idx.map { ctx.set.labels[$0] }
                    let fl = ctx.float.forward(cs.floatBatch(batch).data, batch: idx.count).logits
                    let ql = ctx.int8.dequantizedLogits(ctx.int8.run(cs, batch).logits)
                    let f = CalibrationMetrics.topLabel(probabilities: CalibrationMetrics.softmax(fl, classes: k), classes: k, labels: labels)
                    let q = CalibrationMetrics.topLabel(probabilities: CalibrationMetrics.softmax(ql, classes: k), classes: k, labels: labels)
                    rec.images += idx
                    rec.floatConfidence += f.confidence; rec.floatCorrect += f.correct
                    rec.int8Confidence += q.confidence; rec.int8Correct += q.correct
                    if let base = ctx.ceBaseline {
                        rec.baselineCorrect = (rec.baselineCorrect ?? []) + Self.correct(base.net, cs.floatBatch(batch).data, labels: labels)
                    }
                    bar.advance(idx.count)
                }
                records.corruptions.append(rec)
            }
        }
        bar.finish()
    }

    /// The top-label correctness of `net` on a batch (as the calibration figures define it).
    static func correct(_ net: FloatNetwork, _ x: [Float], labels: [Int]) -> [Bool] {
        let k = net.classes
        let logits = net.forward(x, batch: labels.count).logits
        return CalibrationMetrics.topLabel(probabilities: CalibrationMetrics.softmax(logits, classes: k), classes: k, labels: labels).correct
    }

    /// Per level accuracy (with interval) and ECE per net, per kind mean accuracy and
    /// relative CE (int8 errors over float errors), and their means over kinds.
    static func summarize(_ recs: [AuditRecords.Corruption], bins: Int, into r: inout AuditResults) {
        var kinds: [String] = []
        for rec in recs where !kinds.contains(rec.kind) { kinds.append(rec.kind) }
        var ratios: [Double] = [], fMeans: [Double] = [], qMeans: [Double] = []
        for kind in kinds {
            let levels = recs.filter { $0.kind == kind }
            var ceF = 0.0, ceQ = 0.0, sumF = 0.0, sumQ = 0.0
            for rec in levels {
                let n = rec.images.count
                for (net, conf, ok) in [(Metric.Net.float, rec.floatConfidence, rec.floatCorrect), (.int8, rec.int8Confidence, rec.int8Correct)] {
                    let m = CalibrationMetrics.evaluate(confidences: conf, correct: ok, bins: bins)
                    r[.corruption(net, kind, level: rec.level, "accuracy")] = m.accuracy
                    r.setInterval(.corruption(net, kind, level: rec.level, "accuracy"), successes: ok.filter { $0 }.count, trials: n)
                    r[.corruption(net, kind, level: rec.level, "ece")] = m.ece
                    if net == .float { ceF += 1 - m.accuracy; sumF += m.accuracy } else { ceQ += 1 - m.accuracy; sumQ += m.accuracy }
                }
                r[.corruptionParameter(kind, level: rec.level, name: rec.parameterName)] = rec.parameter
                r.setPaired("corruption.\(kind).level_\(rec.level)", float: rec.floatCorrect, int8: rec.int8Correct)
            }
            let nl = Double(max(levels.count, 1))
            r[.corruptionSummary(.float, kind, "mean_accuracy")] = sumF / nl
            r[.corruptionSummary(.int8, kind, "mean_accuracy")] = sumQ / nl
            fMeans.append(sumF / nl)
            qMeans.append(sumQ / nl)
            if ceF > 0 {
                r[.corruptionSummary(.int8, kind, "relative_ce")] = ceQ / ceF
                ratios.append(ceQ / ceF)
            }
        }
        if !fMeans.isEmpty {
            r[.corruptionSummary(.float, nil, "mean_accuracy")] = fMeans.reduce(0, +) / Double(fMeans.count)
            r[.corruptionSummary(.int8, nil, "mean_accuracy")] = qMeans.reduce(0, +) / Double(qMeans.count)
        }
        if !ratios.isEmpty { r[.corruptionSummary(.int8, nil, "relative_ce")] = ratios.reduce(0, +) / Double(ratios.count) }
    }
}
