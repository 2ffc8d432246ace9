import EdgeCore
import EdgeImport
import EdgeImportQuant
import EdgeQuant
import Foundation

/// Reading a MODEL argument: the format is told by content (`ModelFormat.detect`), never by
/// the file name. model.bin goes to EdgeModel; TFLite/ONNX to the importer, and int8 TFLite
/// on to the integer engine (`Int8GraphMapper`).
public enum ModelLoading {
    /// What works with imported models today, for usage errors.
    public static let importedSupport = "float TFLite and ONNX models work with every command (quantised by our quantiser with --calibration, or ahead with 'quantize'); int8-only TFLite models with every command but 'quantize', 'export' and 'device' (their float net is the dequantised twin)"

    /// The bytes of `path` and their format (nil: none recognised; EdgeModel's reader then
    /// reports what is wrong with the header).
    public static func read(_ path: String) throws -> ([UInt8], ModelFormat?) {
        let bytes = try AtomicFile.read(path, limit: 512 << 20)
        return (bytes, ModelFormat.detect(bytes))
    }

    /// The bytes of a model.bin for `command`; a TFLite or ONNX file is a usage error (exit 2)
    /// saying what is not supported yet and what is.
    public static func modelBin(_ path: String, for command: String) throws -> [UInt8] {
        let (bytes, format) = try read(path)
        if let format, format != .edgeModel {
            throw EdgeError.usage("\(path) is \(format == .tflite ? "a TFLite" : "an ONNX") model: '\(command)' needs an edge-audit model.bin; "
                + "\(command == "audit" ? "auditing" : "running '\(command)' on") an imported model is not supported yet (\(importedSupport))")
        }
        return bytes
    }

    /// The imported graph of a TFLite/ONNX file (import failures are exit 65, naming the place).
    public static func importGraph(_ bytes: [UInt8], path: String) throws -> ImportedGraph {
        do { return try ModelImporter.importGraph(bytes, path: path) } catch let e as ImportError { throw e.edgeError }
    }

    /// The integer engine's model for an imported int8 graph; a float graph is a usage error.
    public static func int8Model(_ graph: ImportedGraph, path: String, preprocessing: Preprocessing?) throws -> ImportedInt8Model {
        guard graph.precision == .int8 else {
            throw EdgeError.usage("\(path) is a float32 \(graph.format == .tflite ? "TFLite" : "ONNX") model: running float imported models is not supported yet (\(importedSupport))")
        }
        if let p = preprocessing, let c = graph.tensors[graph.input].shape.last {
            for (flag, v) in [("--mean", p.mean), ("--std", p.std)] where v.count != 1 && v.count != c {
                throw EdgeError.usage("\(flag) has \(v.count) values; \(path) takes \(c) channel(s): give 1 or \(c)")
            }
        }
        return try Int8GraphMapper.map(graph, path: path, preprocessing: preprocessing)
    }

    /// Class names in output order: `--labels FILE` (one per line), else the file's own
    /// labels; without either, a usage error saying how to give them.
    public static func labels(_ file: String?, graph: ImportedGraph, classes: Int, path: String) throws -> [String] {
        let names: [String]
        let source: String
        if let file {
            let text = String(decoding: try AtomicFile.read(file, limit: 4 << 20), as: UTF8.self)
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            while lines.last == "" { lines.removeLast() }
            guard !lines.contains("") else { throw EdgeError.usage("--labels \(file): an empty line; give one class name per line") }
            names = lines
            source = "--labels \(file)"
        } else if let l = graph.metadata.labels {
            names = l
            source = graph.metadata.labelSource ?? "the model's metadata"
        } else {
            throw EdgeError.usage("\(path) carries no class labels: pass --labels FILE (one class name per line, in output order, \(classes) lines)")
        }
        guard names.count == classes else {
            throw EdgeError.usage("\(source) has \(names.count) class names, the model outputs \(classes) classes")
        }
        guard Set(names).count == names.count else { throw EdgeError.usage("\(source) names a class twice") }
        return names
    }

    /// The preprocessing given by `--input-scale`, `--mean`, `--std` (nil when none is).
    public static func preprocessing(inputScale: Float?, mean: String?, std: String?) throws -> Preprocessing? {
        guard inputScale != nil || mean != nil || std != nil else { return nil }
        func list(_ s: String?, _ flag: String, _ def: Float) throws -> [Float] {
            guard let s else { return [def] }
            let v = s.split(separator: ",").map { Float($0.trimmingCharacters(in: .whitespaces)) }
            guard !v.isEmpty, v.allSatisfy({ $0 != nil && $0!.isFinite }) else { throw EdgeError.usage("\(flag) must be comma-separated numbers, got '\(s)'") }
            return v.map { $0! }
        }
        let scale = inputScale ?? 1
        guard scale.isFinite, scale > 0 else { throw EdgeError.usage("--input-scale must be a finite number > 0") }
        let sd = try list(std, "--std", 255)
        guard sd.allSatisfy({ $0 != 0 }) else { throw EdgeError.usage("--std must not be 0") }
        return Preprocessing(inputScale: scale, mean: try list(mean, "--mean", 0), std: sd,
                             source: "--input-scale/--mean/--std")
    }
}
