import EdgeCore
import EdgeModel

// The quantiser on the layers imported float graphs add (EdgeModel ops 10–13): general
// convolutions (per-axis kernel and stride, per-side padding, depthwise), windowed pooling,
// zero padding, and clips fused into the clamp of the op before them (ReLU6).

extension Quantizer {
    /// The int8 node of fused group `f` whose head is an imported-model op.
    static func importedNode(_ f: Fusion, model: Model, qnodes: [QNode], inputs: [Int], range: (Float, Float), out: QuantParams,
                             options: Options, shapes: [[Int]]) throws -> QNode {
        let g = model.graph, node = g.nodes[f.head], name = g.nodes[f.tail].name
        func hwc(_ s: [Int]) -> [Int] { s.count == 3 ? [s[1], s[2], s[0]] : s }
        let inQ = qnodes[inputs[0]].quant
        switch node.op {
        case let .convolution(c):
            let w = model.parameters[f.head][0].data, b = model.parameters[f.head][1].data
            let (o, kh, kw) = (c.outChannels, c.window.kernelH, c.window.kernelW)
            let cin = shapes[node.inputs[0]][0], per = c.depthwise ? 1 : cin
            // [O][I][ky][kx] → [O][ky][kx][I] (depthwise: [C][ky][kx], already in order).
            var wh = [Float](repeating: 0, count: w.count)
            for oc in 0..<o { for i in 0..<per { for y in 0..<kh { for x in 0..<kw {
                wh[((oc * kh + y) * kw + x) * per + i] = w[((oc * per + i) * kh + y) * kw + x]
            } } } }
            let o8 = f.relu ? QuantParams.covering(0, range.1) : out
            var layer = try quantizeLayer(weights: wh, bias: b, outChannels: o, inScale: inQ.scale, out: o8, relu: f.relu,
                                          perTensor: options.perTensor, name: name, kernel: kh, stride: c.window.strideH, padding: 0,
                                          inChannels: cin, dense: false)
            let p = c.window.padding
            (layer.kernelH, layer.kernelW, layer.strideH, layer.strideW) = (kh, kw, c.window.strideH, c.window.strideW)
            (layer.padTop, layer.padBottom, layer.padLeft, layer.padRight) = (p.top, p.bottom, p.left, p.right)
            layer.isDepthwise = c.depthwise
            return QNode(op: .conv(layer), inputs: inputs, name: name, floatNode: f.tail, shape: hwc(shapes[f.head]), quant: o8,
                         rangeMin: range.0, rangeMax: range.1)
        case let .pool(s):
            let p = s.window.padding
            if !s.isMax && s.countIncludesPadding && p.values.contains(where: { $0 > 0 }) {
                throw EdgeError.usage("\(name): the int8 engine's average pool divides by the cells inside the input "
                                      + "(TFLite's rule), not the padded window")
            }
            let layer = QPoolLayer(kind: s.isMax ? .max : .average, kernelH: s.window.kernelH, kernelW: s.window.kernelW,
                                   strideH: s.window.strideH, strideW: s.window.strideW, padTop: p.top, padBottom: p.bottom,
                                   padLeft: p.left, padRight: p.right)
            return QNode(op: .pool(layer), inputs: inputs, name: name, floatNode: f.tail, shape: hwc(shapes[f.head]), quant: inQ,
                         rangeMin: range.0, rangeMax: range.1)
        case let .pad(p):
            return QNode(op: .pad(QPadLayer(top: p.top, bottom: p.bottom, left: p.left, right: p.right)), inputs: inputs, name: name,
                         floatNode: f.tail, shape: hwc(shapes[f.head]), quant: inQ, rangeMin: range.0, rangeMax: range.1)
        default:
            throw EdgeError.usage("\(name): a \(node.op.kind) that does not follow a convolution, dense layer or add has no int8 form")
        }
    }

    /// `q` with its clamp narrowed to a fused clip [lower, upper]: zp + round(bound / scale),
    /// half away from zero, within [−128, 127] (TFLite's CalculateActivationRangeQuantized).
    static func clamped(_ q: QNode, _ clip: (lower: Float, upper: Float)) -> QNode {
        func bound(_ v: Float, _ lo: Int32, _ hi: Int32) -> Int32 {
            guard v.isFinite else { return v < 0 ? lo : hi }
            let r = Double((v / q.quant.scale).rounded(.toNearestOrAwayFromZero)) + Double(q.quant.zeroPoint)
            return Int32(min(max(r, Double(lo)), Double(hi)))
        }
        var n = q
        switch q.op {
        case .conv(var c):
            c.actMin = max(c.actMin, bound(clip.lower, -128, 127)); c.actMax = min(c.actMax, bound(clip.upper, -128, 127))
            n.op = .conv(c)
        case .add(var a):
            a.actMin = max(a.actMin, bound(clip.lower, -128, 127)); a.actMax = min(a.actMax, bound(clip.upper, -128, 127))
            n.op = .add(a)
        default:
            break
        }
        return n
    }

    /// The input node for an image followed by the per-channel affine y = x·a[c] + b[c]
    /// (float node `i`, x = pixel/255): a table q[c][pixel] = clamp(zp + round(y / scale)) in
    /// binary32, with scale and zero point covering y over all 256 pixel values (the affine is
    /// monotone, so its extremes are at pixels 0 and 255; no calibration needed).
    static func inputAffineNode(_ model: Model, node i: Int, name: String, shape: [Int]) -> QNode {
        let a = model.parameters[i][0].data, b = model.parameters[i][1].data
        let y = { (c: Int, p: Int) -> Float in Float(p) * (1 / 255) * a[c] + b[c] }
        let ends = a.indices.flatMap { [y($0, 0), y($0, 255)] }
        let (lo, hi) = (ends.min() ?? 0, ends.max() ?? 0)
        let quant = QuantParams.covering(lo, hi)
        var table = [Int8](repeating: 0, count: 256 * a.count)
        for c in a.indices { for p in 0..<256 {
            let r = (y(c, p) / quant.scale).rounded(.toNearestOrAwayFromZero)
            table[c * 256 + p] = Int8(min(max(Double(r) + Double(quant.zeroPoint), -128), 127))
        } }
        return QNode(op: .quantizedInput(QInputLayer(table: table)), inputs: [], name: model.graph.nodes[i].name, floatNode: i, shape: shape,
                     quant: quant, rangeMin: lo, rangeMax: hi)
    }
}
