import EdgeCore
import EdgeFloat
import XCTest
@testable import EdgeAttacks

/// FAB-T, DeepFool and DDN against the closed-form distance to an affine classifier's
/// boundary; the boxed-hyperplane step against its definition; CW's box handling.
final class MinimalAttackTests: XCTestCase {
    /// Images whose nearest boundary (to `target`'s class or any class) lies well inside the box.
    func setup(classes k: Int, seed: UInt64, norm: AttackNorm) throws -> (FloatNetwork, [Float], [Int], [Double]) {
        let (net, w, b) = try LinearModels.random(classes: k, seed: seed)
        let x = LinearModels.images(24, seed: seed + 1)
        let y = LinearModels.predictions(net, x)
        // The nearest boundary over every other class: what an untargeted minimal attack finds.
        var nearest: [Double] = []
        for n in 0..<24 {
            let xn = x[(n * 16)..<((n + 1) * 16)]
            let others = (0..<k).filter { $0 != y[n] }
            nearest.append(others.map { LinearModels.distance(w, b, x: xn, from: y[n], to: $0, norm: norm) }.min() ?? .infinity)
        }
        return (net, x, y, nearest)
    }

    func testBoxedHyperplaneStepIsTheClosedFormInsideTheBox() {
        var g = SeededGenerator(seed: 3)
        let t = (0..<16).map { _ in 0.5 + g.uniform(-0.1, 0.1) }
        let w = (0..<16).map { _ in g.uniform(-1, 1) }
        let wt = zip(w, t).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let l1 = w.reduce(0.0) { $0 + Double(abs($1)) }, l2 = w.reduce(0.0) { $0 + Double($1 * $1) }.squareRoot()
        for c in [-0.3, 0.05, 0.4] {
            let dinf = BoxedHyperplane.step(from: t[...], normal: w[...], offset: wt + c, norm: .linf)
            let d2 = BoxedHyperplane.step(from: t[...], normal: w[...], offset: wt + c, norm: .l2)
            // Closed forms: L∞ moves every coordinate by |c|/‖w‖₁ along sign(w)·sign(c); L2 along w.
            for i in 0..<16 {
                XCTAssertEqual(Double(dinf[i]), (c > 0 ? 1 : -1) * (w[i] > 0 ? 1 : -1) * abs(c) / l1, accuracy: 1e-6)
                XCTAssertEqual(Double(d2[i]), c * Double(w[i]) / (l2 * l2), accuracy: 1e-6)
            }
        }
    }

    func testBoxedHyperplaneStepSaturatesAtTheBoxAndStillReachesThePlane() {
        // t at the faces: the first coordinate cannot go up, so the others must carry it.
        let t: [Float] = [1, 0.5, 0.9, 0.2]
        let w: [Float] = [1, 1, 1, -1]
        let b = 0.6 + Double(zip(t, w).reduce(Float(0)) { $0 + $1.0 * $1.1 })
        for norm in AttackNorm.allCases {
            let d = BoxedHyperplane.step(from: t[...], normal: w[...], offset: b, norm: norm)
            let moved = zip(t, d).map { $0 + $1 }
            XCTAssert(moved.allSatisfy { $0 >= 0 && $0 <= 1 }, "\(norm): \(moved)")
            XCTAssertEqual(Double(zip(moved, w).reduce(Float(0)) { $0 + $1.0 * $1.1 }), b, accuracy: 1e-5, "\(norm)")
            XCTAssertEqual(d[0], 0, "\(norm): a pixel at 1 cannot rise")
        }
        // L∞: coordinate 2 saturates at +0.1, coordinate 3 at −0.2, coordinate 1 carries the
        // remaining 0.3 (λ = 0.3).
        let dinf = BoxedHyperplane.step(from: t[...], normal: w[...], offset: b, norm: .linf)
        for (got, want) in zip(dinf, [0, 0.3, 0.1, -0.2]) { XCTAssertEqual(Double(got), want, accuracy: 1e-6) }
        // Out of reach: every coordinate goes to its face.
        let far = BoxedHyperplane.step(from: t[...], normal: w[...], offset: b + 10, norm: .linf)
        for (got, want) in zip(far, [0, 0.5, 0.1, -0.2]) { XCTAssertEqual(Double(got), want, accuracy: 1e-6) }
    }

    func testFABTFindsTheAnalyticDistance() throws {
        for norm in AttackNorm.allCases {
            let (net, x, y, nearest) = try setup(classes: 2, seed: 11, norm: norm)
            var rng = SeededGenerator(seed: 1)
            let out = FABTargeted(eps: 1, norm: norm, steps: 100).run(net, x: x, labels: y, rng: &rng)
            var checked = 0
            for n in 0..<24 where nearest[n] < 0.4 {
                XCTAssertEqual(Double(out.distance[n]), nearest[n], accuracy: 0.02 * nearest[n] + 1e-4, "\(norm) image \(n)")
                XCTAssertNotEqual(LinearModels.predictions(net, Array(out.adversarial[(n * 16)..<((n + 1) * 16)]))[0], y[n])
                checked += 1
            }
            XCTAssertGreaterThan(checked, 12)
        }
    }

    func testDeepFoolFindsTheAnalyticL2Distance() throws {
        let (net, x, y, nearest) = try setup(classes: 3, seed: 21, norm: .l2)
        let df = DeepFool().perturb(net, x: x, labels: y)
        var checked = 0
        for n in 0..<24 where nearest[n] < 0.4 {
            let r = (n * 16)..<((n + 1) * 16)
            let dist = r.reduce(0.0) { $0 + Double((df.adversarial[$1] - x[$1]) * (df.adversarial[$1] - x[$1])) }.squareRoot()
            XCTAssert(df.fooled[n])
            // One linear step lands on the nearest boundary, overshot by 2% (plus 1e-4 in the numerator).
            XCTAssertEqual(dist, nearest[n] * 1.02, accuracy: 0.005 * nearest[n] + 2e-4, "DeepFool image \(n)")
            checked += 1
        }
        XCTAssertGreaterThan(checked, 12)
    }

    func testDDNFindsTheAnalyticL2DistanceOfABinaryClassifier() throws {
        // Two classes: the cross-entropy gradient is parallel to w₁ − w₀, the boundary's
        // normal (with more classes DDN follows the softmax mixture, not the nearest plane).
        let (net, x, y, nearest) = try setup(classes: 2, seed: 22, norm: .l2)
        var rng = SeededGenerator(seed: 2)
        let ddn = DDN(steps: 200).perturb(net, x: x, labels: y, rng: &rng)
        var checked = 0
        for n in 0..<24 where nearest[n] < 0.4 {
            // The norm moves in 5% steps: within 6% of the distance, never below it.
            XCTAssertGreaterThanOrEqual(Double(ddn.distance[n]), nearest[n] * 0.999, "DDN image \(n)")
            XCTAssertLessThanOrEqual(Double(ddn.distance[n]), nearest[n] * 1.06, "DDN image \(n)")
            XCTAssertNotEqual(LinearModels.predictions(net, Array(ddn.adversarial[(n * 16)..<((n + 1) * 16)]))[0], y[n])
            checked += 1
        }
        XCTAssertGreaterThan(checked, 12)
    }

    func testCWMovesAPixelAtZeroWhenTheGradientSaysSo() throws {
        // z_1 − z_0 = 4·x₀ − 1 + small terms: the only cheap way across is to raise pixel 0,
        // which sits at exactly 0 (tanh-space CW could never move it).
        var w0 = [Float](repeating: 0, count: 16), w1 = w0
        w1[0] = 4
        for i in 1..<16 { w0[i] = 0.01; w1[i] = -0.01 }
        let net = try LinearModels.net([w0, w1], bias: [0.5, -0.5])
        var x = [Float](repeating: 0.5, count: 16)
        x[0] = 0
        XCTAssertEqual(LinearModels.predictions(net, x), [0])
        let adv = CarliniWagnerL2(maxSteps: 200, searchSteps: 5, initialConst: 1, learningRate: 0.02).perturb(net, x: x, labels: [0])
        XCTAssertGreaterThan(adv[0], 0.2, "pixel 0 must move up from 0")
        XCTAssertEqual(LinearModels.predictions(net, adv), [1])
        XCTAssert(adv.allSatisfy { $0 >= 0 && $0 <= 1 })
    }
}
