import EdgeCore
import EdgeData
import EdgeFloat
import EdgeModel
import EdgeQuant
import XCTest
@testable import EdgeAttacks

/// APGD-T's loss and its success threshold on affine classifiers, Square's AutoAttack
/// budget, and the AutoAttack cascade: per-image worst case, budgets, determinism.
final class AutoAttackTests: XCTestCase {
    func testTargetedDLRGradientMatchesFiniteDifferences() {
        var g = SeededGenerator(seed: 7)
        let k = 6
        let z = (0..<(4 * k)).map { _ in Float(g.nextGaussian()) * 2 }
        let labels = [0, 3, 5, 1], targets = [2, 0, 1, 4]
        let (_, grad) = APGDTargeted.lossAndLogitGradient(logits: z, labels: labels, targets: targets, classes: k)
        for n in 0..<4 {
            for j in 0..<k {
                var zp = z, zm = z
                let h: Float = 1e-3
                zp[n * k + j] += h; zm[n * k + j] -= h
                let fp = APGDTargeted.lossAndLogitGradient(logits: zp, labels: labels, targets: targets, classes: k).0[n]
                let fm = APGDTargeted.lossAndLogitGradient(logits: zm, labels: labels, targets: targets, classes: k).0[n]
                XCTAssertEqual(Double(grad[n * k + j]), (fp - fm) / Double(2 * h), accuracy: 2e-3, "image \(n) logit \(j)")
            }
        }
        // The definition, by hand for one row: z = [3, 1, 2, 0, −1, 0.5], y = 0, t = 2:
        // −(3 − 2) / (3 − ½(1 + 0.5)) = −1/2.25.
        let (v, _) = APGDTargeted.lossAndLogitGradient(logits: [3, 1, 2, 0, -1, 0.5], labels: [0], targets: [2], classes: 6)
        XCTAssertEqual(v[0], -1 / 2.25, accuracy: 1e-9)
    }

    func testInputGradientOfTargetedDLRThroughATinyNetMatchesFiniteDifferences() throws {
        let (net, _, _) = try LinearModels.random(classes: 5, seed: 4)
        let x = LinearModels.images(1, seed: 5)
        let y = LinearModels.predictions(net, x)
        let t = APGDTargeted.ranked(net.forward(x, batch: 1).logits, classes: 5, rank: 2)
        func loss(_ v: [Float]) -> Double {
            APGDTargeted.lossAndLogitGradient(logits: net.forward(v, batch: 1).logits, labels: y, targets: t, classes: 5).0[0]
        }
        let pass = net.forward(x, batch: 1)
        let dl = APGDTargeted.lossAndLogitGradient(logits: pass.logits, labels: y, targets: t, classes: 5).1
        let g = try XCTUnwrap(net.backward(pass, dLogits: dl, parameters: false, input: true).input)
        for i in 0..<16 {
            var p = x, m = x
            p[i] += 1e-3; m[i] -= 1e-3
            XCTAssertEqual(Double(g[i]), (loss(p) - loss(m)) / 2e-3, accuracy: 2e-3 * max(1, abs(Double(g[i]))), "pixel \(i)")
        }
    }

    func testAPGDTSucceedsJustAboveTheAnalyticDistanceToTheTargetAndNeverBelowTheNearest() throws {
        for norm in AttackNorm.allCases {
            let (net, w, b) = try LinearModels.random(classes: 5, seed: 31)
            let x = LinearModels.images(16, seed: 32)
            let y = LinearModels.predictions(net, x)
            let t = APGDTargeted.ranked(net.forward(x, batch: 16).logits, classes: 5, rank: 2)
            for n in 0..<16 {
                let xn = Array(x[(n * 16)..<((n + 1) * 16)])
                let toTarget = LinearModels.distance(w, b, x: xn[...], from: y[n], to: t[n], norm: norm)
                let nearest = (0..<5).filter { $0 != y[n] }.map { LinearModels.distance(w, b, x: xn[...], from: y[n], to: $0, norm: norm) }.min()!
                guard toTarget < 0.3 else { continue }
                var rng = SeededGenerator(seed: 1)
                let one = APGDTargeted(eps: Float(toTarget * 1.1), steps: 100, targetClasses: 1, norm: norm)
                let above = one.perturb(net, x: xn, labels: [y[n]], rng: &rng)
                // Fooled; and when the target is also the nearest class, classified as the target.
                let p = LinearModels.predictions(net, above)[0]
                XCTAssertNotEqual(p, y[n], "\(norm) image \(n): 10% above the distance to the target")
                if toTarget <= nearest * 1.0001 { XCTAssertEqual(p, t[n], "\(norm) image \(n)") }
                let below = APGDTargeted(eps: Float(nearest * 0.95), steps: 100, norm: norm).perturb(net, x: xn, labels: [y[n]], rng: &rng)
                XCTAssertEqual(LinearModels.predictions(net, below), [y[n]], "\(norm) image \(n): nothing lies inside the nearest boundary")
            }
        }
    }

    func testAPGDL2StaysInTheBallAndBeatsTheCleanAccuracy() throws {
        let (m, set) = AttackTests.trained
        let net = try FloatNetwork(m)
        let idx = Array(0..<64), x = set.floatBatch(idx).data, labels = idx.map { set.labels[$0] }
        var rng = SeededGenerator(seed: 3)
        let adv = APGD(eps: 1.5, steps: 20, norm: .l2).perturb(net, x: x, labels: labels, rng: &rng)
        for n in 0..<64 {
            let r = (n * 144)..<((n + 1) * 144)
            XCTAssertLessThanOrEqual(r.reduce(Float(0)) { $0 + (adv[$1] - x[$1]) * (adv[$1] - x[$1]) }.squareRoot(), 1.5 * 1.0001)
        }
        let robust = zip(LinearModels.predictionsOf(net, adv, batch: 64), labels).filter { $0 == $1 }.count
        let clean = zip(LinearModels.predictionsOf(net, x, batch: 64), labels).filter { $0 == $1 }.count
        XCTAssertLessThan(robust, clean)
    }

    func testSquareAtTheAutoAttackBudgetUsesThePapersUnscaledSchedule() {
        let s = SquareAttack.autoAttack(eps: 0.1)
        XCTAssertEqual(s.queries, 5000)
        XCTAssertFalse(s.rescaleSchedule)
        // fra31/auto-attack p_selection with p_init = 0.8, by iteration.
        let table: [(Int, Double)] = [(10, 0.8), (11, 0.4), (50, 0.4), (51, 0.2), (200, 0.2), (201, 0.1), (1001, 0.025), (4001, 0.00625), (4999, 0.00625)]
        for (it, p) in table { XCTAssertEqual(s.fraction(it), p, accuracy: 1e-12, "iteration \(it)") }
        // The rescaled schedule (the audit's default) compresses it into the budget.
        XCTAssertEqual(SquareAttack(eps: 0.1, queries: 1000).fraction(11), 0.2, accuracy: 1e-12)
    }
}

extension LinearModels {
    /// argmax predictions for a batch of any image size.
    static func predictionsOf(_ net: FloatNetwork, _ x: [Float], batch: Int) -> [Int] {
        SoftmaxCrossEntropy.argmax(net.forward(x, batch: batch).logits, classes: net.classes)
    }
}

/// The cascade on a 5-class affine classifier (fast, and every component can run).
final class AutoAttackCascadeTests: XCTestCase {
    func small(_ eps: Float) -> AutoAttack {
        var aa = AutoAttack(eps: eps)
        aa.apgdSteps = 20
        aa.fabSteps = 20
        aa.squareQueries = 100
        return aa
    }

    func testRobustSetIsInsideEveryComponentsRobustSetAndDeterministicAtAnyThreadCount() throws {
        let (net, w, bias) = try LinearModels.random(classes: 5, seed: 41)
        let x = LinearModels.images(40, seed: 42)
        var y = LinearModels.predictions(net, x)
        // ε = the median distance to the nearest boundary: about half the images can be broken.
        var nearest: [Double] = []
        for n in 0..<40 {
            let xn = x[(n * 16)..<((n + 1) * 16)]
            let others = (0..<5).filter { $0 != y[n] }
            nearest.append(others.map { LinearModels.distance(w, bias, x: xn, from: y[n], to: $0, norm: .linf) }.min() ?? 0)
        }
        let sorted = nearest.sorted()
        let eps = Float((sorted[19] + sorted[20]) / 2)
        y[0] = (y[0] + 1) % 5                                     // one image wrong from the start
        let aa = small(eps)
        var r1 = SeededGenerator(seed: 5), r2 = SeededGenerator(seed: 5)
        let threads = Parallel.threads
        defer { Parallel.threads = threads }
        Parallel.threads = 1
        let a = aa.run(float: net, x: x, labels: y, rng: &r1)
        Parallel.threads = 2
        let again = aa.run(float: net, x: x, labels: y, rng: &r2)
        XCTAssertEqual(a.robust, again.robust)
        XCTAssertEqual(a.adversarial, again.adversarial)
        XCTAssertEqual(a.cleanCorrect, 39)
        XCTAssertFalse(a.robust[0])
        XCTAssertEqual(a.perAttack.map { $0.name }, AutoAttack.Component.allCases)
        XCTAssertEqual(a.perAttack.last?.robustAfter, a.robust.filter { $0 }.count)
        let after = a.perAttack.map { $0.robustAfter }
        XCTAssertEqual(after, after.sorted(by: >))
        XCTAssertEqual(a.perAttack[1].budget, AttackBudget(steps: 20, targetClasses: 4), "9 targets capped at classes − 1")
        XCTAssertEqual(a.perAttack[3].budget, AttackBudget(queries: 100))
        let fooled = a.robust.filter { !$0 }.count
        // An affine classifier is solved exactly: robust ⇔ the nearest boundary is beyond ε.
        for n in 1..<40 where abs(nearest[n] / Double(eps) - 1) > 0.01 { XCTAssertEqual(a.robust[n], Double(eps) < nearest[n], "image \(n): ε \(eps), distance \(nearest[n])") }
        XCTAssertGreaterThan(fooled, 5)

        // Each component alone, on every image, at the same budget.
        func robustOf(_ adv: [Float]) -> [Bool] { zip(LinearModels.predictions(net, adv), y).map { $0 == $1 } }
        var rc = SeededGenerator(seed: 5)
        let squareSeed = rc.next()                                 // what `run(float:)` draws first
        let ce = robustOf(APGD(eps: eps, steps: 20).perturb(net, x: x, labels: y, rng: &rc))
        var rt = SeededGenerator(seed: 6)
        let t = robustOf(APGDTargeted(eps: eps, steps: 20).perturb(net, x: x, labels: y, rng: &rt))
        let fab = FABTargeted(eps: eps, steps: 20).run(net, x: x, labels: y, rng: &rt)
        let sq = SquareAttack.autoAttack(eps: eps)
        var sq100 = sq
        sq100.queries = 100
        let square = sq100.run(net, x: x, labels: y, ids: Array(0..<40), seed: squareSeed)
        for n in 0..<40 where a.robust[n] {
            XCTAssert(ce[n], "image \(n) robust under AutoAttack but not under APGD-CE")
            XCTAssert(t[n], "image \(n): APGD-T")
            XCTAssertGreaterThan(fab.distance[n], eps, "image \(n): FAB-T")
            XCTAssertFalse(square.fooled[n], "image \(n): Square")
        }
        // Every fooling example lies in the ball and is misclassified.
        for n in 0..<40 where !a.robust[n] && n != 0 {
            let r = (n * 16)..<((n + 1) * 16)
            XCTAssertLessThanOrEqual(r.map { abs(a.adversarial[$0] - x[$0]) }.max()!, eps * 1.0001)
            XCTAssertNotEqual(LinearModels.predictions(net, Array(a.adversarial[r]))[0], y[n])
        }
    }

    func testL2SkipsSquareAndSaysSo() throws {
        let (net, _, _) = try LinearModels.random(classes: 5, seed: 43)
        let x = LinearModels.images(8, seed: 44)
        var rng = SeededGenerator(seed: 1)
        let o = small(0.2).withNorm(.l2).run(float: net, x: x, labels: LinearModels.predictions(net, x), rng: &rng)
        XCTAssertNotNil(o.perAttack[3].skipped)
        XCTAssertNil(o.perAttack[0].skipped)
        for n in 0..<8 where !o.robust[n] {
            let r = (n * 16)..<((n + 1) * 16)
            XCTAssertLessThanOrEqual(r.reduce(Float(0)) { $0 + (o.adversarial[$1] - x[$1]) * (o.adversarial[$1] - x[$1]) }.squareRoot(), 0.2 * 1.0001)
        }
    }

    func testInt8PathJudgesSnappedExamplesOnTheIntegerNet() throws {
        let (m, set) = AttackTests.trained
        let q = try Quantizer.quantize(m, calibration: set)
        let int8 = try IntegerNetwork(q)
        let ste = try StraightThrough.network(m, q)
        let idx = Array(0..<30)
        let o = small(0.2).run(int8: int8, ste: ste, set: set, indices: idx, seed: 3)
        XCTAssertEqual(o.perAttack[1].skipped, "the targeted DLR loss needs at least 4 classes")
        let px = o.adversarial.map { UInt8(($0 * 255).rounded()) }
        let offGrid = o.adversarial.filter { abs($0 * 255 - ($0 * 255).rounded()) > 1e-3 }.count
        XCTAssertEqual(offGrid, 0, "examples lie on the uint8 grid")
        let pred = int8.predict(set.withPixels(px, labels: idx.map { set.labels[$0] }), idx)
        for (j, i) in idx.enumerated() {
            XCTAssertEqual(o.robust[j], pred[j] == set.labels[i], "image \(i): the flag is the int8 verdict on the example")
            for t in 0..<144 { XCTAssertLessThanOrEqual(abs(Int(px[j * 144 + t]) - Int(set.pixels[i * 144 + t])), 51) }
        }
        XCTAssertLessThan(o.robust.filter { $0 }.count, o.cleanCorrect)
    }
}

extension AutoAttack {
    /// A copy in another norm.
    func withNorm(_ n: AttackNorm) -> AutoAttack {
        var c = self
        c.norm = n
        return c
    }
}
