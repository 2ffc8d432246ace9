import EdgeCore
import EdgeFloat
import EdgeModel
import EdgeQuant

/// The `ste` way of attacking an int8 net: a float network that simulates it — the int8
/// weights and biases dequantised into the float graph (batch norms folded away), every
/// int8 layer's output rounded to its int8 grid — whose gradients pass straight through
/// the rounding. Examples crafted on it are then evaluated on the exact integer engine.
public enum StraightThrough {
    /// The simulating float network for `model` and its int8 net `q`.
    public static func network(_ model: Model, _ q: QuantizedGraph) throws -> FloatNetwork {
        var m = model
        let g = model.graph
        let shapes = try g.shapes()
        for node in q.nodes {
            guard case .conv(let c) = node.op else { continue }
            // Walk back from the represented float node through ReLU (or an imported model's
            // clip) and batch norm to the convolution or dense layer that starts the fused group.
            var head = node.floatNode
            var bn: Int? = nil
            while true {
                switch g.nodes[head].op {
                case .relu, .clip: head = g.nodes[head].inputs[0]; continue
                case .batchNorm: bn = head; head = g.nodes[head].inputs[0]; continue
                default: break
                }
                break
            }
            let inScale = q.nodes[node.inputs[0]].quant.scale
            let o = c.outChannels, per = c.windowSize
            var w = [Float](repeating: 0, count: o * per), b = [Float](repeating: 0, count: o)
            let inShape = shapes[g.nodes[head].inputs[0]]
            // The dense input may be a flatten of [C, H, W]: undo the HWC column order.
            var chw: [Int]? = nil
            if case .dense = g.nodes[head].op, g.nodes[g.nodes[head].inputs[0]].op == .flatten {
                let s = shapes[g.nodes[g.nodes[head].inputs[0]].inputs[0]]
                if s.count == 3 { chw = s }
            }
            for oc in 0..<o {
                let sw = c.weightScales[oc]
                b[oc] = Float(c.bias[oc]) * inScale * sw
                if c.isDense {
                    if let s = chw {
                        let (cc, h, ww) = (s[0], s[1], s[2])
                        for ci in 0..<cc { for y in 0..<h { for x in 0..<ww {
                            w[oc * per + (ci * h + y) * ww + x] = Float(c.weights[oc * per + (y * ww + x) * cc + ci]) * sw
                        } } }
                    } else {
                        for k in 0..<per { w[oc * per + k] = Float(c.weights[oc * per + k]) * sw }
                    }
                } else {
                    // int8 [O][kh][kw][I] → float [O][I][kh][kw]; depthwise: I = 1.
                    let (kh, kw, cin) = (c.kernelH, c.kernelW, c.isDepthwise ? 1 : inShape[0])
                    for ci in 0..<cin { for y in 0..<kh { for x in 0..<kw {
                        w[((oc * cin + ci) * kh + y) * kw + x] = Float(c.weights[((oc * kh + y) * kw + x) * cin + ci]) * sw
                    } } }
                }
            }
            m.parameters[head][0].data = w
            m.parameters[head][1].data = b
            if let bn, case let .batchNorm(eps) = g.nodes[bn].op {
                // Folded into the weights above: make the batch norm the identity.
                let ch = m.parameters[bn][0].count
                m.parameters[bn][0].data = .init(repeating: 1, count: ch)
                m.parameters[bn][1].data = .init(repeating: 0, count: ch)
                m.parameters[bn][2].data = .init(repeating: 0, count: ch)
                m.parameters[bn][3].data = .init(repeating: 1 - eps, count: ch)
            }
        }
        let net = try FloatNetwork(m)
        // Node 0 is the image, on its pixel grid already, unless the quantiser folded the
        // input's affine preprocessing into its table: then that affine's output is on the
        // input node's grid.
        for (i, node) in q.nodes.enumerated() where i > 0 || node.floatNode > 0 {
            net.fakeQuant[node.floatNode] = (node.quant.scale, node.quant.zeroPoint)
        }
        return net
    }
}
