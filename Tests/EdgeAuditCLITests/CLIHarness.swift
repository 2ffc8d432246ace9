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

    /// A grey or RGB PNG of `px` (HWC) with one stored (uncompressed) deflate block, built
    /// by hand so tests do not depend on the code under test to make their inputs.
    func png(_ px: [UInt8], width: Int, height: Int, channels: Int) -> [UInt8] {
        var raw: [UInt8] = []
        for y in 0..<height { raw.append(0); raw += px[(y * width * channels)..<((y + 1) * width * channels)] }
        func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        func crc(_ d: [UInt8]) -> UInt32 {
            var c: UInt32 = 0xFFFF_FFFF
            for b in d { c ^= UInt32(b); for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 } }
            return ~c
        }
        func chunk(_ t: String, _ d: [UInt8]) -> [UInt8] { be32(UInt32(d.count)) + Array(t.utf8) + d + be32(crc(Array(t.utf8) + d)) }
        var a: UInt32 = 1, b: UInt32 = 0
        for v in raw { a = (a + UInt32(v)) % 65521; b = (b + a) % 65521 }
        let n = UInt16(raw.count)
        let z: [UInt8] = [0x78, 0x01, 1, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8(~n >> 8)] + raw + be32(b << 16 | a)
        let ihdr = be32(UInt32(width)) + be32(UInt32(height)) + [8, channels == 3 ? 2 : 0, 0, 0, 0]
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", ihdr) + chunk("IDAT", z) + chunk("IEND", [])
    }
}
