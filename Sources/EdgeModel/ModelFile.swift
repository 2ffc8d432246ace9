import EdgeCore
import Foundation

/// Reads and writes model.bin (format v1, documented byte by byte in docs/model-format.md).
/// The reader treats the file as hostile: every count, length and offset is checked
/// against the bytes that remain before anything is allocated, and every failure is an
/// `EdgeError.badModel` naming the section and file offset.
public enum ModelFile {
    /// "EDGEMODL".
    public static let magic: [UInt8] = Array("EDGEMODL".utf8)
    /// The format version this build writes and reads.
    public static let version: UInt32 = 1
    /// Bytes before the section table.
    public static let headerSize = 16
    /// Bytes per section-table entry.
    public static let entrySize = 32
    /// Most sections a file may declare.
    public static let maxSections = 16

    /// Section tags.
    public enum Tag {
        /// The graph.
        public static let graph = "GRPH"
        /// Float parameters.
        public static let floatWeights = "FWTS"
        /// JSON metadata (class names, preprocessing, recipe).
        public static let metadata = "META"
        /// Provenance: tool version, source commit, recipe (optional; see `Provenance`).
        public static let provenance = Provenance.tag
    }

    /// Section-table flag: a reader that does not know the section must refuse the file.
    public static let flagRequired: UInt32 = 1

    /// Serialises `model`; sections appear in a fixed order so equal models give equal bytes.
    public static func encode(_ model: Model) throws -> [UInt8] {
        var sections: [(String, UInt32, [UInt8])] = [
            (Tag.graph, flagRequired, encodeGraph(model.graph)),
            (Tag.floatWeights, flagRequired, encodeWeights(model.parameters)),
            (Tag.metadata, flagRequired, try encodeMetadata(model.metadata)),
        ]
        var extra = model.extraSections
        if let p = model.provenance { extra[Provenance.tag] = try p.encode() }
        for tag in extra.keys.sorted() {
            sections.append((tag, 0, extra[tag] ?? []))
        }
        var w = ByteWriter()
        w.raw(magic)
        w.u32(version)
        w.u32(UInt32(sections.count))
        var offset = UInt64(headerSize + entrySize * sections.count + 4)
        for (tag, flags, payload) in sections {
            w.raw(Array(tag.utf8))
            w.u32(flags)
            w.u64(offset)
            w.u64(UInt64(payload.count))
            w.u32(CRC32.checksum(payload))
            w.u32(0)
            offset += UInt64(payload.count)
        }
        w.u32(CRC32.checksum(w.bytes))
        for (_, _, payload) in sections { w.raw(payload) }
        return w.bytes
    }

    /// Writes `model` to `path` atomically.
    public static func write(_ model: Model, to path: String) throws {
        try AtomicFile.write(try encode(model), to: path)
    }

    /// Reads and validates a model file.
    public static func read(_ path: String) throws -> Model {
        try decode(try AtomicFile.read(path, limit: 512 << 20), path: path)
    }

    /// A section's place in the file, from the table.
    public struct SectionEntry: Equatable, Sendable {
        /// Four ASCII letters.
        public let tag: String
        /// Flags (bit 0: required).
        public let flags: UInt32
        /// Payload offset from the start of the file.
        public let offset: Int
        /// Payload length.
        public let length: Int
        /// CRC-32 of the payload.
        public let crc: UInt32
    }

    /// Parses and checks the header and section table only; `count` treats only that many
    /// leading bytes as the file (default: all).
    public static func sections(_ bytes: [UInt8], path: String, verifyChecksums: Bool = true, count: Int? = nil) throws -> [SectionEntry] {
        let fileSize = min(count ?? bytes.count, bytes.count)
        var r = ByteReader(bytes, path: path, section: "header", count: fileSize)
        let m = try r.take(8, what: "magic")
        guard Array(m) == magic else { throw EdgeError.badModel(path: path, section: "header", offset: 0, reason: "not an edge-audit model (bad magic)") }
        let v = try r.u32("format version")
        guard v == version else { throw EdgeError.badModel(path: path, section: "header", offset: 8, reason: "format version \(v) is not supported (this build reads version \(version))") }
        let n = try r.count("section count", max: maxSections)
        r.section = "section table"
        var entries: [SectionEntry] = []
        for i in 0..<n {
            let at = r.offset
            let tagBytes = Array(try r.take(4, what: "section \(i) tag"))
            guard tagBytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }), let tag = String(bytes: tagBytes, encoding: .ascii) else {
                throw EdgeError.badModel(path: path, section: "section table", offset: at, reason: "section \(i) tag is not ASCII")
            }
            let flags = try r.u32("section \(i) flags")
            let off = try r.u64("section \(i) offset")
            let len = try r.u64("section \(i) length")
            let crc = try r.u32("section \(i) crc")
            _ = try r.u32("section \(i) reserved")
            // offset <= size && length <= size - offset: no addition that could wrap.
            let size = UInt64(fileSize)
            guard off <= size, len <= size - off else {
                throw EdgeError.badModel(path: path, section: "section table", offset: at, reason: "section '\(tag)' claims bytes \(off)+\(len) beyond the file's \(size) bytes")
            }
            entries.append(SectionEntry(tag: tag, flags: flags, offset: Int(off), length: Int(len), crc: crc))
        }
        let tableEnd = r.offset
        let headerCRC = try r.u32("header checksum")
        if verifyChecksums && headerCRC != CRC32.checksum(bytes[0..<tableEnd]) {
            throw EdgeError.badModel(path: path, section: "section table", offset: tableEnd, reason: "header checksum mismatch")
        }
        let dataStart = r.offset
        var seen = Set<String>()
        for e in entries {
            guard seen.insert(e.tag).inserted else { throw EdgeError.badModel(path: path, section: e.tag, offset: e.offset, reason: "duplicate section") }
            guard e.offset >= dataStart else { throw EdgeError.badModel(path: path, section: e.tag, offset: e.offset, reason: "section overlaps the header") }
            if verifyChecksums && CRC32.checksum(bytes[e.offset..<(e.offset + e.length)]) != e.crc {
                throw EdgeError.badModel(path: path, section: e.tag, offset: e.offset, reason: "checksum mismatch (file corrupt)")
            }
        }
        return entries
    }

    /// Decodes a model from bytes; `verifyChecksums: false` exists for fuzzing the parsers
    /// behind the checksum.
    /// `understood` names further sections the caller interprets itself (such as QNET),
    /// so that they may carry the required flag.
    public static func decode(_ bytes: [UInt8], path: String, verifyChecksums: Bool = true, count: Int? = nil,
                              understood: Set<String> = []) throws -> Model {
        let entries = try sections(bytes, path: path, verifyChecksums: verifyChecksums, count: count)
        func payload(_ tag: String) throws -> (ArraySlice<UInt8>, Int) {
            guard let e = entries.first(where: { $0.tag == tag }) else {
                throw EdgeError.badModel(path: path, section: tag, offset: 0, reason: "required section is missing")
            }
            return (bytes[e.offset..<(e.offset + e.length)], e.offset)
        }
        let known: Set<String> = [Tag.graph, Tag.floatWeights, Tag.metadata]
        var extra: [String: [UInt8]] = [:]
        for e in entries where !known.contains(e.tag) && !understood.contains(e.tag) && e.flags & flagRequired != 0 {
            throw EdgeError.badModel(path: path, section: e.tag, offset: e.offset,
                                     reason: "section '\(e.tag)' is flagged required but this version of edge-audit does not know it; upgrade edge-audit")
        }
        var provenance: Provenance?
        for e in entries where !known.contains(e.tag) {
            let payload = Array(bytes[e.offset..<(e.offset + e.length)])
            // A PROV of a later section version stays opaque and is carried through.
            if e.tag == Provenance.tag, let p = try Provenance.decode(payload, path: path, base: e.offset) {
                provenance = p
            } else {
                extra[e.tag] = payload
            }
        }
        let (gb, go) = try payload(Tag.graph)
        let graph = try decodeGraph(Array(gb), path: path, base: go)
        let shapes = try graph.shapes(path: path)
        let (wb, wo) = try payload(Tag.floatWeights)
        let params = try decodeWeights(Array(wb), graph: graph, shapes: shapes, path: path, base: wo)
        let (mb, mo) = try payload(Tag.metadata)
        let meta: ModelMetadata
        do { meta = try JSONDecoder().decode(ModelMetadata.self, from: Data(mb)) } catch {
            throw EdgeError.badModel(path: path, section: Tag.metadata, offset: mo, reason: "metadata is not valid JSON for this version: \(error)")
        }
        let model = Model(graph: graph, parameters: params, metadata: meta, extraSections: extra, provenance: provenance)
        try model.validate(path: path)
        return model
    }

    // MARK: - Graph section

    static func encodeGraph(_ g: Graph) -> [UInt8] {
        var w = ByteWriter()
        for d in g.inputShape { w.u32(UInt32(d)) }
        w.u32(UInt32(g.nodes.count))
        for n in g.nodes {
            w.u8(n.op.code)
            w.u8(UInt8(n.inputs.count))
            for i in n.inputs { w.u32(UInt32(i)) }
            switch n.op {
            case let .conv2d(o, k, s, p): [o, k, s, p].forEach { w.u32(UInt32($0)) }
            case let .dense(o): w.u32(UInt32(o))
            case let .maxPool(k, s), let .avgPool(k, s): w.u32(UInt32(k)); w.u32(UInt32(s))
            case let .batchNorm(eps): w.f32(eps)
            case .convolution, .pool, .clip, .pad: n.op.encodeImportedParameters(&w)
            default: break
            }
            w.string(n.name)
        }
        return w.bytes
    }

    static func decodeGraph(_ b: [UInt8], path: String, base: Int) throws -> Graph {
        var r = ByteReader(b, path: path, section: Tag.graph, base: base)
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
            case 10...13: op = try Op.decodeImported(code, &r)
            default: throw r.fail("node \(i) has unknown op code \(code)")
            }
            let name = try r.string("node \(i) name", max: 256)
            nodes.append(Node(op, ins, name: name))
        }
        guard r.remaining == 0 else { throw r.fail("\(r.remaining) trailing bytes after the last node") }
        return Graph(inputShape: input, nodes: nodes)
    }

    // MARK: - Float weights section

    static func encodeWeights(_ params: [[Tensor]]) -> [UInt8] {
        var w = ByteWriter()
        for node in params {
            for t in node {
                w.u32(UInt32(t.shape.count))
                for d in t.shape { w.u32(UInt32(d)) }
                w.floats(t.data)
            }
        }
        return w.bytes
    }

    static func decodeWeights(_ b: [UInt8], graph: Graph, shapes: [[Int]], path: String, base: Int) throws -> [[Tensor]] {
        var r = ByteReader(b, path: path, section: Tag.floatWeights, base: base)
        var out: [[Tensor]] = []
        for i in graph.nodes.indices {
            var ts: [Tensor] = []
            for (j, want) in graph.parameterShapes(i, shapes: shapes).enumerated() {
                let what = "\(graph.nodes[i].name).\(graph.parameterNames(i)[j])"
                let rank = try r.count("\(what) rank", max: 4)
                var dims: [Int] = []
                for _ in 0..<rank { dims.append(try r.count("\(what) dimension", max: Graph.Limits.maxParameters)) }
                guard dims == want else { throw r.fail("\(what) has shape \(dims), the graph needs \(want)") }
                let n = ShapeMath.product(dims) ?? 0
                ts.append(Tensor(shape: dims, data: try r.floats(n, what)))
            }
            out.append(ts)
        }
        guard r.remaining == 0 else { throw r.fail("\(r.remaining) trailing bytes after the last tensor") }
        return out
    }

    // MARK: - Metadata section

    static func encodeMetadata(_ m: ModelMetadata) throws -> [UInt8] {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        do { return Array(try e.encode(m)) } catch { throw EdgeError.internalError("metadata encoding failed: \(error)") }
    }
}
