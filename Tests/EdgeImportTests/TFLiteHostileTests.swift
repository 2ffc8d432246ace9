import XCTest
@testable import EdgeImport

/// Hostile TFLite files: one hand-made file per validation rule (byte surgery on a real
/// converter output at positions located with the reader itself), every prefix, and flips of
/// every structural byte: each gives a typed ImportError, never a crash.
final class TFLiteHostileTests: XCTestCase {
    let fixture = "keras_a_1ch_int8"

    func original() throws -> [UInt8] { try Fixtures.bytes(fixture + ".tflite") }

    /// Navigates to subgraph 0 of `bytes`.
    func subgraph(_ bytes: [UInt8]) throws -> FlatTable {
        let r = FlatBufferReader(bytes, path: "t")
        return try XCTUnwrap(r.root(identifier: nil, location: "Model").vector(2, "subgraphs", elementSize: 4, maxCount: 9)).table(0)
    }

    func tensor(_ bytes: [UInt8], _ i: Int) throws -> FlatTable {
        try XCTUnwrap(subgraph(bytes).vector(0, "tensors", elementSize: 4, maxCount: 1 << 20)).table(i)
    }

    func put32(_ b: inout [UInt8], _ at: Int, _ v: UInt32) {
        for k in 0..<4 { b[at + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(k))) }
    }

    /// Position of the u32 that holds field `slot`'s uoffset (or value) in `t`.
    func fieldPosition(_ t: FlatTable, _ slot: Int) throws -> Int { try XCTUnwrap(t.field(slot, width: 4, "f")) }

    /// The position of vector field `slot` of `t` (its length word).
    func vectorLength(_ t: FlatTable, _ slot: Int) throws -> Int {
        let p = try fieldPosition(t, slot)
        let r = t.reader
        return p + Int(r.u32(p))
    }

    func imported(_ b: [UInt8]) throws -> ImportedGraph { try ModelImporter.importGraph(b, path: "hostile.tflite") }

    /// (what, bytes, rule) of every hand-made file, kept by `expect` for writing out.
    var recorded: [(String, [UInt8], ImportError.Rule)] = []

    /// Asserts that `b` breaks `rule`, and records it as a hostile fixture.
    func expect(_ rule: ImportError.Rule, _ b: [UInt8], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertImportError(rule, try imported(b), what, file: file, line: line)
        recorded.append((what, b, rule))
    }

    func testOneFilePerRule() throws {
        let good = try original()
        XCTAssertNoThrow(try imported(good))

        var b = good; b[5] ^= 0xff  // identifier no longer TFL3 → not detected at all
        expect(.badIdentifier, b, "badIdentifier")
        XCTAssertImportError(.badIdentifier, try TFLiteImporter.importGraph(b, path: "x"), "direct call checks the identifier")

        b = good; put32(&b, 0, UInt32(good.count + 100))
        expect(.offsetOutOfBounds, b, "root offset past the end")

        b = good; put32(&b, 0, 0)
        expect(.selfReference, b, "root offset 0 points at itself")

        let root = Int(good[0]) | Int(good[1]) << 8 | Int(good[2]) << 16 | Int(good[3]) << 24
        b = good; put32(&b, root, UInt32(bitPattern: Int32.min))
        expect(.badVTable, b, "vtable 2^31 bytes after the table")
        b = good
        let vt = root - Int(Int32(bitPattern: UInt32(good[root]) | UInt32(good[root + 1]) << 8 | UInt32(good[root + 2]) << 16 | UInt32(good[root + 3]) << 24))
        b[vt] = 3  // odd vtable size
        expect(.badVTable, b, "odd vtable size")
        b = good; b[vt + 4] = 0xff; b[vt + 5] = 0xff  // version field offset 65535: outside the table
        expect(.badVTable, b, "field offset outside the table")

        let sg = try subgraph(good)
        b = good; put32(&b, try vectorLength(sg, 0), 0xffff_ffff)
        expect(.limitExceeded, b, "4 294 967 295 tensors")
        b = good; put32(&b, try vectorLength(sg, 3), UInt32(ImportLimits.maxOperators))
        expect(.vectorOutOfBounds, b, "operator vector longer than the file")

        let t12 = try tensor(good, 12)  // the first conv's output, [1, 14, 14, 8]
        let shape = try vectorLength(t12, 0)
        b = good; put32(&b, shape + 8, UInt32(bitPattern: -5))
        expect(.badDimension, b, "negative dimension")
        b = good; put32(&b, shape + 8, 1 << 20); put32(&b, shape + 12, 1 << 20)
        expect(.overflow, b, "2^40 elements")
        b = good; put32(&b, shape + 8, 13)
        expect(.inconsistent, b, "conv output 13 rows where SAME stride 2 gives 14")

        let nameAt = try vectorLength(t12, 3)
        let nameLen = Int(good[nameAt]) | Int(good[nameAt + 1]) << 8
        b = good; b[nameAt + 4 + nameLen] = 0x41
        expect(.badString, b, "name without its zero terminator")

        let op0 = try XCTUnwrap(sg.vector(3, "operators", elementSize: 4, maxCount: 99)).table(0)
        // Operator 1 (its opcode index is 1, so the field is stored; 0 would be the default).
        let op1 = try XCTUnwrap(sg.vector(3, "operators", elementSize: 4, maxCount: 99)).table(1)
        b = good; put32(&b, try fieldPosition(op1, 0), 999)
        expect(.badIndex, b, "opcode index 999")
        b = good; put32(&b, try vectorLength(op0, 1) + 4, 4000)
        expect(.badIndex, b, "input tensor 4000")

        // The CONV_2D options: stride_w (slot 1) set to 100.
        let opts = try XCTUnwrap(op0.table(4, "builtin_options"))
        b = good; put32(&b, try fieldPosition(opts, 1), 100)
        expect(.unsupportedAttribute, b, "stride 100")

        // Operator code 0 (CONV_2D) becomes TANH (28): an unsupported operator, named.
        let codes = try XCTUnwrap(FlatBufferReader(good, path: "t").root(identifier: nil, location: "M")
            .vector(1, "operator_codes", elementSize: 4, maxCount: 99))
        let code0 = try codes.table(0)
        b = good
        if let p = try code0.field(3, width: 4, "builtin_code") { put32(&b, p, 28) }
        if let p = try code0.field(0, width: 1, "deprecated_builtin_code") { b[p] = 28 }
        recorded.append(("unsupported operator TANH", b, .unsupportedOperator))
        do {
            _ = try imported(b)
            XCTFail("TANH accepted")
        } catch let e as ImportError {
            XCTAssertEqual(e.rule, .unsupportedOperator)
            XCTAssertTrue(e.reason.contains("operator 0"), e.reason)
            XCTAssertTrue(e.reason.contains("TANH"), "named, not numbered: \(e.reason)")
            XCTAssertTrue(e.location.contains("operators[0]"), e.location)
        }
        try HostileFiles.writeIfAsked(recorded, ext: "tflite")
    }

    /// Every fourth-byte self-reference: rewriting any aligned word to 0 (a uoffset to itself,
    /// where it is one) is a typed error or a valid file, and never loops.
    func testZeroedWordsNeverLoop() throws {
        let good = try original()
        for at in stride(from: 0, to: good.count - 3, by: 4) {
            var b = good
            put32(&b, at, 0)
            importOrTypedError(b, "zeroed word at \(at)")
        }
    }

    func testEveryPrefixIsATypedError() throws {
        for file in Fixtures.tflite.map({ $0 + ".tflite" }) + ["keras_a_1ch_int8_labels.tflite", "keras_a_1ch_int8_metadata.tflite"] {
            let good = try Fixtures.bytes(file)
            // All prefixes of one file; every 5th of the others keeps the debug run short.
            let step = file == fixture + ".tflite" ? 1 : 5
            for n in stride(from: 0, to: good.count, by: step) {
                let b = Array(good[0..<n])
                if file.contains("labels") || file.contains("metadata"), n >= good.count - 400 { continue }  // archive cut only
                XCTAssertThrowsError(try imported(b), "\(file) prefix \(n)") { e in
                    XCTAssertTrue(e is ImportError, "\(file) prefix \(n): \(e)")
                }
            }
        }
    }

    /// Flips every byte outside the constant data (weights are not structure): success or a
    /// typed error, nothing else.
    func testFlipsInTheStructure() throws {
        for file in Fixtures.tflite {
            let good = try Fixtures.bytes(file + ".tflite")
            let f = try TFLiteFile(good, path: file)
            // Every structural byte of one file; every 7th of the others keeps the debug run short.
            let step = file == fixture ? 1 : 7
            var isData = [Bool](repeating: false, count: good.count)
            for r in f.buffers { for i in r { isData[i] = true } }
            for at in stride(from: 0, to: good.count, by: step) where !isData[at] {
                var b = good
                b[at] ^= 0xff
                importOrTypedError(b, "\(file) flip at \(at)")
            }
        }
    }

    func testLabelFileFromTheAppendedArchive() throws {
        let g = try imported(try Fixtures.bytes("keras_a_1ch_int8_labels.tflite"))
        let e = try Fixtures.expect("keras_a_1ch_int8_labels")
        XCTAssertEqual(g.metadata.labels, e["labels"] as? [String])
        XCTAssertEqual(g.metadata.labelSource, "TFLite metadata associated file labels.txt")
        XCTAssertNil(try imported(try original()).metadata.labels)
    }

    /// Metadata written by TFLite Support's ImageClassifier writer: normalisation, colour
    /// space, and the TENSOR_AXIS_LABELS file it names inside the appended archive.
    func testSupportMetadata() throws {
        let bytes = try Fixtures.bytes("keras_a_1ch_int8_metadata.tflite")
        let g = try imported(bytes)
        let e = try Fixtures.expect("keras_a_1ch_int8_metadata")
        XCTAssertEqual(g.metadata.labels, e["labels"] as? [String])
        XCTAssertEqual(g.metadata.labelSource, "TFLite metadata associated file \(e.string("label_file"))")
        XCTAssertEqual(g.metadata.preprocessing?.mean, e.floats("mean"))
        XCTAssertEqual(g.metadata.preprocessing?.std, e.floats("std"))
        XCTAssertEqual(g.metadata.preprocessing?.inputScale, 1)
        XCTAssertEqual(g.metadata.properties["color_space"], "RGB")
        // A corrupted metadata buffer is reported, not fatal: TFLite itself ignores it.
        let f = try TFLiteFile(bytes, path: "m")
        let range = try XCTUnwrap(f.metadata.first { $0.name == "TFLITE_METADATA" }.map { f.buffers[$0.buffer] })
        var b = bytes
        b[range.lowerBound + 4] ^= 0xff  // the M001 identifier
        let broken = try imported(b)
        XCTAssertTrue(broken.metadata.properties["TFLITE_METADATA"]?.hasPrefix("unreadable") ?? false)
        XCTAssertNil(broken.metadata.preprocessing)
        for at in range { var c = bytes; c[at] ^= 0xff; importOrTypedError(c, "metadata flip at \(at)") }
    }

    func testFormatDetection() throws {
        XCTAssertEqual(ModelFormat.detect(try original()), .tflite)
        XCTAssertEqual(ModelFormat.detect(try Fixtures.bytes("torch_a_opset13.onnx")), .onnx)
        XCTAssertEqual(ModelFormat.detect(Array("EDGEMODL".utf8) + [1, 0, 0, 0, 0, 0, 0, 0]), .edgeModel)
        let shipped = Fixtures.dir.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("models/fashion-lenet5.bin")
        if let m = try? Data(contentsOf: shipped) { XCTAssertEqual(ModelFormat.detect(Array(m)), .edgeModel) }
        XCTAssertNil(ModelFormat.detect([]))
        XCTAssertNil(ModelFormat.detect(Array("P5\n28 28\n255\n".utf8)))
        XCTAssertNil(ModelFormat.detect([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), "PNG")
        XCTAssertImportError(.badIdentifier, try imported(Array("EDGEMODL".utf8) + [UInt8](repeating: 0, count: 8)))
    }

    func testFileSizeCapBeforeParsing() {
        let big = [UInt8](repeating: 0, count: ImportLimits.maxFileBytes + 1)
        XCTAssertImportError(.fileTooLarge, try imported(big))
    }
}
