/// What a model file says about itself beyond the graph.
public struct ImportedMetadata: Equatable, Sendable {
    /// Class names in output order, when the file carries them (TFLite associated label
    /// file, ONNX metadata_props); nil otherwise.
    public var labels: [String]?
    /// Where the labels came from (e.g. `TFLite metadata file labels.txt`).
    public var labelSource: String?
    /// Float input preprocessing the file declares: x = (pixel·inputScale − mean[c]) / std[c].
    public var preprocessing: Preprocessing?
    /// Producer and version (ONNX producer_name/version, TFLite description).
    public var producer: String
    /// ONNX default-domain opset, or the TFLite schema version.
    public var formatVersion: Int
    /// Every key/value metadata entry kept as text (ONNX metadata_props, TFLite metadata names).
    public var properties: [String: String]

    /// Metadata with nothing but the producer and version.
    public init(producer: String, formatVersion: Int) {
        self.labels = nil
        self.labelSource = nil
        self.preprocessing = nil
        self.producer = producer
        self.formatVersion = formatVersion
        self.properties = [:]
    }
}

/// Float input normalisation: x = (pixel · inputScale − mean[c]) / std[c], pixel in 0…255.
public struct Preprocessing: Equatable, Sendable {
    /// Multiplier on the 0…255 pixel (1/255 for inputs in [0, 1]).
    public var inputScale: Float
    /// Per-channel mean (one entry applies to all channels).
    public var mean: [Float]
    /// Per-channel standard deviation (one entry applies to all channels).
    public var std: [Float]
    /// Where it came from.
    public var source: String

    /// A normalisation rule.
    public init(inputScale: Float, mean: [Float], std: [Float], source: String) {
        self.inputScale = inputScale
        self.mean = mean
        self.std = std
        self.source = source
    }
}
