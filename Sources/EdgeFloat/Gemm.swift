import COpenBLAS
import Dispatch

/// Row-major single-precision GEMM on OpenBLAS: C = alpha·op(A)·op(B) + beta·C.
/// OpenBLAS runs single-threaded (see `Gemm.configure`): parallelism comes from
/// edge-audit's fixed partitions, which keeps results independent of the thread count.
public enum Gemm {
    /// Pins OpenBLAS to one thread; called before any GEMM.
    public static let configure: Void = { openblas_set_num_threads(1) }()

    /// `op(A)` is m×k, `op(B)` is k×n, `C` is m×n; leading dimensions are row strides.
    @inline(__always)
    public static func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                             a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                             beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        _ = configure
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}

extension Gemm {
    /// Runs one small GEMM on each of `threads` workers at the same time, so that OpenBLAS
    /// maps its per-call buffers (128 MB each in Debian's build) now, while the address
    /// space is still free. OpenBLAS retries a failed buffer mapping forever; callers run
    /// this under a watchdog so that a process that cannot even map them says so and exits
    /// instead of spinning (the memory estimate reserves these buffers too).
    public static func warmUp(threads: Int) {
        let n = 64
        let a = [Float](repeating: 1, count: n * n)
        func gemms(_ times: Int) {
            var c = [Float](repeating: 0, count: n * n)
            a.withUnsafeBufferPointer { ap in
                c.withUnsafeMutableBufferPointer { cp in
                    for _ in 0..<times {
                        sgemm(transA: false, transB: false, m: n, n: n, k: n, alpha: 1, a: ap.baseAddress!, lda: n,
                              b: ap.baseAddress!, ldb: n, beta: 0, c: cp.baseAddress!, ldc: n)
                    }
                }
            }
        }
        // The calling thread first (it takes part in every parallel loop), then all at once.
        gemms(1)
        let start = DispatchGroup()
        for _ in 0..<threads { start.enter() }
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            // Wait until every worker has started, so the calls overlap and each needs a buffer.
            start.leave()
            _ = start.wait(timeout: .now() + 0.5)
            gemms(8)
        }
    }
}
