import EdgeAttacks

/// The Square attack (Andriushchenko et al. 2020), query-only on the exact int8 net, on the
/// uint8 grid. Each image's generator depends on (seed, image) only.
public struct SquareStage: AuditStage {
    /// `.square`.
    public var id: StageID { .square }
    /// Creates the stage.
    public init() {}

    /// Records, per ε and image, whether it was fooled and the queries used.
    public func run(_ ctx: AuditContext, into records: inout AuditRecords) throws {
        let s = ctx.settings
        let n = min(s.squareImages, ctx.set.count)
        guard n > 0, s.squareQueries > 0 else {
            records.skipped["square"] = n == 0 ? "square_images is 0" : "square_queries is 0"
            return
        }
        let images = ctx.spread(n)
        let bar = ctx.progress("square", total: ctx.ownedCount(images) * s.eps.count)
        for eps in s.eps {
            let atk = SquareAttack(eps: Float(eps), queries: s.squareQueries, side: min(ctx.set.height, ctx.set.width))
            var rec = AuditRecords.Square(eps: eps)
            for (_, idx) in ctx.batches(images) {
                let out = atk.run(ctx.int8, set: ctx.set, indices: idx, seed: s.seed)
                rec.images += idx
                rec.fooled += out.fooled
                rec.queries += out.queriesUsed
                bar.advance(idx.count)
            }
            records.square.append(rec)
        }
        bar.finish()
    }

    /// Robust accuracy (with interval), mean queries, and the gradient-masking check
    /// against the transferred PGD at the same ε.
    static func summarize(_ rec: AuditRecords.Square, into r: inout AuditResults) {
        let n = rec.images.count
        guard n > 0 else { return }
        let acc = Metric.attack(.int8, "square", eps: rec.eps, "accuracy")
        r.setAccuracy(acc, successes: rec.fooled.filter { !$0 }.count, trials: n)
        r[.attack(.int8, "square", eps: rec.eps, "mean_queries")] = Double(rec.queries.reduce(0, +)) / Double(n)
        if let a = r[acc], let pgd = r[.attack(.int8, "pgd", eps: rec.eps, "accuracy")], a + 1e-12 < pgd {
            r.notes.append(String(format: "gradient-masking check: at eps %@ the query attack (%.3f) beats the transferred PGD (%.3f) on the int8 net; gradient-based numbers understate its fragility",
                                  MetricKey.number(rec.eps), a, pgd))
        }
    }
}
