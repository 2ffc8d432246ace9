import XCTest
@testable import EdgeMetrics

final class CalibrationTests: XCTestCase {
    func testHandComputedECE() {
        // Four samples, two classes, 2 bins: (0, .5], (.5, 1].
        // conf .9 correct, .8 wrong, .6 correct, .7 correct → all in bin 2:
        // mean conf .75, accuracy .75 → ECE 0. Change one: conf .9 wrong → acc .5, ECE .25.
        let p: [Double] = [0.9, 0.1, 0.2, 0.8, 0.6, 0.4, 0.3, 0.7]
        let r = CalibrationMetrics.evaluate(probabilities: p, classes: 2, labels: [0, 0, 0, 1], bins: 2)
        XCTAssertEqual(r.accuracy, 0.75)
        XCTAssertEqual(r.ece, 0, accuracy: 1e-12)
        XCTAssertEqual(r.bins[1].count, 4)
        let r2 = CalibrationMetrics.evaluate(probabilities: p, classes: 2, labels: [1, 0, 0, 1], bins: 2)
        XCTAssertEqual(r2.accuracy, 0.5)
        XCTAssertEqual(r2.ece, 0.25, accuracy: 1e-12)
        XCTAssertEqual(r2.mce, 0.25, accuracy: 1e-12)
        XCTAssertEqual(r2.rmsce, 0.25, accuracy: 1e-12)
        // NLL: −(ln .1 + ln .2 + ln .6 + ln .7)/4; Brier: Σ (p − y)² / 4.
        XCTAssertEqual(r2.nll, -(log(0.1) + log(0.2) + log(0.6) + log(0.7)) / 4, accuracy: 1e-12)
        XCTAssertEqual(r2.brier, (2 * 0.81 + 2 * 0.64 + 2 * 0.16 + 2 * 0.09) / 4, accuracy: 1e-12)
    }

    func testBinEdgesFollowTorchmetrics() {
        // Confidence exactly 0.5 belongs to the bin (0, 0.5] of 2 bins; 1.0 to the last bin.
        let r = CalibrationMetrics.evaluate(probabilities: [0.5, 0.5, 1.0, 0.0], classes: 2, labels: [0, 0], bins: 2)
        XCTAssertEqual(r.bins.map(\.count), [1, 1])
    }

    func testPerfectlyCalibratedHasZeroAdaptiveECE() {
        // Every confidence equals its bin's accuracy: 10 samples at .8 with 8 correct.
        var p: [Double] = [], labels: [Int] = []
        for i in 0..<10 { p += [0.8, 0.2]; labels.append(i < 8 ? 0 : 1) }
        let r = CalibrationMetrics.evaluate(probabilities: p, classes: 2, labels: labels, bins: 1)
        XCTAssertEqual(r.ece, 0, accuracy: 1e-12)
        XCTAssertEqual(r.adaptiveECE, 0, accuracy: 1e-12)
    }

    func testSoftmaxIsStable() {
        let p = CalibrationMetrics.softmax([1000, 1000, -1000], classes: 3)
        XCTAssertEqual(p[0], 0.5, accuracy: 1e-12)
        XCTAssertEqual(p[2], 0, accuracy: 1e-12)
    }
}
