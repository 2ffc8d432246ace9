import EdgeCore
import EdgeImport
import EdgeImportFloat
import EdgeImportQuant
import EdgeModel
import EdgeQuant

/// What reading an imported model needs besides the file: class names and preprocessing
/// (`--labels`, `--input-scale`, `--mean`, `--std`). A model.bin carries its own.
public struct ImportSettings: Sendable {
    /// `--labels FILE`, one class name per line in output order.
    public var labels: String?
    /// The preprocessing the flags give (nil: the file's metadata, else pixel / 255).
    public var preprocessing: Preprocessing?
    /// `--float-model FILE`: the float parent of an int8-only .tflite.
    public var floatModel: String?

    /// Settings from the flags.
    public init(labels: String? = nil, preprocessing: Preprocessing? = nil, floatModel: String? = nil) {
        self.labels = labels
        self.preprocessing = preprocessing
        self.floatModel = floatModel
    }

    /// Whether any flag was given.
    public var any: Bool { labels != nil || preprocessing != nil || floatModel != nil }
}

extension ModelLoading {
    /// The model at `path` as every command that works on float and int8 nets reads it: a
    /// model.bin as it is; a float TFLite/ONNX mapped onto the float graph with its
    /// preprocessing as the first layer (so it reads pixel / 255) and no int8 net yet (the
    /// caller quantises it, `Int8OnTheFly`); an int8-only TFLite with its own int8 net and,
    /// as its float net, the dequantised twin (`DequantizedFloatModel`). Notes go to `log`.
    public static func load(_ path: String, for command: String, importing: ImportSettings = ImportSettings(),
                            log: (String) -> Void) throws -> (bytes: [UInt8], model: LoadedModel) {
        let (bytes, format) = try read(path)
        let graph = try format.flatMap { $0 == .edgeModel ? nil : try importGraph(bytes, path: path) }
        if let parent = importing.floatModel, graph?.precision != .int8 {
            throw EdgeError.usage("--float-model \(parent) pairs an int8-only .tflite with its float parent; \(path) is not an int8-only .tflite")
        }
        guard let graph else {
            if importing.any { log("note: --labels, --input-scale, --mean and --std are for imported models; \(path) is a model.bin and carries its own") }
            return (bytes, try QuantizedModelFile.decode(bytes, path: path))
        }
        guard graph.precision == .float32 else { return (bytes, try int8Only(graph, path: path, for: command, importing: importing, log: log)) }
        let m = try floatModel(graph, path: path, labels: importing.labels, preprocessing: importing.preprocessing)
        let s = m.inputShape, p = m.preprocessing
        log("note: \(path): float \(graph.format == .tflite ? "TFLite" : "ONNX") model, \(m.model.graph.nodes.count - 1) layers, \(m.classes) classes, "
            + "input \(s[0])×\(s[1])×\(s[2]); input = (pixel·\(p.inputScale) − mean \(p.mean)) / std \(p.std) [\(p.source)]")
        for n in m.notes { log("note: \(path): \(n)") }
        return (bytes, LoadedModel(model: m.model, int8: nil))
    }

    /// An int8-only TFLite: its own int8 net with the float parent of `--float-model`
    /// (`FloatParentPairing`), else with its dequantised twin.
    static func int8Only(_ graph: ImportedGraph, path: String, for command: String, importing: ImportSettings,
                         log: (String) -> Void) throws -> LoadedModel {
        guard command != "quantize" else { throw EdgeError.usage("\(path) is an int8-only TFLite model: it is quantised already") }
        let m = try int8Model(graph, path: path, preprocessing: importing.preprocessing)
        let names = try labels(importing.labels, graph: graph, classes: m.classes, path: path)
        let s = m.inputShape
        log("note: \(path): int8-only TFLite model, \(m.graph.nodes.count) int8 layers, \(m.classes) classes, input \(s[0])×\(s[1])×\(s[2]); \(m.inputRule)")
        for n in m.notes { log("note: \(path): \(n)") }
        guard let parentPath = importing.floatModel else {
            log("note: \(path) has no float parent (--float-model): the 'float' net here is its int8 net dequantised (same weights, clamps and "
                + "saturation, no rounding); white-box attacks run on it and on the straight-through simulation, and every int8 number is the file's own int8 net")
            return try DequantizedFloatModel.make(m, classNames: names, path: path)
        }
        let (pb, pf) = try read(parentPath)
        if pf == .tflite, try importGraph(pb, path: parentPath).precision == .int8 {
            throw EdgeError.usage("--float-model \(parentPath) is an int8 model too: give the float model \(path) was converted from")
        }
        var own = importing
        own.floatModel = nil
        let parent = try load(parentPath, for: command, importing: own, log: log).model.model
        let pair = try FloatParentPairing.pair(m, int8Path: path, parent: parent, parentPath: parentPath, classNames: names)
        log("note: \(path) paired with its float parent \(parentPath): every weight layer matched, float logits within "
            + "\(FloatParentPairing.tolerance) of the parent's own")
        return pair
    }
}
