// One node of the float graph, forward and backward: each case hands the node's tensors to
// the layer that owns them (Conv2D.swift, DepthwiseConv2D.swift, Dense.swift, Pooling.swift,
// WindowPooling.swift, BatchNorm.swift, Elementwise.swift). Tensors are [B, per-node shape] flattened, CHW per image.

import EdgeModel

/// The gradients one node sends back: to each input that wants one, and to its parameters.
struct NodeGradients {
    /// (input node, d loss / d that input), in input order.
    var inputs: [(Int, [Float])] = []
    /// Per parameter tensor, in `Model.parameters` order; nil when not requested or none.
    var params: [[Float]]?
}

extension FloatNetwork {
    func convGeometry(_ i: Int, kernel k: Int, stride s: Int, padding p: Int) -> ConvGeometry {
        ConvGeometry(input: shapes[model.graph.nodes[i].inputs[0]], output: shapes[i], kernel: k, stride: s, padding: p)
    }

    /// Output of node `i > 0`; records what its backward pass needs in `pass`.
    func forwardNode(_ i: Int, _ pass: inout ForwardPass) -> [Float] {
        let node = model.graph.nodes[i], b = pass.batch
        let j = node.inputs[0], x = pass.outputs[j]
        let p = model.parameters[i]
        switch node.op {
        case .input:
            return x
        case let .conv2d(_, k, s, pad):
            return Conv2DLayer.forward(convGeometry(i, kernel: k, stride: s, padding: pad), x: x, weight: p[0].data, bias: p[1].data, batch: b)
        case let .dense(o):
            return DenseLayer.forward(x: x, weight: p[0].data, bias: p[1].data, batch: b, inFeatures: sizes[j], outFeatures: o)
        case .relu:
            return ElementwiseLayer.reluForward(x)
        case let .maxPool(k, s):
            let r = PoolLayer.maxForward(x: x, batch: b, si: shapes[j], so: shapes[i], k: k, s: s)
            pass.poolArgs[i] = r.arg
            return r.y
        case let .avgPool(k, s):
            return PoolLayer.avgForward(x: x, batch: b, si: shapes[j], so: shapes[i], k: k, s: s)
        case .globalAvgPool:
            return PoolLayer.globalForward(x: x, batch: b, si: shapes[j])
        case .flatten:
            return x
        case let .batchNorm(eps):
            let c = shapes[j][0]
            let r = BatchNormLayer.forward(x: x, batch: b, channels: c, spatial: sizes[j] / c, eps: eps, p: p,
                                           training: pass.training, momentum: bnMomentum)
            if let cache = r.cache { pass.bnCaches[i] = cache }
            if let running = r.running {
                model.parameters[i][2].data = running.mean
                model.parameters[i][3].data = running.variance
            }
            return r.y
        case .add:
            return ElementwiseLayer.addForward(x, pass.outputs[node.inputs[1]])
        case let .convolution(c):
            let g = ConvGeometry(input: shapes[j], output: shapes[i], window: c.window)
            if c.depthwise { return DepthwiseLayer.forward(g, x: x, weight: p[0].data, bias: p[1].data, batch: b) }
            return Conv2DLayer.forward(g, x: x, weight: p[0].data, bias: p[1].data, batch: b)
        case let .pool(spec):
            let r = WindowPoolLayer.forward(ConvGeometry(input: shapes[j], output: shapes[i], window: spec.window), spec, x: x, batch: b)
            if let arg = r.arg { pass.poolArgs[i] = arg }
            return r.y
        case let .clip(lo, hi):
            return ClipPadLayer.clipForward(x, lower: lo, upper: hi)
        case let .pad(sides):
            return ClipPadLayer.padForward(x, batch: b, si: shapes[j], sides)
        }
    }

    /// Gradients node `i` sends back from `dy`; `wants(j)` says whether input j needs one.
    func backwardNode(_ i: Int, _ pass: ForwardPass, dy: [Float], parameters wantParams: Bool,
                      wants: (Int) -> Bool) -> NodeGradients {
        let node = model.graph.nodes[i], b = pass.batch
        let j = node.inputs[0], x = pass.outputs[j], wantDx = wants(j)
        let p = model.parameters[i]
        var r = NodeGradients()
        switch node.op {
        case .input:
            break
        case let .conv2d(_, k, s, pad):
            let g = Conv2DLayer.backward(convGeometry(i, kernel: k, stride: s, padding: pad), x: x, weight: p[0].data, dy: dy,
                                         batch: b, parameters: wantParams, input: wantDx)
            r.params = g.params
            if let dx = g.dx { r.inputs = [(j, dx)] }
        case let .dense(o):
            let g = DenseLayer.backward(x: x, weight: p[0].data, dy: dy, batch: b, inFeatures: sizes[j], outFeatures: o,
                                        parameters: wantParams, input: wantDx)
            r.params = g.params
            if let dx = g.dx { r.inputs = [(j, dx)] }
        case .relu:
            if wantDx { r.inputs = [(j, ElementwiseLayer.reluBackward(y: pass.outputs[i], dy: dy))] }
        case .maxPool:
            if wantDx, let arg = pass.poolArgs[i] {
                r.inputs = [(j, PoolLayer.maxBackward(dy: dy, arg: arg, batch: b, si: shapes[j], so: shapes[i]))]
            }
        case let .avgPool(k, s):
            if wantDx { r.inputs = [(j, PoolLayer.avgBackward(dy: dy, batch: b, si: shapes[j], so: shapes[i], k: k, s: s))] }
        case .globalAvgPool:
            if wantDx { r.inputs = [(j, PoolLayer.globalBackward(dy: dy, batch: b, si: shapes[j]))] }
        case .flatten:
            if wantDx { r.inputs = [(j, dy)] }
        case let .batchNorm(eps):
            let c = shapes[j][0]
            let g = BatchNormLayer.backward(x: x, dy: dy, batch: b, channels: c, spatial: sizes[j] / c, eps: eps, p: p,
                                            cache: pass.training ? pass.bnCaches[i] : nil, input: wantDx)
            if wantParams { r.params = [g.dGamma, g.dBeta] + p.dropFirst(2).map { [Float](repeating: 0, count: $0.count) } }
            if let dx = g.dx { r.inputs = [(j, dx)] }
        case .add:
            for k in node.inputs where wants(k) { r.inputs.append((k, dy)) }
        case let .convolution(c):
            let geo = ConvGeometry(input: shapes[j], output: shapes[i], window: c.window)
            let g = c.depthwise
                ? DepthwiseLayer.backward(geo, x: x, weight: p[0].data, dy: dy, batch: b, parameters: wantParams, input: wantDx)
                : Conv2DLayer.backward(geo, x: x, weight: p[0].data, dy: dy, batch: b, parameters: wantParams, input: wantDx)
            r.params = g.params
            if let dx = g.dx { r.inputs = [(j, dx)] }
        case let .pool(spec):
            guard wantDx else { break }
            let geo = ConvGeometry(input: shapes[j], output: shapes[i], window: spec.window)
            r.inputs = [(j, WindowPoolLayer.backward(geo, spec, dy: dy, arg: pass.poolArgs[i], batch: b))]
        case let .clip(lo, hi):
            if wantDx { r.inputs = [(j, ClipPadLayer.clipBackward(x: x, dy: dy, lower: lo, upper: hi))] }
        case let .pad(sides):
            if wantDx { r.inputs = [(j, ClipPadLayer.padBackward(dy, batch: b, si: shapes[j], sides))] }
        }
        return r
    }
}
