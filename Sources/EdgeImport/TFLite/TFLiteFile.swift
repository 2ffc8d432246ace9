// Step 1 of the TFLite import: the flatbuffer decoded into plain structs (subgraph 0 only,
// constants left in place as byte ranges), with every count capped and every index
// checked. Step 2 (TFLiteImporter) gives the structs their meaning.

/// A TFLite tensor as the file declares it.
struct TFLiteTensor {
    var shape: [Int]
    var type: Int8
    var buffer: Int
    var name: String
    var scales: [Float]
    var zeroPoints: [Int64]
    var quantizedDimension: Int
    var location: String
    var offset: Int
}

/// A TFLite operator as the file declares it (options left as a table to read per op).
struct TFLiteOperator {
    var code: Int32
    var customName: String?
    var inputs: [Int]
    var outputs: [Int]
    var optionsType: UInt8
    var options: FlatTable?
    var location: String
    var offset: Int
}

/// The parts of a TFLite model the importer reads.
struct TFLiteFile {
    var version: UInt32
    var description: String?
    /// Byte ranges of each buffer's data inside the file (start, count); empty for none.
    var buffers: [Range<Int>]
    var tensors: [TFLiteTensor]
    var operators: [TFLiteOperator]
    var inputs: [Int]
    var outputs: [Int]
    var subgraphCount: Int
    /// (name, buffer index) of each metadata entry.
    var metadata: [(name: String, buffer: Int)]
    let reader: FlatBufferReader

    /// Decodes and validates the structure of `bytes`.
    ///
    /// The sections are read in file-schema order (header, operator codes, buffers,
    /// metadata, subgraph 0) because the hostile-file tests expect the first failing
    /// check in that order to be the one reported.
    init(_ bytes: [UInt8], path: String) throws {
        guard bytes.count <= ImportLimits.maxFileBytes else {
            throw ImportError(.fileTooLarge, path: path, location: "file", offset: 0,
                              "\(bytes.count) bytes exceeds the \(ImportLimits.maxFileBytes)-byte cap")
        }
        let r = FlatBufferReader(bytes, path: path)
        reader = r
        let model = try r.root(identifier: ModelFormat.tfliteIdentifier, location: "Model")
        typealias M = TFLiteSchema.Model
        version = try model.u32(M.version, "version")
        guard version == 3 else {
            throw r.fail(.unsupportedAttribute, "Model.version", model.position, "schema version \(version), expected 3")
        }
        description = try model.string(M.description, "description")
        let codes = try Self.operatorCodes(model)
        buffers = try Self.buffers(model)
        metadata = try Self.metadata(model, bufferCount: buffers.count)

        guard let subs = try model.vector(M.subgraphs, "subgraphs", elementSize: 4, maxCount: ImportLimits.maxSubgraphs),
              subs.count > 0 else {
            throw r.fail(.badGraph, "Model.subgraphs", model.position, "the model has no subgraph")
        }
        subgraphCount = subs.count
        let sg = try subs.table(0)
        typealias S = TFLiteSchema.SubGraph
        tensors = try Self.tensors(sg, bufferCount: buffers.count)
        let tensorCount = tensors.count
        inputs = try Self.indices(sg, S.inputs, "inputs", allowOptional: false, tensorCount: tensorCount)
        outputs = try Self.indices(sg, S.outputs, "outputs", allowOptional: false, tensorCount: tensorCount)
        operators = try Self.operators(sg, codes: codes, tensorCount: tensorCount)
    }

    /// The operator-code table as (builtin code, custom name) pairs, indexed by opcode_index.
    private static func operatorCodes(_ model: FlatTable) throws -> [(Int32, String?)] {
        typealias M = TFLiteSchema.Model
        // Operator codes: builtin_code (int32) supersedes deprecated_builtin_code (byte);
        // readers take the larger, as TFLite's GetBuiltinCode does.
        var codes: [(Int32, String?)] = []
        if let v = try model.vector(M.operatorCodes, "operator_codes", elementSize: 4, maxCount: ImportLimits.maxOperatorCodes) {
            for i in 0..<v.count {
                let t = try v.table(i)
                typealias C = TFLiteSchema.OperatorCode
                let dep = Int32(try t.i8(C.deprecatedBuiltinCode, "deprecated_builtin_code"))
                let code = max(dep, try t.i32(C.builtinCode, "builtin_code"))
                codes.append((code, try t.string(C.customCode, "custom_code")))
            }
        }
        return codes
    }

    /// Each buffer's data as a byte range of the file (empty for none); buffers stored
    /// outside the flatbuffer are refused because only the in-memory bytes are bounded.
    private static func buffers(_ model: FlatTable) throws -> [Range<Int>] {
        typealias M = TFLiteSchema.Model
        let r = model.reader
        var buffers: [Range<Int>] = []
        if let v = try model.vector(M.buffers, "buffers", elementSize: 4, maxCount: ImportLimits.maxBuffers) {
            for i in 0..<v.count {
                let t = try v.table(i)
                typealias B = TFLiteSchema.Buffer
                let off = try t.u64(B.offset, "offset"), size = try t.u64(B.size, "size")
                if off > 1 || size > 0 {
                    throw r.fail(.externalData, t.location, t.position,
                                 "buffer stored outside the flatbuffer (offset \(off), size \(size)) is not supported")
                }
                if let d = try t.vector(B.data, "data", elementSize: 1, maxCount: ImportLimits.maxFileBytes) {
                    buffers.append(d.start..<(d.start + d.count))
                } else {
                    buffers.append(0..<0)
                }
            }
        }
        return buffers
    }

    /// The (name, buffer index) metadata entries, each buffer index checked against `bufferCount`.
    private static func metadata(_ model: FlatTable, bufferCount: Int) throws -> [(name: String, buffer: Int)] {
        typealias M = TFLiteSchema.Model
        let r = model.reader
        var metadata: [(name: String, buffer: Int)] = []
        if let v = try model.vector(M.metadata, "metadata", elementSize: 4, maxCount: ImportLimits.maxMetadata) {
            for i in 0..<v.count {
                let t = try v.table(i)
                let name = try t.string(TFLiteSchema.Metadata.name, "name") ?? ""
                let b = Int(try t.u32(TFLiteSchema.Metadata.buffer, "buffer"))
                guard b < bufferCount else {
                    throw r.fail(.badIndex, "\(t.location).buffer", t.position, "buffer \(b) of \(bufferCount)")
                }
                metadata.append((name, b))
            }
        }
        return metadata
    }

    /// The subgraph's tensors, each decoded and checked by `tensor(_:bufferCount:)`.
    private static func tensors(_ sg: FlatTable, bufferCount: Int) throws -> [TFLiteTensor] {
        typealias S = TFLiteSchema.SubGraph
        var tens: [TFLiteTensor] = []
        if let v = try sg.vector(S.tensors, "tensors", elementSize: 4, maxCount: ImportLimits.maxTensors) {
            for i in 0..<v.count {
                tens.append(try tensor(try v.table(i), bufferCount: bufferCount))
            }
        }
        return tens
    }

    /// A vector of tensor indices (absent means none), each in 0..<tensorCount; -1 is
    /// accepted only where `allowOptional`, since TFLite marks omitted operator inputs so.
    private static func indices(_ t: FlatTable, _ slot: Int, _ name: String, allowOptional: Bool,
                                tensorCount: Int) throws -> [Int] {
        let r = t.reader
        guard let v = try t.vector(slot, name, elementSize: 4, maxCount: ImportLimits.maxOperatorArity) else { return [] }
        return try v.int32s().enumerated().map { k, x in
            guard (allowOptional && x == -1) || (x >= 0 && Int(x) < tensorCount) else {
                throw r.fail(.badIndex, "\(v.location)[\(k)]", v.start + 4 * k, "tensor index \(x) of \(tensorCount)")
            }
            return Int(x)
        }
    }

    /// The subgraph's operators, opcode index and tensor indices checked; options are kept
    /// as a table because their layout depends on the op and is read by the importer.
    private static func operators(_ sg: FlatTable, codes: [(Int32, String?)], tensorCount: Int) throws -> [TFLiteOperator] {
        typealias S = TFLiteSchema.SubGraph
        let r = sg.reader
        var ops: [TFLiteOperator] = []
        if let v = try sg.vector(S.operators, "operators", elementSize: 4, maxCount: ImportLimits.maxOperators) {
            for i in 0..<v.count {
                let t = try v.table(i)
                typealias O = TFLiteSchema.Operator
                let oc = Int(try t.u32(O.opcodeIndex, "opcode_index"))
                guard oc < codes.count else {
                    throw r.fail(.badIndex, "\(t.location).opcode_index", t.position, "opcode \(oc) of \(codes.count)")
                }
                let ins = try indices(t, O.inputs, "inputs", allowOptional: true, tensorCount: tensorCount)
                let outs = try indices(t, O.outputs, "outputs", allowOptional: false, tensorCount: tensorCount)
                let type = try t.u8(O.builtinOptionsType, "builtin_options_type")
                ops.append(TFLiteOperator(code: codes[oc].0, customName: codes[oc].1, inputs: ins, outputs: outs,
                                          optionsType: type, options: try t.table(O.builtinOptions, "builtin_options"),
                                          location: t.location, offset: t.position))
            }
        }
        return ops
    }

    /// One tensor: shape dims non-negative and capped, buffer index valid, quantisation
    /// vectors capped and of equal length, no sparsity or external buffer.
    private static func tensor(_ t: FlatTable, bufferCount: Int) throws -> TFLiteTensor {
        typealias T = TFLiteSchema.Tensor
        let r = t.reader
        var shape: [Int] = []
        if let v = try t.vector(T.shape, "shape", elementSize: 4, maxCount: ImportLimits.maxRank) {
            for (k, d) in try v.int32s().enumerated() {
                guard d >= 0, d <= ImportLimits.maxDimension else {
                    throw r.fail(.badDimension, "\(v.location)[\(k)]", v.start + 4 * k,
                                 "dimension \(d) outside 0...\(ImportLimits.maxDimension)")
                }
                shape.append(Int(d))
            }
        }
        guard ShapeProduct.elements(shape) != nil else {
            throw r.fail(.overflow, "\(t.location).shape", t.position,
                         "shape \(shape) has more than \(ImportLimits.maxTensorElements) elements")
        }
        let buffer = Int(try t.u32(T.buffer, "buffer"))
        guard buffer < max(bufferCount, 1) else {
            throw r.fail(.badIndex, "\(t.location).buffer", t.position, "buffer \(buffer) of \(bufferCount)")
        }
        if try t.table(T.sparsity, "sparsity") != nil {
            throw r.fail(.unsupportedAttribute, "\(t.location).sparsity", t.position, "sparse tensors are not supported")
        }
        if try t.u32(T.externalBuffer, "external_buffer") != 0 {
            throw r.fail(.externalData, "\(t.location).external_buffer", t.position, "external buffers are not supported")
        }
        var scales: [Float] = [], zps: [Int64] = [], qdim = 0
        if let q = try t.table(T.quantization, "quantization") {
            typealias Q = TFLiteSchema.Quantization
            if try q.u8(Q.detailsType, "details_type") != 0 {
                throw r.fail(.unsupportedAttribute, "\(q.location).details", q.position,
                             "custom/blockwise quantisation details are not supported")
            }
            scales = try q.vector(Q.scale, "scale", elementSize: 4, maxCount: ImportLimits.maxQuantChannels)?.floats() ?? []
            zps = try q.vector(Q.zeroPoint, "zero_point", elementSize: 8, maxCount: ImportLimits.maxQuantChannels)?.int64s() ?? []
            qdim = Int(try q.i32(Q.quantizedDimension, "quantized_dimension"))
            guard scales.count == zps.count || zps.isEmpty else {
                throw r.fail(.inconsistent, q.location, q.position, "\(scales.count) scales but \(zps.count) zero points")
            }
            if zps.isEmpty { zps = Array(repeating: 0, count: scales.count) }
        }
        return TFLiteTensor(shape: shape, type: try t.i8(T.type, "type"), buffer: buffer,
                            name: try t.string(T.name, "name") ?? "", scales: scales, zeroPoints: zps,
                            quantizedDimension: qdim, location: t.location, offset: t.position)
    }
}

/// Checked element counts.
enum ShapeProduct {
    /// The product of `dims`, or nil when it overflows or exceeds `ImportLimits.maxTensorElements`.
    static func elements(_ dims: [Int]) -> Int? {
        var p = 1
        for d in dims {
            guard d >= 0 else { return nil }
            let (m, o) = p.multipliedReportingOverflow(by: d)
            guard !o, m <= ImportLimits.maxTensorElements else { return nil }
            p = m
        }
        return p
    }
}
