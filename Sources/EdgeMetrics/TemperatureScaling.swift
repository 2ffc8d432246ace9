import Foundation

/// Temperature scaling (Guo et al. 2017): one scalar T > 0 dividing the logits, fitted by
/// minimising the negative log-likelihood on held-out images. It never changes a
/// prediction, only the confidence, so accuracy stays and ECE/NLL usually drop.
public enum TemperatureScaling {
    /// Mean NLL (nats) of `labels` under softmax(logits / t).
    public static func nll(_ logits: [Float], labels: [Int], classes k: Int, temperature t: Double) -> Double {
        let n = labels.count
        guard n > 0 else { return 0 }
        var total = 0.0
        for i in 0..<n {
            var m = -Double.infinity
            for j in 0..<k { m = max(m, Double(logits[i * k + j]) / t) }
            var s = 0.0
            for j in 0..<k { s += exp(Double(logits[i * k + j]) / t - m) }
            total += (m + log(s)) - Double(logits[i * k + labels[i]]) / t
        }
        return total / Double(n)
    }

    /// The T in [0.05, 20] minimising the NLL: golden-section search on log T (the NLL of
    /// logits/T is unimodal in T), to a relative width of 1e-6. Non-finite logits give T = 1.
    public static func fit(_ logits: [Float], labels: [Int], classes k: Int) -> Double {
        guard !labels.isEmpty, logits.allSatisfy({ $0.isFinite }) else { return 1 }
        var a = log(0.05), b = log(20.0)
        let g = (5.0.squareRoot() - 1) / 2
        var c = b - g * (b - a), d = a + g * (b - a)
        var fc = nll(logits, labels: labels, classes: k, temperature: exp(c))
        var fd = nll(logits, labels: labels, classes: k, temperature: exp(d))
        while b - a > 1e-6 {
            if fc <= fd {
                b = d; d = c; fd = fc; c = b - g * (b - a)
                fc = nll(logits, labels: labels, classes: k, temperature: exp(c))
            } else {
                a = c; c = d; fc = fd; d = a + g * (b - a)
                fd = nll(logits, labels: labels, classes: k, temperature: exp(d))
            }
        }
        return exp((a + b) / 2)
    }

    /// `logits` divided by `t`.
    public static func scaled(_ logits: [Float], temperature t: Double) -> [Float] { logits.map { Float(Double($0) / t) } }
}
