import EdgeAttacks
import EdgeCore
import EdgeData
import Foundation

extension AttackJob {
    /// Evaluates one ε's examples: robust accuracy, success rate, perturbation sizes of what
    /// the evaluated net saw (float inputs for the float net), Square's queries and the
    /// transfer matrix.
    func evaluate(_ c: AttackCrafted, eps e: Double) -> AttackRow {
        let set = ctx.set, n = set.count, d = set.imageSize
        var row = AttackRow(eps: e)
        row.craftSeconds = c.craftSeconds
        let float = r.net == .float
        let pred = float ? predictFloat(c.onFloat, n) : ctx.int8Predictions(c.evaluated, labels: set.labels)
        let clean = float ? cleanFloat : cleanInt8
        var linf: [Double] = [], l2: [Double] = []
        for i in 0..<n {
            var mx = 0.0, s = 0.0
            for t in 0..<d {
                let v = float ? Double(c.onFloat[i * d + t]) - Double(set.pixels[i * d + t]) / 255
                    : Double(Int(c.evaluated[i * d + t]) - Int(set.pixels[i * d + t])) / 255
                mx = max(mx, abs(v)); s += v * v
            }
            linf.append(mx); l2.append(s.squareRoot())
        }
        let minimal = r.attack.isMinimalL2
        func fooled(_ i: Int) -> Bool {
            if minimal && l2[i] > e && e > 0 { return false }   // cw: adversarial only within the L2 threshold
            return targets.map { pred[i] == $0[i] } ?? (pred[i] != set.labels[i])
        }
        let correctBefore = (0..<n).filter { clean[$0] == set.labels[$0] }
        // Robust accuracy: the accuracy on the adversarial examples; for CW (minimal-norm)
        // an image counts as robust at threshold ε when it was correct and no example
        // within L2 ≤ ε fooled it.
        row.accuracy = minimal
            ? Double((0..<n).filter { clean[$0] == set.labels[$0] && !fooled($0) }.count) / Double(n)
            : Double((0..<n).filter { pred[$0] == set.labels[$0] }.count) / Double(n)
        row.success = Double(correctBefore.filter { fooled($0) }.count) / Double(max(correctBefore.count, 1))
        row.meanLinf = linf.reduce(0, +) / Double(n); row.meanL2 = l2.reduce(0, +) / Double(n)
        row.medianLinf = linf.sorted()[n / 2]; row.medianL2 = l2.sorted()[n / 2]
        row.queries = r.attack == .square ? Double(c.queriesUsed.reduce(0, +)) / Double(n) : 0
        if r.attack != .square && ctx.ste != nil { row.matrix = transferMatrix(c) }
        row.perAttack = c.tally.steps.isEmpty ? nil : c.tally
        return row
    }

    /// The 2×2 transfer matrix on the uint8 grid: crafted on float / on int8 (STE) ×
    /// evaluated on float / int8, as accuracies.
    func transferMatrix(_ c: AttackCrafted) -> [String: Double] {
        let set = ctx.set, n = set.count
        func acc(_ p: [Int]) -> Double { Double(zip(p, set.labels).filter { $0 == $1 }.count) / Double(n) }
        func asFloat(_ px: [UInt8]) -> [Int] { predictFloat(set.withPixels(px, labels: set.labels).floatBatch(Array(0..<n)).data, n) }
        return ["crafted_float.eval_float": acc(asFloat(c.floatSnapped)),
                "crafted_float.eval_int8": acc(ctx.int8Predictions(c.floatSnapped, labels: set.labels)),
                "crafted_int8_ste.eval_float": acc(asFloat(c.steSnapped)),
                "crafted_int8_ste.eval_int8": acc(ctx.int8Predictions(c.steSnapped, labels: set.labels))]
    }

    /// Gradient-masking check on the int8 net: does a query attack (Square, 300 queries, on
    /// at most 200 evenly spread images) beat the gradient attack at some L∞ ε? Sets the
    /// row's note when it does.
    func maskingCheck(_ rows: inout [AttackRow]) {
        guard r.net == .int8 && r.attack != .square && !r.attack.isMinimalL2 && !r.targeted else { return }
        let set = ctx.set
        let idx = ctx.spread(200)
        let m = idx.count
        for i in rows.indices where rows[i].eps > 0 && r.norm == .linf {
            let out = SquareAttack(eps: Float(rows[i].eps), queries: 300, side: min(set.height, set.width))
                .run(ctx.int8, set: set, indices: idx, seed: r.seed)
            let qAcc = Double(out.fooled.filter { !$0 }.count) / Double(m)
            if qAcc + 1e-12 < rows[i].accuracy {
                rows[i].note = String(format: "gradient-masking warning: the Square attack (300 queries, %d images) leaves %.2f%%, "
                                      + "below this attack's %.2f%%", m, qAcc * 100, rows[i].accuracy * 100)
            }
        }
    }
}
