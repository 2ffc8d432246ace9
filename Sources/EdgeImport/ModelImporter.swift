/// The one entry point: detects the format from the bytes and runs the matching importer.
public enum ModelImporter {
    /// Imports a TFLite or ONNX file. model.bin is not imported here (EdgeModel reads it):
    /// for it, and for unknown bytes, the error says what was recognised.
    public static func importGraph(_ bytes: [UInt8], path: String) throws -> ImportedGraph {
        guard bytes.count <= ImportLimits.maxFileBytes else {
            throw ImportError(.fileTooLarge, path: path, location: "file", offset: 0,
                              "\(bytes.count) bytes exceeds the \(ImportLimits.maxFileBytes)-byte cap")
        }
        switch ModelFormat.detect(bytes) {
        case .tflite?: return try TFLiteImporter.importGraph(bytes, path: path)
        case .onnx?: return try ONNXImporter.importGraph(bytes, path: path)
        case .edgeModel?:
            throw ImportError(.badIdentifier, path: path, location: "file", offset: 0,
                              "an edge-audit model.bin: read it with EdgeModel, not the importer")
        case nil:
            throw ImportError(.badIdentifier, path: path, location: "file", offset: 0,
                              "neither a TFLite flatbuffer (TFL3), an ONNX ModelProto nor an edge-audit model.bin")
        }
    }
}
