import EdgeCore
import EdgeImport
import EdgeQuant

// How a uint8 pixel becomes the int8 tensor the first operator reads (docs/integer-spec.md,
// "Imported models: pixels → int8"). The rule is a 256-entry table per channel, computed once:
//   model input int8          q = clamp(zp + round(real / scale))               (TFLite QUANTIZE of a float)
//   float input + QUANTIZE    the same with the QUANTIZE output's scale and zero point
//   uint8 input + QUANTIZE    u = pixel (raw), q = Requantize(u)                (as TFLite runs it)
//   int8 input + QUANTIZE     q_in as for an int8 input, then Requantize(q_in)
// with real = (pixel · inputScale − mean[c]) / std[c] in binary32: the caller's preprocessing,
// else the file's metadata normalisation, else pixel / 255 (inputScale 1, mean 0, std 255,
// the same binary32 division Keras' `x / 255.0` performs).

/// The preprocessing applied when neither the caller nor the file gives one: pixel / 255.
public let defaultPixelPreprocessing = Preprocessing(inputScale: 1, mean: [0], std: [255], source: "default pixel / 255")

enum PixelInputRule {
    /// The input node's table and quantisation, and a sentence describing the rule.
    static func table(inputTensor t: ImportedTensor, quantizeTo out: ImportedTensor?, channels: Int,
                      preprocessing: Preprocessing?, metadata: Preprocessing?, fail: (String, String) -> EdgeError) throws -> (QInputLayer, QuantParams, String) {
        let pre = preprocessing ?? metadata ?? defaultPixelPreprocessing
        for (name, v) in [("mean", pre.mean), ("std", pre.std)] where v.count != 1 && v.count != channels {
            throw fail("preprocessing.\(name)", "has \(v.count) entries; the input has \(channels) channel(s) (give 1 or \(channels))")
        }
        guard pre.inputScale.isFinite, pre.inputScale > 0, pre.std.allSatisfy({ $0.isFinite && $0 != 0 }), pre.mean.allSatisfy(\.isFinite) else {
            throw fail("preprocessing", "scale \(pre.inputScale), mean \(pre.mean), std \(pre.std): every value must be finite, scale > 0, std ≠ 0")
        }
        func params(_ x: ImportedTensor, _ field: String) throws -> QuantParams {
            guard let q = x.quantization, q.isPerTensor, let s = q.scales.first, s.isFinite, s > 0, let zp = q.zeroPoints.first else {
                throw fail(field, "needs one finite scale > 0 and a zero point")
            }
            return QuantParams(scale: s, zeroPoint: zp)
        }
        let describe = "real = (pixel·\(pre.inputScale) − mean \(pre.mean)) / std \(pre.std) [\(pre.source)]"
        func affine(_ q: QuantParams) -> QInputLayer {
            QInputLayer.affine(channels: channels, quant: q, pixelScale: pre.inputScale, mean: pre.mean, std: pre.std)
        }
        guard let out else {
            guard t.type == .int8 else { throw fail("input.type", "\(t.type.rawValue) input without a QUANTIZE to int8 after it") }
            let q = try params(t, "input.quantization")
            return (affine(q), q, "int8 input: q = clamp(\(q.zeroPoint) + round(real / \(q.scale))), \(describe)")
        }
        let qo = try params(out, "QUANTIZE output quantization")
        switch t.type {
        case .float32:
            return (affine(qo), qo, "float input + QUANTIZE: q = clamp(\(qo.zeroPoint) + round(real / \(qo.scale))), \(describe)")
        case .uint8:
            let qi = try params(t, "input.quantization")
            guard (0...255).contains(qi.zeroPoint) else { throw fail("input.quantization.zero_point", "= \(qi.zeroPoint) is outside [0, 255]") }
            guard let base = QInputLayer.uint8(inputScale: qi.scale, inputZeroPoint: qi.zeroPoint, output: qo) else {
                throw fail("QUANTIZE multiplier", "input scale / output scale = \(Double(qi.scale) / Double(qo.scale)) is out of range")
            }
            if preprocessing == nil {
                return (base, qo, "uint8 input (the raw pixel) + QUANTIZE uint8 → int8 (Requantize; file normalisation not applied, as TFLite's task library does for quantised inputs)")
            }
            // An explicit preprocessing: quantise real to the uint8 tensor first.
            let u = (0..<channels).flatMap { c in (0..<256).map { p -> Int8 in
                let m = pre.mean.count == 1 ? pre.mean[0] : pre.mean[c], s = pre.std.count == 1 ? pre.std[0] : pre.std[c]
                let r = ((Float(p) * pre.inputScale - m) / s / qi.scale).rounded(.toNearestOrAwayFromZero)
                let v = r.isNaN ? 0 : Int(min(max(r, -1e6), 1e6)) + Int(qi.zeroPoint)
                return base.table[min(max(v, 0), 255)]
            } }
            return (QInputLayer(table: u), qo, "uint8 input u = clamp(\(qi.zeroPoint) + round(real / \(qi.scale)), 0, 255) + QUANTIZE, \(describe)")
        case .int8:
            let qi = try params(t, "input.quantization")
            guard let m = FixedPoint.tfliteMultiplier(Double(qi.scale) / Double(qo.scale)) else {
                throw fail("QUANTIZE multiplier", "input scale / output scale = \(Double(qi.scale) / Double(qo.scale)) is out of range")
            }
            let first = affine(qi)
            let table = first.table.map { v -> Int8 in
                let r = FixedPoint.multiplyByQuantizedMultiplier(Int32(v) - qi.zeroPoint, m.mult, m.shift) &+ qo.zeroPoint
                return Int8(min(max(r, -128), 127))
            }
            return (QInputLayer(table: table), qo, "int8 input (\(describe)) + QUANTIZE int8 → int8 (Requantize)")
        default:
            throw fail("input.type", "\(t.type.rawValue) input is not supported")
        }
    }
}
