import EdgeAttacks
import EdgeCore
import EdgeData
import EdgeFloat
import EdgeInformation
import EdgeQuant
import Foundation

/// `fisher`: per-image input Fisher information norms and CCKL (Shi et al.), on the float
/// net or the int8 net's straight-through simulation, optionally with MIAT's MI.
public struct FisherJob {
    /// The model.bin path.
    public var model: String
    /// Images in class folders.
    public var images: String
    /// "float" or "int8" (the STE simulation: the integer engine has no gradients).
    public var net = "float"
    /// At most this many images, evenly spread.
    public var limit: Int?
    /// A JSON-lines file of per-image norms, when wanted.
    public var perImage: String?
    /// "table" or "json".
    public var format = "table"
    /// Class names and preprocessing of an imported model.
    public var importing = ImportSettings()
    /// Calibration images for `net` "int8" when the model has no int8 net.
    public var calibration = "calibration/fashion-mnist"
    /// "float32" or "float64" Jacobian arithmetic.
    public var precision = "float32"
    /// Whether to estimate MIAT's natural and adversarial MI.
    public var miat = false
    /// PGD-L∞ radius (and ±noise size) of the MIAT samples.
    public var miatEps = 0.1
    /// Whether bad image files are fatal.
    public var strict = false

    /// A job on `model` and `images` with the command's defaults.
    public init(model: String, images: String) { self.model = model; self.images = images }

    /// Checks the flags (in the order the command always has, so the first bad one is the one
    /// reported), measures, writes the per-image file and returns the text to print.
    public func run() throws -> String {
        guard net == "float" || net == "int8" else { throw EdgeError.usage("--net must be float or int8, got '\(net)'") }
        guard format == "table" || format == "json" else { throw EdgeError.usage("--format must be table or json, got '\(format)'") }
        guard let prec = FisherInformation.Precision(rawValue: precision) else { throw EdgeError.usage("--precision must be float32 or float64, got '\(precision)'") }
        if let limit, limit <= 0 { throw EdgeError.usage("--limit must be positive, got \(limit)") }
        guard miatEps.isFinite, miatEps > 0, miatEps <= 1 else { throw EdgeError.usage("--miat-eps must be in (0, 1], got \(miatEps)") }
        if let perImage { try AtomicFile.checkWritableTarget(perImage) }
        let (network, engine, label, loaded) = try nets()
        // The K × K eigenproblem and K backward passes per image: bounded so no model can
        // make the command run for hours.
        guard network.classes <= 256 else {
            throw EdgeError.usage("\(model) has \(network.classes) classes; 'fisher' supports at most 256 (K backward passes and a K × K eigenproblem per image)")
        }
        if prec == .float64, !DoubleJacobian.supports(network) {
            throw EdgeError.usage("--precision float64 covers our trainer's layers only; this model has general convolutions, padded pools, clips or pads: use float32")
        }
        try MemoryBudget.check(estimate: FisherInformation.peakBytes(net: network, threads: Parallel.threads, precision: prec),
                               what: "the Fisher Jacobians (\(network.classes) classes × \(network.sizes[0]) inputs)")
        let set = try ImageLoading.load(images, for: loaded.model, strict: strict, limit: limit, log: printError)
        guard set.count > 0 else { throw EdgeError.badData(path: images, reason: "no usable images") }
        let started = Date()
        let per = FisherInformation.measure(net: network, x: set.floatBatch(Array(0..<set.count)).data, batch: set.count, precision: prec)
        let secs = Date().timeIntervalSince(started)
        let summary = FisherSummary(per, labels: set.labels, classNames: set.classNames)
        let mi = miat ? try naturalAdversarialMI(set, crafting: network, engine: engine) : nil
        if let perImage { try AtomicFile.write(Array(FisherText.perImageLines(per, set).utf8), to: perImage) }
        let netLine = label + ", Jacobian in \(precision)"
        if format == "json" { return try FisherText.json(summary, net: netLine, images: set.count, seconds: secs, miat: mi) }
        let table = FisherText.table(summary, net: netLine, images: set.count, seconds: secs, classNames: set.classNames)
        return mi.map { table + "\n" + FisherText.miatTable($0, eps: miatEps) } ?? table
    }

    /// The net to differentiate, the exact integer engine for `int8` (MIAT's outputs), the
    /// description of the measured net, and the decoded model (quantised on the fly if needed).
    func nets() throws -> (FloatNetwork, IntegerNetwork?, String, LoadedModel) {
        let decoded = try ModelLoading.load(model, for: "fisher", importing: importing, log: printError).model
        guard net == "int8" else { return (try FloatNetwork(decoded.model), nil, "float", decoded) }
        let (loaded, _) = try Int8OnTheFly.ensure(model, decoded: decoded, calibration: calibration, log: printError)
        guard let q = loaded.int8 else { throw EdgeError.internalError("no int8 network") }
        return (try StraightThrough.network(loaded.model, q), try IntegerNetwork(q),
                "int8 (STE simulation: dequantised int8 weights, every int8 layer's output rounded to its grid, straight-through gradients)", loaded)
    }
}
