// TFLite Support's metadata flatbuffer (file identifier "M001", stored in the model buffer
// named TFLITE_METADATA; schema tensorflow_lite_support/metadata/metadata_schema.fbs),
// read with the same bounded reader as the model: the input tensor's NormalizationOptions
// (preprocessing), its ImageProperties colour space, and the name of the output tensor's
// TENSOR_AXIS_LABELS associated file (the label file inside the appended archive).

/// Reader for the subset of ModelMetadata that the importer uses.
enum SupportMetadata {
    /// Field slots of metadata_schema.fbs (a union counts as two: type, then value).
    enum Slot {
        static let modelName = 0, modelSubgraphs = 3, modelVersion = 2
        static let subgraphInputs = 2, subgraphOutputs = 3
        static let tensorContent = 3, tensorProcessUnits = 4, tensorAssociatedFiles = 6
        static let contentPropertiesType = 0, contentProperties = 1, imageColorSpace = 0
        static let unitOptionsType = 0, unitOptions = 1, normalizationMean = 0, normalizationStd = 1
        static let fileName = 0, fileType = 2
    }
    /// `union ProcessUnitOptions` tag of NormalizationOptions, `union ContentProperties` tag
    /// of ImageProperties, `AssociatedFileType.TENSOR_AXIS_LABELS`.
    static let normalizationTag: UInt8 = 1, imagePropertiesTag: UInt8 = 2, axisLabels: Int8 = 2

    /// Fills preprocessing and properties; returns the label file's name, if one is declared.
    static func read(_ bytes: [UInt8], into meta: inout ImportedMetadata, path: String) throws -> String? {
        let r = FlatBufferReader(bytes, path: path)
        let root = try r.root(identifier: Array("M001".utf8), location: "TFLITE_METADATA.ModelMetadata")
        if let n = try root.string(Slot.modelName, "name") { meta.properties["metadata_name"] = n }
        if let v = try root.string(Slot.modelVersion, "version") { meta.properties["metadata_version"] = v }
        guard let subs = try root.vector(Slot.modelSubgraphs, "subgraph_metadata", elementSize: 4,
                                         maxCount: ImportLimits.maxSubgraphs), subs.count > 0 else { return nil }
        let sg = try subs.table(0)
        if let ins = try sg.vector(Slot.subgraphInputs, "input_tensor_metadata", elementSize: 4,
                                   maxCount: ImportLimits.maxOperatorArity), ins.count > 0 {
            try input(try ins.table(0), into: &meta)
        }
        guard let outs = try sg.vector(Slot.subgraphOutputs, "output_tensor_metadata", elementSize: 4,
                                       maxCount: ImportLimits.maxOperatorArity), outs.count > 0,
              let files = try outs.table(0).vector(Slot.tensorAssociatedFiles, "associated_files", elementSize: 4,
                                                   maxCount: ImportLimits.maxMetadata) else { return nil }
        for i in 0..<files.count {
            let f = try files.table(i)
            if try f.i8(Slot.fileType, "type") == axisLabels { return try f.string(Slot.fileName, "name") }
        }
        return nil
    }

    /// NormalizationOptions (x = (pixel − mean) / std on 0…255 values) and the colour space.
    static func input(_ t: FlatTable, into meta: inout ImportedMetadata) throws {
        if let content = try t.table(Slot.tensorContent, "content"),
           try content.u8(Slot.contentPropertiesType, "content_properties_type") == imagePropertiesTag,
           let image = try content.table(Slot.contentProperties, "content_properties") {
            switch try image.i8(Slot.imageColorSpace, "color_space") {
            case 1: meta.properties["color_space"] = "RGB"
            case 2: meta.properties["color_space"] = "GRAYSCALE"
            default: break
            }
        }
        guard let units = try t.vector(Slot.tensorProcessUnits, "process_units", elementSize: 4,
                                       maxCount: ImportLimits.maxMetadata) else { return }
        for i in 0..<units.count {
            let u = try units.table(i)
            guard try u.u8(Slot.unitOptionsType, "options_type") == normalizationTag,
                  let n = try u.table(Slot.unitOptions, "options") else { continue }
            let mean = try n.vector(Slot.normalizationMean, "mean", elementSize: 4, maxCount: 16)?.floats() ?? []
            let std = try n.vector(Slot.normalizationStd, "std", elementSize: 4, maxCount: 16)?.floats() ?? []
            guard !mean.isEmpty, !std.isEmpty, mean.allSatisfy(\.isFinite), std.allSatisfy({ $0.isFinite && $0 > 0 }) else {
                throw r(t).fail(.inconsistent, "\(n.location)", n.position, "normalisation mean \(mean), std \(std)")
            }
            meta.preprocessing = Preprocessing(inputScale: 1, mean: mean, std: std,
                                               source: "TFLite metadata NormalizationOptions")
        }
    }

    private static func r(_ t: FlatTable) -> FlatBufferReader { t.reader }
}
