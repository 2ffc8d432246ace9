import EdgeCore
import EdgeData
import EdgeFloat
import EdgeModel
import EdgeQuant
import EdgeTools

/// The commands' shared steps, with the library's notes printed on stderr (EdgeTools does
/// the work), so every command reports bad input the same way.
enum CLISupport {
    /// See `OutputPaths.checkDisjoint`.
    static func checkDisjoint(output: String, input: String) throws { try OutputPaths.checkDisjoint(output: output, input: input) }

    /// The images under `dir` for `model` (`ImageLoading.load`).
    static func loadImages(_ dir: String, for model: Model, strict: Bool, limit: Int?, resize: Bool = false) throws -> LabeledImages {
        try ImageLoading.load(dir, for: model, strict: strict, limit: limit, resize: resize, log: printError)
    }

    /// The images under `dir` for an imported model of `shape` (C, H, W) and `classNames`.
    static func loadImages(_ dir: String, classNames: [String], shape: [Int], strict: Bool, limit: Int?, resize: Bool = false) throws -> LabeledImages {
        try ImageLoading.load(dir, classNames: classNames, shape: shape, strict: strict, limit: limit, resize: resize, log: printError)
    }

    /// `Int8OnTheFly.ensure` on a model already decoded.
    static func withInt8(_ model: String, decoded: LoadedModel, calibration: String) throws -> (LoadedModel, Bool) {
        try Int8OnTheFly.ensure(model, decoded: decoded, calibration: calibration, log: printError)
    }

    /// Both nets of a model.bin (quantising on the fly when needed), the images and the decoded model.
    static func loadNets(_ model: String, images: String, calibration: String, limit: Int?, strict: Bool = false,
                         kernels: KernelChoice = .auto, command: String, imported: ImportOptions) throws -> (FloatNetwork, IntegerNetwork, LabeledImages, LoadedModel) {
        let loaded = try ModelLoading.load(model, for: command, importing: try imported.settings(), log: printError).model
        return try Int8OnTheFly.nets(model, loaded: loaded, images: images, calibration: calibration,
                                     limit: limit, strict: strict, kernels: kernels, log: printError)
    }

    /// The calibration folder when none is given: `CalibrationDefault.resolve`, else the
    /// working-directory path (whose absence the command then reports).
    static func defaultCalibration(for model: String) -> String { CalibrationDefault.resolve(modelPath: model) ?? CalibrationDefault.relative }
}

/// The model-file reader lives in EdgeTools; named here too so that command files which do
/// not import EdgeTools (the audit's) still find it.
typealias ModelLoading = EdgeTools.ModelLoading
