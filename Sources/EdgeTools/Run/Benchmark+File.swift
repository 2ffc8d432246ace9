import EdgeCore
import EdgeQuant

/// `bench` on any MODEL argument: a model.bin's float or int8 net, or an imported int8 file.
extension Benchmark {
    /// Checks `bench`'s flags, then measures the file `path` (`net` "float" or "int8"; imported
    /// files run on the integer engine only).
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
        guard net == "int8" else {
            throw EdgeError.usage("\(path): float inference of imported models is not supported yet; use --net int8 (\(ModelLoading.importedSupport))")
        }
        let m = try ModelLoading.int8Model(graph, path: path, preprocessing: nil)
        return try imported(m, format: ImportedDescription.formatName(graph), batch: batch, kernels: kc, seconds: seconds)
    }
}
