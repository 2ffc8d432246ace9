// Also compiled into the board runner (Device/edge-run, Embedded Swift; scripts/build-device.sh):
// keep this file free of Foundation and of untyped `throws`.

/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as used by zlib, PNG and model.bin.
public enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { i -> UInt32 in
        var c = UInt32(i)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    /// Checksum of `bytes`; `checksum("123456789".utf8) == 0xCBF43926`.
    public static func checksum<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        if let fast = bytes.withContiguousStorageIfAvailable({ checksum(UnsafeRawBufferPointer($0)) }) { return fast }
        var c: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { t in
            for b in bytes { c = t[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        }
        return c ^ 0xFFFF_FFFF
    }

    /// Checksum of raw bytes (the fast path: a pointer loop, no generic iteration).
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { t in
            guard let base = t.baseAddress, let p = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
            var i = 0
            let n = bytes.count
            while i < n {
                c = base[Int((c ^ UInt32(p[i])) & 0xFF)] ^ (c >> 8)
                i &+= 1
            }
        }
        return c ^ 0xFFFF_FFFF
    }
}
