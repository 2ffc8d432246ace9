import EdgeCore
import EdgeModel
import EdgeQuant

// An int8-only model (a full-integer .tflite with no float parent) still needs a float
// graph for everything that differentiates: white-box attacks, the straight-through
// simulation, Fisher information, saliency. This builds one with the int8 graph's exact
// structure: weights and biases dequantised (w·s_w, b·s_in·s_w), the pixel → int8 table as a
// per-channel affine fitted to it, and every clamp (the int8 range itself included) as a clip
// in real units.
// It is a simulation of the int8 net without its rounding, not the model it was trained
// as: reports say so.

/// The float twin of an imported int8 graph, paired with it like a model.bin's two nets.
public enum DequantizedFloatModel {
    /// The float model and the int8 graph re-indexed onto it (each int8 node names the float
    /// node it stands for; `crossCheck` passes). Throws `EdgeError.usage` naming the int8
    /// layer whose fused activation has no float form.
    /// With `activations` (int8 conv/add node → the float activation after it, nil for none),
    /// those replace the clips: the structure a float parent is paired on (EdgeTools'
    /// `FloatParentPairing`).
    public static func make(_ m: ImportedInt8Model, classNames: [String], path: String, activations: [Int: Op?]? = nil) throws -> LoadedModel {
        var b = Builder(q: m.graph)
        b.activations = activations
        try b.build()
        let model = Model(graph: Graph(inputShape: m.inputShape, nodes: b.nodes), parameters: b.params, metadata: ModelMetadata(classNames: classNames))
        _ = try model.validate(path: path)
        var g = m.graph
        for i in g.nodes.indices { g.nodes[i].floatNode = b.floatOf[i] }
        try g.crossCheck(against: model.graph, path: path, offset: 0)
        return LoadedModel(model: model, int8: g)
    }

    /// The per-channel affine y = x·a + b (x = pixel/255) nearest the dequantised table by
    /// least squares over the entries inside the int8 range (a clamped entry says nothing
    /// about the line).
    static func affine(_ table: [Int8], channels: Int, quant: QuantParams) -> (a: [Float], b: [Float]) {
        var a = [Float](), b = [Float]()
        for c in 0..<channels {
            let base = table.count == 256 ? 0 : c * 256
            var pts: [(Double, Double)] = []
            for p in 0..<256 where table[base + p] > -128 && table[base + p] < 127 {
                pts.append((Double(p) / 255, Double(Int32(table[base + p]) - quant.zeroPoint) * Double(quant.scale)))
            }
            if pts.count < 2 { pts = (0..<256).map { (Double($0) / 255, Double(Int32(table[base + $0]) - quant.zeroPoint) * Double(quant.scale)) } }
            let n = Double(pts.count), sx = pts.reduce(0) { $0 + $1.0 }, sy = pts.reduce(0) { $0 + $1.1 }
            let sxx = pts.reduce(0) { $0 + $1.0 * $1.0 }, sxy = pts.reduce(0) { $0 + $1.0 * $1.1 }
            let den = n * sxx - sx * sx
            let slope = den == 0 ? 0 : (n * sxy - sx * sy) / den
            a.append(Float(slope)); b.append(Float((sy - slope * sx) / n))
        }
        return (a, b)
    }

    struct Builder {
        let q: QuantizedGraph
        var nodes: [Node] = [], params: [[Tensor]] = [], floatOf: [Int] = []
        var activations: [Int: Op?]? = nil

        init(q: QuantizedGraph) { self.q = q }

        mutating func add(_ op: Op, _ inputs: [Int], _ name: String, _ p: [Tensor] = []) -> Int {
            nodes.append(Node(op, inputs, name: name)); params.append(p)
            return nodes.count - 1
        }

        /// The float form of an int8 clamp [lo, hi] on grid `quant`, after node `x`: a clip to
        /// those bounds in real units (the whole int8 range saturates too, and the int8 net's
        /// function depends on it), with a lower bound of exactly 0 at the zero point (ReLU).
        mutating func clamp(_ lo: Int32, _ hi: Int32, _ quant: QuantParams, after x: Int, name: String, node i: Int) -> Int {
            if let given = activations {
                guard let op = given[i] ?? nil else { nodes[x].name = name; return x }
                nodes[x].name = name + "/pre"
                return add(op, [x], name)
            }
            nodes[x].name = name + "/pre"
            let r = { (v: Int32) -> Float in Float(min(max(v, -128), 127) - quant.zeroPoint) * quant.scale }
            return add(.clip(lower: lo == quant.zeroPoint ? 0 : r(lo), upper: r(hi)), [x], name)
        }

        mutating func build() throws {
            for (i, n) in q.nodes.enumerated() {
                let ins = n.inputs.map { floatOf[$0] }
                let f: Int
                switch n.op {
                case .input:
                    f = add(.input, [], n.name)
                case .quantizedInput(let t):
                    let c = n.shape.last ?? 1
                    _ = add(.input, [], n.name == "image" ? "image_0" : "image")
                    let (a, b) = DequantizedFloatModel.affine(t.table, channels: c, quant: n.quant)
                    let w = Window2D(kernelH: 1, kernelW: 1, strideH: 1, strideW: 1, padding: SidePadding(top: 0, left: 0, bottom: 0, right: 0))
                    f = add(.convolution(ConvSpec(outChannels: c, window: w, depthwise: true)), [0], n.name,
                            [Tensor(shape: [c, 1, 1, 1], data: a), Tensor(shape: [c], data: b)])
                case .conv(let c):
                    let x = try conv(c, input: ins[0], inQ: q.nodes[n.inputs[0]], name: n.name)
                    f = clamp(c.actMin, c.actMax, n.quant, after: x, name: n.name, node: i)
                case .add(let a):
                    f = clamp(a.actMin, a.actMax, n.quant, after: add(.add, ins, n.name), name: n.name, node: i)
                case .relu: f = add(.relu, ins, n.name)
                case let .maxPool(k, s): f = add(.maxPool(kernel: k, stride: s), ins, n.name)
                case let .avgPool(k, s): f = add(.avgPool(kernel: k, stride: s), ins, n.name)
                case .globalAvgPool: f = add(.globalAvgPool, ins, n.name)
                case .mean:
                    // Read by a convolution (keepdims + 1×1 head): an average over the whole
                    // image, [C, 1, 1]; else the vector [C].
                    let s = q.nodes[n.inputs[0]].shape
                    if s.count == 3, readBySpatialConv(i) {
                        let w = Window2D(kernelH: s[0], kernelW: s[1], strideH: 1, strideW: 1, padding: SidePadding(top: 0, left: 0, bottom: 0, right: 0))
                        f = add(.pool(PoolSpec(isMax: false, window: w, countIncludesPadding: false)), ins, n.name)
                    } else {
                        f = add(.globalAvgPool, ins, n.name)
                    }
                case .flatten: f = add(.flatten, ins, n.name)
                case .pad(let p): f = add(.pad(SidePadding(top: p.top, left: p.left, bottom: p.bottom, right: p.right)), ins, n.name)
                case .pool(let p):
                    guard p.actMin <= -128 && p.actMax >= 127 else {
                        throw EdgeError.usage("int8 layer \(i) (\(n.name)): a pool with a fused activation has no float form here")
                    }
                    let w = Window2D(kernelH: p.kernelH, kernelW: p.kernelW, strideH: p.strideH, strideW: p.strideW,
                                     padding: SidePadding(top: p.padTop, left: p.padLeft, bottom: p.padBottom, right: p.padRight))
                    f = add(.pool(PoolSpec(isMax: p.kind == .max, window: w, countIncludesPadding: false)), ins, n.name)
                }
                floatOf.append(f)
            }
        }

        /// Whether a (non-dense) convolution reads int8 node `i`.
        func readBySpatialConv(_ i: Int) -> Bool {
            q.nodes.contains { m in
                guard m.inputs.contains(i), case .conv(let c) = m.op else { return false }
                return !c.isDense
            }
        }

        /// A convolution or dense layer with dequantised weights [O, I, KH, KW] / [O, I].
        mutating func conv(_ c: QConvLayer, input x: Int, inQ: QNode, name: String) throws -> Int {
            let o = c.outChannels, per = c.windowSize
            var w = [Float](repeating: 0, count: o * per)
            let bias = (0..<o).map { Float(c.bias[$0]) * inQ.quant.scale * c.weightScales[$0] }
            if c.isDense {
                // The int8 columns follow the HWC flatten; the float flatten is CHW.
                let s = inQ.op.kind == "flatten" ? q.nodes[inQ.inputs[0]].shape : []
                for oc in 0..<o {
                    for k in 0..<per {
                        var dst = k
                        if s.count == 3, s[0] * s[1] * s[2] == per { let (h, ww, cc) = (s[0], s[1], s[2]); dst = (k % cc) * h * ww + k / cc }
                        w[oc * per + dst] = Float(c.weights[oc * per + k]) * c.weightScales[oc]
                    }
                }
                return add(.dense(outFeatures: o), [x], name, [Tensor(shape: [o, per], data: w), Tensor(shape: [o], data: bias)])
            }
            let (kh, kw, cin) = (c.kernelH, c.kernelW, c.isDepthwise ? 1 : c.inChannels)
            for oc in 0..<o { for ci in 0..<cin { for y in 0..<kh { for xx in 0..<kw {
                w[((oc * cin + ci) * kh + y) * kw + xx] = Float(c.weights[((oc * kh + y) * kw + xx) * cin + ci]) * c.weightScales[oc]
            } } } }
            let win = Window2D(kernelH: kh, kernelW: kw, strideH: c.strideH, strideW: c.strideW,
                               padding: SidePadding(top: c.padTop, left: c.padLeft, bottom: c.padBottom, right: c.padRight))
            return add(.convolution(ConvSpec(outChannels: o, window: win, depthwise: c.isDepthwise)), [x], name,
                       [Tensor(shape: [o, cin, kh, kw], data: w), Tensor(shape: [o], data: bias)])
        }
    }
}
