import XCTest
import EdgeCore
@testable import EdgeCorruptions

/// The nine seed-suite kinds must keep their outputs bit for bit (the audit's published
/// numbers depend on them); the expected hashes were computed with the code before the
/// suite grew (commit 8a56dd4).
final class SeedSuiteGoldenTests: XCTestCase {
    static let seedKinds: [Corruption] = [.gaussianNoise, .shotNoise, .impulseNoise, .saturation, .patchShuffle, .jpeg,
                                          .brightness, .contrast, .defocusBlur]

    /// FNV-1a over the Float bit patterns.
    static func fnv(_ v: [Float]) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for f in v { for s in stride(from: 0, to: 32, by: 8) { h = (h ^ UInt64((f.bitPattern >> UInt32(s)) & 0xff)) &* 0x100_0000_01b3 } }
        return h
    }

    static func image(_ c: Int, _ side: Int) -> [Float] {
        (0..<(c * side * side)).map { i in
            let y = (i / side) % side, x = i % side, ch = i / (side * side)
            return Float((y * 9 + x * 5 + ch * 60 + (x * y) % 23) % 256) / 255
        }
    }

    static func hashes() throws -> [String: UInt64] {
        var out: [String: UInt64] = [:]
        for (c, side) in [(1, 28), (3, 32)] {
            for k in seedKinds {
                for level in 1...k.parameters(side: side).count {
                    var g = Corruption.generator(seed: 7, corruption: k, level: level, index: 3)
                    let y = try k.apply(image(c, side), channels: c, height: side, width: side, level: level, rng: &g)
                    out["\(k.rawValue)/\(c)x\(side)/\(level)"] = fnv(y)
                }
            }
        }
        return out
    }

    static let expected: [String: UInt64] = [
        "brightness/1x28/1": 0x9c898b12fd9caf1b,
        "brightness/1x28/2": 0xd32673cd3d23b89b,
        "brightness/1x28/3": 0x85c68490d1855228,
        "brightness/1x28/4": 0xb1639e2bd1375463,
        "brightness/1x28/5": 0xadb45295c122237f,
        "brightness/3x32/1": 0x1322ed4d2f6c98a9,
        "brightness/3x32/2": 0x8274213908bbed59,
        "brightness/3x32/3": 0x619079f94e476842,
        "brightness/3x32/4": 0x3837dcbfb33d3faa,
        "brightness/3x32/5": 0xb6d6c3523e92e24e,
        "contrast/1x28/1": 0x3ea4082b1298f153,
        "contrast/1x28/2": 0x653ee976fc33993f,
        "contrast/1x28/3": 0x96662add8bbefc73,
        "contrast/1x28/4": 0xeb63bb49e8444708,
        "contrast/1x28/5": 0xdae544dee26cac16,
        "contrast/3x32/1": 0xede6cc99c7cb4d9d,
        "contrast/3x32/2": 0xf7a73ed0a79c34ce,
        "contrast/3x32/3": 0xc57568f89fefe529,
        "contrast/3x32/4": 0xb4780fa88bec6b5e,
        "contrast/3x32/5": 0xaf8a05a3f45fb26b,
        "defocus_blur/1x28/1": 0x8e9397226838e1e9,
        "defocus_blur/1x28/2": 0x9280426414635935,
        "defocus_blur/1x28/3": 0x2e5ac03791d9e57,
        "defocus_blur/1x28/4": 0x864b3ba3df023abd,
        "defocus_blur/1x28/5": 0x94994370c913adb4,
        "defocus_blur/3x32/1": 0x9722bcc687b22e90,
        "defocus_blur/3x32/2": 0x8c32111aa11a496d,
        "defocus_blur/3x32/3": 0x3d08bd5260b5cbd8,
        "defocus_blur/3x32/4": 0x2ad95b5fa6897781,
        "defocus_blur/3x32/5": 0x420ee47ecf34134e,
        "gaussian_noise/1x28/1": 0x6fa26568ae824636,
        "gaussian_noise/1x28/2": 0x1dc399324847c860,
        "gaussian_noise/1x28/3": 0xb3db2f6390466bab,
        "gaussian_noise/1x28/4": 0x44df79a79bbd055d,
        "gaussian_noise/1x28/5": 0x8bb540a0e71da917,
        "gaussian_noise/3x32/1": 0xd2884f38b22d5d4,
        "gaussian_noise/3x32/2": 0x673d91c57bb67a8,
        "gaussian_noise/3x32/3": 0x8ee975a0a59c9e90,
        "gaussian_noise/3x32/4": 0x9bba2842dbed2572,
        "gaussian_noise/3x32/5": 0x834a2c7965c3d1fb,
        "impulse_noise/1x28/1": 0x1ce8befc7a7e9c03,
        "impulse_noise/1x28/2": 0x480a6c67c4029a6f,
        "impulse_noise/1x28/3": 0x866a3f3e6351b69e,
        "impulse_noise/1x28/4": 0xd3b75bda4980dbff,
        "impulse_noise/1x28/5": 0x2b4f08c01324a1d9,
        "impulse_noise/3x32/1": 0xb9f0098d0f55a4db,
        "impulse_noise/3x32/2": 0xe07967fa7af61762,
        "impulse_noise/3x32/3": 0xb95ebdcd654a3bd0,
        "impulse_noise/3x32/4": 0x979e145c56361d02,
        "impulse_noise/3x32/5": 0x7c54e435a26007d0,
        "jpeg/1x28/1": 0xf2831e20218eb1d6,
        "jpeg/1x28/2": 0x3d52c81e39e1a4c5,
        "jpeg/1x28/3": 0xe6014a6f75ef4346,
        "jpeg/1x28/4": 0x403693932e2083d,
        "jpeg/1x28/5": 0xcbcb6843c2d47a10,
        "jpeg/3x32/1": 0x68b144a90f30e3f,
        "jpeg/3x32/2": 0x2a7f24cb66db5eb1,
        "jpeg/3x32/3": 0xe03b9b33abac200b,
        "jpeg/3x32/4": 0x4ac7f142b056792d,
        "jpeg/3x32/5": 0x66202fd9975892ae,
        "patch_shuffle/1x28/1": 0x3030fb64cb733c97,
        "patch_shuffle/1x28/2": 0x999eeb3970109d2f,
        "patch_shuffle/1x28/3": 0xea88946a697a92a7,
        "patch_shuffle/3x32/1": 0x48d0d6a71dbf3691,
        "patch_shuffle/3x32/2": 0x95230b93ab4fc321,
        "patch_shuffle/3x32/3": 0x30ece60540d03c2d,
        "saturation/1x28/1": 0x4f56308eb06bd321,
        "saturation/1x28/2": 0xa0681e3f0e566c70,
        "saturation/1x28/3": 0x2e77886a5ba947f1,
        "saturation/1x28/4": 0xe92597328e433435,
        "saturation/3x32/1": 0x4b66e3a7f47ad610,
        "saturation/3x32/2": 0x13d72f87462b0119,
        "saturation/3x32/3": 0x76b820f46b77576,
        "saturation/3x32/4": 0xf9173c86bab3f94a,
        "shot_noise/1x28/1": 0x5da335c33d9b1bc8,
        "shot_noise/1x28/2": 0x18c7cf07cfc60848,
        "shot_noise/1x28/3": 0x14a0539453115edc,
        "shot_noise/1x28/4": 0xd6e089c37fbf8869,
        "shot_noise/1x28/5": 0x9598f07a0519531,
        "shot_noise/3x32/1": 0x45481173f62a0d51,
        "shot_noise/3x32/2": 0x85e46b0f373a922,
        "shot_noise/3x32/3": 0x18433b689ec67d75,
        "shot_noise/3x32/4": 0x5bcf3f5338a69d0d,
        "shot_noise/3x32/5": 0xb93306521d3eb44d
    ]

    func testSeedKindsAreBitIdenticalToBeforeTheSuiteGrew() throws {
        let h = try Self.hashes()
        XCTAssertEqual(h.count, Self.expected.count)
        for (k, v) in Self.expected.sorted(by: { $0.key < $1.key }) {
            XCTAssertEqual(h[k], v, "\(k) changed: 0x\(String(h[k] ?? 0, radix: 16))")
        }
    }
}
