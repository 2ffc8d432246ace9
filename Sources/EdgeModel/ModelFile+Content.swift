import EdgeCore

extension ModelFile {
    /// The content digest: what "reproducible" compares (docs/model-format.md). SHA-256 of
    /// the magic, the u32 format version and then, for every section in table order except
    /// PROV, its 4-byte tag, u32 flags, u64 length and payload. Offsets and CRCs follow from
    /// those, and the provenance necessarily differs between builds of one recipe (the
    /// commit), so neither takes part; everything a reader interprets does. A file without
    /// a PROV section has the same content digest as the same file with one.
    public static func contentSHA256(_ bytes: [UInt8], path: String) throws -> String {
        let entries = try sections(bytes, path: path)
        var w = ByteWriter()
        w.raw(magic)
        w.u32(version)
        for e in entries where e.tag != Provenance.tag {
            w.raw(Array(e.tag.utf8))
            w.u32(e.flags)
            w.u64(UInt64(e.length))
            w.raw(bytes[e.offset..<(e.offset + e.length)])
        }
        return SHA256.hex(w.bytes)
    }
}
