import XCTest
import EdgeCore
@testable import EdgeFloat
@testable import EdgeModel

/// Every layer's gradients against central finite differences of the loss
/// L = Σ r·logits (r fixed random), on tiny shapes.
final class GradientCheckTests: XCTestCase {
    func makeNet(_ nodes: [Node], input: [Int], seed: UInt64) throws -> FloatNetwork {
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

    func loss(_ net: FloatNetwork, _ x: [Float], _ b: Int, _ r: [Float], training: Bool) -> Double {
        zip(net.forward(x, batch: b, training: training).logits, r).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }

    func check(_ nodes: [Node], input: [Int], batch: Int = 3, training: Bool = false, seed: UInt64 = 1, h: Float = 1e-2,
               file: StaticString = #filePath, line: UInt = #line) throws {
        let net = try makeNet(nodes, input: input, seed: seed)
        var rng = SeededGenerator(seed: seed + 100)
        let x = (0..<(batch * input.reduce(1, *))).map { _ in rng.uniform(0, 1) }
        let r = (0..<(batch * net.classes)).map { _ in rng.uniform(-1, 1) }
        let pass = net.forward(x, batch: batch, training: training)
        let g = net.backward(pass, dLogits: r, parameters: true, input: true)
        func compare(_ analytic: Float, _ numeric: Double, _ what: String) {
            let tol = 2e-2 * max(1, abs(numeric))
            XCTAssertEqual(Double(analytic), numeric, accuracy: tol, what, file: file, line: line)
        }
        // Input gradient.
        for k in stride(from: 0, to: x.count, by: max(1, x.count / 40)) {
            var xp = x, xm = x
            xp[k] += h; xm[k] -= h
            let fd = (loss(net, xp, batch, r, training: training) - loss(net, xm, batch, r, training: training)) / Double(2 * h)
            compare(g.input![k], fd, "d/dx[\(k)]")
        }
        // Parameter gradients (trainable tensors only).
        for i in net.model.parameters.indices {
            for t in net.model.parameters[i].indices {
                if case .batchNorm = net.model.graph.nodes[i].op, t >= 2 { continue }
                let n = net.model.parameters[i][t].count
                for k in stride(from: 0, to: n, by: max(1, n / 15)) {
                    let saved = net.model.parameters[i][t].data[k]
                    net.model.parameters[i][t].data[k] = saved + h
                    let lp = loss(net, x, batch, r, training: training)
                    net.model.parameters[i][t].data[k] = saved - h
                    let lm = loss(net, x, batch, r, training: training)
                    net.model.parameters[i][t].data[k] = saved
                    compare(g.parameters[i][t][k], (lp - lm) / Double(2 * h), "\(net.model.graph.nodes[i].name)[\(t)][\(k)]")
                }
            }
        }
    }

    func testConvStridePaddingAndDense() throws {
        try check([Node(.conv2d(outChannels: 3, kernel: 3, stride: 2, padding: 1), [0], name: "conv"),
                   Node(.flatten, [1], name: "flat"), Node(.dense(outFeatures: 4), [2], name: "fc")], input: [2, 7, 6])
    }

    func testPointwiseConvAndGlobalAveragePool() throws {
        try check([Node(.conv2d(outChannels: 5, kernel: 1, stride: 1, padding: 0), [0], name: "pw"),
                   Node(.globalAvgPool, [1], name: "gap"), Node(.dense(outFeatures: 3), [2], name: "fc")], input: [3, 4, 5])
    }

    func testReLUAndMaxPool() throws {
        // Inputs are random in [0, 1] and weights in ±0.6, so kinks and ties are measure-zero.
        try check([Node(.conv2d(outChannels: 4, kernel: 3, stride: 1, padding: 1), [0], name: "conv"),
                   Node(.relu, [1], name: "relu"), Node(.maxPool(kernel: 2, stride: 2), [2], name: "pool"),
                   Node(.flatten, [3], name: "flat"), Node(.dense(outFeatures: 3), [4], name: "fc")], input: [1, 6, 6], seed: 3, h: 1e-3)
    }

    func testAveragePool() throws {
        try check([Node(.avgPool(kernel: 3, stride: 2), [0], name: "pool"), Node(.flatten, [1], name: "flat"),
                   Node(.dense(outFeatures: 2), [2], name: "fc")], input: [2, 7, 7])
    }

    func testBatchNormTrainingAndEval() throws {
        let nodes = [Node(.conv2d(outChannels: 3, kernel: 3, stride: 1, padding: 0), [0], name: "conv"),
                     Node(.batchNorm(epsilon: 1e-5), [1], name: "bn"), Node(.flatten, [2], name: "flat"),
                     Node(.dense(outFeatures: 3), [3], name: "fc")]
        try check(nodes, input: [2, 5, 5], batch: 4, training: true)
        try check(nodes, input: [2, 5, 5], batch: 4, training: false)
    }

    func testResidualAdd() throws {
        try check([Node(.conv2d(outChannels: 2, kernel: 3, stride: 1, padding: 1), [0], name: "a"),
                   Node(.conv2d(outChannels: 2, kernel: 1, stride: 1, padding: 0), [0], name: "b"),
                   Node(.add, [1, 2], name: "add"), Node(.conv2d(outChannels: 2, kernel: 3, stride: 2, padding: 1), [3], name: "c"),
                   Node(.add, [4, 4], name: "dbl"), Node(.flatten, [5], name: "flat"), Node(.dense(outFeatures: 2), [6], name: "fc")],
                  input: [2, 5, 5])
    }

    func testSoftmaxCrossEntropyGradient() {
        let logits: [Float] = [1, 2, 0.5, -1, 0, 3]
        let (l, g) = SoftmaxCrossEntropy.lossAndGradient(logits: logits, labels: [1, 2], classes: 3)
        // Row 1: p = softmax(1, 2, 0.5); loss −log p1. Row 2: −log p2 of (−1, 0, 3).
        let e1 = [exp(1.0), exp(2.0), exp(0.5)], e2 = [exp(-1.0), exp(0.0), exp(3.0)]
        let want = (-log(e1[1] / e1.reduce(0, +)) - log(e2[2] / e2.reduce(0, +))) / 2
        XCTAssertEqual(l, want, accuracy: 1e-9)
        XCTAssertEqual(Double(g[1]), (e1[1] / e1.reduce(0, +) - 1) / 2, accuracy: 1e-6)
        XCTAssertEqual(g.reduce(0, +), 0, accuracy: 1e-6)
    }

    func testThreadCountDoesNotChangeResults() throws {
        let net = try makeNet(Array(Architecture.resnet8.graph(input: [1, 12, 12], classes: 4).nodes.dropFirst()), input: [1, 12, 12], seed: 4)
        var rng = SeededGenerator(seed: 8)
        let b = 19
        let x = (0..<(b * 144)).map { _ in rng.uniform(0, 1) }
        let r = (0..<(b * 4)).map { _ in rng.uniform(-1, 1) }
        var results: [[[Float]]] = []
        for t in [1, 2, 3] {
            Parallel.threads = t
            let pass = net.forward(x, batch: b, training: true)
            let gr = net.backward(pass, dLogits: r, parameters: true, input: true)
            results.append(gr.parameters.flatMap { $0 } + [gr.input!, pass.logits])
        }
        XCTAssertEqual(results[0], results[1])
        XCTAssertEqual(results[0], results[2])
    }
}
