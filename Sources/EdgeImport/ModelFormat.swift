/// The model file formats edge-audit reads, told apart by content, never by file name.
public enum ModelFormat: String, Equatable, Sendable {
    /// edge-audit's own model.bin (magic `EDGEMODL` at byte 0).
    case edgeModel
    /// TensorFlow Lite flatbuffer (file identifier `TFL3` at bytes 4..<8).
    case tflite
    /// ONNX ModelProto (protobuf whose top-level fields are ModelProto's).
    case onnx

    /// model.bin's magic, as Sources/EdgeModel/ModelFile.swift writes it.
    static let edgeMagic: [UInt8] = Array("EDGEMODL".utf8)
    /// The TFLite schema's `file_identifier`.
    static let tfliteIdentifier: [UInt8] = Array("TFL3".utf8)

    /// The format of `bytes`, or nil when it is none of them.
    public static func detect(_ bytes: [UInt8]) -> ModelFormat? {
        if bytes.count >= 8, Array(bytes[0..<8]) == edgeMagic { return .edgeModel }
        if bytes.count >= 8, Array(bytes[4..<8]) == tfliteIdentifier { return .tflite }
        if looksLikeONNX(bytes) { return .onnx }
        return nil
    }

    /// ModelProto field numbers and their wire types (0 varint, 2 length-delimited).
    private static let onnxFields: [UInt64: UInt64] = [
        1: 0,   // ir_version
        2: 2, 3: 2, 4: 2,  // producer_name, producer_version, domain
        5: 0,   // model_version
        6: 2, 7: 2, 8: 2,  // doc_string, graph, opset_import
        14: 2, 20: 2, 25: 2, 26: 2,  // metadata_props, training_info, functions, configuration
    ]

    /// Walks the top-level protobuf fields (skipping each length-delimited body, so this
    /// costs a few reads even for a large file): ONNX when every field is one of
    /// ModelProto's with its wire type, the lengths fit, and ir_version or graph is present.
    static func looksLikeONNX(_ bytes: [UInt8]) -> Bool {
        var at = 0, fields = 0, sawKey = false
        func varint() -> UInt64? {
            var v: UInt64 = 0
            for shift in stride(from: 0, to: 64, by: 7) {
                guard at < bytes.count else { return nil }
                let b = bytes[at]
                at += 1
                v |= UInt64(b & 0x7f) << UInt64(shift)
                if b & 0x80 == 0 { return v }
            }
            return nil
        }
        while at < bytes.count, fields < 64 {
            guard let tag = varint() else { return false }
            let number = tag >> 3, wire = tag & 7
            guard let expected = onnxFields[number], expected == wire else { return false }
            if number == 1 || number == 7 { sawKey = true }
            if wire == 0 {
                guard varint() != nil else { return false }
            } else {
                guard let len = varint(), len <= UInt64(bytes.count - at) else { return false }
                at += Int(len)
            }
            fields += 1
        }
        return sawKey && fields > 0
    }
}
