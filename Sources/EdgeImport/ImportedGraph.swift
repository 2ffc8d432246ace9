// The neutral graph both importers produce, before anything maps it onto EdgeModel's float
// graph or EdgeQuant's integer plan. Layout is TensorFlow's for both formats:
//   activations  per image, NHWC without the batch: [H, W, C] for spatial tensors, [C] for vectors
//   conv weights OHWI   [O, KH, KW, I]          (ONNX OIHW is permuted: w[o][i][y][x] → w[o][y][x][i])
//   depthwise    1HWC   [1, KH, KW, C]          (ONNX [C, 1, KH, KW] → [1, KH, KW, C]; multiplier 1)
//   dense        [O, I] with I in the order of the NHWC flatten (ONNX Gemm columns after a
//                        flatten of a C×H×W tensor are permuted from CHW to HWC order)
// Weights are float for float models and int8 (with int32 biases) for int8 TFLite models.

/// A model read from a TFLite or ONNX file, as a list of nodes in topological order.
public struct ImportedGraph: Equatable, Sendable {
    /// Which file format it came from.
    public var format: ModelFormat
    /// Whether the arithmetic between the edges is float32 or int8 (full-integer TFLite).
    public var precision: Precision
    /// Activation tensors, referenced by index from nodes; tensor `input` is the graph input.
    public var tensors: [ImportedTensor]
    /// Index of the graph's input tensor.
    public var input: Int
    /// Index of the graph's output tensor (logits, or class scores if no softmax was dropped).
    public var output: Int
    /// The operators in an order where every input is produced before it is used.
    public var nodes: [ImportedNode]
    /// True when a trailing softmax was removed: `output` then holds logits.
    public var softmaxDropped: Bool
    /// Labels, preprocessing hints and producer information from the file.
    public var metadata: ImportedMetadata
    /// Things a person should know about the import (dropped ops, folded batch norms, …).
    public var notes: [String]

    /// Arithmetic of the operators between the graph's edges.
    public enum Precision: String, Equatable, Sendable {
        /// float32 everywhere.
        case float32
        /// int8 activations and weights, int32 biases (TFLite's integer scheme).
        case int8
    }
}

/// Element types of activations and constants.
public enum ElementType: String, Equatable, Sendable {
    /// IEEE binary32.
    case float32
    /// Signed 8-bit (quantised).
    case int8
    /// Unsigned 8-bit (quantised; TFLite uint8 input/output).
    case uint8
    /// Signed 32-bit (biases, shapes).
    case int32
    /// Signed 64-bit (ONNX shapes, TFLite zero points).
    case int64
}

/// Affine quantisation: real = scale · (q − zeroPoint), per tensor (one entry) or per
/// channel along `axis` of the tensor's IR layout.
public struct Quantization: Equatable, Sendable {
    /// One scale per channel, or a single one.
    public var scales: [Float]
    /// One zero point per channel, or a single one.
    public var zeroPoints: [Int32]
    /// The axis (in the IR layout) the entries run along, or nil for per-tensor.
    public var axis: Int?

    /// Per-tensor or per-channel quantisation.
    public init(scales: [Float], zeroPoints: [Int32], axis: Int? = nil) {
        self.scales = scales
        self.zeroPoints = zeroPoints
        self.axis = axis
    }

    /// True when one scale covers the whole tensor.
    public var isPerTensor: Bool { scales.count == 1 }
}

/// An activation tensor (a value that flows between nodes).
public struct ImportedTensor: Equatable, Sendable {
    /// Name in the source file.
    public var name: String
    /// Per-image shape, NHWC without the batch dimension ([H, W, C] or [C]).
    public var shape: [Int]
    /// Element type.
    public var type: ElementType
    /// Quantisation for int8/uint8 tensors, nil for float.
    public var quantization: Quantization?

    /// A tensor description.
    public init(name: String, shape: [Int], type: ElementType, quantization: Quantization? = nil) {
        self.name = name
        self.shape = shape
        self.type = type
        self.quantization = quantization
    }
}

/// Constant data of one weight or bias tensor, in the IR layout given by `shape`.
public struct ConstantTensor: Equatable, Sendable {
    /// Shape in the IR layout (OHWI, 1HWC, [O, I] or [O]).
    public var shape: [Int]
    /// The values, in exactly one of the element types.
    public var values: Values
    /// Quantisation of int8/int32 data (per channel along `axis` = 0 for OHWI, 3 for 1HWC).
    public var quantization: Quantization?

    /// The element storage.
    public enum Values: Equatable, Sendable {
        /// float32 data.
        case float32([Float])
        /// int8 data (quantised weights).
        case int8([Int8])
        /// int32 data (quantised biases).
        case int32([Int32])
    }

    /// A constant of `shape` holding `values`.
    public init(shape: [Int], values: Values, quantization: Quantization? = nil) {
        self.shape = shape
        self.values = values
        self.quantization = quantization
    }

    /// Number of elements.
    public var count: Int {
        switch values {
        case .float32(let v): return v.count
        case .int8(let v): return v.count
        case .int32(let v): return v.count
        }
    }
}

/// Explicit zero padding of a spatial tensor, in pixels on each side.
public struct Padding4: Equatable, Sendable {
    /// Rows added above.
    public var top: Int
    /// Columns added on the left.
    public var left: Int
    /// Rows added below.
    public var bottom: Int
    /// Columns added on the right.
    public var right: Int

    /// Padding on each side.
    public init(top: Int, left: Int, bottom: Int, right: Int) {
        self.top = top
        self.left = left
        self.bottom = bottom
        self.right = right
    }

    /// No padding.
    public static let zero = Padding4(top: 0, left: 0, bottom: 0, right: 0)
}

/// An activation applied to an op's output (fused or standalone), as the float clamp bounds
/// it stands for; int8 models clamp at `quantizedBounds` of the output's quantisation.
public enum Activation: Equatable, Sendable {
    /// Identity.
    case none
    /// max(x, 0).
    case relu
    /// min(max(x, 0), 6).
    case relu6
    /// min(max(x, lower), upper) (ONNX Clip; RELU_N1_TO_1 is clip(−1, 1)).
    case clip(lower: Float, upper: Float)

    /// Float clamp bounds (−∞/+∞ where unbounded).
    public var bounds: (lower: Float, upper: Float) {
        switch self {
        case .none: return (-.infinity, .infinity)
        case .relu: return (0, .infinity)
        case .relu6: return (0, 6)
        case .clip(let l, let u): return (l, u)
        }
    }
}
