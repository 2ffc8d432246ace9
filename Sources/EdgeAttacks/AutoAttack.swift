import EdgeCore
import EdgeData
import EdgeFloat
import EdgeQuant

/// AutoAttack (Croce & Hein 2020), standard version: APGD-CE → APGD-T (DLR, 9 targets) →
/// FAB-T (9 targets) → Square (5000 queries), each run only on the images every earlier
/// attack left correctly classified, so the result is the per-image worst case. The
/// standard budget is the paper's (fra31/auto-attack `set_version('standard')`); a
/// weakened run (fewer steps, targets or queries) reports the budget it actually used.
///
/// Two entry points: `run(float:…)` attacks a float net white-box; `run(int8:ste:…)`
/// crafts the gradient attacks on the straight-through simulation, snaps each example to
/// the uint8 grid and counts it only if the exact int8 net misclassifies it, and runs
/// Square query-only on the int8 net.
public struct AutoAttack: Sendable {
    /// Radius in `norm` ([0, 1] pixel units).
    public var eps: Float
    /// L∞ or L2 (Square has no L2 here: it is skipped for L2 and says so).
    public var norm: AttackNorm
    /// APGD-CE and APGD-T iterations (standard: 100).
    public var apgdSteps = APGD.autoAttackSteps
    /// APGD-T and FAB-T target classes (standard: 9, capped at classes − 1).
    public var targetClasses = 9
    /// FAB-T iterations (standard: 100).
    public var fabSteps = 100
    /// Square queries per image (standard: 5000).
    public var squareQueries = 5000

    /// The attacks AutoAttack composes, in order.
    public enum Component: String, CaseIterable, Sendable {
        /// APGD with cross-entropy.
        case apgdCE = "apgd-ce"
        /// APGD with the targeted DLR loss.
        case apgdT = "apgd-t"
        /// Targeted FAB.
        case fabT = "fab-t"
        /// Square (query-only).
        case square
    }

    /// One attack's share of the result.
    public struct Step: Sendable {
        /// Which attack.
        public var name: Component
        /// Images still robust after it (and every attack before it).
        public var robustAfter: Int
        /// What it was allowed to spend.
        public var budget: AttackBudget
        /// Why it did not run, when it did not (e.g. Square under L2).
        public var skipped: String?
    }

    /// Per image and per attack.
    public struct Outcome: Sendable {
        /// Per image: correctly classified on the clean image and by every attack's example.
        public var robust: [Bool]
        /// Per image: the example that fooled it (float values; on the uint8 grid for the int8
        /// path), else the clean image.
        public var adversarial: [Float]
        /// Images correctly classified before any attack.
        public var cleanCorrect: Int
        /// The attacks in the order they ran.
        public var perAttack: [Step]
    }

    /// The standard version at radius `eps` in `norm`.
    public init(eps: Float, norm: AttackNorm = .linf) {
        self.eps = eps
        self.norm = norm
    }

    /// The budget of `c` in this configuration on a net with `classes` classes (targets are
    /// capped at classes − 1, as the attacks do).
    public func budget(_ c: Component, classes: Int) -> AttackBudget {
        let targets = min(targetClasses, max(classes - 1, 0))
        switch c {
        case .apgdCE: return AttackBudget(steps: apgdSteps)
        case .apgdT: return AttackBudget(steps: apgdSteps, targetClasses: targets)
        case .fabT: return AttackBudget(steps: fabSteps, targetClasses: targets)
        case .square: return AttackBudget(restarts: 1, queries: squareQueries)
        }
    }

    /// White-box on the float net: `x` holds b images (values in [0, 1], the net's input
    /// layout), `labels` their classes; `ids` name the images for Square's per-image
    /// generators (default 0..<b).
    public func run(float net: FloatNetwork, x: [Float], labels: [Int], ids: [Int]? = nil, rng: inout SeededGenerator) -> Outcome {
        let d = x.count / max(labels.count, 1)
        let squareSeed = rng.next()
        return compose(x: x, labels: labels, rng: &rng, predict: { v, n in
            SoftmaxCrossEntropy.argmax(net.forward(v, batch: n).logits, classes: net.classes)
        }, gradientNet: net, snap: { $0.adv }, square: { open in
            let sq = squareAttack()
            let sx = open.flatMap { x[($0 * d)..<(($0 + 1) * d)] }
            let r = sq.run(net, x: sx, labels: open.map { labels[$0] }, ids: open.map { (ids ?? Array(labels.indices))[$0] },
                           seed: squareSeed)
            return (r.adversarial, r.fooled)
        })
    }

    /// On the int8 net: gradient attacks on `ste` (StraightThrough.network), examples snapped
    /// to the uint8 grid and judged by `int8`; Square query-only on `int8`. Images
    /// `indices` of `set`.
    public func run(int8: IntegerNetwork, ste: FloatNetwork, set: LabeledImages, indices: [Int], seed: UInt64) -> Outcome {
        let d = set.imageSize
        let clean = indices.flatMap { set.pixels[($0 * d)..<(($0 + 1) * d)] }
        let labels = indices.map { set.labels[$0] }
        var rng = SeededGenerator(seed: seed, stream: 0x4155_544F)
        return compose(x: set.floatBatch(indices).data, labels: labels, rng: &rng, predict: { v, n in
            let px = v.map { UInt8(min(max(($0 * 255).rounded(), 0), 255)) }
            return int8.predict(set.withPixels(px, labels: [Int](repeating: 0, count: n)), Array(0..<n))
        }, gradientNet: ste, snap: { pairs in
            PixelGrid.snap(adversarial: pairs.adv, clean: pairs.open.flatMap { clean[($0 * d)..<(($0 + 1) * d)] }).map { Float($0) / 255 }
        }, square: { open in
            let sq = squareAttack()
            let r = sq.run(int8, set: set, indices: open.map { indices[$0] }, seed: seed)
            return (r.pixels.map { Float($0) / 255 }, r.fooled)
        })
    }

    /// Square with this configuration's budget.
    func squareAttack() -> SquareAttack {
        var s = SquareAttack.autoAttack(eps: eps)
        s.queries = squareQueries
        return s
    }
}
