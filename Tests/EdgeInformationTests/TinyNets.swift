import EdgeCore
import EdgeFloat
@testable import EdgeModel

/// Small seeded networks for the estimator tests.
enum TinyNets {
    /// A float network of `nodes` after the input, weights uniform in ±0.6 from `seed`
    /// (batch-norm scales near 1, variances in [0.5, 1.5]).
    static func make(_ nodes: [Node], input: [Int], seed: UInt64) throws -> FloatNetwork {
        let g = Graph(inputShape: input, nodes: [Node(.input, [], name: "input")] + nodes)
        let shapes = try g.shapes()
        var rng = SeededGenerator(seed: seed)
        let params = g.nodes.indices.map { i in
            g.parameterShapes(i, shapes: shapes).enumerated().map { (t, s) -> Tensor in
                var x = Tensor(zeros: s)
                for k in 0..<x.count { x.data[k] = rng.uniform(-0.6, 0.6) }
                if case .batchNorm = g.nodes[i].op {
                    if t == 0 { for k in 0..<x.count { x.data[k] = 1 + rng.uniform(-0.3, 0.3) } }
                    if t == 3 { for k in 0..<x.count { x.data[k] = 0.5 + rng.uniform(0, 1) } }
                }
                return x
            }
        }
        let classes = shapes.last![0]
        return try FloatNetwork(Model(graph: g, parameters: params, metadata: ModelMetadata(classNames: (0..<classes).map { "c\($0)" })))
    }

    /// Uniform [0, 1) inputs, `count` values.
    static func inputs(_ count: Int, seed: UInt64) -> [Float] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { _ in rng.nextFloat() }
    }
}
