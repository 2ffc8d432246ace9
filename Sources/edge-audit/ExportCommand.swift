import ArgumentParser
import EdgeCore
import EdgeQuant
import EdgeTools
import Foundation

/// `edge-audit export`: weights for other tools.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export safetensors and/or an int8 .tflite.",
        discussion: "--safetensors writes the float and int8 tensors; --tflite the int8 net as a full-integer TFLite file that TensorFlow Lite Micro runs bit-exactly (docs/import-formats.md, \"Export to TFLite\").")

    @Argument(help: "model.bin, a float .tflite/.onnx (quantised with --calibration for --tflite) or an int8 .tflite") var model: String
    @Option(help: "Output .safetensors file.") var safetensors: String?
    @Option(help: "Output .tflite file: the int8 net, run bit-exactly by TensorFlow Lite Micro.") var tflite: String?
    @Option(help: "Calibration images for --tflite when the model has no int8 network (minmax; default: the calibration folder beside the model or the tool, else calibration/fashion-mnist).")
    var calibration: String?
    @OptionGroup var imported: ImportOptions

    func validate() throws {
        guard safetensors != nil || tflite != nil else { throw ValidationError("give --safetensors FILE, --tflite FILE, or both") }
        func real(_ p: String) -> String { URL(fileURLWithPath: p).standardizedFileURL.resolvingSymlinksInPath().path }
        if let s = safetensors, let t = tflite, real(s) == real(t) { throw ValidationError("--safetensors and --tflite name the same file") }
        for (flag, out) in [("--safetensors", safetensors), ("--tflite", tflite)] {
            if let out, real(out) == real(model) { throw ValidationError("\(flag) names the model file itself; choose another output") }
        }
    }

    func run() throws {
        for out in [safetensors, tflite].compactMap({ $0 }) { try AtomicFile.checkWritableTarget(out) }
        let decoded = try ModelLoading.load(model, for: "export", importing: try imported.settings(), log: printError).model
        if let tflite {
            let cal = calibration ?? CLISupport.defaultCalibration(for: model)
            print(try ModelExport.tflite(decoded, model: model, calibration: cal, to: tflite, log: printError))
        }
        if let safetensors { print(try ModelExport.safetensors(decoded, to: safetensors)) }
    }
}
