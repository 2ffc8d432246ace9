import CImageIO
import EdgeCore

/// PNG and JPEG decoding and encoding through the C shim; every failure is an
/// `EdgeError.badData` naming the file.
public enum ImageCodec {
    /// Limits applied from the header before any pixel buffer is allocated.
    public static var limits = eio_limits(max_width: 8192, max_height: 8192, max_pixels: 16 << 20, max_jpeg_scans: 100)

    /// The container a file's first bytes announce.
    public enum Kind: Sendable { case png, jpeg }

    /// Sniffs the format from the magic bytes, not the file extension.
    public static func kind(of bytes: [UInt8]) -> Kind? {
        if bytes.count >= 8 && bytes[0] == 0x89 && bytes[1] == 0x50 && bytes[2] == 0x4E && bytes[3] == 0x47 { return .png }
        if bytes.count >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF { return .jpeg }
        return nil
    }

    /// Decodes PNG or JPEG bytes; `path` is only used in error messages.
    public static func decode(_ bytes: [UInt8], path: String) throws -> Image8 {
        guard let k = kind(of: bytes) else {
            throw EdgeError.badData(path: path, reason: "not a PNG or JPEG file")
        }
        var img = eio_image()
        var msg = [CChar](repeating: 0, count: Int(EIO_MSG_LEN))
        let status: Int32 = bytes.withUnsafeBufferPointer { b in
            msg.withUnsafeMutableBufferPointer { m in
                k == .png ? eio_png_decode(b.baseAddress, b.count, limits, &img, m.baseAddress)
                          : eio_jpeg_decode(b.baseAddress, b.count, limits, &img, m.baseAddress)
            }
        }
        defer { eio_free(img.pixels) }
        guard status == EIO_OK, let p = img.pixels else {
            throw EdgeError.badData(path: path, reason: String(cString: msg))
        }
        let n = Int(img.width) * Int(img.height) * Int(img.channels)
        return Image8(width: Int(img.width), height: Int(img.height), channels: Int(img.channels),
                      pixels: Array(UnsafeBufferPointer(start: p, count: n)))
    }

    /// Lossless PNG bytes for `image`.
    public static func encodePNG(_ image: Image8) throws -> [UInt8] {
        try encode(image, path: "<png>") { px, buf, msg in
            eio_png_encode(px, Int32(image.width), Int32(image.height), Int32(image.channels), buf, msg)
        }
    }

    /// JPEG bytes at `quality` (1–100, libjpeg's scale and its standard tables).
    public static func encodeJPEG(_ image: Image8, quality: Int) throws -> [UInt8] {
        try encode(image, path: "<jpeg>") { px, buf, msg in
            eio_jpeg_encode(px, Int32(image.width), Int32(image.height), Int32(image.channels), Int32(quality), buf, msg)
        }
    }

    private static func encode(_ image: Image8, path: String,
                               _ call: (UnsafePointer<UInt8>?, UnsafeMutablePointer<eio_buffer>, UnsafeMutablePointer<CChar>?) -> Int32) throws -> [UInt8] {
        var buf = eio_buffer()
        var msg = [CChar](repeating: 0, count: Int(EIO_MSG_LEN))
        let status = image.pixels.withUnsafeBufferPointer { px in
            msg.withUnsafeMutableBufferPointer { m in call(px.baseAddress, &buf, m.baseAddress) }
        }
        defer { eio_free(buf.data) }
        guard status == EIO_OK, let d = buf.data else {
            throw EdgeError.badData(path: path, reason: String(cString: msg))
        }
        return Array(UnsafeBufferPointer(start: d, count: buf.size))
    }

    /// A whole gzip (or plain) file, at most `maxSize` bytes once decompressed.
    public static func readGzip(_ path: String, maxSize: Int) throws -> [UInt8] {
        // zlib opens the path itself: refuse FIFOs and devices first (a FIFO would block).
        if let k = FileKind.of(path, followSymlinks: true), k != .regular {
            throw EdgeError.missingInput(path: path, reason: "is \(k.phrase), not a regular file; only regular files are read")
        }
        var buf = eio_buffer()
        var msg = [CChar](repeating: 0, count: Int(EIO_MSG_LEN))
        let status = msg.withUnsafeMutableBufferPointer { m in eio_gz_read(path, maxSize, &buf, m.baseAddress) }
        defer { eio_free(buf.data) }
        if status == EIO_ERR_IO { throw EdgeError.missingInput(path: path, reason: String(cString: msg)) }
        guard status == EIO_OK else { throw EdgeError.badData(path: path, reason: String(cString: msg)) }
        guard let d = buf.data else { return [] }
        return Array(UnsafeBufferPointer(start: d, count: buf.size))
    }
}
