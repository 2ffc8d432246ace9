// Batch normalisation over a batch X [N, C, S] (S = H·W). Per-channel statistics are
// reduced in a fixed (n, s) order in Double, so results do not depend on the thread count.

import EdgeCore

/// Saved state of a training-mode forward pass, needed by the backward pass.
struct BatchNormCache {
    /// Normalised input, same layout as X.
    var xhat: [Float]
    /// 1/sqrt(var + eps) per channel.
    var invStd: [Float]
}

enum BatchNormKernels {
    /// Training forward: normalises with batch statistics, writes y, returns the batch
    /// mean and biased variance per channel (for the running averages) and the cache.
    static func trainForward(n: Int, c: Int, s: Int, eps: Float, x: [Float], gamma: [Float], beta: [Float],
                             y: inout [Float]) -> (mean: [Float], variance: [Float], cache: BatchNormCache) {
        var mean = [Float](repeating: 0, count: c), variance = mean, inv = mean
        var xhat = [Float](repeating: 0, count: x.count)
        let m = Double(n * s)
        x.withUnsafeBufferPointer { xp in
            xhat.withUnsafeMutableBufferPointer { hp in
                y.withUnsafeMutableBufferPointer { yp in
                    mean.withUnsafeMutableBufferPointer { mp in
                        variance.withUnsafeMutableBufferPointer { vp in
                            inv.withUnsafeMutableBufferPointer { ip in
                                let (xp, hp, yp, mp, vp, ip) = (xp, hp, yp, mp, vp, ip)
                                Parallel.forEach(c) { ch in
                                    var sum = 0.0
                                    for b in 0..<n { let base = (b * c + ch) * s; for i in 0..<s { sum += Double(xp[base + i]) } }
                                    let mu = sum / m
                                    var sq = 0.0
                                    for b in 0..<n { let base = (b * c + ch) * s; for i in 0..<s { let d = Double(xp[base + i]) - mu; sq += d * d } }
                                    let v = sq / m
                                    let istd = Float(1 / (v + Double(eps)).squareRoot())
                                    mp[ch] = Float(mu); vp[ch] = Float(v); ip[ch] = istd
                                    let g = gamma[ch], bt = beta[ch], muf = Float(mu)
                                    for b in 0..<n {
                                        let base = (b * c + ch) * s
                                        for i in 0..<s {
                                            let h = (xp[base + i] - muf) * istd
                                            hp[base + i] = h
                                            yp[base + i] = g * h + bt
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (mean, variance, BatchNormCache(xhat: xhat, invStd: inv))
    }

    /// Inference forward with running statistics: y = γ(x − μ)/√(σ² + ε) + β.
    static func evalForward(n: Int, c: Int, s: Int, eps: Float, x: [Float], gamma: [Float], beta: [Float],
                            mean: [Float], variance: [Float], y: inout [Float]) {
        for ch in 0..<c {
            let scale = gamma[ch] / (variance[ch] + eps).squareRoot()
            let shift = beta[ch] - mean[ch] * scale
            for b in 0..<n {
                let base = (b * c + ch) * s
                for i in 0..<s { y[base + i] = x[base + i] * scale + shift }
            }
        }
    }

    /// Training backward: dγ = Σ dy·x̂, dβ = Σ dy,
    /// dx = (γ·invstd/M)·(M·dy − Σdy − x̂·Σ(dy·x̂)). Accumulates into dx.
    static func trainBackward(n: Int, c: Int, s: Int, cache: BatchNormCache, gamma: [Float], dy: [Float],
                              dGamma: inout [Float], dBeta: inout [Float], dx: inout [Float]?) {
        let m = Float(n * s)
        var dg = [Float](repeating: 0, count: c), dbt = dg
        for ch in 0..<c {
            var sdy = 0.0, sdyx = 0.0
            for b in 0..<n {
                let base = (b * c + ch) * s
                for i in 0..<s { sdy += Double(dy[base + i]); sdyx += Double(dy[base + i] * cache.xhat[base + i]) }
            }
            dg[ch] = Float(sdyx); dbt[ch] = Float(sdy)
            if dx != nil {
                let k = gamma[ch] * cache.invStd[ch] / m
                let fs = Float(sdy), fx = Float(sdyx)
                for b in 0..<n {
                    let base = (b * c + ch) * s
                    for i in 0..<s { dx![base + i] += k * (m * dy[base + i] - fs - cache.xhat[base + i] * fx) }
                }
            }
        }
        for ch in 0..<c { dGamma[ch] += dg[ch]; dBeta[ch] += dbt[ch] }
    }

    /// Eval-mode backward (statistics are constants): dx = dy·γ/√(σ² + ε),
    /// dγ = Σ dy·(x − μ)/√(σ² + ε), dβ = Σ dy.
    static func evalBackward(n: Int, c: Int, s: Int, eps: Float, x: [Float], gamma: [Float], mean: [Float], variance: [Float],
                             dy: [Float], dGamma: inout [Float], dBeta: inout [Float], dx: inout [Float]?) {
        for ch in 0..<c {
            let istd = 1 / (variance[ch] + eps).squareRoot()
            let scale = gamma[ch] * istd
            var sdy = 0.0, sdyx = 0.0
            for b in 0..<n {
                let base = (b * c + ch) * s
                for i in 0..<s {
                    sdy += Double(dy[base + i])
                    sdyx += Double(dy[base + i] * (x[base + i] - mean[ch]) * istd)
                    if dx != nil { dx![base + i] += dy[base + i] * scale }
                }
            }
            dGamma[ch] += Float(sdyx)
            dBeta[ch] += Float(sdy)
        }
    }
}

import EdgeCore

/// The batch-norm node over X [B, C, S]; parameters p = [γ, β, running mean, running variance].
enum BatchNormLayer {
    /// Eval mode uses the running statistics. Training mode normalises with the batch's and
    /// returns the cache and the updated running statistics (momentum `m`, unbiased variance).
    static func forward(x: [Float], batch b: Int, channels c: Int, spatial s: Int, eps: Float, p: [Tensor], training: Bool,
                        momentum m: Float)
        -> (y: [Float], cache: BatchNormCache?, running: (mean: [Float], variance: [Float])?) {
        var y = [Float](repeating: 0, count: x.count)
        guard training else {
            BatchNormKernels.evalForward(n: b, c: c, s: s, eps: eps, x: x, gamma: p[0].data, beta: p[1].data,
                                         mean: p[2].data, variance: p[3].data, y: &y)
            return (y, nil, nil)
        }
        let r = BatchNormKernels.trainForward(n: b, c: c, s: s, eps: eps, x: x, gamma: p[0].data, beta: p[1].data, y: &y)
        var mean = p[2].data, variance = p[3].data
        let unbias = Float(b * s) / Float(max(b * s - 1, 1))
        for ch in 0..<c {
            mean[ch] = (1 - m) * p[2].data[ch] + m * r.mean[ch]
            variance[ch] = (1 - m) * p[3].data[ch] + m * r.variance[ch] * unbias
        }
        return (y, r.cache, (mean, variance))
    }

    /// With a training cache, the batch statistics are differentiated through; without, they are constants.
    static func backward(x: [Float], dy: [Float], batch b: Int, channels c: Int, spatial s: Int, eps: Float, p: [Tensor],
                         cache: BatchNormCache?,
                         input wantDx: Bool) -> (dGamma: [Float], dBeta: [Float], dx: [Float]?) {
        var dx: [Float]? = wantDx ? [Float](repeating: 0, count: x.count) : nil
        var dG = [Float](repeating: 0, count: c), dB = dG
        if let cache {
            BatchNormKernels.trainBackward(n: b, c: c, s: s, cache: cache, gamma: p[0].data, dy: dy, dGamma: &dG, dBeta: &dB, dx: &dx)
        } else {
            BatchNormKernels.evalBackward(n: b, c: c, s: s, eps: eps, x: x, gamma: p[0].data, mean: p[2].data,
                                          variance: p[3].data, dy: dy, dGamma: &dG, dBeta: &dB, dx: &dx)
        }
        return (dG, dB, dx)
    }
}
