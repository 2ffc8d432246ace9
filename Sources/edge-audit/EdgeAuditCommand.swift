import ArgumentParser
import EdgeCore
import EdgeFloat
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The root command: a thin layer that parses, calls the libraries, prints and picks the
/// exit code (0 ok, 1 gate failed, 2 usage, 65 bad data/model, 66 missing input, 70 internal).
struct EdgeAudit: ParsableCommand {
    static let version = "0.1.0"
    static let configuration = CommandConfiguration(
        commandName: "edge-audit",
        abstract: "Train, quantise and audit small image classifiers for edge CPUs.",
        version: version,
        subcommands: [Audit.self, Train.self, Quantize.self, DataCommand.self, Inspect.self, Predict.self, Export.self, Bench.self,
                      Corrupt.self, Evaluate.self, Metrics.self, MICommand.self, Attack.self, DeviceCommand.self, FisherCommand.self, Merge.self],
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

    func apply() throws {
        if let maxMemory {
            guard maxMemory > 0, maxMemory <= 1 << 30 else { throw EdgeError.usage("--max-memory must be a positive number of MB, got \(maxMemory)") }
            MemoryBudget.override = maxMemory << 20
        }
        if let threads {
            guard threads >= 1 && threads <= 256 else { throw EdgeError.usage("--threads must be in 1...256, got \(threads)") }
            Parallel.threads = threads
        }
        // Under a small address-space limit even the runtime's fixed reservations do not
        // fit: refuse at once rather than let OpenBLAS fail to map its buffers.
        try MemoryBudget.check(estimate: 32 << 20, what: "edge-audit itself (runtime, OpenBLAS buffers, thread stacks)")
        Self.warmUpBLAS()
    }

    /// Maps OpenBLAS's buffers up front under a 5 s watchdog: OpenBLAS spins forever at
    /// 100% CPU when it cannot map one (ulimit -v, cgroup), so a process that cannot is
    /// told so and ends with exit 70 instead of hanging.
    static func warmUpBLAS() {
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            if done.wait(timeout: .now() + 5) == .timedOut {
                let m: StaticString = "edge-audit: not enough memory: OpenBLAS cannot map its GEMM buffers (128 MB per thread); raise ulimit -v or the cgroup limit, or use --threads 1\n"
                _ = write(2, m.utf8Start, m.utf8CodeUnitCount)
                _exit(70)
            }
        }
        Gemm.warmUp(threads: Parallel.threads)
        done.signal()
    }
}

@main
enum Main {
    static func main() {
        #if canImport(Glibc)
        // Layers allocate large activation and gradient buffers every batch; keeping freed
        // memory in the heap (instead of returning it by munmap) avoids a page fault per
        // page per batch, which cost about 12% of attack and training time.
        _ = glibcMallopt(-3 /* M_MMAP_THRESHOLD */, 256 << 20)
        _ = glibcMallopt(-1 /* M_TRIM_THRESHOLD */, 512 << 20)
        // The Swift runtime aborts when an allocation fails (ulimit -v, a cgroup limit) that
        // the memory estimate did not foresee; say so and exit 70 instead of dying of
        // SIGABRT with a backtrace. Only async-signal-safe calls in the handler.
        signal(SIGABRT) { _ in
            let m: StaticString = "edge-audit: aborted: an allocation failed (not enough memory: raise ulimit -v or the cgroup limit, or lower --limit/--batch; if memory was plentiful, this is a bug, please report it)\n"
            _ = write(2, m.utf8Start, m.utf8CodeUnitCount)
            _exit(70)
        }
        #endif
        do {
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

#if canImport(Glibc)
/// glibc's mallopt(3); <malloc.h> is not part of the Glibc module map.
@_silgen_name("mallopt")
func glibcMallopt(_ param: Int32, _ value: Int32) -> Int32
#endif
