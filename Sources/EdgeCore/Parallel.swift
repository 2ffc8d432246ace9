import Dispatch

/// Fixed-partition parallel loops. Work is cut into chunks whose boundaries depend only on
/// the problem size, never on the thread count, and every reduction is combined in chunk
/// order, so results are bit-identical at any `--threads`.
public enum Parallel {
    /// Threads used by `forEach`; set once from `--threads` (default: all cores).
    nonisolated(unsafe) public static var threads: Int = max(1, ProcessInfoCores.count)

    /// Runs `body(i)` for every i in 0..<count, spread over `threads` workers by static striding.
    public static func forEach(_ count: Int, _ body: (Int) -> Void) {
        let t = min(threads, count)
        if t <= 1 {
            for i in 0..<count { body(i) }
            return
        }
        withoutActuallyEscaping(body) { b in
            DispatchQueue.concurrentPerform(iterations: t) { w in
                var i = w
                while i < count { b(i); i += t }
            }
        }
    }

    /// Chunk ranges covering 0..<n with a size fixed by `chunk` (thread-independent).
    public static func chunks(_ n: Int, size chunk: Int) -> [Range<Int>] {
        let c = max(1, chunk)
        return stride(from: 0, to: n, by: c).map { $0..<min(n, $0 + c) }
    }
}

/// The number of online CPUs.
public enum ProcessInfoCores {
    /// Cores the process may use.
    public static var count: Int {
        #if canImport(Glibc)
        return Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        #else
        return 1
        #endif
    }
}

#if canImport(Glibc)
import Glibc
#endif
