import EdgeAttacks
import EdgeFloat
import EdgeInformation

/// Interpretation discrepancy (Boopathy et al.; docs/saliency.md): on an evenly spread
/// sample, the attribution maps of the class the float net predicts on the clean image,
/// compared float vs int8 (the STE simulation, same input) and clean vs PGD (crafted on the
/// float net at the MI stage's ε, snapped to the uint8 grid; each net's maps of the two).
/// Per image: the ℓ1 distance of ℓ1-normalised maps and Kendall τ_b of the top-k pixels.
/// A whole-sample figure (shard 1 only, like MI), with a few images for the report's grid.
public struct SaliencyStage: AuditStage {
    /// `.saliency`.
    public var id: StageID { .saliency }
    /// Creates the stage.
    public init() {}

    /// Images drawn in the report's grid (evenly spread over the sample).
    static let gridImages = 4
    /// The PGD batch numbers of the stage's own generator streams, far from the PGD stage's
    /// and the gallery's, so its examples do not depend on how other stages batch.
    static let pgdBatch = 0x5A_11E7

    /// Per-image discrepancies of one comparison.
    struct Pairs {
        var l1: [Double] = [], tau: [Double] = []

        mutating func add(_ a: [Float], _ b: [Float], fraction: Double) -> (Double, Double?) {
            let d = SaliencyDiscrepancy.l1(a, b), t = SaliencyDiscrepancy.kendallTopK(a, b, fraction: fraction)
            l1.append(d)
            if let t { tau.append(t) }
            return (d, t)
        }
    }

    /// Records the summaries as whole-sample values and the grid as gallery images.
    public func run(_ ctx: AuditContext, into records: inout AuditRecords) throws {
        guard ctx.shard.ownsWholeSample else { return }
        let s = ctx.settings, n = min(s.saliencyImages, ctx.set.count)
        guard n > 0 else { records.skipped["saliency"] = ctx.set.count == 0 ? "no images" : "saliency_images is 0"; return }
        let images = ctx.spread(n), o = s.saliencyOptions, eps = s.miAttackEps, d = ctx.set.imageSize
        var floatInt8 = Pairs(), floatAdv = Pairs(), int8Adv = Pairs()
        // Grid rows spread over the sample, so that they show several classes.
        let rows = min(Self.gridImages, images.count), gridAt = Set((0..<rows).map { $0 * images.count / rows })
        let bar = ctx.progress("saliency", total: images.count)
        for (bi, start) in stride(from: 0, to: images.count, by: AuditContext.batch).enumerated() {
            let idx = Array(images[start..<min(start + AuditContext.batch, images.count)]), b = idx.count
            let x = ctx.set.floatBatch(idx).data, labels = idx.map { ctx.set.labels[$0] }, clean8 = ctx.pixels(idx)
            let classes = SoftmaxCrossEntropy.argmax(ctx.float.forward(x, batch: b).logits, classes: ctx.float.classes)
            let adv = GradientAttackStage.craft(ctx.float, pgd: true, x: x, labels: labels, eps: eps, epsIndex: s.eps.firstIndex(of: eps) ?? 0,
                                                batch: Self.pgdBatch + bi, settings: s)
            // What a board would see, for both nets.
            let adv8 = PixelGrid.snap(adversarial: adv, clean: clean8), advX = adv8.map { Float($0) * (1 / 255) }
            // An image's SmoothGrad noise is keyed by its index: the same noise for all its maps.
            let streams = idx.map(UInt64.init)
            let maps = { (net: FloatNetwork, input: [Float]) in
                Saliency.maps(net, x: input, batch: b, classes: classes, options: o, streams: streams)
            }
            let mf = maps(ctx.float, x), mfa = maps(ctx.float, advX)
            let ste = ctx.ste.map { (maps($0, x), maps($0, advX)) }
            let advPred = SoftmaxCrossEntropy.argmax(ctx.float.forward(advX, batch: b).logits, classes: ctx.float.classes)
            let per = mf.channels * d / ctx.set.channels
            for j in 0..<b {
                let pick = { (m: Saliency.Maps) in Saliency.pixelMap(m.values[(j * per)..<((j + 1) * per)], channels: m.channels) }
                let pf = pick(mf), pfa = pick(mfa)
                let cf = floatAdv.add(pf, pfa, fraction: s.saliencyTopK)
                var row: [(String, [Float], String)] = [("float", pf, "class \(name(ctx, classes[j]))")]
                if let pair = ste {
                    let pq = pick(pair.0), pqa = pick(pair.1)
                    let cq = floatInt8.add(pf, pq, fraction: s.saliencyTopK), ca = int8Adv.add(pq, pqa, fraction: s.saliencyTopK)
                    row.append(("int8 (ste)", pq, "vs float: " + said(cq)))
                    row += [("float, PGD", pfa, "vs clean: " + said(cf)), ("int8 (ste), PGD", pqa, "vs clean: " + said(ca))]
                } else {
                    row.append(("float, PGD", pfa, "vs clean: " + said(cf)))
                }
                guard gridAt.contains(start + j) else { continue }
                let rowName = "#\(idx[j]) \(name(ctx, labels[j]))"
                records.whole.gallery += grid(ctx, row: rowName, clean: Array(clean8[(j * d)..<((j + 1) * d)]),
                                              adversarial: Array(adv8[(j * d)..<((j + 1) * d)]), predicted: name(ctx, advPred[j]), maps: row)
            }
            bar.advance(b)
        }
        bar.finish()
        var values = [MetricValue(metric: .saliencyImages, value: Double(images.count))]
        values += Self.summaries(floatAdv, .float, .cleanVsPGD)
        if ctx.ste != nil { values += Self.summaries(floatInt8, nil, .floatVsInt8) + Self.summaries(int8Adv, .int8, .cleanVsPGD) }
        records.whole.values += values
        records.whole.labels["saliency"] = "\(o.described) of the class the float net predicts on the clean image; float vs int8 (STE simulation) on the same clean input, and each net's clean vs PGD map (PGD-\(s.pgdSteps) at ε = \(MetricKey.number(eps)) on the float net, snapped to the uint8 grid); ℓ1 = ‖m/‖m‖₁ − m′/‖m′‖₁‖₁ ∈ [0, 2] on channel-summed pixel maps; Kendall τ_b of |m| and |m′| on the union of both maps' top \(MetricKey.number(s.saliencyTopK * 100))% pixels"
    }

    /// Mean and median of one comparison's ℓ1 and τ.
    static func summaries(_ p: Pairs, _ net: Metric.Net?, _ c: Metric.SaliencyComparison) -> [MetricValue] {
        let l = SampleStats(p.l1), t = SampleStats(p.tau)
        return zip(Metric.saliencyQuantities, [l.mean, l.median, t.mean, t.median]).compactMap { q, v in
            v.isNaN ? nil : MetricValue(metric: .saliency(net, c, q), value: v)
        }
    }

    func name(_ ctx: AuditContext, _ c: Int) -> String { c >= 0 && c < ctx.set.classNames.count ? ctx.set.classNames[c] : "class \(c)" }

    func said(_ c: (Double, Double?)) -> String {
        "ℓ1 \(String(format: "%.2f", c.0)) · τ " + (c.1.map { String(format: "%.2f", $0) } ?? "–")
    }

    /// One grid row: the clean image, its maps, the PGD image, its maps (overlays in RGB).
    func grid(_ ctx: AuditContext, row: String, clean: [UInt8], adversarial: [UInt8], predicted: String,
              maps: [(String, [Float], String)]) -> [GalleryImage] {
        let (c, h, w) = (ctx.set.channels, ctx.set.height, ctx.set.width)
        let picture = { (column: String, caption: String, px: [UInt8], channels: Int) in
            GalleryImage(section: "saliency", row: row, column: column, caption: caption, channels: channels, height: h, width: w, pixels: px)
        }
        var out = [picture("input", "clean", clean, c)]
        for (column, m, caption) in maps where !column.hasSuffix("PGD") {
            out.append(picture(column, caption, SaliencyOverlay.rgb(map: m, image: clean, channels: c), 3))
        }
        out.append(picture("PGD input", "float predicts \(predicted)", adversarial, c))
        for (column, m, caption) in maps where column.hasSuffix("PGD") {
            out.append(picture(column, caption, SaliencyOverlay.rgb(map: m, image: adversarial, channels: c), 3))
        }
        return out
    }
}
