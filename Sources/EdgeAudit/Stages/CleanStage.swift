import EdgeFloat
import EdgeMetrics

/// Clean accuracy and calibration of both nets on every image, per-class accuracy,
/// confusion matrices and the paired float-vs-int8 test.
public struct CleanStage: AuditStage {
    /// `.clean`.
    public var id: StageID { .clean }
    /// Creates the stage.
    public init() {}

    /// Records both nets' logits for this shard's batches.
    public func run(_ ctx: AuditContext, into records: inout AuditRecords) throws {
        let all = ctx.allImages
        let bar = ctx.progress("clean", total: ctx.ownedCount(all))
        var rec = AuditRecords.Clean()
        for (_, idx) in ctx.batches(all) {
            rec.images += idx
            rec.labels += idx.map { ctx.set.labels[$0] }
            rec.float += ctx.float.forward(ctx.set.floatBatch(idx).data, batch: idx.count).logits
            rec.int8 += ctx.int8.dequantizedLogits(ctx.int8.run(ctx.set, idx).logits)
            bar.advance(idx.count)
        }
        bar.finish()
        records.clean = rec
    }

    /// Metrics, reliability bins, confusion matrices and notes from the clean records.
    static func summarize(_ rec: AuditRecords.Clean, classNames: [String], bins: Int, into r: inout AuditResults) {
        let k = classNames.count, n = rec.images.count
        var correct: [Metric.Net: [Bool]] = [:]
        for (net, logits) in [(Metric.Net.float, rec.float), (.int8, rec.int8)] {
            let bad = stride(from: 0, to: logits.count, by: k).filter { b in logits[b..<(b + k)].contains { !$0.isFinite } }.count
            r[.clean(net, "nonfinite_fraction")] = Double(bad) / Double(max(n, 1))
            if bad > 0 {
                r.notes.append("the \(net.rawValue) net gives non-finite logits (NaN or Inf) on \(bad) of \(n) clean images: its accuracy counts them by an argmax over NaN and its calibration metrics are NaN")
            }
            let c = CalibrationMetrics.evaluate(probabilities: CalibrationMetrics.softmax(logits, classes: k), classes: k,
                                                labels: rec.labels, bins: bins)
            for (q, v) in [("accuracy", c.accuracy), ("ece", c.ece), ("mce", c.mce), ("rmsce", c.rmsce), ("adaptive_ece", c.adaptiveECE),
                           ("nll", c.nll), ("brier", c.brier)] {
                r[.clean(net, q)] = v
            }
            r[.headline(net, "accuracy")] = c.accuracy
            r[.headline(net, "ece")] = c.ece
            r.reliability[net.rawValue] = c.bins
            let pred = SoftmaxCrossEntropy.argmax(logits, classes: k)
            let ok = zip(pred, rec.labels).map { $0 == $1 }
            correct[net] = ok
            r.setInterval(.clean(net, "accuracy"), successes: Int((c.accuracy * Double(n)).rounded()), trials: n)
            r.confusion[net.rawValue] = Significance.confusion(labels: rec.labels, predicted: pred, classes: k)
            for (ci, name) in classNames.enumerated() {
                let mine = (0..<n).filter { rec.labels[$0] == ci }
                guard !mine.isEmpty else { continue }
                r.setAccuracy(.classAccuracy(net, className: name), successes: mine.filter { ok[$0] }.count, trials: mine.count)
            }
            r.predictions[net.rawValue] = pred
        }
        r.predictionImages = rec.images
        let fp = r.predictions["float"] ?? [], qp = r.predictions["int8"] ?? []
        r[.agreement("clean", "argmax_flips")] = Double(zip(fp, qp).filter { $0 != $1 }.count) / Double(max(n, 1))
        r.setPaired("clean", float: correct[.float] ?? [], int8: correct[.int8] ?? [])
    }
}
