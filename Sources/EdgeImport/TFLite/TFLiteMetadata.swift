// TFLite metadata: the model's `metadata` entries (name → buffer) and the associated files
// that TFLite Support's metadata writer packs as a ZIP archive appended after the
// flatbuffer. Class labels are read from that archive's label file when it is stored
// uncompressed (the writer's default); a compressed one is reported in `notes`, never guessed.

/// Reads labels and metadata properties from a decoded TFLite file.
enum TFLiteMetadata {
    /// Entries of the appended archive that are looked at (the writer stores a handful).
    static let maxZipEntries = 64

    static func read(_ file: TFLiteFile, into meta: inout ImportedMetadata, path: String) throws {
        let bytes = file.reader.bytes
        for (name, b) in file.metadata {
            let range = file.buffers[b]
            if name == "min_runtime_version", range.count <= 64 {
                let text = bytes[range].prefix { $0 != 0 }
                meta.properties[name] = String(decoding: text, as: UTF8.self)
            } else {
                meta.properties[name] = "\(range.count) bytes"
            }
        }
        var named: String?
        if let b = file.metadata.first(where: { $0.name == "TFLITE_METADATA" })?.buffer {
            do {
                named = try SupportMetadata.read(Array(bytes[file.buffers[b]]), into: &meta, path: path)
            } catch let e as ImportError {
                // The runtime ignores this buffer; a broken one must not block the model.
                meta.properties["TFLITE_METADATA"] = "unreadable: \(e.location): \(e.reason)"
            }
        }
        guard let entries = zipEntries(bytes) else { return }
        let texts = entries.filter { $0.name.hasSuffix(".txt") }
        let chosen = named.flatMap { n in entries.first { $0.name == n } }
        guard let label = chosen ?? texts.first(where: { $0.name.lowercased().contains("label") })
            ?? (texts.count == 1 ? texts[0] : nil)
        else { return }
        guard label.method == 0 else {
            meta.properties["label_file"] = "\(label.name) (compressed, not read: give --labels)"
            return
        }
        let data = bytes[label.data]
        var labels: [String] = []
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            var l = line
            if l.last == UInt8(ascii: "\r") { l = l.dropLast() }
            labels.append(String(decoding: l, as: UTF8.self))
            guard labels.count <= ImportLimits.maxLabels else {
                throw ImportError(.limitExceeded, path: path, location: "metadata label file \(label.name)",
                                  offset: label.data.lowerBound, "more than \(ImportLimits.maxLabels) labels")
            }
        }
        while labels.last?.isEmpty == true { labels.removeLast() }
        meta.labels = labels
        meta.labelSource = "TFLite metadata associated file \(label.name)"
    }

    /// A stored member of the appended archive: name, compression method, data range.
    struct ZipEntry {
        var name: String
        var method: Int
        var data: Range<Int>
    }

    /// The members of a ZIP archive at the end of `bytes`, or nil when there is none or it
    /// is inconsistent. Offsets are taken relative to where the archive really starts (the
    /// bytes before it are the flatbuffer), as Python's zipfile does.
    static func zipEntries(_ bytes: [UInt8]) -> [ZipEntry]? {
        let n = bytes.count
        func u16(_ o: Int) -> Int { Int(bytes[o]) | Int(bytes[o + 1]) << 8 }
        func u32(_ o: Int) -> Int { u16(o) | u16(o + 2) << 16 }
        func fits(_ o: Int, _ len: Int) -> Bool { o >= 0 && len >= 0 && o <= n && len <= n - o }
        // End-of-central-directory record: 22 bytes plus a comment of up to 65535.
        guard n >= 22 else { return nil }
        var eocd = -1
        var at = n - 22
        while at >= max(0, n - 22 - 65535) {
            if bytes[at] == 0x50, bytes[at + 1] == 0x4b, bytes[at + 2] == 0x05, bytes[at + 3] == 0x06 { eocd = at; break }
            at -= 1
        }
        guard eocd >= 0 else { return nil }
        let count = u16(eocd + 10), cdSize = u32(eocd + 12), cdOffset = u32(eocd + 16)
        let concat = eocd - cdSize - cdOffset
        guard concat >= 0, count <= maxZipEntries, fits(cdOffset + concat, cdSize) else { return nil }
        var entries: [ZipEntry] = []
        var p = cdOffset + concat
        for _ in 0..<count {
            guard fits(p, 46), u32(p) == 0x0201_4b50 else { return nil }
            let method = u16(p + 10), csize = u32(p + 20), nlen = u16(p + 28), elen = u16(p + 30), clen = u16(p + 32)
            let local = u32(p + 42) + concat
            guard fits(p + 46, nlen) else { return nil }
            let name = String(decoding: bytes[(p + 46)..<(p + 46 + nlen)], as: UTF8.self)
            p += 46 + nlen + elen + clen
            guard fits(local, 30), u32(local) == 0x0403_4b50 else { return nil }
            let start = local + 30 + u16(local + 26) + u16(local + 28)
            guard fits(start, csize), csize <= ImportLimits.maxLabelFileBytes else { continue }
            entries.append(ZipEntry(name: name, method: method, data: start..<(start + csize)))
        }
        return entries
    }
}
