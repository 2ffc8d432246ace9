import ArgumentParser
import EdgeAttacks
import EdgeAudit
import EdgeCore
import EdgeData
import EdgeFloat
import EdgeModel
import EdgeQuant
import Foundation

/// `edge-audit device`: the on-board parity check. `bundle` writes the inputs an audit
/// feeds the int8 net (clean, adversarial, corrupted; raw HWC uint8 for `edge-run`) with the
/// host engine's int8 logits; `verify` compares a board's logits with them bit for bit.
struct DeviceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "device", abstract: "Bundle inputs for a board, verify its logits.",
                                                    subcommands: [DeviceBundle.self, DeviceVerify.self])
}

/// One input set of a bundle, as listed in manifest.json.
struct DeviceSet: Codable {
    /// Set name, also the file stem: "clean", "fgsm-eps_0.05", "corruption-jpeg-level_3".
    var name: String
    /// What the images are and how they were made.
    var description: String
    /// Number of images.
    var images: Int
}

/// manifest.json of a bundle.
struct DeviceManifest: Codable {
    /// Layout version of the bundle.
    var version = 1
    /// SHA-256 of model.bin, so a verify against another model's logits is caught.
    var modelSHA256: String
    /// Input image [H, W, C] (the byte order of every sets/*.u8 image).
    var inputHWC: [Int]
    /// Logits per image (at most 256, so host/NAME.labels holds one byte per image).
    var classes: Int
    /// The audit settings the inputs follow.
    var profile: String
    var seed: UInt64
    /// The input sets, in the order the audit runs them.
    var sets: [DeviceSet]
}

/// `edge-audit device bundle MODEL --images DIR --out B`.
struct DeviceBundle: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bundle", abstract: "Write an audit's int8 inputs and the host's int8 logits for a board.")

    @Argument(help: "model.bin with an int8 network.") var model: String
    @Option(help: "Folder of class folders (DIR/<class>/*.png|jpg).") var images: String
    @Option(help: "Output folder (created).") var out: String
    @Option(help: "quick, default or full: which ε, PGD images and corruptions, as the audit.") var profile = "quick"
    @Option(help: "Override: use at most N images.") var limit: Int?
    @Option(help: "Override: comma-separated ε list.") var eps: String?
    @Option(help: "Override: seed.") var seed: UInt64?
    @Flag(help: "Only the clean images (no attacks, no corruptions).") var cleanOnly = false
    @OptionGroup var compute: ComputeOptions

    func run() throws {
        try compute.apply()
        guard var s = AuditSettings.profile(profile) else { throw EdgeError.usage("--profile must be quick, default or full, got '\(profile)'") }
        if let limit { guard limit > 0 else { throw EdgeError.usage("--limit must be positive") }; s.limit = limit }
        if let eps {
            let v = eps.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard !v.isEmpty, v.allSatisfy({ $0 != nil && $0! > 0 && $0! <= 1 }) else { throw EdgeError.usage("--eps must be a comma-separated list of numbers in (0, 1], got '\(eps)'") }
            s.eps = v.compactMap { $0 }
        }
        if let seed { s.seed = seed }
        let bytes = try ModelLoading.modelBin(model, for: "device bundle")
        let loaded = try QuantizedModelFile.decode(bytes, path: model)
        // The board runs this file, so it must carry its int8 net (no on-the-fly quantisation).
        guard let q = loaded.int8 else { throw EdgeError.usage("\(model) has no int8 network; run 'edge-audit quantize' first") }
        guard loaded.model.metadata.classNames.count <= 256 else { throw EdgeError.usage("device bundles hold at most 256 classes") }
        let set = try CLISupport.loadImages(images, for: loaded.model, strict: false, limit: s.limit)
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
            for c in s.corruptions {
                for level in 1...c.parameters(side: side).count {
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
        let total = sets.reduce(0) { $0 + $1.images }
        print("wrote \(sets.count) input sets (\(total) images) with host int8 logits to \(out); on the board: sh run-on-board.sh ./edge-run")
    }
}

/// `edge-audit device verify B [LOGITS…] [--runner CMD]`.
struct DeviceVerify: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "verify", abstract: "Compare a board's int8 logits with the host's, bit for bit.")

    @Argument(help: "Bundle folder written by 'device bundle'.") var bundle: String
    @Argument(help: "The board's logits: NAME.i8 files or folders holding them (default: BUNDLE/board).") var logits: [String] = []
    @Option(help: "Run the sets here with this command instead (split at spaces), e.g. \"qemu-aarch64 -cpu cortex-a53 .build/device/aarch64-linux/edge-run\".")
    var runner: String?

    func run() throws {
        let mpath = bundle + "/manifest.json"
        let mbytes = try AtomicFile.read(mpath, limit: 16 << 20)
        let manifest: DeviceManifest
        do { manifest = try JSONDecoder().decode(DeviceManifest.self, from: Data(mbytes)) }
        catch { throw EdgeError.badData(path: mpath, reason: "not a device bundle manifest: \(error)") }
        let modelBytes = try AtomicFile.read(bundle + "/model.bin", limit: 512 << 20)
        guard SHA256.hex(SHA256.digest(modelBytes)) == manifest.modelSHA256 else {
            throw EdgeError.badData(path: bundle + "/model.bin", reason: "does not match the manifest's SHA-256")
        }
        var found: [String: String] = [:]
        var bench: String? = nil
        if let runner {
            let board = bundle + "/board"
            do { try FileManager.default.createDirectory(atPath: board, withIntermediateDirectories: true) }
            catch { throw EdgeError.cannotWrite(path: board, reason: error.localizedDescription) }
            let cmd = runner.split(separator: " ").map(String.init)
            guard !cmd.isEmpty else { throw EdgeError.usage("--runner is empty") }
            for s in manifest.sets {
                let dst = "\(board)/\(s.name).i8"
                let (code, _) = try DeviceInputs.execute(cmd + ["\(bundle)/model.bin", "\(bundle)/sets/\(s.name).u8"], stdout: dst)
                guard code == 0 else { throw EdgeError.badData(path: dst, reason: "the runner exited \(code) on set \(s.name)") }
                found[s.name] = dst
            }
            let (code, text) = try DeviceInputs.execute(cmd + ["--bench", "\(bundle)/model.bin", "\(bundle)/sets/clean.u8"], stdout: "\(board)/bench.txt")
            if code == 0 { bench = text }
        } else {
            let paths = logits.isEmpty ? [bundle + "/board"] : logits
            for p in paths {
                var isDir: ObjCBool = false
                guard FileManager.default.fileExists(atPath: p, isDirectory: &isDir) else { throw EdgeError.missingInput(path: p, reason: "no such file or folder") }
                let files = isDir.boolValue ? ((try? FileManager.default.contentsOfDirectory(atPath: p)) ?? []).map { p + "/" + $0 } : [p]
                for f in files where f.hasSuffix(".i8") { found[((f as NSString).lastPathComponent as NSString).deletingPathExtension] = f }
                if isDir.boolValue, let b = try? String(contentsOfFile: p + "/bench.txt", encoding: .utf8) { bench = b }
            }
        }
        let k = manifest.classes
        var failed = 0
        print("set                                  images  board accuracy  identical  mismatched")
        for s in manifest.sets {
            let host = try AtomicFile.read("\(bundle)/host/\(s.name).i8", limit: 1 << 30)
            guard let path = found[s.name] else {
                print(pad(s.name, 36) + "  " + pad("\(s.images)", 6) + "  " + pad("-", 14) + "  missing: no \(s.name).i8")
                failed += 1
                continue
            }
            let board = try AtomicFile.read(path, limit: 1 << 30)
            guard host.count == s.images * k else { throw EdgeError.badData(path: "\(bundle)/host/\(s.name).i8", reason: "expected \(s.images * k) bytes") }
            let labels = try AtomicFile.read("\(bundle)/host/\(s.name).labels", limit: 1 << 30)
            guard labels.count == s.images else { throw EdgeError.badData(path: "\(bundle)/host/\(s.name).labels", reason: "expected \(s.images) bytes") }
            var same = 0, correct = 0
            var first: Int? = nil
            for i in 0..<s.images {
                let lo = i * k
                guard board.count >= lo + k else { if first == nil { first = i }; continue }
                if board[lo..<(lo + k)] == host[lo..<(lo + k)] { same += 1 } else if first == nil { first = i }
                // The prediction as the host makes it: argmax of the int8 logits, first index on ties.
                var best = 0
                for j in 1..<max(k, 1) where Int8(bitPattern: board[lo + j]) > Int8(bitPattern: board[lo + best]) { best = j }
                if best == Int(labels[i]) { correct += 1 }
            }
            let accuracy = String(format: "%.2f%%", 100 * Double(correct) / Double(max(s.images, 1)))
            let extra = board.count != host.count ? " (board file has \(board.count) bytes, expected \(host.count))" : ""
            print(pad(s.name, 36) + "  " + pad("\(s.images)", 6) + "  " + pad(accuracy, 14) + "  " + pad("\(same)", 9) + "  \(s.images - same)"
                  + (first.map { ", first at image \($0)" } ?? "") + extra)
            if same != s.images || !extra.isEmpty { failed += 1 }
        }
        if let bench { print("board latency (edge-run --bench on clean): " + bench.trimmingCharacters(in: .whitespacesAndNewlines)) }
        if failed > 0 {
            printError("device verify: \(failed) of \(manifest.sets.count) sets differ from the host's int8 logits")
            throw ExitCode(1)
        }
        print("all \(manifest.sets.count) sets bit-identical to the host's int8 logits")
    }

    private func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
}

/// The input sets, made exactly as `AuditRunner` makes them (same batches, seeds and
/// snapping), and the byte layout the board runner reads.
enum DeviceInputs {
    /// Images per batch, as the audit's (attack streams are seeded per batch).
    static let batch = 100

    /// Planar CHW uint8 (LabeledImages) → HWC, image after image (edge-run's IMAGES.u8).
    static func hwc(_ set: LabeledImages) -> [UInt8] {
        let (c, hw) = (set.channels, set.height * set.width)
        if c == 1 { return set.pixels }
        var out = [UInt8](repeating: 0, count: set.pixels.count)
        for i in 0..<set.count {
            let base = i * set.imageSize
            for ch in 0..<c { for p in 0..<hw { out[base + p * c + ch] = set.pixels[base + ch * hw + p] } }
        }
        return out
    }

    /// The audit's `int8.fgsm` inputs: FGSM on the float net over every image, snapped.
    static func fgsm(_ net: FloatNetwork, _ set: LabeledImages, eps: Double) -> LabeledImages {
        var px: [UInt8] = []
        for chunk in Parallel.chunks(set.count, size: batch) {
            let idx = Array(chunk)
            let adv = GradientAttacks.fgsm(net, x: set.floatBatch(idx).data, labels: idx.map { set.labels[$0] }, eps: Float(eps))
            px += PixelGrid.snap(adversarial: adv, clean: clean(set, idx))
        }
        return set.withPixels(px, labels: set.labels)
    }

    /// The audit's `int8.pgd` inputs: PGD on `pgdImages` images spread over the set, with
    /// the audit's per-(ε, batch) random streams, snapped.
    static func pgd(_ net: FloatNetwork, _ set: LabeledImages, settings s: AuditSettings, epsIndex ei: Int) -> LabeledImages {
        let m = min(s.pgdImages ?? set.count, set.count)
        let spread = (0..<m).map { $0 * set.count / max(m, 1) }
        let e = Float(s.eps[ei])
        var px: [UInt8] = [], labels: [Int] = []
        for (bi, chunk) in Parallel.chunks(m, size: batch).enumerated() {
            let idx = Array(spread[chunk])
            var rng = SeededGenerator(seed: s.seed, stream: 0x5047_44, UInt64(ei), UInt64(bi))
            let adv = GradientAttacks.pgd(net, x: set.floatBatch(idx).data, labels: idx.map { set.labels[$0] }, eps: e,
                                          stepSize: 2.5 * e / Float(max(s.pgdSteps, 1)), steps: s.pgdSteps, restarts: s.pgdRestarts, rng: &rng)
            px += PixelGrid.snap(adversarial: adv, clean: clean(set, idx))
            labels += idx.map { set.labels[$0] }
        }
        return set.withPixels(px, labels: labels)
    }

    private static func clean(_ set: LabeledImages, _ idx: [Int]) -> [UInt8] {
        var out: [UInt8] = []
        for i in idx { out += set.pixels[(i * set.imageSize)..<((i + 1) * set.imageSize)] }
        return out
    }

    /// Runs `argv` (looked up on PATH) with stdout to the file `stdout`; returns the exit
    /// code and that output as text (for --bench lines).
    static func execute(_ argv: [String], stdout path: String) throws -> (Int32, String) {
        guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
            throw EdgeError.cannotWrite(path: path, reason: "cannot create")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = argv
        p.standardOutput = h
        do { try p.run() } catch { throw EdgeError.missingInput(path: argv[0], reason: "cannot run: \(error.localizedDescription)") }
        p.waitUntilExit()
        try? h.close()
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return (p.terminationStatus, text)
    }

    /// run-on-board.sh, written into every bundle.
    static let boardScript = """
        #!/bin/sh
        # Runs edge-run on every input set of this bundle and times the clean set:
        #   sh run-on-board.sh [path/to/edge-run]     (default ./edge-run)
        # then copy the board/ folder back and run: edge-audit device verify BUNDLE
        set -e
        cd "$(dirname "$0")"
        R=${1:-./edge-run}
        mkdir -p board
        for f in sets/*.u8; do
          n=$(basename "$f" .u8)
          "$R" model.bin "$f" > "board/$n.i8"
        done
        "$R" --bench model.bin sets/clean.u8 > board/bench.txt
        cat board/bench.txt

        """
}
