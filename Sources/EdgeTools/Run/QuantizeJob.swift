import EdgeCore
import EdgeData
import EdgeFloat
import EdgeModel
import EdgeQuant
import EdgeTrain

/// `quantize`: post-training int8 quantisation of a model.bin, written with both nets, and
/// the calibration-set accuracy of each so a broken quantisation shows at once.
public enum QuantizeJob {
    /// Quantises `loaded` (read from `model` as `sourceBytes`) on `cal` (loaded from
    /// `calibrationPath`), writes float + int8 with its provenance to `out` and returns the
    /// two lines to print.
    /// `importArguments` are the `--labels/--input-scale/--mean/--std` flags an imported source
    /// was read with (recorded in the recipe).
    public static func run(model: String, _ loaded: LoadedModel, sourceBytes: [UInt8], importArguments: [String] = [], calibration cal: LabeledImages,
                           calibrationPath: String, options: Quantizer.Options, out: String) throws -> [String] {
        let record = try RecipeProvenance.quantize(source: model, sourceBytes: sourceBytes, importArguments: importArguments, calibration: calibrationPath,
                                                   images: cal, options: options)
        let q = try Int8OnTheFly.quantize(model, loaded.model, calibration: cal, options: options)
        AtomicFile.removeStaleTemps(besides: out)
        try QuantizedModelFile.write(loaded.model, int8: q, provenance: record, to: out)
        let fAcc = Evaluator.accuracy(try FloatNetwork(loaded.model), cal)
        let qAcc = Int8Evaluator.accuracy(try IntegerNetwork(q), cal)
        return ["wrote \(out): int8 network of \(q.nodes.count) layers, \(options.method.rawValue) calibration on \(cal.count) images\(options.perTensor ? ", per-tensor weights" : "")",
                String(format: "calibration-set accuracy: float %.4f, int8 %.4f", fAcc, qAcc)]
    }
}

/// Accuracy of an int8 net.
public enum Int8Evaluator {
    /// The fraction of `set` the int8 net classifies as labelled (0 for an empty set), in
    /// batches of 512.
    public static func accuracy(_ net: IntegerNetwork, _ set: LabeledImages) -> Double {
        var correct = 0
        var start = 0
        while start < set.count {
            let idx = Array(start..<min(set.count, start + 512))
            correct += zip(net.predict(set, idx), idx.map { set.labels[$0] }).filter { $0 == $1 }.count
            start += idx.count
        }
        return set.count == 0 ? 0 : Double(correct) / Double(set.count)
    }
}
