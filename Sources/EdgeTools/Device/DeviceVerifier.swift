import EdgeCore
import Foundation

/// `device verify`: a board's int8 logits against the host's, bit for bit, set by set.
public enum DeviceVerifier {
    /// What a verification found.
    public struct Outcome: Equatable, Sendable {
        /// Sets whose logits differ, are missing or have the wrong length.
        public var failedSets: Int
        /// Sets in the manifest.
        public var sets: Int
        /// The board's `edge-run --bench` line on the clean set, when there is one.
        public var bench: String?

        /// An outcome.
        public init(failedSets: Int, sets: Int, bench: String?) {
            self.failedSets = failedSets
            self.sets = sets
            self.bench = bench
        }
    }

    /// Verifies `bundle`: the board's logits are run now with `runner` (split at spaces) or
    /// read from `logits` (NAME.i8 files or folders, default BUNDLE/board). Each table line
    /// (header, then one per set) goes to `emit` as soon as it is known.
    public static func run(bundle: String, logits: [String], runner: String?, emit: (String) -> Void) throws -> Outcome {
        let manifest = try readManifest(bundle)
        let (found, bench) = try runner.map { try runSets(bundle, manifest, runner: $0) } ?? collect(bundle, logits)
        let failed = try compare(bundle, manifest, found, emit: emit)
        return Outcome(failedSets: failed, sets: manifest.sets.count, bench: bench)
    }

    /// The manifest, after checking that model.bin is the one it was written for.
    public static func readManifest(_ bundle: String) throws -> DeviceManifest {
        let mpath = bundle + "/manifest.json"
        let mbytes = try AtomicFile.read(mpath, limit: 16 << 20)
        let manifest: DeviceManifest
        do { manifest = try JSONDecoder().decode(DeviceManifest.self, from: Data(mbytes)) }
        catch { throw EdgeError.badData(path: mpath, reason: "not a device bundle manifest: \(error)") }
        let modelBytes = try AtomicFile.read(bundle + "/model.bin", limit: 512 << 20)
        guard SHA256.hex(SHA256.digest(modelBytes)) == manifest.modelSHA256 else {
            throw EdgeError.badData(path: bundle + "/model.bin", reason: "does not match the manifest's SHA-256")
        }
        return manifest
    }

    /// Runs every set with `runner`, logits into BUNDLE/board; set name → logits file, and
    /// the runner's bench line when `--bench` succeeds.
    static func runSets(_ bundle: String, _ manifest: DeviceManifest, runner: String) throws -> ([String: String], String?) {
        let board = bundle + "/board"
        do { try FileManager.default.createDirectory(atPath: board, withIntermediateDirectories: true) }
        catch { throw EdgeError.cannotWrite(path: board, reason: error.localizedDescription) }
        let cmd = runner.split(separator: " ").map(String.init)
        guard !cmd.isEmpty else { throw EdgeError.usage("--runner is empty") }
        var found: [String: String] = [:]
        for s in manifest.sets {
            let dst = "\(board)/\(s.name).i8"
            let (code, _) = try DeviceRunner.execute(cmd + ["\(bundle)/model.bin", "\(bundle)/sets/\(s.name).u8"], stdout: dst)
            guard code == 0 else { throw EdgeError.badData(path: dst, reason: "the runner exited \(code) on set \(s.name)") }
            found[s.name] = dst
        }
        let (code, text) = try DeviceRunner.execute(cmd + ["--bench", "\(bundle)/model.bin", "\(bundle)/sets/clean.u8"], stdout: "\(board)/bench.txt")
        return (found, code == 0 ? text : nil)
    }

    /// The *.i8 files among `paths` (files, or folders holding them; default BUNDLE/board)
    /// by set name, and a folder's bench.txt.
    static func collect(_ bundle: String, _ paths: [String]) throws -> ([String: String], String?) {
        var found: [String: String] = [:]
        var bench: String? = nil
        for p in paths.isEmpty ? [bundle + "/board"] : paths {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: p, isDirectory: &isDir) else { throw EdgeError.missingInput(path: p, reason: "no such file or folder") }
            let files = isDir.boolValue ? ((try? FileManager.default.contentsOfDirectory(atPath: p)) ?? []).map { p + "/" + $0 } : [p]
            for f in files where f.hasSuffix(".i8") { found[((f as NSString).lastPathComponent as NSString).deletingPathExtension] = f }
            if isDir.boolValue, let b = try? String(contentsOfFile: p + "/bench.txt", encoding: .utf8) { bench = b }
        }
        return (found, bench)
    }

    /// Compares each set's board logits with the host's; returns the number of sets that differ.
    static func compare(_ bundle: String, _ manifest: DeviceManifest, _ found: [String: String], emit: (String) -> Void) throws -> Int {
        let k = manifest.classes
        var failed = 0
        emit("set                                  images  board accuracy  identical  mismatched")
        for s in manifest.sets {
            let host = try AtomicFile.read("\(bundle)/host/\(s.name).i8", limit: 1 << 30)
            guard let path = found[s.name] else {
                emit(cell(s.name, 36) + "  " + cell("\(s.images)", 6) + "  " + cell("-", 14) + "  missing: no \(s.name).i8")
                failed += 1
                continue
            }
            let board = try AtomicFile.read(path, limit: 1 << 30)
            guard host.count == s.images * k else { throw EdgeError.badData(path: "\(bundle)/host/\(s.name).i8", reason: "expected \(s.images * k) bytes") }
            let labels = try AtomicFile.read("\(bundle)/host/\(s.name).labels", limit: 1 << 30)
            guard labels.count == s.images else { throw EdgeError.badData(path: "\(bundle)/host/\(s.name).labels", reason: "expected \(s.images) bytes") }
            let r = tally(board: board, host: host, labels: labels, classes: k)
            let accuracy = String(format: "%.2f%%", 100 * Double(r.correct) / Double(max(s.images, 1)))
            let extra = board.count != host.count ? " (board file has \(board.count) bytes, expected \(host.count))" : ""
            emit(cell(s.name, 36) + "  " + cell("\(s.images)", 6) + "  " + cell(accuracy, 14) + "  " + cell("\(r.same)", 9) + "  \(s.images - r.same)"
                 + (r.firstMismatch.map { ", first at image \($0)" } ?? "") + extra)
            if r.same != s.images || !extra.isEmpty { failed += 1 }
        }
        return failed
    }

    /// Per image of `labels`: whether the board's `classes` logits equal the host's, and
    /// whether the board's prediction (argmax of int8 logits, first index on ties, as the
    /// host's) is the label. A short board file counts its missing images as mismatched.
    public static func tally(board: [UInt8], host: [UInt8], labels: [UInt8], classes k: Int) -> (same: Int, correct: Int, firstMismatch: Int?) {
        var same = 0, correct = 0
        var first: Int? = nil
        for i in 0..<labels.count {
            let lo = i * k
            guard board.count >= lo + k else { if first == nil { first = i }; continue }
            if board[lo..<(lo + k)] == host[lo..<(lo + k)] { same += 1 } else if first == nil { first = i }
            var best = 0
            for j in 1..<max(k, 1) where Int8(bitPattern: board[lo + j]) > Int8(bitPattern: board[lo + best]) { best = j }
            if best == Int(labels[i]) { correct += 1 }
        }
        return (same, correct, first)
    }

    /// `s` padded with spaces to `n` columns (the verify table's cells).
    private static func cell(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
}
