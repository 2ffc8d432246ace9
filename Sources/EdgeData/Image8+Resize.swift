/// Resizing to a model's input size. Separable: each axis gets its own weight matrix, a box
/// (area) filter when that axis shrinks, so every source pixel counts with its covered
/// fraction, and linear interpolation between pixel centres (half-pixel offsets, edges
/// clamped, as Pillow's and OpenCV's bilinear) when it grows. Each weight row sums to 1, so
/// a constant image stays constant.
extension Image8 {
    /// This image at `width`×`height` (the same channels); itself when the size is equal.
    /// Pixels are rounded to nearest (half up) after filtering in Double.
    public func resized(width w: Int, height h: Int) -> Image8 {
        precondition(w > 0 && h > 0, "a resize target must be at least 1×1")
        if w == width && h == height { return self }
        let wx = Self.axisWeights(from: width, to: w), wy = Self.axisWeights(from: height, to: h)
        // Rows first: height × w × channels intermediate in Double.
        var rows = [Double](repeating: 0, count: height * w * channels)
        for y in 0..<height {
            for (ox, taps) in wx.enumerated() {
                for c in 0..<channels {
                    var s = 0.0
                    for (ix, wt) in taps { s += wt * Double(pixels[(y * width + ix) * channels + c]) }
                    rows[(y * w + ox) * channels + c] = s
                }
            }
        }
        var out = [UInt8](repeating: 0, count: h * w * channels)
        for (oy, taps) in wy.enumerated() {
            for x in 0..<w {
                for c in 0..<channels {
                    var s = 0.0
                    for (iy, wt) in taps { s += wt * rows[(iy * w + x) * channels + c] }
                    out[(oy * w + x) * channels + c] = UInt8(min(max((s + 0.5).rounded(.down), 0), 255))
                }
            }
        }
        return Image8(width: w, height: h, channels: channels, pixels: out)
    }

    /// For each of `m` output positions, the (source index, weight) taps from `n` inputs.
    static func axisWeights(from n: Int, to m: Int) -> [[(Int, Double)]] {
        if n == m { return (0..<n).map { [($0, 1.0)] } }
        let scale = Double(n) / Double(m)
        if m < n {
            // Output pixel o covers [o·scale, (o+1)·scale) of the input.
            return (0..<m).map { o in
                let lo = Double(o) * scale, hi = Double(o + 1) * scale
                var taps: [(Int, Double)] = []
                var i = Int(lo.rounded(.down))
                while i < n, Double(i) < hi {
                    let cover = min(hi, Double(i + 1)) - max(lo, Double(i))
                    if cover > 0 { taps.append((i, cover / scale)) }
                    i += 1
                }
                return taps
            }
        }
        return (0..<m).map { o in
            let x = min(max((Double(o) + 0.5) * scale - 0.5, 0), Double(n - 1))
            let i0 = Int(x.rounded(.down)), i1 = min(i0 + 1, n - 1)
            let f = x - Double(i0)
            return f == 0 || i0 == i1 ? [(i0, 1.0)] : [(i0, 1 - f), (i1, f)]
        }
    }
}
