import EdgeCore
import EdgeData
import EdgeQuant

/// The Square attack, L∞ (Andriushchenko et al. 2020): gradient-free random search that
/// only queries the exact int8 engine. Works on the uint8 grid throughout, so every
/// candidate is an image a board could receive. Margin loss logit_y − max_{j≠y} logit_j on
/// the int8 logits; an image is broken once it is misclassified.
public struct SquareAttack: Sendable {
    /// L∞ radius in [0, 1] units (rounded down to whole pixel steps).
    public var eps: Float
    /// Query budget per image (the initialisation counts as one).
    public var queries: Int
    /// Initial fraction of pixels changed per step (halved on the paper's schedule):
    /// 0.8 for small images (the authors' MNIST setting), 0.05 otherwise (their ImageNet one).
    public var pInit: Double

    /// An attack with radius `eps` and `queries` per image on images of side `side`.
    public init(eps: Float, queries: Int, side: Int = 28) {
        self.eps = eps
        self.queries = queries
        self.pInit = side <= 32 ? 0.8 : 0.05
    }

    /// Result per image: the adversarial pixels, whether it is misclassified, queries used.
    public struct Outcome: Sendable {
        /// Final images (planar uint8, same layout as the input set).
        public var pixels: [UInt8]
        /// Per image: misclassified by the int8 net at the end.
        public var fooled: [Bool]
        /// Per image: queries spent.
        public var queriesUsed: [Int]
    }

    /// The paper's schedule, rescaled to a budget of 10 000 iterations.
    func fraction(_ it: Int) -> Double {
        let i = Int(Double(it) * 10_000 / Double(max(queries, 1)))
        var p = pInit
        for t in [10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000] where i > t { p /= 2 }
        return p
    }

    /// Attacks images `indices` of `set`; the generator for image i is derived from
    /// (seed, i) only, so results do not depend on batching.
    public func run(_ net: IntegerNetwork, set: LabeledImages, indices: [Int], seed: UInt64) -> Outcome {
        let c = set.channels, h = set.height, w = set.width, d = set.imageSize, n = indices.count
        let e = Int((eps * 255).rounded(.down))
        var rngs = indices.map { SeededGenerator(seed: seed, stream: 0x5155_4152, UInt64($0)) }
        let clean: [[UInt8]] = indices.map { Array(set.pixels[($0 * d)..<(($0 + 1) * d)]) }
        func clampAdd(_ x: UInt8, _ s: Int) -> UInt8 { UInt8(min(max(Int(x) + s, 0), 255)) }
        var current = [[UInt8]](repeating: [], count: n)
        var signs = [[Int8]](repeating: [], count: n)
        // Vertical stripes of ±ε, one sign per (channel, column).
        for i in 0..<n {
            var s = [Int8](repeating: 0, count: d)
            for ch in 0..<c { for x in 0..<w {
                let v: Int8 = rngs[i].nextInt(below: 2) == 0 ? -1 : 1
                for y in 0..<h { s[(ch * h + y) * w + x] = v }
            } }
            signs[i] = s
            current[i] = (0..<d).map { clampAdd(clean[i][$0], Int(s[$0]) * e) }
        }
        var margins = evaluate(net, current, set: set, labels: indices.map { set.labels[$0] })
        var used = [Int](repeating: 1, count: n)
        var active = (0..<n).filter { margins[$0] >= 0 }
        var it = 1
        while it < queries && !active.isEmpty {
            let p = fraction(it)
            let side = min(max(Int((p * Double(h * w)).squareRoot().rounded()), 1), min(h, w) - 1 > 0 ? min(h, w) - 1 : 1)
            var candidates: [[UInt8]] = [], candSigns: [[Int8]] = []
            for i in active {
                var s = signs[i]
                let r0 = rngs[i].nextInt(below: h - side + 1), c0 = rngs[i].nextInt(below: w - side + 1)
                for ch in 0..<c {
                    let v: Int8 = rngs[i].nextInt(below: 2) == 0 ? -1 : 1
                    for y in r0..<(r0 + side) { for x in c0..<(c0 + side) { s[(ch * h + y) * w + x] = v } }
                }
                candSigns.append(s)
                candidates.append((0..<d).map { clampAdd(clean[i][$0], Int(s[$0]) * e) })
            }
            let m = evaluate(net, candidates, set: set, labels: active.map { set.labels[indices[$0]] })
            for (j, i) in active.enumerated() {
                used[i] += 1
                if m[j] < margins[i] {
                    margins[i] = m[j]
                    signs[i] = candSigns[j]
                    current[i] = candidates[j]
                }
            }
            active = active.filter { margins[$0] >= 0 }
            it += 1
        }
        return Outcome(pixels: current.flatMap { $0 }, fooled: margins.map { $0 < 0 }, queriesUsed: used)
    }

    /// Margin 2·(logit_y − max_{j≠y} logit_j) of the int8 logits; on a tie, +1 when the
    /// first maximal index is y (still correct: argmax takes the first) and −1 otherwise.
    /// Negative means misclassified.
    private func evaluate(_ net: IntegerNetwork, _ images: [[UInt8]], set: LabeledImages, labels: [Int]) -> [Int] {
        let batch = LabeledImages(channels: set.channels, height: set.height, width: set.width, pixels: images.flatMap { $0 },
                                  labels: labels, classNames: set.classNames, sources: [String](repeating: "", count: labels.count))
        let q = net.run(batch, Array(0..<labels.count)).logits
        let k = net.classes
        // One class: nothing to confuse it with, every image stays correct (no "other" logit).
        guard k > 1 else { return [Int](repeating: 1 << 20, count: labels.count) }
        return (0..<labels.count).map { i in
            let y = labels[i]
            var other = Int.min, firstMax = 0
            for j in 0..<k {
                if j != y { other = max(other, Int(q[i * k + j])) }
                if q[i * k + j] > q[i * k + firstMax] { firstMax = j }
            }
            let m = 2 * (Int(q[i * k + y]) - other)
            return m != 0 ? m : (firstMax == y ? 1 : -1)
        }
    }
}
