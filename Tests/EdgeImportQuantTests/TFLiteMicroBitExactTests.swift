import EdgeData
import EdgeImport
import EdgeImportQuant
import EdgeQuant
import Foundation
import XCTest

/// Every int8 TFLite fixture, imported, mapped by `Int8GraphMapper` and run by
/// `IntegerNetwork` on both kernel choices, gives TensorFlow Lite Micro's stored int8 logits
/// (`NAME.logits.npy`) exactly: tolerance zero.
///
/// How the stored inputs reach the engine (the fixtures hold model input tensors, not files):
/// - **pixel path** (the mapped graph as the CLI runs it, table included): int8 inputs
///   are fed as the pixel p whose table entry is the stored q (the table is inverted; every
///   fixture's input scale is 1/255, so each q has one); uint8 inputs are the pixels
///   themselves; float inputs in [0, 1] are fed as p = 255·x when x is exactly p / 255.
/// - **int8 path** (`int8InputGraph`, identity table, pixel = q + 128): the first operator
///   reads exactly the int8 tensor q. For int8 inputs q is the stored tensor; for float
///   inputs (the 3-channel QUANTIZE fixture's seeded colours are not on the pixel grid) q is
///   TFLite's QUANTIZE of the stored float, clamp(zp + round(x / scale)) in binary32, the
///   one step computed by the test.
final class TFLiteMicroBitExactTests: XCTestCase {
    func testEveryInt8FixtureEqualsTFLiteMicroBitForBit() throws {
        var exact = 0
        for f in ImportFixtures.int8 {
            exact += try check(model: f.model, arrays: f.arrays, dir: ImportFixtures.dir)
        }
        XCTAssertEqual(exact, ImportFixtures.int8.count, "fixtures bit-exact on every path")
    }

    /// With EDGE_IMPORT_EXTRA=DIR (scripts/make_import_stress.py): every DIR/*_int8.tflite.
    func testExtraInt8ModelsFromEnvironment() throws {
        guard let path = ProcessInfo.processInfo.environment["EDGE_IMPORT_EXTRA"] else { throw XCTSkip("EDGE_IMPORT_EXTRA not set") }
        let dir = URL(fileURLWithPath: path)
        for file in try FileManager.default.contentsOfDirectory(atPath: path).sorted() where file.hasSuffix("_int8.tflite") {
            let name = String(file.dropLast(".tflite".count))
            _ = try check(model: name, arrays: name, dir: dir)
        }
    }

    /// Returns 1 when every path of `model` was bit-exact.
    func check(model: String, arrays: String, dir: URL) throws -> Int {
        let g = try ModelImporter.importGraph(try ImportFixtures.bytes(model + ".tflite", in: dir), path: model)
        let mapped = try Int8GraphMapper.map(g, path: model)
        let inputs = try Npy.read(dir.appendingPathComponent(arrays + ".inputs.npy"))
        let logits = try Npy.read(dir.appendingPathComponent(arrays + ".logits.npy"))
        let want = try XCTUnwrap(logits.int8, "\(arrays).logits.npy is not int8")
        let (n, h, w, c) = (inputs.shape[0], inputs.shape[1], inputs.shape[2], inputs.shape[3])
        let classes = logits.shape[1]
        XCTAssertEqual(mapped.classes, classes, model)
        XCTAssertEqual(mapped.inputShape, [c, h, w], model)
        let table: [Int8]
        if case .quantizedInput(let t) = mapped.graph.nodes[0].op { table = t.table } else { table = [] }
        let q0 = mapped.graph.nodes[0].quant

        var paths: [(String, QuantizedGraph, [UInt8])] = []
        if let q = inputs.int8 {
            paths.append(("int8 path", mapped.int8InputGraph, ImportedInt8Model.pixels(forInt8: q)))
            var inverse = [Int8: UInt8]()
            for p in (0..<256).reversed() { inverse[table[p]] = UInt8(p) }   // 1-channel or shared table
            if table.count == 256 || (0..<c).allSatisfy({ Array(table[($0 * 256)..<($0 * 256 + 256)]) == Array(table[0..<256]) }),
               q.allSatisfy({ inverse[$0] != nil }) {
                paths.append(("pixel path", mapped.graph, q.map { inverse[$0]! }))
            } else {
                XCTFail("\(model): the stored int8 inputs are not all reachable from pixels")
            }
        } else if let u = inputs.uint8 {
            paths.append(("pixel path", mapped.graph, u))
        } else if let x = inputs.float32 {
            let tflite = x.map { v -> Int8 in
                let r = Int((v / q0.scale).rounded(.toNearestOrAwayFromZero)) + Int(q0.zeroPoint)
                return Int8(min(max(r, -128), 127))
            }
            paths.append(("int8 path (QUANTIZE of the float input by the test)", mapped.int8InputGraph, ImportedInt8Model.pixels(forInt8: tflite)))
            let grid = x.map { UInt8(min(max(($0 * 255).rounded(), 0), 255)) }
            if zip(x, grid).allSatisfy({ $0 == Float($1) / 255 }) { paths.append(("pixel path", mapped.graph, grid)) }
        }
        var ok = true
        for (what, graph, nhwc) in paths {
            let set = planarSet(nhwc, count: n, h: h, w: w, c: c, classes: classes)
            for kernels in KernelChoice.allCases {
                let net = try IntegerNetwork(graph, kernels: kernels)
                let got = net.run(set, Array(0..<n)).logits
                // The fixture's own NHWC buffer, read in place by the pixel API.
                XCTAssertEqual(try net.run(pixels: nhwc, layout: .hwc).logits, want, "\(model) \(what) \(kernels.rawValue): HWC pixel buffer")
                let differing = zip(got, want).filter { $0 != $1 }.count
                let worst = zip(got, want).map { abs(Int($0) - Int($1)) }.max() ?? 0
                print("\(model): \(what), \(kernels.rawValue) kernels (\(net.isaName)): \(got.count - differing)/\(want.count) int8 logits equal to TFLite Micro's, largest difference \(worst)")
                XCTAssertEqual(got.count, want.count, model)
                XCTAssertEqual(differing, 0, "\(model) \(what) \(kernels.rawValue): \(differing) logits differ from TFLite Micro's (up to \(worst))")
                ok = ok && differing == 0 && got.count == want.count
            }
        }
        XCTAssertTrue(paths.contains { $0.0 == "pixel path" } || inputs.float32 != nil, "\(model): no pixel path tested")
        return ok ? 1 : 0
    }
}

/// MEAN with keepDims followed by a 1×1 CONV_2D head (what Keras writes for
/// GlobalAveragePooling2D(keepdims=True) + Conv2D(K, 1); scripts/make_import_stress.py's
/// `k2`): the same arithmetic as MEAN + FULLY_CONNECTED, so the rewritten keras_a_1ch_int8
/// graph must still give TensorFlow Lite Micro's logits exactly.
final class KeepDimsHeadTests: XCTestCase {
    func testMeanKeepDimsThenPointwiseConvHeadIsBitExact() throws {
        var g = try ModelImporter.importGraph(try ImportFixtures.bytes("keras_a_1ch_int8.tflite"), path: "k")
        let mi = try XCTUnwrap(g.nodes.firstIndex { if case .mean = $0.op { return true }; return false })
        let fi = try XCTUnwrap(g.nodes.firstIndex { if case .fullyConnected = $0.op { return true }; return false })
        guard case .fullyConnected(let fc) = g.nodes[fi].op else { return }
        let (o, i) = (fc.weights.shape[0], fc.weights.shape[1])
        g.nodes[mi].op = .mean(keepDims: true)
        g.tensors[g.nodes[mi].output].shape = [1, 1, i]
        var w = fc.weights
        w.shape = [o, 1, 1, i]
        g.nodes[fi].op = .conv(Convolution(weights: w, bias: fc.bias, strideH: 1, strideW: 1, padding: .zero, activation: fc.activation))
        g.nodes[fi].sourceOp = "CONV_2D"
        g.tensors[g.nodes[fi].output].shape = [1, 1, o]
        XCTAssertNil(g.invariantViolation())
        let m = try Int8GraphMapper.map(g, path: "k")
        XCTAssertEqual(m.graph.nodes.last?.op, .flatten)
        let inputs = try Npy.read(ImportFixtures.dir.appendingPathComponent("keras_a_1ch_int8.inputs.npy"))
        let want = try XCTUnwrap(try Npy.read(ImportFixtures.dir.appendingPathComponent("keras_a_1ch_int8.logits.npy")).int8)
        let set = planarSet(ImportedInt8Model.pixels(forInt8: inputs.int8!), count: 16, h: 28, w: 28, c: 1, classes: o)
        for k in KernelChoice.allCases {
            XCTAssertEqual(try IntegerNetwork(m.int8InputGraph, kernels: k).run(set, Array(0..<16)).logits, want, k.rawValue)
        }
    }
}
