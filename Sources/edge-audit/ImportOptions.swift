import ArgumentParser
import EdgeImport
import EdgeTools

/// Options for models imported from TFLite/ONNX files (ignored for model.bin, which carries
/// its own class names and preprocessing).
struct ImportOptions: ParsableArguments {
    @Option(help: "Imported models: class names, one per line in output order (default: the model's metadata labels).")
    var labels: String?

    @Option(help: "Imported models: multiplier on the 0…255 pixel before --mean/--std (default 1).")
    var inputScale: Float?

    @Option(help: "Imported models: per-channel mean, comma-separated (default 0; with --std 255 the input is pixel/255).")
    var mean: String?

    @Option(help: "Imported models: per-channel std, comma-separated (default 255). Default preprocessing: the file's metadata normalisation, else pixel/255.")
    var std: String?

    @Option(help: "An int8-only .tflite's float parent (.tflite, .onnx or model.bin), so float and int8 are compared as for a model.bin (default: the dequantised int8 net).")
    var floatModel: String?

    /// The preprocessing the flags give, nil when none was given.
    func preprocessing() throws -> Preprocessing? {
        try ModelLoading.preprocessing(inputScale: inputScale, mean: mean, std: std)
    }

    /// The flags as the library takes them.
    func settings() throws -> ImportSettings { ImportSettings(labels: labels, preprocessing: try preprocessing(), floatModel: floatModel) }

    /// The flags as given, for a recipe: what reading the same file again needs.
    var arguments: [String] {
        [("--labels", labels), ("--input-scale", inputScale.map { "\($0)" }), ("--mean", mean), ("--std", std)]
            .flatMap { flag, v in v.map { [flag, $0] } ?? [] }
    }

    /// Whether any flag was given (they mean nothing for a model.bin).
    var any: Bool { labels != nil || inputScale != nil || mean != nil || std != nil || floatModel != nil }
}
