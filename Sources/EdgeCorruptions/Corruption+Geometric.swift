import EdgeCore
import Foundation

/// MNIST-C's affine corruptions (skimage.transform.warp with an AffineTransform as the
/// inverse map: output pixel (x, y) reads the input at A·(x, y) + t, bilinear, zero outside).
extension Corruption {
    /// Warps every channel: output (x, y) reads the input at (m0 x + m1 y + m2, m3 x + m4 y + m5).
    static func warp(_ img: Planes, _ m: [Double]) -> Planes {
        img.mapPlanes { p in
            var o = p
            for y in 0..<img.h { for x in 0..<img.w {
                let sx = m[0] * Double(x) + m[1] * Double(y) + m[2], sy = m[3] * Double(x) + m[4] * Double(y) + m[5]
                o[y * img.w + x] = PlaneFilters.bilinear(p, h: img.h, w: img.w, y: sy, x: sx, border: .constant(0))
            } }
            return o
        }
    }

    /// The linear map [[a, b], [c, d]] about the image centre ((w − 1)/2, (h − 1)/2; 13.5 at
    /// 28 px as MNIST-C fixes it), as the warp's 2×3 matrix.
    static func aboutCentre(_ img: Planes, _ a: Double, _ b: Double, _ c: Double, _ d: Double) -> [Double] {
        let cx = Double(img.w - 1) / 2, cy = Double(img.h - 1) / 2
        return [a, b, cx - a * cx - b * cy, c, d, cy - c * cx - d * cy]
    }

    /// Rotation by `angle` radians about the centre (positive turns the content clockwise
    /// on screen, as skimage's inverse map does).
    static func rotate(_ img: Planes, angle: Double) -> Planes {
        warp(img, aboutCentre(img, cos(angle), -sin(angle), sin(angle), cos(angle)))
    }

    /// skimage ≤ 0.18's AffineTransform(shear: s) about the centre: reads (x − sin s·y, cos s·y).
    static func shear(_ img: Planes, _ s: Double) -> Planes {
        warp(img, aboutCentre(img, 1, -sin(s), 0, cos(s)))
    }

    /// Shrinks the content to `factor` of its size about the centre (reads at (p − c)/factor + c).
    static func scale(_ img: Planes, _ factor: Double) -> Planes {
        warp(img, aboutCentre(img, 1 / factor, 0, 0, 1 / factor))
    }

    /// Output (x, y) reads input (x + dx, y + dy): the content moves by (−dx, −dy), zeros enter.
    static func translate(_ img: Planes, dx: Int, dy: Int) -> Planes {
        warp(img, [1, 0, Double(dx), 0, 1, Double(dy)])
    }
}
