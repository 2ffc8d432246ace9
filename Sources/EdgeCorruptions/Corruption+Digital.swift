import EdgeCore
import EdgeData
import Foundation

/// Digital corruptions: contrast and JPEG (seed suite, unchanged), CIFAR-10-C's pixelate
/// and elastic transform.
extension Corruption {
    static func contrast(_ x: [Float], c: Int, h: Int, w: Int, factor: Double) -> [Float] {
        var out = x
        let n = h * w
        for ch in 0..<c {
            var m = 0.0
            for i in 0..<n { m += Double(x[ch * n + i]) }
            let mean = Float(m / Double(n))
            for i in 0..<n { out[ch * n + i] = min(max((x[ch * n + i] - mean) * Float(factor) + mean, 0), 1) }
        }
        return out
    }

    static func jpeg(_ x: [Float], c: Int, h: Int, w: Int, quality: Int) throws -> [Float] {
        let img = Image8.fromPlanar(x[...], channels: c, height: h, width: w)
        return try ImageCodec.decode(try ImageCodec.encodeJPEG(img, quality: quality), path: "<jpeg q=\(quality)>").planarFloats()
    }

    /// PIL's BOX resampling weights from n to m samples: output i averages, with equal
    /// weights, the inputs whose centres lie in (c − s/2, c + s/2] around its centre
    /// c = (i + ½)·n/m, s = max(n/m, 1); when enlarging this is nearest-neighbour.
    static func boxWeights(from n: Int, to m: Int) -> [(start: Int, weights: [Double])] {
        let scale = Double(n) / Double(m), fs = max(Double(n) / Double(m), 1)
        return (0..<m).map { i in
            let centre = (Double(i) + 0.5) * scale
            let lo = max(Int(centre - 0.5 * fs + 0.5), 0), hi = min(Int(centre + 0.5 * fs + 0.5), n)
            var ws = (lo..<max(hi, lo)).map { x -> Double in
                let t = (Double(x) - centre + 0.5) / fs
                return t > -0.5 && t <= 0.5 ? 1 : 0
            }
            let s = ws.reduce(0, +)
            ws = s > 0 ? ws.map { $0 / s } : ws
            return (lo, ws)
        }
    }

    /// One PIL resize pass pair (horizontal, then vertical), each rounded to the uint8 grid
    /// as PIL's 8-bit resampler does.
    static func boxResize(_ p: [Double], h: Int, w: Int, toH oh: Int, toW ow: Int) -> [Double] {
        func q(_ v: Double) -> Double { (min(max(v, 0), 1) * 255).rounded() / 255 }
        let cx = boxWeights(from: w, to: ow), cy = boxWeights(from: h, to: oh)
        var tmp = [Double](repeating: 0, count: h * ow)
        for y in 0..<h { for (x, (s, ws)) in cx.enumerated() {
            var a = 0.0
            for (k, wt) in ws.enumerated() { a += wt * p[y * w + s + k] }
            tmp[y * ow + x] = q(a)
        } }
        var out = [Double](repeating: 0, count: oh * ow)
        for (y, (s, ws)) in cy.enumerated() { for x in 0..<ow {
            var a = 0.0
            for (k, wt) in ws.enumerated() { a += wt * tmp[(s + k) * ow + x] }
            out[y * ow + x] = q(a)
        } }
        return out
    }

    /// CIFAR-10-C's pixelate: BOX-resize to ⌊side·f⌋ and back.
    static func pixelate(_ img: Planes, factor f: Double) -> Planes {
        let sh = max(Int(Double(img.h) * f), 1), sw = max(Int(Double(img.w) * f), 1)
        return img.mapPlanes { p in
            boxResize(boxResize(p, h: img.h, w: img.w, toH: sh, toW: sw), h: sh, w: sw, toH: img.h, toW: img.w)
        }
    }

    /// The affine map (x, y) → (a x + b y + c, d x + e y + f) taking each `from` point to
    /// its `to` point (cv2.getAffineTransform), by Cramer's rule.
    static func affine(from p: [(Double, Double)], to q: [(Double, Double)]) -> [Double] {
        let det = p[0].0 * (p[1].1 - p[2].1) - p[0].1 * (p[1].0 - p[2].0) + (p[1].0 * p[2].1 - p[2].0 * p[1].1)
        guard abs(det) > 1e-12 else { return [1, 0, 0, 0, 1, 0] }
        func solve(_ r: [Double]) -> [Double] {
            let a = r[0] * (p[1].1 - p[2].1) - p[0].1 * (r[1] - r[2]) + (r[1] * p[2].1 - r[2] * p[1].1)
            let b = p[0].0 * (r[1] - r[2]) - r[0] * (p[1].0 - p[2].0) + (p[1].0 * r[2] - p[2].0 * r[1])
            let c = p[0].0 * (p[1].1 * r[2] - p[2].1 * r[1]) - p[0].1 * (p[1].0 * r[2] - p[2].0 * r[1])
                + r[0] * (p[1].0 * p[2].1 - p[2].0 * p[1].1)
            return [a / det, b / det, c / det]
        }
        return solve(q.map(\.0)) + solve(q.map(\.1))
    }

    /// CIFAR-10-C's elastic transform (side n): three control points n/3 around the centre
    /// jittered by U(±affine·n) define an affine warp (bilinear, BORDER_REFLECT_101); then
    /// each pixel reads from (y + dy, x + dx) with dx, dy = alpha·n · Gaussian(σ·n,
    /// truncate 3, reflect) of U(−1, 1) noise, bilinear with a reflected border.
    static func elastic(_ img: Planes, _ t: (alpha: Double, sigma: Double, affine: Double), rng: inout SeededGenerator) -> Planes {
        let (h, w) = (img.h, img.w), n = Double(min(h, w))
        let cx = Double(w / 2), cy = Double(h / 2), sq = Double(min(h, w) / 3)
        let p1 = [(cx + sq, cy + sq), (cx + sq, cy - sq), (cx - sq, cy - sq)]
        let j = t.affine * n
        let p2 = p1.map { p in (p.0 + j * (2 * rng.nextDouble() - 1), p.1 + j * (2 * rng.nextDouble() - 1)) }
        // warpAffine's dst(p) = src(M⁻¹p): the map from the jittered points back to the originals.
        let m = affine(from: p2, to: p1)
        var warped = img
        for ch in 0..<img.c {
            let p = img.plane(ch)
            var o = p
            for y in 0..<h { for x in 0..<w {
                let sx = m[0] * Double(x) + m[1] * Double(y) + m[2], sy = m[3] * Double(x) + m[4] * Double(y) + m[5]
                o[y * w + x] = PlaneFilters.bilinear(p, h: h, w: w, y: sy, x: sx, border: .reflect101)
            } }
            warped.setPlane(ch, o)
        }
        guard t.alpha > 0, t.sigma > 0 else { return warped }
        func field() -> [Double] {
            let u = (0..<(h * w)).map { _ in 2 * rng.nextDouble() - 1 }
            return PlaneFilters.gaussian(u, h: h, w: w, sigma: t.sigma * n, truncate: 3, border: .reflect).map { $0 * t.alpha * n }
        }
        let dx = field(), dy = field()
        return warped.mapPlanes { p in
            (0..<(h * w)).map { i in
                PlaneFilters.bilinear(p, h: h, w: w, y: Double(i / w) + dy[i], x: Double(i % w) + dx[i], border: .reflect)
            }
        }
    }
}
