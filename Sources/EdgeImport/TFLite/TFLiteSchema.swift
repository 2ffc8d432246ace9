// The subset of TensorFlow Lite's schema v3 (tensorflow/compiler/mlir/lite/schema/schema.fbs)
// that the importer reads: field slots (a field's index in its table; a union counts as two
// slots, type then value), enum values and builtin operator codes. Only names used are listed.

/// Field slots and enum values of TFLite's schema.fbs.
enum TFLiteSchema {
    /// `table Model`.
    enum Model {
        static let version = 0, operatorCodes = 1, subgraphs = 2, description = 3, buffers = 4
        static let metadata = 6
    }
    /// `table OperatorCode`.
    enum OperatorCode { static let deprecatedBuiltinCode = 0, customCode = 1, version = 2, builtinCode = 3 }
    /// `table SubGraph`.
    enum SubGraph { static let tensors = 0, inputs = 1, outputs = 2, operators = 3, name = 4 }
    /// `table Tensor`.
    enum Tensor {
        static let shape = 0, type = 1, buffer = 2, name = 3, quantization = 4, sparsity = 6
        static let externalBuffer = 10
    }
    /// `table QuantizationParameters`.
    enum Quantization { static let scale = 2, zeroPoint = 3, detailsType = 4, quantizedDimension = 6 }
    /// `table Operator`.
    enum Operator {
        static let opcodeIndex = 0, inputs = 1, outputs = 2, builtinOptionsType = 3, builtinOptions = 4
        static let customOptions = 5, intermediates = 8, builtinOptions2Type = 11
    }
    /// `table Buffer`.
    enum Buffer { static let data = 0, offset = 1, size = 2 }
    /// `table Metadata`.
    enum Metadata { static let name = 0, buffer = 1 }

    /// `enum TensorType : byte`.
    enum TensorType: Int8 {
        case float32 = 0, float16 = 1, int32 = 2, uint8 = 3, int64 = 4, int16 = 7, int8 = 9
    }

    /// `enum BuiltinOperator`: the codes the importer knows by name.
    enum Builtin: Int32 {
        case add = 0, averagePool2D = 1, concatenation = 2, conv2D = 3, depthwiseConv2D = 4
        case dequantize = 6, fullyConnected = 9, maxPool2D = 17, relu = 19, reluN1To1 = 20, relu6 = 21
        case reshape = 22, softmax = 25, pad = 34, gather = 36, mean = 40, squeeze = 43, stridedSlice = 45
        case cast = 53, padV2 = 60, shape = 77, pack = 83, quantize = 114
    }

    /// `union BuiltinOptions` type tags used here.
    enum OptionsType {
        static let conv2D: UInt8 = 1, depthwiseConv2D: UInt8 = 2, pool2D: UInt8 = 5, fullyConnected: UInt8 = 8
        static let softmax: UInt8 = 9, add: UInt8 = 11, reshape: UInt8 = 17, pad: UInt8 = 22, reducer: UInt8 = 27
        static let squeeze: UInt8 = 30
    }

    /// Slots in the option tables.
    enum Conv2DOptions { static let padding = 0, strideW = 1, strideH = 2, activation = 3, dilationW = 4, dilationH = 5 }
    /// `table DepthwiseConv2DOptions`.
    enum DepthwiseOptions {
        static let padding = 0, strideW = 1, strideH = 2, depthMultiplier = 3, activation = 4
        static let dilationW = 5, dilationH = 6
    }
    /// `table Pool2DOptions`.
    enum Pool2DOptions { static let padding = 0, strideW = 1, strideH = 2, filterW = 3, filterH = 4, activation = 5 }
    /// `table FullyConnectedOptions`.
    enum FullyConnectedOptions { static let activation = 0, weightsFormat = 1, keepNumDims = 2 }
    /// `table SoftmaxOptions`.
    enum SoftmaxOptions { static let beta = 0 }
    /// `table AddOptions`.
    enum AddOptions { static let activation = 0 }
    /// `table ReducerOptions`.
    enum ReducerOptions { static let keepDims = 0 }
}
