import EdgeCore
import EdgeImport
import EdgeModel

// A float32 ImportedGraph (NHWC, TFLite or ONNX) → EdgeModel's float graph (CHW per image),
// which FloatNetwork runs and differentiates. Layout changes happen once, here, on the
// constants: conv weights OHWI → OIHW, depthwise 1HWC → C1HW, and dense columns in NHWC
// flatten order → CHW flatten order when the dense layer reads a flattened spatial tensor.
// Anything the float graph cannot express is refused with `EdgeError.badModel` naming the
// source operator, its index and the field — never approximated.

/// A float model imported from TFLite or ONNX, ready for `FloatNetwork`.
public struct ImportedFloatModel {
    /// The float graph and its parameters (class names as given to the mapper).
    public var model: Model
    /// How pixels become the model's input: x = (pixel·inputScale − mean[c]) / std[c].
    public var preprocessing: Preprocessing
    /// What the mapping did that a person should know (inserted activations, permutations).
    public var notes: [String]

    /// Input [C, H, W] of the float graph.
    public var inputShape: [Int] { model.graph.inputShape }

    /// Number of classes (logits per image).
    public var classes: Int {
        let n = model.graph.nodes
        guard let last = n.last else { return 0 }
        switch last.op {
        case .dense(let o): return o
        default: return (try? model.graph.shapes().last?.first) ?? 0
        }
    }

    /// The float input [N, C, H, W] for planar uint8 pixels [N, C, H, W]: pixel / 255, as
    /// `LabeledImages.floatBatch` computes it (the graph's first layer applies `preprocessing`).
    public func input(planarPixels px: [UInt8]) -> [Float] { px.map { Float($0) * (1 / 255) } }
}

/// Maps a float32 `ImportedGraph` onto EdgeModel's float graph.
public enum FloatGraphMapper {
    /// The runnable float model for `graph`.
    /// - Parameters:
    ///   - path: the file name used in messages.
    ///   - classNames: names in output order; nil names them "0", "1", ….
    ///   - preprocessing: how pixels become the input; nil uses the file's metadata, else pixel / 255.
    /// - Throws: `EdgeError.usage` for an int8 graph, `EdgeError.badModel` for anything the
    ///   float graph cannot express.
    public static func map(_ graph: ImportedGraph, path: String, classNames: [String]? = nil,
                           preprocessing: Preprocessing? = nil) throws -> ImportedFloatModel {
        guard graph.precision == .float32 else {
            throw EdgeError.usage("\(path) is an int8 \(graph.format.rawValue) model: it runs on the int8 engine, not the float one")
        }
        var b = FloatBuilder(graph: graph, path: path)
        try b.build()
        let g = Graph(inputShape: b.inputShape, nodes: b.nodes)
        let shapes = try g.shapes(path: path)
        let classes = shapes.last?.first ?? 0
        let names = classNames ?? (0..<classes).map(String.init)
        guard names.count == classes else {
            throw EdgeError.usage("\(names.count) class names for a model with \(classes) outputs")
        }
        let pre = preprocessing ?? graph.metadata.preprocessing ?? Preprocessing(inputScale: 1, mean: [0], std: [255], source: "default pixel / 255")
        let c = g.inputShape[0]
        for (flag, v) in [("mean", pre.mean), ("std", pre.std)] where v.count != 1 && v.count != c {
            throw EdgeError.usage("preprocessing \(flag) has \(v.count) values; \(path) takes \(c) channel(s): give 1 or \(c)")
        }
        guard pre.inputScale.isFinite, pre.inputScale > 0, pre.std.allSatisfy({ $0.isFinite && $0 != 0 }), pre.mean.allSatisfy(\.isFinite) else {
            throw EdgeError.usage("preprocessing scale \(pre.inputScale), mean \(pre.mean), std \(pre.std): "
                                  + "every value must be finite, scale > 0, std ≠ 0")
        }
        let (nodes, params) = prependingPreprocessing(pre, channels: c, nodes: b.nodes, parameters: b.parameters)
        let model = Model(graph: Graph(inputShape: g.inputShape, nodes: nodes), parameters: params, metadata: ModelMetadata(classNames: names))
        _ = try model.validate(path: path)
        return ImportedFloatModel(model: model, preprocessing: pre, notes: graph.notes + b.notes)
    }

    /// Name of the node that holds the preprocessing.
    public static let preprocessingNode = "preprocessing"

    /// The graph with the preprocessing as its first layer, so that the model reads pixel / 255
    /// like every model.bin and attacks, ε and clipping stay in [0, 1] pixel units:
    /// (pixel·s − mean[c]) / std[c] = x·a[c] + b[c] with x = pixel/255, a = 255·s/std, b = −mean/std,
    /// a depthwise 1×1 convolution (the quantiser folds it into the int8 input table). Nothing
    /// is added for pixel / 255 itself.
    static func prependingPreprocessing(_ p: Preprocessing, channels c: Int, nodes: [Node], parameters: [[Tensor]]) -> ([Node], [[Tensor]]) {
        let a = (0..<c).map { ch in 255 * p.inputScale / (p.std.count == 1 ? p.std[0] : p.std[ch]) }
        let bias = (0..<c).map { ch in -(p.mean.count == 1 ? p.mean[0] : p.mean[ch]) / (p.std.count == 1 ? p.std[0] : p.std[ch]) }
        if a.allSatisfy({ $0 == 1 }) && bias.allSatisfy({ $0 == 0 }) { return (nodes, parameters) }
        let conv = ConvSpec(outChannels: c, window: Window2D(kernelH: 1, kernelW: 1, strideH: 1, strideW: 1,
                                                             padding: SidePadding(top: 0, left: 0, bottom: 0, right: 0)), depthwise: true)
        var name = preprocessingNode, k = 1
        while nodes.contains(where: { $0.name == name }) { name = "\(preprocessingNode)_\(k)"; k += 1 }
        var out = [nodes[0], Node(.convolution(conv), [0], name: name)]
        for n in nodes.dropFirst() { out.append(Node(n.op, n.inputs.map { $0 + 1 }, name: n.name)) }
        var params = parameters
        params.insert([Tensor(shape: [c, 1, 1, 1], data: a), Tensor(shape: [c], data: bias)], at: 1)
        return (out, params)
    }
}
