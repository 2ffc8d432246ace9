import EdgeAudit
import EdgeCore
import EdgeData
import EdgeFloat
import EdgeModel
import EdgeQuant
import Foundation

/// `device bundle`: the inputs an audit feeds the int8 net (clean, adversarial, corrupted),
/// as raw HWC uint8 for `edge-run`, with the host engine's int8 logits beside them.
public enum DeviceBundler {
    /// Checks the output folder against the inputs and builds the audit settings the sets
    /// follow: `profile` with the overrides given (exit 2 for a bad value, 73 for an `out`
    /// that is not a folder). `eps` is parsed by `EpsilonList`.
    public static func settings(out: String, images: String, profile: String, limit: Int?, eps: String?, seed: UInt64?) throws -> AuditSettings {
        try OutputPaths.checkDisjoint(output: out, input: images)
        if let k = FileKind.of(out, followSymlinks: false), k != .directory {
            throw EdgeError.cannotWrite(path: out, reason: "it is \(k.phrase); --out must name a folder")
        }
        guard var s = AuditSettings.profile(profile) else { throw EdgeError.usage("--profile must be quick, default or full, got '\(profile)'") }
        if let limit { guard limit > 0 else { throw EdgeError.usage("--limit must be positive") }; s.limit = limit }
        if let eps { s.eps = try EpsilonList.parse(eps) }
        if let seed { s.seed = seed }
        return s
    }

    /// Writes the bundle for the model.bin `bytes` (read from `model`) and the images under
    /// `images` into `out`; returns the manifest written. The model must carry its int8 net:
    /// the board runs this very file, so nothing is quantised on the fly.
    public static func write(model: String, bytes: [UInt8], images: String, out: String, settings s: AuditSettings,
                             cleanOnly: Bool, log: (String) -> Void) throws -> DeviceManifest {
        let loaded = try QuantizedModelFile.decode(bytes, path: model)
        guard let q = loaded.int8 else { throw EdgeError.usage("\(model) has no int8 network; run 'edge-audit quantize' first") }
        guard loaded.model.metadata.classNames.count <= 256 else { throw EdgeError.usage("device bundles hold at most 256 classes") }
        let set = try ImageLoading.load(images, for: loaded.model, strict: false, limit: s.limit, log: log)
        guard set.count > 0 else { throw EdgeError.badData(path: images, reason: "no images") }
        let float = try FloatNetwork(loaded.model)
        let int8 = try IntegerNetwork(q, kernels: .auto)
        for dir in [out, out + "/sets", out + "/host"] {
            do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
            catch { throw EdgeError.cannotWrite(path: dir, reason: error.localizedDescription) }
        }
        var sets: [DeviceSet] = []
        func emit(_ name: String, _ description: String, _ images: LabeledImages) throws {
            try AtomicFile.write(DeviceInputs.hwc(images), to: "\(out)/sets/\(name).u8")
            let logits = int8.run(images, Array(0..<images.count)).logits
            try AtomicFile.write(logits.map { UInt8(bitPattern: $0) }, to: "\(out)/host/\(name).i8")
            try AtomicFile.write(images.labels.map { UInt8(truncatingIfNeeded: $0) }, to: "\(out)/host/\(name).labels")
            sets.append(DeviceSet(name: name, description: description, images: images.count))
        }
        try emit("clean", "the images as loaded", set)
        if !cleanOnly {
            for (ei, e) in s.eps.enumerated() {
                let key = "eps_\(MetricKey.number(e))"
                try emit("fgsm-\(key)", "FGSM ε=\(e) crafted on the float net, snapped to uint8 (the audit's int8.fgsm)",
                         DeviceInputs.fgsm(float, set, eps: e))
                try emit("pgd-\(key)", "PGD-\(s.pgdSteps) ε=\(e) crafted on the float net, snapped to uint8 (the audit's int8.pgd)",
                         DeviceInputs.pgd(float, set, settings: s, epsIndex: ei))
            }
            let side = min(set.height, set.width)
            // A corruption with no level at this image size (a patch grid that does not fit)
            // has no set, as the audit's corruption stage runs none.
            for c in s.corruptions {
                for level in c.parameters(side: side).indices.map({ $0 + 1 }) {
                    try emit("corruption-\(c.rawValue)-level_\(level)", "\(c.rawValue) level \(level), seed \(s.seed) (the audit's corruption stage)",
                             try c.apply(to: set, level: level, seed: s.seed))
                }
            }
        }
        try AtomicFile.write(bytes, to: "\(out)/model.bin")
        let shape = loaded.model.graph.inputShape
        let manifest = DeviceManifest(modelSHA256: SHA256.hex(SHA256.digest(bytes)), inputHWC: [shape[1], shape[2], shape[0]],
                                      classes: int8.classes, profile: s.profile, seed: s.seed, sets: sets)
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .prettyPrinted]
        try AtomicFile.write(Array(try enc.encode(manifest)), to: "\(out)/manifest.json")
        try AtomicFile.write(Array(DeviceInputs.boardScript.utf8), to: "\(out)/run-on-board.sh")
        _ = chmod("\(out)/run-on-board.sh", 0o755)
        return manifest
    }

    /// The line `device bundle` ends with.
    public static func summary(_ m: DeviceManifest, out: String) -> String {
        let total = m.sets.reduce(0) { $0 + $1.images }
        return "wrote \(m.sets.count) input sets (\(total) images) with host int8 logits to \(out); on the board: sh run-on-board.sh ./edge-run"
    }
}
