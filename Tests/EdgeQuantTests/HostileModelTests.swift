import XCTest
import EdgeCore
import EdgeModel
@testable import EdgeQuant

/// Hostile model files: crafted fixtures (one per validation rule), every prefix of every
/// shipped model, every single-bit flip in the header and section table, and 10 000 seeded
/// random bit flips in the payloads; plus mutations behind a disabled checksum (more of
/// them in a release build).
final class HostileModelTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let shipped = ["fashion-lenet5.bin", "fashion-lenet5-at.bin", "fashion-lenet5-q.bin", "fashion-lenet5-at-q.bin",
                          "fashion-resnet8.bin", "fashion-resnet8-q.bin"]
    static var thorough: Bool { !_isDebugAssertConfiguration() }

    func bytes(_ rel: String) throws -> [UInt8] { try AtomicFile.read(Self.root.appendingPathComponent(rel).path) }

    func testEveryFixtureIsRejectedWithItsError() throws {
        let expected: [String: String] = [
            "zero-dimension.bin": "input shape [0, 28, 28]",
            "negative-dimension.bin": "out channels = 4294967295 exceeds the limit",
            "overflowing-product.bin": "conv1.weight has shape",
            "offset-near-uint64-max.bin": "claims bytes 18446744073709551600",
            "unknown-op.bin": "unknown op code 42",
            "unknown-version.bin": "format version 2 is not supported",
            "accumulator-bound.bin": "accumulator bound",
            "zero-scale.bin": "scale = 0.0 must be finite",
            "zero-point-out-of-range.bin": "zero point = 300",
            "shift-out-of-range.bin": "shift[0] = 31",
            "multiplier-out-of-range.bin": "multiplier[0] = 7",
            "truncated.bin": "beyond the file",
            "duplicate-section.bin": "duplicate section",
        ]
        let dir = Self.root.appendingPathComponent("Tests/Fixtures/hostile").path
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".bin") }.sorted()
        XCTAssertEqual(Set(files), Set(expected.keys), "every fixture needs an expected error")
        for f in files {
            XCTAssertThrowsError(try QuantizedModelFile.read(dir + "/" + f), f) { e in
                guard case EdgeError.badModel(let path, _, _, let reason) = e else { return XCTFail("\(f): \(e)") }
                XCTAssert(path.hasSuffix(f))
                XCTAssert(reason.contains(expected[f]!), "\(f): \(reason)")
            }
        }
    }

    func testEveryPrefixOfEveryShippedModel() throws {
        for name in Self.shipped {
            let b = try bytes("models/" + name)
            XCTAssertNoThrow(try QuantizedModelFile.decode(b, path: name))
            let step = 1
            var n = 0
            while n < b.count {
                do {
                    _ = try QuantizedModelFile.decode(b, path: name, count: n)
                    XCTFail("\(name): a \(n)-byte prefix was accepted")
                } catch EdgeError.badModel(_, _, _, _) {
                } catch {
                    XCTFail("\(name) prefix \(n): untyped error \(error)")
                }
                n += n < 600 ? 1 : step
            }
        }
    }

    func testEveryHeaderBitFlipAndRandomPayloadFlips() throws {
        var g = SeededGenerator(seed: 2026)
        let flips = 1700  // about 10 000 over the six shipped models
        for name in Self.shipped {
            var b = try bytes("models/" + name)
            let tableEnd = 16 + 32 * Int(b[12]) + 4
            for i in 0..<tableEnd {
                for bit in 0..<8 {
                    b[i] ^= UInt8(1 << bit)
                    XCTAssertThrowsError(try QuantizedModelFile.decode(b, path: name), "\(name) byte \(i) bit \(bit)")
                    b[i] ^= UInt8(1 << bit)
                }
            }
            for _ in 0..<flips {
                let i = tableEnd + g.nextInt(below: b.count - tableEnd), bit = g.nextInt(below: 8)
                b[i] ^= UInt8(1 << bit)
                XCTAssertThrowsError(try QuantizedModelFile.decode(b, path: name), "\(name) payload byte \(i) bit \(bit)") { e in
                    guard case EdgeError.badModel = e else { return XCTFail("\(e)") }
                }
                b[i] ^= UInt8(1 << bit)
            }
        }
    }

    func testParsersHoldWithoutTheChecksum() throws {
        // Many real loader bugs need a file that passes the checksum but is inconsistent.
        var g = SeededGenerator(seed: 7)
        let b0 = try bytes("models/fashion-lenet5-q.bin")
        for _ in 0..<(Self.thorough ? 3000 : 200) {
            var b = b0
            for _ in 0..<(1 + g.nextInt(below: 3)) {
                let i = g.nextInt(below: b.count)
                b[i] = UInt8(truncatingIfNeeded: g.next())
            }
            _ = try? QuantizedModelFile.decode(b, path: "fuzz", verifyChecksums: false)
        }
    }
}
