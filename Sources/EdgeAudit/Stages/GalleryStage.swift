import EdgeAttacks
import EdgeCorruptions
import EdgeFloat

/// Example images for the report's grids: PGD examples at every ε with their amplified
/// perturbation, one image under every corruption at every level, and clean images the two
/// nets classify differently. A whole-sample figure (shard 1 only, like MI), kept cheap: a
/// handful of images, and at most `disagreementScan` clean images predicted.
public struct GalleryStage: AuditStage {
    /// `.gallery`.
    public var id: StageID { .gallery }
    /// Creates the stage.
    public init() {}

    /// Images shown under attack.
    static let adversarialImages = 4
    /// At most this many disagreements shown, found among this many clean images.
    static let disagreementImages = 8, disagreementScan = 300
    /// The PGD batch number of the gallery's own generator stream, far from any real batch,
    /// so its examples do not depend on how the PGD stage batches.
    static let pgdBatch = 0x6A_11E7

    /// Appends the gallery images to `records.whole.gallery`.
    public func run(_ ctx: AuditContext, into records: inout AuditRecords) throws {
        guard ctx.shard.ownsWholeSample else { return }
        guard ctx.set.count > 0 else { records.skipped["gallery"] = "no images"; return }
        let bar = ctx.progress("gallery", total: 3)
        records.whole.gallery += adversarial(ctx)
        bar.advance()
        records.whole.gallery += try corruptions(ctx)
        bar.advance()
        let (found, note) = disagreements(ctx)
        records.whole.gallery += found
        records.whole.labels["gallery.disagreement"] = note
        bar.advance()
        bar.finish()
    }

    func className(_ ctx: AuditContext, _ c: Int) -> String {
        c >= 0 && c < ctx.set.classNames.count ? ctx.set.classNames[c] : "class \(c)"
    }

    /// Both nets' predictions on planar uint8 images (one per label).
    func predict(_ ctx: AuditContext, _ pixels: [UInt8], labels: [Int]) -> (float: [Int], int8: [Int]) {
        let imgs = ctx.set.withPixels(pixels, labels: labels)
        let logits = ctx.float.forward(imgs.floatBatch(Array(0..<labels.count)).data, batch: labels.count).logits
        return (SoftmaxCrossEntropy.argmax(logits, classes: ctx.float.classes), ctx.int8Predictions(pixels, labels: labels))
    }

    func image(_ ctx: AuditContext, _ section: String, row: String, column: String, caption: String, _ px: ArraySlice<UInt8>) -> GalleryImage {
        GalleryImage(section: section, row: row, column: column, caption: caption, channels: ctx.set.channels,
                     height: ctx.set.height, width: ctx.set.width, pixels: Array(px))
    }

    func verdict(_ ctx: AuditContext, _ p: (float: [Int], int8: [Int]), _ b: Int) -> String {
        "float: \(className(ctx, p.float[b])) · int8: \(className(ctx, p.int8[b]))"
    }

    /// PGD at every ε on a few evenly spread images, snapped to the uint8 grid, with |δ|
    /// scaled by 1/ε so that a pixel moved by the full budget is white.
    func adversarial(_ ctx: AuditContext) -> [GalleryImage] {
        let s = ctx.settings, idx = ctx.spread(Self.adversarialImages), d = ctx.set.imageSize
        let labels = idx.map { ctx.set.labels[$0] }
        let x = ctx.set.floatBatch(idx).data, clean8 = ctx.pixels(idx)
        let rowName = { (b: Int) in "#\(idx[b]) \(className(ctx, labels[b]))" }
        var out: [GalleryImage] = []
        let cleanPred = predict(ctx, clean8, labels: labels)
        for b in idx.indices {
            out.append(image(ctx, "adversarial", row: rowName(b), column: "clean", caption: verdict(ctx, cleanPred, b), clean8[(b * d)..<((b + 1) * d)]))
        }
        for (ei, eps) in s.eps.enumerated() {
            let adv = GradientAttackStage.craft(ctx.float, pgd: true, x: x, labels: labels, eps: eps, epsIndex: ei, batch: Self.pgdBatch, settings: s)
            let snapped = PixelGrid.snap(adversarial: adv, clean: clean8)
            let p = predict(ctx, snapped, labels: labels)
            let e = MetricKey.number(eps)
            var delta = [UInt8](repeating: 0, count: snapped.count)
            for t in snapped.indices {
                let moved = Double(abs(Int(snapped[t]) - Int(clean8[t])))
                delta[t] = UInt8(min(255, (moved / max(eps, 1e-9)).rounded()))
            }
            for b in idx.indices {
                let r = (b * d)..<((b + 1) * d)
                let linf = snapped[r].indices.map { abs(Int(snapped[$0]) - Int(clean8[$0])) }.max() ?? 0
                out.append(image(ctx, "adversarial", row: rowName(b), column: "PGD ε=\(e)", caption: verdict(ctx, p, b), snapped[r]))
                out.append(image(ctx, "adversarial", row: rowName(b), column: "|δ| ε=\(e) ×\(MetricKey.number((1 / eps * 10).rounded() / 10))",
                                 caption: "max |δ| = \(linf)/255", delta[r]))
            }
        }
        return out
    }

    /// The first spread image under every corruption at every level.
    func corruptions(_ ctx: AuditContext) throws -> [GalleryImage] {
        let s = ctx.settings, i = ctx.spread(1)[0], side = min(ctx.set.height, ctx.set.width)
        var pixels: [UInt8] = [], cells: [(String, String, String)] = []
        for c in s.corruptions {
            for (li, p) in c.parameters(side: side).enumerated() {
                let cs = try c.apply(to: ctx.set.subset([i]), level: li + 1, seed: s.seed, indices: [i])
                pixels += cs.pixels
                cells.append((c.rawValue, "level \(li + 1)", "\(c.parameterName)=\(MetricKey.number(p))"))
            }
        }
        guard !cells.isEmpty else { return [] }
        let labels = [Int](repeating: ctx.set.labels[i], count: cells.count), d = ctx.set.imageSize
        let pred = predict(ctx, pixels, labels: labels)
        return cells.enumerated().map { b, cell in
            image(ctx, "corruption", row: cell.0, column: cell.1, caption: "\(cell.2) · \(verdict(ctx, pred, b))", pixels[(b * d)..<((b + 1) * d)])
        }
    }

    /// Up to `disagreementImages` clean images, among `disagreementScan` evenly spread
    /// ones, on which float and int8 predict different classes; and what was scanned.
    func disagreements(_ ctx: AuditContext) -> ([GalleryImage], String) {
        let scan = ctx.spread(min(Self.disagreementScan, ctx.set.count)), d = ctx.set.imageSize
        var out: [GalleryImage] = [], found = 0
        for start in stride(from: 0, to: scan.count, by: AuditContext.batch) {
            let idx = Array(scan[start..<min(start + AuditContext.batch, scan.count)])
            let labels = idx.map { ctx.set.labels[$0] }, px = ctx.pixels(idx)
            let p = predict(ctx, px, labels: labels)
            for b in idx.indices where p.float[b] != p.int8[b] {
                found += 1
                guard out.count < Self.disagreementImages else { continue }
                out.append(image(ctx, "disagreement", row: "clean", column: "#\(idx[b])",
                                 caption: "true: \(className(ctx, labels[b])) · \(verdict(ctx, p, b))", px[(b * d)..<((b + 1) * d)]))
            }
        }
        return (out, "float and int8 disagree on \(found) of \(scan.count) evenly spread clean images" + (found > out.count ? "; the first \(out.count) are shown" : ""))
    }
}
