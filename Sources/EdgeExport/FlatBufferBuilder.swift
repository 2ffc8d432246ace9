// The write side of FlatBuffers (flatbuffers.dev "internals"), the counterpart of EdgeImport's
// bounded FlatBufferReader: no flatbuffers package exists here. Like the official builder it
// writes back to front, so every offset points forward. Bytes are appended to `reversed`
// (the finished buffer read backwards): prepending to the result is appending here, and a
// position is measured as "bytes from the end". No vtable sharing, no dictionary: the same
// calls always give the same bytes.

/// A position in the buffer under construction, counted from its end (what the official
/// builder calls an `Offset`).
public struct FlatOffset: Equatable, Sendable {
    /// Bytes from the end of the finished buffer to the object's first byte.
    public let fromEnd: Int
}

/// Builds one FlatBuffer back to front.
public struct FlatBufferBuilder {
    /// The bytes written so far, last byte of the buffer first.
    private var reversed: [UInt8] = []
    /// The largest alignment requested (the finished buffer's size is a multiple of it).
    private var minAlign = 1
    /// Fields of the open table: (slot, position from the end).
    private var fields: [(slot: Int, at: Int)] = []
    /// Size when the open table started (nil when none is open).
    private var tableStart: Int?

    /// An empty builder.
    public init() {}

    /// Bytes written so far.
    public var size: Int { reversed.count }

    // MARK: - Raw writes

    /// Pads with zeros so that after `additional` more bytes the size is a multiple of `alignment` (a power of 2).
    public mutating func align(_ alignment: Int, additional: Int = 0) {
        minAlign = max(minAlign, alignment)
        let pad = (alignment - ((size + additional) & (alignment - 1))) & (alignment - 1)
        reversed.append(contentsOf: repeatElement(0, count: pad))
    }

    /// Prepends the little-endian bytes of `v` (`width` bytes), unaligned.
    private mutating func put(_ v: UInt64, width: Int) {
        for i in stride(from: width - 1, through: 0, by: -1) { reversed.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) }
    }

    /// Prepends a scalar aligned to its width.
    private mutating func scalar(_ v: UInt64, width: Int) {
        align(width)
        put(v, width: width)
    }

    /// Prepends a uoffset to `target` (aligned to 4).
    private mutating func offset(to target: FlatOffset) {
        align(4)
        put(UInt64(UInt32(size + 4 - target.fromEnd)), width: 4)
    }

    // MARK: - Vectors and strings

    /// A vector of `count` elements of `width` bytes, each element's bytes given by `element(i)`
    /// as a little-endian integer; the data is aligned to max(width, `alignment`).
    public mutating func vector(count: Int, width: Int, alignment: Int = 1, _ element: (Int) -> UInt64) -> FlatOffset {
        align(4, additional: count * width)
        align(max(width, alignment), additional: count * width)
        for i in stride(from: count - 1, through: 0, by: -1) { put(element(i), width: width) }
        put(UInt64(UInt32(count)), width: 4)
        return FlatOffset(fromEnd: size)
    }

    /// A vector of int32 values.
    public mutating func vector(_ v: [Int32]) -> FlatOffset { vector(count: v.count, width: 4) { UInt64(UInt32(bitPattern: v[$0])) } }
    /// A vector of int64 values.
    public mutating func vector(_ v: [Int64]) -> FlatOffset { vector(count: v.count, width: 8) { UInt64(bitPattern: v[$0]) } }
    /// A vector of binary32 values.
    public mutating func vector(_ v: [Float]) -> FlatOffset { vector(count: v.count, width: 4) { UInt64(v[$0].bitPattern) } }
    /// A vector of bytes, its data aligned to `alignment` (TFLite asks 16 for buffers).
    public mutating func vector(bytes v: [UInt8], alignment: Int = 1) -> FlatOffset {
        vector(count: v.count, width: 1, alignment: alignment) { UInt64(v[$0]) }
    }

    /// A vector of offsets to tables (or strings) already written.
    public mutating func vector(offsets v: [FlatOffset]) -> FlatOffset {
        align(4, additional: 4 * v.count)
        for o in v.reversed() { offset(to: o) }
        put(UInt64(UInt32(v.count)), width: 4)
        return FlatOffset(fromEnd: size)
    }

    /// A UTF-8 string with its terminating zero.
    public mutating func string(_ s: String) -> FlatOffset {
        let b = Array(s.utf8)
        align(4, additional: b.count + 1)
        reversed.append(0)
        for c in b.reversed() { reversed.append(c) }
        put(UInt64(UInt32(b.count)), width: 4)
        return FlatOffset(fromEnd: size)
    }

    // MARK: - Tables

    /// Opens a table; add its fields, then `endTable`. Vectors, strings and sub-tables it
    /// refers to must be written before.
    public mutating func startTable() {
        precondition(tableStart == nil, "FlatBufferBuilder: nested startTable")
        fields = []
        tableStart = size
    }

    /// Adds a scalar field of `width` bytes (1, 2, 4 or 8) in `slot`.
    public mutating func add(_ slot: Int, _ v: UInt64, width: Int) {
        scalar(v, width: width)
        fields.append((slot, size))
    }

    /// Adds an int8 field.
    public mutating func add(_ slot: Int, int8 v: Int8) { add(slot, UInt64(UInt8(bitPattern: v)), width: 1) }
    /// Adds a uint8 (or bool) field.
    public mutating func add(_ slot: Int, uint8 v: UInt8) { add(slot, UInt64(v), width: 1) }
    /// Adds an int32 field.
    public mutating func add(_ slot: Int, int32 v: Int32) { add(slot, UInt64(UInt32(bitPattern: v)), width: 4) }
    /// Adds a uint32 field.
    public mutating func add(_ slot: Int, uint32 v: UInt32) { add(slot, UInt64(v), width: 4) }

    /// Adds a field referring to an object already written.
    public mutating func add(_ slot: Int, offset target: FlatOffset) {
        offset(to: target)
        fields.append((slot, size))
    }

    /// Closes the open table: writes its soffset and its vtable (just before it).
    public mutating func endTable() -> FlatOffset {
        guard let start = tableStart else { preconditionFailure("FlatBufferBuilder: endTable without startTable") }
        align(4)
        put(0, width: 4)  // soffset placeholder, patched below
        let table = size
        let slots = (fields.map(\.slot).max() ?? -1) + 1
        var entries = [UInt16](repeating: 0, count: slots)
        for f in fields { entries[f.slot] = UInt16(table - f.at) }
        let vtableBytes = 4 + 2 * slots
        // vtable: [u16 vtable bytes, u16 table inline bytes, u16 field offsets…], prepended last first.
        for e in entries.reversed() { put(UInt64(e), width: 2) }
        put(UInt64(table - start), width: 2)
        put(UInt64(vtableBytes), width: 2)
        let vtable = size
        // The table's soffset: table − vtable in the finished buffer = vtable − table here.
        let s = UInt32(bitPattern: Int32(vtable - table))
        for i in 0..<4 { reversed[table - 1 - i] = UInt8(truncatingIfNeeded: s >> (8 * UInt32(i))) }
        tableStart = nil
        fields = []
        return FlatOffset(fromEnd: table)
    }

    // MARK: - Finish

    /// The finished buffer: root uoffset, the 4-byte file identifier, then the objects.
    public mutating func finish(root: FlatOffset, identifier: [UInt8]) -> [UInt8] {
        precondition(identifier.count == 4, "FlatBufferBuilder: identifier must be 4 bytes")
        align(max(minAlign, 4), additional: 8)
        for c in identifier.reversed() { reversed.append(c) }
        offset(to: root)
        return reversed.reversed()
    }
}
