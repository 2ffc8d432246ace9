import EdgeCore
import EdgeData
import EdgeFloat
import EdgeModel
import EdgeQuant
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

    /// Decodes `bytes` of `model` with its int8 net, quantising on the fly with minmax
    /// calibration on `calibration` when the file has none (and saying so). Returns whether
    /// it quantised.
    static func withInt8(_ model: String, bytes: [UInt8], calibration: String) throws -> (LoadedModel, Bool) {
        var loaded = try QuantizedModelFile.decode(bytes, path: model)
        guard loaded.int8 == nil else { return (loaded, false) }
        guard FileManager.default.fileExists(atPath: calibration) else {
            throw EdgeError.missingInput(path: calibration, reason: "\(model) has no int8 network and this calibration folder does not exist; pass --calibration DIR or run 'edge-audit quantize' first")
        }
        printError("\(model) has no int8 network: quantising now with minmax calibration on \(calibration)")
        let cal = try loadImages(calibration, for: loaded.model, strict: false, limit: nil)
        loaded.int8 = try Quantizer.quantize(loaded.model, calibration: cal)
        return (loaded, true)
    }

    /// Loads a model's float net and its int8 net (quantising on the fly when needed), the
    /// decoded model and the images.
    static func loadNets(_ model: String, images: String, calibration: String, limit: Int?, strict: Bool = false,
                         kernels: KernelChoice = .auto) throws -> (FloatNetwork, IntegerNetwork, LabeledImages, LoadedModel) {
        let (loaded, _) = try withInt8(model, bytes: try AtomicFile.read(model, limit: 512 << 20), calibration: calibration)
        guard let q = loaded.int8 else { throw EdgeError.internalError("no int8 network") }
        let set = try loadImages(images, for: loaded.model, strict: strict, limit: limit)
        return (try FloatNetwork(loaded.model), try IntegerNetwork(q, kernels: kernels), set, loaded)
    }
}
