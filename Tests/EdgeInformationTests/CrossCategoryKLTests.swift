import XCTest
import EdgeCore
@testable import EdgeInformation

/// CCKL's O(N·K) form against the definition, a hand-computed case, and the summary statistics.
final class CrossCategoryKLTests: XCTestCase {
    func testTwoImagesByHand() {
        let p: [Double] = [0.9, 0.1, 0.2, 0.8]
        let kl12 = 0.9 * log(0.9 / 0.2) + 0.1 * log(0.1 / 0.8)
        let kl21 = 0.2 * log(0.2 / 0.9) + 0.8 * log(0.8 / 0.1)
        XCTAssertEqual(CrossCategoryKL.compute(probabilities: p, classes: 2, labels: [0, 1]), (kl12 + kl21) / 2, accuracy: 1e-14)
        XCTAssertTrue(CrossCategoryKL.compute(probabilities: p, classes: 2, labels: [1, 1]).isNaN)
    }

    func testFastFormEqualsPairwiseDefinition() {
        var rng = SeededGenerator(seed: 4)
        let (n, k) = (57, 6)
        var lp: [Double] = []
        for _ in 0..<n { lp += FisherInformation.logSoftmax((0..<k).map { _ in rng.nextGaussian() * 4 }) }
        let labels = (0..<n).map { _ in rng.nextInt(below: 4) }
        let fast = CrossCategoryKL.compute(logProbabilities: lp, classes: k, labels: labels)
        let slow = CrossCategoryKL.pairwise(logProbabilities: lp, classes: k, labels: labels)
        XCTAssertEqual(fast, slow, accuracy: 1e-12 * abs(slow))
        XCTAssertGreaterThan(slow, 0.5)
    }

    func testQuantilesInterpolateLikeNumpy() {
        let s = SampleStats([4, 1, 3, 2])
        XCTAssertEqual(s.median, 2.5)
        XCTAssertEqual(s.p25, 1.75)
        XCTAssertEqual(s.p95, 3.85, accuracy: 1e-12)
        XCTAssertEqual(s.mean, 2.5)
        XCTAssertTrue(SampleStats([]).mean.isNaN)
    }
}
