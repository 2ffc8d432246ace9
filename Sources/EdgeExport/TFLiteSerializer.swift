// TFLiteModelSpec → the bytes of a schema v3 .tflite file (file identifier "TFL3"). Field
// slots are those of tensorflow/compiler/mlir/lite/schema/schema.fbs (a union takes two
// slots: its type, then its value).

/// Writes a `TFLiteModelSpec` as a FlatBuffer.
public enum TFLiteSerializer {
    /// The file identifier of TFLite flatbuffers.
    public static let identifier: [UInt8] = Array("TFL3".utf8)

    /// The model's bytes; the same spec always gives the same bytes.
    public static func serialize(_ m: TFLiteModelSpec) -> [UInt8] {
        var b = FlatBufferBuilder()

        // Operator codes: one per distinct builtin, in order of first use.
        var codes: [Int32: Int] = [:], codeList: [(Int32, Int32)] = []
        for op in m.operators {
            if let i = codes[op.builtin] {
                codeList[i].1 = max(codeList[i].1, op.version)
            } else {
                codes[op.builtin] = codeList.count
                codeList.append((op.builtin, op.version))
            }
        }
        let opcodes = codeList.map { code, version -> FlatOffset in
            b.startTable()
            b.add(0, int8: Int8(min(code, 127)))   // deprecated_builtin_code
            b.add(2, int32: version)                 // version
            b.add(3, int32: code)                    // builtin_code
            return b.endTable()
        }

        let tensors = m.tensors.map { t -> FlatOffset in tensor(&b, t) }
        let operators = m.operators.map { op -> FlatOffset in
            let opts = options(&b, op.options)
            let ins = b.vector(op.inputs), outs = b.vector(op.outputs)
            b.startTable()
            b.add(0, uint32: UInt32(codes[op.builtin]!))   // opcode_index
            b.add(1, offset: ins)
            b.add(2, offset: outs)
            if let (type, table) = opts {
                b.add(3, uint8: type)                      // builtin_options_type
                b.add(4, offset: table)                    // builtin_options
            }
            return b.endTable()
        }

        let tv = b.vector(offsets: tensors), iv = b.vector(m.inputs), ov = b.vector(m.outputs), opv = b.vector(offsets: operators)
        let name = b.string("main")
        b.startTable()
        b.add(0, offset: tv); b.add(1, offset: iv); b.add(2, offset: ov); b.add(3, offset: opv); b.add(4, offset: name)
        let subgraph = b.endTable()

        let buffers = m.buffers.map { data -> FlatOffset in
            let d = data.isEmpty ? nil : b.vector(bytes: data, alignment: 16)
            b.startTable()
            if let d { b.add(0, offset: d) }
            return b.endTable()
        }

        let codesV = b.vector(offsets: opcodes), subV = b.vector(offsets: [subgraph]), bufV = b.vector(offsets: buffers)
        let desc = b.string(m.description)
        b.startTable()
        b.add(0, uint32: 3)            // version
        b.add(1, offset: codesV)       // operator_codes
        b.add(2, offset: subV)         // subgraphs
        b.add(3, offset: desc)         // description
        b.add(4, offset: bufV)         // buffers
        let model = b.endTable()
        return b.finish(root: model, identifier: identifier)
    }

    /// A Tensor table (with its QuantizationParameters when it has scales).
    static func tensor(_ b: inout FlatBufferBuilder, _ t: TFLiteTensorSpec) -> FlatOffset {
        var quant: FlatOffset?
        if !t.scales.isEmpty {
            let s = b.vector(t.scales), z = b.vector(t.zeroPoints)
            b.startTable()
            b.add(2, offset: s)                               // scale
            b.add(3, offset: z)                               // zero_point
            if t.quantizedDimension != 0 { b.add(6, int32: t.quantizedDimension) }
            quant = b.endTable()
        }
        let shape = b.vector(t.shape), name = b.string(t.name)
        b.startTable()
        b.add(0, offset: shape)                               // shape
        b.add(1, int8: t.type)                                // type
        b.add(2, uint32: t.buffer)                            // buffer
        b.add(3, offset: name)                                // name
        if let quant { b.add(4, offset: quant) }              // quantization
        return b.endTable()
    }

    /// The options table and its union type tag (nil for none).
    static func options(_ b: inout FlatBufferBuilder, _ o: TFLiteOptions) -> (UInt8, FlatOffset)? {
        switch o {
        case let .conv(p, sw, sh, act):
            b.startTable()
            b.add(0, int8: p.rawValue); b.add(1, int32: sw); b.add(2, int32: sh); b.add(3, int8: act.rawValue)
            b.add(4, int32: 1); b.add(5, int32: 1)        // dilation
            return (1, b.endTable())
        case let .depthwise(p, sw, sh, mult, act):
            b.startTable()
            b.add(0, int8: p.rawValue); b.add(1, int32: sw); b.add(2, int32: sh); b.add(3, int32: mult)
            b.add(4, int8: act.rawValue); b.add(5, int32: 1); b.add(6, int32: 1)
            return (2, b.endTable())
        case let .pool(p, sw, sh, fw, fh, act):
            b.startTable()
            b.add(0, int8: p.rawValue); b.add(1, int32: sw); b.add(2, int32: sh); b.add(3, int32: fw); b.add(4, int32: fh)
            b.add(5, int8: act.rawValue)
            return (5, b.endTable())
        case let .fullyConnected(act):
            b.startTable()
            b.add(0, int8: act.rawValue)
            return (8, b.endTable())
        case let .add(act):
            b.startTable()
            b.add(0, int8: act.rawValue)
            return (11, b.endTable())
        case let .reshape(shape):
            let v = b.vector(shape)
            b.startTable()
            b.add(0, offset: v)
            return (17, b.endTable())
        case .pad:
            b.startTable()
            return (22, b.endTable())
        case let .reducer(keep):
            b.startTable()
            b.add(0, uint8: keep ? 1 : 0)
            return (27, b.endTable())
        case .none:
            return nil
        }
    }
}
