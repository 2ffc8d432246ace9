import EdgeCore
import EdgeCorruptions
import XCTest

/// Every kind at every level on every small size a model may take (1…13 px, grey and RGB,
/// square and not) returns an image of the same size with values in [0, 1]: images reach
/// the corruptions from any folder, so no size may trap (a zigzag on 12 px once did).
final class SmallImageTests: XCTestCase {
    func testEveryKindAndLevelOnSmallImagesStaysInRange() throws {
        for (h, w) in [(1, 1), (2, 3), (5, 5), (6, 7), (9, 9), (12, 12), (13, 11)] {
            for c in [1, 3] {
                let x = (0..<(c * h * w)).map { Float(($0 * 37) % 256) / 255 }
                for kind in Corruption.allCases {
                    // A kind with no level at this size (patch shuffle on 1 px) is refused by the audit plan.
                    let levels = kind.parameters(side: min(h, w)).count
                    guard levels > 0 else { continue }
                    for level in 1...levels {
                        var g = Corruption.generator(seed: 3, corruption: kind, level: level, index: 0)
                        // A typed refusal is allowed (patch shuffle when k does not divide a side); a trap is not.
                        let y: [Float]
                        do { y = try kind.apply(x, channels: c, height: h, width: w, level: level, rng: &g) } catch is EdgeError { continue }
                        XCTAssertEqual(y.count, x.count, "\(kind) level \(level) \(c)×\(h)×\(w)")
                        XCTAssert(y.allSatisfy { $0 >= 0 && $0 <= 1 }, "\(kind) level \(level) \(c)×\(h)×\(w)")
                    }
                }
            }
        }
    }
}
