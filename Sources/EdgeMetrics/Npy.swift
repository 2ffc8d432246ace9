import EdgeCore

/// A numpy .npy array (format versions 1–3, C order, little-endian): float32/float64
/// values or int32/int64 labels, so estimators can read activations from any framework.
public struct NpyArray: Sendable {
    /// Dimensions.
    public var shape: [Int]
    /// Values as Double (exact for every supported dtype within ±2^53).
    public var values: [Double]

    /// Parses .npy bytes; every size is checked against the file before allocating.
    public static func parse(_ b: [UInt8], path: String) throws -> NpyArray {
        func bad(_ r: String) -> EdgeError { .badData(path: path, reason: "not a readable .npy file: \(r)") }
        guard b.count >= 10, Array(b[0..<6]) == [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59] else { throw bad("bad magic") }
        let major = b[6]
        let headerLen: Int, start: Int
        if major == 1 {
            headerLen = Int(b[8]) | Int(b[9]) << 8
            start = 10
        } else if major == 2 || major == 3 {
            guard b.count >= 12 else { throw bad("truncated header") }
            headerLen = Int(b[8]) | Int(b[9]) << 8 | Int(b[10]) << 16 | Int(b[11]) << 24
            start = 12
        } else {
            throw bad("unsupported version \(major)")
        }
        guard headerLen <= b.count - start else { throw bad("header longer than the file") }
        let header = String(decoding: b[start..<(start + headerLen)], as: UTF8.self)
        func field(_ name: String) -> String? {
            guard let r = header.range(of: "'\(name)':") else { return nil }
            return String(header[r.upperBound...]).trimmingCharacters(in: .whitespaces)
        }
        guard let descrField = field("descr"), let q1 = descrField.firstIndex(of: "'") else { throw bad("no descr") }
        let rest = descrField[descrField.index(after: q1)...]
        guard let q2 = rest.firstIndex(of: "'") else { throw bad("bad descr") }
        let descr = String(rest[..<q2])
        guard let fo = field("fortran_order"), fo.hasPrefix("False") else { throw bad("only C order is supported") }
        guard let sh = field("shape"), let open = sh.firstIndex(of: "("), let close = sh.firstIndex(of: ")") else { throw bad("no shape") }
        let dims = try sh[sh.index(after: open)..<close].split(separator: ",").map { s -> Int in
            guard let v = Int(s.trimmingCharacters(in: .whitespaces)), v >= 0 else { throw bad("bad dimension '\(s)'") }
            return v
        }
        guard let count = ShapeMath.product(dims) else { throw bad("shape \(dims) overflows") }
        let size: Int
        switch descr {
        case "<f4", "<i4": size = 4
        case "<f8", "<i8": size = 8
        case "|u1", "|i1": size = 1
        default: throw bad("dtype '\(descr)' (supported: <f4 <f8 <i4 <i8 |u1 |i1)")
        }
        let data = start + headerLen
        guard count <= (b.count - data) / size else { throw bad("shape \(dims) needs \(count * size) bytes, \(b.count - data) present") }
        var v = [Double](repeating: 0, count: count)
        for i in 0..<count {
            let o = data + i * size
            var u: UInt64 = 0
            for k in 0..<size { u |= UInt64(b[o + k]) << (8 * UInt64(k)) }
            switch descr {
            case "<f4": v[i] = Double(Float(bitPattern: UInt32(u)))
            case "<f8": v[i] = Double(bitPattern: u)
            case "<i4": v[i] = Double(Int32(bitPattern: UInt32(u)))
            case "<i8": v[i] = Double(Int64(bitPattern: u))
            case "|i1": v[i] = Double(Int8(bitPattern: UInt8(u)))
            default: v[i] = Double(u)
            }
        }
        return NpyArray(shape: dims, values: v)
    }
}

extension NpyArray {
    /// .npy (version 1) bytes of a C-order float32 array.
    public static func encodeFloat32(_ v: [Float], shape: [Int]) -> [UInt8] {
        var w = ByteWriter()
        for x in v { w.f32(x) }
        return header(descr: "<f4", shape: shape) + w.bytes
    }

    /// .npy (version 1) bytes of a C-order int64 array.
    public static func encodeInt64(_ v: [Int], shape: [Int]) -> [UInt8] {
        var w = ByteWriter()
        for x in v { w.u64(UInt64(bitPattern: Int64(x))) }
        return header(descr: "<i8", shape: shape) + w.bytes
    }

    private static func header(descr: String, shape: [Int]) -> [UInt8] {
        let dims = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var h = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(dims), }"
        while (10 + h.utf8.count + 1) % 64 != 0 { h += " " }
        h += "\n"
        let n = h.utf8.count
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(n & 0xFF), UInt8(n >> 8)] + Array(h.utf8)
    }
}
