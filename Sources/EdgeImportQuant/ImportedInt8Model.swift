import EdgeImport
import EdgeQuant

/// An int8 model read from a TFLite file and mapped onto the integer engine: the validated
/// `QuantizedGraph` that `IntegerNetwork` runs, with what a person needs to trust it.
public struct ImportedInt8Model: Sendable {
    /// The integer graph (validated against `inputShape`); node 0 is the pixel → int8 table.
    public var graph: QuantizedGraph
    /// The image the graph takes, [C, H, W] (the order `QuantizedGraph.validate` and
    /// `LabeledImages` use).
    public var inputShape: [Int]
    /// For each node of `graph`: the source operator(s) it came from, e.g. `CONV_2D #3`.
    public var origins: [String]
    /// How a uint8 pixel becomes the int8 input (docs/integer-spec.md, "Imported models").
    public var inputRule: String
    /// Things a person should know (dropped edge operators, inserted flattens, …).
    public var notes: [String]

    /// A mapped model from explicit fields.
    public init(graph: QuantizedGraph, inputShape: [Int], origins: [String], inputRule: String, notes: [String]) {
        self.graph = graph
        self.inputShape = inputShape
        self.origins = origins
        self.inputRule = inputRule
        self.notes = notes
    }

    /// Number of classes (elements of the last node).
    public var classes: Int { graph.nodes.last?.shape.first ?? 0 }

    /// The same graph with node 0 replaced by the identity table q = pixel − 128, so that
    /// feeding pixel = q + 128 (see `pixels(forInt8:)`) hands the first operator exactly the
    /// int8 tensor q: the way to run a stored int8 input tensor (or one quantised outside
    /// the engine) through the engine unchanged. Node 0 keeps the model's input quantisation.
    public var int8InputGraph: QuantizedGraph {
        var g = graph
        g.nodes[0].op = .quantizedInput(QInputLayer(table: (0..<256).map { Int8($0 - 128) }))
        return g
    }

    /// The pixels whose identity-table lookup (`int8InputGraph`) gives back `q`.
    public static func pixels(forInt8 q: [Int8]) -> [UInt8] { q.map { UInt8(Int(Int8($0)) + 128) } }
}
