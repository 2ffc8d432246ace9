import EdgeCore
import EdgeFloat

/// DeepFool (Moosavi-Dezfooli et al., CVPR 2016), L2, minimal perturbation: linearise every
/// margin z_k − z_y, step to the nearest linearised boundary, r = (|f_l| + 1e-4)/‖w_l‖²·w_l,
/// accumulate, and apply (1 + overshoot)·r_total, until the image is misclassified. On an
/// affine classifier the first step lands on the boundary: the analytic distance.
public struct DeepFool: Sendable {
    /// Iterations at most (the authors: 50).
    public var steps: Int
    /// Overshoot (the authors: 0.02).
    public var overshoot: Float

    /// The authors' settings by default.
    public init(steps: Int = 50, overshoot: Float = 0.02) {
        self.steps = steps
        self.overshoot = overshoot
    }

    /// Per image: the example (clipped to [0, 1]) once misclassified, else the last iterate,
    /// and whether it is misclassified.
    public func perturb(_ net: FloatNetwork, x: [Float], labels: [Int]) -> (adversarial: [Float], fooled: [Bool]) {
        let b = labels.count, d = x.count / max(b, 1), k = net.classes
        var adv = x, total = [Double](repeating: 0, count: x.count)
        var fooled = [Bool](repeating: false, count: b)
        guard b > 0, k >= 2 else { return (x, fooled) }
        var open = Array(0..<b)
        for _ in 0...steps {
            let sx = open.flatMap { adv[($0 * d)..<(($0 + 1) * d)] }
            let pass = net.forward(sx, batch: open.count)
            let pred = SoftmaxCrossEntropy.argmax(pass.logits, classes: k)
            for (j, n) in open.enumerated() where pred[j] != labels[n] { fooled[n] = true }
            let keep = open.indices.filter { !fooled[open[$0]] }
            open = keep.map { open[$0] }
            if open.isEmpty || keep.count == 0 { break }
            // ∇z_c for every class c, on the still-correct images only.
            var grads: [[Float]] = []
            for c in 0..<k {
                var dl = [Float](repeating: 0, count: pass.batch * k)
                for j in 0..<pass.batch { dl[j * k + c] = 1 }
                grads.append(net.backward(pass, dLogits: dl, parameters: false, input: true).input ?? [])
            }
            for (m, j) in keep.enumerated() {
                let n = open[m], y = labels[n], r = (j * d)..<((j + 1) * d)
                var bestRatio = Double.infinity, bestF = 0.0, bestW: [Double] = []
                for c in 0..<k where c != y {
                    let w = r.map { Double(grads[c][$0]) - Double(grads[y][$0]) }
                    let f = Double(pass.logits[j * k + c]) - Double(pass.logits[j * k + y])
                    let wn = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
                    let ratio = abs(f) / (wn + 1e-12)
                    if ratio < bestRatio { bestRatio = ratio; bestF = f; bestW = w }
                }
                let w2 = bestW.reduce(0) { $0 + $1 * $1 } + 1e-12
                for t in 0..<d {
                    total[n * d + t] += (abs(bestF) + 1e-4) / w2 * bestW[t]
                    adv[n * d + t] = Float(min(max(Double(x[n * d + t]) + (1 + Double(overshoot)) * total[n * d + t], 0), 1))
                }
            }
        }
        return (adv, fooled)
    }
}
