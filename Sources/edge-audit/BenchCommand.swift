import ArgumentParser
import EdgeCore
import EdgeQuant
import EdgeTools

/// `edge-audit bench`: inference throughput and latency.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Benchmark inference: images/s, latency, G MAC/s.")

    @Argument(help: "model.bin, or an int8 .tflite (the format is told by the file's content).") var model: String
    @Option(help: "float or int8.") var net = "int8"
    @Option(help: "Images per call for the throughput run.") var batch = 256
    @Option(help: "int8 kernels: auto or reference.") var kernels = "auto"
    @Option(help: "Seconds to spend on each measurement.") var seconds: Double = 2
    @OptionGroup var compute: ComputeOptions

    func run() throws {
        try compute.apply()
        guard net == "float" || net == "int8" else { throw EdgeError.usage("--net must be float or int8") }
        guard batch >= 1, batch <= 65536 else { throw EdgeError.usage("--batch must be in 1...65536") }
        guard seconds > 0, seconds <= 600 else { throw EdgeError.usage("--seconds must be in (0, 600]") }
        guard let kc = KernelChoice(rawValue: kernels) else { throw EdgeError.usage("--kernels must be auto or reference") }
        let (bytes, detected) = try ModelLoading.read(model)
        let result: Benchmark.Result
        if detected == .tflite || detected == .onnx {
            let graph = try ModelLoading.importGraph(bytes, path: model)
            guard net == "int8" else {
                throw EdgeError.usage("\(model): float inference of imported models is not supported yet; use --net int8 (\(ModelLoading.importedSupport))")
            }
            let m = try ModelLoading.int8Model(graph, path: model, preprocessing: nil)
            result = try Benchmark.imported(m, format: ImportedDescription.formatName(graph), batch: batch, kernels: kc, seconds: seconds)
        } else {
            let loaded = try QuantizedModelFile.decode(bytes, path: model)
            result = try Benchmark.modelBin(loaded, path: model, int8: net == "int8", batch: batch, kernels: kc, seconds: seconds)
        }
        result.lines(model: model, threads: Parallel.threads).forEach { print($0) }
    }
}
