import EdgeCore
import EdgeData
import EdgeImport
import EdgeImportQuant
import EdgeQuant
import XCTest

/// What the mapper refuses (typed `EdgeError`, naming the operator, its op code and the
/// field), and the pixel rule it builds.
final class MapperRefusalTests: XCTestCase {
    func graph(_ name: String = "keras_a_1ch_int8") throws -> ImportedGraph {
        try ModelImporter.importGraph(try ImportFixtures.bytes(name + ".tflite"), path: name)
    }

    /// Index of the first node whose op matches.
    func first(_ g: ImportedGraph, _ match: (ImportedOp) -> Bool) throws -> Int {
        try XCTUnwrap(g.nodes.firstIndex { match($0.op) })
    }

    func assertRefused(_ g: ImportedGraph, _ fragments: [String], code: Int32 = 65, file: StaticString = #filePath, line: UInt = #line) {
        do {
            _ = try Int8GraphMapper.map(g, path: "m.tflite")
            XCTFail("mapped a graph the engine cannot run", file: file, line: line)
        } catch let e as EdgeError {
            XCTAssertEqual(e.exitCode, code, e.description, file: file, line: line)
            for f in fragments { XCTAssert(e.description.contains(f), "'\(f)' missing from: \(e.description)", file: file, line: line) }
        } catch {
            XCTFail("untyped error \(error)", file: file, line: line)
        }
    }

    func testNonZeroWeightZeroPointIsRefusedNamingTheField() throws {
        var g = try graph()
        let i = try first(g) { if case .conv = $0 { return true }; return false }
        guard case .conv(var c) = g.nodes[i].op else { return }
        c.weights.quantization?.zeroPoints[0] = 3
        g.nodes[i].op = .conv(c)
        assertRefused(g, ["operators[\(g.nodes[i].sourceIndex)] (CONV_2D)", "weights.quantization.zero_point[0]", "= 3"])
    }

    func testWeightMinus128IsRefused() throws {
        var g = try graph()
        let i = try first(g) { if case .depthwiseConv = $0 { return true }; return false }
        guard case .depthwiseConv(var c) = g.nodes[i].op, case .int8(var w) = c.weights.values else { return XCTFail() }
        w[5] = -128
        c.weights.values = .int8(w)
        g.nodes[i].op = .depthwiseConv(c)
        assertRefused(g, ["DEPTHWISE_CONV_2D", "weights[5]", "-128"])
    }

    func testWindowBeyondTheEngineIsRefused() throws {
        var g = try graph()
        let i = try first(g) { if case .pool = $0 { return true }; return false }
        guard case .pool(var p) = g.nodes[i].op else { return }
        p.kernelH = 16
        g.nodes[i].op = .pool(p)
        assertRefused(g, ["MAX_POOL_2D", "kernel height", "= 16"])
    }

    func testUnsupportedOperatorsAreRefused() throws {
        var g = try graph()
        let i = try first(g) { if case .pool = $0 { return true }; return false }
        // (A standalone RELU6 or clip(-1, 1) whose bounds lie beyond the tensor range is a ReLU, and maps.)
        g.nodes[i].op = .activation(.clip(lower: 0.1, upper: 0.2))
        assertRefused(g, ["MAX_POOL_2D", "activation", "clip"])
        g = try graph()
        g.nodes[i].op = .quantize
        assertRefused(g, ["QUANTIZE is supported only right after the input"])
        g = try graph()
        g.nodes[i].op = .reshape(shape: [7, 7, 32])
        assertRefused(g, ["new_shape"])
    }

    func testFloatModelIsAUsageError() throws {
        assertRefused(try graph("keras_a_1ch_float"), ["float32", "int8 engine"], code: 2)
    }

    func testInputPreprocessingMustFitTheChannels() throws {
        do {
            _ = try Int8GraphMapper.map(try graph(), path: "m", preprocessing: Preprocessing(inputScale: 1, mean: [0, 0], std: [255], source: "test"))
            XCTFail("two means for one channel")
        } catch let e as EdgeError {
            XCTAssert(e.description.contains("preprocessing.mean"), e.description)
        }
    }

    /// Input scale 1/255 and zero point −128 represent pixel / 255 exactly: the default
    /// table is q = pixel − 128; the metadata fixture's NormalizationOptions (mean 0, std
    /// 255) give the same table and say where they came from; an explicit (p − 127.5) / 127.5
    /// gives q = clamp(−128 + round(((p − 127.5)/127.5) / (1/255))).
    func testPixelTables() throws {
        func table(_ m: ImportedInt8Model) -> [Int8] {
            if case .quantizedInput(let t) = m.graph.nodes[0].op { return t.table }
            return []
        }
        let plain = try Int8GraphMapper.map(try graph(), path: "m")
        XCTAssertEqual(table(plain), (0..<256).map { Int8($0 - 128) })
        XCTAssert(plain.inputRule.contains("default pixel / 255"), plain.inputRule)
        let meta = try Int8GraphMapper.map(try graph("keras_a_1ch_int8_metadata"), path: "m")
        XCTAssertEqual(table(meta), table(plain))
        XCTAssert(meta.inputRule.lowercased().contains("metadata"), meta.inputRule)
        let centred = try Int8GraphMapper.map(try graph(), path: "m", preprocessing: Preprocessing(inputScale: 1, mean: [127.5], std: [127.5], source: "flags"))
        let s = plain.graph.nodes[0].quant.scale
        XCTAssertEqual(table(centred), (0..<256).map { p in
            let r = Double((((Float(p) - 127.5) / 127.5) / s).rounded(.toNearestOrAwayFromZero)) - 128
            return Int8(min(max(r, -128), 127))
        })
        XCTAssertEqual(table(centred)[0], -128)
        XCTAssertEqual(table(centred)[255], 127)
    }

    /// The comparison is not vacuous: one bias changed by one step changes TFLite Micro's logits.
    func testAChangedBiasBreaksBitExactness() throws {
        let m = try Int8GraphMapper.map(try graph(), path: "m")
        var g = m.graph
        let last = g.nodes.count - 1
        guard case .conv(var c) = g.nodes[last].op else { return XCTFail("last node is not dense") }
        c.bias[0] += 400
        g.nodes[last].op = .conv(c)
        let inputs = try Npy.read(ImportFixtures.dir.appendingPathComponent("keras_a_1ch_int8.inputs.npy"))
        let want = try XCTUnwrap(try Npy.read(ImportFixtures.dir.appendingPathComponent("keras_a_1ch_int8.logits.npy")).int8)
        let set = planarSet(ImportedInt8Model.pixels(forInt8: inputs.int8!), count: 16, h: 28, w: 28, c: 1, classes: 10)
        let good = try IntegerNetwork(m.int8InputGraph, kernels: .reference).run(set, Array(0..<16)).logits
        var bad = m
        bad.graph = g
        let changed = try IntegerNetwork(bad.int8InputGraph, kernels: .reference).run(set, Array(0..<16)).logits
        XCTAssertEqual(good, want)
        XCTAssertNotEqual(changed, want)
    }
}
