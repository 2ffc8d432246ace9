import COpenBLAS

extension Gemm {
    /// OpenBLAS's build configuration, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64".
    public static var backendConfig: String { String(cString: openblas_get_config()) }

    /// The kernel family OpenBLAS picked at start-up for this CPU (or `OPENBLAS_CORETYPE`),
    /// e.g. "Haswell" or "Cooperlake". Float results depend on it — each family sums in its own
    /// order — so model provenance records it and a reproduction pins it.
    public static var kernelCore: String { String(cString: openblas_get_corename()) }
}
