import EdgeCore
import Foundation

/// Where a command may write.
public enum OutputPaths {
    /// Refuses (exit 2) an output folder that is, or lies inside, an input folder, so that
    /// writing results can never overwrite the originals. Paths are compared after
    /// resolving symlinks (of the deepest existing ancestor, for a folder not yet made).
    public static func checkDisjoint(output: String, input: String) throws {
        let o = resolved(output), i = resolved(input)
        if o == i || o.hasPrefix(i.hasSuffix("/") ? i : i + "/") {
            throw EdgeError.usage("--out \(output) is or lies inside --images \(input); writing there would overwrite or mix with the originals")
        }
    }

    /// `p` with the symlinks of its deepest existing ancestor resolved.
    static func resolved(_ p: String) -> String {
        var url = URL(fileURLWithPath: p).standardizedFileURL
        var tail: [String] = []
        while !FileManager.default.fileExists(atPath: url.path), url.pathComponents.count > 1 {
            tail.insert(url.lastPathComponent, at: 0)
            url.deleteLastPathComponent()
        }
        let base = url.resolvingSymlinksInPath().path
        return ([base] + tail).joined(separator: "/").replacingOccurrences(of: "//", with: "/")
    }
}
