// Also compiled into the board runner (Device/edge-run, Embedded Swift; scripts/build-device.sh):
// keep this file free of Foundation and of untyped `throws`.

/// Checked arithmetic on tensor dimensions: a product that would wrap is an error, never a
/// silently small allocation (the class of bug behind CVE-2022-23558).
public enum ShapeMath {
    /// The product of `dims`, or nil when a dimension is negative or the product overflows `Int`.
    public static func product(_ dims: [Int]) -> Int? {
        var p = 1
        for d in dims {
            guard d >= 0 else { return nil }
            let (r, o) = p.multipliedReportingOverflow(by: d)
            if o { return nil }
            p = r
        }
        return p
    }

    /// Output length of a convolution or pooling window along one axis, or nil when the
    /// window does not fit (PyTorch's floor rule: (n + 2p − k) / s + 1).
    public static func windowOutput(size n: Int, kernel k: Int, stride s: Int, padding p: Int) -> Int? {
        guard n > 0, k > 0, s > 0, p >= 0, n + 2 * p >= k else { return nil }
        return (n + 2 * p - k) / s + 1
    }
}
