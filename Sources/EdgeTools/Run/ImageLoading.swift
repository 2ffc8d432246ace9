import EdgeAudit
import EdgeCore
import EdgeData
import EdgeModel

/// Loading a command's image folder: memory checked before and after, and the notes a user
/// needs about what was skipped, converted or resized (given to `log`, one line each).
public enum ImageLoading {
    /// The images under `dir` for `model`'s input (exit 2 for a non-positive `limit`).
    public static func load(_ dir: String, for model: Model, strict: Bool, limit: Int?, resize: Bool = false,
                            log: (String) -> Void) throws -> LabeledImages {
        let s = model.graph.inputShape
        if let limit, limit <= 0 { throw EdgeError.usage("--limit must be positive, got \(limit)") }
        try MemoryBudget.check(estimate: AuditMemory.estimateInference(model.graph, images: 0), what: "running this model")
        let r = try ImageFolder.load(dir, classNames: model.metadata.classNames, shape: (s[0], s[1], s[2]), strict: strict, limit: limit, resize: resize)
        try MemoryBudget.check(estimate: AuditMemory.estimateInference(model.graph, images: r.images.count),
                               what: "running this model on \(r.images.count) images")
        notes(r, channels: s[0]).forEach(log)
        return r.images
    }

    /// The images under `dir` for an imported model of `shape` (C, H, W) and `classNames`.
    public static func load(_ dir: String, classNames: [String], shape: [Int], strict: Bool, limit: Int?, resize: Bool = false,
                            log: (String) -> Void) throws -> LabeledImages {
        if let limit, limit <= 0 { throw EdgeError.usage("--limit must be positive, got \(limit)") }
        let r = try ImageFolder.load(dir, classNames: classNames, shape: (shape[0], shape[1], shape[2]), strict: strict, limit: limit, resize: resize)
        // Pixels, planar copies while building, and one int8 buffer per node per worker.
        try MemoryBudget.check(estimate: 4 * r.images.pixels.count + (64 << 20), what: "running this model on \(r.images.count) images")
        notes(r, channels: shape[0]).forEach(log)
        return r.images
    }

    /// One warning per skipped file (at most 20), the skip count, and once per source kind
    /// which images were converted to the model's channel count or resized to its size.
    public static func notes(_ r: ImageFolder.Result, channels: Int) -> [String] {
        var out = r.skipped.prefix(20).map { "warning: skipped \($0.path): \($0.reason)" }
        if r.skipped.count > 20 { out.append("warning: … and \(r.skipped.count - 20) more skipped files") }
        if !r.skipped.isEmpty {
            out.append("warning: \(r.skipped.count) file(s) skipped, \(r.images.count) image(s) used (--strict makes bad files fatal)")
        }
        func kind(_ c: Int) -> String { c == 1 ? "grey" : c == 3 ? "RGB" : "\(c)-channel" }
        for (from, count) in r.converted.sorted(by: { $0.key < $1.key }) {
            out.append("note: \(count) \(kind(from)) image(s) converted to \(kind(channels)) (the model takes \(channels) channel\(channels == 1 ? "" : "s"))")
        }
        let target = "\(r.images.width)×\(r.images.height)"
        for (from, count) in r.resized.sorted(by: { $0.key < $1.key }) {
            out.append("note: \(count) image(s) of \(from) resized to \(target), the model's input (--resize: area when shrinking, bilinear when enlarging)")
        }
        return out
    }
}
