import EdgeCore
import EdgeFloat

/// The cascade itself, shared by the float and the int8 entry points: they differ only in
/// which net judges an example, how a crafted example becomes an input (identity, or
/// snapping to the uint8 grid) and how Square queries.
extension AutoAttack {
    /// A crafted batch for the images `open` (indices into the run's batch, ascending).
    typealias Crafted = (adv: [Float], open: [Int])

    /// Runs the components in order on what is still robust; see `Outcome`.
    func compose(x: [Float], labels: [Int], rng: inout SeededGenerator, predict: ([Float], Int) -> [Int],
                 gradientNet net: FloatNetwork, snap: (Crafted) -> [Float],
                 square: ([Int]) -> (adv: [Float], fooled: [Bool])) -> Outcome {
        let b = labels.count, d = x.count / max(b, 1)
        var robust = b > 0 ? zip(predict(x, b), labels).map { $0 == $1 } : []
        var out = Outcome(robust: robust, adversarial: x, cleanCorrect: robust.filter { $0 }.count, perAttack: [])
        for c in Component.allCases {
            let open = (0..<b).filter { robust[$0] }
            var step = Step(name: c, robustAfter: open.count, budget: budget(c, classes: net.classes), skipped: skipReason(c, classes: net.classes))
            defer { out.perAttack.append(step) }
            guard step.skipped == nil, !open.isEmpty else { continue }
            let sx = open.flatMap { x[($0 * d)..<(($0 + 1) * d)] }, sl = open.map { labels[$0] }
            let candidate: [Float]
            switch c {
            case .apgdCE:
                candidate = snap((APGD(eps: eps, steps: apgdSteps, loss: .ce, norm: norm).perturb(net, x: sx, labels: sl, rng: &rng), open))
            case .apgdT:
                let a = APGDTargeted(eps: eps, steps: apgdSteps, targetClasses: targetClasses, norm: norm)
                candidate = snap((a.perturb(net, x: sx, labels: sl, rng: &rng), open))
            case .fabT:
                let f = FABTargeted(eps: eps, norm: norm, steps: fabSteps, targetClasses: targetClasses).run(net, x: sx, labels: sl, rng: &rng)
                // A minimal-perturbation attack counts only inside the budget: keep the clean
                // image where the smallest example found is larger than ε.
                var within = f.adversarial
                for j in open.indices where !(f.distance[j] <= eps) {
                    within.replaceSubrange((j * d)..<((j + 1) * d), with: sx[(j * d)..<((j + 1) * d)])
                }
                candidate = snap((within, open))
            case .square:
                candidate = square(open).adv
            }
            let pred = predict(candidate, open.count)
            for (j, n) in open.enumerated() where pred[j] != labels[n] {
                robust[n] = false
                out.adversarial.replaceSubrange((n * d)..<((n + 1) * d), with: candidate[(j * d)..<((j + 1) * d)])
            }
            step.robustAfter = robust.filter { $0 }.count
        }
        out.robust = robust
        return out
    }

    /// Why `c` cannot run here, or nil.
    func skipReason(_ c: Component, classes k: Int) -> String? {
        switch c {
        case .apgdT: return k < 4 ? "the targeted DLR loss needs at least 4 classes" : nil
        case .fabT: return k < 2 ? "needs at least 2 classes" : nil
        case .square: return norm == .l2 ? "Square runs in L∞ only" : nil
        case .apgdCE: return nil
        }
    }
}
