import EdgeCore
import EdgeFloat
import EdgeData
import EdgeQuant

/// The Square attack, L∞ (Andriushchenko et al. 2020): gradient-free random search. On the
/// int8 net (`run(_: IntegerNetwork, …)`) it only queries the exact engine and works on the
/// uint8 grid throughout, so every candidate is an image a board could receive; on a float
/// net (`run(_: FloatNetwork, …)`, AutoAttack's setting) candidates are x ± ε exactly.
/// Margin loss logit_y − max_{j≠y} logit_j; an image is broken once it is misclassified.
/// `queries` is the budget per image; `autoAttack(eps:)` is AutoAttack's (5000 queries,
/// p_init = 0.8, the paper's schedule unscaled) — the audit's default rescales the schedule
/// into fewer queries, which is weaker and must be reported with its budget.
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

    /// Rescale the schedule of p to the budget (as if it were 10 000 queries). AutoAttack
    /// runs Square with `resc_schedule=False`: the paper's schedule at its own iteration counts.
    public var rescaleSchedule = true

    /// AutoAttack's Square (standard version): 5000 queries, p_init = 0.8, unscaled schedule.
    public static func autoAttack(eps: Float, side: Int = 28) -> SquareAttack {
        var s = SquareAttack(eps: eps, queries: 5000, side: side)
        s.pInit = 0.8
        s.rescaleSchedule = false
        return s
    }

    /// The paper's schedule: p halves after iterations 10, 50, 200, 500, 1000, 2000, 4000,
    /// 6000 and 8000 (of 10 000, or of the real budget when not rescaled).
    func fraction(_ it: Int) -> Double {
        let i = rescaleSchedule ? Int(Double(it) * 10_000 / Double(max(queries, 1))) : it
        var p = pInit
        for t in [10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000] where i > t { p /= 2 }
        return p
    }

    /// Attacks images `indices` of `set`; the generator for image i is derived from
    /// (seed, i) only, so results do not depend on batching.
    public func run(_ net: IntegerNetwork, set: LabeledImages, indices: [Int], seed: UInt64) -> Outcome {
        let d = set.imageSize
        let e = Int((eps * 255).rounded(.down))
        let clean: [[UInt8]] = indices.map { Array(set.pixels[($0 * d)..<(($0 + 1) * d)]) }
        func clampAdd(_ x: UInt8, _ s: Int) -> UInt8 { UInt8(min(max(Int(x) + s, 0), 255)) }
        func image(_ i: Int, _ s: [Int8]) -> [UInt8] { (0..<d).map { clampAdd(clean[i][$0], Int(s[$0]) * e) } }
        let labels = indices.map { set.labels[$0] }
        let found = search(images: indices, channels: set.channels, height: set.height, width: set.width, seed: seed) { signs, which in
            evaluate(net, zip(which, signs).map { image($0, $1) }, set: set, labels: which.map { labels[$0] }).map(Double.init)
        }
        return Outcome(pixels: indices.indices.flatMap { image($0, found.signs[$0]) }, fooled: found.margins.map { $0 < 0 },
                       queriesUsed: found.used)
    }

    /// The same search on a float net (AutoAttack's setting): candidates are x ± ε exactly,
    /// not on the uint8 grid; the margin is z_y − max_{j≠y} z_j, with ties broken as argmax
    /// does (first index). `ids` name the images for their generators, as in `run`.
    public func run(_ net: FloatNetwork, x: [Float], labels: [Int], ids: [Int], seed: UInt64) -> (adversarial: [Float], fooled: [Bool], queriesUsed: [Int]) {
        let s = net.shapes[0], d = x.count / max(labels.count, 1), k = net.classes
        guard s.count == 3, s[0] * s[1] * s[2] == d, !labels.isEmpty else { return (x, labels.map { _ in false }, labels.map { _ in 0 }) }
        func image(_ i: Int, _ sg: [Int8]) -> [Float] { (0..<d).map { min(max(x[i * d + $0] + Float(sg[$0]) * eps, 0), 1) } }
        let found = search(images: ids, channels: s[0], height: s[1], width: s[2], seed: seed) { signs, which in
            let z = net.forward(zip(which, signs).flatMap { image($0, $1) }, batch: which.count).logits
            return which.enumerated().map { j, i in Self.floatMargin(z[(j * k)..<((j + 1) * k)], label: labels[i]) }
        }
        return (labels.indices.flatMap { image($0, found.signs[$0]) }, found.margins.map { $0 < 0 }, found.used)
    }

    /// z_y − max_{j≠y} z_j; on a tie, a tiny positive value when y is the first maximum.
    static func floatMargin(_ z: ArraySlice<Float>, label y: Int) -> Double {
        let b = z.startIndex
        var other = -Double.infinity, first = 0
        for j in 0..<z.count {
            if j != y { other = max(other, Double(z[b + j])) }
            if z[b + j] > z[b + first] { first = j }
        }
        guard z.count > 1 else { return 1 }
        let m = Double(z[b + y]) - other
        return m != 0 ? m : (first == y ? 1e-30 : -1e-30)
    }

    /// The random search over ±ε sign patterns: vertical stripes first, then squares of the
    /// scheduled side, a candidate kept when its margin is lower. `margin(signs, which)`
    /// scores the sign patterns of images `which` (positions in `images`); negative = fooled.
    func search(images: [Int], channels c: Int, height h: Int, width w: Int, seed: UInt64,
                margin: (_ signs: [[Int8]], _ which: [Int]) -> [Double]) -> (signs: [[Int8]], margins: [Double], used: [Int]) {
        let d = c * h * w, n = images.count
        var rngs = images.map { SeededGenerator(seed: seed, stream: 0x5155_4152, UInt64($0)) }
        var signs = [[Int8]](repeating: [], count: n)
        // Vertical stripes of ±ε, one sign per (channel, column).
        for i in 0..<n {
            var s = [Int8](repeating: 0, count: d)
            for ch in 0..<c { for x in 0..<w {
                let v: Int8 = rngs[i].nextInt(below: 2) == 0 ? -1 : 1
                for y in 0..<h { s[(ch * h + y) * w + x] = v }
            } }
            signs[i] = s
        }
        var margins = margin(signs, Array(0..<n))
        var used = [Int](repeating: 1, count: n)
        var active = (0..<n).filter { margins[$0] >= 0 }
        var it = 1
        while it < queries && !active.isEmpty {
            let p = fraction(it)
            let side = min(max(Int((p * Double(h * w)).squareRoot().rounded()), 1), min(h, w) - 1 > 0 ? min(h, w) - 1 : 1)
            var candSigns: [[Int8]] = []
            for i in active {
                var s = signs[i]
                let r0 = rngs[i].nextInt(below: h - side + 1), c0 = rngs[i].nextInt(below: w - side + 1)
                for ch in 0..<c {
                    let v: Int8 = rngs[i].nextInt(below: 2) == 0 ? -1 : 1
                    for y in r0..<(r0 + side) { for x in c0..<(c0 + side) { s[(ch * h + y) * w + x] = v } }
                }
                candSigns.append(s)
            }
            let m = margin(candSigns, active)
            for (j, i) in active.enumerated() {
                used[i] += 1
                if m[j] < margins[i] {
                    margins[i] = m[j]
                    signs[i] = candSigns[j]
                }
            }
            active = active.filter { margins[$0] >= 0 }
            it += 1
        }
        return (signs, margins, used)
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
