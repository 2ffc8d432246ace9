// Also compiled into the board runner (Device/edge-run, Embedded Swift; scripts/build-device.sh):
// keep this file free of Foundation and of untyped `throws`.

import EdgeCore

/// A convolution or dense layer in integer form. Weights are [O][ky][kx][C] (HWC
/// windows); dense layers are the 1×1-kernel, 1×1-image case with K = C.
public struct QConvLayer: Equatable, Sendable {
    /// Square kernel side, stride and zero padding.
    public var kernel: Int, stride: Int, padding: Int
    /// Input channels (features for dense) and output channels.
    public var inChannels: Int, outChannels: Int
    /// True for a dense layer (affects only how it is shown and exported).
    public var isDense: Bool
    /// int8 weights in [−127, 127], O·k·k·C of them.
    public var weights: [Int8]
    /// Per-output-channel weight scales (symmetric, zero point 0).
    public var weightScales: [Float]
    /// int32 biases with scale input_scale · weight_scale[o].
    public var bias: [Int32]
    /// Q31 multipliers in [2^30, 2^31) and shifts in [−31, 0].
    public var multiplier: [Int32], shift: [Int32]
    /// Output clamp; a fused ReLU sets actMin to the output zero point.
    public var actMin: Int32, actMax: Int32

    /// Window length K = k·k·C.
    public var windowSize: Int { kernel * kernel * inChannels }

    /// A layer from explicit fields (validated by `QuantizedGraph.validate`).
    public init(kernel: Int, stride: Int, padding: Int, inChannels: Int, outChannels: Int, isDense: Bool, weights: [Int8],
                weightScales: [Float], bias: [Int32], multiplier: [Int32], shift: [Int32], actMin: Int32, actMax: Int32) {
        self.kernel = kernel; self.stride = stride; self.padding = padding
        self.inChannels = inChannels; self.outChannels = outChannels; self.isDense = isDense
        self.weights = weights; self.weightScales = weightScales; self.bias = bias
        self.multiplier = multiplier; self.shift = shift; self.actMin = actMin; self.actMax = actMax
    }
}

/// Element-wise add of two int8 tensors with different scales (TFLite's scheme).
public struct QAddLayer: Equatable, Sendable {
    /// Left shift applied to both centred inputs before rescaling (20 as in TFLite).
    public var leftShift: Int32
    /// Input multipliers (s_a / 2·max(s_a, s_b), likewise b) and the output multiplier.
    public var aMult: Int32, aShift: Int32, bMult: Int32, bShift: Int32, outMult: Int32, outShift: Int32
    /// Output clamp (fused ReLU sets actMin to the output zero point).
    public var actMin: Int32, actMax: Int32

    /// An add layer from explicit fields.
    public init(leftShift: Int32, aMult: Int32, aShift: Int32, bMult: Int32, bShift: Int32, outMult: Int32, outShift: Int32,
                actMin: Int32, actMax: Int32) {
        self.leftShift = leftShift; self.aMult = aMult; self.aShift = aShift; self.bMult = bMult; self.bShift = bShift
        self.outMult = outMult; self.outShift = outShift; self.actMin = actMin; self.actMax = actMax
    }
}

/// One integer op.
public enum QOp: Equatable, Sendable {
    /// uint8 pixels → int8 (q = pixel − 128; scale 1/255, zero point −128).
    case input
    /// Convolution or dense with requantisation and fused clamp.
    case conv(QConvLayer)
    /// Max over k×k windows, int8 in and out (same scale).
    case maxPool(kernel: Int, stride: Int)
    /// Mean over k×k windows, rounded half away from zero (same scale).
    case avgPool(kernel: Int, stride: Int)
    /// Mean over the whole map per channel (same scale).
    case globalAvgPool
    /// [H, W, C] → [H·W·C] in HWC order (no data change).
    case flatten
    /// max(q, zero point) when a ReLU could not be fused.
    case relu
    /// Residual add.
    case add(QAddLayer)

    /// Stable code in the QNET section.
    var code: UInt8 {
        switch self {
        case .input: return 0
        case .conv: return 1
        case .maxPool: return 2
        case .avgPool: return 3
        case .globalAvgPool: return 4
        case .flatten: return 5
        case .relu: return 6
        case .add: return 7
        }
    }

    /// Short name for tables.
    public var kind: String {
        switch self {
        case .input: return "input"
        case .conv(let c): return c.isDense ? "dense" : "conv2d"
        case .maxPool: return "maxpool"
        case .avgPool: return "avgpool"
        case .globalAvgPool: return "gap"
        case .flatten: return "flatten"
        case .relu: return "relu"
        case .add: return "add"
        }
    }
}

/// A node of the integer graph.
public struct QNode: Equatable, Sendable {
    /// What it computes.
    public var op: QOp
    /// Earlier nodes it reads.
    public var inputs: [Int]
    /// Name (that of the last float node it replaces, e.g. "relu1" for conv1+relu1).
    public var name: String
    /// Index of the float node whose output this node's output approximates.
    public var floatNode: Int
    /// Per-image output shape: [H, W, C] or [C].
    public var shape: [Int]
    /// Output quantisation.
    public var quant: QuantParams
    /// Calibration range observed for this output (real units).
    public var rangeMin: Float, rangeMax: Float

    /// A node from explicit fields.
    public init(op: QOp, inputs: [Int], name: String, floatNode: Int, shape: [Int], quant: QuantParams, rangeMin: Float, rangeMax: Float) {
        self.op = op; self.inputs = inputs; self.name = name; self.floatNode = floatNode
        self.shape = shape; self.quant = quant; self.rangeMin = rangeMin; self.rangeMax = rangeMax
    }
}

/// The int8 network: integer-only from uint8 pixels to int8 logits.
public struct QuantizedGraph: Equatable, Sendable {
    /// Nodes in topological order; node 0 is the input, the last node the logits.
    public var nodes: [QNode]
    /// Calibration method ("minmax", "percentile", "mse").
    public var method: String
    /// Number of calibration images.
    public var calibrationImages: Int
    /// Whether weights were quantised per tensor instead of per channel.
    public var perTensor: Bool

    /// A graph from explicit fields.
    public init(nodes: [QNode], method: String, calibrationImages: Int, perTensor: Bool) {
        self.nodes = nodes
        self.method = method
        self.calibrationImages = calibrationImages
        self.perTensor = perTensor
    }

    /// Elements of a per-image shape.
    static func size(_ s: [Int]) -> Int { ShapeMath.product(s) ?? 0 }

    /// Multiply-accumulates per image.
    public var macs: Int {
        nodes.reduce(0) { acc, n in
            if case .conv(let c) = n.op { return acc + QuantizedGraph.size(n.shape) * c.windowSize }
            return acc
        }
    }
}
