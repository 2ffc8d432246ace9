import EdgeCore
import EdgeData
import EdgeFloat
import EdgeModel
import Foundation

/// Post-training quantisation: folds batch norm into the preceding convolution, fuses
/// ReLU into the clamp of the op before it, quantises weights symmetric per output channel
/// to [−127, 127], activations asymmetric per tensor from calibration ranges, biases to
/// int32 at input_scale · weight_scale, and multipliers to Q31 + shift.
public enum Quantizer {
    /// Options of a quantisation run.
    public struct Options: Sendable {
        /// Range selection.
        public var method: CalibrationMethod = .minmax
        /// One weight scale per layer instead of per output channel.
        public var perTensor = false

        /// Defaults: min–max ranges, per-channel weights.
        public init(method: CalibrationMethod = .minmax, perTensor: Bool = false) {
            self.method = method
            self.perTensor = perTensor
        }
    }

    /// A float node's plan: which int8 node represents it.
    struct Fusion {
        var head: Int          // conv/dense/add/other float node that starts the group
        var tail: Int          // last float node folded into it (bn, relu, clip)
        var bn: Int?           // folded batch norm
        var relu: Bool
        var clip: (lower: Float, upper: Float)? = nil   // a fused clip (ReLU6), imported graphs
        var inputAffine: Int? = nil   // the input's per-channel affine folded into the input table
    }

    /// Quantises `model` with `calibration` images.
    public static func quantize(_ model: Model, calibration: LabeledImages, options: Options = Options()) throws -> QuantizedGraph {
        let net = try FloatNetwork(model)
        let g = model.graph
        guard calibration.count > 0 else { throw EdgeError.badData(path: "calibration", reason: "no calibration images") }
        let groups = try fusionGroups(g)
        // Only each group's last float node is sampled: its output is the int8 node's output.
        let samples = ActivationSamples.collect(net, calibration, nodes: Set(groups.map(\.tail)))
        let fshapes = net.shapes

        var qnodes: [QNode] = []
        var qIndex = [Int](repeating: -1, count: g.nodes.count)   // float node → int8 node
        for f in groups {
            let inputs = g.nodes[f.head].inputs.map { qIndex[$0] }
            let q = try groupNode(f, model: model, qnodes: qnodes, inputs: inputs,
                                  range: samples.range(f.tail, method: options.method), options: options, shapes: fshapes)
            for k in [f.head, f.bn, f.relu || f.clip != nil ? f.tail : nil, f.inputAffine].compactMap({ $0 }) { qIndex[k] = qnodes.count }
            qnodes.append(f.clip.map { clamped(q, $0) } ?? q)
        }
        let qg = QuantizedGraph(nodes: qnodes, method: options.method.rawValue, calibrationImages: calibration.count, perTensor: options.perTensor)
        try qg.validate(inputShape: g.inputShape)
        return qg
    }

    /// Groups the float nodes of `g`, in order, into the int8 nodes they become: a conv
    /// absorbs a following batch norm, and a conv/dense/add a following ReLU or clip, but
    /// only when that node is its sole consumer (otherwise the unfused value is still read).
    static func fusionGroups(_ g: Graph) throws -> [Fusion] {
        // Consumers of each node, to know when folding is safe (single consumer).
        var consumers = [[Int]](repeating: [], count: g.nodes.count)
        for (i, n) in g.nodes.enumerated() { for j in n.inputs { consumers[j].append(i) } }
        func sole(_ i: Int) -> Int? { consumers[i].count == 1 ? consumers[i][0] : nil }

        var groups: [Fusion] = []
        var covered = Set<Int>()
        for i in g.nodes.indices where !covered.contains(i) {
            var f = Fusion(head: i, tail: i, bn: nil, relu: false)
            switch g.nodes[i].op {
            case .conv2d, .dense, .add, .convolution:
                if case .conv2d = g.nodes[i].op, let c = sole(i), case .batchNorm = g.nodes[c].op {
                    f.bn = c; f.tail = c
                }
                if let c = sole(f.tail), g.nodes[c].op == .relu { f.relu = true; f.tail = c }
                else if let c = sole(f.tail), case let .clip(lo, hi) = g.nodes[c].op { f.clip = (lo, hi); f.tail = c }
            case .batchNorm:
                throw EdgeError.badModel(path: "model", section: "graph", offset: 0,
                                         reason: "node \(g.nodes[i].name): batch norm that does not follow a convolution cannot be folded")
            default:
                break
            }
            for k in [f.head, f.bn, f.relu || f.clip != nil ? f.tail : nil].compactMap({ $0 }) { covered.insert(k) }
            groups.append(f)
        }
        // The image's sole consumer a per-channel affine (an imported model's preprocessing):
        // the input table computes it exactly, so it needs no int8 layer of its own.
        if let a = sole(0), QuantizedGraph.isInputAffine(g, a), let k = groups.firstIndex(where: { $0.head == a }),
           !groups[k].relu, groups[k].clip == nil {
            groups[0].inputAffine = a
            groups[0].tail = a
            groups.remove(at: k)
        }
        return groups
    }

    /// A float [C, H, W] shape as the int8 engine's [H, W, C]; other ranks unchanged.
    private static func hwc(_ s: [Int]) -> [Int] { s.count == 3 ? [s[1], s[2], s[0]] : s }

    /// The int8 node of fused group `f` (before any fused clip is applied), its inputs
    /// already mapped to int8 node indices and its output range `range` from calibration.
    private static func groupNode(_ f: Fusion, model: Model, qnodes: [QNode], inputs: [Int], range: (Float, Float),
                                  options: Options, shapes fshapes: [[Int]]) throws -> QNode {
        let g = model.graph, node = g.nodes[f.head], name = g.nodes[f.tail].name
        let (lo, hi) = range
        let out = QuantParams.covering(lo, hi)
        switch node.op {
        case .input:
            if let a = f.inputAffine { return inputAffineNode(model, node: a, name: name, shape: hwc(fshapes[0])) }
            return QNode(op: .input, inputs: [], name: name, floatNode: f.tail, shape: hwc(fshapes[0]), quant: .input, rangeMin: 0, rangeMax: 1)
        case let .conv2d(o, k, s, p):
            return try conv2dNode(f, model: model, qnodes: qnodes, inputs: inputs, range: range, out: out, options: options,
                                  shapes: fshapes, geometry: (o, k, s, p))
        case let .dense(o):
            return try denseNode(f, model: model, qnodes: qnodes, inputs: inputs, range: range, out: out, options: options,
                                 shapes: fshapes, outChannels: o)
        case .add:
            return try addNode(f, name: name, qnodes: qnodes, inputs: inputs, range: range, out: out, shape: hwc(fshapes[f.head]))
        case .relu:
            let inQ = qnodes[inputs[0]].quant
            return QNode(op: .relu, inputs: inputs, name: name, floatNode: f.tail, shape: qnodes[inputs[0]].shape, quant: inQ, rangeMin: lo, rangeMax: hi)
        case let .maxPool(k, s), let .avgPool(k, s):
            let inQ = qnodes[inputs[0]].quant
            let isMax: Bool
            if case .maxPool = node.op { isMax = true } else { isMax = false }
            return QNode(op: isMax ? .maxPool(kernel: k, stride: s) : .avgPool(kernel: k, stride: s), inputs: inputs, name: name,
                         floatNode: f.tail, shape: hwc(fshapes[f.head]), quant: inQ, rangeMin: lo, rangeMax: hi)
        case .globalAvgPool:
            return QNode(op: .globalAvgPool, inputs: inputs, name: name, floatNode: f.tail, shape: fshapes[f.head], quant: qnodes[inputs[0]].quant,
                         rangeMin: lo, rangeMax: hi)
        case .flatten:
            return QNode(op: .flatten, inputs: inputs, name: name, floatNode: f.tail, shape: fshapes[f.head], quant: qnodes[inputs[0]].quant,
                         rangeMin: lo, rangeMax: hi)
        case .batchNorm:
            throw EdgeError.internalError("unfolded batch norm")
        case .convolution, .pool, .clip, .pad:
            return try importedNode(f, model: model, qnodes: qnodes, inputs: inputs, range: (lo, hi), out: out, options: options,
                                    shapes: fshapes)
        }
    }

    /// A square conv2d group: batch norm folded into its weights, weights reordered to the
    /// engine's HWC window order, and the output range clipped at 0 when a ReLU is fused.
    private static func conv2dNode(_ f: Fusion, model: Model, qnodes: [QNode], inputs: [Int], range: (Float, Float), out: QuantParams,
                                   options: Options, shapes fshapes: [[Int]], geometry: (Int, Int, Int, Int)) throws -> QNode {
        let g = model.graph, node = g.nodes[f.head], name = g.nodes[f.tail].name
        let (lo, hi) = range, (o, k, s, p) = geometry
        var out = out
        let inQ = qnodes[inputs[0]].quant
        var (w, b) = (model.parameters[f.head][0].data, model.parameters[f.head][1].data)
        if let bn = f.bn { (w, b) = fold(w: w, b: b, outChannels: o, bn: model.parameters[bn], eps: epsilon(g.nodes[bn].op)) }
        let cin = fshapes[node.inputs[0]][0]
        // [O][C][ky][kx] → [O][ky][kx][C] for HWC windows.
        var wh = [Float](repeating: 0, count: w.count)
        for oc in 0..<o { for c in 0..<cin { for y in 0..<k { for x in 0..<k {
            wh[((oc * k + y) * k + x) * cin + c] = w[((oc * cin + c) * k + y) * k + x]
        } } } }
        if f.relu { out = QuantParams.covering(0, hi) }
        let layer = try quantizeLayer(weights: wh, bias: b, outChannels: o, inScale: inQ.scale, out: out, relu: f.relu,
                                      perTensor: options.perTensor, name: name, kernel: k, stride: s, padding: p, inChannels: cin, dense: false)
        return QNode(op: .conv(layer), inputs: inputs, name: name, floatNode: f.tail, shape: hwc(fshapes[f.head]), quant: out, rangeMin: lo, rangeMax: hi)
    }

    /// A dense group as a 1×1 conv over a vector: columns reordered from CHW to HWC when
    /// its input is a flattened image, since the engine flattens images in HWC order.
    private static func denseNode(_ f: Fusion, model: Model, qnodes: [QNode], inputs: [Int], range: (Float, Float), out: QuantParams,
                                  options: Options, shapes fshapes: [[Int]], outChannels o: Int) throws -> QNode {
        let g = model.graph, node = g.nodes[f.head], name = g.nodes[f.tail].name
        let (lo, hi) = range
        var out = out
        let inQ = qnodes[inputs[0]].quant
        let inF = fshapes[node.inputs[0]][0]
        var w = model.parameters[f.head][0].data
        // Dense after a flatten of [C, H, W]: reorder columns from CHW to HWC.
        if let chw = flattenedFrom(g, node.inputs[0], fshapes) {
            let (c, h, ww) = (chw[0], chw[1], chw[2])
            var p = [Float](repeating: 0, count: w.count)
            for oc in 0..<o { for ci in 0..<c { for y in 0..<h { for x in 0..<ww {
                p[oc * inF + (y * ww + x) * c + ci] = w[oc * inF + (ci * h + y) * ww + x]
            } } } }
            w = p
        }
        if f.relu { out = QuantParams.covering(0, hi) }
        let layer = try quantizeLayer(weights: w, bias: model.parameters[f.head][1].data, outChannels: o, inScale: inQ.scale, out: out,
                                      relu: f.relu, perTensor: options.perTensor, name: name, kernel: 1, stride: 1, padding: 0,
                                      inChannels: inF, dense: true)
        return QNode(op: .conv(layer), inputs: inputs, name: name, floatNode: f.tail, shape: [o], quant: out, rangeMin: lo, rangeMax: hi)
    }

    /// An add group: both inputs rescaled to twice the larger input scale with a left
    /// shift of 20 (TFLite's int8 ADD scheme), so the sum keeps headroom in int32.
    private static func addNode(_ f: Fusion, name: String, qnodes: [QNode], inputs: [Int], range: (Float, Float), out: QuantParams,
                                shape: [Int]) throws -> QNode {
        let (lo, hi) = range
        var out = out
        if f.relu { out = QuantParams.covering(0, hi) }
        let a = qnodes[inputs[0]].quant, b = qnodes[inputs[1]].quant
        let leftShift: Int32 = 20
        let twiceMax = 2 * Double(max(a.scale, b.scale))
        guard let am = FixedPoint.quantizeMultiplier(Double(a.scale) / twiceMax),
              let bm = FixedPoint.quantizeMultiplier(Double(b.scale) / twiceMax),
              let om = FixedPoint.quantizeMultiplier(twiceMax / (Double(1 << leftShift) * Double(out.scale))) else {
            throw EdgeError.badModel(path: "model", section: "QNET", offset: 0, reason: "\(name): add multipliers out of range")
        }
        let layer = QAddLayer(leftShift: leftShift, aMult: am.mult, aShift: am.shift, bMult: bm.mult, bShift: bm.shift,
                              outMult: om.mult, outShift: om.shift, actMin: f.relu ? out.zeroPoint : -128, actMax: 127)
        return QNode(op: .add(layer), inputs: inputs, name: name, floatNode: f.tail, shape: shape, quant: out, rangeMin: lo, rangeMax: hi)
    }

    private static func epsilon(_ op: Op) -> Float {
        if case let .batchNorm(e) = op { return e }
        return 1e-5
    }

    /// w' = w·γ/√(σ² + ε) per output channel, b' = (b − μ)·γ/√(σ² + ε) + β.
    static func fold(w: [Float], b: [Float], outChannels o: Int, bn: [Tensor], eps: Float) -> ([Float], [Float]) {
        var w2 = w, b2 = b
        let per = w.count / o
        for c in 0..<o {
            let f = Double(bn[0].data[c]) / (Double(bn[3].data[c]) + Double(eps)).squareRoot()
            for k in 0..<per { w2[c * per + k] = Float(Double(w[c * per + k]) * f) }
            b2[c] = Float((Double(b[c]) - Double(bn[2].data[c])) * f + Double(bn[1].data[c]))
        }
        return (w2, b2)
    }

    /// The [C, H, W] shape a dense input was flattened from, if any.
    private static func flattenedFrom(_ g: Graph, _ i: Int, _ shapes: [[Int]]) -> [Int]? {
        guard g.nodes[i].op == .flatten else { return nil }
        let s = shapes[g.nodes[i].inputs[0]]
        return s.count == 3 && (s[1] > 1 || s[2] > 1) ? s : nil
    }

    /// The smallest weight scale at which a channel's bias fits the int32 accumulator bound and
    /// its requantisation multiplier stays above 2⁻³¹, as TFLite's quantiser raises the weight
    /// scale of a channel whose weights have (nearly) died in training. Only such channels are
    /// affected: with max|w|/127 above it, nothing changes.
    static func minimumWeightScale(bias: Float, inScale: Float, out: QuantParams, window: Int) -> Float {
        let room = Double(Int32.max) - Double(window) * Double(QuantizedGraph.maxProduct) - 1
        let forBias = room > 0 ? Double(abs(bias)) / (Double(inScale) * room) : 0
        let forMultiplier = Double(out.scale) * 0x1p-31 / Double(inScale)
        return Float(max(forBias, forMultiplier)).nextUp
    }

    static func quantizeLayer(weights w: [Float], bias b: [Float], outChannels o: Int, inScale: Float, out: QuantParams, relu: Bool,
                              perTensor: Bool, name: String, kernel: Int, stride: Int, padding: Int, inChannels: Int, dense: Bool) throws -> QConvLayer {
        let per = w.count / o
        // Weights that overflowed (huge parameters times a batch-norm factor) have no int8
        // form; refuse them here rather than trap converting NaN to an integer below.
        guard w.allSatisfy({ $0.isFinite }), b.allSatisfy({ $0.isFinite }), inScale.isFinite, inScale > 0, out.scale.isFinite, out.scale > 0 else {
            throw EdgeError.badModel(path: "model", section: "QNET", offset: 0,
                                     reason: "\(name): weights, biases or activation ranges are not finite (after batch-norm folding)")
        }
        var scales = [Float](repeating: 1, count: o)
        var layerMax: Float = 0
        for v in w { layerMax = max(layerMax, abs(v)) }
        for c in 0..<o {
            var m: Float = 0
            for k in 0..<per { m = max(m, abs(w[c * per + k])) }
            let mm = perTensor ? layerMax : m
            scales[c] = max(mm > 0 ? mm / 127 : 1, minimumWeightScale(bias: b[c], inScale: inScale, out: out, window: per))
        }
        var qw = [Int8](repeating: 0, count: w.count)
        var bias = [Int32](repeating: 0, count: o), mult = bias, shift = bias
        for c in 0..<o {
            for k in 0..<per {
                let q = (Double(w[c * per + k]) / Double(scales[c])).rounded(.toNearestOrAwayFromZero)
                qw[c * per + k] = Int8(min(max(q, -127), 127))
            }
            let bs = Double(inScale) * Double(scales[c])
            let bq = (Double(b[c]) / bs).rounded(.toNearestOrAwayFromZero)
            guard abs(bq) + Double(per) * Double(QuantizedGraph.maxProduct) <= Double(Int32.max) else {
                throw EdgeError.badModel(path: "model", section: "QNET", offset: 0,
                                         reason: "\(name): bias \(b[c]) at scale \(bs) breaks the int32 accumulator bound")
            }
            bias[c] = Int32(bq)
            guard let m = FixedPoint.quantizeMultiplier(bs / Double(out.scale)) else {
                throw EdgeError.badModel(path: "model", section: "QNET", offset: 0,
                                         reason: "\(name): requantisation multiplier \(bs / Double(out.scale)) is outside (2^-32, 1)")
            }
            mult[c] = m.mult
            shift[c] = m.shift
        }
        return QConvLayer(kernel: kernel, stride: stride, padding: padding, inChannels: inChannels, outChannels: o, isDense: dense,
                          weights: qw, weightScales: scales, bias: bias, multiplier: mult, shift: shift,
                          actMin: relu ? out.zeroPoint : -128, actMax: 127)
    }
}
