import EdgeCore
import EdgeFloat
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Process-wide settings every compute command applies before working: worker threads, the
/// memory cap, and the OpenBLAS buffers mapped up front.
public enum ComputeSetup {
    /// Applies `--threads` and `--max-memory` (exit 2 out of range), refuses at once a
    /// process that cannot hold even the runtime's fixed reservations, and warms up OpenBLAS.
    public static func apply(threads: Int?, maxMemoryMB: Int?) throws {
        if let maxMemoryMB {
            guard maxMemoryMB > 0, maxMemoryMB <= 1 << 30 else { throw EdgeError.usage("--max-memory must be a positive number of MB, got \(maxMemoryMB)") }
            MemoryBudget.override = maxMemoryMB << 20
        }
        if let threads {
            guard threads >= 1 && threads <= 256 else { throw EdgeError.usage("--threads must be in 1...256, got \(threads)") }
            Parallel.threads = threads
        }
        // Under a small address-space limit even the runtime's fixed reservations do not
        // fit: refuse at once rather than let OpenBLAS fail to map its buffers.
        try MemoryBudget.check(estimate: 32 << 20, what: "edge-audit itself (runtime, OpenBLAS buffers, thread stacks)")
        warmUpBLAS()
    }

    /// Maps OpenBLAS's buffers up front under a 5 s watchdog: OpenBLAS spins forever at
    /// 100% CPU when it cannot map one (ulimit -v, cgroup), so a process that cannot is
    /// told so and ends with exit 70 instead of hanging.
    public static func warmUpBLAS() {
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

    /// Start-up of the edge-audit process: heap tuning and the allocation-failure message.
    public static func installProcessHandlers() {
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
    }
}

#if canImport(Glibc)
/// glibc's mallopt(3); <malloc.h> is not part of the Glibc module map.
@_silgen_name("mallopt")
func glibcMallopt(_ param: Int32, _ value: Int32) -> Int32
#endif
