import EdgeFloat
import EdgeModel

/// Grad-CAM (Selvaraju et al.; the CAM-type map of Boopathy et al.):
/// L_c = ReLU(Σ_k α_k A^k), α_k = (1/(h·w)) Σ_ij ∂f_c/∂A^k_ij, on the feature maps A of the
/// last convolution, then bilinearly upsampled to the input's H × W.
public enum GradCAM {
    /// The node whose output is A: the last convolution, followed through the element-wise
    /// nodes that directly take it and keep its shape (batch norm, ReLU, clip, a residual
    /// add): LeNet-5's conv2 → relu2, ResNet-8's last block output (after add and ReLU).
    /// Nil when the net has no convolution with a spatial output.
    public static func layer(_ net: FloatNetwork) -> Int? {
        let nodes = net.model.graph.nodes
        guard var at = nodes.indices.last(where: { i in
            switch nodes[i].op {
            case .conv2d, .convolution: return net.shapes[i].count == 3
            default: return false
            }
        }) else { return nil }
        while at + 1 < nodes.count, nodes[at + 1].inputs.contains(at), net.shapes[at + 1] == net.shapes[at] {
            switch nodes[at + 1].op {
            case .batchNorm, .relu, .clip, .add: at += 1
            default: return at
            }
        }
        return at
    }

    /// Maps [batch, H·W] of images `x` for classes `c` at `layer` (default `layer(net)`; all
    /// zeros when there is none).
    public static func maps(_ net: FloatNetwork, x: [Float], batch b: Int, classes c: [Int], layer: Int? = nil) -> [Float] {
        let (ih, iw) = (net.shapes[0][1], net.shapes[0][2])
        guard let l = layer ?? Self.layer(net) else { return [Float](repeating: 0, count: b * ih * iw) }
        let k = net.classes
        let pass = net.forward(x, batch: b)
        var dl = [Float](repeating: 0, count: b * k)
        for n in 0..<b { dl[n * k + c[n]] = 1 }
        let g = net.nodeGradient(pass, dLogits: dl, node: l)
        let a = pass.outputs[l]
        let s = net.shapes[l], (ch, h, w) = (s[0], s[1], s[2]), per = ch * h * w
        var out: [Float] = []
        out.reserveCapacity(b * ih * iw)
        for n in 0..<b {
            var cam = [Double](repeating: 0, count: h * w)
            for q in 0..<ch {
                let base = n * per + q * h * w
                var alpha = 0.0
                for p in 0..<(h * w) { alpha += Double(g[base + p]) }
                alpha /= Double(h * w)
                for p in 0..<(h * w) { cam[p] += alpha * Double(a[base + p]) }
            }
            out += upsample(cam.map { Float(max($0, 0)) }, from: (h, w), to: (ih, iw))
        }
        return out
    }

    /// Bilinear resize of a [h, w] map to [H, W] with half-pixel centres (PyTorch's
    /// interpolate(mode="bilinear", align_corners=False), OpenCV's resize): output pixel y
    /// samples source row (y + 0.5)·h/H − 0.5, clamped at 0 and h − 1; columns alike.
    public static func upsample(_ m: [Float], from: (Int, Int), to: (Int, Int)) -> [Float] {
        let (h, w) = from, (oh, ow) = to
        precondition(m.count == h * w && h > 0 && w > 0)
        func axis(_ o: Int, _ size: Int, _ out: Int) -> (Int, Int, Float) {
            let src = max((Float(o) + 0.5) * Float(size) / Float(out) - 0.5, 0)
            let i0 = min(Int(src), size - 1)
            return (i0, min(i0 + 1, size - 1), src - Float(i0))
        }
        var r = [Float](repeating: 0, count: oh * ow)
        for y in 0..<oh {
            let (y0, y1, fy) = axis(y, h, oh)
            for x in 0..<ow {
                let (x0, x1, fx) = axis(x, w, ow)
                let top = m[y0 * w + x0] * (1 - fx) + m[y0 * w + x1] * fx
                let bottom = m[y1 * w + x0] * (1 - fx) + m[y1 * w + x1] * fx
                r[y * ow + x] = top * (1 - fy) + bottom * fy
            }
        }
        return r
    }
}
