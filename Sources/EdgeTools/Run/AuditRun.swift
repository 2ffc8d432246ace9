import EdgeAttacks
import EdgeAudit
import EdgeCore
import EdgeData
import EdgeFloat
import EdgeModel
import EdgeQuant

/// `audit`: everything between parsing and printing. Every check runs before any work
/// (output folder and its lock, gates, baseline, model, memory), then the stages, then the
/// report folder is replaced as a whole.
public struct AuditRun {
    /// Model, image folder and report folder paths.
    public var model: String, images: String, out: String
    /// Settings after the profile's overrides.
    public var settings: AuditSettings
    /// The part of the work (`--shard`).
    public var shard: AuditShard = .whole
    /// int8 kernels.
    public var kernels: KernelChoice = .auto
    /// Fail on the first bad image.
    public var strict = false
    /// Gates file and baseline report, if any, and whether a baseline of another model is accepted.
    public var gates: String?, baseline: String?, allowBaselineMismatch = false
    /// Calibration folder (on-the-fly quantisation, temperature scaling).
    public var calibration: String
    /// `--ce-baseline` (nil: the default; "none": skip mCE).
    public var ceBaseline: String?
    /// No progress bars.
    public var quiet = false
    /// The tool's version for the report.
    public var toolVersion: String
    /// Class names and preprocessing of an imported model.
    public var importing = ImportSettings()

    /// A run of `model` on `images` into `out`.
    public init(model: String, images: String, out: String, settings: AuditSettings, calibration: String, toolVersion: String) {
        self.model = model; self.images = images; self.out = out; self.settings = settings
        self.calibration = calibration; self.toolVersion = toolVersion
    }

    /// Runs the audit of a model.bin or a float TFLite/ONNX file (`ModelLoading.load`); `log`
    /// takes warnings and notes. Returns the report written.
    public func run(log: (String) -> Void) throws -> AuditReport {
        let s = settings
        if shard != .whole, gates != nil || baseline != nil {
            throw EdgeError.usage("--gates and --baseline apply to the whole run: pass them to 'edge-audit merge' instead of to a shard")
        }
        let folder = try ReportFolder(out, allowed: AuditJob.reportFiles)
        defer { folder.release() }
        let gateList = try gates.map { try Gates.parse(String(decoding: try AtomicFile.read($0, limit: 1 << 20), as: UTF8.self), path: $0) } ?? []
        let base = try baseline.map { try Baseline.read($0) }
        guard FileKind.of(images, followSymlinks: true) == .directory else {
            throw EdgeError.missingInput(path: images, reason: FileKind.of(images, followSymlinks: true) == nil ? "no such folder" : "is not a folder of class folders")
        }
        let (bytes, decoded) = try ModelLoading.load(model, for: "audit", importing: importing, log: log)
        let sha = SHA256.hex(bytes)
        try Gates.validate(gateList, known: Self.planned(decoded, settings: s), baseline: base?.results)
        if let base, let path = baseline {
            for w in try base.checkIdentity(path: path, modelSHA256: sha, allowMismatch: allowBaselineMismatch) { log("warning: " + w) }
        }
        try MemoryBudget.check(estimate: AuditMemory.estimate(decoded.model.graph, settings: s, images: s.limit ?? 0), what: "this audit")
        let (loaded, onTheFly) = try Int8OnTheFly.ensure(model, decoded: decoded, calibration: calibration, log: log)
        guard let q = loaded.int8 else { throw EdgeError.internalError("no int8 network") }
        let shape = loaded.model.graph.inputShape
        let r = try ImageFolder.load(images, classNames: loaded.model.metadata.classNames, shape: (shape[0], shape[1], shape[2]),
                                     strict: strict, limit: s.limit)
        ImageLoading.notes(r, channels: shape[0]).forEach(log)
        try MemoryBudget.check(estimate: AuditMemory.estimate(loaded.model.graph, settings: s, images: r.images.count),
                               what: "this audit of \(r.images.count) images")
        if let base, let path = baseline { base.warnings(path: path, imageCount: r.images.count, profile: s.profile).forEach { log("warning: " + $0) } }
        let int8 = try IntegerNetwork(q, kernels: kernels)
        log("edge-audit \(toolVersion): \(model) on \(r.images.count) images from \(images)")
        log("settings: " + s.described.map { "\($0.0)=\($0.1)" }.joined(separator: " "))
        var runner = AuditRunner(float: try FloatNetwork(loaded.model), int8: int8, set: r.images, settings: s, quiet: quiet, shard: shard)
        runner.ste = try StraightThrough.network(loaded.model, q)
        let (baseNet, baseWhy) = try ceBaselineNet(shape: shape, classes: loaded.model.metadata.classNames.count)
        runner.setCEBaseline(baseNet, reason: baseWhy)
        if s.temperatureScaling { runner.calibration = try ImageLoading.load(calibration, for: loaded.model, strict: false, limit: nil, log: log) }
        let (records, timings) = try runner.record()
        let file = ShardFile(shard: shard, toolVersion: toolVersion, modelPath: model, modelSHA256: sha, quantizedOnTheFly: onTheFly,
                             calibration: q.method == "imported" ? "the file's own int8 quantisation (float net: its dequantised twin)"
                                : "\(q.method) on \(q.calibrationImages) images", imagesPath: images, imageCount: r.images.count,
                             skippedImages: r.skipped.count, classNames: r.images.classNames, settings: s,
                             environment: ["threads": "\(Parallel.threads)", "int8_kernels": int8.isaName], records: records,
                             timings: Dictionary(timings, uniquingKeysWith: +))
        let report = try AuditJob.report(file, gates: gateList, baseline: base?.results)
        try folder.commit(try AuditJob.files(report, records: shard == .whole ? nil : file))
        return report
    }

    /// The metric names the run can produce, before quantising: the int8 node names are then a
    /// subset of the float ones.
    static func planned(_ decoded: LoadedModel, settings s: AuditSettings) -> Set<String> {
        let g = decoded.model.graph, names = decoded.model.metadata.classNames
        let side = min(g.inputShape[1], g.inputShape[2])
        return decoded.int8.map { AuditRunner.plannedMetrics(settings: s, int8: $0, hasSTE: true, imageSide: side, classNames: names) }
            ?? AuditRunner.plannedMetrics(settings: s, layers: g.nodes.map(\.name), probes: g.nodes.map(\.name), hasSTE: true, imageSide: side,
                                          classNames: names)
    }

    /// The mCE baseline's float net, or nil and why not.
    func ceBaselineNet(shape: [Int], classes: Int) throws -> ((net: FloatNetwork, name: String)?, String) {
        if ceBaseline == "none" { return (nil, "--ce-baseline none") }
        guard let path = ceBaseline ?? CEBaseline.defaultPath(modelPath: model) else {
            return (nil, "the default baseline \(CEBaseline.fileName) was not found; pass --ce-baseline MODEL")
        }
        let m = try QuantizedModelFile.decode(try ModelLoading.modelBin(path, for: "audit --ce-baseline"), path: path).model
        guard m.graph.inputShape == shape, m.metadata.classNames.count == classes else {
            let why = "the baseline \(path) takes \(m.graph.inputShape) with \(m.metadata.classNames.count) classes, the audited model \(shape) with \(classes)"
            if ceBaseline != nil { throw EdgeError.usage(why) }
            return (nil, why + "; pass --ce-baseline MODEL")
        }
        return ((try FloatNetwork(m), path), "")
    }
}
