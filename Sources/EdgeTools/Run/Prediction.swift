import EdgeCore
import EdgeData
import EdgeFloat
import EdgeImportQuant
import EdgeModel
import EdgeQuant

/// `predict`: a model's logits on an image set, written batch by batch.
public struct Prediction {
    /// Class names in output order.
    public var names: [String]
    /// The images.
    public var set: LabeledImages
    /// Logits (dequantised for int8) of the images at the given indices, row-major.
    public var logits: ([Int]) -> [Float]
    /// The engine, for the accuracy line.
    public var engine: String

    /// Logits of `set`'s images at given indices from any engine, for `engine`'s accuracy line.
    public init(names: [String], set: LabeledImages, logits: @escaping ([Int]) -> [Float], engine: String) {
        self.names = names; self.set = set; self.logits = logits; self.engine = engine
    }

    /// A model.bin's float net, or with `int8` its integer net, on `set`.
    public static func modelBin(_ loaded: LoadedModel, path: String, int8: Bool, kernels: KernelChoice, set: LabeledImages) throws -> Prediction {
        let m = loaded.model
        let floatNet = try FloatNetwork(m)
        if int8 {
            guard let q = loaded.int8 else { throw EdgeError.usage("\(path) has no int8 network; run 'edge-audit quantize' first") }
            let qn = try IntegerNetwork(q, kernels: kernels)
            return Prediction(names: m.metadata.classNames, set: set, logits: { qn.dequantizedLogits(qn.run(set, $0).logits) },
                              engine: "int8 net, \(qn.isaName) kernels")
        }
        return Prediction(names: m.metadata.classNames, set: set, logits: { floatNet.forward(set.floatBatch($0).data, batch: $0.count).logits },
                          engine: "float net")
    }

    /// An imported int8 model (from a `format` file) on the integer engine.
    public static func imported(_ m: ImportedInt8Model, format: String, names: [String], kernels: KernelChoice, set: LabeledImages) throws -> Prediction {
        let qn = try IntegerNetwork(m.graph, kernels: kernels)
        return Prediction(names: names, set: set, logits: { qn.dequantizedLogits(qn.run(set, $0).logits) },
                          engine: "int8 net from \(format) (TFLite Micro semantics), \(qn.isaName) kernels")
    }

    /// Writes every image's line to `write` in batches of 256 (CSV header first), advancing
    /// `progress`; returns the writer holding the counts.
    public func run(format: PredictionWriter.Format, withLogits: Bool, progress: ProgressBar, write: (String) -> Void) -> PredictionWriter {
        var w = PredictionWriter(format: format, names: names, withLogits: withLogits)
        if let h = w.header { write(h) }
        var start = 0
        while start < set.count {
            let idx = Array(start..<min(set.count, start + 256))
            write(w.lines(set, idx, logits: logits(idx)))
            progress.advance(idx.count)
            start += idx.count
        }
        progress.finish()
        return w
    }
}
