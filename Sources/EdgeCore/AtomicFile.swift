import Foundation

/// Writes files atomically: a temporary file beside the target, then rename, so a reader
/// or an interrupted run never sees half a file.
public enum AtomicFile {
    /// Writes `bytes` to `path` atomically, creating parent folders.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let url = URL(fileURLWithPath: path)
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url, options: .atomic)
        } catch {
            throw EdgeError.cannotWrite(path: path, reason: "\(error.localizedDescription)")
        }
    }

    /// Reads a whole file, mapping absence to `missingInput`; refuses files over `limit` bytes.
    public static func read(_ path: String, limit: Int = 1 << 30) throws -> [UInt8] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw EdgeError.missingInput(path: path, reason: "no such file")
        }
        guard !isDir.boolValue else { throw EdgeError.missingInput(path: path, reason: "is a folder, expected a file") }
        guard let h = FileHandle(forReadingAtPath: path) else {
            throw EdgeError.missingInput(path: path, reason: "cannot open for reading")
        }
        defer { try? h.close() }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size <= limit else {
            throw EdgeError.badData(path: path, reason: "file is \(size) bytes, over the limit of \(limit)")
        }
        let d = (try? h.readToEnd()) ?? Data()
        return [UInt8](d)
    }
}
