/// model.bin's header and section table, checked by the rules of the host's
/// `ModelFile.sections` (Sources/EdgeModel/ModelFile.swift), restated here because that
/// file needs Foundation. Same checks, same order, same messages; the hostile fixtures and
/// the mutation test in scripts/test-device.sh hold the two to it.
struct Section {
    /// Four printable ASCII characters.
    let tag: String
    /// Flags (bit 0: required).
    let flags: UInt32
    /// Payload offset and length, already checked to lie inside the file.
    let offset: Int, length: Int
    /// CRC-32 of the payload, already verified.
    let crc: UInt32
}

/// Reading model.bin's header and section table (format v1, docs/model-format.md).
enum ModelSections {
    /// "EDGEMODL".
    static let magic: [UInt8] = [0x45, 0x44, 0x47, 0x45, 0x4D, 0x4F, 0x44, 0x4C]
    /// The one format version there is.
    static let version: UInt32 = 1
    /// Most sections a file may declare.
    static let maxSections = 16

    /// Parses the header and table, verifies the header CRC and every payload's CRC;
    /// `verifyChecksums: false` exists for the differential fuzzer (Fuzz/DeviceLoaderFuzz.swift),
    /// as the host's does, to reach the parsers behind the checksums.
    static func read(_ bytes: [UInt8], path: String, verifyChecksums: Bool = true) throws(EdgeError) -> [Section] {
        let fileSize = bytes.count
        var r = ByteReader(bytes, path: path, section: "header")
        let m = try r.take(8, what: "magic")
        guard m.elementsEqual(magic) else { throw EdgeError.badModel(path: path, section: "header", offset: 0, reason: "not an edge-audit model (bad magic)") }
        let v = try r.u32("format version")
        guard v == version else { throw EdgeError.badModel(path: path, section: "header", offset: 8, reason: "format version \(v) is not supported (this build reads version \(version))") }
        let n = try r.count("section count", max: maxSections)
        r.section = "section table"
        var entries: [Section] = []
        for i in 0..<n {
            let at = r.offset
            let tagBytes = try r.take(4, what: "section \(i) tag")
            guard tagBytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
                throw EdgeError.badModel(path: path, section: "section table", offset: at, reason: "section \(i) tag is not ASCII")
            }
            // Printable ASCII, so decoding cannot repair anything: the host's .ascii decoding gives the same string.
            let tag = String(decoding: tagBytes, as: UTF8.self)
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
            entries.append(Section(tag: tag, flags: flags, offset: Int(off), length: Int(len), crc: crc))
        }
        let tableEnd = r.offset
        let headerCRC = try r.u32("header checksum")
        guard !verifyChecksums || headerCRC == CRC32.checksum(bytes[0..<tableEnd]) else {
            throw EdgeError.badModel(path: path, section: "section table", offset: tableEnd, reason: "header checksum mismatch")
        }
        let dataStart = r.offset
        for (i, e) in entries.enumerated() {
            // Tags are ASCII, so byte equality is the host's Set<String> membership (without hashing tables).
            for j in 0..<i where entries[j].tag.utf8.elementsEqual(e.tag.utf8) {
                throw EdgeError.badModel(path: path, section: e.tag, offset: e.offset, reason: "duplicate section")
            }
            guard e.offset >= dataStart else { throw EdgeError.badModel(path: path, section: e.tag, offset: e.offset, reason: "section overlaps the header") }
            guard !verifyChecksums || CRC32.checksum(bytes[e.offset..<(e.offset + e.length)]) == e.crc else {
                throw EdgeError.badModel(path: path, section: e.tag, offset: e.offset, reason: "checksum mismatch (file corrupt)")
            }
        }
        return entries
    }

    /// The payload of the section tagged `tag` (a copy, as the host's decoders take one), or nil.
    static func payload(_ tag: String, _ entries: [Section], _ bytes: [UInt8]) -> (bytes: [UInt8], offset: Int)? {
        for e in entries where e.tag.utf8.elementsEqual(tag.utf8) {
            return (Array(bytes[e.offset..<(e.offset + e.length)]), e.offset)
        }
        return nil
    }
}
