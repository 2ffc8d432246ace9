import XCTest
import EdgeCore
@testable import EdgeFloat
@testable import EdgeModel

/// The layers imported models need: gradients against central finite differences (the
/// checker of GradientCheckTests), and forwards against independent formulations.
extension GradientCheckTests {
    func win(_ kh: Int, _ kw: Int, _ sh: Int, _ sw: Int, _ p: [Int]) -> Window2D {
        Window2D(kernelH: kh, kernelW: kw, strideH: sh, strideW: sw, padding: SidePadding(top: p[0], left: p[1], bottom: p[2], right: p[3]))
    }

    func testGeneralConvolutionAsymmetricPaddingGradients() throws {
        try check([Node(.convolution(ConvSpec(outChannels: 3, window: win(3, 2, 2, 1, [0, 1, 2, 0]), depthwise: false)), [0], name: "conv"),
                   Node(.flatten, [1], name: "flat"), Node(.dense(outFeatures: 3), [2], name: "fc")], input: [2, 7, 6])
    }

    func testDepthwiseGradients() throws {
        try check([Node(.convolution(ConvSpec(outChannels: 3, window: win(3, 3, 2, 2, [1, 1, 1, 1]), depthwise: true)), [0], name: "dw"),
                   Node(.convolution(ConvSpec(outChannels: 3, window: win(2, 3, 1, 2, [0, 2, 1, 0]), depthwise: true)), [1], name: "dw2"),
                   Node(.flatten, [2], name: "flat"), Node(.dense(outFeatures: 2), [3], name: "fc")], input: [3, 7, 8], batch: 10)
    }

    func testWindowPoolGradients() throws {
        for countPad in [false, true] {
            try check([Node(.pool(PoolSpec(isMax: false, window: win(3, 2, 2, 2, [1, 0, 1, 1]), countIncludesPadding: countPad)), [0], name: "avg"),
                       Node(.flatten, [1], name: "flat"), Node(.dense(outFeatures: 2), [2], name: "fc")], input: [2, 6, 7])
        }
        try check([Node(.pool(PoolSpec(isMax: true, window: win(3, 3, 2, 2, [1, 1, 1, 1]), countIncludesPadding: false)), [0], name: "max"),
                   Node(.flatten, [1], name: "flat"), Node(.dense(outFeatures: 2), [2], name: "fc")], input: [2, 6, 6], h: 1e-3)
    }

    func testClipAndPadGradients() throws {
        // Narrow bounds: conv outputs of ±0.6 weights over 18 inputs in [0, 1] cross both of them.
        try check([Node(.conv2d(outChannels: 3, kernel: 3, stride: 1, padding: 1), [0], name: "conv"),
                   Node(.clip(lower: -0.3, upper: 0.4), [1], name: "clip"), Node(.pad(SidePadding(top: 1, left: 0, bottom: 2, right: 1)), [2], name: "pad"),
                   Node(.convolution(ConvSpec(outChannels: 2, window: win(3, 3, 2, 2, [0, 0, 0, 0]), depthwise: false)), [3], name: "c2"),
                   Node(.flatten, [4], name: "flat"), Node(.dense(outFeatures: 2), [5], name: "fc")], input: [2, 5, 5], seed: 5, h: 1e-3)
    }

    /// Per-side padding inside the convolution equals an explicit pad node followed by an
    /// unpadded convolution, bit for bit (the same products in the same order).
    func testPaddedConvolutionEqualsExplicitPad() throws {
        let pads = SidePadding(top: 2, left: 0, bottom: 1, right: 1)
        let inline = try makeNet([Node(.convolution(ConvSpec(outChannels: 4, window: Window2D(kernelH: 3, kernelW: 3, strideH: 2, strideW: 1, padding: pads),
                                                             depthwise: false)), [0], name: "c"),
                                  Node(.flatten, [1], name: "flat"), Node(.dense(outFeatures: 3), [2], name: "fc")], input: [2, 6, 5], seed: 9)
        let explicit = try makeNet([Node(.pad(pads), [0], name: "p"),
                                    Node(.convolution(ConvSpec(outChannels: 4, window: win(3, 3, 2, 1, [0, 0, 0, 0]), depthwise: false)), [1], name: "c"),
                                    Node(.flatten, [2], name: "flat"), Node(.dense(outFeatures: 3), [3], name: "fc")], input: [2, 6, 5], seed: 9)
        explicit.model.parameters[2] = inline.model.parameters[1]
        explicit.model.parameters[4] = inline.model.parameters[3]
        var rng = SeededGenerator(seed: 1)
        let x = (0..<(3 * 60)).map { _ in rng.uniform(0, 1) }
        XCTAssertEqual(inline.forward(x, batch: 3).logits, explicit.forward(x, batch: 3).logits)
    }

    /// Depthwise (direct loops) against a dense convolution (im2col + GEMM) whose weights are
    /// zero off the channel diagonal: equal up to the order of float additions.
    func testDepthwiseEqualsBlockDiagonalDenseConvolution() throws {
        let w = win(3, 2, 2, 1, [1, 0, 1, 1])
        let dw = try makeNet([Node(.convolution(ConvSpec(outChannels: 3, window: w, depthwise: true)), [0], name: "c"),
                              Node(.flatten, [1], name: "flat"), Node(.dense(outFeatures: 2), [2], name: "fc")], input: [3, 6, 5], seed: 2)
        let dense = try makeNet([Node(.convolution(ConvSpec(outChannels: 3, window: w, depthwise: false)), [0], name: "c"),
                                 Node(.flatten, [1], name: "flat"), Node(.dense(outFeatures: 2), [2], name: "fc")], input: [3, 6, 5], seed: 2)
        var full = [Float](repeating: 0, count: 3 * 3 * 6)
        for c in 0..<3 { for t in 0..<6 { full[(c * 3 + c) * 6 + t] = dw.model.parameters[1][0].data[c * 6 + t] } }
        dense.model.parameters[1][0].data = full
        dense.model.parameters[1][1] = dw.model.parameters[1][1]
        dense.model.parameters[3] = dw.model.parameters[3]
        var rng = SeededGenerator(seed: 3)
        let x = (0..<(2 * 90)).map { _ in rng.uniform(0, 1) }
        let a = dw.forward(x, batch: 2).outputs[1], b = dense.forward(x, batch: 2).outputs[1]
        XCTAssertEqual(a.count, b.count)
        for (u, v) in zip(a, b) { XCTAssertEqual(u, v, accuracy: 1e-5) }
    }

    func testGeneralLayersRoundTripThroughModelFile() throws {
        let net = try makeNet([Node(.pad(SidePadding(top: 1, left: 2, bottom: 0, right: 1)), [0], name: "p"),
                               Node(.convolution(ConvSpec(outChannels: 2, window: win(3, 2, 2, 1, [1, 0, 1, 1]), depthwise: true)), [1], name: "dw"),
                               Node(.clip(lower: 0, upper: 6), [2], name: "relu6"),
                               Node(.pool(PoolSpec(isMax: false, window: win(2, 3, 1, 2, [0, 1, 1, 0]), countIncludesPadding: true)), [3], name: "avg"),
                               Node(.flatten, [4], name: "flat"), Node(.dense(outFeatures: 2), [5], name: "fc")], input: [2, 6, 6], seed: 4)
        let back = try ModelFile.decode(try ModelFile.encode(net.model), path: "<mem>")
        XCTAssertEqual(back.graph, net.model.graph)
        XCTAssertEqual(back.parameters.map { $0.map(\.data) }, net.model.parameters.map { $0.map(\.data) })
    }

    func testGeneralLayersRefuseBadParameters() {
        func refused(_ op: Op, _ input: [Int], _ needle: String, line: UInt = #line) {
            let g = Graph(inputShape: input, nodes: [Node(.input, [], name: "in"), Node(op, [0], name: "x"), Node(.flatten, [1], name: "f")])
            XCTAssertThrowsError(try g.shapes(), line: line) { e in XCTAssertTrue("\(e)".contains(needle), "\(e)", line: line) }
        }
        refused(.convolution(ConvSpec(outChannels: 2, window: win(3, 3, 1, 1, [0, 0, 0, 0]), depthwise: true)), [3, 5, 5], "depthwise")
        refused(.convolution(ConvSpec(outChannels: 2, window: win(3, 3, 0, 1, [0, 0, 0, 0]), depthwise: false)), [3, 5, 5], "stride")
        refused(.pool(PoolSpec(isMax: true, window: win(2, 2, 1, 1, [2, 0, 0, 0]), countIncludesPadding: false)), [3, 5, 5], "padding")
        refused(.pool(PoolSpec(isMax: true, window: win(7, 2, 1, 1, [0, 0, 0, 0]), countIncludesPadding: false)), [3, 5, 5], "does not fit")
        refused(.clip(lower: 1, upper: 0), [3, 5, 5], "clip")
        refused(.pad(SidePadding(top: -1, left: 0, bottom: 0, right: 0)), [3, 5, 5], "pad")
    }

    /// model.bin with ops 10–13 under damage: every strict prefix is refused with a typed
    /// error, and every single-byte flip of the GRPH payload is refused or yields a model the
    /// executor validates and runs (no trap, no out-of-bounds read).
    func testGeneralLayersSurviveTruncationAndFlips() throws {
        let net = try makeNet([Node(.pad(SidePadding(top: 1, left: 2, bottom: 0, right: 1)), [0], name: "p"),
                               Node(.convolution(ConvSpec(outChannels: 2, window: win(3, 2, 2, 1, [1, 0, 1, 1]), depthwise: true)), [1], name: "dw"),
                               Node(.clip(lower: 0, upper: 6), [2], name: "relu6"),
                               Node(.pool(PoolSpec(isMax: true, window: win(2, 3, 1, 2, [0, 1, 1, 0]), countIncludesPadding: false)), [3], name: "mx"),
                               Node(.flatten, [4], name: "flat"), Node(.dense(outFeatures: 2), [5], name: "fc")], input: [2, 6, 6], seed: 4)
        let bytes = try ModelFile.encode(net.model)
        for n in 0..<bytes.count {
            XCTAssertThrowsError(try ModelFile.decode(Array(bytes.prefix(n)), path: "<cut>"), "prefix \(n)")
        }
        var decoded = 0
        // The GRPH section comes first; flipping its bytes (checksums off) reaches the op parser.
        for i in 0..<min(bytes.count, 400) {
            for bit in [0, 3, 7] {
                var b = bytes
                b[i] ^= UInt8(1 << bit)
                guard let m = try? ModelFile.decode(b, path: "<flip>", verifyChecksums: false), let f = try? FloatNetwork(m) else { continue }
                decoded += 1
                let x = [Float](repeating: 0.5, count: 2 * f.sizes[0])
                XCTAssertEqual(f.forward(x, batch: 2).logits.count, 2 * f.classes)
            }
        }
        XCTAssertGreaterThan(decoded, 0)
    }
}
