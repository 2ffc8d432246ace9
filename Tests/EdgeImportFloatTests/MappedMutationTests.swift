import XCTest
import Foundation
import EdgeCore
import EdgeData
import EdgeFloat
import EdgeImport
import EdgeImportQuant
import EdgeModel
import EdgeQuant
@testable import EdgeImportFloat

/// The importer is fuzzed on its own (scripts/fuzz-import.sh); this drives what comes after
/// it on mutated files: every mutant that still imports goes through the int8 mapper and the
/// dequantised twin, or the float mapper with a preprocessing layer and the quantiser. Each
/// step may refuse with a typed error, and none may crash or produce a non-finite float net.
final class MappedMutationTests: XCTestCase {
    func mutants(_ bytes: [UInt8], count: Int, seed: UInt64) -> [[UInt8]] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { _ in
            var b = bytes
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let i = Int.random(in: 0..<b.count, using: &rng)
                b[i] = Int.random(in: 0..<2, using: &rng) == 0 ? b[i] ^ (1 << UInt8.random(in: 0..<8, using: &rng)) : UInt8.random(in: 0...255, using: &rng)
            }
            return b
        }
    }

    func testMutatedInt8FilesMapAndTwinOrFailTyped() throws {
        var imported = 0, twinned = 0
        for name in DequantizedTwinTests.files {
            let bytes = Array(try Data(contentsOf: FloatFixtureTests.dir.appendingPathComponent(name + ".tflite")))
            for b in mutants(bytes, count: 400, seed: 9) {
                guard let g = try? ModelImporter.importGraph(b, path: name), g.precision == .int8 else { continue }
                imported += 1
                do {
                    let m = try Int8GraphMapper.map(g, path: name)
                    let twin = try DequantizedFloatModel.make(m, classNames: (0..<m.classes).map { "c\($0)" }, path: name)
                    XCTAssert(twin.model.parameters.allSatisfy { $0.allSatisfy { $0.data.allSatisfy(\.isFinite) } }, name)
                    twinned += 1
                } catch is EdgeError {} catch is ImportError {}
            }
        }
        print("int8 mutants: \(imported) imported, \(twinned) twinned")
        XCTAssertGreaterThan(imported, 100)
    }

    func testMutatedFloatFilesMapAndQuantiseOrFailTyped() throws {
        var mapped = 0
        for file in ["keras_a_1ch_float.tflite", "torch_a_opset13.onnx"] {
            let bytes = Array(try Data(contentsOf: FloatFixtureTests.dir.appendingPathComponent(file)))
            for b in mutants(bytes, count: 150, seed: 4) {
                guard let g = try? ModelImporter.importGraph(b, path: file), g.precision == .float32 else { continue }
                do {
                    let m = try FloatGraphMapper.map(g, path: file, preprocessing: Self.normalisation)
                    let s = m.inputShape
                    let set = LabeledImages(channels: s[0], height: s[1], width: s[2], pixels: [UInt8](repeating: 77, count: 2 * s[0] * s[1] * s[2]),
                                            labels: [0, 0], classNames: m.model.metadata.classNames, sources: ["", ""])
                    _ = try Quantizer.quantize(m.model, calibration: set)
                    mapped += 1
                } catch is EdgeError {}
            }
        }
        print("float mutants quantised: \(mapped)")
        XCTAssertGreaterThan(mapped, 10)
    }

    static let normalisation = Preprocessing(inputScale: 1 / 255, mean: [0.5], std: [0.25], source: "test")
}
