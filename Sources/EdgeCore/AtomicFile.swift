import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The file boundary: reads only regular files, never more than a cap (whatever size the
/// file reports), and writes atomically (a temporary file beside the target, then rename)
/// only onto a missing path or a regular file, so a reader or an interrupted run never
/// sees half a file and no device, FIFO, socket or symlink is ever replaced.
public enum AtomicFile {
    /// Writes `bytes` to `path` atomically, creating parent folders. Refuses (exit 73) a
    /// target that exists and is not a regular file.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        try checkWritableTarget(path)
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw EdgeError.cannotWrite(path: path, reason: "cannot create the folder \(dir): \(error.localizedDescription)")
        }
        let tmp = dir + "/" + tempName(for: url.lastPathComponent)
        do {
            try writeNew(bytes, to: tmp)
        } catch let e as EdgeError {
            unlink(tmp)
            if case .cannotWrite(_, let reason) = e { throw EdgeError.cannotWrite(path: path, reason: reason) }
            throw e
        }
        guard rename(tmp, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(tmp)
            throw EdgeError.cannotWrite(path: path, reason: reason)
        }
    }

    /// Throws `cannotWrite` when `path` exists and is anything but a regular file (a
    /// symlink, device, FIFO, socket or folder), so that a later write cannot replace it.
    public static func checkWritableTarget(_ path: String) throws {
        guard let kind = FileKind.of(path, followSymlinks: false) else { return }
        guard kind == .regular else {
            throw EdgeError.cannotWrite(path: path, reason: "it is \(kind.phrase), not a regular file; refusing to replace it")
        }
    }

    /// A hidden sibling name for a temporary file; `removeStaleTemps` recognises it.
    static func tempName(for name: String) -> String {
        ".\(name).edge-audit-tmp-\(getpid())-\(UInt64.random(in: 0..<UInt64.max, using: &tempNameSource))"
    }
    nonisolated(unsafe) private static var tempNameSource = SystemRandomNumberGenerator()

    /// Creates `path` (which must not exist), writes all of `bytes`, syncs and closes it.
    static func writeNew(_ bytes: [UInt8], to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw EdgeError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
        var done = 0
        let failure: String? = bytes.withUnsafeBytes { raw -> String? in
            while done < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + done, min(raw.count - done, 1 << 24))
                if n < 0 {
                    if errno == EINTR { continue }
                    return String(cString: strerror(errno))
                }
                done += n
            }
            return fsync(fd) == 0 ? nil : String(cString: strerror(errno))
        }
        let closed = close(fd) == 0
        if let failure { throw EdgeError.cannotWrite(path: path, reason: failure) }
        guard closed else { throw EdgeError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
    }

    /// Removes temporary files that killed runs left beside `path` (their process is gone).
    public static func removeStaleTemps(besides path: String) {
        let url = URL(fileURLWithPath: path)
        removeStaleTemps(inFolder: url.deletingLastPathComponent().path, prefix: ".\(url.lastPathComponent).edge-audit-tmp-")
    }

    /// Removes every temporary file of a dead process in `dir` (one listing, for folders
    /// that receive many files).
    public static func removeStaleTemps(inFolder dir: String) {
        removeStaleTemps(inFolder: dir, prefix: nil)
    }

    private static func removeStaleTemps(inFolder dir: String, prefix: String?) {
        let marker = ".edge-audit-tmp-"
        for e in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] where e.hasPrefix(".") {
            guard let r = e.range(of: marker, options: .backwards), prefix.map({ e.hasPrefix($0) }) ?? true else { continue }
            let pid = Int32(e[r.upperBound...].split(separator: "-").first ?? "") ?? 0
            let alive = pid == getpid() || (pid > 0 && (kill(pid, 0) == 0 || errno == EPERM))
            if alive { continue }
            unlink(dir + "/" + e)
        }
    }

    /// Reads a whole regular file, at most `limit` bytes. Folders, FIFOs, devices and
    /// sockets are refused before a single byte is read (a FIFO is opened non-blocking, so
    /// it cannot hang the process); the cap counts bytes actually read, not the size the
    /// file reports; read errors (EIO) are reported as such.
    public static func read(_ path: String, limit: Int = 1 << 30) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else {
            let e = errno
            throw EdgeError.missingInput(path: path, reason: e == ENOENT ? "no such file" : "cannot open for reading: \(String(cString: strerror(e)))")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw EdgeError.missingInput(path: path, reason: "cannot stat: \(String(cString: strerror(errno)))") }
        let kind = FileKind(mode: st.st_mode)
        guard kind == .regular else {
            if kind == .directory { throw EdgeError.missingInput(path: path, reason: "is a folder, expected a file") }
            throw EdgeError.missingInput(path: path, reason: "is \(kind.phrase), not a regular file; only regular files are read")
        }
        if Int(st.st_size) > limit {
            throw EdgeError.badData(path: path, reason: "file is \(st.st_size) bytes, over the limit of \(limit)")
        }
        var out = [UInt8]()
        out.reserveCapacity(min(max(Int(st.st_size), 0), limit) + 1)
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw EdgeError.missingInput(path: path, reason: "read error after \(out.count) bytes: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            guard out.count + n <= limit else {
                throw EdgeError.badData(path: path, reason: "file holds more than the limit of \(limit) bytes")
            }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }
}

/// What a path names, from lstat/stat, for messages and the regular-file rules.
public enum FileKind: Equatable, Sendable {
    /// A regular file.
    case regular
    /// A folder.
    case directory
    /// A symbolic link (only when links are not followed).
    case symlink
    /// A FIFO (named pipe).
    case fifo
    /// A character device.
    case characterDevice
    /// A block device.
    case blockDevice
    /// A socket.
    case socket
    /// Anything else.
    case other

    /// Classifies a `st_mode`.
    public init(mode: mode_t) {
        switch mode & S_IFMT {
        case S_IFREG: self = .regular
        case S_IFDIR: self = .directory
        case S_IFLNK: self = .symlink
        case S_IFIFO: self = .fifo
        case S_IFCHR: self = .characterDevice
        case S_IFBLK: self = .blockDevice
        case S_IFSOCK: self = .socket
        default: self = .other
        }
    }

    /// The kind of `path`, or nil when nothing is there.
    public static func of(_ path: String, followSymlinks: Bool) -> FileKind? {
        var st = stat()
        let r = followSymlinks ? stat(path, &st) : lstat(path, &st)
        return r == 0 ? FileKind(mode: st.st_mode) : nil
    }

    /// "a FIFO", "a symbolic link", … for messages.
    public var phrase: String {
        switch self {
        case .regular: return "a regular file"
        case .directory: return "a folder"
        case .symlink: return "a symbolic link"
        case .fifo: return "a FIFO"
        case .characterDevice: return "a character device"
        case .blockDevice: return "a block device"
        case .socket: return "a socket"
        case .other: return "not a regular file"
        }
    }
}
