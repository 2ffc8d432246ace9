import EdgeAudit
import EdgeCore
import EdgeData
import EdgeFloat
import EdgeModel
import EdgeQuant
import Foundation

/// Loading helpers shared by the commands, so every command reports bad input the same way.
enum CLISupport {
    /// Refuses (exit 2) an output folder that is, or lies inside, an input folder, so that
    /// writing results can never overwrite the originals. Paths are compared after
    /// resolving symlinks (of the deepest existing ancestor, for a folder not yet made).
    static func checkDisjoint(output: String, input: String) throws {
        func resolved(_ p: String) -> String {
            var url = URL(fileURLWithPath: p).standardizedFileURL
            var tail: [String] = []
            while !FileManager.default.fileExists(atPath: url.path), url.pathComponents.count > 1 {
                tail.insert(url.lastPathComponent, at: 0)
                url.deleteLastPathComponent()
            }
            let base = url.resolvingSymlinksInPath().path
            return ([base] + tail).joined(separator: "/").replacingOccurrences(of: "//", with: "/")
        }
        let o = resolved(output), i = resolved(input)
        if o == i || o.hasPrefix(i.hasSuffix("/") ? i : i + "/") {
            throw EdgeError.usage("--out \(output) is or lies inside --images \(input); writing there would overwrite or mix with the originals")
        }
    }

    /// Loads the images under `dir` for `model`, printing one warning per skipped file and a count.
    static func loadImages(_ dir: String, for model: Model, strict: Bool, limit: Int?) throws -> LabeledImages {
        let s = model.graph.inputShape
        if let limit, limit <= 0 { throw EdgeError.usage("--limit must be positive, got \(limit)") }
        try MemoryBudget.check(estimate: AuditMemory.estimateInference(model.graph, images: 0), what: "running this model")
        let r = try ImageFolder.load(dir, classNames: model.metadata.classNames, shape: (s[0], s[1], s[2]), strict: strict, limit: limit)
        try MemoryBudget.check(estimate: AuditMemory.estimateInference(model.graph, images: r.images.count),
                               what: "running this model on \(r.images.count) images")
        report(r, channels: s[0])
        return r.images
    }

    /// Loads the images under `dir` for an imported model of `shape` (C, H, W) and `classNames`.
    static func loadImages(_ dir: String, classNames: [String], shape: [Int], strict: Bool, limit: Int?) throws -> LabeledImages {
        if let limit, limit <= 0 { throw EdgeError.usage("--limit must be positive, got \(limit)") }
        let r = try ImageFolder.load(dir, classNames: classNames, shape: (shape[0], shape[1], shape[2]), strict: strict, limit: limit)
        // Pixels, planar copies while building, and one int8 buffer per node per worker.
        try MemoryBudget.check(estimate: 4 * r.images.pixels.count + (64 << 20), what: "running this model on \(r.images.count) images")
        report(r, channels: shape[0])
        return r.images
    }

    /// Prints one warning per skipped file (at most 20), the skip count, and once which
    /// images were converted to the model's channel count.
    static func report(_ r: ImageFolder.Result, channels: Int) {
        for sk in r.skipped.prefix(20) { printError("warning: skipped \(sk.path): \(sk.reason)") }
        if r.skipped.count > 20 { printError("warning: … and \(r.skipped.count - 20) more skipped files") }
        if !r.skipped.isEmpty {
            printError("warning: \(r.skipped.count) file(s) skipped, \(r.images.count) image(s) used (--strict makes bad files fatal)")
        }
        func kind(_ c: Int) -> String { c == 1 ? "grey" : c == 3 ? "RGB" : "\(c)-channel" }
        for (from, count) in r.converted.sorted(by: { $0.key < $1.key }) {
            printError("note: \(count) \(kind(from)) image(s) converted to \(kind(channels)) (the model takes \(channels) channel\(channels == 1 ? "" : "s"))")
        }
    }

    /// Decodes `bytes` of `model` with its int8 net, quantising on the fly with minmax
    /// calibration on `calibration` when the file has none (and saying so). Returns whether
    /// it quantised.
    static func withInt8(_ model: String, bytes: [UInt8], calibration: String) throws -> (LoadedModel, Bool) {
        try withInt8(model, decoded: try QuantizedModelFile.decode(bytes, path: model), calibration: calibration)
    }

    /// As `withInt8(_:bytes:calibration:)` for a model already decoded.
    static func withInt8(_ model: String, decoded: LoadedModel, calibration: String) throws -> (LoadedModel, Bool) {
        var loaded = decoded
        guard loaded.int8 == nil else { return (loaded, false) }
        guard FileManager.default.fileExists(atPath: calibration) else {
            throw EdgeError.missingInput(path: calibration, reason: "\(model) has no int8 network and this calibration folder does not exist; pass --calibration DIR or run 'edge-audit quantize' first")
        }
        printError("\(model) has no int8 network: quantising now with minmax calibration on \(calibration)")
        let cal = try loadImages(calibration, for: loaded.model, strict: false, limit: nil)
        loaded.int8 = try quantize(model, loaded.model, calibration: cal, options: .init())
        return (loaded, true)
    }

    /// Runs the quantiser on `m` (read from `path`), naming that file in its errors (the
    /// quantiser itself knows only the in-memory model).
    static func quantize(_ path: String, _ m: Model, calibration: LabeledImages, options: Quantizer.Options) throws -> QuantizedGraph {
        do { return try Quantizer.quantize(m, calibration: calibration, options: options) } catch let EdgeError.badModel(_, section, offset, reason) {
            throw EdgeError.badModel(path: path, section: section, offset: offset, reason: "cannot be quantised: " + reason)
        }
    }

    /// Loads a model's float net and its int8 net (quantising on the fly when needed), the
    /// decoded model and the images.
    static func loadNets(_ model: String, images: String, calibration: String, limit: Int?, strict: Bool = false,
                         kernels: KernelChoice = .auto, command: String) throws -> (FloatNetwork, IntegerNetwork, LabeledImages, LoadedModel) {
        let (loaded, _) = try withInt8(model, bytes: try ModelLoading.modelBin(model, for: command), calibration: calibration)
        guard let q = loaded.int8 else { throw EdgeError.internalError("no int8 network") }
        let set = try loadImages(images, for: loaded.model, strict: strict, limit: limit)
        return (try FloatNetwork(loaded.model), try IntegerNetwork(q, kernels: kernels), set, loaded)
    }
}
