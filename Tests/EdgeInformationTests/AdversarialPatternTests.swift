import XCTest
import EdgeCore
import EdgeData
@testable import EdgeInformation

/// MIAT's perturbation pattern (NaturalAdversarialMI.pattern) must not carry the clean
/// image through the clamp to [0, 255]: hand-computed cases, and the noise control's
/// pattern identical whatever the images are.
final class AdversarialPatternTests: XCTestCase {
    func testClampedMovesTakeTheFullMoveInTheirDirection() {
        // ε = 0.08: the full move is round-toward-zero(20.4) = 20 pixel units, ε is 20.4 of them.
        let clean: [UInt8] = [0, 0, 10, 128, 128, 250, 255, 255, 20, 235]
        let sample: [UInt8] = [0, 20, 0, 108, 130, 255, 255, 235, 0, 255]
        let want: [Float] = [-20, 20, -20, -20, 2, 20, 20, -20, -20, 20].map { $0 / 20.4 }
        let got = NaturalAdversarialMI.pattern(sample: sample, clean: clean, eps: 0.08)
        XCTAssertEqual(got.count, want.count)
        for (g, w) in zip(got, want) { XCTAssertEqual(g, w, accuracy: 1e-6) }
    }

    func testNoisePatternIsTheDrawnSignsWhateverTheImage() {
        let n = 64, d = 28 * 28
        var rng = SeededGenerator(seed: 5)
        let random = (0..<(n * d)).map { _ in UInt8(rng.nextInt(below: 256)) }
        // All black, all white, half-black items and random pixels: the clamp bites in
        // different places, the pattern must not show it.
        let sets: [[UInt8]] = [[UInt8](repeating: 0, count: n * d), [UInt8](repeating: 255, count: n * d),
                               random.enumerated().map { $0.offset % 2 == 0 ? 0 : $0.element }, random]
        let patterns = sets.map { px -> [Float] in
            let images = LabeledImages(channels: 1, height: 28, width: 28, pixels: px, labels: [Int](repeating: 0, count: n),
                                       classNames: ["c"], sources: (0..<n).map { "i\($0)" })
            let noise = NaturalAdversarialMI.noisePixels(images: images, eps: 0.08, seed: 3)
            return NaturalAdversarialMI.pattern(sample: noise, clean: px, eps: 0.08)
        }
        for p in patterns.dropFirst() { XCTAssertEqual(p, patterns[0]) }
        // Only the two signs, about half each (the clamped difference was 0 on a quarter of
        // a half-black image's entries).
        XCTAssertEqual(Set(patterns[0]), [Float(-20) / 20.4, Float(20) / 20.4])
        let up = patterns[0].filter { $0 > 0 }.count
        XCTAssertEqual(Double(up) / Double(n * d), 0.5, accuracy: 0.02)
    }
}
