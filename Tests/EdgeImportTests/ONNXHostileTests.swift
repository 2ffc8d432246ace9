import Foundation
import SwiftProtobuf
import XCTest
@testable import EdgeImport

/// Hostile ONNX files: one per validation rule (edits of a real export through the
/// generated protobuf types, or raw wire bytes for what a valid message cannot express),
/// every prefix and byte flips of a real export: typed errors only.
final class ONNXHostileTests: XCTestCase {
    func model(_ name: String = "torch_a_opset13") throws -> Onnx_ModelProto {
        try Onnx_ModelProto(serializedBytes: try Fixtures.bytes(name + ".onnx"))
    }

    func imported(_ m: Onnx_ModelProto) throws -> ImportedGraph {
        let bytes: [UInt8] = try m.serializedBytes()
        return try ModelImporter.importGraph(bytes, path: "hostile.onnx")
    }

    func imported(_ b: [UInt8]) throws -> ImportedGraph { try ONNXImporter.importGraph(b, path: "hostile.onnx") }

    /// Wire-format helpers: a varint and a length-delimited field.
    func varint(_ v: UInt64) -> [UInt8] {
        var v = v, out: [UInt8] = []
        repeat { out.append(UInt8(v & 0x7f) | (v >= 0x80 ? 0x80 : 0)); v >>= 7 } while v > 0
        return out
    }
    func field(_ n: UInt64, _ payload: [UInt8]) -> [UInt8] { varint(n << 3 | 2) + varint(UInt64(payload.count)) + payload }

    var recorded: [(String, [UInt8], ImportError.Rule)] = []

    /// Asserts that the serialized `m` breaks `rule`, and records it as a hostile fixture.
    func expect(_ rule: ImportError.Rule, _ m: Onnx_ModelProto, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let b: [UInt8] = try? m.serializedBytes() else { return XCTFail("cannot serialize", file: file, line: line) }
        expect(rule, b, what, file: file, line: line)
    }

    /// Asserts that `b` breaks `rule`, and records it as a hostile fixture.
    func expect(_ rule: ImportError.Rule, _ b: [UInt8], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertImportError(rule, try imported(b), what, file: file, line: line)
        recorded.append((what, b, rule))
    }

    func testOneFilePerRule() throws {
        let good = try model()
        XCTAssertNoThrow(try imported(good))

        var m = good
        m.graph.initializer[0].dataLocation = .external
        var entry = Onnx_StringStringEntryProto()
        entry.key = "location"; entry.value = "weights.bin"
        m.graph.initializer[0].externalData = [entry]
        m.graph.initializer[0].rawData = Data()
        expect(.externalData, m, "external-data tensor")

        m = good
        let conv = try XCTUnwrap(m.graph.node.firstIndex { $0.opType == "MaxPool" })
        m.graph.node[conv].opType = "LSTM"
        recorded.append(("unsupported operator LSTM", try m.serializedBytes(), .unsupportedOperator))
        do {
            _ = try imported(m)
            XCTFail("LSTM accepted")
        } catch let e as ImportError {
            XCTAssertEqual(e.rule, .unsupportedOperator)
            XCTAssertTrue(e.reason.contains("operator \(conv) (LSTM)"), e.reason)
        }

        m = good
        m.graph.node[0].attribute.removeAll { $0.name == "dilations" }
        var d = Onnx_AttributeProto()
        d.name = "dilations"; d.type = .ints; d.ints = [2, 2]
        m.graph.node[0].attribute.append(d)
        recorded.append(("conv dilation 2", try m.serializedBytes(), .unsupportedAttribute))
        do {
            _ = try imported(m)
            XCTFail("dilation 2 accepted")
        } catch let e as ImportError {
            XCTAssertEqual(e.rule, .unsupportedAttribute)
            XCTAssertTrue(e.location.hasSuffix(".dilations"), e.location)
        }

        m = good; m.opsetImport[0].version = 7
        expect(.unsupportedAttribute, m, "opset 7")

        m = good; m.graph.initializer[0].dims = [-1, 1, 3, 3]
        expect(.badDimension, m, "negative dimension")
        m = good; m.graph.initializer[0].dims = [1 << 20, 1 << 20]
        expect(.overflow, m, "2^40 elements")
        m = good; m.graph.initializer[0].rawData = Data(m.graph.initializer[0].rawData.dropLast(4))
        expect(.inconsistent, m, "raw data shorter than the shape")
        m = good; m.graph.initializer[0].dataType = 11  // double
        expect(.unsupportedType, m, "float64 weights")

        m = good; m.graph.input[0].type.tensorType.shape.dim[2].dimValue = 0
        expect(.badDimension, m, "zero height")

        m = good; m.graph.node.swapAt(0, 4)
        expect(.badGraph, m, "nodes out of topological order")

        // A Softmax that is not last, and an unfoldable BatchNormalization.
        m = good
        var sm = Onnx_NodeProto()
        sm.opType = "Softmax"; sm.input = [m.graph.node[0].output[0]]; sm.output = ["sm"]
        m.graph.node.insert(sm, at: 1)
        expect(.unsupportedOperator, m, "Softmax in the middle")

        // A graph-valued attribute (If/Loop bodies): refused before decoding.
        m = good
        var g = Onnx_AttributeProto()
        g.name = "then_branch"; g.type = .graph; g.g = Onnx_GraphProto()
        m.graph.node[0].attribute.append(g)
        expect(.unsupportedOperator, m, "graph attribute")

        // Model-local functions.
        m = good
        m.functions = [Onnx_FunctionProto()]
        m.functions[0].name = "f"
        expect(.unsupportedAttribute, m, "functions")
        try HostileFiles.writeIfAsked(recorded, ext: "onnx")
    }

    func testWireFormatCaps() throws {
        let ir = varint(1 << 3) + varint(8)
        // 5000 empty nodes: 10 bytes each on the wire, a large struct each once decoded.
        let graph = [UInt8]((0..<5000).flatMap { _ in [UInt8(0x0a), 0] })
        expect(.limitExceeded, ir + field(7, graph), "node count cap")
        // 70 attributes on one node.
        let node = [UInt8]((0..<70).flatMap { _ in [UInt8(0x2a), 0] })
        expect(.limitExceeded, ir + field(7, field(1, node)), "attribute cap")
        // A length that runs past its message, a truncated varint, a group wire type.
        expect(.malformedProtobuf, ir + [0x3a, 0xff, 0x01], "graph length past the end")
        expect(.malformedProtobuf, ir + [0x3a, 0xff], "truncated varint")
        expect(.malformedProtobuf, ir + [0x3b], "group wire type")
        // Two graphs, or none.
        expect(.badGraph, ir, "no graph")
        expect(.badGraph, ir + field(7, []) + field(7, []), "two graphs")
        // Deep nesting through what the prescan does not look into (a tensor attribute's
        // nested fields): swift-protobuf's depth limit answers, as a typed error.
        var deep: [UInt8] = []
        for _ in 0..<200 { deep = field(5, deep) }
        importOrTypedError(ir + field(7, field(1, field(5, deep))), "deep nesting")
        // Recursion the schema allows: TypeProto → sequence_type → elem_type → TypeProto …
        // 200 deep inside a value_info. swift-protobuf's depth limit (16) refuses it.
        var type: [UInt8] = []
        for _ in 0..<200 { type = field(4, field(1, type)) }
        expect(.malformedProtobuf, ir + field(7, field(13, field(2, type))), "type nested 200 deep")
        try HostileFiles.writeIfAsked(recorded, ext: "onnx")
    }

    func testEveryPrefixAndFlipsAreTypedErrors() throws {
        for name in Fixtures.onnx {
            let good = try Fixtures.bytes(name + ".onnx")
            let step = name == "torch_b_opset13" ? 5 : 47  // debug decoding is slow; the fuzzer covers the rest
            for n in stride(from: 0, to: good.count, by: step) {
                importOrTypedError(Array(good[0..<n]), "\(name) prefix \(n)")
            }
            for at in stride(from: 0, to: good.count, by: step) {
                var b = good
                b[at] ^= 0xff
                importOrTypedError(b, "\(name) flip at \(at)")
                b[at] ^= 0x7f  // a second pattern: flip all but the continuation bit
                importOrTypedError(b, "\(name) flip2 at \(at)")
            }
        }
    }
}
