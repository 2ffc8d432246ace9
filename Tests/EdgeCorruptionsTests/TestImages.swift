import Foundation
import EdgeCore
import EdgeData
@testable import EdgeCorruptions

/// Images the corruption tests share: real Fashion-MNIST pictures from calibration/ and
/// small synthetic ones whose expected outputs can be worked out by hand.
enum TestImages {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A few Fashion-MNIST test images (planar grey 28×28 in [0, 1]), one per class folder.
    static func fashion(_ n: Int = 6) throws -> [[Float]] {
        let dir = root.appendingPathComponent("calibration/fashion-mnist")
        let classes = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted().prefix(n)
        return try classes.map { cls in
            let folder = dir.appendingPathComponent(cls)
            let file = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().first!
            let bytes = [UInt8](try Data(contentsOf: folder.appendingPathComponent(file)))
            return try ImageCodec.decode(bytes, path: file).converted(toChannels: 1).planarFloats()
        }
    }

    /// An RGB 32×32 picture: a tinted disc on a gradient (planar [3, 32, 32]).
    static func rgb32() -> [Float] {
        var out = [Float](repeating: 0, count: 3 * 32 * 32)
        for y in 0..<32 { for x in 0..<32 {
            let inside = (x - 16) * (x - 16) + (y - 14) * (y - 14) < 81
            for ch in 0..<3 {
                let base = Float(x + y) / 124 + Float(ch) * 0.1
                out[(ch * 32 + y) * 32 + x] = inside ? [0.9, 0.5, 0.2][ch] : base
            }
        } }
        return out.map { (($0 * 255).rounded()) / 255 }
    }

    /// A constant image.
    static func flat(_ v: Float, c: Int = 1, side: Int = 28) -> [Float] { [Float](repeating: v, count: c * side * side) }

    static func planes(_ x: [Float], c: Int = 1, side: Int = 28) -> Planes { Planes(x, c: c, h: side, w: side) }

    static func meanAbsDiff(_ a: [Float], _ b: [Float]) -> Double {
        zip(a, b).reduce(0.0) { $0 + Double(abs($1.0 - $1.1)) } / Double(a.count)
    }
}
