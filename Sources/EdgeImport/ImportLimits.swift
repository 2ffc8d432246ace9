/// Caps checked before anything is allocated from a count or size that a file declares.
/// They are far above what a small edge classifier needs and far below what could exhaust
/// memory: the largest allocation any cap admits is `maxTensorElements` floats (1 GiB).
public enum ImportLimits {
    /// Largest file either reader accepts (checked before parsing).
    public static let maxFileBytes = 256 << 20
    /// Subgraphs in a TFLite model (only subgraph 0 is imported; the rest must still be sane).
    public static let maxSubgraphs = 64
    /// Tensors in one TFLite subgraph.
    public static let maxTensors = 8192
    /// Operators in one TFLite subgraph, or nodes in an ONNX graph.
    public static let maxOperators = 4096
    /// Buffers in a TFLite model, or initializers in an ONNX graph.
    public static let maxBuffers = 16384
    /// Operator codes in a TFLite model.
    public static let maxOperatorCodes = 1024
    /// Metadata entries (TFLite metadata, ONNX metadata_props).
    public static let maxMetadata = 256
    /// Inputs or outputs of one operator.
    public static let maxOperatorArity = 16
    /// Rank of any tensor.
    public static let maxRank = 6
    /// Any single dimension.
    public static let maxDimension = 1 << 20
    /// Elements in any tensor (weights or activations): 2^28.
    public static let maxTensorElements = 1 << 28
    /// Entries in a quantisation vector (scale/zero point per channel).
    public static let maxQuantChannels = 1 << 16
    /// Bytes of any string the readers keep (names, labels, metadata values).
    public static let maxStringBytes = 1 << 20
    /// Class labels read from metadata.
    public static let maxLabels = 100_000
    /// Bytes of an associated label file inside TFLite metadata.
    public static let maxLabelFileBytes = 4 << 20
}
