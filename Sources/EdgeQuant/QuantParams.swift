// Also compiled into the board runner (Device/edge-run, Embedded Swift; scripts/build-device.sh):
// keep this file free of Foundation and of untyped `throws`.

/// Affine int8 quantisation of one tensor: real = scale · (q − zeroPoint).
public struct QuantParams: Equatable, Sendable {
    /// Real value of one quantisation step; finite and > 0.
    public var scale: Float
    /// The int8 value that represents real 0, in [−128, 127].
    public var zeroPoint: Int32

    /// Parameters from explicit values.
    public init(scale: Float, zeroPoint: Int32) {
        self.scale = scale
        self.zeroPoint = zeroPoint
    }

    /// The input image: pixel/255 in [0, 1] maps exactly to q = pixel − 128.
    public static let input = QuantParams(scale: 1 / 255, zeroPoint: -128)

    /// Asymmetric parameters covering [lo, hi] widened to include 0 (so that 0 and the
    /// padding value are exact), as TFLite does.
    public static func covering(_ lo: Float, _ hi: Float) -> QuantParams {
        let rmin = min(lo, 0), rmax = max(hi, 0)
        let span = max(rmax - rmin, 1e-6)
        let scale = span / 255
        let zp = (-128 - Double(rmin) / Double(scale)).rounded(.toNearestOrAwayFromZero)
        return QuantParams(scale: scale, zeroPoint: Int32(min(max(zp, -128), 127)))
    }

    /// real → int8, rounding half away from zero and saturating.
    public func quantize(_ x: Float) -> Int8 {
        let q = (Double(x) / Double(scale)).rounded(.toNearestOrAwayFromZero) + Double(zeroPoint)
        return Int8(min(max(q, -128), 127))
    }

    /// int8 → real.
    @inline(__always) public func dequantize(_ q: Int8) -> Float { scale * Float(Int32(q) - zeroPoint) }
}
