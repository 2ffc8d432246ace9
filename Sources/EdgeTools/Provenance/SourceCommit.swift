import EdgeCore
import EdgeModel
import Foundation

/// The tool's version and the commit of the source it was built from, for the PROV section.
///
/// SwiftPM has no build step that could bake the commit into the binary without a plugin
/// (slow, sandboxed on macOS, and a generated file in the tree would change every commit), so
/// it is found at run time, most trustworthy first:
/// 1. `EDGE_AUDIT_SOURCE_COMMIT` — set by whoever builds and runs the tool (CI,
///    scripts/reproduce-models.sh) and recorded as given;
/// 2. git, asked about the checkout the running binary was built in (`ROOT/.build/…/edge-audit`
///    with `ROOT/Package.swift`): HEAD, plus `-dirty` when Sources/, Package.swift or
///    Package.resolved differ from it, or `-stale` when a file there is newer than the binary
///    (checked out or edited after the build, so HEAD may not be what was compiled);
/// 3. otherwise "unknown" (an installed tool far from its sources).
public enum SourceCommit {
    /// The version `edge-audit --version` prints.
    public static let toolVersion = "0.1.0"
    /// The environment variable that overrides the lookup.
    public static let environmentKey = "EDGE_AUDIT_SOURCE_COMMIT"

    /// (commit, origin) with origin "EDGE_AUDIT_SOURCE_COMMIT", "git" or "none".
    public static func current(environment: [String: String] = ProcessInfo.processInfo.environment,
                               executable: String? = CalibrationDefault.currentExecutable()) -> (String, String) {
        if let v = environment[environmentKey], !v.isEmpty {
            // Recorded verbatim but cut to what the section accepts, so a long or odd value cannot make training fail at the end.
            let clean = String(v.unicodeScalars.filter { $0.value >= 0x21 && $0.value < 0x7F }.map(Character.init).prefix(Provenance.Limits.maxShortBytes))
            return (clean.isEmpty ? "unknown" : clean, environmentKey)
        }
        guard let exe = executable, let root = checkout(of: exe),
              let head = git(["rev-parse", "HEAD"], in: root)?.trimmingCharacters(in: .whitespacesAndNewlines),
              Provenance.isCommit(head) else { return ("unknown", "none") }
        let paths = ["Sources", "Package.swift", "Package.resolved"]
        if let status = git(["status", "--porcelain", "--untracked-files=all", "--"] + paths, in: root), !status.isEmpty {
            return (head + "-dirty", "git")
        }
        if newer(than: exe, under: paths.map { root + "/" + $0 }) { return (head + "-stale", "git") }
        return (head, "git")
    }

    /// The checkout holding a binary at `ROOT/.build/…`, when ROOT has a Package.swift.
    static func checkout(of exe: String) -> String? {
        guard let r = exe.range(of: "/.build/", options: .backwards) else { return nil }
        let root = String(exe[..<r.lowerBound])
        return FileManager.default.fileExists(atPath: root + "/Package.swift") ? root : nil
    }

    /// git's standard output, or nil when git is missing or fails.
    static func git(_ args: [String], in dir: String) -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git", "-C", dir] + args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return p.terminationStatus == 0 ? String(decoding: data, as: UTF8.self) : nil
    }

    /// Whether any regular file under `paths` was modified after `exe`.
    static func newer(than exe: String, under paths: [String]) -> Bool {
        let fm = FileManager.default
        guard let built = (try? fm.attributesOfItem(atPath: exe))?[.modificationDate] as? Date else { return false }
        func modified(_ p: String) -> Bool { ((try? fm.attributesOfItem(atPath: p))?[.modificationDate] as? Date).map { $0 > built } ?? false }
        for p in paths {
            if modified(p) { return true }
            guard let e = fm.enumerator(atPath: p) else { continue }
            while let rel = e.nextObject() as? String {
                if modified(p + "/" + rel) { return true }
            }
        }
        return false
    }
}
