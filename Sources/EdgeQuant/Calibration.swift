import EdgeCore
import EdgeData
import EdgeFloat

/// How activation ranges are chosen from calibration statistics.
public enum CalibrationMethod: String, CaseIterable, Sendable {
    /// The observed minimum and maximum.
    case minmax
    /// The 0.01st and 99.99th percentiles: ignores rare outliers.
    case percentile
    /// The shrink of the min–max range (100% … 30%) that minimises the quantisation MSE
    /// over the observed values.
    case mse
}

/// Observed float outputs of chosen nodes over a calibration set.
struct ActivationSamples {
    /// Per float node: a deterministic sample of its output values (at most `cap`).
    var values: [Int: [Float]] = [:]
    /// Per float node: the exact minimum and maximum.
    var minmax: [Int: (Float, Float)] = [:]
    static let cap = 400_000

    /// Runs the float net over `set` and records the outputs of `nodes`.
    static func collect(_ net: FloatNetwork, _ set: LabeledImages, nodes: Set<Int>) -> ActivationSamples {
        var s = ActivationSamples()
        var start = 0
        let perNodeTotal = nodes.reduce(into: [Int: Int]()) { $0[$1] = net.sizes[$1] * set.count }
        while start < set.count {
            let idx = Array(start..<min(set.count, start + 100))
            let pass = net.forward(set.floatBatch(idx).data, batch: idx.count)
            for n in nodes.sorted() {
                let out = pass.outputs[n]
                var (lo, hi) = s.minmax[n] ?? (Float.infinity, -Float.infinity)
                for v in out { lo = min(lo, v); hi = max(hi, v) }
                s.minmax[n] = (lo, hi)
                // Keep every k-th value so that the sample spans the whole set.
                let stride = max(1, (perNodeTotal[n] ?? 1) / cap)
                var arr = s.values[n] ?? []
                var k = 0
                while k < out.count { arr.append(out[k]); k += stride }
                s.values[n] = arr
            }
            start += idx.count
        }
        return s
    }

    /// The range to quantise node `n` with.
    func range(_ n: Int, method: CalibrationMethod) -> (Float, Float) {
        let (lo, hi) = minmax[n] ?? (0, 0)
        switch method {
        case .minmax:
            return (lo, hi)
        case .percentile:
            var v = values[n] ?? []
            guard v.count > 10 else { return (lo, hi) }
            v.sort()
            let a = v[Int(Double(v.count - 1) * 0.0001)], b = v[Int(Double(v.count - 1) * 0.9999)]
            return (a, b)
        case .mse:
            let v = values[n] ?? []
            guard !v.isEmpty else { return (lo, hi) }
            var best = (lo, hi), bestErr = Double.infinity
            for step in 0...14 {
                let r = 1 - Float(step) * 0.05
                let q = QuantParams.covering(lo * r, hi * r)
                var err = 0.0
                for x in v { let d = Double(q.dequantize(q.quantize(x)) - x); err += d * d }
                if err < bestErr { bestErr = err; best = (lo * r, hi * r) }
            }
            return best
        }
    }
}
