import EdgeCore
import EdgeModel

/// Fresh parameters for a graph: He (Kaiming) uniform weights, bound √(6 / fan_in), which
/// keeps ReLU activations' variance steady; zero biases; batch norm γ = 1, β = 0, running
/// mean 0 and variance 1. Draws come from the seeded generator in node order.
public enum Initializer {
    /// Parameters for every node of `graph`.
    public static func parameters(for graph: Graph, rng: inout SeededGenerator) throws -> [[Tensor]] {
        let shapes = try graph.shapes()
        return graph.nodes.indices.map { i in
            let ps = graph.parameterShapes(i, shapes: shapes)
            switch graph.nodes[i].op {
            case .conv2d, .dense:
                let w = ps[0]
                let fanIn = w.dropFirst().reduce(1, *)
                let bound = Float((6.0 / Double(fanIn)).squareRoot())
                var t = Tensor(zeros: w)
                for k in 0..<t.count { t.data[k] = rng.uniform(-bound, bound) }
                return [t, Tensor(zeros: ps[1])]
            case .batchNorm:
                let c = ps[0][0]
                return [Tensor(shape: [c], data: .init(repeating: 1, count: c)), Tensor(zeros: [c]),
                        Tensor(zeros: [c]), Tensor(shape: [c], data: .init(repeating: 1, count: c))]
            default:
                return []
            }
        }
    }
}
