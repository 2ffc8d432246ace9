import EdgeCore
import EdgeModel

/// A model file with its optional int8 network.
public struct LoadedModel {
    /// The float network and metadata.
    public var model: Model
    /// The int8 network, when the file has a QNET section.
    public var int8: QuantizedGraph?

    /// A float model and, when it has one, its int8 network.
    public init(model: Model, int8: QuantizedGraph?) {
        self.model = model
        self.int8 = int8
    }
}

/// Reading and writing the int8 section alongside the float model.
public enum QuantizedModelFile {
    /// Reads a model and, if present, validates and decodes its QNET section.
    public static func read(_ path: String) throws -> LoadedModel {
        try decode(try AtomicFile.read(path, limit: 512 << 20), path: path)
    }

    /// Decodes the first `count` (default: all) bytes as a model file with its int8 net;
    /// `verifyChecksums: false` exists for fuzzing the parsers behind the checksum.
    public static func decode(_ bytes: [UInt8], path: String, count: Int? = nil, verifyChecksums: Bool = true) throws -> LoadedModel {
        let model = try ModelFile.decode(bytes, path: path, verifyChecksums: verifyChecksums, count: count, understood: [QuantizedGraph.tag])
        guard let payload = model.extraSections[QuantizedGraph.tag] else { return LoadedModel(model: model, int8: nil) }
        let base = try ModelFile.sections(bytes, path: path, verifyChecksums: verifyChecksums, count: count).first { $0.tag == QuantizedGraph.tag }?.offset ?? 0
        let q = try QuantizedGraph.decode(payload, path: path, base: base)
        try q.validate(path: path, inputShape: model.graph.inputShape, offset: base)
        try q.crossCheck(against: model.graph, path: path, offset: base)
        guard q.nodes.last?.shape == [model.metadata.classNames.count] else {
            throw EdgeError.badModel(path: path, section: QuantizedGraph.tag, offset: base, reason: "int8 logits do not match the class count")
        }
        return LoadedModel(model: model, int8: q)
    }

    /// Writes `model` with `int8` as its QNET section and `provenance` as its PROV section
    /// (none when nil: the source's record describes another file, so it is never kept).
    public static func write(_ model: Model, int8: QuantizedGraph, provenance: Provenance? = nil, to path: String) throws {
        var m = model
        m.extraSections[QuantizedGraph.tag] = int8.encode()
        m.provenance = provenance
        try ModelFile.write(m, to: path)
    }
}
