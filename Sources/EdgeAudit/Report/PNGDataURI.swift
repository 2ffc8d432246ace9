import EdgeData
import Foundation

/// Gallery images as `data:image/png;base64,…` URIs, so report.html stays one file. The PNG
/// bytes come from the libpng shim (EdgeData.ImageCodec), which writes to memory.
enum PNGDataURI {
    /// The URI of a planar uint8 image, or nil when its shape does not match its pixels or
    /// the encoder refuses it (the report then shows a placeholder, not a broken image).
    static func uri(_ g: GalleryImage) -> String? {
        guard let png = png(channels: g.channels, height: g.height, width: g.width, planar: g.pixels) else { return nil }
        return "data:image/png;base64," + base64(png)
    }

    /// PNG bytes of a planar (CHW) image; libpng wants interleaved (HWC) rows.
    static func png(channels c: Int, height h: Int, width w: Int, planar: [UInt8]) -> [UInt8]? {
        guard c == 1 || c == 3, h > 0, w > 0, h <= 4096, w <= 4096, planar.count == c * h * w else { return nil }
        var hwc = [UInt8](repeating: 0, count: planar.count)
        let plane = h * w
        for ch in 0..<c { for p in 0..<plane { hwc[p * c + ch] = planar[ch * plane + p] } }
        return try? ImageCodec.encodePNG(Image8(width: w, height: h, channels: c, pixels: hwc))
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// RFC 4648 base64 with padding (written here rather than through Data so the report
    /// code has one obvious encoding path that its test can check byte for byte).
    static func base64(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 2 < bytes.count {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            for s in [18, 12, 6, 0] { out.append(alphabet[Int((v >> UInt32(s)) & 63)]) }
            i += 3
        }
        let rest = bytes.count - i
        if rest > 0 {
            let v = UInt32(bytes[i]) << 16 | (rest == 2 ? UInt32(bytes[i + 1]) << 8 : 0)
            out.append(alphabet[Int((v >> 18) & 63)])
            out.append(alphabet[Int((v >> 12) & 63)])
            out.append(rest == 2 ? alphabet[Int((v >> 6) & 63)] : UInt8(ascii: "="))
            out.append(UInt8(ascii: "="))
        }
        return String(decoding: out, as: UTF8.self)
    }
}
