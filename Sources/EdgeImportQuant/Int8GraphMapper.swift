import EdgeCore
import EdgeImport
import EdgeQuant

// ImportedGraph (int8, TFLite) → QuantizedGraph, node by node, with every parameter derived
// as TensorFlow Lite Micro's Prepare derives it (scripts/check_tflm_graph.py is the same
// mapping in Python; docs/import-formats.md, "Mapping onto the int8 engine", the field table).
// Anything the engine cannot express is refused with `EdgeError.badModel` (exit 65) naming
// the source operator, its op code and the field.

/// Maps an int8 `ImportedGraph` onto edge-audit's integer engine.
public enum Int8GraphMapper {
    /// The validated integer graph for `graph`.
    /// - Parameters:
    ///   - path: the file name used in messages.
    ///   - preprocessing: how pixels become the model's real input; nil uses the file's
    ///     metadata normalisation, else pixel / 255 (`defaultPixelPreprocessing`).
    /// - Throws: `EdgeError.badModel` for anything the engine cannot run exactly, and
    ///   `EdgeError.usage` for a float graph (the int8 engine does not run float models).
    public static func map(_ graph: ImportedGraph, path: String, preprocessing: Preprocessing? = nil) throws -> ImportedInt8Model {
        guard graph.precision == .int8 else {
            throw EdgeError.usage("\(path) is a float32 \(graph.format.rawValue) model: the int8 engine runs full-integer (int8) models only, and float inference of imported models is not supported yet")
        }
        var m = Builder(graph: graph, path: path)
        return try m.build(preprocessing: preprocessing)
    }
}

/// The mapping state: the integer nodes so far and which node holds each imported tensor.
struct Builder {
    let graph: ImportedGraph
    let path: String
    var nodes: [QNode] = []
    var origins: [String] = []
    var notes: [String] = []
    /// Imported tensor index → integer node index holding its value.
    var holder: [Int: Int] = [:]

    init(graph: ImportedGraph, path: String) {
        self.graph = graph
        self.path = path
    }

    /// An error at imported node `n` for `field`.
    func fail(_ n: ImportedNode?, _ field: String, _ why: String) -> EdgeError { Self.failure(graph.format, path, n, field, why) }

    /// The error for `field` of imported node `n` (nil: the graph's input) of a `format` file.
    static func failure(_ format: ModelFormat, _ path: String, _ n: ImportedNode?, _ field: String, _ why: String) -> EdgeError {
        guard let n else {
            return .badModel(path: path, section: "\(format.rawValue) input", offset: -1, reason: "\(field) \(why)")
        }
        let section = format == .tflite ? "Model.subgraphs[0].operators[\(n.sourceIndex)] (\(n.sourceOp))" : "node \(n.sourceIndex) (\(n.sourceOp))"
        return .badModel(path: path, section: section, offset: -1, reason: "'\(n.name)': \(field) \(why); the int8 engine cannot run it exactly")
    }

    /// The per-tensor quantisation of tensor `t` as the engine's parameters.
    func quant(_ t: Int, _ n: ImportedNode?, _ role: String) throws -> QuantParams {
        let x = graph.tensors[t]
        guard x.type == .int8 else { throw fail(n, "\(role) type", "is \(x.type.rawValue), not int8") }
        guard let q = x.quantization, q.isPerTensor, let s = q.scales.first, s.isFinite, s > 0, let zp = q.zeroPoints.first,
              (-128...127).contains(zp) else {
            throw fail(n, "\(role).quantization", "must be per tensor with a finite scale > 0 and a zero point in [-128, 127]")
        }
        return QuantParams(scale: s, zeroPoint: zp)
    }

    /// Appends an integer node writing imported tensor `tensor`.
    mutating func append(_ op: QOp, inputs: [Int], tensor: Int, shape: [Int], quant: QuantParams, origin: String, name: String) {
        let lo = quant.scale * Float(-128 - quant.zeroPoint), hi = quant.scale * Float(127 - quant.zeroPoint)
        nodes.append(QNode(op: op, inputs: inputs, name: name, floatNode: nodes.count, shape: shape, quant: quant, rangeMin: lo, rangeMax: hi))
        origins.append(origin)
        holder[tensor] = nodes.count - 1
    }

    /// The integer node holding the value of imported tensor `t`, read by `n`.
    func source(_ t: Int, _ n: ImportedNode) throws -> Int {
        guard let i = holder[t] else { throw fail(n, "input tensor \(t)", "is not produced by any mapped operator") }
        return i
    }

    mutating func build(preprocessing: Preprocessing?) throws -> ImportedInt8Model {
        let count = graph.tensors.count
        guard (0..<count).contains(graph.input), (0..<count).contains(graph.output),
              graph.nodes.allSatisfy({ n in (0..<count).contains(n.output) && n.inputs.allSatisfy { (0..<count).contains($0) } }) else {
            throw fail(nil, "tensor index", "out of range (an inconsistent imported graph)")
        }
        let input = graph.tensors[graph.input]
        guard input.shape.count == 3, input.shape.allSatisfy({ $0 >= 1 }) else {
            throw fail(nil, "input shape", "\(input.shape) is not an image [H, W, C]")
        }
        let (h, w, c) = (input.shape[0], input.shape[1], input.shape[2])
        // A QUANTIZE reading the graph input is folded into the input table.
        var rest = graph.nodes[...]
        var quantizeTo: ImportedTensor? = nil, inputTensor = graph.input, origin = "input \(input.type.rawValue)"
        if let first = rest.first, first.op == .quantize, first.inputs == [graph.input] {
            quantizeTo = graph.tensors[first.output]
            inputTensor = first.output
            origin += " + \(first.sourceOp) #\(first.sourceIndex)"
            rest = rest.dropFirst()
        }
        let (table, q, rule) = try PixelInputRule.table(inputTensor: input, quantizeTo: quantizeTo, channels: c,
                                                        preprocessing: preprocessing, metadata: graph.metadata.preprocessing,
                                                        fail: { [format = graph.format, path] in Self.failure(format, path, nil, $0, $1) })
        append(.quantizedInput(table), inputs: [], tensor: inputTensor, shape: [h, w, c], quant: q, origin: origin, name: "input")
        for n in rest { try map(n) }
        guard let last = holder[graph.output] else { throw fail(nil, "graph output", "is not produced by a mapped operator") }
        guard last == nodes.count - 1 else {
            throw fail(nil, "graph output", "is written by integer node \(last), but operators after it remain (the engine's output is its last node)")
        }
        if nodes[last].shape.count != 1 {
            let s = nodes[last].shape
            append(.flatten, inputs: [last], tensor: graph.output, shape: [s.reduce(1, *)], quant: nodes[last].quant, origin: "(output flatten)", name: "flatten")
            notes.append("the output \(s) is flattened to [\(s.reduce(1, *))] logits")
        }
        let perTensor = graph.nodes.allSatisfy { n in
            switch n.op {
            case .conv(let c), .depthwiseConv(let c): return c.weights.quantization?.isPerTensor ?? true
            case .fullyConnected(let f): return f.weights.quantization?.isPerTensor ?? true
            default: return true
            }
        }
        let g = QuantizedGraph(nodes: nodes, method: "imported", calibrationImages: 0, perTensor: perTensor)
        let shape = [c, h, w]
        try Self.validate(g, path: path, shape: shape)
        return ImportedInt8Model(graph: g, inputShape: shape, origins: origins, inputRule: rule, notes: notes)
    }

    /// `QuantizedGraph.validate`, its errors re-labelled as a mapping failure.
    static func validate(_ g: QuantizedGraph, path: String, shape: [Int]) throws {
        do {
            try g.validate(path: path, inputShape: shape)
        } catch {
            guard case .badModel(let p, _, _, let reason) = error else { throw error }
            throw EdgeError.badModel(path: p, section: "int8 mapping", offset: -1, reason: reason + " (the engine's limits, docs/integer-spec.md)")
        }
    }

    /// Appends the integer node(s) for imported node `n` (or aliases its output to an
    /// existing node), refusing anything the engine cannot run exactly.
    mutating func map(_ n: ImportedNode) throws {
        var arity = 1
        if case .add = n.op { arity = 2 }
        guard n.inputs.count == arity else {
            throw fail(n, "inputs", "has \(n.inputs.count) activation inputs, expected \(arity)")
        }
        let out = graph.tensors[n.output]
        let origin = "\(n.sourceOp) #\(n.sourceIndex)"
        let name = "\(n.sourceOp.lowercased())#\(n.sourceIndex)"
        switch n.op {
        case .conv(let conv):
            let x = try source(n.inputs[0], n)
            let layer = try convLayer(conv, n, input: x, depthwise: false)
            try append(.conv(layer), inputs: [x], tensor: n.output, shape: out.shape, quant: quant(n.output, n, "output"), origin: origin, name: name)
        case .depthwiseConv(let conv):
            let x = try source(n.inputs[0], n)
            let layer = try convLayer(conv, n, input: x, depthwise: true)
            try append(.conv(layer), inputs: [x], tensor: n.output, shape: out.shape, quant: quant(n.output, n, "output"), origin: origin, name: name)
        case .fullyConnected(let fc):
            var x = try source(n.inputs[0], n)
            let s = nodes[x].shape
            if s.count == 3 && s[0] * s[1] > 1 {
                append(.flatten, inputs: [x], tensor: -1 - n.output, shape: [s.reduce(1, *)], quant: nodes[x].quant,
                       origin: "\(origin) (implicit flatten)", name: "flatten#\(n.sourceIndex)")
                x = nodes.count - 1
            }
            let layer = try denseLayer(fc, n, input: x)
            try append(.conv(layer), inputs: [x], tensor: n.output, shape: [layer.outChannels], quant: quant(n.output, n, "output"),
                       origin: origin, name: name)
        case .add(let act):
            let a = try source(n.inputs[0], n), b = try source(n.inputs[1], n)
            let layer = try addLayer(act, n, a: nodes[a].quant, b: nodes[b].quant)
            try append(.add(layer), inputs: [a, b], tensor: n.output, shape: nodes[a].shape, quant: quant(n.output, n, "output"), origin: origin, name: name)
        case .pool(let p):
            try mapPool(p, n, origin: origin, name: name)
        case .mean:
            try mapMean(n, origin: origin, name: name)
        case .pad(let p):
            let x = try source(n.inputs[0], n)
            let qo = try quant(n.output, n, "output")
            guard qo == nodes[x].quant else { throw fail(n, "output quantization", "differs from the input's") }
            append(.pad(QPadLayer(top: p.top, bottom: p.bottom, left: p.left, right: p.right)), inputs: [x], tensor: n.output,
                   shape: out.shape, quant: qo, origin: origin, name: name)
        case .reshape(let shape):
            try mapReshape(shape, n, origin: origin, name: name)
        case .activation(let a):
            try mapActivation(a, n, origin: origin, name: name)
        case .dequantize:
            guard n.output == graph.output else { throw fail(n, "op", "DEQUANTIZE is supported only at the output") }
            holder[n.output] = try source(n.inputs[0], n)
            notes.append("\(origin) (int8 → float at the output) is not run: the engine reports the int8 logits, dequantised for display")
        case .quantize:
            throw fail(n, "op", "QUANTIZE is supported only right after the input (output requantisation is not)")
        }
    }

    /// A pooling operator: TFLite pools keep the input's quantisation and divide by the
    /// cells inside the input, so anything else is refused rather than approximated.
    mutating func mapPool(_ p: Pooling, _ n: ImportedNode, origin: String, name: String) throws {
        let out = graph.tensors[n.output]
        let x = try source(n.inputs[0], n)
        let qo = try quant(n.output, n, "output")
        guard qo == nodes[x].quant else { throw fail(n, "output quantization", "differs from the input's (TFLite pools keep it)") }
        guard !p.countIncludesPadding else { throw fail(n, "count_include_pad", "= 1 (int8 pooling divides by the cells inside the input)") }
        let (lo, hi) = p.activation.quantizedBounds(graph.tensors[n.output].quantization!)
        let layer = QPoolLayer(kind: p.kind == .max ? .max : .average, kernelH: p.kernelH, kernelW: p.kernelW, strideH: p.strideH,
                               strideW: p.strideW, padTop: p.padding.top, padBottom: p.padding.bottom, padLeft: p.padding.left,
                               padRight: p.padding.right, actMin: lo, actMax: hi)
        try checkWindow(n, kernel: (p.kernelH, p.kernelW), stride: (p.strideH, p.strideW), pads: p.padding)
        append(.pool(layer), inputs: [x], tensor: n.output, shape: out.shape, quant: qo, origin: origin, name: name)
    }

    /// A spatial MEAN over [H, W, C], its multiplier derived as TFLM's Prepare derives it.
    mutating func mapMean(_ n: ImportedNode, origin: String, name: String) throws {
        let x = try source(n.inputs[0], n)
        let s = nodes[x].shape
        guard s.count == 3 else { throw fail(n, "input", "\(s) is not [H, W, C]") }
        let qi = nodes[x].quant, qo = try quant(n.output, n, "output")
        guard let layer = QMeanLayer.tflm(inputScale: qi.scale, outputScale: qo.scale, count: s[0] * s[1]) else {
            throw fail(n, "multiplier", "input scale / output scale = \(Double(qi.scale) / Double(qo.scale)) is out of range")
        }
        // The engine's MEAN writes [C]; a kept [1, 1, C] has the same bytes.
        append(.mean(layer), inputs: [x], tensor: n.output, shape: [s[2]], quant: qo, origin: origin, name: name)
    }

    /// A RESHAPE: the engine has no general reshape, so only a flatten to a vector (or a
    /// no-op reshape, which just aliases the input's node) is accepted.
    mutating func mapReshape(_ shape: [Int], _ n: ImportedNode, origin: String, name: String) throws {
        let x = try source(n.inputs[0], n)
        let s = nodes[x].shape
        guard try quant(n.output, n, "output") == nodes[x].quant else { throw fail(n, "output quantization", "differs from the input's") }
        if shape.count == 1 || shape.filter({ $0 != 1 }).count <= 1 {
            // To a vector (or [1, 1, C]): the engine's flatten, or nothing when already flat.
            if s.count == 1 { holder[n.output] = x; return }
            append(.flatten, inputs: [x], tensor: n.output, shape: [s.reduce(1, *)], quant: nodes[x].quant, origin: origin, name: name)
        } else if shape == s {
            holder[n.output] = x
        } else {
            throw fail(n, "new_shape", "\(shape) from \(s): the engine reshapes only to a vector")
        }
    }

    /// A separate activation operator: only ReLU without requantisation maps onto the
    /// engine (other activations are supported only fused into the preceding layer).
    mutating func mapActivation(_ a: Activation, _ n: ImportedNode, origin: String, name: String) throws {
        let x = try source(n.inputs[0], n)
        let qo = try quant(n.output, n, "output")
        guard qo == nodes[x].quant else { throw fail(n, "output quantization", "differs from the input's (a requantising activation)") }
        let (lo, hi) = a.quantizedBounds(graph.tensors[n.output].quantization!)
        if lo == qo.zeroPoint && hi == 127 {
            append(.relu, inputs: [x], tensor: n.output, shape: nodes[x].shape, quant: qo, origin: origin, name: name)
        } else {
            throw fail(n, "activation", "\(a) as a separate operator (only ReLU is; fused activations are supported)")
        }
    }

    /// Kernel and stride 1…15 and each pad below its kernel: the engine's window limits.
    func checkWindow(_ n: ImportedNode, kernel: (Int, Int), stride: (Int, Int), pads: Padding4) throws {
        for (f, v) in [("kernel height", kernel.0), ("kernel width", kernel.1), ("stride_h", stride.0), ("stride_w", stride.1)] where !(1...15).contains(v) {
            throw fail(n, f, "= \(v) is outside 1…15")
        }
        for (f, v, k) in [("pad top", pads.top, kernel.0), ("pad bottom", pads.bottom, kernel.0), ("pad left", pads.left, kernel.1),
                          ("pad right", pads.right, kernel.1)] where v >= k {
            throw fail(n, f, "= \(v) is not below the kernel (\(k))")
        }
    }
}
