import EdgeFloat
import EdgeModel
import Foundation

/// A float64 twin of the float executor, for one image at a time: forward pass and the full
/// input Jacobian by K reverse passes. Direct loops, no BLAS: it exists so that the Fisher
/// norms can be checked against a float64 reference to 1e-6, which float32 Jacobians
/// (≈ 4e-6 relative, measured in docs/information-flow.md) cannot reach. Weights are the model's
/// float32 values widened exactly; the network's fake quantisation (the STE simulation of
/// an int8 net) is applied in float64, so a value on a rounding boundary may round
/// differently from the float32 executor.
public struct DoubleJacobian {
    let net: FloatNetwork
    let params: [[[Double]]]

    /// Whether the twin covers every op of `net`: the layers of our own trainer's nets.
    /// Imported graphs' general convolutions, padded pools, clips and pads have no float64
    /// twin yet (the float32 path measures them).
    public static func supports(_ net: FloatNetwork) -> Bool {
        net.model.graph.nodes.allSatisfy { n in
            switch n.op {
            case .convolution, .pool, .clip, .pad: return false
            default: return true
            }
        }
    }

    /// Prepares the float64 weights of `net` (its model and fake quantisation).
    public init(_ net: FloatNetwork) {
        self.net = net
        params = net.model.parameters.map { $0.map { $0.data.map(Double.init) } }
    }

    /// J = ∂logits/∂x ([K, D] row-major) and the logits [K] at the image `x` [C, H, W].
    public func jacobian(_ x: [Float]) -> (jacobian: [Double], logits: [Double]) {
        let outs = forward(x.map(Double.init))
        let k = net.classes, d = net.sizes[0]
        var jac = [Double](repeating: 0, count: k * d)
        for c in 0..<k {
            var seed = [Double](repeating: 0, count: k)
            seed[c] = 1
            let g = backward(outs, seed: seed)
            for t in 0..<d { jac[c * d + t] = g[t] }
        }
        return (jac, outs.last ?? [])
    }

    /// Every node's output for one image.
    func forward(_ x: [Double]) -> [[Double]] {
        var outs: [[Double]] = []
        for (i, node) in net.model.graph.nodes.enumerated() {
            let a = node.inputs.first.map { outs[$0] } ?? x
            var y: [Double]
            switch node.op {
            case .input: y = x
            case let .conv2d(_, k, s, p): y = conv(a, i, k, s, p, dy: nil).y
            case let .dense(o):
                let w = params[i][0], n = a.count
                y = (0..<o).map { r in (0..<n).reduce(params[i][1][r]) { $0 + w[r * n + $1] * a[$1] } }
            case .relu: y = a.map { max($0, 0) }
            case let .maxPool(k, s): y = pool(a, i, k, s, max: true).y
            case let .avgPool(k, s): y = pool(a, i, k, s, max: false).y
            case .globalAvgPool:
                let c = net.shapes[node.inputs[0]][0], hw = a.count / c
                y = (0..<c).map { ch in a[(ch * hw)..<((ch + 1) * hw)].reduce(0, +) / Double(hw) }
            case .flatten: y = a
            case let .batchNorm(eps):
                let c = net.shapes[node.inputs[0]][0], s = a.count / c, p = params[i]
                y = a.indices.map { t in
                    let ch = t / s
                    return (a[t] - p[2][ch]) * (p[0][ch] / (p[3][ch] + Double(eps)).squareRoot()) + p[1][ch]
                }
            case .add: y = zip(a, outs[node.inputs[1]]).map { $0 + $1 }
            case .convolution, .pool, .clip, .pad: y = a   // excluded by `supports`
            }
            if let q = net.fakeQuant[i] {
                let sc = Double(q.scale), zp = Double(q.zeroPoint)
                y = y.map { sc * (min(max(($0 / sc).rounded(.toNearestOrAwayFromZero) + zp, -128), 127) - zp) }
            }
            outs.append(y)
        }
        return outs
    }

    /// d seed·logits / d x, one reverse pass (fake quantisation passes gradients straight through).
    func backward(_ outs: [[Double]], seed: [Double]) -> [Double] {
        let nodes = net.model.graph.nodes
        var grads = [[Double]?](repeating: nil, count: nodes.count)
        grads[nodes.count - 1] = seed
        func add(_ j: Int, _ g: [Double]) { grads[j] = grads[j].map { zip($0, g).map { $0 + $1 } } ?? g }
        for i in stride(from: nodes.count - 1, through: 1, by: -1) {
            guard let dy = grads[i] else { continue }
            let node = nodes[i], j = node.inputs[0], a = outs[j]
            switch node.op {
            case .input: break
            case let .conv2d(_, k, s, p): add(j, conv(a, i, k, s, p, dy: dy).dx)
            case let .dense(o):
                let w = params[i][0], n = a.count
                var dx = [Double](repeating: 0, count: n)
                for r in 0..<o where dy[r] != 0 { for t in 0..<n { dx[t] += dy[r] * w[r * n + t] } }
                add(j, dx)
            case .relu: add(j, zip(dy, outs[i]).map { $1 > 0 ? $0 : 0 })
            case let .maxPool(k, s): add(j, pool(a, i, k, s, max: true, dy: dy).dx)
            case let .avgPool(k, s): add(j, pool(a, i, k, s, max: false, dy: dy).dx)
            case .globalAvgPool:
                let c = net.shapes[j][0], hw = a.count / c
                add(j, a.indices.map { dy[$0 / hw] / Double(hw) })
            case .flatten: add(j, dy)
            case let .batchNorm(eps):
                let c = net.shapes[j][0], s = a.count / c, p = params[i]
                add(j, dy.indices.map { t in dy[t] * p[0][t / s] / (p[3][t / s] + Double(eps)).squareRoot() })
            case .convolution, .pool, .clip, .pad: add(j, dy)   // excluded by `supports`
            case .add:
                add(node.inputs[0], dy)
                add(node.inputs[1], dy)
            }
        }
        return grads[0] ?? [Double](repeating: 0, count: net.sizes[0])
    }

    /// Convolution of node `i` (weights [O, C, k, k], symmetric zero padding): the output,
    /// or with `dy` the input gradient.
    func conv(_ x: [Double], _ i: Int, _ k: Int, _ s: Int, _ p: Int, dy: [Double]?) -> (y: [Double], dx: [Double]) {
        let si = net.shapes[net.model.graph.nodes[i].inputs[0]], so = net.shapes[i]
        let (c, h, w, o, oh, ow) = (si[0], si[1], si[2], so[0], so[1], so[2])
        let wt = params[i][0], b = params[i][1]
        var y = [Double](repeating: 0, count: dy == nil ? o * oh * ow : 0)
        var dx = [Double](repeating: 0, count: dy == nil ? 0 : x.count)
        for oc in 0..<o { for oy in 0..<oh { for ox in 0..<ow {
            let out = (oc * oh + oy) * ow + ox
            var acc = b[oc]
            let g = dy?[out] ?? 0
            if dy != nil && g == 0 { continue }
            for ic in 0..<c { for ky in 0..<k {
                let iy = oy * s + ky - p
                guard iy >= 0 && iy < h else { continue }
                for kx in 0..<k {
                    let ix = ox * s + kx - p
                    guard ix >= 0 && ix < w else { continue }
                    let wi = ((oc * c + ic) * k + ky) * k + kx, xi = (ic * h + iy) * w + ix
                    if dy != nil { dx[xi] += g * wt[wi] } else { acc += wt[wi] * x[xi] }
                }
            } }
            if dy == nil { y[out] = acc }
        } } }
        return (y, dx)
    }

    /// Max or average pooling of node `i` (k × k windows, stride s, no padding; the first
    /// maximum in row-major order wins, as in the float executor).
    func pool(_ x: [Double], _ i: Int, _ k: Int, _ s: Int, max isMax: Bool, dy: [Double]? = nil) -> (y: [Double], dx: [Double]) {
        let si = net.shapes[net.model.graph.nodes[i].inputs[0]], so = net.shapes[i]
        let (c, h, w, oh, ow) = (si[0], si[1], si[2], so[1], so[2])
        var y = [Double](repeating: 0, count: c * oh * ow), dx = [Double](repeating: 0, count: dy == nil ? 0 : x.count)
        for ch in 0..<c { for oy in 0..<oh { for ox in 0..<ow {
            let out = (ch * oh + oy) * ow + ox
            var best = -Double.infinity, bi = (ch * h + oy * s) * w + ox * s, sum = 0.0
            for ky in 0..<k { for kx in 0..<k {
                let xi = (ch * h + oy * s + ky) * w + ox * s + kx
                if x[xi] > best { best = x[xi]; bi = xi }
                sum += x[xi]
                if !isMax, let dy { dx[xi] += dy[out] / Double(k * k) }
            } }
            y[out] = isMax ? best : sum / Double(k * k)
            if isMax, let dy { dx[bi] += dy[out] }
        } } }
        return (y, dx)
    }
}
