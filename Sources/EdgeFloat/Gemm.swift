import COpenBLAS

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
