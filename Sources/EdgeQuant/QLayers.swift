// Also compiled into the board runner (Device/edge-run, Embedded Swift; scripts/build-device.sh):
// keep this file free of Foundation and of untyped `throws`. The factories that derive
// parameters from real scales need FixedPoint (QuantMath.swift, Foundation) and are host-only.

/// The parameters of the int8 ops other than convolution (docs/integer-spec.md).

/// The input conversion for an arbitrary input quantisation: q = table[c·256 + pixel]
/// for channel c (or table[pixel] when the table has 256 entries for every channel).
/// Built once from the preprocessing and the input tensor's quantisation; the engine
/// does no float arithmetic at run time.
public struct QInputLayer: Equatable, Sendable {
    /// 256 or 256·C int8 values.
    public var table: [Int8]

    /// A table from explicit values.
    public init(table: [Int8]) { self.table = table }

    #if !hasFeature(Embedded)
    /// An int8 input tensor (scale, zero point) fed with real = (pixel·pixelScale − mean[c]) / std[c]:
    /// q = clamp(zero_point + TfLiteRound(real / scale), −128, 127), all in binary32 as TFLite
    /// Micro's QUANTIZE (reference_ops::AffineQuantize) computes it for a float input.
    /// `mean`/`std` have one entry per channel (or one for all).
    public static func affine(channels: Int, quant: QuantParams, pixelScale: Float = 1 / 255,
                              mean: [Float] = [0], std: [Float] = [1]) -> QInputLayer {
        var t = [Int8](repeating: 0, count: 256 * channels)
        for c in 0..<channels {
            let m = mean.count == 1 ? mean[0] : mean[c], s = std.count == 1 ? std[0] : std[c]
            for p in 0..<256 {
                // Binary32 throughout, as TFLite's float input tensor and QUANTIZE see it.
                let real = (Float(p) * pixelScale - m) / s
                let r = (real / quant.scale).rounded(.toNearestOrAwayFromZero)
                let q = r.isNaN ? 0 : Double(min(max(r, -1e6), 1e6)) + Double(quant.zeroPoint)
                t[c * 256 + p] = Int8(min(max(q, -128), 127))
            }
        }
        return QInputLayer(table: t)
    }

    /// A uint8 input tensor (the raw pixel, with its scale and zero point) followed by
    /// TFLite's QUANTIZE uint8 → int8 (reference_ops::Requantize):
    /// q = clamp(MultiplyByQuantizedMultiplier(pixel − zp_in, M) + zp_out, −128, 127) with
    /// M = QuantizeMultiplier(double(s_in) / double(s_out)). nil when M is out of range.
    public static func uint8(inputScale: Float, inputZeroPoint: Int32, output: QuantParams) -> QInputLayer? {
        guard let m = FixedPoint.tfliteMultiplier(Double(inputScale) / Double(output.scale)) else { return nil }
        let t = (0..<256).map { p -> Int8 in
            let v = FixedPoint.multiplyByQuantizedMultiplier(Int32(p) - inputZeroPoint, m.mult, m.shift) &+ output.zeroPoint
            return Int8(min(max(v, -128), 127))
        }
        return QInputLayer(table: t)
    }
    #endif
}

/// Max or average pooling with TFLite's window rules.
public struct QPoolLayer: Equatable, Sendable {
    /// Which reduction.
    public enum Kind: UInt8, Sendable { case max = 0, average = 1 }
    /// Max or average.
    public var kind: Kind
    /// Window height and width (1…15) and strides (1…15).
    public var kernelH: Int, kernelW: Int, strideH: Int, strideW: Int
    /// Padding per side, each below the kernel along its axis. Padded positions never
    /// contribute: an average divides by the positions inside the image.
    public var padTop: Int, padBottom: Int, padLeft: Int, padRight: Int
    /// Output clamp from a fused activation ([−128, 127] without one).
    public var actMin: Int32, actMax: Int32

    /// A pooling layer from explicit fields (validated by `QuantizedGraph.validate`).
    public init(kind: Kind, kernelH: Int, kernelW: Int, strideH: Int, strideW: Int, padTop: Int = 0, padBottom: Int = 0,
                padLeft: Int = 0, padRight: Int = 0, actMin: Int32 = -128, actMax: Int32 = 127) {
        self.kind = kind; self.kernelH = kernelH; self.kernelW = kernelW; self.strideH = strideH; self.strideW = strideW
        self.padTop = padTop; self.padBottom = padBottom; self.padLeft = padLeft; self.padRight = padRight
        self.actMin = actMin; self.actMax = actMax
    }
}

/// TFLite MEAN over H and W (tflite-micro's reduce → reference_ops::QuantizedMeanOrSum).
public struct QMeanLayer: Equatable, Sendable {
    /// The multiplier and shift the kernel applies to Σ(x − zp_in), with TFLite Micro's 1/n
    /// folded in (see `tflm`); multiplier in [0, 2^31), shift in [−31, 30].
    public var multiplier: Int32, shift: Int32

    /// A mean layer from explicit values.
    public init(multiplier: Int32, shift: Int32) { self.multiplier = multiplier; self.shift = shift }

    #if !hasFeature(Embedded)
    /// What TFLite Micro computes at Prepare/Eval for `count` = H·W elements per channel:
    /// (M, s) = QuantizeMultiplier(double(s_in)/double(s_out)); k = min(floor(log2 n), 32,
    /// 31 + s); M' = (int64(M) << k) / n (truncating); s' = s − k. nil when out of range.
    public static func tflm(inputScale: Float, outputScale: Float, count: Int) -> QMeanLayer? {
        guard count >= 1, let m = FixedPoint.tfliteMultiplier(Double(inputScale) / Double(outputScale)) else { return nil }
        var k = Int.bitWidth - 1 - count.leadingZeroBitCount
        k = min(k, 32, 31 + Int(m.shift))
        guard k >= 0 else { return nil }
        let mult = (Int64(m.mult) << Int64(k)) / Int64(count)
        return QMeanLayer(multiplier: Int32(mult), shift: m.shift - Int32(k))
    }
    #endif
}

/// Spatial padding with the zero point (TFLite PAD/PADV2 on H and W only).
public struct QPadLayer: Equatable, Sendable {
    /// Rows added above and below, columns added left and right.
    public var top: Int, bottom: Int, left: Int, right: Int

    /// A pad layer from explicit values.
    public init(top: Int, bottom: Int, left: Int, right: Int) {
        self.top = top; self.bottom = bottom; self.left = left; self.right = right
    }
}
