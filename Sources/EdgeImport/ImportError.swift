import EdgeCore

/// A model file that the importers refuse, with the rule it broke, the place (a schema path
/// such as `Model.subgraphs[0].tensors[3].shape`) and the byte offset. Tests assert on
/// `rule`; the CLI turns it into `EdgeError.badModel` (exit 65) with `edgeError`.
public struct ImportError: Error, Equatable, CustomStringConvertible {
    /// Which validation rule failed: one case per check, so a hostile fixture can name it.
    public enum Rule: String, Equatable, Sendable, CaseIterable {
        /// The file is larger than `ImportLimits.maxFileBytes`.
        case fileTooLarge
        /// The bytes are not the format that was asked for (identifier, magic, protobuf tags).
        case badIdentifier
        /// A uoffset or soffset points outside the buffer.
        case offsetOutOfBounds
        /// A uoffset of 0: the object would sit on its own offset (a self-reference).
        case selfReference
        /// A vtable whose size, table size or field offsets are inconsistent or out of bounds.
        case badVTable
        /// A vector whose length runs past the end of the buffer.
        case vectorOutOfBounds
        /// A string without its terminating zero byte, or not UTF-8.
        case badString
        /// A count (tensors, operators, buffers, nodes, …) above its cap.
        case limitExceeded
        /// A tensor dimension that is negative, zero where it cannot be, or too large.
        case badDimension
        /// A product of dimensions (or a byte size) that overflows or exceeds its cap.
        case overflow
        /// An index (tensor, buffer, opcode) that does not name an existing entry.
        case badIndex
        /// An operator the importer does not map onto the graph.
        case unsupportedOperator
        /// A supported operator with an attribute value the engine cannot run exactly.
        case unsupportedAttribute
        /// A tensor element type the importer does not read.
        case unsupportedType
        /// Weights stored outside the file (ONNX external data, TFLite offset buffers).
        case externalData
        /// Data that disagrees with its own declaration (buffer size vs shape, and so on).
        case inconsistent
        /// The protobuf decoder refused the bytes.
        case malformedProtobuf
        /// The graph has no path from its input to its output in the supported shape.
        case badGraph
    }

    /// The rule that failed.
    public let rule: Rule
    /// File name used in messages.
    public let path: String
    /// Schema path of the offending table/field (or ONNX node and attribute).
    public let location: String
    /// Byte offset in the file, or -1 where the format gives none (ONNX after decoding).
    public let offset: Int
    /// What was wrong, for a person.
    public let reason: String

    /// An error breaking `rule` at `location` (byte `offset`) of `path`.
    public init(_ rule: Rule, path: String, location: String, offset: Int, _ reason: String) {
        self.rule = rule
        self.path = path
        self.location = location
        self.offset = offset
        self.reason = reason
    }

    /// The same failure as the project-wide error type (exit 65, bad model).
    public var edgeError: EdgeError {
        .badModel(path: path, section: location, offset: offset, reason: reason)
    }

    /// One line naming the file, the place, the offset and the reason.
    public var description: String {
        let at = offset >= 0 ? " at byte \(offset)" : ""
        return "\(path): cannot import, \(location)\(at): \(reason) [\(rule.rawValue)]"
    }
}
