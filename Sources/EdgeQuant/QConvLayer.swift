// Also compiled into the board runner (Device/edge-run, Embedded Swift; scripts/build-device.sh):
// keep this file free of Foundation and of untyped `throws`.

/// A convolution, depthwise convolution or dense layer in integer form
/// (docs/integer-spec.md, "Convolution and dense").
///
/// Layout: ordinary convolutions hold weights [O][kh][kw][C] (HWC windows); depthwise ones
/// [O][kh][kw] with O = C·m, channel o reading input channel o / m (TFLite's
/// `output_channel = j + in_channel·depth_multiplier`); dense layers are the 1×1-kernel,
/// 1×1-image case with K = C. Window origin of output (oy, ox) is
/// (oy·strideH − padTop, ox·strideW − padLeft); positions outside the image contribute
/// nothing; padBottom/padRight fix the output size,
/// out = (in + padTop + padBottom − kernel) / stride + 1 per axis.
public struct QConvLayer: Equatable, Sendable {
    /// Kernel height and width (1…15).
    public var kernelH: Int, kernelW: Int
    /// Stride along H and W (1…15).
    public var strideH: Int, strideW: Int
    /// Zero padding per side, each below the kernel along its axis (TF SAME at stride 2
    /// pads the odd pixel bottom/right; PyTorch pads symmetrically).
    public var padTop: Int, padBottom: Int, padLeft: Int, padRight: Int
    /// Input channels (features for dense) and output channels.
    public var inChannels: Int, outChannels: Int
    /// True for a dense layer (affects only how it is shown and exported).
    public var isDense: Bool
    /// True for a depthwise convolution (outChannels a multiple of inChannels).
    public var isDepthwise: Bool
    /// int8 weights in [−127, 127], O·windowSize of them.
    public var weights: [Int8]
    /// Per-output-channel weight scales (symmetric, zero point 0); per-tensor layers repeat one.
    public var weightScales: [Float]
    /// int32 biases with scale input_scale · weight_scale[o].
    public var bias: [Int32]
    /// Q31 multipliers (0, or in [2^30, 2^31)) and shifts in [−31, 30]: the real multiplier
    /// is multiplier·2^(shift − 31); shift > 0 is TFLite's left shift (multiplier ≥ 1).
    public var multiplier: [Int32], shift: [Int32]
    /// How the accumulator is rescaled (TFLite Micro uses `.q31` for every int8 layer).
    public var rounding: QRounding
    /// Per-channel real multipliers input_scale·weight_scale[o]/output_scale in binary64,
    /// used by `.doubleScale` only (empty for `.q31`).
    public var realScale: [Double]
    /// Output clamp; a fused ReLU sets actMin to the output zero point, ReLU6 also actMax.
    public var actMin: Int32, actMax: Int32

    /// Square kernel side (kernelH); setting it sets both axes.
    public var kernel: Int {
        get { kernelH }
        set { kernelH = newValue; kernelW = newValue }
    }
    /// Stride (strideH); setting it sets both axes.
    public var stride: Int {
        get { strideH }
        set { strideH = newValue; strideW = newValue }
    }
    /// Symmetric padding (padTop); setting it sets all four sides.
    public var padding: Int {
        get { padTop }
        set { padTop = newValue; padBottom = newValue; padLeft = newValue; padRight = newValue }
    }

    /// Depth multiplier m of a depthwise layer (outChannels / inChannels), 0 otherwise.
    public var depthMultiplier: Int { isDepthwise && inChannels > 0 ? outChannels / inChannels : 0 }

    /// Window length K of one output channel: kh·kw·C, or kh·kw for depthwise.
    public var windowSize: Int { kernelH * kernelW * (isDepthwise ? 1 : inChannels) }

    /// Whether QNET version 1 (op code 1) can express this layer: square kernel and stride,
    /// symmetric padding, not depthwise, Q31 rounding.
    public var isVersion1: Bool {
        kernelH == kernelW && strideH == strideW && padTop == padBottom && padTop == padLeft && padTop == padRight
            && !isDepthwise && rounding == .q31 && realScale.isEmpty
    }

    /// A square, symmetric, ordinary layer with Q31 rounding (validated by `QuantizedGraph.validate`).
    public init(kernel: Int, stride: Int, padding: Int, inChannels: Int, outChannels: Int, isDense: Bool, weights: [Int8],
                weightScales: [Float], bias: [Int32], multiplier: [Int32], shift: [Int32], actMin: Int32, actMax: Int32) {
        self.init(kernelH: kernel, kernelW: kernel, strideH: stride, strideW: stride, padTop: padding, padBottom: padding,
                  padLeft: padding, padRight: padding, inChannels: inChannels, outChannels: outChannels, isDense: isDense,
                  isDepthwise: false, weights: weights, weightScales: weightScales, bias: bias, multiplier: multiplier,
                  shift: shift, rounding: .q31, realScale: [], actMin: actMin, actMax: actMax)
    }

    /// A layer from every field (validated by `QuantizedGraph.validate`).
    public init(kernelH: Int, kernelW: Int, strideH: Int, strideW: Int, padTop: Int, padBottom: Int, padLeft: Int, padRight: Int,
                inChannels: Int, outChannels: Int, isDense: Bool, isDepthwise: Bool, weights: [Int8], weightScales: [Float],
                bias: [Int32], multiplier: [Int32], shift: [Int32], rounding: QRounding = .q31, realScale: [Double] = [],
                actMin: Int32, actMax: Int32) {
        self.kernelH = kernelH; self.kernelW = kernelW; self.strideH = strideH; self.strideW = strideW
        self.padTop = padTop; self.padBottom = padBottom; self.padLeft = padLeft; self.padRight = padRight
        self.inChannels = inChannels; self.outChannels = outChannels; self.isDense = isDense; self.isDepthwise = isDepthwise
        self.weights = weights; self.weightScales = weightScales; self.bias = bias
        self.multiplier = multiplier; self.shift = shift; self.rounding = rounding; self.realScale = realScale
        self.actMin = actMin; self.actMax = actMax
    }
}

/// How a convolution or dense layer rescales its int32 accumulator.
public enum QRounding: UInt8, Equatable, Sendable, CaseIterable {
    /// TFLite's MultiplyByQuantizedMultiplier (gemmlowp double rounding): what TensorFlow
    /// Lite Micro runs for CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED in int8.
    case q31 = 0
    /// round(double(acc) · realScale[o]), ties away from zero: the float-scale variant of
    /// TFLite's reference_integer_ops::FullyConnected (not used by TFLite Micro).
    case doubleScale = 1
}
