import Foundation
import XCTest

/// What every end-to-end CLI test needs: the built `edge-audit` binary, the repository
/// root, a scratch folder per test, and a runner that captures exit code, terminating
/// signal, stdout and stderr.
class CLITestCase: XCTestCase {
    /// The `edge-audit` executable beside the test bundle.
    var binary: URL {
        var dir = Bundle.main.bundleURL
        for b in Bundle.allBundles where b.bundlePath.hasSuffix(".xctest") { dir = b.bundleURL.deletingLastPathComponent() }
        return dir.appendingPathComponent("edge-audit")
    }
    /// The repository root (for models/, calibration/, Tests/Fixtures/).
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    /// A fresh scratch folder, removed after the test.
    var tmp = ""

    override func setUpWithError() throws {
        tmp = NSTemporaryDirectory() + "edge-audit-\(type(of: self))-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: tmp) }

    /// Runs the binary with `args` (in `directory` when given, with `env` added to the
    /// environment); `signal` is the terminating signal, 0 when the process exited.
    @discardableResult
    func run(_ args: [String], env: [String: String] = [:], directory: String? = nil) throws -> (code: Int32, signal: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = binary
        p.arguments = args
        if !env.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 } }
        if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let o = Pipe(), e = Pipe()
        p.standardOutput = o
        p.standardError = e
        try p.run()
        let od = o.fileHandleForReading.readDataToEndOfFile(), ed = e.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let sig: Int32 = p.terminationReason == .uncaughtSignal ? p.terminationStatus : 0
        return (p.terminationStatus, sig, String(decoding: od, as: UTF8.self), String(decoding: ed, as: UTF8.self))
    }
}
