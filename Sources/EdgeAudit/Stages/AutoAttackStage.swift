import EdgeAttacks
import EdgeCore

/// AutoAttack (Croce & Hein 2020: APGD-CE → APGD-T → FAB-T → Square, each on what is still
/// robust) at every ε: white-box on the float net, its examples snapped to the uint8 grid
/// and judged by the int8 net (transfer), and crafted through the STE simulation and judged
/// by the int8 net with Square query-only on it (ste). Records feed the per-attack numbers,
/// the paired test and the per-image worst case like the other gradient attacks.
public struct AutoAttackStage: AuditStage {
    /// `.autoattack`.
    public var id: StageID { .autoattack }
    /// Creates the stage.
    public init() {}

    /// The configured attack at `eps`.
    static func attack(_ s: AuditSettings, eps: Double) -> AutoAttack {
        var a = AutoAttack(eps: Float(eps))
        a.apgdSteps = s.autoAttackSteps
        a.targetClasses = s.autoAttackTargets
        a.fabSteps = s.autoAttackFabSteps
        a.squareQueries = s.autoAttackQueries
        return a
    }

    /// Records, per ε and image, robustness on each net and the components' tallies.
    public func run(_ ctx: AuditContext, into records: inout AuditRecords) throws {
        let s = ctx.settings
        let n = min(s.autoAttackImages, ctx.set.count)
        guard n > 0 else { records.skipped["autoattack"] = "autoattack_images is 0 (the quick profile and --autoattack-images 0 skip it)"; return }
        let images = ctx.spread(n)
        let bar = ctx.progress("autoattack", total: ctx.ownedCount(images) * s.eps.count)
        for (ei, eps) in s.eps.enumerated() {
            let atk = Self.attack(s, eps: eps)
            var rec = AuditRecords.Attack(attack: "autoattack", eps: eps)
            var tally: [String: Int] = [:]
            if ctx.ste != nil { rec.ste = [] }
            for (bi, idx) in ctx.batches(images) {
                let labels = idx.map { ctx.set.labels[$0] }
                let clean8 = ctx.pixels(idx)
                var rng = SeededGenerator(seed: s.seed, stream: 0x4155_5441, UInt64(ei), UInt64(bi))
                let out = atk.run(float: ctx.float, x: ctx.set.floatBatch(idx).data, labels: labels, ids: idx, rng: &rng)
                for st in out.perAttack { tally["float.\(st.name.rawValue)", default: 0] += st.robustAfter }
                let snapped = PixelGrid.snap(adversarial: out.adversarial, clean: clean8)
                if let ste = ctx.ste {
                    let q = atk.run(int8: ctx.int8, ste: ste, set: ctx.set, indices: idx, seed: s.seed &+ UInt64(ei))
                    rec.ste! += q.robust
                    for st in q.perAttack { tally["int8_ste.\(st.name.rawValue)", default: 0] += st.robustAfter }
                }
                let n = PixelGrid.norms(snapped: snapped, clean: clean8, imageSize: ctx.set.imageSize)
                rec.linf += n.linf; rec.l2 += n.l2
                rec.images += idx
                rec.labels += labels
                rec.float += out.robust
                rec.int8 += zip(ctx.int8Predictions(snapped, labels: labels), labels).map { $0 == $1 }
                bar.advance(idx.count)
            }
            rec.robustAfter = tally
            records.attacks.append(rec)
        }
        bar.finish()
        let budget = AutoAttack.Component.allCases.map { "\($0.rawValue) \(Self.attack(s, eps: s.eps.first ?? 0.1).budget($0, classes: ctx.float.classes).summary)" }
        let strength = s.autoAttackIsStandard ? "standard budget" : "WEAKENED budget (profile \(s.profile)): a lower bound on the attack's strength, not AutoAttack's number"
        records.whole.labels["autoattack.budget"] = "AutoAttack \(strength): " + budget.joined(separator: " → ")
    }

    /// The robust fraction after each component, per net (from the summed tallies).
    static func summarizeComponents(_ rec: AuditRecords.Attack, into r: inout AuditResults) {
        guard let t = rec.robustAfter, !rec.images.isEmpty else { return }
        for (key, count) in t {
            let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            let net: Metric.Net = parts[0] == "float" ? .float : .int8
            let attack = parts[0] == "int8_ste" ? "autoattack_ste" : "autoattack"
            r[.attack(net, attack, eps: rec.eps, "robust_after_" + parts[1].replacingOccurrences(of: "-", with: "_"))] = Double(count) / Double(rec.images.count)
        }
    }
}
