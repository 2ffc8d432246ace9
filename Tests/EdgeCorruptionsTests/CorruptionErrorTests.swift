import XCTest
@testable import EdgeCorruptions

/// ImageNet-C's CE, mCE and relative mCE on numbers worked out by hand.
final class CorruptionErrorTests: XCTestCase {
    let model: [Corruption: [Double]] = [.gaussianNoise: [0.1, 0.2, 0.3], .contrast: [0.5, 0.5]]
    let base: [Corruption: [Double]] = [.gaussianNoise: [0.2, 0.4, 0.4], .contrast: [0.25, 0.25]]

    func testMeanCEByHand() throws {
        // CE_gauss = 0.6 / 1.0, CE_contrast = 1.0 / 0.5; mCE = (0.6 + 2) / 2.
        let (ce, mCE) = try CorruptionError.meanCE(model: model, baseline: base)
        XCTAssertEqual(ce[.gaussianNoise]!, 0.6, accuracy: 1e-12)
        XCTAssertEqual(ce[.contrast]!, 2.0, accuracy: 1e-12)
        XCTAssertEqual(mCE, 1.3, accuracy: 1e-12)
        // A model identical to the baseline scores exactly 1.
        XCTAssertEqual(try CorruptionError.meanCE(model: base, baseline: base).mCE, 1, accuracy: 1e-12)
    }

    func testRelativeMeanCEByHand() throws {
        // Clean errors 0.05 (model), 0.1 (baseline):
        // gauss (0.6 − 3·0.05)/(1.0 − 3·0.1) = 0.45/0.7; contrast (1.0 − 0.1)/(0.5 − 0.2) = 3.
        let s = try CorruptionError.score(model: model, modelClean: 0.05, baseline: base, baselineClean: 0.1)
        XCTAssertEqual(s.mCE, 1.3, accuracy: 1e-12)
        XCTAssertEqual(s.relativeCE[.gaussianNoise]!, 0.45 / 0.7, accuracy: 1e-12)
        XCTAssertEqual(s.relativeCE[.contrast]!, 3, accuracy: 1e-12)
        XCTAssertEqual(s.relativeMCE!, (0.45 / 0.7 + 3) / 2, accuracy: 1e-12)
        // A baseline no worse than clean on contrast leaves relative mCE undefined, not partial.
        let flat = try CorruptionError.score(model: model, modelClean: 0.05, baseline: base, baselineClean: 0.25)
        XCTAssertNil(flat.relativeCE[.contrast])
        XCTAssertNil(flat.relativeMCE)
        XCTAssertNotNil(flat.relativeCE[.gaussianNoise])
    }

    func testTypedErrorsNameTheCorruption() {
        func error(_ f: () throws -> Any) -> CorruptionScoreError? {
            do { _ = try f(); return nil } catch { return error as? CorruptionScoreError }
        }
        XCTAssertEqual(error { try CorruptionError.meanCE(model: [:], baseline: [:]) }, .noCorruptions)
        XCTAssertEqual(error { try CorruptionError.meanCE(model: model, baseline: [.gaussianNoise: [0.2, 0.4, 0.4]]) },
                       .differentCorruptions(onlyModel: [.contrast], onlyBaseline: []))
        XCTAssertEqual(error { try CorruptionError.meanCE(model: [.fog: [0.1, 0.2]], baseline: [.fog: [0.1]]) },
                       .levelCount(.fog, model: 2, baseline: 1))
        if case .notAnErrorRate(.fog, 2, let v)? = error({ try CorruptionError.meanCE(model: [.fog: [0.1, .nan]], baseline: [.fog: [0.1, 0.2]]) }) {
            XCTAssert(v.isNaN)
        } else { XCTFail("a NaN error rate was accepted") }
        XCTAssertEqual(error { try CorruptionError.meanCE(model: [.fog: [0.1, 1.5]], baseline: [.fog: [0.1, 0.2]]) },
                       .notAnErrorRate(.fog, level: 2, value: 1.5))
        XCTAssertEqual(error { try CorruptionError.meanCE(model: [.snow: [0.1]], baseline: [.snow: [0]]) }, .baselineNeverWrong(.snow))
        XCTAssertEqual(error { try CorruptionError.score(model: model, modelClean: -1, baseline: base, baselineClean: 0.1) },
                       .notAnErrorRate(nil, level: 0, value: -1))
        XCTAssert(CorruptionScoreError.levelCount(.fog, model: 2, baseline: 1).description.contains("fog has 2 levels"))
    }
}
