import EdgeAttacks
import EdgeCore
import EdgeFloat

/// How `attack` crafts one batch with each attack. Every batch's generator depends only on
/// (seed, ε index, batch number), so results do not depend on the thread count.
enum AttackCraft {
    /// One batch of images and its place in the run.
    struct Batch {
        /// Image indices in the set.
        var indices: [Int]
        /// Planar pixel/255 inputs.
        var x: [Float]
        /// True labels.
        var labels: [Int]
        /// Target classes when targeted.
        var targets: [Int]?
        /// The radius.
        var eps: Double
        /// Position of `eps` in the request, and the batch number (generator streams).
        var epsIndex: Int, batch: Int
    }

    /// Crafts `b` with `r.attack` on `net`; `simulation` says `net` is the int8 simulation
    /// (AutoAttack then judges each component on the exact int8 net). AutoAttack's
    /// breakdown is merged into `tally` only for the evaluated net.
    static func craft(_ r: AttackRequest, on net: FloatNetwork, simulation: Bool, batch b: Batch, ctx: AuditContext,
                      tally: inout AutoAttackTally) -> [Float] {
        var rng = SeededGenerator(seed: r.seed, stream: 0x4154_4B, UInt64(b.epsIndex), UInt64(b.batch))
        let e = Float(b.eps)
        switch r.attack {
        case .fgsm: return GradientAttacks.fgsm(net, x: b.x, labels: b.labels, eps: e, targets: b.targets)
        case .pgd:
            let a = Float(r.stepSize ?? 2.5 * b.eps / Double(r.steps))
            return GradientAttacks.pgd(net, x: b.x, labels: b.labels, eps: e, stepSize: a, steps: r.steps, norm: r.norm,
                                       restarts: r.restarts, targets: b.targets, rng: &rng)
        case .apgdCE, .apgdDLR:
            return APGD(eps: e, steps: r.steps, loss: r.attack == .apgdDLR ? .dlr : .ce, restarts: r.restarts)
                .perturb(net, x: b.x, labels: b.labels, rng: &rng)
        case .cw:
            return CarliniWagnerL2(kappa: Float(r.kappa), maxSteps: r.maxSteps, searchSteps: r.searchSteps)
                .perturb(net, x: b.x, labels: b.labels, targets: b.targets)
        case .square: preconditionFailure("the Square attack is crafted by queries, not gradients")
        case .apgdT:
            return APGDTargeted(eps: e, steps: r.steps, restarts: r.restarts, norm: r.norm)
                .perturb(net, x: b.x, labels: b.labels, rng: &rng)
        case .fabT: return fab(r, on: net, batch: b, d: ctx.set.imageSize, rng: &rng)
        case .mifgsm: return MIFGSM(eps: e, steps: r.steps).perturb(net, x: b.x, labels: b.labels)
        case .ddn: return DDN(steps: r.steps).perturb(net, x: b.x, labels: b.labels, rng: &rng).adversarial
        case .deepfool: return DeepFool(steps: r.steps).perturb(net, x: b.x, labels: b.labels).adversarial
        case .autoattack:
            let (adv, t) = autoAttack(r, on: net, simulation: simulation, batch: b, ctx: ctx, rng: &rng)
            if simulation == r.craftsOnSTE { tally.merge(t) }
            return adv
        }
    }

    /// FAB-T; images it found no example for within ε keep their clean pixels.
    static func fab(_ r: AttackRequest, on net: FloatNetwork, batch b: Batch, d: Int, rng: inout SeededGenerator) -> [Float] {
        let eps = Float(b.eps)
        let o = FABTargeted(eps: eps, norm: r.norm, steps: r.steps, restarts: r.restarts).run(net, x: b.x, labels: b.labels, rng: &rng)
        var adv = o.adversarial
        for j in b.labels.indices where !(o.distance[j] <= eps) {
            adv.replaceSubrange((j * d)..<((j + 1) * d), with: b.x[(j * d)..<((j + 1) * d)])
        }
        return adv
    }

    /// AutoAttack at its standard budget: white-box on a float net, or through the
    /// simulation with every component judged on the exact int8 net.
    static func autoAttack(_ r: AttackRequest, on net: FloatNetwork, simulation: Bool, batch b: Batch, ctx: AuditContext,
                           rng: inout SeededGenerator) -> ([Float], AutoAttackTally) {
        let aa = AutoAttack(eps: Float(b.eps), norm: r.norm)
        guard simulation else {
            let o = aa.run(float: net, x: b.x, labels: b.labels, ids: b.indices, rng: &rng)
            return (o.adversarial, AutoAttackTally(o))
        }
        let set = ctx.set
        let o = aa.run(int8: ctx.int8, ste: net, set: set, indices: b.indices, seed: rng.next())
        // Already on the uint8 grid; move half a step outwards so that the caller's
        // PixelGrid.snap (which rounds toward the clean pixel) lands on the same pixel.
        let d = set.imageSize
        var adv = o.adversarial
        for (j, i) in b.indices.enumerated() {
            for t in 0..<d {
                let p = (adv[j * d + t] * 255).rounded(), c = Float(set.pixels[i * d + t])
                adv[j * d + t] = (p + (p > c ? 0.5 : (p < c ? -0.5 : 0))) / 255
            }
        }
        return (adv, AutoAttackTally(o))
    }
}
