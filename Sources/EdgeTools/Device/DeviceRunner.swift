import EdgeCore
import Foundation

/// Running a board runner (edge-run, directly or under qemu) from the host.
public enum DeviceRunner {
    /// Runs `argv` (looked up on PATH) with stdout to the file `stdout`; returns the exit
    /// code and that output as text (for --bench lines).
    public static func execute(_ argv: [String], stdout path: String) throws -> (Int32, String) {
        guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
            throw EdgeError.cannotWrite(path: path, reason: "cannot create")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = argv
        p.standardOutput = h
        do { try p.run() } catch { throw EdgeError.missingInput(path: argv[0], reason: "cannot run: \(error.localizedDescription)") }
        p.waitUntilExit()
        try? h.close()
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return (p.terminationStatus, text)
    }
}
