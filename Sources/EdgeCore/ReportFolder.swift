import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// glibc's renameat2(2); not in the Glibc module map. Flag 2 is RENAME_EXCHANGE.
@_silgen_name("renameat2")
private func c_renameat2(_ oldDir: Int32, _ old: UnsafePointer<CChar>, _ newDir: Int32, _ new: UnsafePointer<CChar>, _ flags: UInt32) -> Int32

/// An output folder that is replaced as a whole. The new set of files is written into a
/// hidden sibling folder and swapped in with one `renameat2(RENAME_EXCHANGE)`, so a reader
/// sees the old set or the new set, never a mix — whatever kills the process, whenever.
/// A lock beside the folder makes a second run on the same folder fail at once, and
/// leftovers of killed runs (staging folders, old sets) are removed when the next run
/// takes the lock.
public final class ReportFolder {
    /// The folder, as given.
    public let path: String
    /// The files a report folder may hold, when they are a fixed set (empty otherwise).
    public private(set) var allowed: Set<String> = []
    /// Whether a file name may be in the folder; any other file makes it not ours to replace.
    public let accepts: (String) -> Bool
    private let parent: String, name: String
    private var lockFD: Int32 = -1
    private var lockPath: String { parent + "/.\(name).edge-audit-lock" }
    private var stagingPrefix: String { ".\(name).edge-audit-new-" }
    private var oldPrefix: String { ".\(name).edge-audit-old-" }

    /// Checks that `path` can hold a report (missing, or a folder holding only `allowed`
    /// names, each a regular file), creates its parent, takes the lock and removes leftovers
    /// of killed runs.
    /// Throws `cannotWrite` (exit 73) otherwise, before any work is done.
    public convenience init(_ path: String, allowed: Set<String>) throws {
        try self.init(path, accepting: { allowed.contains($0) })
        self.allowed = allowed
    }

    /// As above with the file names the folder may hold given by a rule (`explain` writes
    /// one overlay per image, overlay-00000.png …, so its names are not a fixed set).
    public init(_ path: String, accepting accepts: @escaping (String) -> Bool) throws {
        var p = path
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        let url = URL(fileURLWithPath: p)
        let last = url.lastPathComponent
        guard !p.isEmpty, last != ".", last != "..", last != "/", !(path.hasSuffix("/.") || path.hasSuffix("/..")) else {
            throw EdgeError.cannotWrite(path: path, reason: "the output must name a folder of its own (not '.', '..' or '/')")
        }
        self.path = p
        self.accepts = accepts
        self.name = last
        self.parent = url.deletingLastPathComponent().path
        switch FileKind.of(p, followSymlinks: false) {
        case nil: break
        case .directory?:
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: p)) ?? []
            let foreign = entries.filter { !accepts($0) }.sorted()
            guard foreign.isEmpty else {
                throw EdgeError.cannotWrite(path: path, reason: "the folder holds files that are not part of a report (\(foreign.prefix(5).joined(separator: ", "))\(foreign.count > 5 ? ", …" : "")); it is replaced as a whole, so choose a new or empty folder")
            }
            // A report's name on a link, folder or device is still not ours to drop with the old set.
            if let odd = entries.sorted().first(where: { FileKind.of(p + "/" + $0, followSymlinks: false) != .regular }) {
                throw EdgeError.cannotWrite(path: p + "/" + odd, reason: "it is \(FileKind.of(p + "/" + odd, followSymlinks: false)?.phrase ?? "gone"), not a regular file; the folder is replaced as a whole, so choose a new or empty folder")
            }
        case let kind?:
            throw EdgeError.cannotWrite(path: path, reason: "it is \(kind.phrase); the output must be a folder")
        }
        do {
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        } catch {
            throw EdgeError.cannotWrite(path: path, reason: "cannot create the parent folder \(parent): \(error.localizedDescription)")
        }
        guard access(parent, W_OK) == 0 else {
            throw EdgeError.cannotWrite(path: path, reason: "the parent folder \(parent) is not writable")
        }
        try lock()
        removeLeftovers()
    }

    deinit { release() }

    /// Takes an exclusive, non-blocking lock on the lock file; retries when the file was
    /// replaced between open and lock (another run removed it while finishing).
    private func lock() throws {
        for _ in 0..<16 {
            let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
            guard fd >= 0 else { throw EdgeError.cannotWrite(path: path, reason: "cannot create the lock \(lockPath): \(String(cString: strerror(errno)))") }
            if flock(fd, LOCK_EX | LOCK_NB) != 0 {
                let e = errno
                close(fd)
                if e == EWOULDBLOCK { throw EdgeError.cannotWrite(path: path, reason: "another edge-audit run is writing this folder (lock \(lockPath) is held)") }
                throw EdgeError.cannotWrite(path: path, reason: "cannot lock \(lockPath): \(String(cString: strerror(e)))")
            }
            var a = stat(), b = stat()
            if fstat(fd, &a) == 0, stat(lockPath, &b) == 0, a.st_ino == b.st_ino, a.st_dev == b.st_dev {
                lockFD = fd
                return
            }
            close(fd)
        }
        throw EdgeError.cannotWrite(path: path, reason: "the lock \(lockPath) keeps changing; is another run starting?")
    }

    /// Staging folders and old sets of earlier, killed runs (we hold the lock: no live run owns them).
    private func removeLeftovers() {
        for e in (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? [] where e.hasPrefix(stagingPrefix) || e.hasPrefix(oldPrefix) {
            try? FileManager.default.removeItem(atPath: parent + "/" + e)
        }
    }

    /// Writes `files` (name → bytes; names from `allowed`) as the folder's new content, in
    /// one atomic swap. On failure the old content is untouched and nothing is left behind.
    public func commit(_ files: [(String, [UInt8])]) throws {
        for (n, _) in files where !accepts(n) { throw EdgeError.internalError("report file \(n) is not in the allowed set") }
        let staging = parent + "/" + stagingPrefix + "\(getpid())"
        try? FileManager.default.removeItem(atPath: staging)
        guard mkdir(staging, 0o755) == 0 else {
            throw EdgeError.cannotWrite(path: path, reason: "cannot create \(staging): \(String(cString: strerror(errno)))")
        }
        // Fault-injection aid for the kill test: widens the window in which a SIGKILL lands
        // mid-commit. Unset in normal use.
        let pause = Int(ProcessInfo.processInfo.environment["EDGE_AUDIT_FAULT_PAUSE_MS"] ?? "").map { min(max($0, 0), 1000) } ?? 0
        do {
            for (n, bytes) in files {
                if pause > 0 { usleep(UInt32(pause * 1000)) }
                do { try AtomicFile.writeNew(bytes, to: staging + "/" + n) } catch let e as EdgeError {
                    if case .cannotWrite(_, let r) = e { throw EdgeError.cannotWrite(path: path + "/" + n, reason: r) }
                    throw e
                }
            }
            if pause > 0 { usleep(UInt32(pause * 1000)) }
            if FileKind.of(path, followSymlinks: false) == nil {
                guard rename(staging, path) == 0 else { throw EdgeError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
                return
            }
            if c_renameat2(AT_FDCWD, staging, AT_FDCWD, path, 2) != 0 {
                // File systems without RENAME_EXCHANGE: two renames; a reader may briefly
                // find no folder, but never a mixed one.
                let e = errno
                guard e == EINVAL || e == ENOSYS || e == ENOTSUP else { throw EdgeError.cannotWrite(path: path, reason: String(cString: strerror(e))) }
                let old = parent + "/" + oldPrefix + "\(getpid())"
                guard rename(path, old) == 0 else { throw EdgeError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
                guard rename(staging, path) == 0 else {
                    let r = String(cString: strerror(errno))
                    _ = rename(old, path)
                    throw EdgeError.cannotWrite(path: path, reason: r)
                }
                try? FileManager.default.removeItem(atPath: old)
                return
            }
            // The staging name now holds the old set.
            try? FileManager.default.removeItem(atPath: staging)
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            throw error
        }
    }

    /// Removes the lock file and releases the lock (also done on deinit).
    public func release() {
        guard lockFD >= 0 else { return }
        unlink(lockPath)
        close(lockFD)
        lockFD = -1
    }
}
