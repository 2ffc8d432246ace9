import Foundation

/// A planar image [C, H, W] in Double: the working type of the corruptions added after
/// the seed suite (the seed kinds keep their original Float code so their outputs stay
/// byte-identical).
struct Planes {
    let c: Int, h: Int, w: Int
    var v: [Double]

    /// Values within 10⁻⁴ grey levels of the uint8 grid are snapped to k/255 exactly, so
    /// that k/255 computed as Float(k)/255 or Float(k)·(1/255) (a last bit apart) gives the
    /// same picture through the kinds that truncate to uint8 (glass blur, snow, spatter).
    init(_ x: [Float], c: Int, h: Int, w: Int) {
        self.c = c; self.h = h; self.w = w
        v = x.map { f in
            let k = (Double(f) * 255).rounded()
            return abs(Double(f) * 255 - k) < 1e-4 ? k / 255 : Double(f)
        }
    }

    /// Channel `ch` as a row-major [H, W] plane.
    func plane(_ ch: Int) -> [Double] { Array(v[(ch * h * w)..<((ch + 1) * h * w)]) }

    mutating func setPlane(_ ch: Int, _ p: [Double]) {
        v.replaceSubrange((ch * h * w)..<((ch + 1) * h * w), with: p)
    }

    /// The same operation on every channel.
    func mapPlanes(_ f: ([Double]) -> [Double]) -> Planes {
        var out = self
        for ch in 0..<c { out.setPlane(ch, f(plane(ch))) }
        return out
    }

    /// Luma as OpenCV's RGB2GRAY (0.299 R + 0.587 G + 0.114 B); the plane itself for grey.
    func luma() -> [Double] {
        guard c == 3 else { return plane(0) }
        let n = h * w
        return (0..<n).map { 0.299 * v[$0] + 0.587 * v[n + $0] + 0.114 * v[2 * n + $0] }
    }

    /// Back to Float, clipped to [0, 1] (a NaN, which no kind should produce, becomes 0).
    func floats() -> [Float] { v.map { $0.isNaN ? 0 : Float(min(max($0, 0), 1)) } }
}

/// How a filter or sampler reads outside the grid.
enum Border {
    /// OpenCV's default BORDER_REFLECT_101 (scipy's 'mirror'): … c b | a b c … (edge not repeated).
    case reflect101
    /// scipy's and skimage's 'reflect' (half-sample symmetric): … b a | a b … (edge repeated).
    case reflect
    /// Clamp to the edge (scipy 'nearest', OpenCV BORDER_REPLICATE).
    case nearest
    /// Outside reads `value` (skimage's mode 'constant').
    case constant(Double)

    /// The in-grid index that `i` reads on a line of `n`, or nil for a constant border.
    @inline(__always) func index(_ i: Int, _ n: Int) -> Int? {
        if i >= 0 && i < n { return i }
        switch self {
        case .constant: return nil
        case .nearest: return min(max(i, 0), n - 1)
        case .reflect101:
            guard n > 1 else { return 0 }
            let p = 2 * (n - 1)
            var m = i % p
            if m < 0 { m += p }
            return m < n ? m : p - m
        case .reflect:
            let p = 2 * n
            var m = i % p
            if m < 0 { m += p }
            return m < n ? m : p - 1 - m
        }
    }

    /// Plane value at (y, x) under this border.
    @inline(__always) func read(_ p: [Double], _ h: Int, _ w: Int, _ y: Int, _ x: Int) -> Double {
        guard let yy = index(y, h), let xx = index(x, w) else {
            if case .constant(let value) = self { return value }
            return 0
        }
        return p[yy * w + xx]
    }
}
