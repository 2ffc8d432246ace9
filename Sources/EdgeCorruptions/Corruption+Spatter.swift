import EdgeCore
import Foundation

/// CIFAR-10-C's spatter and the OpenCV steps its water branch calls, each on the uint8
/// grid where the reference converts to uint8.
extension Corruption {
    static func spatter(_ img: Planes, _ t: (mean: Double, sd: Double, sigma: Double, threshold: Double, intensity: Double, mud: Bool),
                        rng: inout SeededGenerator) -> Planes {
        let (h, w) = (img.h, img.w)
        var liquid = (0..<(h * w)).map { _ in t.mean + t.sd * rng.nextGaussian() }
        liquid = PlaneFilters.gaussian(liquid, h: h, w: w, sigma: t.sigma).map { $0 < t.threshold ? 0 : $0 }
        if t.mud {
            var m = PlaneFilters.gaussian(liquid.map { $0 > t.threshold ? 1 : 0 }, h: h, w: w, sigma: t.intensity)
            m = m.map { $0 < 0.8 ? 0 : $0 }
            // Mud brown (63, 42, 20); MNIST-C's grey spatter uses 63 for grey.
            return tint(img, m, rgb: [63, 42, 20], grey: 63, cover: true)
        }
        let dist = waterDistance(liquid, h: h, w: w)
        var m = zip(liquid, dist).map { $0 * $1 }
        let mx = m.max() ?? 0
        m = m.map { mx > 0 ? $0 / mx * t.intensity : 0 }
        // Pale turquoise (175, 238, 238); grey images get its luma.
        return tint(img, m, rgb: [175, 238, 238], grey: 0.299 * 175 + 0.587 * 238 + 0.114 * 238, cover: false)
    }

    /// x·(1 − m) + colour·m when the colour covers the image (mud), x + colour·m otherwise (water).
    static func tint(_ img: Planes, _ m: [Double], rgb: [Double], grey: Double, cover: Bool) -> Planes {
        var out = img
        let n = img.h * img.w
        for ch in 0..<img.c {
            let colour = (img.c == 3 ? rgb[ch] : grey) / 255
            for i in 0..<n { out.v[ch * n + i] = (cover ? img.v[ch * n + i] * (1 - m[i]) : img.v[ch * n + i]) + colour * m[i] }
        }
        return out
    }

    /// The water branch's shading: distance to the Canny edges of the uint8 layer,
    /// truncated at 20, 3×3 box, histogram-equalised, embossed with
    /// [[−2, −1, 0], [−1, 1, 1], [0, 1, 2]], 3×3 box; uint8 between steps as in the reference.
    static func waterDistance(_ liquid: [Double], h: Int, w: Int) -> [Double] {
        let u8 = liquid.map { (min(max($0, 0), 1) * 255).rounded(.down) }
        let edges = Canny.opencv(u8, h: h, w: w, low: 50, high: 150)
        var d = chamferDistance(edges, h: h, w: w).map { min($0, 20) }
        // Whole-pixel distances average to whole numbers that must not truncate one below.
        d = PlaneFilters.box3(d, h: h, w: w).map { ($0 + 1e-6).rounded(.down) }
        d = equalizeHistogram(d)
        let k: [Double] = [-2, -1, 0, -1, 1, 1, 0, 1, 2]
        var e = d
        for y in 0..<h { for x in 0..<w {
            var s = 0.0
            for ky in -1...1 { for kx in -1...1 { s += k[(ky + 1) * 3 + kx + 1] * Border.reflect101.read(d, h, w, y + ky, x + kx) } }
            e[y * w + x] = min(max(s.rounded(.toNearestOrEven), 0), 255)
        } }
        return PlaneFilters.box3(e, h: h, w: w).map { $0.rounded(.toNearestOrEven) }
    }

    /// cv2.distanceTransform(DIST_L2, 5) of "not an edge": OpenCV's two-pass 5×5 chamfer
    /// with weights 1, 1.4 and 2.1969; pixels with no edge anywhere read a large distance.
    static func chamferDistance(_ edge: [Bool], h: Int, w: Int) -> [Double] {
        var d = edge.map { $0 ? 0.0 : 1e9 }
        let fwd: [(Int, Int, Double)] = [(0, -1, 1), (-1, 0, 1), (-1, -1, 1.4), (-1, 1, 1.4),
                                         (-1, -2, 2.1969), (-1, 2, 2.1969), (-2, -1, 2.1969), (-2, 1, 2.1969)]
        func pass(_ ys: [Int], _ xs: [Int], _ mask: [(Int, Int, Double)]) {
            for y in ys { for x in xs {
                var best = d[y * w + x]
                for (dy, dx, c) in mask {
                    let (yy, xx) = (y + dy, x + dx)
                    if yy >= 0, yy < h, xx >= 0, xx < w { best = min(best, d[yy * w + xx] + c) }
                }
                d[y * w + x] = best
            } }
        }
        pass(Array(0..<h), Array(0..<w), fwd)
        pass(Array((0..<h).reversed()), Array((0..<w).reversed()), fwd.map { (-$0.0, -$0.1, $0.2) })
        return d
    }

    /// cv2.equalizeHist on uint8 values: lut(v) = round(255·(cdf(v) − cdf(v₀))/(N − n(v₀)))
    /// with v₀ the lowest present value; a constant image is left as it is.
    static func equalizeHistogram(_ p: [Double]) -> [Double] {
        var hist = [Int](repeating: 0, count: 256)
        for v in p { hist[Int(min(max(v, 0), 255))] += 1 }
        guard let first = hist.firstIndex(where: { $0 > 0 }), hist[first] < p.count else { return p }
        let scale = 255.0 / Double(p.count - hist[first])
        var lut = [Double](repeating: 0, count: 256), sum = 0
        for v in (first + 1)..<256 {
            sum += hist[v]
            lut[v] = min((Double(sum) * scale).rounded(.toNearestOrEven), 255)
        }
        return p.map { lut[Int(min(max($0, 0), 255))] }
    }
}
