import EdgeCore

extension LabeledImages {
    /// SHA-256 of the set as the tools see it, recorded in model provenance so a recipe
    /// names its data exactly: u32 C, H, W and count, u32 class count and each class name
    /// (u32 length, UTF-8), every label as u32, then all pixels (planar, in load order).
    /// File paths are left out: the same images elsewhere are the same data.
    public var contentSHA256: String {
        var w = ByteWriter()
        for v in [channels, height, width, count, classNames.count] { w.u32(UInt32(truncatingIfNeeded: v)) }
        for n in classNames { w.string(n) }
        for l in labels { w.u32(UInt32(truncatingIfNeeded: l)) }
        w.raw(pixels)
        return SHA256.hex(w.bytes)
    }
}
