import EdgeCore
import EdgeModel
import EdgeQuant

/// Names and layouts of the int8 tensors in a safetensors export (docs/integer-spec.md):
/// `int8.<layer>.weight` I8 [O, k, k, C] (HWC windows), `.bias` I32 [O], `.multiplier`
/// I32 [O], `.shift` I32 [O], `.weight_scale` F32 [O]; per-layer scalars (scale, zero
/// point, clamp, add multipliers) are in the `edge-audit.int8.graph` metadata JSON.
public enum Int8Export {
    /// The int8 tensors of `q`'s conv/dense layers, five per layer, in graph order.
    public static func entries(_ q: QuantizedGraph) -> [Safetensors.Entry] {
        var out: [Safetensors.Entry] = []
        func i32(_ name: String, _ v: [Int32]) -> Safetensors.Entry {
            var w = ByteWriter()
            for x in v { w.i32(x) }
            return Safetensors.Entry(name: name, dtype: "I32", shape: [v.count], bytes: w.bytes)
        }
        for n in q.nodes {
            guard case .conv(let c) = n.op else { continue }
            let p = "int8.\(n.name)"
            out.append(Safetensors.Entry(name: p + ".weight", dtype: "I8", shape: [c.outChannels, c.kernel, c.kernel, c.inChannels],
                                         bytes: c.weights.map { UInt8(bitPattern: $0) }))
            out.append(i32(p + ".bias", c.bias))
            out.append(i32(p + ".multiplier", c.multiplier))
            out.append(i32(p + ".shift", c.shift))
            out.append(.f32(p + ".weight_scale", Tensor(shape: [c.outChannels], data: c.weightScales)))
        }
        return out
    }

    /// The int8 graph as a JSON array, one object per node: name, op, inputs, shape,
    /// scale and zero point, and the op's integer parameters.
    public static func graphJSON(_ q: QuantizedGraph) -> String {
        let nodes = q.nodes.map { n -> String in
            var f = ["\"name\":\(JSONText.quote(n.name))", "\"op\":\"\(n.op.kind)\"", "\"inputs\":[\(n.inputs.map(String.init).joined(separator: ","))]",
                     "\"shape\":[\(n.shape.map(String.init).joined(separator: ","))]", "\"scale\":\(n.quant.scale)", "\"zero_point\":\(n.quant.zeroPoint)"]
            switch n.op {
            case .conv(let c):
                f += ["\"kernel\":\(c.kernel)", "\"stride\":\(c.stride)", "\"padding\":\(c.padding)", "\"act_min\":\(c.actMin)", "\"act_max\":\(c.actMax)"]
            case let .maxPool(k, s), let .avgPool(k, s):
                f += ["\"kernel\":\(k)", "\"stride\":\(s)"]
            case .add(let a):
                f += ["\"left_shift\":\(a.leftShift)", "\"a_mult\":\(a.aMult)", "\"a_shift\":\(a.aShift)", "\"b_mult\":\(a.bMult)",
                      "\"b_shift\":\(a.bShift)", "\"out_mult\":\(a.outMult)", "\"out_shift\":\(a.outShift)", "\"act_min\":\(a.actMin)", "\"act_max\":\(a.actMax)"]
            default:
                break
            }
            return "{" + f.joined(separator: ",") + "}"
        }
        return "[" + nodes.joined(separator: ",") + "]"
    }
}
