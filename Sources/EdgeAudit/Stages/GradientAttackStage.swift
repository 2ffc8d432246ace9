import EdgeAttacks
import EdgeCore
import EdgeFloat

/// FGSM or PGD (L∞) crafted white-box on the float net; the examples, snapped to the uint8
/// grid, are evaluated on the exact int8 net (transfer). With an STE simulation, the same
/// attack is also crafted through it and evaluated on the int8 net.
public struct GradientAttackStage: AuditStage {
    /// fgsm or pgd.
    public let pgd: Bool
    /// `.fgsm` or `.pgd`.
    public var id: StageID { pgd ? .pgd : .fgsm }
    /// Creates the stage.
    public init(pgd: Bool) { self.pgd = pgd }

    /// The attack on one batch (PGD's generator depends only on ε and the batch number).
    static func craft(_ net: FloatNetwork, pgd: Bool, x: [Float], labels: [Int], eps: Double, epsIndex: Int, batch: Int,
                      settings s: AuditSettings) -> [Float] {
        guard pgd else { return GradientAttacks.fgsm(net, x: x, labels: labels, eps: Float(eps)) }
        var rng = SeededGenerator(seed: s.seed, stream: 0x5047_44, UInt64(epsIndex), UInt64(batch))
        let e = Float(eps)
        return GradientAttacks.pgd(net, x: x, labels: labels, eps: e, stepSize: 2.5 * e / Float(max(s.pgdSteps, 1)),
                                   steps: s.pgdSteps, restarts: s.pgdRestarts, rng: &rng)
    }

    /// Records, per ε and image, which nets stay correct and the perturbation's norms.
    public func run(_ ctx: AuditContext, into records: inout AuditRecords) throws {
        let s = ctx.settings, name = pgd ? "pgd" : "fgsm"
        let images = pgd ? ctx.spread(min(s.pgdImages ?? ctx.set.count, ctx.set.count)) : ctx.allImages
        let bar = ctx.progress(name, total: ctx.ownedCount(images) * s.eps.count)
        for (ei, eps) in s.eps.enumerated() {
            var rec = AuditRecords.Attack(attack: name, eps: eps)
            if ctx.ste != nil { rec.ste = [] }
            for (bi, idx) in ctx.batches(images) {
                let x = ctx.set.floatBatch(idx).data
                let labels = idx.map { ctx.set.labels[$0] }
                let clean8 = ctx.pixels(idx)
                let adv = Self.craft(ctx.float, pgd: pgd, x: x, labels: labels, eps: eps, epsIndex: ei, batch: bi, settings: s)
                if let ste = ctx.ste {
                    let a = Self.craft(ste, pgd: pgd, x: x, labels: labels, eps: eps, epsIndex: ei, batch: bi, settings: s)
                    rec.ste! += zip(ctx.int8Predictions(PixelGrid.snap(adversarial: a, clean: clean8), labels: labels), labels).map { $0 == $1 }
                }
                let fp = SoftmaxCrossEntropy.argmax(ctx.float.forward(adv, batch: idx.count).logits, classes: ctx.float.classes)
                // The int8 net sees what a board would: the example on the uint8 grid.
                let snapped = PixelGrid.snap(adversarial: adv, clean: clean8)
                let n = PixelGrid.norms(snapped: snapped, clean: clean8, imageSize: ctx.set.imageSize)
                rec.linf += n.linf; rec.l2 += n.l2
                rec.images += idx
                rec.labels += labels
                rec.float += zip(fp, labels).map { $0 == $1 }
                rec.int8 += zip(ctx.int8Predictions(snapped, labels: labels), labels).map { $0 == $1 }
                bar.advance(idx.count)
            }
            records.attacks.append(rec)
        }
        bar.finish()
    }

    /// Accuracies (with intervals), mean norms and the paired test per (attack, ε).
    static func summarize(_ rec: AuditRecords.Attack, into r: inout AuditResults) {
        let n = rec.images.count
        guard n > 0 else { return }
        let count = { (v: [Bool]) in v.filter { $0 }.count }
        r.setAccuracy(.attack(.float, rec.attack, eps: rec.eps, "accuracy"), successes: count(rec.float), trials: n)
        r.setAccuracy(.attack(.int8, rec.attack, eps: rec.eps, "accuracy"), successes: count(rec.int8), trials: n)
        r[.attack(.int8, rec.attack, eps: rec.eps, "mean_linf")] = rec.linf.reduce(0, +) / Double(n)
        r[.attack(.int8, rec.attack, eps: rec.eps, "mean_l2")] = rec.l2.reduce(0, +) / Double(n)
        if let ste = rec.ste { r.setAccuracy(.attack(.int8, rec.attack + "_ste", eps: rec.eps, "accuracy"), successes: count(ste), trials: n) }
        r.setPaired("\(rec.attack).\(Metric.epsKey(rec.eps))", float: rec.float, int8: rec.int8)
    }
}
