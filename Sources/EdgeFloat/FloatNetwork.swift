import EdgeCore
import EdgeModel

/// Everything a forward pass keeps for the backward pass. B = batch.
public struct ForwardPass {
    /// Batch size.
    public let batch: Int
    /// Output of every node, [B, per-node shape] flattened.
    public var outputs: [[Float]]
    /// Whether batch norm used batch statistics.
    public let training: Bool
    var poolArgs: [Int: [Int32]] = [:]
    var bnCaches: [Int: BatchNormCache] = [:]

    /// Logits [B, classes].
    public var logits: [Float] { outputs.last ?? [] }
}

/// Gradients from a backward pass.
public struct Gradients {
    /// Per node, per parameter tensor (same order as `Model.parameters`); empty when not requested.
    public var parameters: [[[Float]]]
    /// d loss / d input, [B, C, H, W]; nil when not requested.
    public var input: [Float]?
}

/// The float executor: forward and reverse-mode gradients with respect to parameters and
/// input for the whole layer set. Work is split over images in fixed chunks and every
/// reduction is summed in chunk order, so results are identical at any thread count.
public final class FloatNetwork {
    /// The model whose parameters are used (and updated by training).
    public var model: Model
    /// Per-node per-image shapes.
    public let shapes: [[Int]]
    /// Per-node per-image element counts.
    public let sizes: [Int]
    /// Images per gradient chunk: fixed, so partial sums never depend on the thread count.
    public static let chunkSize = 8
    /// Batch-norm momentum for running statistics (PyTorch's default).
    public var bnMomentum: Float = 0.1
    /// Fake quantisation of node outputs, node → (scale, zero point): the forward pass rounds
    /// the output to the int8 grid, real = scale·(clamp(round(x/scale) + zp) − zp); the
    /// backward pass is the straight-through estimator (identity). Used to attack the int8 net.
    public var fakeQuant: [Int: (scale: Float, zeroPoint: Int32)] = [:]

    /// Validates `model` and prepares the executor.
    public init(_ model: Model) throws {
        self.model = model
        self.shapes = try model.validate()
        self.sizes = shapes.map { ShapeMath.product($0) ?? 0 }
    }

    /// Number of classes.
    public var classes: Int { sizes.last ?? 0 }

    /// Forward pass over a batch `x` [B, C, H, W]. With `training`, batch norm uses batch
    /// statistics and updates its running averages.
    public func forward(_ x: [Float], batch b: Int, training: Bool = false) -> ForwardPass {
        let g = model.graph
        var pass = ForwardPass(batch: b, outputs: [], training: training)
        pass.outputs.reserveCapacity(g.nodes.count)
        for (i, node) in g.nodes.enumerated() {
            let outSize = sizes[i]
            switch node.op {
            case .input:
                pass.outputs.append(x)
            case let .conv2d(_, k, s, p):
                let geo = ConvGeometry(input: shapes[node.inputs[0]], output: shapes[i], kernel: k, stride: s, padding: p)
                var y = [Float](repeating: 0, count: b * outSize)
                let inSize = sizes[node.inputs[0]]
                let w = model.parameters[i][0].data, bias = model.parameters[i][1].data
                pass.outputs[node.inputs[0]].withUnsafeBufferPointer { xp in
                    y.withUnsafeMutableBufferPointer { yp in
                        w.withUnsafeBufferPointer { wp in
                            bias.withUnsafeBufferPointer { bp in
                                let (xp, yp, wp, bp) = (xp, yp, wp, bp)
                                let chunks = Parallel.chunks(b, size: Self.chunkSize)
                                Parallel.forEach(chunks.count) { c in
                                    let col = UnsafeMutablePointer<Float>.allocate(capacity: max(1, geo.kdim * geo.positions))
                                    defer { col.deallocate() }
                                    for n in chunks[c] {
                                        ConvKernels.forward(geo, x: xp.baseAddress! + n * inSize, weight: wp.baseAddress!, bias: bp.baseAddress!,
                                                            y: yp.baseAddress! + n * outSize, col: col)
                                    }
                                }
                            }
                        }
                    }
                }
                pass.outputs.append(y)
            case let .dense(o):
                let inF = sizes[node.inputs[0]]
                var y = [Float](repeating: 0, count: b * o)
                let bias = model.parameters[i][1].data
                for n in 0..<b { for j in 0..<o { y[n * o + j] = bias[j] } }
                pass.outputs[node.inputs[0]].withUnsafeBufferPointer { xp in
                    model.parameters[i][0].data.withUnsafeBufferPointer { wp in
                        y.withUnsafeMutableBufferPointer { yp in
                            Gemm.sgemm(transA: false, transB: true, m: b, n: o, k: inF, alpha: 1, a: xp.baseAddress!, lda: inF,
                                       b: wp.baseAddress!, ldb: inF, beta: 1, c: yp.baseAddress!, ldc: o)
                        }
                    }
                }
                pass.outputs.append(y)
            case .relu:
                var y = pass.outputs[node.inputs[0]]
                y.withUnsafeMutableBufferPointer { p in for j in p.indices { p[j] = max(p[j], 0) } }
                pass.outputs.append(y)
            case let .maxPool(k, s):
                let si = shapes[node.inputs[0]], so = shapes[i]
                var y = [Float](repeating: 0, count: b * outSize)
                var arg = [Int32](repeating: 0, count: b * outSize)
                let inSize = sizes[node.inputs[0]]
                pass.outputs[node.inputs[0]].withUnsafeBufferPointer { xp in
                    y.withUnsafeMutableBufferPointer { yp in
                        arg.withUnsafeMutableBufferPointer { ap in
                            let (xp, yp, ap) = (xp, yp, ap)
                            Parallel.forEach(b) { n in
                                PoolKernels.maxForward(c: si[0], h: si[1], w: si[2], oh: so[1], ow: so[2], k: k, s: s,
                                                       x: xp.baseAddress! + n * inSize, y: yp.baseAddress! + n * outSize,
                                                       arg: ap.baseAddress! + n * outSize)
                            }
                        }
                    }
                }
                pass.poolArgs[i] = arg
                pass.outputs.append(y)
            case let .avgPool(k, s):
                let si = shapes[node.inputs[0]], so = shapes[i]
                var y = [Float](repeating: 0, count: b * outSize)
                let inSize = sizes[node.inputs[0]]
                pass.outputs[node.inputs[0]].withUnsafeBufferPointer { xp in
                    y.withUnsafeMutableBufferPointer { yp in
                        for n in 0..<b {
                            PoolKernels.avgForward(c: si[0], h: si[1], w: si[2], oh: so[1], ow: so[2], k: k, s: s,
                                                   x: xp.baseAddress! + n * inSize, y: yp.baseAddress! + n * outSize)
                        }
                    }
                }
                pass.outputs.append(y)
            case .globalAvgPool:
                let si = shapes[node.inputs[0]]
                let c = si[0], hw = si[1] * si[2]
                let x = pass.outputs[node.inputs[0]]
                var y = [Float](repeating: 0, count: b * c)
                for n in 0..<b {
                    for ch in 0..<c {
                        var acc: Float = 0
                        let base = (n * c + ch) * hw
                        for j in 0..<hw { acc += x[base + j] }
                        y[n * c + ch] = acc / Float(hw)
                    }
                }
                pass.outputs.append(y)
            case .flatten:
                pass.outputs.append(pass.outputs[node.inputs[0]])
            case let .batchNorm(eps):
                let si = shapes[node.inputs[0]]
                let c = si[0], s = sizes[node.inputs[0]] / c
                var y = [Float](repeating: 0, count: b * outSize)
                let p = model.parameters[i]
                if training {
                    let r = BatchNormKernels.trainForward(n: b, c: c, s: s, eps: eps, x: pass.outputs[node.inputs[0]],
                                                          gamma: p[0].data, beta: p[1].data, y: &y)
                    pass.bnCaches[i] = r.cache
                    let m = bnMomentum
                    let unbias = Float(b * s) / Float(max(b * s - 1, 1))
                    for ch in 0..<c {
                        model.parameters[i][2].data[ch] = (1 - m) * p[2].data[ch] + m * r.mean[ch]
                        model.parameters[i][3].data[ch] = (1 - m) * p[3].data[ch] + m * r.variance[ch] * unbias
                    }
                } else {
                    BatchNormKernels.evalForward(n: b, c: c, s: s, eps: eps, x: pass.outputs[node.inputs[0]], gamma: p[0].data,
                                                 beta: p[1].data, mean: p[2].data, variance: p[3].data, y: &y)
                }
                pass.outputs.append(y)
            case .add:
                var y = pass.outputs[node.inputs[0]]
                let other = pass.outputs[node.inputs[1]]
                y.withUnsafeMutableBufferPointer { yp in other.withUnsafeBufferPointer { op in for j in yp.indices { yp[j] += op[j] } } }
                pass.outputs.append(y)
            }
            if let q = fakeQuant[i] {
                let s = q.scale, zp = Float(q.zeroPoint)
                pass.outputs[i] = pass.outputs[i].map { v in
                    let r = (v / s).rounded(.toNearestOrAwayFromZero) + zp
                    return s * (min(max(r, -128), 127) - zp)
                }
            }
        }
        return pass
    }

    /// Logits only, in eval mode, in batches of `batchSize`.
    public func logits(_ x: [Float], batch b: Int) -> [Float] {
        forward(x, batch: b).logits
    }

    /// Reverse-mode pass from `dLogits` [B, classes] (d loss / d logits).
    /// - Parameters:
    ///   - parameters: accumulate parameter gradients (training).
    ///   - input: return d loss / d input (attacks).
    public func backward(_ pass: ForwardPass, dLogits: [Float], parameters wantParams: Bool, input wantInput: Bool) -> Gradients {
        let g = model.graph
        let b = pass.batch
        var grads = [[Float]?](repeating: nil, count: g.nodes.count)
        grads[g.nodes.count - 1] = dLogits
        var pgrads: [[[Float]]] = wantParams ? model.parameters.map { $0.map { [Float](repeating: 0, count: $0.count) } } : []
        // Whether node i's input gradient is needed at all: only nodes above the input
        // need it, and the input itself only when asked for.
        func needsGrad(_ j: Int) -> Bool { j != 0 || wantInput }
        func accumulate(_ j: Int, _ d: [Float]) {
            if var cur = grads[j] {
                cur.withUnsafeMutableBufferPointer { cp in d.withUnsafeBufferPointer { dp in for k in cp.indices { cp[k] += dp[k] } } }
                grads[j] = cur
            } else {
                grads[j] = d
            }
        }
        for i in stride(from: g.nodes.count - 1, through: 1, by: -1) {
            guard let dy = grads[i] else { continue }
            grads[i] = nil
            let node = g.nodes[i]
            let j = node.inputs[0]
            let inSize = sizes[j], outSize = sizes[i]
            switch node.op {
            case .input:
                break
            case let .conv2d(_, k, s, p):
                let geo = ConvGeometry(input: shapes[j], output: shapes[i], kernel: k, stride: s, padding: p)
                let chunks = Parallel.chunks(b, size: Self.chunkSize)
                let wCount = model.parameters[i][0].count, oc = geo.o
                var partialW = [Float](repeating: 0, count: wantParams ? chunks.count * wCount : 0)
                var partialB = [Float](repeating: 0, count: wantParams ? chunks.count * oc : 0)
                var dx = [Float](repeating: 0, count: needsGrad(j) ? b * inSize : 0)
                let wantDx = needsGrad(j)
                pass.outputs[j].withUnsafeBufferPointer { xp in
                    model.parameters[i][0].data.withUnsafeBufferPointer { wp in
                        dy.withUnsafeBufferPointer { dyp in
                            partialW.withUnsafeMutableBufferPointer { pw in
                                partialB.withUnsafeMutableBufferPointer { pb in
                                    dx.withUnsafeMutableBufferPointer { dxp in
                                        let (xp, wp, dyp, pw, pb, dxp) = (xp, wp, dyp, pw, pb, dxp)
                                        Parallel.forEach(chunks.count) { c in
                                            let col = UnsafeMutablePointer<Float>.allocate(capacity: max(1, geo.kdim * geo.positions))
                                            defer { col.deallocate() }
                                            for n in chunks[c] {
                                                ConvKernels.backward(geo, x: xp.baseAddress! + n * inSize, weight: wp.baseAddress!,
                                                                     dy: dyp.baseAddress! + n * outSize,
                                                                     dW: wantParams ? pw.baseAddress! + c * wCount : nil,
                                                                     db: wantParams ? pb.baseAddress! + c * oc : nil,
                                                                     dx: wantDx ? dxp.baseAddress! + n * inSize : nil, col: col)
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                if wantParams {
                    for c in 0..<chunks.count {
                        for t in 0..<wCount { pgrads[i][0][t] += partialW[c * wCount + t] }
                        for t in 0..<oc { pgrads[i][1][t] += partialB[c * oc + t] }
                    }
                }
                if wantDx { accumulate(j, dx) }
            case let .dense(o):
                let inF = inSize
                if wantParams {
                    pass.outputs[j].withUnsafeBufferPointer { xp in
                        dy.withUnsafeBufferPointer { dyp in
                            pgrads[i][0].withUnsafeMutableBufferPointer { dwp in
                                Gemm.sgemm(transA: true, transB: false, m: o, n: inF, k: b, alpha: 1, a: dyp.baseAddress!, lda: o,
                                           b: xp.baseAddress!, ldb: inF, beta: 1, c: dwp.baseAddress!, ldc: inF)
                            }
                        }
                    }
                    for n in 0..<b { for t in 0..<o { pgrads[i][1][t] += dy[n * o + t] } }
                }
                if needsGrad(j) {
                    var dx = [Float](repeating: 0, count: b * inF)
                    dy.withUnsafeBufferPointer { dyp in
                        model.parameters[i][0].data.withUnsafeBufferPointer { wp in
                            dx.withUnsafeMutableBufferPointer { dxp in
                                Gemm.sgemm(transA: false, transB: false, m: b, n: inF, k: o, alpha: 1, a: dyp.baseAddress!, lda: o,
                                           b: wp.baseAddress!, ldb: inF, beta: 0, c: dxp.baseAddress!, ldc: inF)
                            }
                        }
                    }
                    accumulate(j, dx)
                }
            case .relu:
                guard needsGrad(j) else { break }
                var dx = dy
                let y = pass.outputs[i]
                dx.withUnsafeMutableBufferPointer { dp in y.withUnsafeBufferPointer { yp in for t in dp.indices where yp[t] <= 0 { dp[t] = 0 } } }
                accumulate(j, dx)
            case .maxPool:
                guard needsGrad(j), let arg = pass.poolArgs[i] else { break }
                let si = shapes[j], so = shapes[i]
                var dx = [Float](repeating: 0, count: b * inSize)
                dx.withUnsafeMutableBufferPointer { dxp in
                    dy.withUnsafeBufferPointer { dyp in
                        arg.withUnsafeBufferPointer { ap in
                            for n in 0..<b {
                                PoolKernels.maxBackward(c: si[0], h: si[1], w: si[2], outPerChannel: so[1] * so[2],
                                                        dy: dyp.baseAddress! + n * outSize, arg: ap.baseAddress! + n * outSize,
                                                        dx: dxp.baseAddress! + n * inSize)
                            }
                        }
                    }
                }
                accumulate(j, dx)
            case let .avgPool(k, s):
                guard needsGrad(j) else { break }
                let si = shapes[j], so = shapes[i]
                var dx = [Float](repeating: 0, count: b * inSize)
                dx.withUnsafeMutableBufferPointer { dxp in
                    dy.withUnsafeBufferPointer { dyp in
                        for n in 0..<b {
                            PoolKernels.avgBackward(c: si[0], h: si[1], w: si[2], oh: so[1], ow: so[2], k: k, s: s,
                                                    dy: dyp.baseAddress! + n * outSize, dx: dxp.baseAddress! + n * inSize)
                        }
                    }
                }
                accumulate(j, dx)
            case .globalAvgPool:
                guard needsGrad(j) else { break }
                let c = shapes[j][0], hw = shapes[j][1] * shapes[j][2]
                var dx = [Float](repeating: 0, count: b * inSize)
                for n in 0..<b {
                    for ch in 0..<c {
                        let v = dy[n * c + ch] / Float(hw)
                        let base = (n * c + ch) * hw
                        for t in 0..<hw { dx[base + t] = v }
                    }
                }
                accumulate(j, dx)
            case .flatten:
                if needsGrad(j) { accumulate(j, dy) }
            case let .batchNorm(eps):
                let c = shapes[j][0], s = inSize / c
                let p = model.parameters[i]
                if pass.training, let cache = pass.bnCaches[i] {
                    var dx: [Float]? = needsGrad(j) ? [Float](repeating: 0, count: b * inSize) : nil
                    var dG = [Float](repeating: 0, count: c), dB = dG
                    BatchNormKernels.trainBackward(n: b, c: c, s: s, cache: cache, gamma: p[0].data, dy: dy, dGamma: &dG, dBeta: &dB, dx: &dx)
                    if wantParams { pgrads[i][0] = dG; pgrads[i][1] = dB }
                    if let dx { accumulate(j, dx) }
                } else {
                    var dx: [Float]? = needsGrad(j) ? [Float](repeating: 0, count: b * inSize) : nil
                    var dG = [Float](repeating: 0, count: c), dB = dG
                    BatchNormKernels.evalBackward(n: b, c: c, s: s, eps: eps, x: pass.outputs[j], gamma: p[0].data, mean: p[2].data,
                                                  variance: p[3].data, dy: dy, dGamma: &dG, dBeta: &dB, dx: &dx)
                    if wantParams { pgrads[i][0] = dG; pgrads[i][1] = dB }
                    if let dx { accumulate(j, dx) }
                }
            case .add:
                if needsGrad(node.inputs[0]) { accumulate(node.inputs[0], dy) }
                if needsGrad(node.inputs[1]) { accumulate(node.inputs[1], dy) }
            }
        }
        return Gradients(parameters: pgrads, input: wantInput ? (grads[0] ?? [Float](repeating: 0, count: b * sizes[0])) : nil)
    }
}
