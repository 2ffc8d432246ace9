// The TFLite model being written, as plain values (schema v3, tensorflow/compiler/mlir/lite/
// schema/schema.fbs): what TFLiteExporter produces and TFLiteSerializer turns into bytes.

/// One tensor of subgraph 0.
public struct TFLiteTensorSpec: Equatable, Sendable {
    /// Shape with the batch dimension first ([1, H, W, C], [1, C]) for activations.
    public var shape: [Int32]
    /// `TensorType`: 9 int8, 2 int32.
    public var type: Int8
    /// Index into the model's buffers (0: no data).
    public var buffer: UInt32
    /// Tensor name.
    public var name: String
    /// Quantisation scales (empty: none), one or one per channel of `quantizedDimension`.
    public var scales: [Float]
    /// Zero points, as many as scales.
    public var zeroPoints: [Int64]
    /// The axis the per-channel scales run along.
    public var quantizedDimension: Int32

    /// A tensor from explicit fields.
    public init(shape: [Int32], type: Int8, buffer: UInt32, name: String, scales: [Float], zeroPoints: [Int64], quantizedDimension: Int32 = 0) {
        self.shape = shape; self.type = type; self.buffer = buffer; self.name = name
        self.scales = scales; self.zeroPoints = zeroPoints; self.quantizedDimension = quantizedDimension
    }
}

/// TFLite's `Padding`.
public enum TFLitePadding: Int8, Sendable {
    /// SAME: out = ⌈in / stride⌉, the odd pixel padded after.
    case same = 0
    /// VALID: no padding.
    case valid = 1
}

/// TFLite's `ActivationFunctionType` values the exporter writes.
public enum TFLiteActivation: Int8, Sendable, CaseIterable {
    /// No clamp beyond the int8 range.
    case none = 0
    /// max(x, 0).
    case relu = 1
    /// min(max(x, 0), 6).
    case relu6 = 3
}

/// The builtin options of one operator.
public enum TFLiteOptions: Equatable, Sendable {
    /// Conv2DOptions.
    case conv(padding: TFLitePadding, strideW: Int32, strideH: Int32, activation: TFLiteActivation)
    /// DepthwiseConv2DOptions.
    case depthwise(padding: TFLitePadding, strideW: Int32, strideH: Int32, multiplier: Int32, activation: TFLiteActivation)
    /// Pool2DOptions.
    case pool(padding: TFLitePadding, strideW: Int32, strideH: Int32, filterW: Int32, filterH: Int32, activation: TFLiteActivation)
    /// FullyConnectedOptions (default weights format, keep_num_dims false).
    case fullyConnected(activation: TFLiteActivation)
    /// AddOptions.
    case add(activation: TFLiteActivation)
    /// ReshapeOptions.
    case reshape(newShape: [Int32])
    /// PadOptions (no fields).
    case pad
    /// ReducerOptions.
    case reducer(keepDims: Bool)
    /// No options (RELU).
    case none
}

/// One operator of subgraph 0.
public struct TFLiteOperatorSpec: Equatable, Sendable {
    /// `BuiltinOperator` code.
    public var builtin: Int32
    /// Operator version (as TFLite's converter would set it for these int8 signatures).
    public var version: Int32
    /// Input tensor indices.
    public var inputs: [Int32]
    /// Output tensor indices.
    public var outputs: [Int32]
    /// Builtin options.
    public var options: TFLiteOptions

    /// An operator from explicit fields.
    public init(builtin: Int32, version: Int32, inputs: [Int32], outputs: [Int32], options: TFLiteOptions) {
        self.builtin = builtin; self.version = version; self.inputs = inputs; self.outputs = outputs; self.options = options
    }
}

/// A whole single-subgraph TFLite model.
public struct TFLiteModelSpec: Equatable, Sendable {
    /// Tensors of subgraph 0.
    public var tensors: [TFLiteTensorSpec] = []
    /// Operators in execution order.
    public var operators: [TFLiteOperatorSpec] = []
    /// Buffers; buffers[0] is the empty buffer TFLite requires.
    public var buffers: [[UInt8]] = [[]]
    /// Graph input and output tensor indices.
    public var inputs: [Int32] = [], outputs: [Int32] = []
    /// Model.description.
    public var description: String = ""

    /// An empty model (only the empty buffer 0).
    public init() {}
}

/// `BuiltinOperator` codes written by the exporter.
public enum TFLiteBuiltin {
    /// Codes of schema.fbs.
    public static let add: Int32 = 0, averagePool2D: Int32 = 1, conv2D: Int32 = 3, depthwiseConv2D: Int32 = 4
    /// Codes of schema.fbs.
    public static let fullyConnected: Int32 = 9, maxPool2D: Int32 = 17, relu: Int32 = 19, reshape: Int32 = 22
    /// Codes of schema.fbs.
    public static let pad: Int32 = 34, mean: Int32 = 40
}
