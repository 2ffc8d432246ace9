import XCTest
import EdgeCore
@testable import EdgeModel

final class ModelFileTests: XCTestCase {
    /// A small model with every op, deterministic weights.
    static func sampleModel(_ arch: Architecture = .resnet8) -> Model {
        let g = arch.graph(input: [1, 16, 16], classes: 3)
        let shapes = try! g.shapes()
        var v: Float = 0
        let params = g.nodes.indices.map { i in
            g.parameterShapes(i, shapes: shapes).map { s -> Tensor in
                let n = ShapeMath.product(s)!
                return Tensor(shape: s, data: (0..<n).map { _ in v += 0.37; return Float(sin(Double(v))) + 1.5 })
            }
        }
        let recipe = TrainingRecipe(arch: arch.rawValue, dataset: "unit", epochs: 1, batch: 2, optimizer: "adam", learningRate: 1e-3,
                                    schedule: "cosine", weightDecay: 0, seed: 3, adversarial: "none", eps: 0, stepSize: 0, steps: 0,
                                    testAccuracy: 0.5, testImages: 10)
        return Model(graph: g, parameters: params, metadata: ModelMetadata(classNames: ["a", "b", "c"], recipe: recipe),
                     extraSections: ["XTRA": [1, 2, 3]])
    }

    func testRoundTripIsExact() throws {
        for arch in Architecture.allCases {
            let m = Self.sampleModel(arch)
            let bytes = try ModelFile.encode(m)
            let back = try ModelFile.decode(bytes, path: "m.bin")
            XCTAssertEqual(back, m)
            XCTAssertEqual(try ModelFile.encode(back), bytes, "re-encoding must reproduce the bytes")
        }
    }

    func testHeaderLayoutMatchesTheDocumentedFormat() throws {
        let bytes = try ModelFile.encode(Self.sampleModel(.lenet5))
        XCTAssertEqual(Array(bytes[0..<8]), Array("EDGEMODL".utf8))
        XCTAssertEqual(bytes[8], 1)  // version 1, little-endian
        XCTAssertEqual(bytes[12], 4) // GRPH, FWTS, META, XTRA
        XCTAssertEqual(String(bytes: bytes[16..<20], encoding: .ascii), "GRPH")
        let firstOffset = Int(bytes[24]) | Int(bytes[25]) << 8
        XCTAssertEqual(firstOffset, 16 + 4 * 32 + 4)
    }

    func testEveryPrefixIsATypedError() throws {
        let bytes = try ModelFile.encode(Self.sampleModel(.lenet5))
        for n in 0..<bytes.count {
            XCTAssertThrowsError(try ModelFile.decode(Array(bytes[0..<n]), path: "cut.bin"), "prefix \(n)") { e in
                guard case EdgeError.badModel(path: "cut.bin", _, _, _) = e else { return XCTFail("prefix \(n): \(e)") }
            }
        }
    }

    func testBitFlipsAreDetected() throws {
        let bytes = try ModelFile.encode(Self.sampleModel(.lenet5))
        var g = SeededGenerator(seed: 11)
        for _ in 0..<500 {
            var b = bytes
            let i = g.nextInt(below: b.count)
            b[i] ^= UInt8(1 << g.nextInt(below: 8))
            XCTAssertThrowsError(try ModelFile.decode(b, path: "flip.bin"), "flip at \(i)")
        }
    }

    func testHostileTablesWithoutChecksums() throws {
        // Behind a disabled checksum, the parsers themselves must hold.
        let bytes = try ModelFile.encode(Self.sampleModel(.lenet5))
        var g = SeededGenerator(seed: 12)
        for _ in 0..<500 {
            var b = bytes
            for _ in 0..<(1 + g.nextInt(below: 4)) {
                let i = g.nextInt(below: b.count)
                b[i] = UInt8(truncatingIfNeeded: g.next())
            }
            _ = try? ModelFile.decode(b, path: "fuzz.bin", verifyChecksums: false)
        }
        // A section offset near UInt64.max must not wrap the bounds check.
        var b = bytes
        for k in 0..<8 { b[24 + k] = 0xFF }
        XCTAssertThrowsError(try ModelFile.decode(b, path: "o.bin", verifyChecksums: false)) { e in
            guard case EdgeError.badModel(_, "section table", 16, _) = e else { return XCTFail("\(e)") }
        }
    }

    func testUnknownVersionAndMagic() throws {
        var b = try ModelFile.encode(Self.sampleModel(.lenet5))
        b[8] = 2
        XCTAssertThrowsError(try ModelFile.decode(b, path: "v.bin")) { e in XCTAssert("\(e)".contains("version 2"), "\(e)") }
        b[0] = 0
        XCTAssertThrowsError(try ModelFile.decode(b, path: "v.bin")) { e in XCTAssert("\(e)".contains("magic"), "\(e)") }
    }

    func testGraphValidationRejectsBadShapes() {
        var g = Architecture.lenet5.graph(input: [1, 28, 28], classes: 10)
        g.nodes[1].op = .conv2d(outChannels: 6, kernel: 0, stride: 1, padding: 0)
        XCTAssertThrowsError(try g.shapes())
        g = Architecture.lenet5.graph(input: [1, 28, 28], classes: 10)
        g.nodes[4].inputs = [7]
        XCTAssertThrowsError(try g.shapes()) { e in XCTAssert("\(e)".contains("earlier node"), "\(e)") }
        g = Architecture.lenet5.graph(input: [1, 3, 3], classes: 10)
        XCTAssertThrowsError(try g.shapes())
    }

    func testLeNetShapesAndMACs() throws {
        let g = Architecture.lenet5.graph(input: [1, 28, 28], classes: 10)
        let s = try g.shapes()
        XCTAssertEqual(s[1], [6, 28, 28])
        XCTAssertEqual(s[6], [16, 5, 5])
        XCTAssertEqual(s[7], [400])
        // conv1 28·28·6·25 + conv2 10·10·16·150 + 400·120 + 120·84 + 84·10.
        XCTAssertEqual(g.macs(shapes: s).reduce(0, +), 117_600 + 240_000 + 48_000 + 10_080 + 840)
    }

    func testSafetensorsLayout() throws {
        let m = Self.sampleModel(.lenet5)
        let st = Safetensors.encode(Safetensors.floatEntries(m), metadata: ["format": "pt"])
        var n = 0
        for k in 0..<8 { n |= Int(st[k]) << (8 * k) }
        XCTAssertEqual(n % 8, 0)
        let header = String(decoding: st[8..<(8 + n)], as: UTF8.self)
        XCTAssert(header.contains("\"conv1.weight\":{\"dtype\":\"F32\",\"shape\":[6,1,5,5]"), header)
        XCTAssertEqual(st.count, 8 + n + 4 * m.parameterCount)
    }
}
