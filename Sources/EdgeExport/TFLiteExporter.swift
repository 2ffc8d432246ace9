import EdgeCore
import EdgeQuant

// QuantizedGraph → a full-integer TFLite model that TensorFlow Lite Micro runs bit-exactly
// (docs/import-formats.md, "Export"). TFLite does not store multipliers or clamps: its
// Prepare derives them from the float scales and the fused activation. So each layer is
// written with the scales it was built from, and the exporter re-derives every parameter
// as TFLite Micro would (TFLiteDerivation) and refuses, naming the node and the field,
// when the result differs from what the engine runs.

/// Writes edge-audit's int8 network as a `.tflite` flatbuffer.
public enum TFLiteExporter {
    /// Largest total of constant data written (1 GiB; flatbuffer offsets are 32-bit).
    public static let maxConstantBytes = 1 << 30

    /// The TFLite bytes of `graph` (validated first).
    /// - Parameters:
    ///   - path: the model's file name, used in errors.
    ///   - description: Model.description.
    ///   - labels: class names in logit order, appended as `labels.txt` (`LabelArchive`);
    ///     none when empty.
    /// - Throws: `EdgeError.badModel` naming the int8 node and field TFLite cannot express
    ///   with the engine's exact arithmetic.
    public static func export(_ graph: QuantizedGraph, path: String, description: String = "edge-audit int8 export",
                              labels: [String] = []) throws -> [UInt8] {
        let spec = try model(graph, path: path, description: description)
        // uoffsets are 32-bit: keep the whole file far below 4 GiB.
        let constants = spec.buffers.reduce(0) { $0 + $1.count }
        guard constants <= maxConstantBytes else {
            throw EdgeError.badModel(path: path, section: "export", offset: -1,
                                     reason: "\(constants) bytes of weights exceed the exporter's \(maxConstantBytes)-byte cap (TFLite offsets are 32-bit)")
        }
        let bytes = TFLiteSerializer.serialize(spec)
        if labels.isEmpty { return bytes }
        guard labels.count == graph.nodes.last?.shape.reduce(1, *), labels.allSatisfy({ !$0.contains("\n") && !$0.contains("\r") }) else {
            throw EdgeError.badModel(path: path, section: "export: labels", offset: -1,
                                     reason: "\(labels.count) class names for \(graph.nodes.last?.shape.reduce(1, *) ?? 0) logits (or a name with a line break)")
        }
        return LabelArchive.append(labels, to: bytes)
    }

    /// The TFLite model of `graph` as plain values (what `export` serialises).
    public static func model(_ graph: QuantizedGraph, path: String, description: String = "edge-audit int8 export") throws -> TFLiteModelSpec {
        guard let first = graph.nodes.first, first.shape.count == 3 else {
            throw EdgeError.badModel(path: path, section: "export", offset: -1, reason: "the int8 graph has no [H, W, C] input node")
        }
        try graph.validate(path: path, inputShape: [first.shape[2], first.shape[0], first.shape[1]])
        var w = ExportWriter(graph: graph, path: path)
        w.spec.description = description
        try w.input(first)
        for i in 1..<graph.nodes.count { try w.node(i) }
        w.spec.outputs = [w.tensorOf[graph.nodes.count - 1]]
        return w.spec
    }
}

/// The export state: the model so far and which tensor holds each node's output.
struct ExportWriter {
    let graph: QuantizedGraph
    let path: String
    var spec = TFLiteModelSpec()
    /// Node index → tensor index of its output.
    var tensorOf: [Int32] = []

    init(graph: QuantizedGraph, path: String) {
        self.graph = graph
        self.path = path
    }

    /// The refusal for `field` of node `i`.
    func fail(_ i: Int, _ field: String, _ why: String) -> EdgeError {
        let n = graph.nodes[i]
        return .badModel(path: path, section: "export: int8 node \(i) '\(n.name)' (\(n.op.kind))", offset: -1,
                         reason: "\(field) \(why); TensorFlow Lite Micro would not compute what the engine computes, so the layer is not exported")
    }

    /// A shape as int32 dimensions.
    func dims(_ s: [Int], _ i: Int) throws -> [Int32] {
        try s.map { d in
            guard let v = Int32(exactly: d) else { throw fail(i, "shape", "\(s) does not fit int32") }
            return v
        }
    }

    /// Appends a tensor; returns its index.
    mutating func addTensor(_ t: TFLiteTensorSpec) -> Int32 {
        spec.tensors.append(t)
        return Int32(spec.tensors.count - 1)
    }

    /// Appends a constant tensor with its own buffer.
    mutating func constant(_ name: String, shape: [Int32], type: Int8, data: [UInt8], scales: [Float] = [], zeroPoints: [Int64] = [],
                           dimension: Int32 = 0) -> Int32 {
        spec.buffers.append(data)
        return addTensor(TFLiteTensorSpec(shape: shape, type: type, buffer: UInt32(spec.buffers.count - 1), name: name, scales: scales,
                                          zeroPoints: zeroPoints, quantizedDimension: dimension))
    }

    /// An int32 constant (shapes, paddings, axes).
    mutating func int32Constant(_ name: String, shape: [Int32], _ v: [Int32]) -> Int32 {
        constant(name, shape: shape, type: TensorType.int32, data: Bytes.int32(v))
    }

    /// An int8 activation tensor [1] + `shape` with quantisation `q`.
    mutating func activation(_ name: String, shape: [Int], _ q: QuantParams, _ i: Int) throws -> Int32 {
        addTensor(TFLiteTensorSpec(shape: [1] + (try dims(shape, i)), type: TensorType.int8, buffer: 0, name: name,
                                   scales: [q.scale], zeroPoints: [Int64(q.zeroPoint)]))
    }

    /// The tensor of node `i`'s output (created here).
    mutating func output(_ i: Int) throws -> Int32 {
        let n = graph.nodes[i]
        let t = try activation(n.name, shape: n.shape, n.quant, i)
        tensorOf.append(t)
        return t
    }

    /// Appends an operator.
    mutating func op(_ builtin: Int32, _ version: Int32, _ inputs: [Int32], _ outputs: [Int32], _ options: TFLiteOptions) {
        spec.operators.append(TFLiteOperatorSpec(builtin: builtin, version: version, inputs: inputs, outputs: outputs, options: options))
    }

    /// Node 0: an int8 input tensor that the pixel maps to as q = pixel − 128 (scale 1/255,
    /// zero point −128 for model.bin nets).
    mutating func input(_ n: QNode) throws {
        switch n.op {
        case .input:
            guard n.quant == .input else { throw fail(0, "input quantization", "(\(n.quant.scale), \(n.quant.zeroPoint)) is not (1/255, -128)") }
        case .quantizedInput(let t):
            let c = n.shape[2]
            let identity = (0..<(t.table.count)).allSatisfy { Int(t.table[$0]) == $0 % 256 - 128 }
            guard identity, t.table.count == 256 || t.table.count == 256 * c else {
                throw fail(0, "input table", "is not q = pixel − 128: the pixel preprocessing of this model cannot be stored as an int8 input tensor")
            }
        default:
            throw fail(0, "op", "is not an input")
        }
        let t = try output(0)
        spec.inputs = [t]
    }

    /// Nodes after the input, one TFLite operator (or a short sequence) each.
    mutating func node(_ i: Int) throws {
        let n = graph.nodes[i]
        let x = n.inputs.first ?? 0
        let xin = graph.nodes[x]
        switch n.op {
        case .input, .quantizedInput:
            throw fail(i, "op", "is a second input")
        case .conv(let c):
            try conv(c, i)
        case let .maxPool(k, s), let .avgPool(k, s):
            try sameQuant(i)
            let isMax: Bool
            if case .maxPool = n.op { isMax = true } else { isMax = false }
            let out = try output(i)
            op(isMax ? TFLiteBuiltin.maxPool2D : TFLiteBuiltin.averagePool2D, 2, [tensorOf[x]], [out],
               .pool(padding: .valid, strideW: Int32(s), strideH: Int32(s), filterW: Int32(k), filterH: Int32(k), activation: .none))
        case .globalAvgPool:
            // AVERAGE_POOL_2D over the whole map rounds exactly like the engine's global
            // pool; TFLite Micro's MEAN does not (docs/import-formats.md, "Export").
            try sameQuant(i)
            let (h, w) = (xin.shape[0], xin.shape[1])
            let pooled = try activation("\(n.name)/pool", shape: [1, 1, xin.shape[2]], n.quant, i)
            op(TFLiteBuiltin.averagePool2D, 2, [tensorOf[x]], [pooled],
               .pool(padding: .valid, strideW: 1, strideH: 1, filterW: Int32(w), filterH: Int32(h), activation: .none))
            try reshape(pooled, i)
        case .pool(let p):
            try pool(p, i)
        case .mean(let m):
            let count = xin.shape[0] * xin.shape[1]
            guard let want = QMeanLayer.tflm(inputScale: xin.quant.scale, outputScale: n.quant.scale, count: count), want == m else {
                throw fail(i, "mean multiplier", "(\(m.multiplier), \(m.shift)) differs from TFLite Micro's MEAN derivation for these scales")
            }
            let axes = int32Constant("\(n.name)/axes", shape: [2], [1, 2])
            let out = try output(i)
            op(TFLiteBuiltin.mean, 2, [tensorOf[x], axes], [out], .reducer(keepDims: false))
        case .pad(let p):
            try sameQuant(i)
            let pads = int32Constant("\(n.name)/paddings", shape: [4, 2], [0, 0, Int32(p.top), Int32(p.bottom), Int32(p.left), Int32(p.right), 0, 0])
            let out = try output(i)
            op(TFLiteBuiltin.pad, 2, [tensorOf[x], pads], [out], .pad)
        case .flatten:
            try sameQuant(i)
            if xin.shape.count == 1 { tensorOf.append(tensorOf[x]); return }
            try reshape(tensorOf[x], i)
        case .relu:
            try sameQuant(i)
            let out = try output(i)
            op(TFLiteBuiltin.relu, 2, [tensorOf[x]], [out], .none)
        case .add(let a):
            try add(a, i)
        }
    }

    /// RESHAPE of tensor `from` to node `i`'s [1, N] output. The new shape says −1 for the
    /// batch (as Keras writes it), so a runtime that resizes the input to a batch of B
    /// (LiteRT) gets [B, N]; TensorFlow Lite Micro resolves it to 1.
    mutating func reshape(_ from: Int32, _ i: Int) throws {
        let n = graph.nodes[i]
        let shape: [Int32] = [-1] + (try dims(n.shape, i))
        let s = int32Constant("\(n.name)/shape", shape: [Int32(shape.count)], shape)
        let out = try output(i)
        op(TFLiteBuiltin.reshape, 1, [from, s], [out], .reshape(newShape: shape))
    }

    /// TFLite's pooling, padding, PAD and RELU keep the input's quantisation.
    func sameQuant(_ i: Int) throws {
        let n = graph.nodes[i], x = graph.nodes[n.inputs[0]]
        guard n.quant == x.quant else { throw fail(i, "output quantization", "differs from the input's") }
    }
}

/// `TensorType` values.
enum TensorType {
    static let int32: Int8 = 2, int8: Int8 = 9
}

/// Little-endian encodings of constant data.
enum Bytes {
    static func int32(_ v: [Int32]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(4 * v.count)
        for x in v { let u = UInt32(bitPattern: x); for k in 0..<4 { out.append(UInt8(truncatingIfNeeded: u >> (8 * UInt32(k)))) } }
        return out
    }
    static func int8(_ v: [Int8]) -> [UInt8] { v.map { UInt8(bitPattern: $0) } }
}
