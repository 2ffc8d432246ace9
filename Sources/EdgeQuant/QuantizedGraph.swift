// Also compiled into the board runner (Device/edge-run, Embedded Swift; scripts/build-device.sh):
// keep this file free of Foundation and of untyped `throws`.

import EdgeCore

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

/// One integer op. Codes 0–7 are QNET version 1; codes 8–12 need version 2
/// (docs/model-format.md).
public enum QOp: Equatable, Sendable {
    /// uint8 pixels → int8 (q = pixel − 128; scale 1/255, zero point −128).
    case input
    /// Convolution, depthwise convolution or dense, with requantisation and fused clamp.
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
    /// uint8 pixels → int8 through a per-channel 256-entry table: any input quantisation
    /// (an int8 input tensor with its own scale and zero point, or uint8 via QUANTIZE).
    case quantizedInput(QInputLayer)
    /// Max or average pooling with TFLite's window rules (per-axis kernel and stride,
    /// per-side padding that never contributes, fused clamp).
    case pool(QPoolLayer)
    /// TFLite MEAN over H and W with requantisation to its own output scale: [H, W, C] → [C].
    case mean(QMeanLayer)
    /// Spatial zero-point padding (TFLite PAD): [H, W, C] → [H + t + b, W + l + r, C].
    case pad(QPadLayer)

    /// Stable code in the QNET section (a convolution that version 1 cannot express is 12).
    var code: UInt8 {
        switch self {
        case .input: return 0
        case .conv(let c): return c.isVersion1 ? 1 : 12
        case .maxPool: return 2
        case .avgPool: return 3
        case .globalAvgPool: return 4
        case .flatten: return 5
        case .relu: return 6
        case .add: return 7
        case .quantizedInput: return 8
        case .pool: return 9
        case .mean: return 10
        case .pad: return 11
        }
    }

    /// Short name for tables.
    public var kind: String {
        switch self {
        case .input, .quantizedInput: return "input"
        case .conv(let c): return c.isDense ? "dense" : (c.isDepthwise ? "dwconv2d" : "conv2d")
        case .maxPool: return "maxpool"
        case .avgPool: return "avgpool"
        case .globalAvgPool: return "gap"
        case .flatten: return "flatten"
        case .relu: return "relu"
        case .add: return "add"
        case .pool(let p): return p.kind == .max ? "maxpool" : "avgpool"
        case .mean: return "mean"
        case .pad: return "pad"
        }
    }

    /// Whether this op is the graph's input (node 0).
    public var isInput: Bool {
        switch self {
        case .input, .quantizedInput: return true
        default: return false
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
