import Foundation
import XCTest

/// `explain` end to end: flags refused before work, the output-folder rules, the files and
/// their agreement with index.json, and the same bytes at 1 and 2 threads.
final class ExplainCLITests: CLITestCase {
    var model: String { root + "/models/fashion-lenet5-q.bin" }
    var images: String { root + "/calibration/fashion-mnist" }

    func testUsageErrorsComeBeforeWork() throws {
        let out = tmp + "/never"
        for (args, says) in [(["--method", "lime"], "--method"), (["--method", "smoothgrad", "--steps", "8"], "--steps"),
                             (["--noise", "0.1"], "--noise"), (["--method", "smoothgrad", "--noise", "0"], "--noise"),
                             (["--steps", "0"], "--steps"), (["--class", "10"], "--class"), (["--net", "int4"], "--net"),
                             (["--limit", "0"], "--limit")] {
            let r = try run(["explain", model, "--images", images, "--out", out, "--quiet"] + args)
            XCTAssertEqual(r.code, 2, "\(args): \(r.err)")
            XCTAssert(r.err.contains(says), "\(args): \(r.err)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "nothing written")
        let inside = try run(["explain", model, "--images", images, "--out", images + "/maps", "--quiet"])
        XCTAssertEqual(inside.code, 2, inside.err)
        XCTAssert(inside.err.contains("inside --images"))
    }

    func testForeignFilesAndLinksAreNeverReplaced() throws {
        let out = tmp + "/maps"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: URL(fileURLWithPath: out + "/notes.txt"))
        let foreign = try run(["explain", model, "--images", images, "--limit", "2", "--out", out, "--quiet"])
        XCTAssertEqual(foreign.code, 73, foreign.err)
        try FileManager.default.removeItem(atPath: out + "/notes.txt")
        try FileManager.default.createSymbolicLink(atPath: out + "/overlay-00000.png", withDestinationPath: tmp + "/elsewhere.png")
        let link = try run(["explain", model, "--images", images, "--limit", "2", "--out", out, "--quiet"])
        XCTAssertEqual(link.code, 73, link.err)
        XCTAssert(link.err.contains("not a regular file"), link.err)
    }

    func testFilesAgreeWithTheIndexAndThreads() throws {
        var arrays: [Data] = []
        for threads in ["1", "2"] {
            let out = tmp + "/sg\(threads)"
            let r = try run(["explain", model, "--images", images, "--method", "smoothgrad", "--samples", "3", "--noise", "0.1",
                             "--limit", "4", "--net", "int8", "--save-noise", "--out", out, "--quiet", "--threads", threads])
            XCTAssertEqual(r.code, 0, r.err)
            XCTAssert(r.out.contains("int8 net (STE simulation"), r.out)
            arrays.append(try Data(contentsOf: URL(fileURLWithPath: out + "/attributions.npy")))
            let noise = try Data(contentsOf: URL(fileURLWithPath: out + "/noise.npy"))
            XCTAssert(String(decoding: noise.prefix(128), as: UTF8.self).contains("'shape': (4, 3, 1, 28, 28)"))
        }
        XCTAssertEqual(arrays[0], arrays[1], "the same seed gives the same bytes at any --threads")
        let out = tmp + "/ig"
        for _ in 0..<2 {  // the second run replaces the first run's folder
            let r = try run(["explain", model, "--images", images, "--steps", "16", "--limit", "3", "--out", out, "--quiet"])
            XCTAssertEqual(r.code, 0, r.err)
        }
        let npy = [UInt8](try Data(contentsOf: URL(fileURLWithPath: out + "/attributions.npy")))
        XCTAssertEqual(Array(npy[0..<8]), [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0], ".npy version 1")
        let headerLength = Int(npy[8]) | Int(npy[9]) << 8
        XCTAssert(String(decoding: npy[10..<(10 + headerLength)], as: UTF8.self).contains("'descr': '<f4'"))
        XCTAssertEqual(npy.count, 10 + headerLength + 4 * 3 * 784)
        let index = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/index.json"))) as? [String: Any])
        XCTAssertEqual(index["method"] as? String, "ig")
        XCTAssertEqual(index["steps"] as? Int, 16)
        let entries = try XCTUnwrap(index["images"] as? [[String: Any]])
        XCTAssertEqual(entries.count, 3)
        for (i, e) in entries.enumerated() {
            // Σ attributions from the array itself, against index.json's sum and completeness.
            var sum = 0.0
            for t in 0..<784 {
                let o = 10 + headerLength + 4 * (i * 784 + t)
                sum += Double(Float(bitPattern: UInt32(npy[o]) | UInt32(npy[o + 1]) << 8 | UInt32(npy[o + 2]) << 16 | UInt32(npy[o + 3]) << 24))
            }
            let said = try XCTUnwrap(e["sum"] as? Double), gap = try XCTUnwrap(e["logit"] as? Double) - (try XCTUnwrap(e["baseline_logit"] as? Double))
            XCTAssertEqual(sum, said, accuracy: 1e-4 * max(1, abs(said)))
            XCTAssertEqual(said, gap, accuracy: 0.25 * abs(gap), "completeness, roughly, at M = 16")
            let overlay = try XCTUnwrap(e["overlay"] as? String)
            XCTAssert(FileManager.default.fileExists(atPath: out + "/" + overlay), overlay)
        }
    }
}
