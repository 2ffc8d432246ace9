import Foundation

/// Eigenvalues of small dense symmetric matrices (K × K with K the class count) by the
/// cyclic Jacobi method: each rotation zeroes one off-diagonal pair exactly, and the sum of
/// squared off-diagonal entries falls monotonically, so the sweep loop always ends. Jacobi
/// is chosen over QR for its accuracy on tiny eigenvalues of PSD matrices (relative, not
/// absolute to ‖A‖), which the Fisher spectra here are full of.
public enum SymmetricEigen {
    /// The eigenvalues of the symmetric `a` (row-major n × n, only symmetric input is
    /// meaningful), in descending order. Converges to machine precision; at most 100 sweeps
    /// (about 10 suffice in practice for n ≤ 100). Non-finite entries give NaN eigenvalues.
    public static func eigenvalues(_ a: [Double], n: Int) -> [Double] {
        precondition(a.count == n * n && n >= 0)
        if n == 0 { return [] }
        if a.contains(where: { !$0.isFinite }) { return [Double](repeating: .nan, count: n) }
        var m = a
        for _ in 0..<100 {
            var off = 0.0, diag = 0.0
            for i in 0..<n {
                diag += m[i * n + i] * m[i * n + i]
                for j in (i + 1)..<max(i + 1, n) { off += m[i * n + j] * m[i * n + j] }
            }
            if off <= 1e-32 * diag || off == 0 { break }
            for p in 0..<n {
                for q in (p + 1)..<max(p + 1, n) { rotate(&m, n: n, p: p, q: q) }
            }
        }
        return (0..<n).map { m[$0 * n + $0] }.sorted(by: >)
    }

    /// One Jacobi rotation in the (p, q) plane that zeroes m[p][q] (Golub & Van Loan,
    /// algorithm 8.4.1, with the smaller rotation angle for stability).
    private static func rotate(_ m: inout [Double], n: Int, p: Int, q: Int) {
        let apq = m[p * n + q]
        if apq == 0 { return }
        let tau = (m[q * n + q] - m[p * n + p]) / (2 * apq)
        let t = (tau >= 0 ? 1.0 : -1.0) / (abs(tau) + (1 + tau * tau).squareRoot())
        let c = 1 / (1 + t * t).squareRoot(), s = t * c
        for k in 0..<n {
            let mkp = m[k * n + p], mkq = m[k * n + q]
            m[k * n + p] = c * mkp - s * mkq
            m[k * n + q] = s * mkp + c * mkq
        }
        for k in 0..<n {
            let mpk = m[p * n + k], mqk = m[q * n + k]
            m[p * n + k] = c * mpk - s * mqk
            m[q * n + k] = s * mpk + c * mqk
        }
    }
}
