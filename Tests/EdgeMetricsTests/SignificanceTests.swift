import EdgeMetrics
import XCTest

/// Wilson intervals, McNemar's exact test and confusion matrices against values worked out
/// by hand (the arithmetic is in each comment).
final class SignificanceTests: XCTestCase {
    func testWilsonIntervalMatchesHandComputation() {
        // 8/10, z² = 3.841459: centre = (0.8 + z²/20)/(1 + z²/10) = 0.992073/1.384146 = 0.716740;
        // half = z/(1 + z²/10)·√(0.016 + z²/400) = 1.416009·0.160012 = 0.226578 → [0.490162, 0.943318].
        let a = Significance.wilson(successes: 8, trials: 10)
        XCTAssertEqual(a.low, 0.490162, accuracy: 2e-6)
        XCTAssertEqual(a.high, 0.943318, accuracy: 2e-6)
        // 0/10: the lower end is 0 and the upper is z²/(n + z²) = 3.841459/13.841459.
        let z = Significance.wilson(successes: 0, trials: 10)
        XCTAssertEqual(z.low, 0, accuracy: 1e-12)
        XCTAssertEqual(z.high, 3.841459 / 13.841459, accuracy: 1e-6)
        // n/n mirrors 0/n.
        let f = Significance.wilson(successes: 10, trials: 10)
        XCTAssertEqual(f.low, 1 - z.high, accuracy: 1e-12)
        XCTAssertEqual(f.high, 1, accuracy: 1e-12)
        // No trials: no information.
        XCTAssertEqual(Significance.wilson(successes: 0, trials: 0).low, 0)
        XCTAssertEqual(Significance.wilson(successes: 0, trials: 0).high, 1)
    }

    func testMcNemarExactPValues() {
        // b = 10, c = 2: 2·P(X ≤ 2), X ~ Bin(12, ½) = 2·(1 + 12 + 66)/4096 = 158/4096.
        XCTAssertEqual(Significance.mcnemar(onlyFirst: 10, onlySecond: 2), 158.0 / 4096, accuracy: 1e-12)
        XCTAssertEqual(Significance.mcnemar(onlyFirst: 2, onlySecond: 10), 158.0 / 4096, accuracy: 1e-12)
        // b = 5, c = 0: 2·(1/32) = 0.0625, not significant at 5% despite 5 : 0.
        XCTAssertEqual(Significance.mcnemar(onlyFirst: 5, onlySecond: 0), 0.0625, accuracy: 1e-12)
        // b = 6, c = 0: 2/64 = 0.03125, significant.
        XCTAssertEqual(Significance.mcnemar(onlyFirst: 6, onlySecond: 0), 0.03125, accuracy: 1e-12)
        // Balanced or empty: p = 1.
        XCTAssertEqual(Significance.mcnemar(onlyFirst: 7, onlySecond: 7), 1)
        XCTAssertEqual(Significance.mcnemar(onlyFirst: 0, onlySecond: 0), 1)
        // Large counts stay finite and agree with the normal approximation's order:
        // b = 600, c = 400 → z = 200/√1000 = 6.32, p ≈ 2.5e-10.
        let p = Significance.mcnemar(onlyFirst: 600, onlySecond: 400)
        XCTAssert(p > 1e-11 && p < 1e-9, "\(p)")
    }

    func testPairedCountsDiscordantImages() {
        let first = [true, true, false, true, false, false]
        let second = [true, false, false, false, true, false]
        let t = Significance.paired(first, second)
        XCTAssertEqual(t.onlyFirst, 2)
        XCTAssertEqual(t.onlySecond, 1)
        // 2·P(X ≤ 1), X ~ Bin(3, ½) = 2·4/8 → capped at 1.
        XCTAssertEqual(t.pValue, 1)
        XCTAssertFalse(t.significant)
    }

    func testConfusionMatrixCountsTrueByPredicted() {
        let m = Significance.confusion(labels: [0, 0, 1, 2, 2, 2], predicted: [0, 1, 1, 2, 0, 2], classes: 3)
        XCTAssertEqual(m, [[1, 1, 0], [0, 1, 0], [1, 0, 2]])
        XCTAssertEqual(m.flatMap { $0 }.reduce(0, +), 6)
    }

    func testConfidenceOnlyCalibrationEqualsFullEvaluation() {
        // The per-image form the stages keep must give the same figures as the full one.
        let k = 4, n = 257
        var p: [Double] = [], labels: [Int] = []
        var s: UInt64 = 12345
        func next() -> Double { s = s &* 6364136223846793005 &+ 1442695040888963407; return Double(s >> 11) / Double(1 << 53) }
        for i in 0..<n {
            let row = (0..<k).map { _ in next() + 0.01 }
            let t = row.reduce(0, +)
            p += row.map { $0 / t }
            labels.append(i % k)
        }
        let full = CalibrationMetrics.evaluate(probabilities: p, classes: k, labels: labels, bins: 15)
        let top = CalibrationMetrics.topLabel(probabilities: p, classes: k, labels: labels)
        let part = CalibrationMetrics.evaluate(confidences: top.confidence, correct: top.correct, bins: 15)
        XCTAssertEqual(part.accuracy, full.accuracy)
        XCTAssertEqual(part.ece, full.ece)
        XCTAssertEqual(part.mce, full.mce)
        XCTAssertEqual(part.adaptiveECE, full.adaptiveECE)
        XCTAssertEqual(part.bins, full.bins)
    }
}

/// Temperature scaling against a case with a known optimum and against a grid search.
final class TemperatureScalingTests: XCTestCase {
    func testFitFindsTheKnownOptimumOfTwoClassLogits() {
        // Two classes, logits (a, 0): P(right) = σ(a/T). With a fraction q of images labelled
        // class 0 the NLL is minimised where σ(a/T) = q, i.e. T = a / logit(q).
        let a: Float = 4, q = 0.8
        var logits: [Float] = [], labels: [Int] = []
        for i in 0..<100 { logits += [a, 0]; labels.append(i < 80 ? 0 : 1) }
        let t = TemperatureScaling.fit(logits, labels: labels, classes: 2)
        XCTAssertEqual(t, Double(a) / log(q / (1 - q)), accuracy: 1e-4)
    }

    func testFitIsTheMinimumOfTheNLLOverAGrid() {
        var s: UInt64 = 7
        func next() -> Float { s = s &* 6364136223846793005 &+ 1442695040888963407; return Float(s >> 40) / Float(1 << 24) }
        var logits: [Float] = [], labels: [Int] = []
        for i in 0..<300 {
            let y = i % 5
            for j in 0..<5 { logits.append((j == y ? 3 : 0) + 6 * next()) }
            labels.append(y)
        }
        let t = TemperatureScaling.fit(logits, labels: labels, classes: 5)
        let best = TemperatureScaling.nll(logits, labels: labels, classes: 5, temperature: t)
        for g in stride(from: 0.1, through: 10, by: 0.05) {
            XCTAssertLessThanOrEqual(best, TemperatureScaling.nll(logits, labels: labels, classes: 5, temperature: g) + 1e-9, "T=\(g)")
        }
        // Scaling never changes a prediction.
        let scaled = TemperatureScaling.scaled(logits, temperature: t)
        for i in 0..<300 {
            let r = logits[(i * 5)..<(i * 5 + 5)], q = scaled[(i * 5)..<(i * 5 + 5)]
            XCTAssertEqual(r.firstIndex(of: r.max()!)! - i * 5, q.firstIndex(of: q.max()!)! - i * 5)
        }
    }
}

/// Holm's correction against a hand-worked family.
final class HolmTests: XCTestCase {
    func testHolmStepsDownAndStopsAtTheFirstKeptHypothesis() {
        // m = 4, α = 0.05: thresholds .0125, .0167, .025, .05 for the sorted p-values
        // .01 (reject), .015 (reject), .03 (> .025: keep) → .04 is kept too although < .05.
        XCTAssertEqual(Significance.holm([0.04, 0.01, 0.03, 0.015]), [false, true, false, true])
        // m = 2: .02 ≤ .025 and then .03 ≤ .05, both rejected; .03 > .025 stops at once.
        XCTAssertEqual(Significance.holm([0.02, 0.03]), [true, true])
        XCTAssertEqual(Significance.holm([0.03, 0.04]), [false, false])
        // Everything tiny: all rejected.
        XCTAssertEqual(Significance.holm([1e-9, 1e-8, 1e-7]), [true, true, true])
        XCTAssertEqual(Significance.holm([]), [])
    }
}
