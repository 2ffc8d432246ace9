// A walk over the protobuf wire format before swift-protobuf decodes anything: a two-byte
// empty sub-message becomes a struct of a hundred bytes or more once decoded, so a file of
// repeated empty nodes would multiply memory. Counting the sub-messages first, against the
// caps, keeps decoding proportional to the file. It also refuses, by field number, what the
// importer never supports (graph-valued attributes, local functions, sparse initializers),
// so their contents are never decoded at all. The walk is iterative and only three levels
// deep (model → graph → node → attribute), following ModelProto's schema, not the file.

/// Field-count checks on a serialized ONNX ModelProto.
struct ONNXPrescan {
    let bytes: [UInt8]
    let path: String

    /// Attributes on one node.
    static let maxAttributes = 64
    /// value_info entries in a graph (one per intermediate tensor at most, usually).
    static let maxValueInfo = 4 * ImportLimits.maxOperators

    func fail(_ rule: ImportError.Rule, _ location: String, _ offset: Int, _ reason: String) -> ImportError {
        ImportError(rule, path: path, location: location, offset: offset, reason)
    }

    /// Calls `body(field number, wire type, payload range)` for each field in `range`.
    func fields(_ range: Range<Int>, _ location: String, _ body: (Int, Int, Range<Int>) throws -> Void) throws {
        var at = range.lowerBound
        func varint() throws -> UInt64 {
            var v: UInt64 = 0
            for shift in stride(from: 0, to: 64, by: 7) {
                guard at < range.upperBound else { throw fail(.malformedProtobuf, location, at, "truncated varint") }
                let b = bytes[at]
                at += 1
                v |= UInt64(b & 0x7f) << UInt64(shift)
                if b & 0x80 == 0 { return v }
            }
            throw fail(.malformedProtobuf, location, at, "varint longer than 10 bytes")
        }
        while at < range.upperBound {
            let start = at
            let tag = try varint()
            let number = Int(truncatingIfNeeded: tag >> 3), wire = Int(tag & 7)
            let payload: Range<Int>
            switch wire {
            case 0: _ = try varint(); payload = start..<at
            case 1, 5:
                let n = wire == 1 ? 8 : 4
                guard n <= range.upperBound - at else {
                    throw fail(.malformedProtobuf, location, at, "truncated fixed field")
                }
                payload = at..<(at + n)
                at += n
            case 2:
                let len = try varint()
                guard len <= UInt64(range.upperBound - at) else {
                    throw fail(.malformedProtobuf, location, at, "field \(number) of \(len) bytes runs past its message")
                }
                payload = at..<(at + Int(len))
                at += Int(len)
            default:
                throw fail(.malformedProtobuf, location, start, "wire type \(wire) (groups are not used by ONNX)")
            }
            try body(number, wire, payload)
        }
    }

    /// Checks the model; throws on the first cap exceeded or unsupported structure.
    func run() throws {
        var graphs = 0, props = 0
        try fields(0..<bytes.count, "ModelProto") { number, wire, payload in
            switch (number, wire) {
            case (7, 2):
                graphs += 1
                try graph(payload)
            case (14, 2):
                props += 1
                guard props <= ImportLimits.maxMetadata else {
                    throw fail(.limitExceeded, "ModelProto.metadata_props", payload.lowerBound, "more than \(ImportLimits.maxMetadata) entries")
                }
            case (8, 2) where payload.count > 4096:
                throw fail(.limitExceeded, "ModelProto.opset_import", payload.lowerBound, "opset entry of \(payload.count) bytes")
            case (20, _):
                throw fail(.unsupportedAttribute, "ModelProto.training_info", payload.lowerBound, "training information is not supported")
            case (25, _):
                throw fail(.unsupportedAttribute, "ModelProto.functions", payload.lowerBound, "model-local functions are not supported")
            default: break
            }
        }
        guard graphs == 1 else { throw fail(.badGraph, "ModelProto.graph", 0, "\(graphs) graphs (need exactly 1)") }
    }

    func graph(_ range: Range<Int>) throws {
        var nodes = 0, inits = 0, infos = 0
        try fields(range, "GraphProto") { number, wire, payload in
            guard wire == 2 else { return }
            switch number {
            case 1:
                nodes += 1
                guard nodes <= ImportLimits.maxOperators else {
                    throw fail(.limitExceeded, "GraphProto.node", payload.lowerBound, "more than \(ImportLimits.maxOperators) nodes")
                }
                try node(payload, index: nodes - 1)
            case 5:
                inits += 1
                guard inits <= ImportLimits.maxBuffers else {
                    throw fail(.limitExceeded, "GraphProto.initializer", payload.lowerBound, "more than \(ImportLimits.maxBuffers) initializers")
                }
            case 15:
                throw fail(.unsupportedAttribute, "GraphProto.sparse_initializer", payload.lowerBound, "sparse initializers are not supported")
            case 11, 12, 13, 14, 16:
                infos += 1
                guard infos <= Self.maxValueInfo else {
                    throw fail(.limitExceeded, "GraphProto.value_info", payload.lowerBound, "more than \(Self.maxValueInfo) inputs/outputs/value_info")
                }
            default: break
            }
        }
    }

    func node(_ range: Range<Int>, index: Int) throws {
        var attributes = 0, inputs = 0, outputs = 0
        let loc = "GraphProto.node[\(index)]"
        try fields(range, loc) { number, wire, payload in
            guard wire == 2 else { return }
            switch number {
            case 1, 2:
                if number == 1 { inputs += 1 } else { outputs += 1 }
                guard inputs <= ImportLimits.maxOperatorArity, outputs <= ImportLimits.maxOperatorArity else {
                    throw fail(.limitExceeded, loc, payload.lowerBound,
                        "more than \(ImportLimits.maxOperatorArity) inputs or outputs")
                }
            case 5:
                attributes += 1
                guard attributes <= Self.maxAttributes else {
                    throw fail(.limitExceeded, "\(loc).attribute", payload.lowerBound, "more than \(Self.maxAttributes) attributes")
                }
                try fields(payload, "\(loc).attribute") { n, _, p in
                    // g (6), graphs (11): sub-graphs of If/Loop/Scan, which are not supported.
                    if n == 6 || n == 11 {
                        throw fail(.unsupportedOperator, "\(loc).attribute", p.lowerBound, "graph-valued attributes (If/Loop/Scan) are not supported")
                    }
                    // sparse tensors (22, 23) and type protos (14, 15) are never needed here.
                    if n == 22 || n == 23 || n == 14 || n == 15 {
                        throw fail(.unsupportedAttribute, "\(loc).attribute", p.lowerBound, "attribute field \(n) is not supported")
                    }
                }
            default: break
            }
        }
    }
}
