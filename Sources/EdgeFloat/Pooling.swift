// Pooling on one image. x [C, H, W] → y [C, OH, OW]; windows k×k, stride s, no padding.

enum PoolKernels {
    /// Max pool; `arg` receives, per output, the index of the winning input within its
    /// channel plane (the first maximum in row-major order, as PyTorch picks).
    static func maxForward(c: Int, h: Int, w: Int, oh: Int, ow: Int, k: Int, s: Int,
                           x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, arg: UnsafeMutablePointer<Int32>) {
        for ch in 0..<c {
            let plane = x + ch * h * w
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var best = -Float.infinity
                    var bi = (oy * s) * w + ox * s
                    for ky in 0..<k {
                        let r = (oy * s + ky) * w + ox * s
                        for kx in 0..<k where plane[r + kx] > best {
                            best = plane[r + kx]
                            bi = r + kx
                        }
                    }
                    let o = (ch * oh + oy) * ow + ox
                    y[o] = best
                    arg[o] = Int32(bi)
                }
            }
        }
    }

    /// Routes dy to the recorded maxima (accumulating into dx).
    static func maxBackward(c: Int, h: Int, w: Int, outPerChannel: Int, dy: UnsafePointer<Float>,
                            arg: UnsafePointer<Int32>, dx: UnsafeMutablePointer<Float>) {
        for ch in 0..<c {
            let plane = dx + ch * h * w
            for i in 0..<outPerChannel {
                let o = ch * outPerChannel + i
                plane[Int(arg[o])] += dy[o]
            }
        }
    }

    /// Average pool over full windows.
    static func avgForward(c: Int, h: Int, w: Int, oh: Int, ow: Int, k: Int, s: Int,
                           x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        let inv = 1 / Float(k * k)
        for ch in 0..<c {
            let plane = x + ch * h * w
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var acc: Float = 0
                    for ky in 0..<k { for kx in 0..<k { acc += plane[(oy * s + ky) * w + ox * s + kx] } }
                    y[(ch * oh + oy) * ow + ox] = acc * inv
                }
            }
        }
    }

    /// Spreads each dy evenly over its window (accumulating into dx).
    static func avgBackward(c: Int, h: Int, w: Int, oh: Int, ow: Int, k: Int, s: Int,
                            dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>) {
        let inv = 1 / Float(k * k)
        for ch in 0..<c {
            let plane = dx + ch * h * w
            for oy in 0..<oh {
                for ox in 0..<ow {
                    let g = dy[(ch * oh + oy) * ow + ox] * inv
                    for ky in 0..<k { for kx in 0..<k { plane[(oy * s + ky) * w + ox * s + kx] += g } }
                }
            }
        }
    }
}
