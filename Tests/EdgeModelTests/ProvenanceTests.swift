import XCTest
import EdgeCore
@testable import EdgeModel

final class ProvenanceTests: XCTestCase {
    static let record = Provenance(toolVersion: "0.1.0", sourceCommit: String(repeating: "ab", count: 20), sourceCommitOrigin: "git",
                                   command: ["train", "--arch", "lenet5", "--seed", "1"],
                                   inputs: [Provenance.Input(role: "train-set", path: "fashion-mnist", sha256: String(repeating: "0f", count: 32))])

    func withRecord(_ p: Provenance? = record) -> Model {
        var m = ModelFileTests.sampleModel(.lenet5)
        m.provenance = p
        return m
    }

    /// The 16-byte header, the table and the sections of `bytes` as (tag, flags, payload).
    func parts(_ bytes: [UInt8]) throws -> [(String, UInt32, [UInt8])] {
        try ModelFile.sections(bytes, path: "p.bin").map { ($0.tag, $0.flags, Array(bytes[$0.offset..<($0.offset + $0.length)])) }
    }

    func testRoundTripAndLayout() throws {
        let bytes = try ModelFile.encode(withRecord())
        let back = try ModelFile.decode(bytes, path: "p.bin")
        XCTAssertEqual(back.provenance, Self.record)
        XCTAssertNil(back.extraSections["PROV"], "a known PROV is held as provenance, not as an opaque section")
        XCTAssertEqual(try ModelFile.encode(back), bytes)
        let s = try parts(bytes)
        XCTAssertEqual(s.map(\.0), ["GRPH", "FWTS", "META", "PROV", "XTRA"], "PROV sorts among the optional sections")
        let prov = try XCTUnwrap(s.first { $0.0 == "PROV" })
        XCTAssertEqual(prov.1, 0, "not flagged required: older readers carry it through")
        XCTAssertEqual(Array(prov.2[0..<4]), [1, 0, 0, 0], "u32 section version 1")
        let json = String(decoding: prov.2[4...], as: UTF8.self)
        XCTAssert(json.hasPrefix("{\"command\":[\"train\",\"--arch\",\"lenet5\",\"--seed\",\"1\"],\"inputs\":[{\"path\":\"fashion-mnist\""), json)
    }

    func testOldFilesHaveNoProvenanceAndUnchangedBytes() throws {
        let m = withRecord(nil)
        let bytes = try ModelFile.encode(m)
        XCTAssertEqual(try parts(bytes).map(\.0), ["GRPH", "FWTS", "META", "XTRA"], "no record, no section: the v1 layout as before")
        XCTAssertNil(try ModelFile.decode(bytes, path: "old.bin").provenance)
    }

    /// The content digest by its documented definition, computed here from the parts.
    func testContentDigestFollowsItsDefinitionAndIgnoresProvenance() throws {
        let with = try ModelFile.encode(withRecord())
        var other = Self.record
        other.sourceCommit = "unknown"
        let otherBytes = try ModelFile.encode(withRecord(other))
        let without = try ModelFile.encode(withRecord(nil))
        XCTAssertNotEqual(with, otherBytes)
        var w = ByteWriter()
        w.raw(Array("EDGEMODL".utf8)); w.u32(1)
        for (tag, flags, payload) in try parts(without) { w.raw(Array(tag.utf8)); w.u32(flags); w.u64(UInt64(payload.count)); w.raw(payload) }
        let expected = SHA256.hex(w.bytes)
        for b in [with, otherBytes, without] { XCTAssertEqual(try ModelFile.contentSHA256(b, path: "p.bin"), expected) }
        var m = withRecord()
        m.parameters[1][1].data[0] += 1
        XCTAssertNotEqual(try ModelFile.contentSHA256(try ModelFile.encode(m), path: "p.bin"), expected, "a weight is content")
    }

    func testLaterSectionVersionIsCarriedNotRefused() throws {
        var m = withRecord(nil)
        m.extraSections["PROV"] = [2, 0, 0, 0, 0xFF, 0xFE]
        let bytes = try ModelFile.encode(m)
        let back = try ModelFile.decode(bytes, path: "v2.bin")
        XCTAssertNil(back.provenance)
        XCTAssertEqual(back.extraSections["PROV"], [2, 0, 0, 0, 0xFF, 0xFE])
        XCTAssertEqual(try ModelFile.encode(back), bytes)
    }

    /// A PROV payload of section version 1 holding `json`, in an otherwise valid file.
    func file(json: String) throws -> [UInt8] {
        var m = withRecord(nil)
        m.extraSections["PROV"] = [1, 0, 0, 0] + Array(json.utf8)
        return try ModelFile.encode(m)
    }

    func assertRefused(_ json: String, _ words: String, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertThrowsError(try ModelFile.decode(try self.file(json: json), path: "h.bin"), file: file, line: line) { e in
            guard case let EdgeError.badModel("h.bin", "PROV", _, reason) = e else { return XCTFail("\(e)", file: file, line: line) }
            XCTAssert(reason.contains(words), reason, file: file, line: line)
        }
    }

    func testHostileRecordsAreTypedErrorsNamingTheField() throws {
        let d = String(repeating: "a", count: 64)
        func rec(_ commit: String = "unknown", command: String = "[\"train\"]", inputs: String = "[]") -> String {
            "{\"command\":\(command),\"inputs\":\(inputs),\"sourceCommit\":\"\(commit)\",\"sourceCommitOrigin\":\"none\",\"tool\":\"edge-audit\",\"toolVersion\":\"0.1.0\"}"
        }
        XCTAssertNotNil(try ModelFile.decode(try file(json: rec()), path: "ok.bin").provenance, "the hand-written record itself is valid")
        try assertRefused("{", "not valid provenance JSON")
        try assertRefused("{\"tool\":1}", "not valid provenance JSON")
        try assertRefused(rec("a\\u001b[2J"), "sourceCommit holds the control character U+001B")
        try assertRefused(rec(String(repeating: "c", count: 65)), "sourceCommit is 65 bytes long")
        try assertRefused(rec().replacingOccurrences(of: "{", with: "{\"floatKernel\":\"Has\\u0007well\",", options: .anchored), "floatKernel holds the control character U+0007")
        try assertRefused(rec(command: "[]"), "command has 0 arguments")
        try assertRefused(rec(command: "[" + Array(repeating: "\"x\"", count: 129).joined(separator: ",") + "]"), "command has 129 arguments")
        try assertRefused(rec(command: "[\"train\",\"a\\nb\"]"), "command argument 1 holds the control character U+000A")
        try assertRefused(rec(inputs: "[{\"role\":\"model\",\"path\":\"m.bin\",\"sha256\":\"\(d.uppercased())\"}]"), "input 0 sha256 is not 64 lowercase hex")
        try assertRefused(rec(inputs: "[{\"role\":\"\",\"path\":\"m.bin\",\"sha256\":\"\(d)\"}]"), "input 0 role is empty")
        try assertRefused(rec(inputs: "[" + Array(repeating: "{\"role\":\"r\",\"path\":\"p\",\"sha256\":\"\(d)\"}", count: 17).joined(separator: ",") + "]"),
                          "17 inputs; at most 16")
        try assertRefused(String(repeating: " ", count: 65_533) + rec(), "section is 65")
    }

    func testEveryPrefixAndFlipOfAFileWithProvenanceIsATypedError() throws {
        let bytes = try ModelFile.encode(withRecord())
        let prov = try XCTUnwrap(try ModelFile.sections(bytes, path: "p.bin").first { $0.tag == "PROV" })
        for n in stride(from: 0, to: bytes.count, by: 97) + Array(prov.offset..<(prov.offset + prov.length)) {
            XCTAssertThrowsError(try ModelFile.decode(Array(bytes[0..<n]), path: "cut.bin"), "prefix \(n)") { e in
                guard case EdgeError.badModel(path: "cut.bin", _, _, _) = e else { return XCTFail("prefix \(n): \(e)") }
            }
        }
        // Behind a disabled checksum, every byte of the record changed must parse or be refused, never crash.
        for i in prov.offset..<(prov.offset + prov.length) {
            for v: UInt8 in [0x00, 0x0A, 0x22, 0x7B, 0xFF] {
                var b = bytes
                b[i] = v
                _ = try? ModelFile.decode(b, path: "fuzz.bin", verifyChecksums: false)
            }
        }
    }
}
