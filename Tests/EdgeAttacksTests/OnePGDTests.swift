import EdgeCore
import EdgeFloat
import EdgeTrain
import XCTest
@testable import EdgeAttacks

/// There is one PGD (EdgeTrain's `PGD`). These references are the two implementations it
/// replaced, verbatim in their arithmetic: the adversarial trainer's batches and the
/// audit's examples must stay bit for bit what they were, so the shipped AT model stays
/// reproducible from its recipe.
final class OnePGDTests: XCTestCase {
    /// The trainer's former PGDLinf.perturb.
    func formerTrainerPGD(_ net: FloatNetwork, x: [Float], labels: [Int], eps: Float, stepSize: Float, steps: Int,
                          randomStart: Bool, rng: inout SeededGenerator) -> [Float] {
        var adv = x
        if randomStart { for k in adv.indices { adv[k] = min(max(x[k] + rng.uniform(-eps, eps), 0), 1) } }
        for _ in 0..<steps {
            let pass = net.forward(adv, batch: labels.count)
            let (_, dl) = SoftmaxCrossEntropy.lossAndGradient(logits: pass.logits, labels: labels, classes: net.classes)
            guard let g = net.backward(pass, dLogits: dl, parameters: false, input: true).input else { break }
            for k in adv.indices {
                let s: Float = g[k] > 0 ? 1 : (g[k] < 0 ? -1 : 0)
                adv[k] = min(max(min(max(adv[k] + stepSize * s, x[k] - eps), x[k] + eps), 0), 1)
            }
        }
        return adv
    }

    /// The audit's former GradientAttacks.pgd, one run (L∞ or L2, targeted or not).
    func formerAuditPGD(_ net: FloatNetwork, x: [Float], labels: [Int], eps: Float, stepSize: Float, steps: Int, l2: Bool,
                        targets: [Int]?, rng: inout SeededGenerator) -> [Float] {
        let b = labels.count, d = x.count / b
        var adv = x
        if !l2 {
            for k in adv.indices { adv[k] = min(max(x[k] + rng.uniform(-eps, eps), 0), 1) }
        } else {
            for n in 0..<b {
                var v = (0..<d).map { _ in Float(rng.nextGaussian()) }
                let nv = max(v.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
                let r = eps * rng.nextFloat()
                for k in 0..<d { v[k] *= r / nv; adv[n * d + k] = min(max(x[n * d + k] + v[k], 0), 1) }
            }
        }
        for _ in 0..<steps {
            let pass = net.forward(adv, batch: b)
            let (_, dl) = SoftmaxCrossEntropy.lossAndGradient(logits: pass.logits, labels: targets ?? labels, classes: net.classes)
            var g = net.backward(pass, dLogits: dl, parameters: false, input: true).input!
            if targets != nil { g = g.map { -$0 } }
            for n in 0..<b {
                let r = (n * d)..<((n + 1) * d)
                if !l2 {
                    for k in r {
                        let moved = adv[k] + stepSize * (g[k] > 0 ? 1 : (g[k] < 0 ? -1 : 0))
                        adv[k] = min(max(min(max(moved, x[k] - eps), x[k] + eps), 0), 1)
                    }
                } else {
                    let gn = max(g[r].reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
                    for k in r { adv[k] += stepSize * g[k] / gn }
                    let dn = r.reduce(Float(0)) { $0 + (adv[$1] - x[$1]) * (adv[$1] - x[$1]) }.squareRoot()
                    let f = dn > eps ? eps / dn : 1
                    for k in r { adv[k] = min(max(x[k] + (adv[k] - x[k]) * f, 0), 1) }
                }
            }
        }
        return adv
    }

    func testTrainerBatchesAreBitIdenticalToTheFormerImplementation() throws {
        let (m, set) = AttackTests.trained
        let net = try FloatNetwork(m)
        let idx = Array(0..<64), x = set.floatBatch(idx).data, labels = idx.map { set.labels[$0] }
        for randomStart in [true, false] {
            var a = SeededGenerator(seed: 17), b = SeededGenerator(seed: 17)
            let now = PGDLinf(eps: 0.08, stepSize: 0.02, steps: 7, randomStart: randomStart).perturb(net, x: x, labels: labels, rng: &a)
            let before = formerTrainerPGD(net, x: x, labels: labels, eps: 0.08, stepSize: 0.02, steps: 7, randomStart: randomStart, rng: &b)
            XCTAssertEqual(now, before, "randomStart \(randomStart)")
            XCTAssertEqual(a.next(), b.next(), "the generator advanced by the same draws")
            XCTAssertNotEqual(now, x)
        }
    }

    func testAuditPGDIsBitIdenticalToTheFormerImplementation() throws {
        let (m, set) = AttackTests.trained
        let net = try FloatNetwork(m)
        let idx = Array(0..<48), x = set.floatBatch(idx).data, labels = idx.map { set.labels[$0] }
        for (l2, targets) in [(false, nil), (true, nil), (false, labels.map { 1 - $0 })] as [(Bool, [Int]?)] {
            let eps: Float = l2 ? 1.5 : 0.1, step: Float = l2 ? 0.3 : 0.025
            var a = SeededGenerator(seed: 23), b = SeededGenerator(seed: 23)
            let now = GradientAttacks.pgd(net, x: x, labels: labels, eps: eps, stepSize: step, steps: 10, norm: l2 ? .l2 : .linf,
                                          targets: targets, rng: &a)
            let before = formerAuditPGD(net, x: x, labels: labels, eps: eps, stepSize: step, steps: 10, l2: l2, targets: targets, rng: &b)
            XCTAssertEqual(now, before, "l2 \(l2) targeted \(targets != nil)")
        }
    }
}
