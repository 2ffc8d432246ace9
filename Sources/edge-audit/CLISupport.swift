import EdgeCore
import EdgeData
import EdgeModel
import Foundation

/// Loading helpers shared by the commands, so every command reports bad input the same way.
enum CLISupport {
    /// Loads the images under `dir` for `model`, printing one warning per skipped file and a count.
    static func loadImages(_ dir: String, for model: Model, strict: Bool, limit: Int?) throws -> LabeledImages {
        let s = model.graph.inputShape
        if let limit, limit <= 0 { throw EdgeError.usage("--limit must be positive, got \(limit)") }
        let r = try ImageFolder.load(dir, classNames: model.metadata.classNames, shape: (s[0], s[1], s[2]), strict: strict, limit: limit)
        for sk in r.skipped.prefix(20) { printError("warning: skipped \(sk.path): \(sk.reason)") }
        if r.skipped.count > 20 { printError("warning: … and \(r.skipped.count - 20) more skipped files") }
        if !r.skipped.isEmpty {
            printError("warning: \(r.skipped.count) file(s) skipped, \(r.images.count) image(s) used (--strict makes bad files fatal)")
        }
        return r.images
    }
}
