import ArgumentParser
import EdgeCore
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
        let result = try Benchmark.file(model, net: net, batch: batch, kernels: kernels, seconds: seconds)
        result.lines(model: model, threads: Parallel.threads).forEach { print($0) }
    }
}
