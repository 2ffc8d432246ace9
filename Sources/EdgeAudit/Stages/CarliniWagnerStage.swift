import EdgeAttacks
import EdgeFloat

/// Carlini–Wagner L2 (minimal perturbation) crafted on the float net on a subset; its
/// examples, snapped to the uint8 grid, are evaluated on the int8 net (transfer).
public struct CarliniWagnerStage: AuditStage {
    /// `.cw`.
    public var id: StageID { .cw }
    /// Creates the stage.
    public init() {}

    /// Records, per image, clean correctness, who was fooled and the float example's L2.
    public func run(_ ctx: AuditContext, into records: inout AuditRecords) throws {
        let s = ctx.settings
        let n = min(s.cwImages, ctx.set.count)
        guard n > 0 else { records.skipped["cw"] = "cw_images is 0"; return }
        let images = ctx.spread(n)
        let bar = ctx.progress("cw", total: ctx.ownedCount(images))
        var rec = AuditRecords.CW()
        let k = ctx.float.classes, d = ctx.set.imageSize
        for (_, idx) in ctx.batches(images) {
            let x = ctx.set.floatBatch(idx).data
            let labels = idx.map { ctx.set.labels[$0] }
            let cleanPred = SoftmaxCrossEntropy.argmax(ctx.float.forward(x, batch: idx.count).logits, classes: k)
            let adv = CarliniWagnerL2(maxSteps: s.cwSteps, searchSteps: 4, initialConst: 0.1, learningRate: 0.05).perturb(ctx.float, x: x, labels: labels)
            let pred = SoftmaxCrossEntropy.argmax(ctx.float.forward(adv, batch: idx.count).logits, classes: k)
            let snapped = PixelGrid.snap(adversarial: adv, clean: ctx.pixels(idx))
            let qPred = ctx.int8Predictions(snapped, labels: labels)
            for b in 0..<idx.count {
                var s2 = 0.0
                for t in 0..<d { let v = Double(adv[b * d + t] - x[b * d + t]); s2 += v * v }
                rec.images.append(idx[b])
                rec.cleanCorrect.append(cleanPred[b] == labels[b])
                rec.floatFooled.append(pred[b] != labels[b])
                rec.int8Fooled.append(qPred[b] != labels[b])
                rec.l2.append(s2.squareRoot())
            }
            bar.advance(idx.count)
        }
        bar.finish()
        records.cw = rec
    }

    /// Success rates over the images the float net gets right, and the L2 of successful
    /// float examples.
    static func summarize(_ rec: AuditRecords.CW, into r: inout AuditResults) {
        var norms: [Double] = [], fFooled = 0, qFooled = 0, correct = 0
        for i in rec.images.indices where rec.cleanCorrect[i] {
            correct += 1
            if rec.floatFooled[i] { fFooled += 1; norms.append(rec.l2[i]) }
            if rec.int8Fooled[i] { qFooled += 1 }
        }
        r.setAccuracy(.cw(.float, "success_rate"), successes: fFooled, trials: correct)
        r.setAccuracy(.cw(.int8, "success_rate"), successes: qFooled, trials: correct)
        if !norms.isEmpty {
            norms.sort()
            r[.cw(.float, "median_l2")] = norms[norms.count / 2]
            r[.cw(.float, "mean_l2")] = norms.reduce(0, +) / Double(norms.count)
        }
    }
}
