import Foundation
import SwiftProtobuf

// ONNX (opsets 11–21, float32) onto the imported graph. Steps: cap the size, prescan the
// wire format (ONNXPrescan), decode with swift-protobuf (nesting depth capped), then map
// nodes in file order (ONNX requires topological order; an input used before it is
// written is refused). NCHW becomes NHWC here: activations are [H, W, C] per image,
// weights OIHW → OHWI, and a dense layer after a flatten of a C×H×W tensor gets its
// columns permuted from CHW to HWC order, so the engine never transposes at run time.

/// Reads ONNX ModelProto files into an `ImportedGraph`.
public enum ONNXImporter {
    /// Supported default-domain opsets.
    public static let opsets = 11...21

    /// Imports `bytes` (a whole .onnx file); `path` names it in errors.
    public static func importGraph(_ bytes: [UInt8], path: String) throws -> ImportedGraph {
        guard bytes.count <= ImportLimits.maxFileBytes else {
            throw ImportError(.fileTooLarge, path: path, location: "file", offset: 0,
                              "\(bytes.count) bytes exceeds the \(ImportLimits.maxFileBytes)-byte cap")
        }
        try ONNXPrescan(bytes: bytes, path: path).run()
        var options = BinaryDecodingOptions()
        options.messageDepthLimit = 16  // model → graph → node → attribute → tensor is 5 deep
        let model: Onnx_ModelProto
        do {
            model = try Onnx_ModelProto(serializedBytes: bytes, options: options)
        } catch {
            throw ImportError(.malformedProtobuf, path: path, location: "ModelProto", offset: -1, "protobuf decoding failed: \(error)")
        }
        var b = try ONNXBuilder(model: model, path: path)
        return try b.build()
    }
}

/// An activation value: its IR tensor, and for a vector made by flattening a C×H×W tensor
/// the (C, H, W) it came from (dense layers reading it permute their columns).
struct ONNXValue {
    var tensor: Int
    var chw: (c: Int, h: Int, w: Int)?
}

/// The mutable state of one ONNX import.
struct ONNXBuilder {
    let model: Onnx_ModelProto
    let path: String
    let opset: Int
    var constants: [String: ONNXConstant] = [:]
    var values: [String: ONNXValue] = [:]
    var tensors: [ImportedTensor] = []
    var nodes: [ImportedNode] = []
    var notes: [String] = []
    /// How many node inputs (and graph outputs) read each name: fusion needs a single reader.
    var uses: [String: Int] = [:]
    var outputName: String
    var softmaxDropped = false

    init(model: Onnx_ModelProto, path: String) throws {
        self.model = model
        self.path = path
        let ops = model.opsetImport.filter { $0.domain.isEmpty || $0.domain == "ai.onnx" }
        guard let v = ops.first?.version, ONNXImporter.opsets.contains(Int(clamping: v)) else {
            throw ImportError(.unsupportedAttribute, path: path, location: "ModelProto.opset_import", offset: -1,
                              "default-domain opset \(ops.first.map { String($0.version) } ?? "missing") (11...21 supported)")
        }
        opset = Int(v)
        let g = model.graph
        guard g.output.count == 1 else {
            throw ImportError(.badGraph, path: path, location: "GraphProto.output", offset: -1, "\(g.output.count) outputs (need 1)")
        }
        outputName = g.output[0].name
        for n in g.node { for i in n.input where !i.isEmpty { uses[i, default: 0] += 1 } }
        uses[outputName, default: 0] += 1
    }

    func fail(_ rule: ImportError.Rule, _ location: String, _ reason: String) -> ImportError {
        ImportError(rule, path: path, location: location, offset: -1, reason)
    }

    mutating func build() throws -> ImportedGraph {
        let g = model.graph
        var totalConstants = 0
        for t in g.initializer {
            let c = try ONNXValues.decode(t) { fail($0, "GraphProto.initializer '\(t.name)'", $1) }
            // Shared names would make "which one" ambiguous; refuse instead of picking.
            guard constants[t.name] == nil else {
                throw fail(.inconsistent, "GraphProto.initializer", "duplicate initializer '\(t.name)'")
            }
            totalConstants += c.floats?.count ?? c.ints?.count ?? 0
            guard totalConstants <= ImportLimits.maxTensorElements else {
                throw fail(.overflow, "GraphProto.initializer", "more than \(ImportLimits.maxTensorElements) constant elements in all")
            }
            constants[t.name] = c
        }
        let inputs = g.input.filter { constants[$0.name] == nil }
        guard inputs.count == 1 else {
            throw fail(.badGraph, "GraphProto.input", "\(inputs.count) non-constant inputs (need 1)")
        }
        try addInput(inputs[0])

        for (index, node) in g.node.enumerated() {
            try convert(node, index: index)
        }
        guard let out = values[outputName] else {
            throw fail(.badGraph, "GraphProto.output", "output '\(outputName)' is never written by a supported node")
        }
        guard !nodes.isEmpty else { throw fail(.badGraph, "GraphProto.node", "no operators") }
        return ImportedGraph(format: .onnx, precision: .float32, tensors: tensors, input: 0, output: out.tensor, nodes: nodes,
                             softmaxDropped: softmaxDropped, metadata: try ONNXMetadata.read(model, path: path), notes: notes)
    }

    /// The image input: float, [N, C, H, W] with N = 1 or symbolic.
    mutating func addInput(_ v: Onnx_ValueInfoProto) throws {
        let loc = "GraphProto.input '\(v.name)'"
        let tt = v.type.tensorType
        guard Int(tt.elemType) == Onnx_TensorProto.DataType.float.rawValue else {
            throw fail(.unsupportedType, loc, "input element type \(tt.elemType) (float32 only)")
        }
        let dims = tt.shape.dim
        guard dims.count == 4 else { throw fail(.badDimension, loc, "input of rank \(dims.count) (need [N, C, H, W])") }
        if case .dimValue(let n)? = dims[0].value, n != 1 {
            throw fail(.badDimension, loc, "batch dimension \(n) (need 1 or symbolic)")
        }
        var chw: [Int] = []
        for d in dims.dropFirst() {
            guard case .dimValue(let x)? = d.value, x > 0, x <= Int64(ImportLimits.maxDimension) else {
                throw fail(.badDimension, loc, "channel/height/width must be fixed and in 1...\(ImportLimits.maxDimension)")
            }
            chw.append(Int(x))
        }
        guard ShapeProduct.elements(chw) != nil else { throw fail(.overflow, loc, "input \(chw) too large") }
        tensors.append(ImportedTensor(name: v.name, shape: [chw[1], chw[2], chw[0]], type: .float32))
        values[v.name] = ONNXValue(tensor: 0, chw: nil)
    }

    // MARK: - Values

    func location(_ node: Onnx_NodeProto, _ index: Int) -> String {
        "GraphProto.node[\(index)] (\(node.opType)\(node.name.isEmpty ? "" : " '\(node.name)'"))"
    }

    func activation(_ node: Onnx_NodeProto, _ index: Int, _ slot: Int) throws -> ONNXValue {
        guard slot < node.input.count, !node.input[slot].isEmpty else {
            throw fail(.badGraph, location(node, index), "missing input \(slot)")
        }
        guard let v = values[node.input[slot]] else {
            let what = constants[node.input[slot]] != nil ? "a constant where an activation is needed"
                                                          : "used before it is written"
            throw fail(.badGraph, location(node, index), "input '\(node.input[slot])' is \(what)")
        }
        return v
    }

    func constant(_ node: Onnx_NodeProto, _ index: Int, _ slot: Int, what: String) throws -> ONNXConstant? {
        guard slot < node.input.count, !node.input[slot].isEmpty else { return nil }
        guard let c = constants[node.input[slot]] else {
            throw fail(.unsupportedAttribute, location(node, index), "\(what) '\(node.input[slot])' is not a constant")
        }
        return c
    }

    func attributes(_ node: Onnx_NodeProto, _ index: Int) -> ONNXAttributes {
        let loc = location(node, index)
        let p = path
        return ONNXAttributes(node) { rule, attr, reason in
            ImportError(rule, path: p, location: "\(loc).\(attr)", offset: -1, reason)
        }
    }

    /// Adds the node's output tensor (float32, `shape`) and the node.
    mutating func emit(_ node: Onnx_NodeProto, _ index: Int, _ op: ImportedOp, inputs: [Int], shape: [Int],
                       chw: (c: Int, h: Int, w: Int)? = nil) throws {
        guard let out = node.output.first, !out.isEmpty else { throw fail(.badGraph, location(node, index), "no output") }
        guard values[out] == nil, constants[out] == nil else {
            throw fail(.badGraph, location(node, index), "output '\(out)' written twice")
        }
        guard shape.allSatisfy({ $0 > 0 }), ShapeProduct.elements(shape) != nil else {
            throw fail(.badDimension, location(node, index), "output shape \(shape)")
        }
        tensors.append(ImportedTensor(name: out, shape: shape, type: .float32))
        values[out] = ONNXValue(tensor: tensors.count - 1, chw: chw)
        nodes.append(ImportedNode(name: out, op: op, inputs: inputs, output: tensors.count - 1, sourceIndex: index,
                                  sourceOp: node.opType))
    }

    /// Makes the node's output another name for an existing value (Identity, no-op reshape).
    mutating func alias(_ node: Onnx_NodeProto, _ index: Int, to v: ONNXValue) throws {
        guard let out = node.output.first, !out.isEmpty, values[out] == nil else {
            throw fail(.badGraph, location(node, index), "output missing or written twice")
        }
        values[out] = v
    }
}
