import EdgeInformation

/// The input Fisher information F(x) = Jᵀ(diag p − ppᵀ)J of Shi et al. (spectral and
/// Frobenius norms, exactly from the K×K matrix) and their cross-category KL, on an evenly
/// spread subset, for the float net and for the int8 net through its STE simulation (the
/// exact int8 net has no gradient).
public struct FisherStage: AuditStage {
    /// `.fisher`.
    public var id: StageID { .fisher }
    /// Creates the stage.
    public init() {}

    /// Records both nets' per-image norms and log-probabilities.
    public func run(_ ctx: AuditContext, into records: inout AuditRecords) throws {
        let n = min(ctx.settings.fisherImages, ctx.set.count)
        guard n > 0 else { records.skipped["fisher"] = "fisher_images is 0"; return }
        let images = ctx.spread(n)
        let bar = ctx.progress("fisher", total: ctx.ownedCount(images))
        var rec = AuditRecords.Fisher()
        for (_, idx) in ctx.batches(images) {
            let x = ctx.set.floatBatch(idx).data
            rec.images += idx
            rec.labels += idx.map { ctx.set.labels[$0] }
            for f in FisherInformation.measure(net: ctx.float, x: x, batch: idx.count) {
                rec.floatSpectral.append(f.spectral); rec.floatFrobenius.append(f.frobenius); rec.floatLogP += f.logProbabilities
            }
            if let ste = ctx.ste {
                for f in FisherInformation.measure(net: ste, x: x, batch: idx.count) {
                    rec.int8Spectral.append(f.spectral); rec.int8Frobenius.append(f.frobenius); rec.int8LogP += f.logProbabilities
                }
            }
            bar.advance(idx.count)
        }
        bar.finish()
        records.fisher = rec
        records.whole.labels["fisher"] = "input Fisher information F(x) = Jᵀ(diag p − ppᵀ)J, J = ∂logits/∂x in [0, 1] pixel units (Shi et al.); norms from the exact K×K form; CCKL = mean KL(p_i‖p_j) in nats over image pairs with different labels; int8 through the STE simulation"
    }

    /// Mean and median norms and CCKL per net.
    static func summarize(_ rec: AuditRecords.Fisher, classes k: Int, into r: inout AuditResults) {
        guard !rec.images.isEmpty else { return }
        let nets: [(Metric.Net, [Double], [Double], [Double])] = [(.float, rec.floatSpectral, rec.floatFrobenius, rec.floatLogP),
                                                                  (.int8, rec.int8Spectral, rec.int8Frobenius, rec.int8LogP)]
        for (net, spectral, frobenius, logP) in nets where spectral.count == rec.images.count {
            let s = SampleStats(spectral), f = SampleStats(frobenius)
            r[Metric.fisher(net, "spectral_mean")] = s.mean
            r[Metric.fisher(net, "spectral_median")] = s.median
            r[Metric.fisher(net, "frobenius_mean")] = f.mean
            r[Metric.fisher(net, "frobenius_median")] = f.median
            r[Metric.fisher(net, "cckl")] = CrossCategoryKL.compute(logProbabilities: logP, classes: k, labels: rec.labels)
            r[Metric.fisher(net, "images")] = Double(rec.images.count)
        }
    }
}
