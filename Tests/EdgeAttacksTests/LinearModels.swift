import EdgeAttacks
import EdgeCore
import EdgeFloat
import EdgeModel

/// Affine classifiers z = W·x + b on 4×4 single-channel inputs, where the distance to each
/// decision boundary is known in closed form: the oracle for the minimal-perturbation and
/// targeted attacks.
enum LinearModels {
    /// The net for `w` (k rows of 16) and `bias` (k).
    static func net(_ w: [[Float]], bias: [Float]) throws -> FloatNetwork {
        let k = w.count
        let g = Graph(inputShape: [1, 4, 4], nodes: [Node(.input, [], name: "input"), Node(.flatten, [0], name: "flat"),
                                                     Node(.dense(outFeatures: k), [1], name: "fc")])
        let params: [[Tensor]] = [[], [], [Tensor(shape: [k, 16], data: w.flatMap { $0 }), Tensor(shape: [k], data: bias)]]
        return try FloatNetwork(Model(graph: g, parameters: params, metadata: ModelMetadata(classNames: (0..<k).map { "c\($0)" })))
    }

    /// Random weights in [−1, 1]; biases that put every class within ±0.2 of the others at
    /// the grey image (all 0.5), so the boundaries pass near the images `images` makes.
    static func random(classes k: Int, seed: UInt64) throws -> (FloatNetwork, [[Float]], [Float]) {
        var g = SeededGenerator(seed: seed)
        let w = (0..<k).map { _ in (0..<16).map { _ in g.uniform(-1, 1) } }
        let b = w.map { row in -0.5 * row.reduce(0, +) + g.uniform(-0.2, 0.2) }
        return (try net(w, bias: b), w, b)
    }

    /// Distance from `x` to the boundary z_t = z_y of the affine classifier, ignoring the
    /// box: |z_y − z_t| / ‖w_y − w_t‖_dual (‖·‖₁ for L∞ budgets, ‖·‖₂ for L2).
    static func distance(_ w: [[Float]], _ b: [Float], x: ArraySlice<Float>, from y: Int, to t: Int, norm: AttackNorm) -> Double {
        let x0 = x.startIndex
        var f = Double(b[y] - b[t]), dual = 0.0
        for i in 0..<16 {
            let dw = Double(w[y][i] - w[t][i])
            f += dw * Double(x[x0 + i])
            dual += norm == .linf ? abs(dw) : dw * dw
        }
        return abs(f) / (norm == .linf ? dual : dual.squareRoot())
    }

    /// Images near the middle of the box (0.5 ± 0.05), so no boundary point within reach
    /// of the attacks under test leaves [0, 1].
    static func images(_ n: Int, seed: UInt64) -> [Float] {
        var g = SeededGenerator(seed: seed)
        return (0..<(n * 16)).map { _ in 0.5 + g.uniform(-0.05, 0.05) }
    }

    /// The classes the net assigns (used as labels so every image starts correct).
    static func predictions(_ net: FloatNetwork, _ x: [Float]) -> [Int] {
        SoftmaxCrossEntropy.argmax(net.forward(x, batch: x.count / 16).logits, classes: net.classes)
    }
}
