import Foundation
import XCTest
@testable import EdgeImport

/// The hand-made hostile files as files: Tests/Fixtures/import/hostile/NAME.{tflite,onnx}
/// plus hostile.json (file → rule). They are written from the byte surgery in the hostile
/// tests when EDGE_IMPORT_WRITE_HOSTILE=1 (after a fixture change), kept in git as
/// regression inputs and fuzz seeds, and checked by `HostileFileTests`.
enum HostileFiles {
    static let dir = Fixtures.dir.appendingPathComponent("hostile")
    static let manifest = dir.appendingPathComponent("hostile.json")

    static func slug(_ s: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789")
        var out = ""
        for ch in s.lowercased() { out.append(allowed.contains(ch) ? ch : "-") }
        while out.contains("--") { out = out.replacingOccurrences(of: "--", with: "-") }
        return out.trimmingCharacters(in: CharacterSet(charactersIn: "-"))
    }

    static func readManifest() throws -> [String: String] {
        guard let d = try? Data(contentsOf: manifest) else { return [:] }
        return (try JSONSerialization.jsonObject(with: d) as? [String: String]) ?? [:]
    }

    static func writeIfAsked(_ cases: [(String, [UInt8], ImportError.Rule)], ext: String) throws {
        guard ProcessInfo.processInfo.environment["EDGE_IMPORT_WRITE_HOSTILE"] != nil else { return }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var m = try readManifest()
        for (what, bytes, rule) in cases {
            let name = "\(slug(what)).\(ext)"
            try Data(bytes).write(to: dir.appendingPathComponent(name))
            m[name] = rule.rawValue
        }
        let json = try JSONSerialization.data(withJSONObject: m, options: [.prettyPrinted, .sortedKeys])
        try json.write(to: manifest)
    }
}

/// Every stored hostile file still fails with the rule it was made for.
final class HostileFileTests: XCTestCase {
    func testStoredHostileFilesKeepTheirRule() throws {
        let m = try HostileFiles.readManifest()
        XCTAssertGreaterThanOrEqual(m.count, 25, "hostile.json lists the hand-made files")
        for (file, rule) in m.sorted(by: { $0.key < $1.key }) {
            let bytes = Array(try Data(contentsOf: HostileFiles.dir.appendingPathComponent(file)))
            let r = try XCTUnwrap(ImportError.Rule(rawValue: rule), file)
            let call: () throws -> ImportedGraph = file.hasSuffix(".onnx")
                ? { try ONNXImporter.importGraph(bytes, path: file) } : { try ModelImporter.importGraph(bytes, path: file) }
            XCTAssertImportError(r, try call(), file)
        }
    }
}
