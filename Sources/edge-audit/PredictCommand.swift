import ArgumentParser
import EdgeCore
import EdgeTools
import Foundation

/// `edge-audit predict`: one line per image; the accuracy summary goes to stderr.
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Classify images: a JSON/CSV line each, accuracy.")

    @Argument(help: "model.bin, a .tflite (int8 or float) or a float .onnx (the format is told by the file's content).") var model: String
    @Option(help: "Folder of class folders (DIR/<class>/*.png|jpg).") var images: String
    @Option(help: "jsonl or csv.") var format = "jsonl"
    @Flag(help: "Also print the logits.") var logits = false
    @Flag(help: "Fail on the first bad image instead of skipping it.") var strict = false
    @Flag(help: "Bring images of another size to the model's input (area when shrinking, bilinear when enlarging) instead of skipping them.")
    var resize = false
    @Option(help: "Only the first N images.") var limit: Int?
    @Option(help: "float or int8 (the integer-only engine; needs a quantised model). Default: float for model.bin, int8 for an imported int8 model.") var net: String?
    @Option(help: "int8 kernels: auto (fastest SIMD) or reference (the scalar spec).") var kernels = "auto"
    @OptionGroup var imported: ImportOptions
    @OptionGroup var compute: ComputeOptions

    func run() throws {
        try compute.apply()
        var job = PredictJob(model: model, images: images)
        (job.format, job.logits, job.strict, job.resize, job.limit, job.net, job.kernels) = (format, logits, strict, resize, limit, net, kernels)
        (job.labels, job.importFlagsGiven, job.preprocessing, job.quiet) = (imported.labels, imported.any, imported.preprocessing, compute.quiet)
        let out = FileHandle.standardOutput
        try job.run { out.write(Data($0.utf8)) }.forEach(printError)
    }
}
