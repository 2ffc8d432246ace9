import ArgumentParser
import EdgeCore
import EdgeTools
import Foundation

/// `edge-audit device`: the on-board parity check. `bundle` writes the inputs an audit
/// feeds the int8 net (clean, adversarial, corrupted; raw HWC uint8 for `edge-run`) with the
/// host engine's int8 logits; `verify` compares a board's logits with them bit for bit.
struct DeviceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "device", abstract: "Bundle inputs for a board, verify its logits.",
                                                    subcommands: [DeviceBundle.self, DeviceVerify.self])
}

/// `edge-audit device bundle MODEL --images DIR --out B`.
struct DeviceBundle: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bundle", abstract: "Write an audit's int8 inputs and the host's int8 logits for a board.")

    @Argument(help: "model.bin with an int8 network.") var model: String
    @Option(help: "Folder of class folders (DIR/<class>/*.png|jpg).") var images: String
    @Option(help: "Output folder (created).") var out: String
    @Option(help: "quick, default or full: which ε, PGD images and corruptions, as the audit.") var profile = "quick"
    @Option(help: "Override: use at most N images.") var limit: Int?
    @Option(help: "Override: comma-separated ε list (numbers or fractions such as 8/255).") var eps: String?
    @Option(help: "Override: seed.") var seed: UInt64?
    @Flag(help: "Only the clean images (no attacks, no corruptions).") var cleanOnly = false
    @OptionGroup var compute: ComputeOptions

    func run() throws {
        try compute.apply()
        let s = try DeviceBundler.settings(out: out, images: images, profile: profile, limit: limit, eps: eps, seed: seed)
        let bytes = try ModelLoading.modelBin(model, for: "device bundle")
        let manifest = try DeviceBundler.write(model: model, bytes: bytes, images: images, out: out, settings: s, cleanOnly: cleanOnly, log: printError)
        print(DeviceBundler.summary(manifest, out: out))
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
        let r = try DeviceVerifier.run(bundle: bundle, logits: logits, runner: runner) { print($0) }
        if let bench = r.bench { print("board latency (edge-run --bench on clean): " + bench.trimmingCharacters(in: .whitespacesAndNewlines)) }
        if r.failedSets > 0 {
            printError("device verify: \(r.failedSets) of \(r.sets) sets differ from the host's int8 logits")
            throw ExitCode(1)
        }
        print("all \(r.sets) sets bit-identical to the host's int8 logits")
    }
}
