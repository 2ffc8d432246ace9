import XCTest
@testable import EdgeImport

/// Every .tflite made by TFLiteConverter parses, and its IR agrees with what TensorFlow's own
/// interpreter reported (op list, tensor shapes, scales, zero points, weight values).
final class TFLiteFixtureTests: XCTestCase {
    /// Ops the importer removes on purpose: the shape computation of a dynamic-batch Flatten.
    static let pruned: Set<String> = ["SHAPE", "STRIDED_SLICE", "PACK"]

    func load(_ name: String) throws -> (ImportedGraph, [String: Any]) {
        let g = try ModelImporter.importGraph(try Fixtures.bytes(name + ".tflite"), path: name)
        return (g, try Fixtures.expect(name))
    }

    func testEveryFixtureMatchesTheInterpreter() throws {
        for name in Fixtures.tflite {
            let (g, e) = try load(name)
            XCTAssertEqual(g.format, .tflite)
            XCTAssertNil(g.invariantViolation(), name)
            XCTAssertEqual(g.precision, e.string("mode") == "float" ? .float32 : .int8, name)
            XCTAssertTrue(g.softmaxDropped, name)
            // The op list: the interpreter's, less the pruned shape ops and the trailing
            // SOFTMAX (plus the output QUANTIZE/DEQUANTIZE after it).
            var ops = e.list("ops")
            while let last = ops.last, ["QUANTIZE", "DEQUANTIZE"].contains(last.string("op")) { ops.removeLast() }
            XCTAssertEqual(ops.last?.string("op"), "SOFTMAX", name)
            ops.removeLast()
            ops.removeAll { Self.pruned.contains($0.string("op")) }
            XCTAssertEqual(g.nodes.map(\.sourceOp), ops.map { $0.string("op") }, name)
            XCTAssertEqual(g.nodes.map(\.sourceIndex), ops.map { ($0["index"] as? Int) ?? -1 }, name)
            let tensors = e.list("tensors")
            for (node, op) in zip(g.nodes, ops) {
                let out = tensors[op.ints("outputs")[0]]
                XCTAssertEqual(g.tensors[node.output].shape, Array(out.ints("shape").dropFirst()), "\(name) \(node.name)")
                if g.precision == .int8 {
                    XCTAssertEqual(g.tensors[node.output].quantization?.scales, out.floats("scales"), "\(name) \(node.name)")
                    XCTAssertEqual(g.tensors[node.output].quantization?.zeroPoints.map(Int.init), out.ints("zero_points"))
                }
                try checkConstants(node, op, tensors, e, name)
            }
            // The final IR output is the softmax's input: the logits.
            XCTAssertEqual(g.tensors[g.output].shape, [10], name)
            let input = tensors[(e["input"] as? Int) ?? -1]
            XCTAssertEqual(g.tensors[g.input].shape, Array(input.ints("shape").dropFirst()), name)
            XCTAssertEqual(g.tensors[g.input].type.rawValue, e.string("input_dtype"), name)
        }
    }

    /// Weight and bias shapes, scales and the first values as the interpreter read them.
    func checkConstants(_ node: ImportedNode, _ op: [String: Any], _ tensors: [[String: Any]], _ e: [String: Any],
                        _ name: String) throws {
        let (w, b): (ConstantTensor, ConstantTensor?)
        switch node.op {
        case .conv(let c), .depthwiseConv(let c): (w, b) = (c.weights, c.bias)
        case .fullyConnected(let f): (w, b) = (f.weights, f.bias)
        default: return
        }
        let values = (e["values"] as? [String: [NSNumber]]) ?? [:]
        for (slot, c) in [(1, w), (2, b)] {
            guard let c = c else { continue }
            let index = op.ints("inputs")[slot]
            let t = tensors[index]
            XCTAssertEqual(c.shape, t.ints("shape"), "\(name) \(node.name) slot \(slot)")
            let first = try XCTUnwrap(values[String(index)], "\(name): no values for tensor \(index)")
            switch c.values {
            case .float32(let v): XCTAssertEqual(Array(v.prefix(first.count)), first.map { Float($0.doubleValue) })
            case .int8(let v): XCTAssertEqual(Array(v.prefix(first.count)).map(Int.init), first.map { $0.intValue })
            case .int32(let v): XCTAssertEqual(Array(v.prefix(first.count)).map(Int.init), first.map { $0.intValue })
            }
            if case .int8 = c.values {
                XCTAssertEqual(c.quantization?.scales, t.floats("scales"), "\(name) \(node.name)")
                let perChannel = t.floats("scales").count > 1
                XCTAssertEqual(c.quantization?.axis, perChannel ? t["quantized_dimension"] as? Int : nil, "\(name) \(node.name)")
            }
        }
    }

    /// TensorFlow's SAME at stride 2 on an even size pads bottom/right only: 28 → 14 with a
    /// 3×3 kernel needs one row and one column, both after.
    func testStride2SamePadsBottomRight() throws {
        let (g, _) = try load("keras_a_1ch_int8")
        guard case .conv(let c) = g.nodes[0].op else { return XCTFail("first node is \(g.nodes[0].op)") }
        XCTAssertEqual(c.padding, Padding4(top: 0, left: 0, bottom: 1, right: 1))
        XCTAssertEqual(c.strideH, 2)
        XCTAssertEqual(c.activation, .relu6)
        XCTAssertEqual(c.weights.quantization?.axis, 0)
        guard case .depthwiseConv(let d) = g.nodes[1].op else { return XCTFail("second node is \(g.nodes[1].op)") }
        XCTAssertEqual(d.weights.shape, [1, 3, 3, 8])
        XCTAssertEqual(d.weights.quantization?.axis, 3)
        XCTAssertEqual(d.padding, Padding4(top: 1, left: 1, bottom: 1, right: 1))
        guard case .add(let act) = g.nodes[3].op else { return XCTFail("fourth node is \(g.nodes[3].op)") }
        XCTAssertEqual(act, .relu)
        XCTAssertEqual(g.nodes[3].inputs, [g.nodes[0].output, g.nodes[2].output], "residual add of conv1 and the 1×1 conv")
        guard case .mean(let keep) = g.nodes[6].op else { return XCTFail("seventh node is \(g.nodes[6].op)") }
        XCTAssertFalse(keep)
    }

    /// The ReLU6 clamp TFLite derives for an int8 output: [max(−128, zp), min(127, zp + round(6/s))].
    func testReLU6QuantizedBounds() throws {
        let (g, _) = try load("keras_a_1ch_int8")
        let q = try XCTUnwrap(g.tensors[g.nodes[0].output].quantization)
        let (lo, hi) = Activation.relu6.quantizedBounds(q)
        XCTAssertEqual(lo, max(-128, q.zeroPoints[0]))
        XCTAssertEqual(hi, min(127, q.zeroPoints[0] + Int32((6 / q.scales[0]).rounded(.toNearestOrAwayFromZero))))
    }

    func testEdgesOfTheUint8AndQDQVariants() throws {
        let (u, _) = try load("keras_a_1ch_uint8")
        XCTAssertEqual(u.tensors[u.input].type, .uint8)
        XCTAssertEqual(u.nodes.first?.op, .quantize)
        XCTAssertEqual(u.tensors[u.output].type, .int8, "output QUANTIZE dropped with the softmax: int8 logits")
        let (f, _) = try load("keras_a_1ch_qdq")
        XCTAssertEqual(f.tensors[f.input].type, .float32)
        XCTAssertEqual(f.nodes.first?.op, .quantize)
        XCTAssertEqual(f.precision, .int8)
    }

    func testExplicitPadAveragePoolAndFlatten() throws {
        let (g, _) = try load("keras_b_3ch_int8")
        XCTAssertEqual(g.nodes[0].op, .pad(Padding4(top: 1, left: 2, bottom: 2, right: 1)))
        XCTAssertEqual(g.tensors[g.input].shape, [16, 16, 3])
        let pool = g.nodes.first { if case .pool = $0.op { return true } else { return false } }
        guard case .pool(let p)? = pool?.op else { return XCTFail("no pool") }
        XCTAssertEqual(p.kind, .average)
        XCTAssertFalse(p.countIncludesPadding)
        XCTAssertTrue(g.nodes.contains { if case .reshape(let s) = $0.op { return s.count == 1 } else { return false } })
        XCTAssertTrue(g.notes.contains { $0.contains("shape-computation") })
    }
}

/// The text listing for `inspect` names every node with its parameters.
final class SummaryTests: XCTestCase {
    func testSummaryListsEveryNode() throws {
        let g = try ModelImporter.importGraph(try Fixtures.bytes("keras_a_1ch_int8.tflite"), path: "s")
        let s = g.summary
        XCTAssertEqual(s.count, 1 + g.nodes.count + g.notes.count)
        XCTAssertTrue(s[0].hasPrefix("tflite model, int8, input "), s[0])
        XCTAssertTrue(s[1].hasPrefix("0. CONV_2D #0 → [14, 14, 8] 3×3 stride 2×2 pad t0 l0 b1 r1 relu6"), s[1])
        XCTAssertTrue(s[1].contains("8 per-channel scales (axis 0)"), s[1])
    }
}

/// The invariant check notices a graph whose parameters and shapes disagree.
final class InvariantTests: XCTestCase {
    func testBrokenGraphsAreNoticed() throws {
        let good = try ModelImporter.importGraph(try Fixtures.bytes("keras_a_1ch_int8.tflite"), path: "i")
        XCTAssertNil(good.invariantViolation())
        var g = good
        if case .conv(var c) = g.nodes[0].op { c.padding.bottom = 0; c.padding.right = 0; c.strideH = 1; g.nodes[0].op = .conv(c) }
        XCTAssertNotNil(g.invariantViolation(), "output shape no longer follows from the stride")
        g = good
        g.nodes.swapAt(0, 1)
        XCTAssertNotNil(g.invariantViolation(), "a node reading a tensor before it is written")
        g = good
        g.tensors[g.nodes[3].output].shape = [14, 14, 9]
        XCTAssertNotNil(g.invariantViolation(), "add output of another shape")
        g = good
        g.tensors[g.nodes[0].output].quantization = nil
        XCTAssertNotNil(g.invariantViolation(), "int8 tensor without quantisation")
    }
}
