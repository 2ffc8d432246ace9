import XCTest
import EdgeCore
import EdgeData
import EdgeTools

/// Builds small image sets by hand, so expectations do not come from the code under test.
func images(_ labels: [Int], classes: [String], c: Int = 1, h: Int = 1, w: Int = 2, pixels: [UInt8]? = nil) -> LabeledImages {
    let n = labels.count
    return LabeledImages(channels: c, height: h, width: w, pixels: pixels ?? [UInt8](repeating: 0, count: n * c * h * w), labels: labels,
                         classNames: classes, sources: (0..<n).map { "dir/\(classes[labels[$0]])/\($0).png" })
}

final class PredictionWriterTests: XCTestCase {
    func testJSONLinesCountAndQuote() {
        let set = images([0, 1, 1], classes: ["a\"b", "c"])
        var w = PredictionWriter(format: .jsonl, names: set.classNames, withLogits: true)
        XCTAssertNil(w.header)
        // Equal logits: p = 0.5 each; argmax takes the first index on ties.
        let text = w.lines(set, [0, 1, 2], logits: [0, 0, 3, 1, .nan, 1])
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.count, 4)
        XCTAssertEqual(lines[0], #"{"path":"dir/a\"b/0.png","label":"a\"b","predicted":"a\"b","probabilities":[0.5,0.5],"logits":[0.0,0.0]}"#)
        XCTAssert(lines[1].hasPrefix(#"{"path":"dir/c/1.png","label":"c","predicted":"a\"b","probabilities":["#), String(lines[1]))
        XCTAssert(lines[2].contains(#""predicted":null"#) && lines[2].contains(#""logits":[null,1.0]"#), String(lines[2]))
        XCTAssertEqual(lines[3], "")
        XCTAssertEqual(w.correct, 1)
        XCTAssertEqual(w.nonFinite, 1)
        XCTAssertEqual(w.summary(images: 3, folder: "dir", engine: "float net"), "accuracy 0.3333 (1/3) on dir [float net]")
        XCTAssertEqual(w.warning(images: 3), "warning: 1 of 3 images have non-finite logits (NaN or Inf): no prediction, counted as wrong")
    }

    func testCSVHeaderQuotesAndNonFiniteCells() {
        let set = images([1], classes: ["x,y", "z"])
        var w = PredictionWriter(format: .csv, names: set.classNames, withLogits: true)
        XCTAssertEqual(w.header, "path,label,predicted,\"p_x,y\",p_z,\"logit_x,y\",logit_z\n")
        XCTAssertEqual(w.lines(set, [0], logits: [-.infinity, .infinity]), "dir/z/0.png,z,,NaN,NaN,-Inf,Inf\n")
        XCTAssertEqual(w.correct, 0)
        XCTAssertNil(PredictionWriter(format: .csv, names: ["a"], withLogits: false).warning(images: 1))
    }
}

final class TableTests: XCTestCase {
    func testPadAddsOneGutterSpace() {
        XCTAssertEqual(TextTable.pad("ab", 4), "ab   ")
        XCTAssertEqual(TextTable.pad("ab", 4, right: true), "  ab ")
        XCTAssertEqual(TextTable.pad("abcdef", 4), "abcdef ")
    }
}

final class DeviceFormatTests: XCTestCase {
    func testPlanarToHWC() {
        // 2 channels, 1×2 pixels: planar [c0p0, c0p1, c1p0, c1p1] → [p0c0, p0c1, p1c0, p1c1], per image.
        let set = images([0, 0], classes: ["a"], c: 2, h: 1, w: 2, pixels: [1, 2, 3, 4, 5, 6, 7, 8])
        XCTAssertEqual(DeviceInputs.hwc(set), [1, 3, 2, 4, 5, 7, 6, 8])
        let grey = images([0], classes: ["a"], pixels: [9, 8])
        XCTAssertEqual(DeviceInputs.hwc(grey), [9, 8])
    }

    func testTallyComparesBytesAndPredictsAsTheHost() {
        func b(_ v: [Int8]) -> [UInt8] { v.map { UInt8(bitPattern: $0) } }
        let host = b([5, -3, 0, 0, -128, 7])            // 3 images × 2 classes
        let labels: [UInt8] = [0, 0, 1]
        let same = DeviceVerifier.tally(board: host, host: host, labels: labels, classes: 2)
        // Image 1 ties (0, 0): the first index, 0, is the prediction, as the host's argmax.
        XCTAssertEqual(same.same, 3)
        XCTAssertEqual(same.correct, 3)
        XCTAssertNil(same.firstMismatch)
        let off = DeviceVerifier.tally(board: b([5, -3, 0, 1, -128, 7]), host: host, labels: labels, classes: 2)
        XCTAssertEqual(off.same, 2)
        XCTAssertEqual(off.correct, 2)
        XCTAssertEqual(off.firstMismatch, 1)
        let short = DeviceVerifier.tally(board: b([5, -3, 0]), host: host, labels: labels, classes: 2)
        XCTAssertEqual(short.same, 1)
        XCTAssertEqual(short.firstMismatch, 1)
    }

    func testManifestRoundTripsWithSortedKeys() throws {
        let m = DeviceManifest(modelSHA256: "ab", inputHWC: [28, 28, 1], classes: 10, profile: "quick", seed: 7,
                               sets: [DeviceSet(name: "clean", description: "d", images: 3)])
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        let text = String(decoding: try enc.encode(m), as: UTF8.self)
        XCTAssertEqual(text, #"{"classes":10,"inputHWC":[28,28,1],"modelSHA256":"ab","profile":"quick","seed":7,"sets":[{"description":"d","images":3,"name":"clean"}],"version":1}"#)
        XCTAssertEqual(try JSONDecoder().decode(DeviceManifest.self, from: Data(text.utf8)), m)
    }
}

final class BenchmarkTests: XCTestCase {
    func testPercentilesAreNearestRankRoundedDown() {
        let r = Benchmark.Result(engine: "e", macs: 1_000_000, batch: 4, imagesPerSecond: 2000, latencies: (1...10).map(Double.init))
        XCTAssertEqual(r.percentile(0.5), 5)   // index Int(9 · 0.5) = 4
        XCTAssertEqual(r.percentile(0.9), 9)   // index 8
        XCTAssertEqual(r.percentile(0.99), 9)  // index Int(8.91) = 8
        XCTAssertEqual(r.lines(model: "m.bin", threads: 2), ["model m.bin, e, 2 thread(s), 1000000 MACs per image",
                                                             "batch 4: 2000 images/s, 2.000 G MAC/s",
                                                             "batch 1 latency: p50 5.0 µs, p90 9.0 µs, p99 9.0 µs (10 runs)"])
    }

    func testMeasureRunsWarmUpThroughputAndAtLeast100Latencies() {
        var calls: [[Int]] = []
        let (tput, lat) = Benchmark.measure(batch: 3, seconds: 0.01) { calls.append($0) }
        XCTAssertEqual(calls.first, [0, 1, 2], "warm-up on the whole batch")
        XCTAssertGreaterThanOrEqual(lat.count, 100)
        XCTAssertEqual(lat, lat.sorted())
        XCTAssertGreaterThan(tput, 0)
        let singles = calls.filter { $0.count == 1 }
        XCTAssertEqual(singles.count, lat.count)
        XCTAssertEqual(singles.prefix(4).map { $0[0] }, [0, 1, 2, 0], "batch-1 runs cycle over the images")
    }

    func testRandomImagesAreSeededAndSized() {
        let a = Benchmark.randomImages(shape: [3, 4, 5], count: 2, classNames: ["x"])
        XCTAssertEqual(a.pixels.count, 2 * 3 * 4 * 5)
        XCTAssertEqual(a.pixels, Benchmark.randomImages(shape: [3, 4, 5], count: 2, classNames: ["x"]).pixels)
        var g = SeededGenerator(seed: 1)
        XCTAssertEqual(a.pixels[0], UInt8(truncatingIfNeeded: g.next()))
        XCTAssertGreaterThan(Set(a.pixels).count, 20)
    }
}

final class DatasetAndPathTests: XCTestCase {
    func testFirstPerClassKeepsOrder() {
        let set = images([2, 0, 2, 2, 1, 0, 0], classes: ["a", "b", "c"])
        XCTAssertEqual(DatasetExport.firstPerClass(set, 2).labels, [2, 0, 2, 1, 0])
        XCTAssertEqual(DatasetExport.firstPerClass(set, 2).sources, ["dir/c/0.png", "dir/a/1.png", "dir/c/2.png", "dir/b/4.png", "dir/a/5.png"])
    }

    func testOutputMayNotLieInsideTheImages() throws {
        let root = NSTemporaryDirectory() + "edge-audit-paths-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/imgs/a", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: root + "/link", withDestinationPath: root + "/imgs")
        for bad in [root + "/imgs", root + "/imgs/new/out", root + "/imgs/a/", root + "/link/x", root + "/imgs/../imgs/a"] {
            XCTAssertThrowsError(try OutputPaths.checkDisjoint(output: bad, input: root + "/imgs"), bad) { e in
                guard case EdgeError.usage = e else { return XCTFail("\(e)") }
            }
        }
        for ok in [root + "/out", root + "/imgs-out", root] {
            XCTAssertNoThrow(try OutputPaths.checkDisjoint(output: ok, input: root + "/imgs"), ok)
        }
    }
}
