import ArgumentParser
import EdgeCore
import EdgeTools
import Foundation

/// The root command: a thin layer that parses, calls the libraries, prints and picks the
/// exit code (0 ok, 1 gate failed, 2 usage, 65 bad data/model, 66 missing input, 70 internal).
struct EdgeAudit: ParsableCommand {
    static let version = SourceCommit.toolVersion
    static let configuration = CommandConfiguration(
        commandName: "edge-audit",
        abstract: "Train, quantise and audit small image classifiers for edge CPUs.",
        version: version,
        subcommands: [Audit.self, Train.self, Quantize.self, DataCommand.self, Inspect.self, Predict.self, Export.self, Bench.self,
                      Corrupt.self, Evaluate.self, Metrics.self, MICommand.self, Attack.self, DeviceCommand.self, FisherCommand.self, Explain.self, Merge.self],
        defaultSubcommand: Audit.self)
}

/// Options shared by the compute-heavy commands.
struct ComputeOptions: ParsableArguments {
    @Option(help: "Worker threads (default: all cores). Results do not depend on it.")
    var threads: Int?

    @Flag(help: "No progress bars.")
    var quiet = false

    @Option(help: "Cap on the estimated peak memory, in MB (default: the smallest of 8 GiB, 90% of RAM, ulimit -v and the cgroup limit).")
    var maxMemory: Int?

    func apply() throws { try ComputeSetup.apply(threads: threads, maxMemoryMB: maxMemory) }
}

@main
enum Main {
    static func main() {
        ComputeSetup.installProcessHandlers()
        do {
            // `edge-audit MODEL …` is the audit's shorthand: a first word that is neither a
            // subcommand nor a file is a typo, not a model path.
            try SubcommandGuess.check(arguments: CommandLine.arguments, subcommands: EdgeAudit.configuration.subcommands.map { $0._commandName } + ["help"])
            var command = try EdgeAudit.parseAsRoot()
            try command.run()
        } catch let e as EdgeError {
            printError("edge-audit: \(e.description)")
            exit(e.exitCode)
        } catch {
            let code = EdgeAudit.exitCode(for: error)
            if code == .success {
                EdgeAudit.exit(withError: error)
            }
            // argument-parser reports usage errors as 64; edge-audit's contract says 2.
            let message = EdgeAudit.fullMessage(for: error)
            if !message.isEmpty { printError(message) }
            exit(code == .validationFailure ? 2 : code.rawValue)
        }
    }
}
