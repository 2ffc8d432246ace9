import XCTest
import EdgeTools

final class SubcommandGuessTests: XCTestCase {
    let names = ["audit", "train", "quantize", "data", "inspect", "predict", "export", "bench", "corrupt", "evaluate", "metrics", "mi", "attack", "device", "help"]

    func message(_ first: String, files: Set<String> = []) -> String? {
        SubcommandGuess.message(first: first, subcommands: names, fileExists: { files.contains($0) })
    }

    func testTyposGetTheNearestName() {
        XCTAssertEqual(message("inpsect"), "unknown subcommand 'inpsect'; did you mean 'inspect'?")
        XCTAssertEqual(message("quantise"), "unknown subcommand 'quantise'; did you mean 'quantize'?")
        XCTAssertEqual(message("Predict"), "unknown subcommand 'Predict'; did you mean 'predict'?")
        XCTAssertEqual(message("evalute"), "unknown subcommand 'evalute'; did you mean 'evaluate'?")
        XCTAssertEqual(message("benc"), "unknown subcommand 'benc'; did you mean 'bench'?")
    }

    func testModelPathsAndOptionsAreLeftAlone() {
        XCTAssertNil(message("inspect"))
        XCTAssertNil(message("--help"))
        XCTAssertNil(message("-h"))
        XCTAssertNil(message("models/missing.bin"), "a missing model path is the audit's 66, not a typo")
        XCTAssertNil(message("missing.bin"))
        XCTAssertNil(message("inpsect", files: ["inpsect"]), "an existing file named like a typo is a model")
        XCTAssertNil(message("mymodel", files: ["mymodel"]))
    }

    func testAWordFarFromEveryNameListsThem() throws {
        let m = try XCTUnwrap(message("frobnicate"))
        XCTAssert(m.hasPrefix("unknown subcommand 'frobnicate' (and no such model file); the subcommands are: audit, train"), m)
    }

    func testDistanceCountsATranspositionOnce() {
        XCTAssertEqual(SubcommandGuess.distance("kitten", "sitting"), 3)
        XCTAssertEqual(SubcommandGuess.distance("ab", "ba"), 1)
        XCTAssertEqual(SubcommandGuess.distance("inpsect", "inspect"), 1)
        XCTAssertEqual(SubcommandGuess.distance("", "abc"), 3)
        XCTAssertEqual(SubcommandGuess.distance("same", "same"), 0)
    }
}

final class CalibrationDefaultTests: XCTestCase {
    func testCandidatesInOrder() {
        XCTAssertEqual(CalibrationDefault.candidates(modelPath: "models/m.bin", executablePath: "/opt/ea/bin/edge-audit"),
                       ["calibration/fashion-mnist", "/opt/ea/share/edge-audit/calibration/fashion-mnist"])
        XCTAssertEqual(CalibrationDefault.candidates(modelPath: "/srv/rel/models/m.bin", executablePath: nil),
                       ["/srv/rel/calibration/fashion-mnist", "calibration/fashion-mnist"])
        XCTAssertEqual(CalibrationDefault.candidates(modelPath: "m.bin", executablePath: nil),
                       ["../calibration/fashion-mnist", "calibration/fashion-mnist"])
        XCTAssertEqual(CalibrationDefault.candidates(modelPath: "../m.bin", executablePath: nil),
                       ["../../calibration/fashion-mnist", "calibration/fashion-mnist"])
        XCTAssertEqual(CalibrationDefault.candidates(modelPath: "./a/./b/m.bin", executablePath: nil),
                       ["a/calibration/fashion-mnist", "calibration/fashion-mnist"])
        XCTAssertEqual(CalibrationDefault.candidates(modelPath: "/m.bin", executablePath: nil),
                       ["/calibration/fashion-mnist", "calibration/fashion-mnist"])
    }

    func testFirstExistingWins() {
        let exe = "/opt/ea/bin/edge-audit"
        let installed = "/opt/ea/share/edge-audit/calibration/fashion-mnist"
        XCTAssertEqual(CalibrationDefault.resolve(modelPath: "/srv/models/m.bin", executablePath: exe,
                                                  isDirectory: { ["/srv/calibration/fashion-mnist", installed].contains($0) }),
                       "/srv/calibration/fashion-mnist")
        XCTAssertEqual(CalibrationDefault.resolve(modelPath: "/srv/models/m.bin", executablePath: exe, isDirectory: { $0 == installed }), installed)
        XCTAssertEqual(CalibrationDefault.resolve(modelPath: "/srv/models/m.bin", executablePath: exe,
                                                  isDirectory: { $0 == "calibration/fashion-mnist" }), "calibration/fashion-mnist")
        XCTAssertNil(CalibrationDefault.resolve(modelPath: "/srv/models/m.bin", executablePath: exe, isDirectory: { _ in false }))
    }

    func testOnTheFileSystem() throws {
        let root = NSTemporaryDirectory() + "edge-audit-cal-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/models", withIntermediateDirectories: true)
        XCTAssertNotEqual(CalibrationDefault.resolve(modelPath: root + "/models/m.bin", executablePath: nil), root + "/calibration/fashion-mnist")
        try FileManager.default.createDirectory(atPath: root + "/calibration/fashion-mnist", withIntermediateDirectories: true)
        XCTAssertEqual(CalibrationDefault.resolve(modelPath: root + "/models/m.bin", executablePath: nil), root + "/calibration/fashion-mnist")
        // A file of that name is not a folder.
        try FileManager.default.createDirectory(atPath: root + "/x/calibration", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: root + "/x/calibration/fashion-mnist", contents: Data())
        XCTAssertFalse(CalibrationDefault.folderExists(root + "/x/calibration/fashion-mnist"))
    }

    func testTheRunningExecutableIsFound() throws {
        let exe = try XCTUnwrap(CalibrationDefault.currentExecutable())
        XCTAssert(FileManager.default.isExecutableFile(atPath: exe), exe)
    }
}
