import EdgeData
import Foundation
import XCTest

/// The import fixtures (Tests/Fixtures/import, README.md there) and a minimal .npy reader for
/// their int8, uint8 and float32 arrays.
enum ImportFixtures {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/import")

    /// Every int8 TFLite fixture, with the fixture whose inputs/logits it shares (the
    /// labels/metadata variants are the int8 file with extra bytes, and have no arrays).
    static let int8: [(model: String, arrays: String)] = [
        ("keras_a_1ch_int8", "keras_a_1ch_int8"), ("keras_a_1ch_uint8", "keras_a_1ch_uint8"), ("keras_a_1ch_qdq", "keras_a_1ch_qdq"),
        ("keras_b_3ch_int8", "keras_b_3ch_int8"), ("keras_b_3ch_qdq", "keras_b_3ch_qdq"), ("keras_c_gaphead_int8", "keras_c_gaphead_int8"),
        ("keras_a_1ch_int8_labels", "keras_a_1ch_int8"), ("keras_a_1ch_int8_metadata", "keras_a_1ch_int8"),
        ("keras_mobilenet_int8", "keras_mobilenet_int8"),
    ]

    static func bytes(_ file: String, in dir: URL = dir) throws -> [UInt8] { Array(try Data(contentsOf: dir.appendingPathComponent(file))) }
}

/// One .npy array: shape and values in exactly one of the element kinds.
struct Npy {
    var shape: [Int]
    var int8: [Int8]?
    var uint8: [UInt8]?
    var float32: [Float]?

    static func read(_ url: URL) throws -> Npy {
        let d = Array(try Data(contentsOf: url))
        guard d.count > 10, d[0] == 0x93 else { throw NSError(domain: "npy", code: 1) }
        let hlen = Int(d[8]) | Int(d[9]) << 8
        let header = String(decoding: d[10..<(10 + hlen)], as: UTF8.self)
        let dims = header.components(separatedBy: "(")[1].components(separatedBy: ")")[0]
            .split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let body = Array(d[(10 + hlen)...]), n = dims.reduce(1, *)
        var a = Npy(shape: dims)
        if header.contains("'|i1'") { a.int8 = body.prefix(n).map { Int8(bitPattern: $0) } }
        else if header.contains("'|u1'") { a.uint8 = Array(body.prefix(n)) }
        else if header.contains("'<f4'") {
            a.float32 = (0..<n).map { i in Float(bitPattern: UInt32(body[4 * i]) | UInt32(body[4 * i + 1]) << 8 | UInt32(body[4 * i + 2]) << 16 | UInt32(body[4 * i + 3]) << 24) }
        } else { throw NSError(domain: "npy", code: 2, userInfo: [NSLocalizedDescriptionKey: "unsupported dtype in \(header)"]) }
        return a
    }
}

/// Images NHWC (the fixtures' layout) as a planar `LabeledImages` (the engine's input).
func planarSet(_ nhwc: [UInt8], count: Int, h: Int, w: Int, c: Int, classes: Int) -> LabeledImages {
    var px = [UInt8](repeating: 0, count: nhwc.count)
    for b in 0..<count { for i in 0..<(h * w) { for ch in 0..<c { px[b * h * w * c + ch * h * w + i] = nhwc[(b * h * w + i) * c + ch] } } }
    return LabeledImages(channels: c, height: h, width: w, pixels: px, labels: [Int](repeating: 0, count: count),
                         classNames: (0..<classes).map { "c\($0)" }, sources: [String](repeating: "", count: count))
}
