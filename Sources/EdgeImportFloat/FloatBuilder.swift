import EdgeCore
import EdgeImport
import EdgeModel

/// How a float-graph node holds an imported tensor's value.
enum Held {
    /// An [H, W, C] tensor as the node's [C, H, W].
    case spatial
    /// A vector in the same element order as the imported tensor.
    case vector
    /// The CHW flatten of an NHWC [h, w, c] tensor whose imported (NHWC) flatten order differs.
    case flattened(h: Int, w: Int, c: Int)
}

/// The mapping state: float nodes and parameters so far, and which node holds each tensor.
struct FloatBuilder {
    let graph: ImportedGraph
    let path: String
    var inputShape: [Int] = []
    var nodes: [Node] = []
    var parameters: [[Tensor]] = []
    var notes: [String] = []
    /// Imported tensor index → (float node, layout).
    var holder: [Int: (node: Int, held: Held)] = [:]
    var names = Set<String>()

    init(graph: ImportedGraph, path: String) {
        self.graph = graph
        self.path = path
    }

    func fail(_ n: ImportedNode, _ field: String, _ why: String) -> EdgeError {
        let section = graph.format == .tflite ? "Model.subgraphs[0].operators[\(n.sourceIndex)] (\(n.sourceOp))"
                                              : "node \(n.sourceIndex) (\(n.sourceOp))"
        return .badModel(path: path, section: section, offset: -1, reason: "'\(n.name)': \(field) \(why); the float engine cannot run it")
    }

    /// A unique node name from the source name (at most 200 bytes, '#k' on repeats).
    mutating func uniqueName(_ base: String) -> String {
        var stem = base.isEmpty ? "node\(nodes.count)" : base
        while stem.utf8.count > 200 { stem.removeLast() }
        stem = String(stem.unicodeScalars.map { $0.properties.generalCategory == .control ? "_" : Character($0) })
        var name = stem, k = 1
        while names.contains(name) { k += 1; name = "\(stem)#\(k)" }
        names.insert(name)
        return name
    }

    /// Appends a node; returns its index.
    @discardableResult
    mutating func append(_ op: Op, _ inputs: [Int], name: String, params: [Tensor] = []) -> Int {
        nodes.append(Node(op, inputs, name: uniqueName(name)))
        parameters.append(params)
        return nodes.count - 1
    }

    /// The node holding tensor `t`, read by `n`.
    func source(_ t: Int, _ n: ImportedNode) throws -> (node: Int, held: Held) {
        guard let h = holder[t] else { throw fail(n, "input tensor \(t)", "is not produced by any mapped operator") }
        return h
    }

    /// A spatial input of `n` (conv, pool, pad, mean).
    func spatial(_ t: Int, _ n: ImportedNode) throws -> Int {
        let h = try source(t, n)
        guard case .spatial = h.held else { throw fail(n, "input tensor \(t)", "must be an [H, W, C] tensor") }
        return h.node
    }

    /// Appends the node for `a` after node `at` (nothing for `.none`); returns the last node.
    mutating func activation(_ a: Activation, after at: Int, name: String) -> Int {
        switch a {
        case .none: return at
        case .relu: return append(.relu, [at], name: name + "/relu")
        case .relu6: return append(.clip(lower: 0, upper: 6), [at], name: name + "/relu6")
        case .clip(let l, let u): return append(.clip(lower: l, upper: u), [at], name: name + "/clip")
        }
    }

    mutating func build() throws {
        let t = graph.tensors[graph.input]
        guard t.shape.count == 3, t.type == .float32 else {
            throw EdgeError.badModel(path: path, section: "\(graph.format.rawValue) input", offset: -1,
                                     reason: "input '\(t.name)' must be a float32 [H, W, C] image, is \(t.type.rawValue) \(t.shape)")
        }
        inputShape = [t.shape[2], t.shape[0], t.shape[1]]
        holder[graph.input] = (append(.input, [], name: t.name.isEmpty ? "input" : t.name), .spatial)
        for n in graph.nodes { try map(n) }
        guard let out = holder[graph.output] else {
            throw EdgeError.badModel(path: path, section: "\(graph.format.rawValue) output", offset: -1,
                                     reason: "the output tensor is not produced by any operator")
        }
        switch out.held {
        case .vector: break
        case .spatial, .flattened:
            throw EdgeError.badModel(path: path, section: "\(graph.format.rawValue) output", offset: -1,
                                     reason: "the output must be a vector of logits, is \(graph.tensors[graph.output].shape)")
        }
        // The logits must be the last node: append an alias-free copy only when needed.
        if out.node != nodes.count - 1 {
            throw EdgeError.badModel(path: path, section: "\(graph.format.rawValue) output", offset: -1,
                                     reason: "operators after the output tensor are not supported")
        }
    }
}
