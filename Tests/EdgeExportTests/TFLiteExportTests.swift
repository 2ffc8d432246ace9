import EdgeCore
import EdgeData
import EdgeExport
import EdgeImport
import EdgeImportQuant
import EdgeQuant
import Foundation
import XCTest

/// The shipped int8 models exported to .tflite, read back through the importer and mapped
/// onto the engine: identical int8 logits, valid flatbuffers, deterministic bytes.
final class TFLiteExportTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let models = ["fashion-lenet5-q.bin", "fashion-resnet8-q.bin"]

    func load(_ name: String) throws -> LoadedModel {
        let path = Self.root.appendingPathComponent("models/" + name).path
        return try QuantizedModelFile.decode(try AtomicFile.read(path), path: path)
    }

    func images(_ m: LoadedModel, limit: Int) throws -> LabeledImages {
        let s = m.model.graph.inputShape
        return try ImageFolder.load(Self.root.appendingPathComponent("calibration/fashion-mnist").path, classNames: m.model.metadata.classNames,
                                    shape: (s[0], s[1], s[2]), limit: limit).images
    }

    func testRoundTripGivesIdenticalInt8Logits() throws {
        for name in Self.models {
            let m = try load(name)
            let q = try XCTUnwrap(m.int8)
            let bytes = try TFLiteExporter.export(q, path: name, labels: m.model.metadata.classNames)
            let imported = try ModelImporter.importGraph(bytes, path: name + ".tflite")
            XCTAssertEqual(imported.format, .tflite)
            XCTAssertEqual(imported.metadata.labels, m.model.metadata.classNames, "labels.txt is read back")
            let mapped = try Int8GraphMapper.map(imported, path: name + ".tflite")
            let set = try images(m, limit: 250)
            XCTAssertGreaterThanOrEqual(set.count, 200)
            let ours = try IntegerNetwork(q, kernels: .reference).run(set, Array(0..<set.count)).logits
            let back = try IntegerNetwork(mapped.graph, kernels: .reference).run(set, Array(0..<set.count)).logits
            XCTAssertEqual(ours.count, back.count, name)
            let differing = zip(ours, back).filter { $0 != $1 }.count
            XCTAssertEqual(differing, 0, "\(name): \(differing) of \(ours.count) logits differ after the TFLite round trip")
        }
    }

    func testBytesAreAValidTFL3FlatbufferAndDeterministic() throws {
        for name in Self.models {
            let m = try load(name)
            let q = try XCTUnwrap(m.int8)
            let a = try TFLiteExporter.export(q, path: name), b = try TFLiteExporter.export(q, path: name)
            let la = try TFLiteExporter.export(q, path: name, labels: m.model.metadata.classNames)
            XCTAssertEqual(la, try TFLiteExporter.export(q, path: name, labels: m.model.metadata.classNames))
            XCTAssertEqual(Array(la[0..<a.count]), a, "labels are appended after the flatbuffer")
            XCTAssertThrowsError(try TFLiteExporter.export(q, path: name, labels: ["only-one"]))
            XCTAssertEqual(a, b, "\(name): export is not deterministic")
            XCTAssertEqual(Array(a[4..<8]), Array("TFL3".utf8))
            XCTAssertEqual(ModelFormat.detect(a), .tflite)
            let r = FlatBufferReader(a, path: name)
            XCTAssertNoThrow(try r.root(identifier: Array("TFL3".utf8), location: "Model"))
            XCTAssertNoThrow(try ModelImporter.importGraph(a, path: name))
            // buffers[0] is empty; the model has one subgraph.
            let spec = try TFLiteExporter.model(q, path: name)
            XCTAssertEqual(spec.buffers.first, [])
            XCTAssertEqual(a.count % 16, 0)
        }
    }

    func testMultiplierThatTFLiteWouldNotDeriveIsRefusedNamingLayer() throws {
        var q = try XCTUnwrap(try load("fashion-lenet5-q.bin").int8)
        let i = try XCTUnwrap(q.nodes.firstIndex { if case .conv = $0.op { return true }; return false })
        guard case .conv(var c) = q.nodes[i].op else { return XCTFail() }
        c.multiplier[0] += 1
        q.nodes[i].op = .conv(c)
        XCTAssertThrowsError(try TFLiteExporter.export(q, path: "m.bin")) { e in
            let s = "\(e)"
            XCTAssert(s.contains("int8 node \(i) '\(q.nodes[i].name)'") && s.contains("multiplier[0]"), s)
            XCTAssertEqual((e as? EdgeError)?.exitCode, 65)
        }
    }

    func testClampNoFusedActivationGivesIsRefused() throws {
        var q = try XCTUnwrap(try load("fashion-lenet5-q.bin").int8)
        let i = try XCTUnwrap(q.nodes.firstIndex { if case .conv = $0.op { return true }; return false })
        guard case .conv(var c) = q.nodes[i].op else { return XCTFail() }
        c.actMin = -100; c.actMax = 100
        q.nodes[i].op = .conv(c)
        XCTAssertThrowsError(try TFLiteExporter.export(q, path: "m.bin")) { e in
            XCTAssert("\(e)".contains("output clamp"), "\(e)")
        }
    }
}
