import XCTest
import EdgeCore
import EdgeTools

/// `device verify` on a hand-made bundle: the table, missing and short board files, a
/// model.bin that is not the manifest's.
final class DeviceVerifierTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "edge-audit-bundle-\(UUID().uuidString)"
        for d in ["", "/host", "/board", "/sets"] { try FileManager.default.createDirectory(atPath: dir + d, withIntermediateDirectories: true) }
        let model = Array("any bytes".utf8)
        try AtomicFile.write(model, to: dir + "/model.bin")
        let m = DeviceManifest(modelSHA256: SHA256.hex(SHA256.digest(model)), inputHWC: [1, 1, 1], classes: 2, profile: "quick", seed: 1,
                               sets: [DeviceSet(name: "clean", description: "", images: 2), DeviceSet(name: "fgsm", description: "", images: 2),
                                      DeviceSet(name: "gone", description: "", images: 1)])
        try AtomicFile.write(Array(try JSONEncoder().encode(m)), to: dir + "/manifest.json")
        // Host logits: image 0 predicts class 0, image 1 class 1; labels 0, 1.
        for s in ["clean", "fgsm", "gone"] {
            try AtomicFile.write([9, 1, 2, 8], to: "\(dir)/host/\(s).i8")
            try AtomicFile.write([0, 1], to: "\(dir)/host/\(s).labels")
        }
        try AtomicFile.write([1, 2], to: "\(dir)/host/gone.labels")
        try AtomicFile.write([9, 1], to: "\(dir)/host/gone.i8")
        try AtomicFile.write([9, 1, 2, 8], to: dir + "/board/clean.i8")
        try AtomicFile.write([9, 1], to: dir + "/board/fgsm.i8")
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func testTableAndOutcome() throws {
        var lines: [String] = []
        let r = try DeviceVerifier.run(bundle: dir, logits: [], runner: nil) { lines.append($0) }
        XCTAssertEqual(r, DeviceVerifier.Outcome(failedSets: 2, sets: 3, bench: nil))
        XCTAssertEqual(lines, [
            "set                                  images  board accuracy  identical  mismatched",
            "clean" + String(repeating: " ", count: 31) + "  2       100.00%         2          0",
            "fgsm" + String(repeating: " ", count: 32) + "  2       50.00%          1          1, first at image 1 (board file has 2 bytes, expected 4)",
            "gone" + String(repeating: " ", count: 32) + "  1       -               missing: no gone.i8",
        ])
    }

    func testAnotherModelIsRefused() throws {
        try AtomicFile.write(Array("other".utf8), to: dir + "/model.bin")
        XCTAssertThrowsError(try DeviceVerifier.run(bundle: dir, logits: [], runner: nil) { _ in }) { e in
            guard case EdgeError.badData(let path, let reason) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(path, dir + "/model.bin")
            XCTAssert(reason.contains("SHA-256"), reason)
        }
        XCTAssertThrowsError(try DeviceVerifier.run(bundle: dir + "/nope", logits: [], runner: nil) { _ in })
    }
}
