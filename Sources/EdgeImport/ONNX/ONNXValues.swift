import Foundation
import SwiftProtobuf

// Constant values of an ONNX graph: initializers and Constant nodes, decoded with every
// dimension and byte count checked, and node attributes read by name with their types.

/// A decoded constant: dims as ONNX declares them and the values as float or int64.
struct ONNXConstant {
    var dims: [Int]
    var floats: [Float]?
    var ints: [Int64]?
}

/// Decoding helpers shared by the ONNX importer.
enum ONNXValues {
    /// Decodes a TensorProto (float32, int32 or int64; raw or typed storage).
    static func decode(_ t: Onnx_TensorProto, _ fail: (ImportError.Rule, String) -> ImportError) throws -> ONNXConstant {
        if t.dataLocation == .external || !t.externalData.isEmpty {
            throw fail(.externalData,
                "tensor '\(t.name)' keeps its data in an external file (re-export with the weights inside the .onnx)")
        }
        guard t.dims.count <= ImportLimits.maxRank else {
            throw fail(.badDimension, "tensor '\(t.name)' of rank \(t.dims.count)")
        }
        var dims: [Int] = []
        for d in t.dims {
            guard d >= 0, d <= Int64(ImportLimits.maxDimension) else {
                throw fail(.badDimension, "tensor '\(t.name)' dimension \(d)")
            }
            dims.append(Int(d))
        }
        guard let n = ShapeProduct.elements(dims) else { throw fail(.overflow, "tensor '\(t.name)' of shape \(dims)") }
        let raw = t.rawData
        switch Int(t.dataType) {
        case Onnx_TensorProto.DataType.float.rawValue:
            if !raw.isEmpty {
                guard raw.count == 4 * n else {
                    throw fail(.inconsistent, "tensor '\(t.name)': \(raw.count) raw bytes for \(n) floats")
                }
                return ONNXConstant(dims: dims, floats: littleEndian(raw, n, 4).map { Float(bitPattern: UInt32(truncatingIfNeeded: $0)) })
            }
            guard t.floatData.count == n else {
                throw fail(.inconsistent, "tensor '\(t.name)': \(t.floatData.count) floats for \(n)")
            }
            return ONNXConstant(dims: dims, floats: t.floatData)
        case Onnx_TensorProto.DataType.int64.rawValue:
            if !raw.isEmpty {
                guard raw.count == 8 * n else {
                    throw fail(.inconsistent, "tensor '\(t.name)': \(raw.count) raw bytes for \(n) int64")
                }
                return ONNXConstant(dims: dims, ints: littleEndian(raw, n, 8).map { Int64(bitPattern: $0) })
            }
            guard t.int64Data.count == n else {
                throw fail(.inconsistent, "tensor '\(t.name)': \(t.int64Data.count) int64 for \(n)")
            }
            return ONNXConstant(dims: dims, ints: t.int64Data)
        case Onnx_TensorProto.DataType.int32.rawValue:
            if !raw.isEmpty {
                guard raw.count == 4 * n else {
                    throw fail(.inconsistent, "tensor '\(t.name)': \(raw.count) raw bytes for \(n) int32")
                }
                return ONNXConstant(dims: dims, ints: littleEndian(raw, n, 4).map { Int64(Int32(bitPattern: UInt32(truncatingIfNeeded: $0))) })
            }
            guard t.int32Data.count == n else {
                throw fail(.inconsistent, "tensor '\(t.name)': \(t.int32Data.count) int32 for \(n)")
            }
            return ONNXConstant(dims: dims, ints: t.int32Data.map(Int64.init))
        default:
            throw fail(.unsupportedType, "tensor '\(t.name)' of ONNX data type \(t.dataType) (float32, int32, int64 only)")
        }
    }

    /// `n` little-endian words of `width` bytes (callers checked raw.count == n·width).
    static func littleEndian(_ raw: Data, _ n: Int, _ width: Int) -> [UInt64] {
        raw.withUnsafeBytes { p in
            (0..<n).map { i in
                var v: UInt64 = 0
                for k in 0..<width { v |= UInt64(p[i * width + k]) << UInt64(8 * k) }
                return v
            }
        }
    }
}

/// A node's attributes by name, with typed accessors that refuse a wrong type.
struct ONNXAttributes {
    let byName: [String: Onnx_AttributeProto]
    let fail: (ImportError.Rule, String, String) -> ImportError

    init(_ node: Onnx_NodeProto, fail: @escaping (ImportError.Rule, String, String) -> ImportError) {
        var m: [String: Onnx_AttributeProto] = [:]
        for a in node.attribute { m[a.name] = a }
        byName = m
        self.fail = fail
    }

    func has(_ name: String) -> Bool { byName[name] != nil }

    func int(_ name: String, default def: Int64) throws -> Int64 {
        guard let a = byName[name] else { return def }
        guard a.type == .int else { throw fail(.inconsistent, name, "attribute is not an int") }
        return a.i
    }

    func float(_ name: String, default def: Float) throws -> Float {
        guard let a = byName[name] else { return def }
        guard a.type == .float else { throw fail(.inconsistent, name, "attribute is not a float") }
        return a.f
    }

    func ints(_ name: String) throws -> [Int64]? {
        guard let a = byName[name] else { return nil }
        guard a.type == .ints else { throw fail(.inconsistent, name, "attribute is not a list of ints") }
        guard a.ints.count <= 16 else { throw fail(.limitExceeded, name, "\(a.ints.count) entries") }
        return a.ints
    }

    func string(_ name: String, default def: String) throws -> String {
        guard let a = byName[name] else { return def }
        guard a.type == .string else { throw fail(.inconsistent, name, "attribute is not a string") }
        return String(decoding: a.s.prefix(256), as: UTF8.self)
    }
}
