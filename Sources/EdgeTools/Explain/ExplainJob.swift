import EdgeAttacks
import EdgeCore
import EdgeData
import EdgeFloat
import EdgeInformation
import EdgeQuant
import Foundation

/// `explain`: attribution maps (Integrated Gradients, SmoothGrad, Grad-CAM) of a class logit
/// for every image, written as attributions.npy, index.json and one PNG overlay per image
/// (docs/saliency.md). The int8 net is explained through its STE simulation, the integer
/// engine having no gradients.
public struct ExplainJob {
    /// The model.bin path, the image folder and the output folder.
    public var model: String, images: String, out: String
    /// ig, smoothgrad or gradcam.
    public var method = "ig"
    /// IG's steps M (ig only; default 32).
    public var steps: Int?
    /// SmoothGrad's samples S and noise σ in pixel units (smoothgrad only; defaults 50, 0.15).
    public var samples: Int?, noise: Double?
    /// float or int8 (the STE simulation).
    public var net = "float"
    /// The explained class for every image; nil: the float net's prediction.
    public var targetClass: Int?
    /// At most this many images, evenly spread.
    public var limit: Int?
    /// SmoothGrad's seed.
    public var seed: UInt64 = 1
    /// Also write SmoothGrad's noise as noise.npy (for checking against another implementation).
    public var saveNoise = false
    /// Calibration images when `net` is int8 and the model has no int8 net.
    public var calibration = "calibration/fashion-mnist"
    /// Bad image files are fatal; no progress bar.
    public var strict = false, quiet = false

    /// A job on `model` and `images` writing into `out`, with the command's defaults.
    public init(model: String, images: String, out: String) { self.model = model; self.images = images; self.out = out }

    /// The options the flags describe, or a usage error naming the first bad flag.
    public func options() throws -> SaliencyOptions {
        guard let m = SaliencyMethod(rawValue: method) else { throw EdgeError.usage("--method must be ig, smoothgrad or gradcam, got '\(method)'") }
        var o = SaliencyOptions(method: m, seed: seed)
        if let steps {
            guard m == .ig else { throw EdgeError.usage("--steps applies to --method ig only") }
            guard (1...4096).contains(steps) else { throw EdgeError.usage("--steps must be in 1...4096, got \(steps)") }
            o.steps = steps
        }
        if samples != nil || noise != nil || saveNoise, m != .smoothgrad {
            throw EdgeError.usage("--samples, --noise and --save-noise apply to --method smoothgrad only")
        }
        if let samples {
            guard (1...10_000).contains(samples) else { throw EdgeError.usage("--samples must be in 1...10000, got \(samples)") }
            o.samples = samples
        }
        if let noise {
            guard noise.isFinite, noise > 0, noise <= 1 else { throw EdgeError.usage("--noise must be in (0, 1] (pixel units), got \(noise)") }
            o.noise = noise
        }
        guard net == "float" || net == "int8" else { throw EdgeError.usage("--net must be float or int8, got '\(net)'") }
        if let limit, limit <= 0 { throw EdgeError.usage("--limit must be positive, got \(limit)") }
        if let targetClass, targetClass < 0 { throw EdgeError.usage("--class must be ≥ 0, got \(targetClass)") }
        return o
    }

    /// Checks every flag and the output folder, computes the maps, writes the folder in one
    /// swap and returns the summary to print.
    public func run() throws -> String {
        let o = try options()
        try OutputPaths.checkDisjoint(output: out, input: images)
        let folder = try ReportFolder(out, accepting: ExplainOutput.accepts)
        defer { folder.release() }
        let decoded = try QuantizedModelFile.decode(try ModelLoading.modelBin(model, for: "explain"), path: model)
        let float = try FloatNetwork(decoded.model)
        if let k = targetClass, k >= float.classes {
            throw EdgeError.usage("--class must be below the model's \(float.classes) classes, got \(k)")
        }
        let (explained, label) = try network(decoded, float: float)
        if o.method == .gradcam, GradCAM.layer(explained) == nil {
            throw EdgeError.usage("--method gradcam needs a convolution with a spatial output; \(model) has none")
        }
        let set = try ImageLoading.load(images, for: decoded.model, strict: strict, limit: limit, log: printError)
        guard set.count > 0 else { throw EdgeError.badData(path: images, reason: "no usable images") }
        if saveNoise {
            try MemoryBudget.check(estimate: 4 * set.count * o.samples * set.imageSize, what: "--save-noise (\(set.count) images × \(o.samples) samples)")
        }
        let started = Date()
        let r = compute(float: float, explained: explained, set: set, options: o)
        let secs = Date().timeIntervalSince(started)
        let files = try ExplainOutput.files(r, set: set, options: o, net: label, model: model, classes: decoded.model.metadata.classNames)
        try folder.commit(files)
        return "explained \(set.count) images of \(images) with \(o.described) on the \(label) in \(String(format: "%.1f", secs)) s; "
            + "wrote \(out)/attributions.npy [\(set.count), \(r.channels), \(set.height), \(set.width)], \(out)/index.json and \(set.count) overlays"
            + (saveNoise ? ", \(out)/noise.npy" : "")
    }

    /// The net to differentiate and its description.
    func network(_ decoded: LoadedModel, float: FloatNetwork) throws -> (FloatNetwork, String) {
        guard net == "int8" else { return (float, "float net") }
        let (loaded, _) = try Int8OnTheFly.ensure(model, decoded: decoded, calibration: calibration, log: printError)
        guard let q = loaded.int8 else { throw EdgeError.internalError("no int8 network") }
        return (try StraightThrough.network(loaded.model, q),
                "int8 net (STE simulation: dequantised int8 weights, every int8 layer's output rounded to its grid, straight-through gradients)")
    }

    /// The maps of every image in batches of 100, with a progress bar.
    func compute(float: FloatNetwork, explained: FloatNetwork, set: LabeledImages, options o: SaliencyOptions) -> ExplainOutput.Result {
        var r = ExplainOutput.Result(channels: o.method == .gradcam ? 1 : set.channels)
        if let k = targetClass { r.classSource = "--class \(k)" }
        let bar = ProgressBar("explain", total: set.count, quiet: quiet)
        for range in Parallel.chunks(set.count, size: 100) {
            let idx = Array(range), b = idx.count
            let x = set.floatBatch(idx).data
            let predicted = SoftmaxCrossEntropy.argmax(float.forward(x, batch: b).logits, classes: float.classes)
            let classes = targetClass.map { [Int](repeating: $0, count: b) } ?? predicted
            let maps = Saliency.maps(explained, x: x, batch: b, classes: classes, options: o, streams: idx.map(UInt64.init), keepNoise: saveNoise)
            let k = explained.classes
            let logits = explained.forward(x, batch: b).logits
            let zero = o.method == .ig ? explained.forward([Float](repeating: 0, count: x.count), batch: b).logits : []
            r.values += maps.values
            r.noise += maps.noise ?? []
            r.classes += classes
            for n in 0..<b {
                r.logits.append(Double(logits[n * k + classes[n]]))
                r.baselineLogits.append(zero.isEmpty ? nil : Double(zero[n * k + classes[n]]))
            }
            bar.advance(b)
        }
        bar.finish()
        return r
    }
}
