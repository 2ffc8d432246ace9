import Foundation

/// Shi et al.'s cross-category KL divergence (CCKL, their eq. 1): the mean of
/// KL(p(·|x_i) ‖ p(·|x_j)) over the pairs of test images with different labels, in nats.
/// The paper averages over individual image pairs (N = "the number of pairs of input data
/// with different labels"), not over class-mean distributions; KL is asymmetric, so both
/// orders (i, j) and (j, i) are counted, which is the same as summing over unordered pairs
/// of the symmetrised KL and dividing by twice their number.
public enum CrossCategoryKL {
    /// CCKL from natural-log probabilities ([N, K] row-major) and labels, in nats; NaN when
    /// no two images have different labels. O(N·K) through
    /// Σ_{i,j: y_i≠y_j} KL(p_i‖p_j) = Σ_i [n_{≠y_i} Σ_k p_ik log p_ik − Σ_k p_ik (L_k − L_{y_i,k})]
    /// with L_k = Σ_j log p_jk and L_{c,k} the same sum over class c. Log-probabilities must
    /// be finite (log-softmax of finite logits is, unless logits differ by more than ~700);
    /// a −∞ makes the result ±∞ or NaN, where `pairwise` follows KL's 0·log 0 = 0 convention.
    public static func compute(logProbabilities lp: [Double], classes k: Int, labels: [Int]) -> Double {
        let n = labels.count
        precondition(k > 0 && lp.count == n * k)
        var total = [Double](repeating: 0, count: k)
        var perClass: [Int: [Double]] = [:]
        var count: [Int: Int] = [:]
        for i in 0..<n {
            count[labels[i], default: 0] += 1
            var row = perClass[labels[i]] ?? [Double](repeating: 0, count: k)
            for c in 0..<k { total[c] += lp[i * k + c]; row[c] += lp[i * k + c] }
            perClass[labels[i]] = row
        }
        var sum = 0.0, pairs = 0
        for i in 0..<n {
            let others = n - (count[labels[i]] ?? 0)
            guard others > 0 else { continue }
            pairs += others
            let own = perClass[labels[i]]!
            for c in 0..<k {
                let l = lp[i * k + c]
                let p = exp(l)
                // 0·log 0 = 0 in KL's convention; the cross term still sees other images' −∞.
                if p > 0 { sum += p * (Double(others) * l - (total[c] - own[c])) }
            }
        }
        return pairs > 0 ? sum / Double(pairs) : .nan
    }

    /// CCKL from probabilities ([N, K] row-major, rows summing to 1) and labels, in nats.
    public static func compute(probabilities p: [Double], classes k: Int, labels: [Int]) -> Double {
        compute(logProbabilities: p.map { log($0) }, classes: k, labels: labels)
    }

    /// The direct O(N²·K) double sum, the definition itself: the oracle for the fast form.
    public static func pairwise(logProbabilities lp: [Double], classes k: Int, labels: [Int]) -> Double {
        let n = labels.count
        var sum = 0.0, pairs = 0
        for i in 0..<n {
            for j in 0..<n where labels[i] != labels[j] {
                pairs += 1
                for c in 0..<k {
                    let p = exp(lp[i * k + c])
                    if p > 0 { sum += p * (lp[i * k + c] - lp[j * k + c]) }
                }
            }
        }
        return pairs > 0 ? sum / Double(pairs) : .nan
    }
}
