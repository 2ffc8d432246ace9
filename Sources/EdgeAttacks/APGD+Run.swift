import EdgeCore
import EdgeFloat
import Foundation

/// One APGD run (Croce & Hein 2020, Algorithm 1; fra31/auto-attack `attack_single_run`),
/// shared by APGD-CE/DLR and APGD-T: the loss is a closure over the logits, so the targeted
/// DLR loss plugs in without a second copy of the step-size schedule.
extension APGD {
    /// Per-image losses and their gradients with respect to the logits, for one batch.
    typealias LossFunction = (_ logits: [Float]) -> (loss: [Double], dLogits: [Float])

    /// What one run found per image (b images of d values).
    struct Run {
        /// Misclassified at some iterate.
        var fooled: [Bool]
        /// The first misclassified iterate (the clean image when none).
        var firstFooled: [Float]
        /// The highest-loss iterate, its loss, and whether it is misclassified.
        var top: [Float]
        var topLoss: [Double]
        var topWrong: [Bool]
    }

    /// Projects `v` (one image's values at `r`) onto the `norm` ball of radius `eps` around
    /// `x`, then onto [0, 1]. L2 as the authors do: rescale δ to at most ε, then clip.
    static func project(_ v: inout [Float], _ x: [Float], _ r: Range<Int>, eps: Float, norm: AttackNorm) {
        switch norm {
        case .linf:
            for t in r { v[t] = min(max(min(max(v[t], x[t] - eps), x[t] + eps), 0), 1) }
        case .l2:
            var s: Float = 0
            for t in r { let e = v[t] - x[t]; s += e * e }
            let n = s.squareRoot()
            let f = min(eps, n) / (n + 1e-12)
            for t in r { v[t] = min(max(x[t] + (v[t] - x[t]) * f, 0), 1) }
        }
    }

    /// The ascent direction for one image: sign(g) in L∞, g/‖g‖₂ in L2.
    static func direction(_ g: [Float], _ r: Range<Int>, norm: AttackNorm) -> [Float] {
        switch norm {
        case .linf: return r.map { g[$0] > 0 ? 1 : (g[$0] < 0 ? -1 : 0) }
        case .l2:
            let n = r.reduce(Float(0)) { $0 + g[$1] * g[$1] }.squareRoot() + 1e-12
            return r.map { g[$0] / n }
        }
    }

    /// A random start in the ball: uniform per pixel in L∞ (one draw per value, in order),
    /// on the sphere of radius ε in L2 (the authors' ε·randn/‖randn‖₂); then clipped to [0, 1].
    static func randomStart(_ x: [Float], images b: Int, eps: Float, norm: AttackNorm, rng: inout SeededGenerator) -> [Float] {
        var adv = x
        switch norm {
        case .linf:
            for i in adv.indices { adv[i] = min(max(x[i] + rng.uniform(-eps, eps), 0), 1) }
        case .l2:
            let d = x.count / max(b, 1)
            for n in 0..<b {
                let v = (0..<d).map { _ in Float(rng.nextGaussian()) }
                let s = v.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot() + 1e-12
                for t in 0..<d { adv[n * d + t] = min(max(x[n * d + t] + eps * v[t] / s, 0), 1) }
            }
        }
        return adv
    }

    /// One run of `steps` iterations from a random start on the batch `x` with `labels`.
    func singleRun(_ net: FloatNetwork, x: [Float], labels: [Int], lossFunction: LossFunction,
                   rng: inout SeededGenerator) -> Run {
        let b = labels.count, d = x.count / max(b, 1), k = net.classes
        func evaluate(_ p: [Float]) -> (loss: [Double], grad: [Float], wrong: [Bool]) {
            let pass = net.forward(p, batch: b)
            let (l, dl) = lossFunction(pass.logits)
            let g = net.backward(pass, dLogits: dl, parameters: false, input: true).input
                ?? [Float](repeating: 0, count: p.count)
            let pred = SoftmaxCrossEntropy.argmax(pass.logits, classes: k)
            return (l, g, (0..<b).map { pred[$0] != labels[$0] })
        }
        var run = Run(fooled: [Bool](repeating: false, count: b), firstFooled: x, top: x,
                      topLoss: [Double](repeating: -.infinity, count: b), topWrong: [Bool](repeating: false, count: b))
        func record(_ p: [Float], _ l: [Double], _ w: [Bool]) {
            for n in 0..<b {
                let r = (n * d)..<((n + 1) * d)
                if l[n] > run.topLoss[n] {
                    run.topLoss[n] = l[n]
                    run.topWrong[n] = w[n]
                    for t in r { run.top[t] = p[t] }
                }
                if w[n] && !run.fooled[n] {
                    run.fooled[n] = true
                    for t in r { run.firstFooled[t] = p[t] }
                }
            }
        }
        let marks = Set(Self.checkpoints(steps).map { $0 - 1 })
        var adv = Self.randomStart(x, images: b, eps: eps, norm: norm, rng: &rng)
        var (lossNow, grad, wrong) = evaluate(adv)
        record(adv, lossNow, wrong)
        var schedule = StepSchedule(images: b, eps: eps, loss: lossNow)
        var best = adv, bestGrad = grad, bestLoss = lossNow
        var previous = adv
        for it in 0..<steps {
            let a: Float = it > 0 ? 0.75 : 1
            var next = adv
            for n in 0..<b {
                let r = (n * d)..<((n + 1) * d)
                let dir = Self.direction(grad, r, norm: norm)
                var z = adv
                for (j, t) in r.enumerated() { z[t] = adv[t] + schedule.step[n] * dir[j] }
                Self.project(&z, x, r, eps: eps, norm: norm)
                for t in r { next[t] = adv[t] + a * (z[t] - adv[t]) + (1 - a) * (adv[t] - previous[t]) }
                Self.project(&next, x, r, eps: eps, norm: norm)
            }
            previous = adv
            adv = next
            (lossNow, grad, wrong) = evaluate(adv)
            record(adv, lossNow, wrong)
            for n in 0..<b where lossNow[n] > bestLoss[n] {
                bestLoss[n] = lossNow[n]
                for t in (n * d)..<((n + 1) * d) { best[t] = adv[t]; bestGrad[t] = grad[t] }
            }
            schedule.observe(lossNow)
            guard marks.contains(it) else { continue }
            for n in schedule.checkpoint(bestLoss: bestLoss) {
                // Halved: continue from the best point so far.
                for t in (n * d)..<((n + 1) * d) { adv[t] = best[t]; grad[t] = bestGrad[t] }
            }
        }
        return run
    }

    /// The per-image step sizes and the checkpoint test that halves them.
    struct StepSchedule {
        var step: [Float]
        var increases: [Int]
        var lastLoss: [Double]
        var bestAtLastCheck: [Double]
        var reducedAtLastCheck: [Bool]
        var sinceCheck = 0

        init(images b: Int, eps: Float, loss: [Double]) {
            step = [Float](repeating: 2 * eps, count: b)
            increases = [Int](repeating: 0, count: b)
            lastLoss = loss
            bestAtLastCheck = loss
            reducedAtLastCheck = [Bool](repeating: true, count: b)
        }

        /// Counts the images whose loss rose in this iteration.
        mutating func observe(_ loss: [Double]) {
            for n in loss.indices where loss[n] > lastLoss[n] { increases[n] += 1 }
            lastLoss = loss
            sinceCheck += 1
        }

        /// At a checkpoint: halves the step of, and returns, the images where the loss rose
        /// in at most 75% of the steps since the last checkpoint (condition 1), or where
        /// there was no halving last time and no better loss since (condition 2).
        mutating func checkpoint(bestLoss: [Double]) -> [Int] {
            var halved: [Int] = []
            for n in step.indices {
                let oscillating = Double(increases[n]) <= 0.75 * Double(sinceCheck)
                let stalled = !reducedAtLastCheck[n] && bestAtLastCheck[n] >= bestLoss[n]
                let reduce = oscillating || stalled
                reducedAtLastCheck[n] = reduce
                bestAtLastCheck[n] = bestLoss[n]
                increases[n] = 0
                if reduce { step[n] /= 2; halved.append(n) }
            }
            sinceCheck = 0
            return halved
        }
    }
}
