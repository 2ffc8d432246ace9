import EdgeCore
import Foundation

/// A trained mutual-information estimator in the manner of MIAT (Zhou et al. 2022, whose
/// estimators are small critic networks trained on (output, pattern) pairs): a separable
/// critic T(u, v) = f(u)·g(v) with two ReLU encoders, trained to maximise the InfoNCE bound
/// (van den Oord et al. 2018; Poole et al. 2019)
///
///   I(U; V) ≥ E[ T(u_i, v_i) − log (1/B) Σ_j exp T(u_i, v_j) ],
///
/// with the other rows of a batch of B pairs as the negatives. The bound never exceeds
/// log B (the entropy of picking the true partner among B), so a deterministic invertible
/// relation saturates at log B and independent variables give ≈ 0. The pairs are split into
/// training, validation and test parts: the critic of the epoch with the best validation
/// bound is kept (a critic that memorises training pairs scores below 0 on new ones), and
/// the bound is reported on the test part. Nats.
public struct InfoNCEEstimator: Sendable {
    /// Batch (negatives + 1): the ceiling log B.
    public var batch = 64
    /// Hidden width and embedding size of each encoder.
    public var hidden = 64, embedding = 32
    /// Passes over the training pairs, Adam learning rate.
    public var epochs = 60
    /// Adam learning rate.
    public var learningRate: Float = 1e-3
    /// Fraction of the pairs used for training; the rest is split evenly into validation
    /// (early stopping) and test (the reported bound).
    public var trainFraction = 0.5
    /// Seed of the weights and the batch order.
    public var seed: UInt64 = 1

    /// Defaults: B = 64, encoders 64 → 32, 60 epochs, lr 1e-3, half the pairs held out.
    public init() {}

    /// The result of one estimate.
    public struct Result: Codable, Equatable, Sendable {
        /// The InfoNCE bound on held-out pairs, in nats.
        public var nats: Double
        /// Its ceiling log B.
        public var ceiling: Double
        /// The best validation bound, and the epoch that reached it (0: the initial critic).
        public var validationNats: Double, bestEpoch: Int
    }

    /// The estimate of I(U; V) from `n` pairs: `u` [n, du] and `v` [n, dv] row-major. Needs
    /// a batch of pairs in each of the three parts (n·(1 − trainFraction)/2 ≥ B).
    public func estimate(u: [Float], du: Int, v: [Float], dv: Int, n: Int) throws -> Result {
        guard du > 0, dv > 0, u.count == n * du, v.count == n * dv else { throw EdgeError.internalError("InfoNCE: shapes do not match") }
        let nTrain = Int(Double(n) * trainFraction), nVal = (n - nTrain) / 2
        guard nTrain >= batch, nVal >= batch, n - nTrain - nVal >= batch else {
            throw EdgeError.usage("the MI estimator needs at least \(4 * batch) samples (batches of \(batch) for training, validation and test), got \(n)")
        }
        var rng = SeededGenerator(seed: seed)
        var f = CriticMLP(inputs: du, hidden: hidden, outputs: embedding, rng: &rng)
        var g = CriticMLP(inputs: dv, hidden: hidden, outputs: embedding, rng: &rng)
        func rows(_ a: [Float], _ d: Int, _ idx: ArraySlice<Int>) -> [Float] { idx.flatMap { a[($0 * d)..<(($0 + 1) * d)] } }
        func evaluate(_ f: CriticMLP, _ g: CriticMLP, _ part: [Int]) -> Double {
            var sum = 0.0, count = 0
            for s in stride(from: 0, through: part.count - batch, by: batch) {
                let idx = part[s..<(s + batch)]
                let eu = f.forward(rows(u, du, idx), batch: batch).y, ev = g.forward(rows(v, dv, idx), batch: batch).y
                sum += Self.bound(eu, ev, batch: batch, dim: embedding).bound
                count += 1
            }
            return sum / Double(count)
        }
        // Pairs often arrive sorted (by class folder): split a seeded permutation.
        var perm = Array(0..<n)
        rng.shuffle(&perm)
        let val = Array(perm[nTrain..<(nTrain + nVal)]), test = Array(perm[(nTrain + nVal)...])
        var best = (evaluate(f, g, val), 0, f, g)
        var order = Array(perm[..<nTrain])
        for epoch in 1...max(epochs, 1) {
            rng.shuffle(&order)
            for s in stride(from: 0, through: nTrain - batch, by: batch) {
                let idx = order[s..<(s + batch)]
                let (xu, xv) = (rows(u, du, idx), rows(v, dv, idx))
                let (hu, eu) = f.forward(xu, batch: batch), (hv, ev) = g.forward(xv, batch: batch)
                // Ascend the bound: the loss is −bound, dLoss/dS = −dScores.
                let dS = Self.bound(eu, ev, batch: batch, dim: embedding).dScores.map { -$0 }
                let (dEu, dEv) = Self.encoderGradients(dS, eu, ev, batch: batch, dim: embedding)
                f.update(xu, batch: batch, hidden: hu, dy: dEu, lr: learningRate)
                g.update(xv, batch: batch, hidden: hv, dy: dEv, lr: learningRate)
            }
            let b = evaluate(f, g, val)
            if b > best.0 { best = (b, epoch, f, g) }
        }
        return Result(nats: evaluate(best.2, best.3, test), ceiling: log(Double(batch)), validationNats: best.0, bestEpoch: best.1)
    }

    /// The InfoNCE bound of embeddings `a`, `b` ([B, E]) with scores S_ij = a_i·b_j, and
    /// d bound / d S ([B, B]): (δ_ij − softmax_j(S_i·)) / B.
    static func bound(_ a: [Float], _ b: [Float], batch n: Int, dim e: Int) -> (bound: Double, dScores: [Float]) {
        var s = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n {
            var acc = 0.0
            for t in 0..<e { acc += Double(a[i * e + t]) * Double(b[j * e + t]) }
            s[i * n + j] = acc
        } }
        var total = 0.0
        var d = [Float](repeating: 0, count: n * n)
        for i in 0..<n {
            let row = s[(i * n)..<((i + 1) * n)]
            let mx = row.max()!
            let lse = mx + log(row.reduce(0) { $0 + exp($1 - mx) })
            total += s[i * n + i] - lse
            for j in 0..<n { d[i * n + j] = Float(((i == j ? 1 : 0) - exp(s[i * n + j] - lse)) / Double(n)) }
        }
        return (total / Double(n) + log(Double(n)), d)
    }

    /// dL/da = dS·b and dL/db = dSᵀ·a for S = a·bᵀ.
    static func encoderGradients(_ dS: [Float], _ a: [Float], _ b: [Float], batch n: Int, dim e: Int) -> ([Float], [Float]) {
        var da = [Float](repeating: 0, count: n * e), db = da
        for i in 0..<n { for j in 0..<n {
            let g = dS[i * n + j]
            if g == 0 { continue }
            for t in 0..<e { da[i * e + t] += g * b[j * e + t]; db[j * e + t] += g * a[i * e + t] }
        } }
        return (da, db)
    }
}
