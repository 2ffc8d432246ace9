import EdgeCore
import EdgeData
import EdgeFloat
import Foundation

/// Signal-to-quantisation-noise ratio of each int8 layer's dequantised output against the
/// float output it replaces: 10·log10(Σ f² / Σ (f − q)²), in dB, over a set of images.
public enum SQNR {
    /// Per int8 node (input included), the SQNR in dB (infinity when exact).
    public static func perLayer(float net: FloatNetwork, int8 q: IntegerNetwork, set: LabeledImages, limit: Int = 200) -> [Double] {
        let n = min(limit, set.count)
        let idx = Array(0..<n)
        let pass = net.forward(set.floatBatch(idx).data, batch: n)
        let (_, outs) = q.run(set, idx, keep: true)
        var signal = [Double](repeating: 0, count: q.graph.nodes.count), noise = signal
        for (i, node) in q.graph.nodes.enumerated() {
            let f = pass.outputs[node.floatNode]
            let per = f.count / n
            // A flatten keeps the HWC order of its input, so map through the input's shape.
            let s = node.op == .flatten ? q.graph.nodes[node.inputs[0]].shape : node.shape
            for b in 0..<n {
                let qi = outs[b][i]
                for e in 0..<per {
                    // Float layout is CHW; int8 layout is HWC.
                    let qIndex: Int
                    if s.count == 3 {
                        let (h, w, c) = (s[0], s[1], s[2])
                        let ch = e / (h * w), rem = e % (h * w)
                        qIndex = rem * c + ch
                    } else {
                        qIndex = e
                    }
                    let fv = Double(f[b * per + e]), qv = Double(node.quant.dequantize(qi[qIndex]))
                    signal[i] += fv * fv
                    noise[i] += (fv - qv) * (fv - qv)
                }
            }
        }
        return zip(signal, noise).map { $1 == 0 ? .infinity : 10 * log10($0 / $1) }
    }
}
