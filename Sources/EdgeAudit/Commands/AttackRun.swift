import EdgeAttacks
import EdgeCore
import EdgeData
import EdgeFloat
import EdgeModel
import EdgeQuant
import Foundation

/// `edge-audit attack`: one attack on the float or the int8 net, per ε — crafting, snapping
/// to the uint8 grid, evaluating, the 2×2 transfer matrix and the gradient-masking check.
/// Batches, generators and int8 predictions are the audit's (`AuditContext`).
public enum AttackRun {
    /// The int8 simulation with straight-through gradients when `r` needs it
    /// (`AttackRequest.needsSimulation`), else nil.
    public static func simulation(for r: AttackRequest, model: Model, int8: IntegerNetwork) throws -> FloatNetwork? {
        r.needsSimulation ? try StraightThrough.network(model, int8.graph) : nil
    }

    /// Runs `r` on `set`: `float` is attacked white-box, `int8` is the exact engine, `ste` its
    /// simulation (from `simulation(for:model:int8:)`). Writes the adversarial images when
    /// `r.saveAdversarial` is set. Fails with a usage error when the model has too few
    /// classes for the attack's loss.
    public static func run(_ r: AttackRequest, float: FloatNetwork, int8: IntegerNetwork, ste: FloatNetwork?, set: LabeledImages,
                           quiet: Bool) throws -> AttackOutcome {
        let k = float.classes
        if r.attack == .apgdT && k < 4 {
            throw EdgeError.usage("APGD-T's targeted DLR loss needs at least 4 classes (the model has \(k))")
        }
        if r.attack == .apgdDLR && k < 3 {
            throw EdgeError.usage("the DLR loss needs at least 3 classes (the model has \(k)); use apgd-ce")
        }
        let settings = AuditSettings.profile("default")!
        let job = AttackJob(r, AuditContext(float: float, int8: int8, ste: ste, set: set, settings: settings, quiet: quiet))
        let n = set.count
        let bar = job.ctx.progress("\(r.attack.rawValue) [\(r.net.rawValue)\(r.net == .int8 ? "/" + r.mode.rawValue : "")]",
                                   total: n * r.epsilons.count)
        var rows: [AttackRow] = []
        for (ei, e) in r.epsilons.enumerated() {
            let t0 = Date()
            let crafted = job.craft(eps: e, index: ei, bar: bar)
            var row = job.evaluate(crafted, eps: e)
            row.seconds = Date().timeIntervalSince(t0)
            rows.append(row)
            if let dir = r.saveAdversarial {
                // What the evaluated net saw, on the uint8 grid (a float net's examples are
                // snapped the same way, so a PNG round trip reproduces them up to that rounding).
                let adv = LabeledImages(channels: set.channels, height: set.height, width: set.width, pixels: crafted.evaluated,
                                        labels: set.labels, classNames: set.classNames, sources: set.sources)
                try ImageFolder.write(adv, to: "\(dir)/eps_\(MetricKey.number(e))", keepNames: true)
            }
        }
        bar.finish()
        job.maskingCheck(&rows)
        return AttackOutcome(request: r, images: n, rows: rows)
    }
}

/// The examples of one ε for every image, in set order (planar, pixel/255 floats or uint8).
struct AttackCrafted {
    /// Crafted on the float net.
    var onFloat: [Float]
    /// Crafted on the int8 simulation (zeros when it did not run).
    var onSTE: [Float]
    /// From the Square attack (zeros for the other attacks).
    var query: [UInt8]
    /// Square queries per image.
    var queriesUsed: [Int]
    /// AutoAttack's components on the evaluated net.
    var tally = AutoAttackTally()
    /// Crafting time on the attacked net, seconds.
    var craftSeconds = 0.0
    /// Float-net examples and simulation examples, snapped to the uint8 grid.
    var floatSnapped: [UInt8] = [], steSnapped: [UInt8] = []
    /// The uint8 images the evaluated net saw (float net: its examples, snapped).
    var evaluated: [UInt8] = []
}

/// One run's shared state: the request, the context, the targets and clean predictions.
struct AttackJob {
    let r: AttackRequest
    let ctx: AuditContext
    /// Target class per image when targeted: (label + 1) mod K.
    let targets: [Int]?
    let cleanFloat: [Int], cleanInt8: [Int]

    init(_ r: AttackRequest, _ ctx: AuditContext) {
        self.r = r
        self.ctx = ctx
        let set = ctx.set, k = ctx.float.classes
        targets = r.targeted ? set.labels.map { ($0 + 1) % k } : nil
        cleanFloat = SoftmaxCrossEntropy.argmax(ctx.float.forward(set.floatBatch(Array(0..<set.count)).data, batch: set.count).logits,
                                                classes: k)
        cleanInt8 = ctx.int8Predictions(set.pixels, labels: set.labels)
    }

    /// The float net's predictions on `b` planar float images.
    func predictFloat(_ x: [Float], _ b: Int) -> [Int] {
        SoftmaxCrossEntropy.argmax(ctx.float.forward(x, batch: b).logits, classes: ctx.float.classes)
    }

    /// Crafts every batch at `eps` (the `index`-th radius): Square on the int8 net, or the
    /// attack on the float net and, when present, on the simulation.
    func craft(eps e: Double, index ei: Int, bar: ProgressBar) -> AttackCrafted {
        let set = ctx.set, n = set.count, d = set.imageSize
        var c = AttackCrafted(onFloat: [Float](repeating: 0, count: n * d), onSTE: [Float](repeating: 0, count: n * d),
                              query: [UInt8](repeating: 0, count: n * d), queriesUsed: [Int](repeating: 0, count: n))
        for (bi, idx) in ctx.batches(ctx.allImages) {
            let x = set.floatBatch(idx).data
            let labels = idx.map { set.labels[$0] }
            let tg = targets.map { t in idx.map { t[$0] } }
            if r.attack == .square {
                let tc = Date()
                let out = SquareAttack(eps: Float(e), queries: r.queries, side: min(set.height, set.width))
                    .run(ctx.int8, set: set, indices: idx, seed: r.seed)
                for (j, i) in idx.enumerated() {
                    for t in 0..<d { c.query[i * d + t] = out.pixels[j * d + t] }
                    c.queriesUsed[i] = out.queriesUsed[j]
                }
                c.craftSeconds += Date().timeIntervalSince(tc)
            } else {
                let batch = AttackCraft.Batch(indices: idx, x: x, labels: labels, targets: tg, eps: e, epsIndex: ei, batch: bi)
                let tc = Date()
                let a = AttackCraft.craft(r, on: ctx.float, simulation: false, batch: batch, ctx: ctx, tally: &c.tally)
                if !r.craftsOnSTE { c.craftSeconds += Date().timeIntervalSince(tc) }
                for (j, i) in idx.enumerated() { for t in 0..<d { c.onFloat[i * d + t] = a[j * d + t] } }
                if let ste = ctx.ste {
                    let ts = Date()
                    let b = AttackCraft.craft(r, on: ste, simulation: true, batch: batch, ctx: ctx, tally: &c.tally)
                    if r.craftsOnSTE { c.craftSeconds += Date().timeIntervalSince(ts) }
                    for (j, i) in idx.enumerated() { for t in 0..<d { c.onSTE[i * d + t] = b[j * d + t] } }
                }
            }
            bar.advance(idx.count)
        }
        c.floatSnapped = PixelGrid.snap(adversarial: c.onFloat, clean: set.pixels)
        c.steSnapped = PixelGrid.snap(adversarial: c.onSTE, clean: set.pixels)
        c.evaluated = r.net == .float ? c.floatSnapped : (r.attack == .square ? c.query : (r.mode == .ste ? c.steSnapped : c.floatSnapped))
        return c
    }
}
