// The operator set of the imported graph: exactly the list in issue 12, each with every
// parameter explicit (pads per side, activation bounds, pooling divisor rule), so that the
// engine never has to re-derive a convention from the source format.

/// One operator: reads `inputs` (activation tensor indices), writes `output`.
public struct ImportedNode: Equatable, Sendable {
    /// Name for messages and probes (the source op's output tensor name).
    public var name: String
    /// What the node computes, with its parameters and constants.
    public var op: ImportedOp
    /// Activation tensors read, in the op's order (add: both operands).
    public var inputs: [Int]
    /// The activation tensor written.
    public var output: Int
    /// Index of the operator in the source file (TFLite operator index, ONNX node index).
    public var sourceIndex: Int
    /// The source operator's name (`CONV_2D`, `Conv`, …) for messages and `inspect`.
    public var sourceOp: String

    /// A node.
    public init(name: String, op: ImportedOp, inputs: [Int], output: Int, sourceIndex: Int, sourceOp: String) {
        self.name = name
        self.op = op
        self.inputs = inputs
        self.output = output
        self.sourceIndex = sourceIndex
        self.sourceOp = sourceOp
    }
}

/// The operators the importers produce.
public enum ImportedOp: Equatable, Sendable {
    /// Convolution, groups 1 (weights OHWI).
    case conv(Convolution)
    /// Depthwise convolution, multiplier 1 (weights 1HWC).
    case depthwiseConv(Convolution)
    /// Max or average pooling with explicit pads.
    case pool(Pooling)
    /// Mean over H and W of an [H, W, C] tensor (TFLite MEAN over axes 1, 2; ONNX
    /// GlobalAveragePool or ReduceMean over axes 2, 3). `keepDims`: output [1, 1, C], else [C].
    case mean(keepDims: Bool)
    /// Elementwise sum of two tensors of the same shape, then the activation.
    case add(activation: Activation)
    /// y = W·x + b, W [O, I] with I in NHWC-flatten order, then the activation.
    case fullyConnected(FullyConnected)
    /// Same elements, new per-image shape (flatten, squeeze): NHWC element order is kept.
    case reshape(shape: [Int])
    /// Constant padding of an [H, W, C] tensor (value 0 for float; the input zero point for int8).
    case pad(Padding4)
    /// A standalone activation (ReLU, ReLU6, Clip).
    case activation(Activation)
    /// float (or uint8) → int8 at the input edge, or int8 → uint8 at the output edge
    /// (TFLite QUANTIZE; the quantisations are the input and output tensors').
    case quantize
    /// int8 → float at the output edge (TFLite DEQUANTIZE).
    case dequantize
}

/// Parameters of a (depthwise) convolution. Dilation is always 1 (anything else is refused).
public struct Convolution: Equatable, Sendable {
    /// OHWI [O, KH, KW, I] for conv, [1, KH, KW, C] for depthwise.
    public var weights: ConstantTensor
    /// [O] (float or int32 with scale input_scale · weight_scale[o]), nil when absent.
    public var bias: ConstantTensor?
    /// Vertical stride.
    public var strideH: Int
    /// Horizontal stride.
    public var strideW: Int
    /// Explicit zero padding (SAME already resolved to TensorFlow's bottom/right rule).
    public var padding: Padding4
    /// Fused activation (clamp).
    public var activation: Activation

    /// A convolution's parameters.
    public init(weights: ConstantTensor, bias: ConstantTensor?, strideH: Int, strideW: Int, padding: Padding4,
                activation: Activation) {
        self.weights = weights
        self.bias = bias
        self.strideH = strideH
        self.strideW = strideW
        self.padding = padding
        self.activation = activation
    }

    /// Kernel height (weights dimension 1).
    public var kernelH: Int { weights.shape[1] }
    /// Kernel width (weights dimension 2).
    public var kernelW: Int { weights.shape[2] }
}

/// Parameters of a pooling window.
public struct Pooling: Equatable, Sendable {
    /// Max or average.
    public var kind: Kind
    /// Window height.
    public var kernelH: Int
    /// Window width.
    public var kernelW: Int
    /// Vertical stride.
    public var strideH: Int
    /// Horizontal stride.
    public var strideW: Int
    /// Explicit padding; padded cells never win a max.
    public var padding: Padding4
    /// Average pooling divisor: true divides by the full window (ONNX count_include_pad=1),
    /// false by the cells inside the input (TFLite's rule, ONNX's default).
    public var countIncludesPadding: Bool
    /// Fused activation (TFLite Pool2DOptions).
    public var activation: Activation

    /// Pooling kinds.
    public enum Kind: String, Equatable, Sendable {
        /// Maximum over the window.
        case max
        /// Average over the window.
        case average
    }

    /// A pooling window.
    public init(kind: Kind, kernelH: Int, kernelW: Int, strideH: Int, strideW: Int, padding: Padding4,
                countIncludesPadding: Bool, activation: Activation) {
        self.kind = kind
        self.kernelH = kernelH
        self.kernelW = kernelW
        self.strideH = strideH
        self.strideW = strideW
        self.padding = padding
        self.countIncludesPadding = countIncludesPadding
        self.activation = activation
    }
}

/// Parameters of a dense layer.
public struct FullyConnected: Equatable, Sendable {
    /// [O, I], columns in the order of the NHWC-flattened input.
    public var weights: ConstantTensor
    /// [O], nil when absent.
    public var bias: ConstantTensor?
    /// Fused activation.
    public var activation: Activation

    /// A dense layer's parameters.
    public init(weights: ConstantTensor, bias: ConstantTensor?, activation: Activation) {
        self.weights = weights
        self.bias = bias
        self.activation = activation
    }
}

extension Activation {
    /// The int8/uint8 clamp bounds TFLite derives for this activation on an output with
    /// `q` (CalculateActivationRangeQuantized): zp + round(bound / scale), rounding half away
    /// from zero in float, intersected with the type's range [lo, hi].
    public func quantizedBounds(_ q: Quantization, lo: Int32 = -128, hi: Int32 = 127) -> (lower: Int32, upper: Int32) {
        let scale = q.scales.first ?? 1, zp = q.zeroPoints.first ?? 0
        func quantize(_ f: Float) -> Int64 {
            let r = Double((f / scale).rounded(.toNearestOrAwayFromZero))
            guard r.isFinite else { return r < 0 ? Int64(Int32.min) : Int64(Int32.max) }
            return Int64(zp) + Int64(max(min(r, 1e12), -1e12))
        }
        let (l, u) = bounds
        let lower = l.isFinite ? max(Int64(lo), quantize(l)) : Int64(lo)
        let upper = u.isFinite ? min(Int64(hi), quantize(u)) : Int64(hi)
        return (Int32(clamping: lower), Int32(clamping: upper))
    }
}
