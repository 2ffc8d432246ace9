import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How much memory a run may use, and a check that refuses work whose estimated peak
/// exceeds it — with the estimate and the flag that raises the cap — instead of letting
/// the process thrash or die inside an allocator.
public enum MemoryBudget {
    /// The cap set by `--max-memory` (bytes), for every check of this process.
    nonisolated(unsafe) public static var override: Int? = nil

    /// The cap: `--max-memory` (`override`) when given, else the smallest of 90% of physical memory, the
    /// address-space limit (ulimit -v) minus the runtime's own reservations, and the cgroup
    /// limit (memory.max), in bytes.
    public static func cap() -> (bytes: Int, source: String) {
        if let o = override { return (o, "--max-memory") }
        var best = (min(8 << 30, Int(Double(ProcessInfo.processInfo.physicalMemory) * 0.9)), "the default cap (8 GiB or 90% of physical memory)")
        var rl = rlimit()
        if getrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &rl) == 0, rl.rlim_cur != rlim_t.max {
            // Thread stacks, the Swift runtime, OpenBLAS and the C library map ~this much
            // address space before any audit buffer exists.
            let usable = Int(clamping: rl.rlim_cur) - reservedAddressSpace
            if usable < best.0 { best = (usable, "the address-space limit (ulimit -v \(rl.rlim_cur / 1024))") }
        }
        for f in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
            if let b = try? AtomicFile.read(f, limit: 64), let v = Int(String(decoding: b, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)),
               v < best.0 {
                best = (v, "the cgroup memory limit (\(f))")
            }
        }
        return best
    }

    /// Address space the process maps regardless of the work. Measured here: the runtime
    /// and libraries ~160 MB; per worker thread OpenBLAS's 128 MB GEMM buffer, a 64 MB
    /// malloc arena and an 8 MB stack. OpenBLAS retries a failed buffer allocation
    /// forever (100% CPU, no message), so under `ulimit -v` this must be counted up front.
    public static var reservedAddressSpace: Int { (160 << 20) + (Parallel.threads + 1) * (200 << 20) }

    /// Throws `outOfMemory` (exit 70) when `estimate` bytes exceed the cap.
    public static func check(estimate: Int, what: String) throws {
        let (cap, source) = cap()
        guard estimate > cap else { return }
        throw EdgeError.outOfMemory("\(what) needs an estimated \(mib(estimate)) of memory, more than the \(mib(max(cap, 0))) allowed by \(source); lower --limit (or the batch/samples), or raise the cap with --max-memory MB")
    }

    /// "123 MiB".
    public static func mib(_ b: Int) -> String { "\(b >> 20) MiB" }
}
