import EdgeCore
import EdgeData
import EdgeFloat
import EdgeModel
import EdgeQuant
import Foundation

/// A model's int8 net for commands that need one: the file's own, or quantised now with
/// minmax calibration when the file carries only the float net (and said so on `log`).
public enum Int8OnTheFly {
    /// `decoded` with its int8 net, and whether it was quantised now.
    public static func ensure(_ model: String, decoded: LoadedModel, calibration: String,
                              log: (String) -> Void) throws -> (LoadedModel, Bool) {
        var loaded = decoded
        guard loaded.int8 == nil else { return (loaded, false) }
        guard FileManager.default.fileExists(atPath: calibration) else {
            throw EdgeError.missingInput(path: calibration, reason: "\(model) has no int8 network and this calibration folder does not exist; pass --calibration DIR or run 'edge-audit quantize' first")
        }
        log("\(model) has no int8 network: quantising now with minmax calibration on \(calibration)")
        let cal = try ImageLoading.load(calibration, for: loaded.model, strict: false, limit: nil, log: log)
        loaded.int8 = try quantize(model, loaded.model, calibration: cal, options: .init())
        return (loaded, true)
    }

    /// Runs the quantiser on `m` (read from `path`), naming that file in its errors (the
    /// quantiser itself knows only the in-memory model).
    public static func quantize(_ path: String, _ m: Model, calibration: LabeledImages, options: Quantizer.Options) throws -> QuantizedGraph {
        do { return try Quantizer.quantize(m, calibration: calibration, options: options) } catch let EdgeError.badModel(_, section, offset, reason) {
            throw EdgeError.badModel(path: path, section: section, offset: offset, reason: "cannot be quantised: " + reason)
        }
    }

    /// Both nets of `decoded`, read from `model` (quantising when needed), and the images
    /// under `images`.
    public static func nets(_ model: String, loaded decoded: LoadedModel, images: String, calibration: String, limit: Int?, strict: Bool = false,
                            kernels: KernelChoice = .auto, log: (String) -> Void) throws -> (FloatNetwork, IntegerNetwork, LabeledImages, LoadedModel) {
        let (loaded, _) = try ensure(model, decoded: decoded, calibration: calibration, log: log)
        guard let q = loaded.int8 else { throw EdgeError.internalError("no int8 network") }
        let set = try ImageLoading.load(images, for: loaded.model, strict: strict, limit: limit, log: log)
        return (try FloatNetwork(loaded.model), try IntegerNetwork(q, kernels: kernels), set, loaded)
    }
}
