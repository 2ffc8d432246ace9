// The unfold (im2col) and fold (col2im) of a convolution with horizontal stride 1, in short
// SIMD row segments. Profiles of PGD on LeNet-5 put the plain loops at a quarter of a step:
// rows are only 10–28 floats long, so per-segment memmove/memset calls and scalar tails
// dominated. Every output float is the same value as in `ConvKernels.im2colReference` and
// `col2imReference` (copies are copies; the fold adds into each dx element in the same
// (channel, ki, kj) order, and vector adds round per lane exactly as scalar adds), so the
// executor's bits do not change; ConvUnfoldTests checks equality over many geometries.

enum ConvUnfold {
    /// dst[0..<n] = src[0..<n]. From n = 4 on, the last vector overlaps the one before rather
    /// than falling back to a scalar tail (a copy may write a lane twice with the same value;
    /// LeNet's rows are 10 and 28 floats, so the tail loop was most of a row's cost).
    @inline(__always)
    static func copy(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, _ n: Int) {
        guard n >= 4 else {
            for i in 0..<n { dst[i] = src[i] }
            return
        }
        let (d, s) = (UnsafeMutableRawPointer(dst), UnsafeRawPointer(src))
        var i = 0
        while i &+ 4 < n {
            d.storeBytes(of: s.loadUnaligned(fromByteOffset: i &* 4, as: SIMD4<Float>.self), toByteOffset: i &* 4, as: SIMD4<Float>.self)
            i &+= 4
        }
        let last = (n &- 4) &* 4
        d.storeBytes(of: s.loadUnaligned(fromByteOffset: last, as: SIMD4<Float>.self), toByteOffset: last, as: SIMD4<Float>.self)
    }

    /// dst[0..<n] = 0, with the same overlapping last vector as `copy`.
    @inline(__always)
    static func zero(_ dst: UnsafeMutablePointer<Float>, _ n: Int) {
        guard n >= 4 else {
            for i in 0..<n { dst[i] = 0 }
            return
        }
        let d = UnsafeMutableRawPointer(dst)
        var i = 0
        while i &+ 4 < n {
            d.storeBytes(of: SIMD4<Float>(repeating: 0), toByteOffset: i &* 4, as: SIMD4<Float>.self)
            i &+= 4
        }
        d.storeBytes(of: SIMD4<Float>(repeating: 0), toByteOffset: (n &- 4) &* 4, as: SIMD4<Float>.self)
    }

    /// dst[0..<n] += src[0..<n]: vectors of four, then at most one of two and one scalar.
    @inline(__always)
    static func add(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, _ n: Int) {
        var i = 0
        while i &+ 4 <= n {
            let d = UnsafeRawPointer(dst + i).loadUnaligned(as: SIMD4<Float>.self)
            let s = UnsafeRawPointer(src + i).loadUnaligned(as: SIMD4<Float>.self)
            UnsafeMutableRawPointer(dst + i).storeBytes(of: d + s, as: SIMD4<Float>.self)
            i &+= 4
        }
        if i &+ 2 <= n {
            let d = UnsafeRawPointer(dst + i).loadUnaligned(as: SIMD2<Float>.self)
            let s = UnsafeRawPointer(src + i).loadUnaligned(as: SIMD2<Float>.self)
            UnsafeMutableRawPointer(dst + i).storeBytes(of: d + s, as: SIMD2<Float>.self)
            i &+= 2
        }
        if i < n { dst[i] += src[i] }
    }

    /// Output columns [lo, hi) whose input column ox − padLeft + kj lies inside the image.
    @inline(__always)
    static func span(_ g: ConvGeometry, kj: Int) -> (shift: Int, lo: Int, hi: Int) {
        let shift = kj - g.padLeft
        let lo = min(g.ow, max(0, -shift))
        return (shift, lo, max(lo, min(g.ow, g.w - shift)))
    }

    /// im2col for `g.sw == 1`: each (row, oy) is a zero margin, one copy, a zero margin.
    /// Index arithmetic wraps (&+, &*): every offset stays inside col and x by construction,
    /// and the overflow checks were a tenth of the loop.
    static func im2col(_ g: ConvGeometry, _ x: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>) {
        let ow = g.ow, h = g.h, w = g.w
        var dst = col
        for c in 0..<g.c {
            let plane = x + c &* h &* w
            for ki in 0..<g.kh {
                for kj in 0..<g.kw {
                    let (shift, lo, hi) = span(g, kj: kj)
                    var iy = ki &- g.padTop
                    for _ in 0..<g.oh {
                        if iy >= 0 && iy < h {
                            let src = plane + (iy &* w &+ shift)
                            for ox in 0..<lo { dst[ox] = 0 }
                            copy(dst + lo, src + lo, hi &- lo)
                            for ox in hi..<ow { dst[ox] = 0 }
                        } else {
                            zero(dst, ow)
                        }
                        dst += ow
                        iy &+= g.sh
                    }
                }
            }
        }
    }

    /// col2im for `g.sw == 1`, accumulating into dx in the reference's order.
    static func col2im(_ g: ConvGeometry, _ col: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>) {
        let ow = g.ow, h = g.h, w = g.w
        var src = col
        for c in 0..<g.c {
            let plane = dx + c &* h &* w
            for ki in 0..<g.kh {
                for kj in 0..<g.kw {
                    let (shift, lo, hi) = span(g, kj: kj)
                    var iy = ki &- g.padTop
                    for _ in 0..<g.oh {
                        if iy >= 0 && iy < h && hi > lo { add(plane + (iy &* w &+ shift &+ lo), src + lo, hi &- lo) }
                        src += ow
                        iy &+= g.sh
                    }
                }
            }
        }
    }
}
