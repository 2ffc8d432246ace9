import EdgeCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Image folders in torchvision's ImageFolder layout, `DIR/<class-name>/*.png|jpg|jpeg`.
public enum ImageFolder {
    /// A file that was skipped, and why.
    public struct Skipped: Sendable, Equatable {
        /// The file.
        public let path: String
        /// What was wrong with it.
        public let reason: String
    }

    /// What `load` read: the images and the files it skipped.
    public struct Result: Sendable {
        /// Decoded, converted images with labels.
        public var images: LabeledImages
        /// Bad files, in path order.
        public var skipped: [Skipped]
        /// Images whose channel count was converted to the required one: source channel
        /// count → number of images (empty when every file already had it).
        public var converted: [Int: Int] = [:]
        /// Images resized to the required size (only with `resize`): source size as
        /// "W×H" → number of images (empty when none was).
        public var resized: [String: Int] = [:]
    }

    /// The extensions treated as images (case-insensitive).
    public static let extensions: Set<String> = ["png", "jpg", "jpeg"]
    /// Most image files one load accepts (a clear error rather than unbounded memory).
    nonisolated(unsafe) public static var maxFiles = 2_000_000
    /// Largest image file accepted, in bytes.
    nonisolated(unsafe) public static var maxFileBytes = 64 << 20

    /// What a directory entry is, judged without following it blindly.
    enum EntryKind: Equatable { case regular, directory, outside(String), special(String) }

    /// Classifies `path`: symbolic links are followed only if they stay inside `root`;
    /// FIFOs, sockets and devices are never opened (reading a FIFO would block forever).
    static func kind(_ path: String, root: String) -> EntryKind {
        var st = stat()
        guard lstat(path, &st) == 0 else { return .special("cannot be examined") }
        var mode = st.st_mode & S_IFMT
        if mode == S_IFLNK {
            guard let real = realpath(path, nil) else { return .special("a dangling symbolic link") }
            defer { free(real) }
            let target = String(cString: real)
            guard target == root || target.hasPrefix(root + "/") else { return .outside(target) }
            guard stat(target, &st) == 0 else { return .special("cannot be examined") }
            mode = st.st_mode & S_IFMT
        }
        switch mode {
        case S_IFREG: return .regular
        case S_IFDIR: return .directory
        case S_IFIFO: return .special("a FIFO")
        case S_IFSOCK: return .special("a socket")
        case S_IFCHR, S_IFBLK: return .special("a device file")
        default: return .special("not a regular file")
        }
    }

    static func realRoot(_ dir: String) -> String {
        guard let r = realpath(dir, nil) else { return dir }
        defer { free(r) }
        return String(cString: r)
    }

    /// The image files under `directory`'s class folders in sorted order with their labels,
    /// the classes (`classNames`, or the sorted folder names), and the entries skipped.
    static func listFiles(_ directory: String, classNames: [String]?) throws
        -> (classes: [String], files: [(path: String, label: Int)], skipped: [Skipped]) {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: directory, isDirectory: &isDir) else {
            throw EdgeError.missingInput(path: directory, reason: "no such folder")
        }
        guard isDir.boolValue else { throw EdgeError.missingInput(path: directory, reason: "not a folder") }
        let root = realRoot(directory)
        let entries = ((try? fm.contentsOfDirectory(atPath: directory)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        var skipped: [Skipped] = []
        var folders: [String] = []
        for e in entries {
            switch kind(directory + "/" + e, root: root) {
            case .directory: folders.append(e)
            case .outside(let t): skipped.append(Skipped(path: directory + "/" + e, reason: "symbolic link leaves the images folder (to \(t))"))
            default: break
            }
        }
        guard !folders.isEmpty else {
            throw EdgeError.badData(path: directory, reason: "no class folders: expected DIR/<class-name>/*.png|jpg|jpeg")
        }
        let classes = classNames ?? folders
        var files: [(path: String, label: Int)] = []
        for f in folders {
            guard let label = classIndex(folder: f, classes: classes) else {
                throw EdgeError.badData(path: directory + "/" + f,
                                        reason: "folder names unknown class '\(f)'; the model's classes are: \(classes.joined(separator: ", "))"
                                            + folderHint(classes))
            }
            let dir = directory + "/" + f
            let names = ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
            for n in names {
                let p = dir + "/" + n
                let ext = (n as NSString).pathExtension.lowercased()
                switch kind(p, root: root) {
                case .regular:
                    if extensions.contains(ext) {
                        files.append((p, label))
                    } else {
                        skipped.append(Skipped(path: p, reason: "not a .png/.jpg/.jpeg file"))
                    }
                case .directory:
                    break
                case .outside(let t):
                    skipped.append(Skipped(path: p, reason: "symbolic link leaves the images folder (to \(t))"))
                case .special(let what):
                    skipped.append(Skipped(path: p, reason: "\(what), not an image file"))
                }
                guard files.count <= maxFiles else {
                    throw EdgeError.badData(path: directory, reason: "more than \(maxFiles) image files; split the folder or raise the limit")
                }
            }
        }
        return (classes, files, skipped)
    }

    /// The class a folder stands for: the class of that exact name, else the one whose name
    /// `SafeName.component` turns into it (what `data`, `corrupt` and `attack
    /// --save-adversarial` write, e.g. "T-shirt/top" → "T-shirt_top~…"), else the single class
    /// whose name with '/' replaced by '_' equals it (a folder typed by hand). A class name
    /// holding '/' cannot be a folder name, so without these it could never be audited.
    static func classIndex(folder f: String, classes: [String]) -> Int? {
        if let i = classes.firstIndex(of: f) { return i }
        if let i = classes.firstIndex(where: { SafeName.component($0) == f }) { return i }
        let loose = classes.indices.filter { classes[$0].replacingOccurrences(of: "/", with: "_") == f }
        return loose.count == 1 ? loose[0] : nil
    }

    /// For classes whose names cannot be folder names: which folder names stand for them.
    static func folderHint(_ classes: [String]) -> String {
        let odd = classes.filter { SafeName.component($0) != $0 }
        guard !odd.isEmpty else { return "" }
        return " (as folder names: " + odd.prefix(5).map { "'\($0)' → '\(SafeName.component($0))' or '\($0.replacingOccurrences(of: "/", with: "_"))'" }
            .joined(separator: ", ") + ")"
    }

    /// Loads every image under `directory`.
    /// - Parameters:
    ///   - classNames: the model's classes; each folder must name one of them. When nil the
    ///     sorted folder names become the classes (training from a folder).
    ///   - shape: required (channels, height, width); images are converted to the channel
    ///     count, and an image of another size is a bad file.
    ///   - strict: make the first bad file fatal instead of skipping it.
    ///   - limit: use this many images, evenly spaced over the sorted file list (every class is represented).
    ///   - resize: bring images of another size to the required one (`Image8.resized`)
    ///     instead of skipping them as bad files.
    public static func load(_ directory: String, classNames: [String]?, shape: (c: Int, h: Int, w: Int),
                            strict: Bool = false, limit: Int? = nil, resize: Bool = false) throws -> Result {
        let listing = try listFiles(directory, classNames: classNames)
        let classes = listing.classes
        var files = listing.files, skipped = listing.skipped
        if strict, let s = skipped.first { throw EdgeError.badData(path: s.path, reason: s.reason) }
        if let limit, files.count > limit {
            // Evenly spaced over the sorted list, so that every class folder is represented.
            let n = max(0, limit), total = files.count
            files = (0..<n).map { files[$0 * total / n] }
        }
        guard !files.isEmpty else {
            throw EdgeError.badData(path: directory, reason: "no images found in the class folders")
        }
        // Decode in parallel; each slot is written by exactly one worker.
        var decoded = [Swift.Result<Decoded, EdgeError>?](repeating: nil, count: files.count)
        decoded.withUnsafeMutableBufferPointer { out in
            let o = out
            Parallel.forEach(files.count) { i in
                o[i] = decodeOne(files[i].path, shape: shape, resize: resize)
            }
        }
        let size = shape.c * shape.h * shape.w
        var pixels: [UInt8] = []
        pixels.reserveCapacity(files.count * size)
        var labels: [Int] = [], sources: [String] = []
        var converted: [Int: Int] = [:], resized: [String: Int] = [:]
        for (i, r) in decoded.enumerated() {
            switch r {
            case .success(let d)?:
                pixels.append(contentsOf: d.pixels)
                if d.channels != shape.c { converted[d.channels, default: 0] += 1 }
                if let size = d.resizedFrom { resized[size, default: 0] += 1 }
                labels.append(files[i].label)
                sources.append(files[i].path)
            case .failure(let e)?:
                if strict { throw e }
                let reason: String
                if case .badData(_, let r) = e { reason = r } else { reason = e.description }
                skipped.append(Skipped(path: files[i].path, reason: reason))
            case nil:
                throw EdgeError.internalError("image \(files[i].path) was not decoded")
            }
        }
        guard !labels.isEmpty else {
            throw EdgeError.badData(path: directory, reason: "none of the \(files.count) images could be used (first: \(skipped.first?.reason ?? "?"))")
        }
        skipped.sort { $0.path < $1.path }
        let set = LabeledImages(channels: shape.c, height: shape.h, width: shape.w, pixels: pixels, labels: labels,
                                classNames: classes, sources: sources)
        return Result(images: set, skipped: skipped, converted: converted, resized: resized)
    }

    /// (channels, height, width) of the first decodable image under `dir` (sorted order):
    /// fixes the shape of a folder loaded without a model.
    public static func firstImageShape(_ dir: String) throws -> (c: Int, h: Int, w: Int) {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else { throw EdgeError.missingInput(path: dir, reason: "no such folder") }
        for cls in ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).sorted() where !cls.hasPrefix(".") {
            for f in ((try? fm.contentsOfDirectory(atPath: dir + "/" + cls)) ?? []).sorted() where !f.hasPrefix(".") {
                let p = dir + "/" + cls + "/" + f
                if let b = try? AtomicFile.read(p, limit: 64 << 20), let img = try? ImageCodec.decode(b, path: p) {
                    return (img.channels, img.height, img.width)
                }
            }
        }
        throw EdgeError.badData(path: dir, reason: "no decodable image found")
    }

    /// One decoded file: planar pixels of the required shape, the file's own channel count,
    /// and its size as "W×H" when it was resized.
    struct Decoded { var pixels: [UInt8]; var channels: Int; var resizedFrom: String? }

    /// Decodes one file into planar pixels of the required shape.
    static func decodeOne(_ path: String, shape: (c: Int, h: Int, w: Int), resize: Bool) -> Swift.Result<Decoded, EdgeError> {
        do {
            let bytes = try AtomicFile.read(path, limit: maxFileBytes)
            var img = try ImageCodec.decode(bytes, path: path)
            var from: String? = nil
            if img.width != shape.w || img.height != shape.h {
                guard resize else {
                    return .failure(.badData(path: path, reason: "image is \(img.width)×\(img.height), the model needs \(shape.w)×\(shape.h)"))
                }
                from = "\(img.width)×\(img.height)"
                img = img.resized(width: shape.w, height: shape.h)
            }
            let conv = img.converted(toChannels: shape.c)
            let n = shape.h * shape.w
            var planar = [UInt8](repeating: 0, count: n * shape.c)
            for c in 0..<shape.c { for i in 0..<n { planar[c * n + i] = conv.pixels[i * shape.c + c] } }
            return .success(Decoded(pixels: planar, channels: img.channels, resizedFrom: from))
        } catch let e as EdgeError {
            return .failure(e)
        } catch {
            return .failure(.badData(path: path, reason: "\(error)"))
        }
    }

    /// Writes `set` as `DIR/<class>/<index>.png` (lossless), creating folders as needed; with
    /// `keepNames`, each file keeps its source's base name (extension .png) instead.
    /// Returns the number of files written.
    @discardableResult
    public static func write(_ set: LabeledImages, to directory: String, keepNames: Bool = false, progress: ProgressBar? = nil) throws -> Int {
        let fm = FileManager.default
        // Class names come from model files and folder listings: as folder names they are
        // sanitised (unchanged when already safe), so none can point outside `directory`.
        let folders = set.classNames.map(SafeName.component)
        if let k = FileKind.of(directory, followSymlinks: false), k != .directory {
            throw EdgeError.cannotWrite(path: directory, reason: "it is \(k.phrase); the output must be a folder")
        }
        for name in folders {
            if let k = FileKind.of(directory + "/" + name, followSymlinks: false), k != .directory {
                throw EdgeError.cannotWrite(path: directory + "/" + name, reason: "it is \(k.phrase); refusing to write into it")
            }
            do { try fm.createDirectory(atPath: directory + "/" + name, withIntermediateDirectories: true) }
            catch { throw EdgeError.cannotWrite(path: directory + "/" + name, reason: error.localizedDescription) }
            AtomicFile.removeStaleTemps(inFolder: directory + "/" + name)
        }
        let width = String(set.count).count
        var names = (0..<set.count).map { i in String(repeating: "0", count: max(0, width - String(i).count)) + String(i) }
        if keepNames {
            var used = Set<String>()
            for i in 0..<set.count {
                let base = ((set.sources[i] as NSString).lastPathComponent as NSString).deletingPathExtension
                let key = folders[set.labels[i]] + "/" + base
                names[i] = used.insert(key).inserted ? base : base + "-\(i)"
            }
        }
        var failure: EdgeError? = nil
        let lock = NSLock()
        // Chunks of 1000 so the progress bar moves (it is not thread-safe; it advances between chunks).
        for chunk in Parallel.chunks(set.count, size: 1000) {
            Parallel.forEach(chunk.count) { j in
                let i = chunk.lowerBound + j
                let path = "\(directory)/\(folders[set.labels[i]])/\(SafeName.component(names[i])).png"
                do {
                    try AtomicFile.write(try ImageCodec.encodePNG(set.image(i)), to: path)
                } catch let e as EdgeError {
                    lock.lock(); if failure == nil { failure = e }; lock.unlock()
                } catch {
                    lock.lock(); if failure == nil { failure = .cannotWrite(path: path, reason: "\(error)") }; lock.unlock()
                }
            }
            if failure != nil { break }
            progress?.advance(chunk.count)
        }
        if let failure { throw failure }
        progress?.finish()
        return set.count
    }
}
