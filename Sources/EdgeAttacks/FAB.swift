import EdgeCore
import EdgeFloat

/// FAB-T, the targeted Fast Adaptive Boundary attack (Croce & Hein, ICML 2020 "Minimally
/// distorted adversarial examples with a fast adaptive boundary attack"; AutoAttack's third
/// attack), L∞ or L2: a minimal-perturbation attack. Each step linearises the margin
/// z_t − z_y, projects both the iterate and the clean image onto its zero set inside the
/// box (BoxedHyperplane), and mixes the two with a bias towards the clean image (α ≤ α_max),
/// overshooting by η; once an iterate is misclassified it is kept if smaller than the best,
/// and the search backs off towards the clean image by β. Constants are the authors'
/// (fra31/auto-attack `fab_base.py`): 100 iterations, α_max = 0.1, η = 1.05, β = 0.9; the
/// first restart starts at the clean image, later ones at a random point of the ε/2 ball.
public struct FABTargeted: Sendable {
    /// The norm minimised.
    public var norm: AttackNorm
    /// Iterations per (target, restart).
    public var steps: Int
    /// Target classes tried, highest-scoring non-true first (capped at classes − 1).
    public var targetClasses: Int
    /// Restarts per target (AutoAttack standard: 1).
    public var restarts: Int
    /// Radius of the random restarts, and the threshold `robust(at:)` counts against.
    public var eps: Float
    /// Largest weight of the clean-image projection in a step.
    public var alphaMax: Float = 0.1
    /// Overshoot of each projection.
    public var eta: Float = 1.05
    /// Back-off towards the clean image after a success.
    public var beta: Float = 0.9

    /// AutoAttack's standard FAB-T: 100 steps, 9 targets, 1 restart.
    public init(eps: Float, norm: AttackNorm = .linf, steps: Int = 100, targetClasses: Int = 9, restarts: Int = 1) {
        self.eps = eps
        self.norm = norm
        self.steps = steps
        self.targetClasses = targetClasses
        self.restarts = restarts
    }

    /// Per image: the smallest adversarial example found (the clean image when none) and
    /// its distance in `norm` (+∞ when none; 0 for an image misclassified to begin with).
    public struct Outcome: Sendable {
        /// Adversarial examples, same layout as the input.
        public var adversarial: [Float]
        /// Distance to the clean image in `norm`.
        public var distance: [Float]
    }

    /// The attack on `x` (b images in [0, 1]) with true `labels`.
    public func run(_ net: FloatNetwork, x: [Float], labels: [Int], rng: inout SeededGenerator) -> Outcome {
        let b = labels.count, d = x.count / max(b, 1), k = net.classes
        var out = Outcome(adversarial: x, distance: [Float](repeating: .infinity, count: b))
        guard b > 0, k >= 2 else { return out }
        let clean = net.forward(x, batch: b).logits
        let pred = SoftmaxCrossEntropy.argmax(clean, classes: k)
        for n in 0..<b where pred[n] != labels[n] { out.distance[n] = 0 }
        for rank in 2..<(2 + min(targetClasses, k - 1)) {
            for restart in 0..<max(1, restarts) {
                let open = (0..<b).filter { out.distance[$0] > 0 }
                if open.isEmpty { return out }
                let sx = open.flatMap { x[($0 * d)..<(($0 + 1) * d)] }
                let st = APGDTargeted.ranked(open.flatMap { clean[($0 * k)..<(($0 + 1) * k)] }, classes: k, rank: rank)
                let (adv, dist) = singleRun(net, x: sx, labels: open.map { labels[$0] }, targets: st,
                                            randomStart: restart > 0, rng: &rng)
                for (j, n) in open.enumerated() where dist[j] < out.distance[n] {
                    out.distance[n] = dist[j]
                    out.adversarial.replaceSubrange((n * d)..<((n + 1) * d), with: adv[(j * d)..<((j + 1) * d)])
                }
            }
        }
        return out
    }

    /// One run towards `targets`; returns the best adversarial examples and their distances.
    func singleRun(_ net: FloatNetwork, x im: [Float], labels: [Int], targets: [Int], randomStart: Bool,
                   rng: inout SeededGenerator) -> ([Float], [Float]) {
        let b = labels.count, d = im.count / b, k = net.classes
        var x1 = im
        if randomStart { x1 = Self.start(im, images: b, radius: eps / 2, norm: norm, rng: &rng) }
        var best = im, res = [Float](repeating: .infinity, count: b)
        var dl = [Float](repeating: 0, count: b * k)
        for n in 0..<b { dl[n * k + targets[n]] += 1; dl[n * k + labels[n]] -= 1 }
        for _ in 0..<steps {
            let pass = net.forward(x1, batch: b)
            guard let g = net.backward(pass, dLogits: dl, parameters: false, input: true).input else { break }
            for n in 0..<b {
                let r = (n * d)..<((n + 1) * d)
                let df = Double(pass.logits[n * k + targets[n]]) - Double(pass.logits[n * k + labels[n]])
                // The linearised margin vanishes on w·z = b with w = ∇df, b = w·x1 − df.
                var off = -df
                for t in r { off += Double(g[t]) * Double(x1[t]) }
                let d1 = BoxedHyperplane.step(from: x1[r], normal: g[r], offset: off, norm: norm)
                let d2 = BoxedHyperplane.step(from: im[r], normal: g[r], offset: off, norm: norm)
                let a1 = max(BoxedHyperplane.size(d1, norm), 1e-8), a2 = max(BoxedHyperplane.size(d2, norm), 1e-8)
                let alpha = min(max(a1 / (a1 + a2), 0), alphaMax)
                for (j, t) in r.enumerated() {
                    let v = (x1[t] + eta * d1[j]) * (1 - alpha) + (im[t] + eta * d2[j]) * alpha
                    x1[t] = min(max(v, 0), 1)
                }
            }
            let now = SoftmaxCrossEntropy.argmax(net.forward(x1, batch: b).logits, classes: k)
            for n in 0..<b where now[n] != labels[n] {
                let r = (n * d)..<((n + 1) * d)
                let dist = BoxedHyperplane.size(r.map { x1[$0] - im[$0] }, norm)
                if dist < res[n] {
                    res[n] = dist
                    best.replaceSubrange(r, with: x1[r])
                }
                for t in r { x1[t] = im[t] + (x1[t] - im[t]) * beta }
            }
        }
        return (best, res)
    }

    /// A random point at distance `radius` (the authors' scaling of uniform or Gaussian noise).
    static func start(_ x: [Float], images b: Int, radius: Float, norm: AttackNorm, rng: inout SeededGenerator) -> [Float] {
        let d = x.count / b
        var out = x
        for n in 0..<b {
            let v: [Float] = (0..<d).map { _ in norm == .linf ? rng.uniform(-1, 1) : Float(rng.nextGaussian()) }
            let s = max(BoxedHyperplane.size(v, norm), 1e-12)
            for t in 0..<d { out[n * d + t] = min(max(x[n * d + t] + radius * v[t] / s, 0), 1) }
        }
        return out
    }
}
