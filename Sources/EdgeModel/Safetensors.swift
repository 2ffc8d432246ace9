import EdgeCore
import Foundation

/// Writes the safetensors format (8-byte little-endian header length, a JSON header with
/// dtype, shape and data offsets per tensor, then the raw little-endian data) so that
/// PyTorch (`safetensors.torch.load_file`) and numpy can read edge-audit's weights.
public enum Safetensors {
    /// A named tensor to export.
    public struct Entry {
        /// Tensor name (e.g. "conv1.weight").
        public let name: String
        /// "F32", "I8" or "I32".
        public let dtype: String
        /// Dimensions.
        public let shape: [Int]
        /// Raw little-endian bytes.
        public let bytes: [UInt8]

        /// An entry; `bytes.count` must equal the shape's element count times the dtype size.
        public init(name: String, dtype: String, shape: [Int], bytes: [UInt8]) {
            self.name = name
            self.dtype = dtype
            self.shape = shape
            self.bytes = bytes
        }

        /// A float32 entry.
        public static func f32(_ name: String, _ t: Tensor) -> Entry {
            var w = ByteWriter()
            w.floats(t.data)
            return Entry(name: name, dtype: "F32", shape: t.shape, bytes: w.bytes)
        }
    }

    /// The float parameters of `model` under `<node>.<weight|bias|running_mean|running_var>`,
    /// in PyTorch's layouts (conv [out, in, kh, kw], dense [out, in]).
    public static func floatEntries(_ model: Model) -> [Entry] {
        var out: [Entry] = []
        for i in model.graph.nodes.indices {
            for (t, name) in model.graph.parameterNames(i).enumerated() {
                out.append(.f32("\(model.graph.nodes[i].name).\(name)", model.parameters[i][t]))
            }
        }
        return out
    }

    /// Serialises entries (sorted by name, as the format recommends) with string metadata.
    public static func encode(_ entries: [Entry], metadata: [String: String]) -> [UInt8] {
        let sorted = entries.sorted { $0.name < $1.name }
        var header = "{\"__metadata__\":{" + metadata.keys.sorted().map { "\(json($0)):\(json(metadata[$0] ?? ""))" }.joined(separator: ",") + "}"
        var offset = 0
        for e in sorted {
            header += ",\(json(e.name)):{\"dtype\":\"\(e.dtype)\",\"shape\":[\(e.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + e.bytes.count)]}"
            offset += e.bytes.count
        }
        header += "}"
        var h = Array(header.utf8)
        while h.count % 8 != 0 { h.append(0x20) }  // pad with spaces so data is 8-byte aligned
        var w = ByteWriter()
        w.u64(UInt64(h.count))
        w.raw(h)
        for e in sorted { w.raw(e.bytes) }
        return w.bytes
    }

    private static func json(_ s: String) -> String { JSONText.quote(s) }
}
