import XCTest
import EdgeCore
import EdgeData
import EdgeModel
import EdgeQuant
import EdgeTools

/// The library behind inspect, export and quantize, on the shipped LeNet-5 models.
final class ModelToolsTests: XCTestCase {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    var tmp = ""

    override func setUpWithError() throws {
        tmp = NSTemporaryDirectory() + "edge-audit-tools-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: tmp) }

    func bytes(_ name: String) throws -> [UInt8] { try AtomicFile.read(root + "/models/" + name, limit: 64 << 20) }

    func testDescriptionListsEveryLayerAndSection() throws {
        let b = try bytes("fashion-lenet5-q.bin")
        let d = try ModelDescription(path: "m.bin", bytes: b)
        let q = try XCTUnwrap(d.loaded.int8)
        let lines = d.lines(sqnr: nil, sqnrFolder: nil)
        XCTAssertEqual(lines[0], "model m.bin (\(b.count) bytes, format v\(ModelFile.version))")
        // One row per float node and per int8 node, each starting with its index.
        let nodes = d.loaded.model.graph.nodes
        for (i, n) in nodes.enumerated() { XCTAssert(lines.contains { $0.hasPrefix(TextTable.pad("\(i)", 3) + TextTable.pad(n.name, 18)) }, n.name) }
        let params = d.loaded.model.parameters.joined().reduce(0) { $0 + $1.count }
        XCTAssert(lines.contains { $0.hasPrefix("parameters \(params), MACs per image ") })
        XCTAssert(lines.contains { $0.hasPrefix("int8 network: \(q.nodes.count) layers, ") })
        let sections = try ModelFile.sections(b, path: "m.bin")
        XCTAssertEqual(lines.filter { $0.hasPrefix("  ") && $0.contains(" crc32 ") }.count, sections.count)
        XCTAssertFalse(lines.contains { $0.contains("SQNR") })
    }

    func testSQNRColumnAppearsWithImages() throws {
        let d = try ModelDescription(path: "m.bin", bytes: try bytes("fashion-lenet5-q.bin"))
        let set = try ImageLoading.load(root + "/calibration/fashion-mnist", for: d.loaded.model, strict: false, limit: 20, log: { _ in })
        let sq = try XCTUnwrap(try d.sqnr(on: set))
        XCTAssertEqual(sq.count, d.loaded.int8?.nodes.count)
        let lines = d.lines(sqnr: sq, sqnrFolder: "cal")
        XCTAssert(lines.contains { $0.contains(", SQNR on up to 200 images of cal, ") })
        XCTAssert(lines.contains { $0.hasSuffix("SQNR dB ") })
        XCTAssertNil(try ModelDescription(path: "f.bin", bytes: try bytes("fashion-lenet5.bin")).sqnr(on: set), "no int8 net, no SQNR")
    }

    func testSafetensorsCarryFloatAndInt8Tensors() throws {
        let loaded = try QuantizedModelFile.decode(try bytes("fashion-lenet5-q.bin"), path: "q.bin")
        let q = try XCTUnwrap(loaded.int8)
        let out = tmp + "/m.safetensors"
        let layers = q.nodes.filter { if case .conv = $0.op { return true }; return false }.count
        let floatTensors = loaded.model.parameters.joined().count
        XCTAssertEqual(try ModelExport.safetensors(loaded, to: out), "wrote \(out): \(floatTensors + 5 * layers) tensors")
        // The header is JSON after an 8-byte little-endian length (the safetensors format).
        let file = try AtomicFile.read(out, limit: 64 << 20)
        let n = file.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(file[8..<(8 + n)])) as? [String: Any])
        XCTAssertEqual(header.keys.filter { $0.hasPrefix("int8.") && $0.hasSuffix(".weight") }.count, layers)
        let meta = try XCTUnwrap(header["__metadata__"] as? [String: String])
        let graph = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(try XCTUnwrap(meta["edge-audit.graph"]).utf8)) as? [[String: Any]])
        XCTAssertEqual(graph.map { $0["name"] as? String }, loaded.model.graph.nodes.map(\.name))
        XCTAssertEqual(meta["edge-audit.classes"], loaded.model.metadata.classNames.joined(separator: ","))
    }

    func testQuantizeWritesBothNetsAndReportsAccuracy() throws {
        let loaded = try QuantizedModelFile.decode(try bytes("fashion-lenet5.bin"), path: "f.bin")
        XCTAssertNil(loaded.int8)
        let cal = try ImageLoading.load(root + "/calibration/fashion-mnist", for: loaded.model, strict: false, limit: 50, log: { _ in })
        let out = tmp + "/q.bin"
        let lines = try QuantizeJob.run(model: "f.bin", loaded, sourceBytes: try bytes("fashion-lenet5.bin"), calibration: cal,
                                        calibrationPath: "cal", options: .init(), out: out)
        let written = try QuantizedModelFile.decode(try AtomicFile.read(out, limit: 64 << 20), path: out)
        let q = try XCTUnwrap(written.int8)
        XCTAssertEqual(lines[0], "wrote \(out): int8 network of \(q.nodes.count) layers, minmax calibration on 50 images")
        // Accuracy as counted here, independently of the library's evaluators.
        let net = try IntegerNetwork(q)
        let correct = zip(net.predict(cal, Array(0..<cal.count)), cal.labels).filter { $0 == $1 }.count
        XCTAssert(lines[1].hasSuffix(String(format: "int8 %.4f", Double(correct) / 50)), lines[1])
        XCTAssertEqual(Int8Evaluator.accuracy(net, cal), Double(correct) / 50)
        XCTAssertGreaterThan(correct, 35, "the shipped LeNet-5 is ~90% accurate; a broken quantisation is not")
    }

    func testImageNotesSayWhatWasSkippedConvertedResized() throws {
        let model = try QuantizedModelFile.decode(try bytes("fashion-lenet5.bin"), path: "f.bin").model
        let dir = tmp + "/imgs/" + model.metadata.classNames[0]
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let rgb = Image8(width: 32, height: 32, channels: 3, pixels: [UInt8](repeating: 50, count: 32 * 32 * 3))
        try Data(try ImageCodec.encodePNG(rgb)).write(to: URL(fileURLWithPath: dir + "/a.png"))
        try Data("x".utf8).write(to: URL(fileURLWithPath: dir + "/b.png"))
        var notes: [String] = []
        let set = try ImageLoading.load(tmp + "/imgs", for: model, strict: false, limit: nil, resize: true, log: { notes.append($0) })
        XCTAssertEqual(set.count, 1)
        XCTAssertEqual(Set(set.pixels), [50])
        XCTAssertEqual(notes.count, 4, "\(notes)")
        XCTAssert(notes[0].hasPrefix("warning: skipped \(dir)/b.png: "), notes[0])
        XCTAssertEqual(notes[1], "warning: 1 file(s) skipped, 1 image(s) used (--strict makes bad files fatal)")
        XCTAssertEqual(notes[2], "note: 1 RGB image(s) converted to grey (the model takes 1 channel)")
        XCTAssertEqual(notes[3], "note: 1 image(s) of 32×32 resized to 28×28, the model's input (--resize: area when shrinking, bilinear when enlarging)")
        XCTAssertThrowsError(try ImageLoading.load(tmp + "/imgs", for: model, strict: false, limit: 0, log: { _ in }))
    }
}
