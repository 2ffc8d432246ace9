import XCTest
import EdgeCore
import EdgeData
@testable import EdgeCorruptions

/// What every added kind promises: shape and range, determinism per (seed, kind, level,
/// index), independence from the order or subset of images, and severity that grows.
final class NewKindsContractTests: XCTestCase {
    let added = Corruption.allCases.filter { $0.family != .seed }

    func testSuiteHasTheReferenceNamesAndStableIds() {
        XCTAssertEqual(added.map(\.rawValue), ["motion_blur", "glass_blur", "zoom_blur", "elastic_transform", "pixelate", "fog", "snow",
                                               "spatter", "rotate", "shear", "scale", "translate", "stripe", "zigzag", "dotted_line",
                                               "canny_edges"])
        // The seed kinds keep ids 1…9, so their per-image generators are unchanged.
        XCTAssertEqual(Corruption.kinds(of: .seed).map(\.id), Array(1...9))
        XCTAssertEqual(Corruption.motionBlur.id, 10)
        var g = SeededGenerator(seed: 1)
        XCTAssertThrowsError(try Corruption.patchShuffle.apply([Float](repeating: 0, count: 9), channels: 1, height: 3, width: 3, level: 1,
                                                               rng: &g)) { XCTAssert("\($0)".contains("no levels for a 3×3 image"), "\($0)") }
        XCTAssertEqual(Corruption(name: "jpeg_compression"), .jpeg)
        XCTAssertEqual(Corruption(name: "elastic"), .elasticTransform)
        XCTAssertNil(Corruption(name: "frost"))
        for c in added { XCTAssertEqual(c.parameters(side: 28).count, 5, c.rawValue) }
    }

    func testShapeRangeAndDeterminismOnGreyAndRGB() throws {
        let grey = try TestImages.fashion(1)[0], rgb = TestImages.rgb32()
        for c in added {
            for (x, ch, side) in [(grey, 1, 28), (rgb, 3, 32)] {
                for level in 1...5 {
                    var g1 = Corruption.generator(seed: 11, corruption: c, level: level, index: 4)
                    var g2 = Corruption.generator(seed: 11, corruption: c, level: level, index: 4)
                    let a = try c.apply(x, channels: ch, height: side, width: side, level: level, rng: &g1)
                    let b = try c.apply(x, channels: ch, height: side, width: side, level: level, rng: &g2)
                    XCTAssertEqual(a.count, x.count)
                    XCTAssert(a.allSatisfy { $0 >= 0 && $0 <= 1 }, "\(c) level \(level) \(ch)ch")
                    XCTAssertEqual(a, b, "\(c) level \(level) is not deterministic")
                }
            }
            var g = SeededGenerator(seed: 1)
            XCTAssertThrowsError(try c.apply(grey, channels: 1, height: 28, width: 28, level: 6, rng: &g))
            // Tiny images are corrupted, not rejected or trapped on.
            let tiny = try c.apply([0.2, 0.9, 0.4, 0.6, 1, 0, 0.3, 0.5, 0.7], channels: 1, height: 3, width: 3, level: 5, rng: &g)
            XCTAssert(tiny.count == 9 && tiny.allSatisfy { $0 >= 0 && $0 <= 1 }, c.rawValue)
            XCTAssertThrowsError(try c.apply(grey, channels: 1, height: 28, width: 27, level: 1, rng: &g)) { e in
                XCTAssert("\(e)".contains("not 1×28×27"), "\(e)")
            }
        }
    }

    /// Corrupting images [a, b, c] and then the subset [c, a] (with their original
    /// indices) gives the same pictures: nothing depends on order, batching or threads.
    func testSetApplicationIsIndependentOfOrderAndSubset() throws {
        let imgs = try TestImages.fashion(3)
        let px = imgs.flatMap { $0.map { UInt8(($0 * 255).rounded()) } }
        let set = LabeledImages(channels: 1, height: 28, width: 28, pixels: px, labels: [0, 1, 2], classNames: ["a", "b", "c"],
                                sources: ["a", "b", "c"])
        for c in added {
            let all = try c.apply(to: set, level: 3, seed: 5)
            let sub = try c.apply(to: set.subset([2, 0]), level: 3, seed: 5, indices: [2, 0])
            XCTAssertEqual(Array(sub.pixels[0..<784]), Array(all.pixels[1568..<2352]), c.rawValue)
            XCTAssertEqual(Array(sub.pixels[784..<1568]), Array(all.pixels[0..<784]), c.rawValue)
            let other = try c.apply(to: set, level: 3, seed: 6)
            if ![.zoomBlur, .pixelate, .scale, .stripe, .cannyEdges].contains(c) {
                XCTAssertNotEqual(other.pixels, all.pixels, "\(c) ignores the seed")
            }
        }
    }

    /// Mean |Δ| over Fashion-MNIST images: level 5 is further from the clean image than
    /// level 1 for every kind, and each level further than the last where the reference's
    /// parameters only grow.
    func testSeverityGrows() throws {
        let imgs = try TestImages.fashion(6)
        func distance(_ c: Corruption, _ level: Int) throws -> Double {
            var total = 0.0
            for (i, x) in imgs.enumerated() {
                for s in 0..<3 {
                    var g = Corruption.generator(seed: UInt64(s), corruption: c, level: level, index: i)
                    total += TestImages.meanAbsDiff(try c.apply(x, channels: 1, height: 28, width: 28, level: level, rng: &g), x)
                }
            }
            return total / Double(imgs.count * 3)
        }
        // Not monotone by the reference's own parameters: glass blur (σ drops from level 3 to 4),
        // pixelate (PIL's BOX at 23 and 21 px), snow and spatter (water, then mud), and
        // elastic, whose affine jitter shrinks faster than its displacement field grows, so
        // CIFAR-10-C's level 5 moves pixels less than its level 1.
        let monotone: Set<Corruption> = [.motionBlur, .zoomBlur, .fog, .rotate, .shear, .scale, .translate, .stripe, .zigzag,
                                         .dottedLine, .cannyEdges]
        for c in added {
            let d = try (1...5).map { try distance(c, $0) }
            if c == .elasticTransform { XCTAssertLessThan(d[4], d[0], "elastic: \(d)") } else { XCTAssertGreaterThan(d[4], d[0], "\(c): \(d)") }
            XCTAssertGreaterThan(d[0], 0.0005, "\(c) level 1 changes nothing: \(d)")
            if monotone.contains(c) {
                for l in 1..<5 { XCTAssertGreaterThan(d[l], d[l - 1], "\(c) level \(l + 1) vs \(l): \(d)") }
            }
        }
    }

    func testGalleryTilesAreWhatTheAuditClassifies() throws {
        let x = try TestImages.fashion(1)[0]
        let set = LabeledImages(channels: 1, height: 28, width: 28, pixels: x.map { UInt8(($0 * 255).rounded()) }, labels: [0],
                                classNames: ["a"], sources: ["a"])
        // The audit's own floats for the clean image, so both paths start from the same bits.
        let tiles = try Corruption.gallery(image: set.floatBatch([0]).data, channels: 1, height: 28, width: 28, seed: 9, index: 2)
        XCTAssertEqual(tiles.count, Corruption.allCases.reduce(0) { $0 + $1.parameters(side: 28).count })
        XCTAssertEqual(tiles.first.map { "\($0.corruption)-\($0.level)" }, "gaussianNoise-1")
        XCTAssertEqual(tiles.last.map { "\($0.corruption)-\($0.level)" }, "cannyEdges-5")
        for t in tiles where [.snow, .rotate, .jpeg, .glassBlur, .spatter].contains(t.corruption) {
            let audit = try t.corruption.apply(to: set, level: t.level, seed: 9, indices: [2]).floatBatch([0]).data
            XCTAssert(t.pixels == audit, "\(t.corruption) level \(t.level): \(zip(t.pixels, audit).filter { $0 != $1 }.count) pixels differ")
        }
        // Glass blur truncates to the uint8 grid: k/255 computed two ways (last-bit apart)
        // must not land on different sides of the cut.
        let other = try Corruption.gallery(image: x, channels: 1, height: 28, width: 28, seed: 9, index: 2, kinds: [.glassBlur])
        for (a, b) in zip(other, tiles.filter { $0.corruption == .glassBlur }) { XCTAssert(a.pixels == b.pixels, "level \(a.level): \(zip(a.pixels, b.pixels).enumerated().filter { $0.element.0 != $0.element.1 }.map { "\($0.offset): \($0.element.0 * 255) \($0.element.1 * 255)" })") }
    }
}
