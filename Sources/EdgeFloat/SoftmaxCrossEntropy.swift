#if canImport(Glibc)
import Glibc
#endif

/// Softmax and the mean softmax cross-entropy over a batch, computed stably
/// (max-subtracted) in Double.
public enum SoftmaxCrossEntropy {
    /// Mean loss and its gradient d loss / d logits = (softmax − onehot)/B.
    public static func lossAndGradient(logits: [Float], labels: [Int], classes k: Int) -> (loss: Double, grad: [Float]) {
        let b = labels.count
        var grad = [Float](repeating: 0, count: logits.count)
        var total = 0.0
        for n in 0..<b {
            let p = probabilities(logits[(n * k)..<(n * k + k)])
            total -= log(max(p[labels[n]], 1e-300))
            for j in 0..<k { grad[n * k + j] = Float((p[j] - (j == labels[n] ? 1 : 0)) / Double(b)) }
        }
        return (total / Double(max(b, 1)), grad)
    }

    /// Softmax of one row of logits.
    public static func probabilities(_ row: ArraySlice<Float>) -> [Double] {
        let m = Double(row.max() ?? 0)
        let e = row.map { exp(Double($0) - m) }
        let s = e.reduce(0, +)
        return e.map { $0 / s }
    }

    /// Index of the largest logit in each row (the first on ties).
    public static func argmax(_ logits: [Float], classes k: Int) -> [Int] {
        let b = logits.count / max(k, 1)
        return (0..<b).map { n in
            var best = 0
            for j in 1..<k where logits[n * k + j] > logits[n * k + best] { best = j }
            return best
        }
    }
}
