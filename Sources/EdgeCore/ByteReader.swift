// Also compiled into the board runner (Device/edge-run, Embedded Swift; scripts/build-device.sh):
// keep this file free of Foundation and of untyped `throws`.

/// A bounds-checked little-endian cursor over untrusted bytes. Every read checks
/// `length <= count - offset` (never `offset + length <= count`, which can wrap) and throws
/// `EdgeError.badModel` naming the file, the section and the offset.
public struct ByteReader {
    /// The bytes being read.
    public let bytes: [UInt8]
    /// Next byte to read.
    public private(set) var offset: Int
    /// File name used in errors.
    public let path: String
    /// Section name used in errors; callers update it as they move through the file.
    public var section: String
    /// Absolute offset of `bytes[0]` in the file, so errors report file offsets.
    public let base: Int
    /// How many leading bytes count as the input (≤ bytes.count): lets callers treat a
    /// prefix of a buffer as the whole file without copying it.
    public let count: Int

    /// A reader over the first `count` (default: all) of `bytes`, reporting errors against `path`/`section`.
    public init(_ bytes: [UInt8], path: String, section: String, base: Int = 0, count: Int? = nil) {
        self.bytes = bytes
        self.offset = 0
        self.path = path
        self.section = section
        self.base = base
        self.count = min(max(count ?? bytes.count, 0), bytes.count)
    }

    /// Bytes not yet read.
    public var remaining: Int { count - offset }

    /// An error at the current position.
    public func fail(_ reason: String) -> EdgeError {
        .badModel(path: path, section: section, offset: base + offset, reason: reason)
    }

    /// Consumes `n` bytes, or throws when fewer remain.
    public mutating func take(_ n: Int, what: String) throws(EdgeError) -> ArraySlice<UInt8> {
        guard n >= 0, n <= remaining else {
            throw fail("\(what) needs \(n) bytes, only \(remaining) remain")
        }
        defer { offset += n }
        return bytes[offset..<(offset + n)]
    }

    /// Little-endian unsigned integer of `T.bitWidth / 8` bytes.
    public mutating func uint<T: FixedWidthInteger & UnsignedInteger>(_: T.Type, _ what: String) throws(EdgeError) -> T {
        let s = try take(T.bitWidth / 8, what: what)
        var v: T = 0
        for (i, b) in s.enumerated() { v |= T(b) << (8 * i) }
        return v
    }

    /// Little-endian UInt32.
    public mutating func u32(_ what: String) throws(EdgeError) -> UInt32 { try uint(UInt32.self, what) }
    /// Little-endian UInt64.
    public mutating func u64(_ what: String) throws(EdgeError) -> UInt64 { try uint(UInt64.self, what) }
    /// Little-endian Int32.
    public mutating func i32(_ what: String) throws(EdgeError) -> Int32 { Int32(bitPattern: try u32(what)) }
    /// A single byte.
    public mutating func u8(_ what: String) throws(EdgeError) -> UInt8 { try take(1, what: what).first ?? 0 }

    /// A u32 used as a count or dimension, checked against `limit`.
    public mutating func count(_ what: String, max limit: Int) throws(EdgeError) -> Int {
        let at = offset
        let v = try u32(what)
        guard Int(v) <= limit else {
            throw EdgeError.badModel(path: path, section: section, offset: base + at,
                                     reason: "\(what) = \(v) exceeds the limit \(limit)")
        }
        return Int(v)
    }

    /// IEEE-754 binary32, little-endian.
    public mutating func f32(_ what: String) throws(EdgeError) -> Float { Float(bitPattern: try u32(what)) }
    /// IEEE-754 binary64, little-endian.
    public mutating func f64(_ what: String) throws(EdgeError) -> Double { Double(bitPattern: try u64(what)) }

    /// A u32 length followed by that many UTF-8 bytes.
    public mutating func string(_ what: String, max limit: Int = 1 << 16) throws(EdgeError) -> String {
        let n = try count("\(what) length", max: limit)
        let s = try take(n, what: what)
        guard let str = String(validating: s, as: UTF8.self) else { throw fail("\(what) is not valid UTF-8") }
        return str
    }

    /// `n` little-endian floats; `n` is checked against the remaining bytes before allocating.
    public mutating func floats(_ n: Int, _ what: String) throws(EdgeError) -> [Float] {
        guard n >= 0, n <= remaining / 4 else { throw fail("\(what) needs \(n) floats, only \(remaining) bytes remain") }
        var out = [Float](repeating: 0, count: n)
        let start = offset
        bytes.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in
                // Bytes are little-endian; so is every host edge-audit targets (x86-64, AArch64).
                dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[start..<(start + 4 * n)]))
            }
        }
        #if _endian(big)
        for i in 0..<n { out[i] = Float(bitPattern: UInt32(littleEndian: out[i].bitPattern)) }
        #endif
        offset += 4 * n
        return out
    }
}

/// Appends little-endian values to a byte buffer; the writer twin of `ByteReader`.
public struct ByteWriter {
    /// Bytes written so far.
    public private(set) var bytes: [UInt8] = []

    /// An empty writer.
    public init() {}

    /// Appends the low `T.bitWidth / 8` bytes of `v`, least significant first.
    public mutating func uint<T: FixedWidthInteger & UnsignedInteger>(_ v: T) {
        for i in 0..<(T.bitWidth / 8) { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * i))) }
    }
    /// Little-endian UInt32.
    public mutating func u32(_ v: UInt32) { uint(v) }
    /// Little-endian UInt64.
    public mutating func u64(_ v: UInt64) { uint(v) }
    /// Little-endian Int32.
    public mutating func i32(_ v: Int32) { uint(UInt32(bitPattern: v)) }
    /// One byte.
    public mutating func u8(_ v: UInt8) { bytes.append(v) }
    /// IEEE-754 binary32.
    public mutating func f32(_ v: Float) { uint(v.bitPattern) }
    /// IEEE-754 binary64.
    public mutating func f64(_ v: Double) { uint(v.bitPattern) }
    /// u32 length + UTF-8 bytes.
    public mutating func string(_ s: String) {
        let u = Array(s.utf8)
        u32(UInt32(u.count))
        bytes.append(contentsOf: u)
    }
    /// Floats, each little-endian.
    public mutating func floats(_ v: [Float]) {
        bytes.reserveCapacity(bytes.count + 4 * v.count)
        for x in v { f32(x) }
    }
    /// Raw bytes.
    public mutating func raw<C: Collection>(_ b: C) where C.Element == UInt8 { bytes.append(contentsOf: b) }
}
