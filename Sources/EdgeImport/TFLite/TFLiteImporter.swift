// Step 2 of the TFLite import: gives the decoded structs their meaning. Operators are taken
// in file order (TFLite stores them in execution order; an input used before it is written
// is refused), shape-only subgraphs that feed a RESHAPE's shape operand are pruned (Keras'
// Flatten with a dynamic batch emits SHAPE → STRIDED_SLICE → PACK → RESHAPE), a trailing
// SOFTMAX (with the QUANTIZE/DEQUANTIZE after it) is dropped so the output is logits, and
// every other operator maps onto exactly one IR node or is refused by name.

/// Reads TensorFlow Lite flatbuffers (schema v3) into an `ImportedGraph`.
public enum TFLiteImporter {
    /// Imports `bytes` (a whole .tflite file); `path` names it in errors.
    public static func importGraph(_ bytes: [UInt8], path: String) throws -> ImportedGraph {
        let file = try TFLiteFile(bytes, path: path)
        var b = TFLiteBuilder(file: file, path: path)
        return try b.build()
    }
}

/// The mutable state of one import.
struct TFLiteBuilder {
    let file: TFLiteFile
    let path: String
    var tensors: [ImportedTensor] = []
    /// File tensor index → IR tensor index, for tensors produced so far.
    var produced: [Int: Int] = [:]
    var nodes: [ImportedNode] = []
    var notes: [String] = []
    /// int8 or float32, fixed by the first compute operator.
    var precision: ImportedGraph.Precision?

    init(file: TFLiteFile, path: String) {
        self.file = file
        self.path = path
    }

    typealias Builtin = TFLiteSchema.Builtin

    // MARK: - Errors

    func fail(_ rule: ImportError.Rule, _ op: TFLiteOperator, _ field: String, _ reason: String) -> ImportError {
        let loc = field.isEmpty ? op.location : "\(op.location).\(field)"
        return ImportError(rule, path: path, location: loc, offset: op.offset, "\(opName(op.code)): \(reason)")
    }

    func opName(_ code: Int32) -> String { TFLiteSchema.builtinNames[code] ?? "builtin operator \(code)" }

    // MARK: - Driver

    mutating func build() throws -> ImportedGraph {
        guard file.inputs.count == 1, file.outputs.count == 1 else {
            throw ImportError(.badGraph, path: path, location: "Model.subgraphs[0]", offset: 0,
                              "the subgraph has \(file.inputs.count) inputs and \(file.outputs.count) outputs; one of each is supported")
        }
        if file.subgraphCount > 1 { notes.append("only subgraph 0 of \(file.subgraphCount) is imported") }
        let graphInput = file.inputs[0]
        var graphOutput = file.outputs[0]
        let inputTensor = try activation(graphInput, location: "Model.subgraphs[0].inputs[0]")
        produced[graphInput] = appendTensor(inputTensor)

        let skip = pruneShapeOps()
        var dropped = Set<Int>()
        var softmaxDropped = false
        if let (out, ops) = trailingSoftmax(output: graphOutput) {
            dropped = ops
            graphOutput = out
            softmaxDropped = true
            notes.append("trailing SOFTMAX dropped: the output is logits")
            // beta scales the logits inside the softmax: argmax is unchanged, probabilities are not.
            if let sm = ops.map({ file.operators[$0] }).first(where: { $0.code == Builtin.softmax.rawValue }),
               sm.optionsType == TFLiteSchema.OptionsType.softmax, let t = sm.options {
                let beta = try t.f32(TFLiteSchema.SoftmaxOptions.beta, "beta")
                if beta != 1 { notes.append("the dropped SOFTMAX had beta = \(beta): probabilities are softmax(beta · logits)") }
            }
        }
        if !skip.isEmpty { notes.append("\(skip.count) shape-computation operators before RESHAPE pruned") }

        for (index, op) in file.operators.enumerated() where !skip.contains(index) && !dropped.contains(index) {
            try convert(op, index: index, isInputEdge: op.inputs.first == graphInput,
                        isOutputEdge: op.outputs.first == graphOutput)
        }
        guard let out = produced[graphOutput] else {
            throw ImportError(.badGraph, path: path, location: "Model.subgraphs[0].outputs[0]", offset: 0,
                              "the output tensor \(graphOutput) is never written")
        }
        guard !nodes.isEmpty else {
            throw ImportError(.badGraph, path: path, location: "Model.subgraphs[0].operators", offset: 0, "no operators")
        }
        var meta = ImportedMetadata(producer: file.description ?? "", formatVersion: Int(file.version))
        try TFLiteMetadata.read(file, into: &meta, path: path)
        return ImportedGraph(format: .tflite, precision: precision ?? .float32, tensors: tensors, input: 0, output: out,
                             nodes: nodes, softmaxDropped: softmaxDropped, metadata: meta, notes: notes)
    }

    /// Operators that only compute a RESHAPE's target shape (int32/int64 outputs consumed
    /// only by other such operators or by a RESHAPE's second operand). The static output
    /// shape of the RESHAPE is what the importer uses, so these can go. One reverse pass
    /// suffices because operators are in execution order (consumers come later).
    func pruneShapeOps() -> Set<Int> {
        let shapeCodes: Set<Int32> = [Builtin.shape.rawValue, Builtin.stridedSlice.rawValue, Builtin.pack.rawValue,
                                      Builtin.concatenation.rawValue, Builtin.gather.rawValue, Builtin.cast.rawValue]
        var consumers: [Int: [(op: Int, slot: Int)]] = [:]
        for (i, op) in file.operators.enumerated() {
            for (s, t) in op.inputs.enumerated() where t >= 0 { consumers[t, default: []].append((i, s)) }
        }
        var pruned = Set<Int>()
        for i in file.operators.indices.reversed() {
            let op = file.operators[i]
            guard shapeCodes.contains(op.code), !op.outputs.isEmpty else { continue }
            let ok = op.outputs.allSatisfy { t in
                let type = file.tensors[t].type
                guard type == TFLiteSchema.TensorType.int32.rawValue || type == TFLiteSchema.TensorType.int64.rawValue,
                      !file.outputs.contains(t) else { return false }
                return (consumers[t] ?? []).allSatisfy { c in
                    c.op > i && (pruned.contains(c.op) || (file.operators[c.op].code == Builtin.reshape.rawValue && c.slot == 1))
                }
            }
            if ok { pruned.insert(i) }
        }
        return pruned
    }

    /// When the graph output is SOFTMAX's (optionally through one QUANTIZE/DEQUANTIZE),
    /// returns the softmax's input tensor and the operators to drop.
    func trailingSoftmax(output: Int) -> (Int, Set<Int>)? {
        func producer(_ t: Int) -> Int? { file.operators.lastIndex { $0.outputs.contains(t) } }
        guard var p = producer(output) else { return nil }
        var ops: Set<Int> = []
        let edge = file.operators[p].code
        if edge == Builtin.quantize.rawValue || edge == Builtin.dequantize.rawValue {
            ops.insert(p)
            guard let inp = file.operators[p].inputs.first, inp >= 0, let q = producer(inp) else { return nil }
            p = q
        }
        let sm = file.operators[p]
        guard sm.code == Builtin.softmax.rawValue, let x = sm.inputs.first, x >= 0, x != file.inputs[0] else { return nil }
        ops.insert(p)
        return (x, ops)
    }

    // MARK: - Tensors

    mutating func appendTensor(_ t: ImportedTensor) -> Int {
        tensors.append(t)
        return tensors.count - 1
    }

    /// An activation tensor's IR description: batch 1 dropped, [H, W, C] or [C]; int8/uint8
    /// need one finite positive scale and a zero point in the type's range.
    func activation(_ index: Int, location: String) throws -> ImportedTensor {
        let t = file.tensors[index]
        func bad(_ rule: ImportError.Rule, _ reason: String) -> ImportError {
            ImportError(rule, path: path, location: t.location, offset: t.offset, "tensor '\(t.name)': \(reason)")
        }
        guard (t.shape.count == 4 || t.shape.count == 2), t.shape[0] == 1 else {
            throw bad(.badDimension, "shape \(t.shape) is not [1, H, W, C] or [1, C]")
        }
        guard t.shape.dropFirst().allSatisfy({ $0 > 0 }) else { throw bad(.badDimension, "zero dimension in \(t.shape)") }
        let shape = Array(t.shape.dropFirst())
        let type: ElementType
        switch TFLiteSchema.TensorType(rawValue: t.type) {
        case .float32?: type = .float32
        case .int8?: type = .int8
        case .uint8?: type = .uint8
        default: throw bad(.unsupportedType, "element type \(t.type) (float32, int8 and uint8 activations are supported)")
        }
        var q: Quantization?
        if type != .float32 {
            guard t.scales.count == 1 else {
                throw bad(.unsupportedAttribute, "\(t.scales.count) scales on an activation (need 1)")
            }
            let (lo, hi): (Int64, Int64) = type == .int8 ? (-128, 127) : (0, 255)
            guard t.scales[0].isFinite, t.scales[0] > 0 else {
                throw bad(.inconsistent, "scale \(t.scales[0]) is not finite and > 0")
            }
            guard t.zeroPoints[0] >= lo, t.zeroPoints[0] <= hi else {
                throw bad(.inconsistent, "zero point \(t.zeroPoints[0]) out of range")
            }
            q = Quantization(scales: t.scales, zeroPoints: [Int32(t.zeroPoints[0])])
        }
        return ImportedTensor(name: t.name, shape: shape, type: type, quantization: q)
    }

    /// The IR index of an operator's activation input, which must already be written.
    func input(_ op: TFLiteOperator, _ slot: Int) throws -> Int {
        guard slot < op.inputs.count, op.inputs[slot] >= 0 else {
            throw fail(.badGraph, op, "inputs[\(slot)]", "missing input \(slot)")
        }
        guard let ir = produced[op.inputs[slot]] else {
            throw fail(.badGraph, op, "inputs[\(slot)]", "input tensor \(op.inputs[slot]) is used before it is written or is a constant")
        }
        return ir
    }

    /// Registers the operator's single output tensor and appends the node.
    mutating func emit(_ op: TFLiteOperator, index: Int, _ kind: ImportedOp, inputs: [Int], check expected: [Int]? = nil) throws {
        guard op.outputs.count == 1 else { throw fail(.badGraph, op, "outputs", "\(op.outputs.count) outputs (need 1)") }
        let o = op.outputs[0]
        guard produced[o] == nil, o != file.inputs[0] else {
            throw fail(.badGraph, op, "outputs[0]", "tensor \(o) written twice")
        }
        let t = try activation(o, location: "\(op.location).outputs[0]")
        if let e = expected, e != t.shape {
            throw fail(.inconsistent, op, "outputs[0]", "output shape \(t.shape) but the operator computes \(e)")
        }
        produced[o] = appendTensor(t)
        nodes.append(ImportedNode(name: t.name, op: kind, inputs: inputs, output: produced[o]!, sourceIndex: index,
                                  sourceOp: opName(op.code)))
    }

    // MARK: - Constants

    /// A constant operand: its bytes must be exactly shape-product × element size, and its
    /// quantisation (if any) one entry per tensor or one per channel of `quantized_dimension`.
    func constant(_ op: TFLiteOperator, _ slot: Int, what: String) throws -> (TFLiteTensor, ConstantTensor) {
        guard slot < op.inputs.count, op.inputs[slot] >= 0 else {
            throw fail(.badGraph, op, "inputs[\(slot)]", "missing \(what)")
        }
        let t = file.tensors[op.inputs[slot]]
        let field = "inputs[\(slot)]"
        guard t.buffer > 0, t.buffer < file.buffers.count, !file.buffers[t.buffer].isEmpty else {
            throw fail(.badGraph, op, field, "\(what) '\(t.name)' has no constant data")
        }
        let range = file.buffers[t.buffer]
        guard let n = ShapeProduct.elements(t.shape) else { throw fail(.overflow, op, field, "\(what) shape \(t.shape)") }
        let size: Int
        switch TFLiteSchema.TensorType(rawValue: t.type) {
        case .float32?, .int32?: size = 4
        case .int8?, .uint8?: size = 1
        case .int64?: size = 8
        case .float16?: throw fail(.unsupportedType, op, field, "float16 \(what) (float16-quantised models) are not supported")
        default: throw fail(.unsupportedType, op, field, "\(what) of element type \(t.type)")
        }
        guard range.count == n * size else {
            throw fail(.inconsistent, op, field,
                "\(what) '\(t.name)' has \(range.count) bytes, shape \(t.shape) needs \(n * size)")
        }
        try file.reader.charge(n, "\(op.location).\(field)", at: range.lowerBound)
        let bytes = file.reader.bytes
        func word(_ k: Int) -> UInt32 {
            let o = range.lowerBound + 4 * k
            return UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3]) << 24
        }
        let values: ConstantTensor.Values
        switch TFLiteSchema.TensorType(rawValue: t.type) {
        case .float32?: values = .float32((0..<n).map { Float(bitPattern: word($0)) })
        case .int32?: values = .int32((0..<n).map { Int32(bitPattern: word($0)) })
        case .int8?: values = .int8(bytes[range].map { Int8(bitPattern: $0) })
        case .int64?:
            // Only shape-like operands (pads, axes) are int64; they are small and read as int32.
            values = .int32(try (0..<n).map { k in
                let v = Int64(bitPattern: UInt64(word(2 * k)) | UInt64(word(2 * k + 1)) << 32)
                guard let x = Int32(exactly: v) else {
                    throw fail(.inconsistent, op, field, "int64 value \(v) out of int32 range")
                }
                return x
            })
        default: throw fail(.unsupportedType, op, field, "uint8 \(what) (legacy uint8 quantisation) is not supported")
        }
        var q: Quantization?
        if !t.scales.isEmpty {
            let perChannel = t.scales.count > 1
            guard t.quantizedDimension >= 0, t.quantizedDimension < max(t.shape.count, 1),
                  !perChannel || t.quantizedDimension < t.shape.count else {
                throw fail(.badIndex, op, field,
                    "quantized_dimension \(t.quantizedDimension) of a rank-\(t.shape.count) \(what)")
            }
            if perChannel, t.scales.count != t.shape[t.quantizedDimension] {
                throw fail(.inconsistent, op, field,
                           "\(t.scales.count) scales for dimension \(t.quantizedDimension) of size \(t.shape[t.quantizedDimension])")
            }
            guard t.scales.allSatisfy({ $0.isFinite && $0 > 0 }) else {
                throw fail(.inconsistent, op, field, "\(what) scale not finite and > 0")
            }
            guard t.zeroPoints.allSatisfy({ $0 == 0 }) else {
                throw fail(.unsupportedAttribute, op, field, "\(what) zero points must be 0 (TFLite's int8 weight scheme)")
            }
            q = Quantization(scales: t.scales, zeroPoints: t.zeroPoints.map { Int32($0) },
                             axis: perChannel ? t.quantizedDimension : nil)
        }
        return (t, ConstantTensor(shape: t.shape, values: values, quantization: q))
    }

    /// True when the operator's operand `slot` is a constant (has data).
    func isConstant(_ op: TFLiteOperator, _ slot: Int) -> Bool {
        guard slot < op.inputs.count, op.inputs[slot] >= 0 else { return false }
        let b = file.tensors[op.inputs[slot]].buffer
        return b > 0 && b < file.buffers.count && !file.buffers[b].isEmpty
    }
}
