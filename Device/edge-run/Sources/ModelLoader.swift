/// Loads the int8 network from a model.bin with the host loader's rules:
/// - header, table and CRCs: `ModelSections` (restating `ModelFile.sections`); a section
///   flagged required that the host does not know is refused (`ModelFile.decode`, restated);
/// - GRPH: decoded here by the byte rules of `ModelFile.decodeGraph` (restated), then
///   checked by the host's own `Graph.shapes` (Sources/EdgeModel/Graph.swift, compiled in);
/// - FWTS: walked by the rules of `ModelFile.decodeWeights` and `Model.validate` (restated:
///   ranks, dimensions against the graph, byte counts, finite values, variances ≥ 0)
///   without keeping the floats;
/// - META: must be present; its JSON is not parsed (no JSON decoder in Embedded Swift), so
///   the class-name count is not checked against the logits — the one host rule not applied;
/// - QNET: the host's own `QuantizedGraph.decode`, `validate` and `crossCheck` against the
///   float graph (compiled in), then `QuantizedModelFile.decode`'s logits check (against
///   GRPH's output, which `Model.validate` has equated with the class-name count).
enum ModelLoader {
    /// Section tags.
    static let graphTag = "GRPH", weightsTag = "FWTS", metadataTag = "META"
    /// ModelFile's `flagRequired`: a reader that does not know such a section must refuse the file.
    static let flagRequired: UInt32 = 1

    /// What the runner needs from a model file.
    struct Loaded {
        /// The validated int8 network.
        let net: QuantizedGraph
        /// Input [C, H, W] from GRPH.
        let inputShape: [Int]
    }

    /// Decodes and validates `bytes` (the whole file named `path`); `verifyChecksums: false`
    /// is for the differential fuzzer only.
    static func load(_ bytes: [UInt8], path: String, verifyChecksums: Bool = true) throws(EdgeError) -> Loaded {
        let entries = try ModelSections.read(bytes, path: path, verifyChecksums: verifyChecksums)
        func required(_ tag: String) throws(EdgeError) -> (bytes: [UInt8], offset: Int) {
            guard let p = ModelSections.payload(tag, entries, bytes) else {
                throw EdgeError.badModel(path: path, section: tag, offset: 0, reason: "required section is missing")
            }
            return p
        }
        // ModelFile.decode: the sections it knows, plus QNET (`understood` by QuantizedModelFile).
        for e in entries where e.flags & flagRequired != 0 {
            let t = e.tag.utf8
            if t.elementsEqual(graphTag.utf8) || t.elementsEqual(weightsTag.utf8) || t.elementsEqual(metadataTag.utf8)
                || t.elementsEqual(QuantizedGraph.tag.utf8) { continue }
            throw EdgeError.badModel(path: path, section: e.tag, offset: e.offset,
                                     reason: "section '\(e.tag)' is flagged required but this version of edge-audit does not know it; upgrade edge-audit")
        }
        let (gb, go) = try required(graphTag)
        let graph = try decodeGraph(gb, path: path, base: go)
        let shapes = try graph.shapes(path: path)
        let (wb, wo) = try required(weightsTag)
        try checkWeights(wb, graph: graph, shapes: shapes, path: path, base: wo)
        _ = try required(metadataTag)
        guard let (qb, qo) = ModelSections.payload(QuantizedGraph.tag, entries, bytes) else {
            // The host's wording and exit code (a usage error, 2) for `predict --net int8`.
            throw EdgeError.usage("\(path) has no int8 network; run 'edge-audit quantize' first")
        }
        let q = try QuantizedGraph.decode(qb, path: path, base: qo)
        try q.validate(path: path, inputShape: graph.inputShape, offset: qo)
        try q.crossCheck(against: graph, path: path, offset: qo)
        // The host compares with the class-name count, which Model.validate has already
        // equated with GRPH's logits; GRPH's logits are what the runner can see.
        guard let logits = shapes.last, logits.count == 1, let last = q.nodes.last, last.shape.count == 1, last.shape[0] == logits[0] else {
            throw EdgeError.badModel(path: path, section: QuantizedGraph.tag, offset: qo, reason: "int8 logits do not match the class count")
        }
        return Loaded(net: q, inputShape: graph.inputShape)
    }

    /// The GRPH payload, byte rules of `ModelFile.decodeGraph`.
    static func decodeGraph(_ b: [UInt8], path: String, base: Int) throws(EdgeError) -> Graph {
        var r = ByteReader(b, path: path, section: graphTag, base: base)
        let lim = Graph.Limits.maxChannels
        let input = [try r.count("input channels", max: lim), try r.count("input height", max: lim), try r.count("input width", max: lim)]
        let count = try r.count("node count", max: Graph.Limits.maxNodes)
        var nodes: [Node] = []
        for i in 0..<count {
            let code = try r.u8("node \(i) op")
            let nin = Int(try r.u8("node \(i) input count"))
            guard nin <= 2 else { throw r.fail("node \(i) has \(nin) inputs; at most 2") }
            var ins: [Int] = []
            for _ in 0..<nin { ins.append(try r.count("node \(i) input", max: Graph.Limits.maxNodes)) }
            let op: Op
            switch code {
            case 0: op = .input
            case 1:
                op = .conv2d(outChannels: try r.count("out channels", max: lim), kernel: try r.count("kernel", max: Graph.Limits.maxKernel),
                             stride: try r.count("stride", max: Graph.Limits.maxKernel), padding: try r.count("padding", max: Graph.Limits.maxKernel))
            case 2: op = .dense(outFeatures: try r.count("out features", max: lim))
            case 3: op = .relu
            case 4: op = .maxPool(kernel: try r.count("kernel", max: Graph.Limits.maxKernel), stride: try r.count("stride", max: Graph.Limits.maxKernel))
            case 5: op = .avgPool(kernel: try r.count("kernel", max: Graph.Limits.maxKernel), stride: try r.count("stride", max: Graph.Limits.maxKernel))
            case 6: op = .globalAvgPool
            case 7: op = .flatten
            case 8: op = .batchNorm(epsilon: try r.f32("epsilon"))
            case 9: op = .add
            case 10...13: op = try Op.decodeImported(code, &r)   // the host's rule (LayerSpecs.swift)
            default: throw r.fail("node \(i) has unknown op code \(code)")
            }
            let name = try r.string("node \(i) name", max: 256)
            nodes.append(Node(op, ins, name: name))
        }
        guard r.remaining == 0 else { throw r.fail("\(r.remaining) trailing bytes after the last node") }
        return Graph(inputShape: input, nodes: nodes)
    }

    /// The FWTS payload: `ModelFile.decodeWeights`' structure checks and `Model.validate`'s
    /// value checks, reading the floats in place instead of keeping them.
    static func checkWeights(_ b: [UInt8], graph: Graph, shapes: [[Int]], path: String, base: Int) throws(EdgeError) {
        var r = ByteReader(b, path: path, section: weightsTag, base: base)
        var valueError: EdgeError? = nil
        for i in graph.nodes.indices {
            let names = graph.parameterNames(i)
            for (j, want) in graph.parameterShapes(i, shapes: shapes).enumerated() {
                let what = "\(graph.nodes[i].name).\(names[j])"
                let rank = try r.count("\(what) rank", max: 4)
                var dims: [Int] = []
                for _ in 0..<rank { dims.append(try r.count("\(what) dimension", max: Graph.Limits.maxParameters)) }
                guard dims == want else { throw r.fail("\(what) has shape \(dims), the graph needs \(want)") }
                let n = ShapeMath.product(dims) ?? 0
                guard n >= 0, n <= r.remaining / 4 else { throw r.fail("\(what) needs \(n) floats, only \(r.remaining) bytes remain") }
                let values = try r.take(4 * n, what: what)
                // The host reports value errors only after the whole section parsed (in
                // Model.validate), so a structural error later in the payload wins.
                if valueError == nil {
                    var k = values.startIndex
                    let isVariance: Bool
                    if case .batchNorm = graph.nodes[i].op { isVariance = j == 3 } else { isVariance = false }
                    while k < values.endIndex {
                        let bits = UInt32(values[k]) | UInt32(values[k + 1]) << 8 | UInt32(values[k + 2]) << 16 | UInt32(values[k + 3]) << 24
                        let x = Float(bitPattern: bits)
                        if !x.isFinite {
                            valueError = EdgeError.badModel(path: path, section: "float-weights", offset: 0, reason: "node \(graph.nodes[i].name): non-finite parameter")
                            break
                        }
                        if isVariance && x < 0 {
                            valueError = EdgeError.badModel(path: path, section: "float-weights", offset: 0, reason: "node \(graph.nodes[i].name): negative running variance")
                            break
                        }
                        k += 4
                    }
                }
            }
        }
        guard r.remaining == 0 else { throw r.fail("\(r.remaining) trailing bytes after the last tensor") }
        if let valueError { throw valueError }
    }
}
