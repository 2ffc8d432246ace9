import Foundation

/// Where the calibration images are when no `--calibration` is given. A path relative to
/// the working directory only works from the repository root; the folder shipped beside the
/// models, or installed beside the tool, works from anywhere.
public enum CalibrationDefault {
    /// The folder name under `calibration/` that the shipped Fashion-MNIST models use.
    public static let relative = "calibration/fashion-mnist"

    /// The first existing folder of, in order: `MODEL_DIR/../calibration/fashion-mnist`
    /// (the repository layout: models/ and calibration/ are siblings),
    /// `EXE_DIR/../share/edge-audit/calibration/fashion-mnist` (an installed tool), and
    /// `calibration/fashion-mnist` relative to the working directory; nil when none exists.
    ///
    /// Paths are built lexically (`models/x.bin` gives `calibration/fashion-mnist`, not
    /// `models/../calibration/fashion-mnist`) so messages show the path people expect.
    /// - Parameters:
    ///   - executablePath: the running tool (default: /proc/self/exe, else argv[0]).
    ///   - isDirectory: the file-system probe, replaceable in tests.
    public static func resolve(modelPath: String?, executablePath: String? = currentExecutable(),
                               isDirectory: (String) -> Bool = folderExists) -> String? {
        candidates(modelPath: modelPath, executablePath: executablePath).first(where: isDirectory)
    }

    /// The candidate folders of `resolve`, in the order they are tried (duplicates removed).
    public static func candidates(modelPath: String?, executablePath: String?) -> [String] {
        var out: [String] = []
        if let modelPath { out.append(join(parent(of: directory(of: modelPath)), relative)) }
        if let executablePath { out.append(join(parent(of: directory(of: executablePath)), "share/edge-audit/" + relative)) }
        out.append(relative)
        var seen = Set<String>()
        return out.filter { seen.insert($0).inserted }
    }

    /// The running executable's path, symlinks resolved (so a tool linked into /usr/local/bin
    /// finds the share/ folder of its real installation).
    public static func currentExecutable() -> String? {
        if let p = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return p }
        return CommandLine.arguments.first.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path }
    }

    /// Whether `path` is a folder (following symlinks).
    public static func folderExists(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }

    /// The folder holding `path` ("." for a bare file name).
    static func directory(of path: String) -> String {
        var parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        parts.removeLast()
        if parts.isEmpty { return "." }
        if parts == [""] { return "/" }
        return parts.joined(separator: "/")
    }

    /// The parent of folder `dir`, lexically: drops a last name, else climbs with "..".
    static func parent(of dir: String) -> String {
        if dir == "/" { return "/" }
        var parts = dir.split(separator: "/").map(String.init).filter { $0 != "." }
        let absolute = dir.hasPrefix("/")
        if let last = parts.last, last != ".." {
            parts.removeLast()
        } else if !absolute {
            parts.append("..")
        }
        let body = parts.joined(separator: "/")
        return absolute ? "/" + body : (body.isEmpty ? "." : body)
    }

    /// `dir/rest` without a leading "./" or a doubled slash.
    static func join(_ dir: String, _ rest: String) -> String {
        if dir == "." { return rest }
        return dir.hasSuffix("/") ? dir + rest : dir + "/" + rest
    }
}
