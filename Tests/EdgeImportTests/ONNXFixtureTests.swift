import XCTest
@testable import EdgeImport

/// The ONNX files made by torch.onnx.export (and one by onnx.helper for the operators the
/// exporter folds away) map onto the IR with NHWC shapes and OHWI weights whose values
/// match the initializers the onnx package read back.
final class ONNXFixtureTests: XCTestCase {
    func load(_ name: String) throws -> (ImportedGraph, [String: Any]) {
        let g = try ModelImporter.importGraph(try Fixtures.bytes(name + ".onnx"), path: name)
        return (g, try Fixtures.expect(name))
    }

    /// The IR op sequence each net's architecture implies (ReLU/Clip fused, BN folded,
    /// Constant/Identity/no-op Reshape aliased, trailing Softmax dropped).
    static let expectedOps: [String: [String]] = [
        "torch_a_opset13": ["Conv", "Conv", "Conv", "Add", "MaxPool", "Conv", "ReduceMean", "Gemm"],
        "torch_a_opset17": ["Conv", "Conv", "Conv", "Add", "MaxPool", "Conv", "ReduceMean", "Gemm"],
        "torch_b_opset13": ["Conv", "Conv", "AveragePool", "Flatten", "Gemm"],
        "torch_a_dynamo_opset18": ["Conv", "Conv", "Conv", "Add", "MaxPool", "Conv", "ReduceMean", "Gemm"],
        "onnx_helper_opset13": ["Conv", "Conv", "Pad", "AveragePool", "Conv", "GlobalAveragePool", "Squeeze", "MatMul", "Gemm"],
    ]

    func testEveryFixtureMapsOntoTheIR() throws {
        for name in Fixtures.onnx {
            let (g, e) = try load(name)
            XCTAssertEqual(g.format, .onnx)
            XCTAssertNil(g.invariantViolation(), name)
            XCTAssertEqual(g.precision, .float32)
            XCTAssertEqual(g.nodes.map(\.sourceOp), Self.expectedOps[name], name)
            XCTAssertEqual(g.metadata.formatVersion, e["opset"] as? Int, name)
            XCTAssertEqual(g.softmaxDropped, e["softmax"] as? Bool, name)
            let nchw = e.ints("input_shape_nchw")
            XCTAssertEqual(g.tensors[g.input].shape, [nchw[1], nchw[2], nchw[0]], name)
            XCTAssertEqual(g.tensors[g.output].shape, [10], name)
            // Each IR node's sourceIndex names a JSON node of the same op type.
            let jsonNodes = e.list("nodes")
            for n in g.nodes { XCTAssertEqual(jsonNodes[n.sourceIndex].string("op"), n.sourceOp, name) }
            try checkConvWeights(g, e, name)
        }
    }

    /// OIHW → OHWI: the first values of each unfused conv's initializer, found at the
    /// permuted positions.
    func checkConvWeights(_ g: ImportedGraph, _ e: [String: Any], _ name: String) throws {
        guard name.hasPrefix("torch") else { return }  // the helper model's conv is BN-folded (checked below)
        let jsonNodes = e.list("nodes")
        let values = (e["initializer_values"] as? [String: [NSNumber]]) ?? [:]
        let shapes = (e["initializer_shapes"] as? [String: [NSNumber]]) ?? [:]
        for n in g.nodes {
            let c: Convolution, depthwise: Bool
            switch n.op {
            case .conv(let x): (c, depthwise) = (x, false)
            case .depthwiseConv(let x): (c, depthwise) = (x, true)
            default: continue
            }
            let wname = (jsonNodes[n.sourceIndex]["inputs"] as? [String])?[1] ?? ""
            let dims = try XCTUnwrap(shapes[wname]).map(\.intValue)
            let first = try XCTUnwrap(values[wname]).map { Float($0.doubleValue) }
            guard case .float32(let w) = c.weights.values else { return XCTFail("not float") }
            let (o, i, kh, kw) = (dims[0], dims[1], dims[2], dims[3])
            XCTAssertEqual(c.weights.shape, depthwise ? [1, kh, kw, o] : [o, kh, kw, i], name)
            for j in 0..<first.count {
                let x = j % kw, y = (j / kw) % kh, ii = (j / (kw * kh)) % i, oo = j / (kw * kh * i)
                let dst = depthwise ? (y * kw + x) * o + oo : ((oo * kh + y) * kw + x) * i + ii
                XCTAssertEqual(w[dst], first[j], "\(name) \(wname)[\(j)]")
            }
        }
    }

    func testPyTorchPaddingStridesAndLabels() throws {
        let (g, e) = try load("torch_a_opset13")
        guard case .conv(let c1) = g.nodes[0].op, case .depthwiseConv(let dw) = g.nodes[1].op else {
            return XCTFail("\(g.nodes.map(\.op))")
        }
        XCTAssertEqual(c1.padding, Padding4(top: 1, left: 1, bottom: 1, right: 1), "PyTorch's symmetric padding")
        XCTAssertEqual(c1.strideH, 2)
        XCTAssertEqual(c1.activation, .relu6, "clamp(0, 6) fused as ReLU6")
        XCTAssertEqual(dw.activation, .relu)
        XCTAssertEqual(g.tensors[g.nodes[0].output].shape, [14, 14, 8])
        guard case .add(let act) = g.nodes[3].op else { return XCTFail("\(g.nodes[3].op)") }
        XCTAssertEqual(act, .relu)
        XCTAssertEqual(g.nodes[3].inputs, [g.nodes[0].output, g.nodes[2].output])
        XCTAssertEqual(g.nodes[6].op, .mean(keepDims: false))
        let labels = try XCTUnwrap(e["metadata_props"] as? [String: String])["labels"]
        XCTAssertEqual(g.metadata.labels?.count, 10)
        XCTAssertEqual(g.metadata.labels?.first, "T-shirt/top")
        XCTAssertNotNil(labels)
    }

    /// Flatten of a 6×5×5 tensor: Gemm column c·25 + y·5 + x must land at (y·5 + x)·6 + c.
    func testFlattenPermutesDenseColumnsToHWC() throws {
        let (g, e) = try load("torch_b_opset13")
        guard case .fullyConnected(let f) = g.nodes.last?.op, case .float32(let w) = f.weights.values else {
            return XCTFail("last node is not a float dense layer")
        }
        XCTAssertEqual(f.weights.shape, [10, 150])
        let gemm = e.list("nodes").first { $0.string("op") == "Gemm" }
        let wname = (gemm?["inputs"] as? [String])?[1] ?? ""
        let first = try XCTUnwrap((e["initializer_values"] as? [String: [NSNumber]])?[wname]).map { Float($0.doubleValue) }
        for j in 0..<first.count {  // row 0, ONNX columns j = c·25 + y·5 + x with c = 0
            let y = j / 5, x = j % 5
            XCTAssertEqual(w[(y * 5 + x) * 6 + 0], first[j], "column \(j)")
        }
        guard case .pool(let p) = g.nodes[2].op else { return XCTFail("\(g.nodes[2].op)") }
        XCTAssertTrue(p.countIncludesPadding)
        XCTAssertEqual(p.padding, Padding4(top: 1, left: 1, bottom: 1, right: 1))
        guard case .conv(let c) = g.nodes[0].op else { return XCTFail() }
        XCTAssertEqual(c.padding, Padding4(top: 1, left: 2, bottom: 1, right: 2), "padding=(1, 2) is H then W")
    }

    /// BatchNormalization folded with ε = 1e-3, auto_pad SAME_UPPER, Pad, alpha/beta of Gemm.
    func testHelperModelFoldsAndMaps() throws {
        let (g, e) = try load("onnx_helper_opset13")
        let v = try XCTUnwrap(e["initializer_values"] as? [String: [NSNumber]]).mapValues { $0.map { $0.doubleValue } }
        guard case .conv(let c) = g.nodes[0].op, case .float32(let w) = c.weights.values,
              case .float32(let b)? = c.bias?.values else { return XCTFail("\(g.nodes[0].op)") }
        let s0 = v["bn_s"]![0] / (v["bn_v"]![0] + 1e-3).squareRoot()
        XCTAssertEqual(Double(w[0]), v["w1"]![0] * s0, accuracy: 1e-6)
        XCTAssertEqual(Double(w[1]), v["w1"]![1] * s0, accuracy: 1e-6, "OHWI with I = 1: [0][0][1][0] is OIHW index 1")
        XCTAssertEqual(Double(b[0]), (v["b1"]![0] - v["bn_m"]![0]) * s0 + v["bn_b"]![0], accuracy: 1e-6)
        XCTAssertEqual(c.activation, .relu, "Relu after the folded BN fused into the conv")
        XCTAssertEqual(c.padding, Padding4(top: 1, left: 1, bottom: 1, right: 1), "SAME_UPPER, 15 at stride 2")
        XCTAssertEqual(g.nodes[2].op, .pad(Padding4(top: 1, left: 0, bottom: 0, right: 1)))
        guard case .pool(let p) = g.nodes[3].op else { return XCTFail() }
        XCTAssertTrue(p.countIncludesPadding)
        XCTAssertEqual(p.padding, Padding4(top: 0, left: 0, bottom: 1, right: 1))
        guard case .fullyConnected(let mm) = g.nodes[7].op, case .float32(let mb)? = mm.bias?.values,
              case .fullyConnected(let gemm) = g.nodes[8].op, case .float32(let gw) = gemm.weights.values,
              case .float32(let gb)? = gemm.bias?.values else { return XCTFail("dense layers") }
        XCTAssertEqual(mb.map(Double.init), v["mm_b"]!.map { Double(Float($0)) }, "MatMul + Add: the Add became the bias")
        XCTAssertEqual(Double(gw[0]), Double(Float(0.5) * Float(v["gw"]![0])), "alpha = 0.5")
        XCTAssertEqual(Double(gb[0]), Double(Float(2) * Float(v["gb"]![0])), "beta = 2")
        XCTAssertTrue(g.notes.contains { $0.contains("BatchNormalization") })
    }
}
