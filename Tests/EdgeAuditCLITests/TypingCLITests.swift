import Foundation
import XCTest

/// The CLI as people type it: typos in the subcommand, ε as fractions, the calibration
/// folder found from anywhere, other image sizes resized, completion scripts.
final class TypingCLITests: CLITestCase {
    var lenet: String { root + "/models/fashion-lenet5.bin" }
    var lenetQ: String { root + "/models/fashion-lenet5-q.bin" }

    func testAMistypedSubcommandIsAUsageErrorWithASuggestion() throws {
        let r = try run(["inpsect", "m.bin"])
        XCTAssertEqual(r.code, 2)
        XCTAssertEqual(r.err, "edge-audit: usage error: unknown subcommand 'inpsect'; did you mean 'inspect'?\n")
        XCTAssertEqual(r.out, "")
        let far = try run(["frobnicate"])
        XCTAssertEqual(far.code, 2)
        XCTAssert(far.err.contains("the subcommands are: audit, train, quantize"), far.err)
        // A model path that is missing is still the audit's missing input, and an existing
        // file of any name is still a model.
        XCTAssertEqual(try run([tmp + "/nope/model.bin", "--images", tmp]).code, 66)
        FileManager.default.createFile(atPath: tmp + "/inpsect", contents: Data("not a model".utf8))
        XCTAssertEqual(try run(["inpsect", "--images", tmp], directory: tmp).code, 65)
    }

    func testFractionalEpsilon() throws {
        let bad = try run(["device", "bundle", lenetQ, "--images", root + "/calibration/fashion-mnist", "--out", tmp + "/b", "--eps", "1/0"])
        XCTAssertEqual(bad.code, 2)
        XCTAssert(bad.err.contains("'1/0' divides by zero"), bad.err)
        let ok = try run(["device", "bundle", lenetQ, "--images", root + "/calibration/fashion-mnist", "--out", tmp + "/b", "--eps", "8/255",
                          "--limit", "10", "--quiet"])
        XCTAssertEqual(ok.code, 0, ok.err)
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: tmp + "/b/manifest.json"))) as? [String: Any]
        let names = (manifest?["sets"] as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? []
        XCTAssertEqual(names.filter { $0.hasPrefix("fgsm-") }, ["fgsm-eps_\(8.0 / 255.0)"], "\(names)")
    }

    func testCalibrationDefaultsToTheFolderBesideTheModels() throws {
        // From a folder with no calibration/ of its own: the repository's, beside models/.
        let r = try run(["quantize", lenet, "--out", tmp + "/q.bin", "--quiet"], directory: tmp)
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssert(r.out.contains("minmax calibration on 500 images"), r.out)
        // A model elsewhere, no share/ beside the tool, no cwd folder: the missing folder is named.
        try FileManager.default.copyItem(atPath: lenet, toPath: tmp + "/f.bin")
        let missing = try run(["quantize", tmp + "/f.bin", "--out", tmp + "/q2.bin", "--quiet"], directory: tmp)
        XCTAssertEqual(missing.code, 66)
        XCTAssert(missing.err.contains("calibration/fashion-mnist"), missing.err)
    }

    func testPredictResizesOtherSizesOnlyWhenAsked() throws {
        for (i, c) in ["Bag", "Coat"].enumerated() {
            let dir = tmp + "/imgs/" + c
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            for j in 0..<2 {
                let px = [UInt8](repeating: UInt8(40 * (i + j)), count: 32 * 32)
                try Data(png(px, width: 32, height: 32, channels: 1)).write(to: URL(fileURLWithPath: "\(dir)/\(j).png"))
            }
        }
        let plain = try run(["predict", lenet, "--images", tmp + "/imgs", "--quiet"])
        XCTAssertEqual(plain.code, 65, plain.err)
        XCTAssert(plain.err.contains("image is 32×32, the model needs 28×28"), plain.err)
        let r = try run(["predict", lenet, "--images", tmp + "/imgs", "--resize", "--quiet"])
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertEqual(r.out.split(separator: "\n").count, 4)
        XCTAssertEqual(r.err.components(separatedBy: "resized to 28×28").count - 1, 1, "stated once: \(r.err)")
        XCTAssert(r.err.contains("note: 4 image(s) of 32×32 resized to 28×28"), r.err)
    }

    func testCompletionScripts() throws {
        for shell in ["bash", "zsh", "fish"] {
            let r = try run(["--generate-completion-script", shell])
            XCTAssertEqual(r.code, 0, shell)
            for sub in ["inspect", "quantize", "device"] { XCTAssert(r.out.contains(sub), "\(shell) completion lacks \(sub)") }
        }
    }
}
