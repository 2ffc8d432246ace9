import EdgeCore

/// One tile of the report's corruption grid.
public struct GalleryTile: Sendable {
    /// The corruption shown.
    public let corruption: Corruption
    /// Its level, 1-based.
    public let level: Int
    /// The corrupted image, planar [C, H, W], on the uint8 grid (k/255) like the audit's sets.
    public let pixels: [Float]
}

extension Corruption {
    /// Every kind in `kinds` at every level applied to one planar image [C, H, W] in [0, 1],
    /// kind-major then level, each with the generator the audit uses for image `index`
    /// under `seed`, so a tile is exactly what the audit classified. Kinds whose levels do
    /// not fit the image (patch shuffle on a side without divisors) contribute no tiles.
    public static func gallery(image: [Float], channels: Int, height: Int, width: Int, seed: UInt64, index: Int = 0,
                               kinds: [Corruption] = Corruption.allCases) throws -> [GalleryTile] {
        var tiles: [GalleryTile] = []
        for c in kinds {
            let levels = c.parameters(side: min(height, width)).count
            for level in stride(from: 1, through: levels, by: 1) {
                var g = generator(seed: seed, corruption: c, level: level, index: index)
                let y = try c.apply(image, channels: channels, height: height, width: width, level: level, rng: &g)
                let grid = y.map { Float(UInt8((min(max($0, 0), 1) * 255).rounded())) * (1 / 255) }
                tiles.append(GalleryTile(corruption: c, level: level, pixels: grid))
            }
        }
        return tiles
    }
}
