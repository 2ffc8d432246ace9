// A bounded FlatBuffers reader: no flatbuffers package exists here, and the generated
// accessors of the official one trust the buffer unless a separate verifier ran first. This
// one checks every read where it happens, so there is no unverified path.
//
// Layout reminders (flatbuffers.dev "internals"): a uoffset (u32) at position p points
// forward to p + value; a table starts with an soffset (i32) s, its vtable sits at
// table − s; a vtable is [u16 vtable bytes, u16 table inline bytes, u16 field offset…],
// field offset 0 meaning "absent, use the default"; a vector is a u32 count followed by the
// elements; a string is a vector of bytes followed by a zero byte.
//
// Every check has the form `off >= 0 && off <= size && len <= size - off` in Int (64-bit),
// never `off + len <= size`. Reading follows the schema's fixed depth, so nothing recurses
// on a depth the file chooses; self-references (uoffset 0) are refused, and cycles through
// other offsets cannot loop because no accessor follows offsets on its own.

/// Bounds-checked access to one FlatBuffer, with a budget on how many elements the caller
/// may copy out in total (so many vectors sharing one large payload cannot multiply memory).
public final class FlatBufferReader {
    /// The whole file.
    public let bytes: [UInt8]
    /// File name used in errors.
    public let path: String
    /// Elements the caller may still materialise (charged by `charge`).
    public private(set) var budget: Int

    /// A reader over `bytes`; the copy budget is four elements per file byte plus 64 Ki.
    public init(_ bytes: [UInt8], path: String) {
        self.bytes = bytes
        self.path = path
        self.budget = 4 * bytes.count + (1 << 16)
    }

    /// Buffer size in bytes.
    public var size: Int { bytes.count }

    /// An error of `rule` at `location`, byte `offset`.
    public func fail(_ rule: ImportError.Rule, _ location: String, _ offset: Int, _ reason: String) -> ImportError {
        ImportError(rule, path: path, location: location, offset: offset, reason)
    }

    /// Throws unless `[off, off + len)` lies inside the buffer.
    public func check(_ off: Int, _ len: Int, _ rule: ImportError.Rule, _ location: String) throws {
        guard off >= 0, len >= 0, off <= size, len <= size - off else {
            throw fail(rule, location, max(off, 0), "\(len) bytes at \(off) run past the end (\(size) bytes)")
        }
    }

    /// Takes `n` elements from the copy budget, or throws `limitExceeded`.
    public func charge(_ n: Int, _ location: String, at offset: Int) throws {
        guard n >= 0, n <= budget else {
            throw fail(.limitExceeded, location, offset,
                "copying \(n) more elements exceeds the budget for a file of \(size) bytes")
        }
        budget -= n
    }

    // MARK: - Scalars (callers have checked the range)

    func u8(_ o: Int) -> UInt8 { bytes[o] }
    func u16(_ o: Int) -> UInt16 { UInt16(bytes[o]) | UInt16(bytes[o + 1]) << 8 }
    func u32(_ o: Int) -> UInt32 {
        UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3]) << 24
    }
    func u64(_ o: Int) -> UInt64 { UInt64(u32(o)) | UInt64(u32(o + 4)) << 32 }

    // MARK: - Offsets and tables

    /// Follows the uoffset stored at `at` (which must be in bounds): returns its target.
    func follow(_ at: Int, _ location: String) throws -> Int {
        try check(at, 4, .offsetOutOfBounds, location)
        let v = Int(u32(at))
        guard v != 0 else { throw fail(.selfReference, location, at, "uoffset 0 points at itself") }
        let target = at + v  // at < 2^63 and v < 2^32: cannot overflow Int
        try check(target, 0, .offsetOutOfBounds, location)
        return target
    }

    /// The root table, after checking the 4-byte file identifier when one is given.
    public func root(identifier: [UInt8]?, location: String) throws -> FlatTable {
        try check(0, 8, .badIdentifier, location)
        if let id = identifier {
            guard Array(bytes[4..<8]) == id else {
                throw fail(.badIdentifier, location, 4, "file identifier is not \(String(decoding: id, as: UTF8.self))")
            }
        }
        return try table(at: try follow(0, location), location)
    }

    /// The table starting at `position`, with its vtable validated.
    public func table(at position: Int, _ location: String) throws -> FlatTable {
        try check(position, 4, .offsetOutOfBounds, location)
        let soff = Int(Int32(bitPattern: u32(position)))
        let vt = position - soff  // |soff| < 2^31: no overflow in 64-bit Int
        try check(vt, 4, .badVTable, location + " (vtable)")
        let vtSize = Int(u16(vt)), tableSize = Int(u16(vt + 2))
        guard vtSize >= 4, vtSize % 2 == 0 else {
            throw fail(.badVTable, location, vt, "vtable size \(vtSize) is not an even number ≥ 4")
        }
        try check(vt, vtSize, .badVTable, location + " (vtable)")
        guard tableSize >= 4 else { throw fail(.badVTable, location, vt + 2, "table size \(tableSize) < 4") }
        try check(position, tableSize, .badVTable, location + " (table)")
        return FlatTable(reader: self, position: position, vtable: vt, vtableSize: vtSize, tableSize: tableSize,
                         location: location)
    }
}

/// One table: fields are read by slot number (the field's index in the schema, counting a
/// union as two fields: its type byte then its value).
public struct FlatTable {
    /// The reader that owns the bytes.
    public let reader: FlatBufferReader
    /// Byte position of the table (its soffset).
    public let position: Int
    /// Byte position of its vtable.
    public let vtable: Int
    /// Bytes in the vtable.
    public let vtableSize: Int
    /// Bytes in the table's inline part.
    public let tableSize: Int
    /// Schema path, for errors.
    public let location: String

    /// Absolute position of field `slot` holding `width` bytes, or nil when it is absent.
    public func field(_ slot: Int, width: Int, _ name: String) throws -> Int? {
        let entry = 4 + 2 * slot
        guard entry + 2 <= vtableSize else { return nil }  // vtables may be shorter than the schema
        let fo = Int(reader.u16(vtable + entry))
        if fo == 0 { return nil }
        guard fo >= 4, width <= tableSize, fo <= tableSize - width else {
            throw reader.fail(.badVTable, "\(location).\(name)", vtable + entry,
                              "field offset \(fo) (+\(width) bytes) outside the table's \(tableSize) bytes")
        }
        return position + fo
    }

    /// An unsigned byte field, or `def` when absent.
    public func u8(_ slot: Int, _ name: String, default def: UInt8 = 0) throws -> UInt8 {
        guard let p = try field(slot, width: 1, name) else { return def }
        return reader.u8(p)
    }
    /// A signed byte field (TFLite enums such as TensorType).
    public func i8(_ slot: Int, _ name: String, default def: Int8 = 0) throws -> Int8 {
        Int8(bitPattern: try u8(slot, name, default: UInt8(bitPattern: def)))
    }
    /// A boolean field.
    public func bool(_ slot: Int, _ name: String, default def: Bool = false) throws -> Bool {
        try u8(slot, name, default: def ? 1 : 0) != 0
    }
    /// A 32-bit signed field.
    public func i32(_ slot: Int, _ name: String, default def: Int32 = 0) throws -> Int32 {
        guard let p = try field(slot, width: 4, name) else { return def }
        return Int32(bitPattern: reader.u32(p))
    }
    /// A 32-bit unsigned field.
    public func u32(_ slot: Int, _ name: String, default def: UInt32 = 0) throws -> UInt32 {
        guard let p = try field(slot, width: 4, name) else { return def }
        return reader.u32(p)
    }
    /// A 64-bit unsigned field.
    public func u64(_ slot: Int, _ name: String, default def: UInt64 = 0) throws -> UInt64 {
        guard let p = try field(slot, width: 8, name) else { return def }
        return reader.u64(p)
    }
    /// A binary32 field.
    public func f32(_ slot: Int, _ name: String, default def: Float = 0) throws -> Float {
        guard let p = try field(slot, width: 4, name) else { return def }
        return Float(bitPattern: reader.u32(p))
    }

    /// The sub-table referenced by field `slot`, or nil when absent.
    public func table(_ slot: Int, _ name: String) throws -> FlatTable? {
        guard let p = try field(slot, width: 4, name) else { return nil }
        let loc = "\(location).\(name)"
        return try reader.table(at: try reader.follow(p, loc), loc)
    }

    /// The vector referenced by field `slot` (elements of `elementSize` bytes, at most
    /// `maxCount` of them), or nil when absent.
    public func vector(_ slot: Int, _ name: String, elementSize: Int, maxCount: Int) throws -> FlatVector? {
        guard let p = try field(slot, width: 4, name) else { return nil }
        let loc = "\(location).\(name)"
        let start = try reader.follow(p, loc)
        try reader.check(start, 4, .vectorOutOfBounds, loc)
        let count = Int(reader.u32(start))
        guard count <= maxCount else {
            throw reader.fail(.limitExceeded, loc, start, "vector of \(count) elements exceeds the cap \(maxCount)")
        }
        // count < 2^32 and elementSize ≤ 8: the product fits in 64 bits.
        try reader.check(start + 4, count * elementSize, .vectorOutOfBounds, loc)
        return FlatVector(reader: reader, start: start + 4, count: count, elementSize: elementSize, location: loc)
    }

    /// The string referenced by field `slot`, or nil when absent.
    public func string(_ slot: Int, _ name: String) throws -> String? {
        guard let v = try vector(slot, name, elementSize: 1, maxCount: ImportLimits.maxStringBytes) else { return nil }
        return try v.asString()
    }
}

/// A vector inside the buffer, its whole extent already checked.
public struct FlatVector {
    /// The reader that owns the bytes.
    public let reader: FlatBufferReader
    /// Byte position of element 0.
    public let start: Int
    /// Number of elements.
    public let count: Int
    /// Bytes per element (4 for offsets to tables or strings).
    public let elementSize: Int
    /// Schema path, for errors.
    public let location: String

    /// Element `i` as a signed 32-bit value (i < count).
    public func i32(_ i: Int) -> Int32 { Int32(bitPattern: reader.u32(start + 4 * i)) }
    /// Element `i` as a signed 64-bit value (i < count, elementSize 8).
    public func i64(_ i: Int) -> Int64 { Int64(bitPattern: reader.u64(start + 8 * i)) }
    /// Element `i` as binary32 (i < count).
    public func f32(_ i: Int) -> Float { Float(bitPattern: reader.u32(start + 4 * i)) }

    /// The table that element `i` (a uoffset) points to.
    public func table(_ i: Int) throws -> FlatTable {
        let loc = "\(location)[\(i)]"
        return try reader.table(at: try reader.follow(start + 4 * i, loc), loc)
    }

    /// Element `i` as a string (an offset to a string).
    public func string(_ i: Int) throws -> String {
        let loc = "\(location)[\(i)]"
        let s = try reader.follow(start + 4 * i, loc)
        try reader.check(s, 4, .vectorOutOfBounds, loc)
        let n = Int(reader.u32(s))
        guard n <= ImportLimits.maxStringBytes else {
            throw reader.fail(.limitExceeded, loc, s, "string of \(n) bytes exceeds the cap")
        }
        try reader.check(s + 4, n, .vectorOutOfBounds, loc)
        return try FlatVector(reader: reader, start: s + 4, count: n, elementSize: 1, location: loc).asString()
    }

    /// All elements as Int32, charged to the copy budget.
    public func int32s() throws -> [Int32] {
        try reader.charge(count, location, at: start)
        return (0..<count).map { i32($0) }
    }
    /// All elements as Int64 (8-byte vectors), charged to the copy budget.
    public func int64s() throws -> [Int64] {
        try reader.charge(count, location, at: start)
        return (0..<count).map { i64($0) }
    }
    /// All elements as Float, charged to the copy budget.
    public func floats() throws -> [Float] {
        try reader.charge(count, location, at: start)
        return (0..<count).map { f32($0) }
    }
    /// The raw bytes (1-byte vectors), charged to the copy budget.
    public func rawBytes() throws -> ArraySlice<UInt8> {
        try reader.charge(count, location, at: start)
        return reader.bytes[start..<(start + count * elementSize)]
    }

    /// The bytes as a string: needs the terminating zero after them and valid UTF-8.
    func asString() throws -> String {
        let end = start + count
        guard end < reader.size, reader.bytes[end] == 0 else {
            throw reader.fail(.badString, location, end, "string of \(count) bytes is not zero-terminated")
        }
        try reader.charge(count, location, at: start)
        guard let s = String(validating: reader.bytes[start..<end], as: UTF8.self) else {
            throw reader.fail(.badString, location, start, "string is not UTF-8")
        }
        return s
    }
}
