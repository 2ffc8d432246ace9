import EdgeCore
import EdgeQuant

/// `bench` on any MODEL argument: a model.bin's float or int8 net, or an imported int8 file.
extension Benchmark {
    /// Checks `bench`'s flags, then measures the file `path` (`net` "float" or "int8"; an
    /// imported file runs on the engine of its precision).
    public static func file(_ path: String, net: String, batch: Int, kernels: String, seconds: Double) throws -> Result {
        guard net == "float" || net == "int8" else { throw EdgeError.usage("--net must be float or int8") }
        guard batch >= 1, batch <= 65536 else { throw EdgeError.usage("--batch must be in 1...65536") }
        guard seconds > 0, seconds <= 600 else { throw EdgeError.usage("--seconds must be in (0, 600]") }
        guard let kc = KernelChoice(rawValue: kernels) else { throw EdgeError.usage("--kernels must be auto or reference") }
        let (bytes, detected) = try ModelLoading.read(path)
        guard detected == .tflite || detected == .onnx else {
            return try modelBin(try QuantizedModelFile.decode(bytes, path: path), path: path, int8: net == "int8", batch: batch, kernels: kc, seconds: seconds)
        }
        let graph = try ModelLoading.importGraph(bytes, path: path)
        if graph.precision == .float32 {
            let m = try ModelLoading.floatModel(graph, path: path, labels: nil, preprocessing: nil, needLabels: false)
            if net == "int8" { throw EdgeError.usage("\(path) is a float model: quantise it first ('edge-audit quantize \(path) --calibration DIR --out M-q.bin') and bench that file") }
            return try modelBin(LoadedModel(model: m.model, int8: nil), path: path, int8: false, batch: batch, kernels: kc, seconds: seconds)
        }
        guard net == "int8" else {
            throw EdgeError.usage("\(path) is an int8-only model: it runs on the int8 engine (--net int8)")
        }
        let m = try ModelLoading.int8Model(graph, path: path, preprocessing: nil)
        return try imported(m, format: ImportedDescription.formatName(graph), batch: batch, kernels: kc, seconds: seconds)
    }
}
