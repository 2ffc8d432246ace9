import Foundation
import XCTest
@testable import EdgeImport

/// Fixture files in Tests/Fixtures/import and the JSON expectations that
/// scripts/make_import_fixtures.py wrote beside them from the converters' own Python APIs.
enum Fixtures {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/import")

    static let tflite = ["keras_a_1ch_float", "keras_a_1ch_int8", "keras_a_1ch_uint8", "keras_a_1ch_qdq",
                         "keras_b_3ch_float", "keras_b_3ch_int8", "keras_b_3ch_qdq"]
    static let onnx = ["torch_a_opset13", "torch_a_opset17", "torch_b_opset13", "torch_a_dynamo_opset18",
                       "onnx_helper_opset13"]

    static func bytes(_ file: String) throws -> [UInt8] {
        Array(try Data(contentsOf: dir.appendingPathComponent(file)))
    }

    static func expect(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: dir.appendingPathComponent(name + ".expect.json"))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }
}

extension [String: Any] {
    func list(_ key: String) -> [[String: Any]] { (self[key] as? [[String: Any]]) ?? [] }
    func ints(_ key: String) -> [Int] { ((self[key] as? [NSNumber]) ?? []).map { $0.intValue } }
    func floats(_ key: String) -> [Float] { ((self[key] as? [NSNumber]) ?? []).map { Float($0.doubleValue) } }
    func string(_ key: String) -> String { (self[key] as? String) ?? "" }
}

/// Asserts that `body` throws an `ImportError` of `rule`.
func XCTAssertImportError<T>(_ rule: ImportError.Rule, _ body: @autoclosure () throws -> T,
                             _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    do {
        _ = try body()
        XCTFail("expected \(rule), import succeeded. \(message)", file: file, line: line)
    } catch let e as ImportError {
        XCTAssertEqual(e.rule, rule, "\(e) \(message)", file: file, line: line)
    } catch {
        XCTFail("untyped error \(error) \(message)", file: file, line: line)
    }
}

/// Runs `body`, requiring success or a typed `ImportError` (never any other error).
func importOrTypedError(_ bytes: [UInt8], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
    do {
        let g = try ModelImporter.importGraph(bytes, path: what)
        XCTAssertNil(g.invariantViolation(), "\(what): a file that parses gave an inconsistent graph", file: file, line: line)
    } catch is ImportError {
    } catch {
        XCTFail("\(what): untyped error \(error)", file: file, line: line)
    }
}
