import EdgeCore

/// An 8-bit image, row-major with interleaved channels (1 = gray, 3 = RGB): what PNG and
/// JPEG files hold and what an edge board's camera pipeline feeds the int8 net.
public struct Image8: Equatable, Sendable {
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// 1 (gray) or 3 (RGB).
    public var channels: Int
    /// width·height·channels bytes.
    public var pixels: [UInt8]

    /// An image over existing pixels; the count must match the geometry.
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(width * height * channels == pixels.count)
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// The same image with `target` channels: gray→RGB replicates, RGB→gray uses the
    /// ITU-R BT.601 luma weights (0.299, 0.587, 0.114) rounded to nearest, as libjpeg does.
    public func converted(toChannels target: Int) -> Image8 {
        if target == channels { return self }
        let n = width * height
        var out = [UInt8](repeating: 0, count: n * target)
        if channels == 1 && target == 3 {
            for i in 0..<n { let v = pixels[i]; out[3 * i] = v; out[3 * i + 1] = v; out[3 * i + 2] = v }
        } else if channels == 3 && target == 1 {
            for i in 0..<n {
                // Fixed-point BT.601 with 16 fractional bits, rounded half up.
                let r = UInt32(pixels[3 * i]), g = UInt32(pixels[3 * i + 1]), b = UInt32(pixels[3 * i + 2])
                out[i] = UInt8((19595 * r + 38470 * g + 7471 * b + 32768) >> 16)
            }
        }
        return Image8(width: width, height: height, channels: target, pixels: out)
    }

    /// Planar float pixels in [0, 1] (CHW), pixel/255: the float net's input.
    public func planarFloats() -> [Float] {
        let n = width * height
        var out = [Float](repeating: 0, count: n * channels)
        for c in 0..<channels {
            for i in 0..<n { out[c * n + i] = Float(pixels[i * channels + c]) / 255 }
        }
        return out
    }

    /// Builds an image from planar floats in [0, 1], rounding to the nearest pixel value
    /// (values outside [0, 1] are clamped): the uint8 grid that a saved PNG holds.
    public static func fromPlanar(_ v: ArraySlice<Float>, channels: Int, height: Int, width: Int) -> Image8 {
        let n = width * height
        var px = [UInt8](repeating: 0, count: n * channels)
        let base = v.startIndex
        for c in 0..<channels {
            for i in 0..<n {
                let x = min(max(v[base + c * n + i], 0), 1) * 255
                px[i * channels + c] = UInt8(x.rounded(.toNearestOrAwayFromZero))
            }
        }
        return Image8(width: width, height: height, channels: channels, pixels: px)
    }
}
