import EdgeCore

// Class labels travel as TFLite Support's metadata writer packs them: a ZIP archive appended
// after the flatbuffer holding an uncompressed `labels.txt`, one label per line. Runtimes
// ignore the bytes after the flatbuffer; edge-audit's importer (TFLiteMetadata) and the
// TFLite task library read the labels from it.

/// Writes the appended label archive.
public enum LabelArchive {
    /// The archive's one member.
    public static let fileName = "labels.txt"

    /// `model` followed by a stored (method 0) ZIP of `labels.txt`; offsets are relative to
    /// the archive's start, as when the writer concatenates a finished ZIP. Fixed DOS
    /// time and date (1980-01-01 00:00), so the bytes are deterministic.
    public static func append(_ labels: [String], to model: [UInt8]) -> [UInt8] {
        let data = Array((labels.joined(separator: "\n") + "\n").utf8)
        let name = Array(fileName.utf8)
        let crc = CRC32.checksum(data)
        var z: [UInt8] = []
        func u16(_ v: Int) { z.append(UInt8(v & 0xFF)); z.append(UInt8((v >> 8) & 0xFF)) }
        func u32(_ v: UInt32) { for k in 0..<4 { z.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(k)))) } }
        // Local file header.
        u32(0x0403_4B50); u16(10); u16(0); u16(0); u16(0); u16(0x21)
        u32(crc); u32(UInt32(data.count)); u32(UInt32(data.count)); u16(name.count); u16(0)
        z += name
        z += data
        let central = z.count
        // Central directory header.
        u32(0x0201_4B50); u16(20); u16(10); u16(0); u16(0); u16(0); u16(0x21)
        u32(crc); u32(UInt32(data.count)); u32(UInt32(data.count)); u16(name.count); u16(0); u16(0)
        u16(0); u16(0); u32(0); u32(0)
        z += name
        let centralSize = z.count - central
        // End of central directory.
        u32(0x0605_4B50); u16(0); u16(0); u16(1); u16(1); u32(UInt32(centralSize)); u32(UInt32(central)); u16(0)
        return model + z
    }
}
