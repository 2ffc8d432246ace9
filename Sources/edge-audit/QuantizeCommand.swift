import ArgumentParser
import EdgeCore
import EdgeData
import EdgeFloat
import EdgeModel
import EdgeQuant
import EdgeTrain
import Foundation

/// `edge-audit quantize`: post-training int8 quantisation.
struct Quantize: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Quantise a float model to an integer-only int8 net.")

    @Argument(help: "model.bin with a float network") var model: String
    @Option(help: "Calibration images (class folders).") var calibration = "calibration/fashion-mnist"
    @Option(help: "Range selection: minmax, percentile or mse.") var method = "minmax"
    @Flag(help: "One weight scale per layer instead of per output channel.") var perTensor = false
    @Option(help: "Output model (float + int8).") var out: String
    @OptionGroup var compute: ComputeOptions

    func run() throws {
        try compute.apply()
        guard let m = CalibrationMethod(rawValue: method) else { throw EdgeError.usage("--method must be minmax, percentile or mse, got '\(method)'") }
        try AtomicFile.checkWritableTarget(out)
        let loaded = try QuantizedModelFile.decode(try ModelLoading.modelBin(model, for: "quantize"), path: model)
        let cal = try CLISupport.loadImages(calibration, for: loaded.model, strict: false, limit: nil)
        let q = try CLISupport.quantize(model, loaded.model, calibration: cal, options: .init(method: m, perTensor: perTensor))
        AtomicFile.removeStaleTemps(besides: out)
        try QuantizedModelFile.write(loaded.model, int8: q, to: out)
        let float = try FloatNetwork(loaded.model)
        let int8 = try IntegerNetwork(q)
        let fAcc = Evaluator.accuracy(float, cal)
        let qAcc = Int8Evaluator.accuracy(int8, cal)
        print("wrote \(out): int8 network of \(q.nodes.count) layers, \(m.rawValue) calibration on \(cal.count) images\(perTensor ? ", per-tensor weights" : "")")
        print(String(format: "calibration-set accuracy: float %.4f, int8 %.4f", fAcc, qAcc))
    }
}

/// Accuracy of the int8 net.
enum Int8Evaluator {
    static func accuracy(_ net: IntegerNetwork, _ set: LabeledImages) -> Double {
        var correct = 0
        var start = 0
        while start < set.count {
            let idx = Array(start..<min(set.count, start + 512))
            correct += zip(net.predict(set, idx), idx.map { set.labels[$0] }).filter { $0 == $1 }.count
            start += idx.count
        }
        return set.count == 0 ? 0 : Double(correct) / Double(set.count)
    }
}
