#!/usr/bin/env python3
"""Cross-check edge-audit's deterministic corruptions against the reference code.

Runs `edge-audit corrupt` on a few Fashion-MNIST images from calibration/ and recomputes
the same corruptions with the reference implementations (copied from hendrycks/robustness
ImageNet-C/create_c/make_cifar_c.py and google-research/mnist-c corruptions.py, with
skimage's warp replaced by scipy.ndimage.affine_transform in 'grid-constant' mode, which
is what skimage's bilinear warp does at the border, skimage's gaussian by scipy's
gaussian_filter, and ImageMagick's motion blur by bethgelab/imagecorruptions' numpy
version). The reference functions draw their random numbers from a Python port of
edge-audit's SeededGenerator (check_corruptions_rng.py) in numpy's order, so the random
kinds are compared pixel for pixel too. With OpenCV and scikit-image installed, spatter's
water levels and canny_edges are compared as well (on the mean difference: the Canny
implementations differ in a few edge pixels), and rotate and shear once more through
skimage's own warp.
Prints the largest difference in grey levels per kind and level; exits 1 if any exceeds
--tolerance.

Optional dependencies: numpy, scipy, Pillow. Usage:
    scripts/check_corruptions.py [--edge-audit .build/release/edge-audit] [--images N]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

try:
    import numpy as np
    from PIL import Image
    from scipy.ndimage import zoom as scizoom, affine_transform
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from check_corruptions_refs import APPROX, SEEDED
    from check_corruptions_rng import corruption_generator
except ImportError as e:  # optional dependencies
    print(f"skipped: {e} (needs numpy, scipy and Pillow)")
    sys.exit(0)


def clipped_zoom(img, zoom_factor):
    """make_cifar_c.py's clipped_zoom, for an H×W plane."""
    h = img.shape[0]
    ch = int(np.ceil(h / zoom_factor))
    top = (h - ch) // 2
    img = scizoom(img[top:top + ch, top:top + ch], (zoom_factor, zoom_factor), order=1)
    trim_top = (img.shape[0] - h) // 2
    return img[trim_top:trim_top + h, trim_top:trim_top + h]


def zoom_blur(x, severity):
    c = [np.arange(1, 1.06, 0.01), np.arange(1, 1.11, 0.01), np.arange(1, 1.16, 0.01),
         np.arange(1, 1.21, 0.01), np.arange(1, 1.26, 0.01)][severity - 1]
    x = (np.array(x) / 255.).astype(np.float32)
    out = np.zeros_like(x)
    for z in c:
        out += clipped_zoom(x, z)
    return np.clip((x + out) / (len(c) + 1), 0, 1) * 255


def pixelate(x, severity):
    c = [0.95, 0.9, 0.85, 0.75, 0.65][severity - 1]
    n = x.size[0]
    x = x.resize((int(n * c), int(n * c)), Image.BOX)
    return np.array(x.resize((n, n), Image.BOX), dtype=np.float64)


def scale(x, severity):
    s = [0.9, 0.8, 0.7, 0.6, 0.5][severity - 1]
    x = np.array(x) / 255.
    c = (x.shape[0] - 1) / 2
    # MNIST-C: inverse map (col, row) -> (col/s + t, row/s + t) about the centre.
    out = affine_transform(x, np.diag([1 / s, 1 / s]), offset=[c - c / s, c - c / s], order=1,
                           mode='grid-constant', cval=0.0)
    return np.clip(out, 0, 1) * 255


def stripe(x, severity):
    w = [3, 5, 7, 9, 11][severity - 1]
    x = np.array(x).astype(np.float64)
    x[:, :w] = 255. - x[:, :w]
    x[:, x.shape[1] - w:] = 255. - x[:, x.shape[1] - w:]
    return x


REFERENCES = {"zoom_blur": zoom_blur, "pixelate": pixelate, "scale": scale, "stripe": stripe}


def copy_images(root, count, work):
    """Every 50th calibration image, as grey 28×28 and as a tinted RGB 32×32 copy; returns
    the two folders and their files in the order edge-audit loads them (class, then name)."""
    calib = os.path.join(root, "calibration/fashion-mnist")
    every = sorted((d, f) for d in os.listdir(calib) for f in os.listdir(os.path.join(calib, d)))[::50][:count]
    grey, rgb = os.path.join(work, "grey"), os.path.join(work, "rgb")
    for d, f in every:
        for folder in (grey, rgb):
            os.makedirs(os.path.join(folder, d), exist_ok=True)
        img = Image.open(os.path.join(calib, d, f)).convert("L")
        img.save(os.path.join(grey, d, f))
        a = np.array(img.resize((32, 32), Image.BILINEAR), dtype=np.float64)
        yy, xx = np.mgrid[0:32, 0:32]
        tint = np.stack([np.minimum(a + 3 * xx, 255), np.maximum(a - 2 * yy, 0), (a // 2 + 100) % 256], axis=2)
        Image.fromarray(np.uint8(tint), "RGB").save(os.path.join(rgb, d, f))
    return grey, rgb, [os.path.join(d, f) for d, f in sorted(every)]


def run(binary, src, kind, level, seed, out):
    subprocess.run([binary, "corrupt", "--images", src, "--kind", kind, "--level", str(level), "--seed", str(seed),
                    "--out", out, "--quiet"], check=True, stdout=subprocess.DEVNULL)


def compare(binary, work, src, files, kind, level, ref, seed=1, kind_id=None):
    """Largest and mean |edge-audit − reference| in grey levels over the images."""
    kind = kind.split(" ")[0]
    out = os.path.join(work, f"out-{os.path.basename(src)}-{kind}-{level}")
    run(binary, src, kind, level, seed, out)
    worst, total, count = 0.0, 0.0, 0
    for index, f in enumerate(files):
        mode = "L" if os.path.basename(src) == "grey" else "RGB"
        clean = Image.open(os.path.join(src, f)).convert(mode)
        if kind_id is None:
            want = ref(clean, level)
        else:
            want = ref(np.array(clean, dtype=np.float64), level, corruption_generator(seed, kind_id, level, index))
        want = np.clip(np.round(want), 0, 255)
        got = np.array(Image.open(os.path.join(out, f)).convert(mode), dtype=np.float64)
        worst = max(worst, float(np.abs(got - want).max()))
        total += float(np.abs(got - want).sum())
        count += got.size
    return worst, total / count


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--edge-audit", default=os.path.join(root, ".build/release/edge-audit"))
    ap.add_argument("--images", type=int, default=8, help="images taken from calibration/fashion-mnist")
    ap.add_argument("--tolerance", type=float, default=1.0, help="largest allowed difference, grey levels")
    ap.add_argument("--mean-tolerance", type=float, default=2.0,
                    help="largest allowed mean difference for the kinds compared approximately (grey levels)")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="check-corruptions-")
    failed = []
    try:
        grey, rgb, files = copy_images(root, args.images, work)
        jobs = [(k, l, ref, None, False) for k, ref in REFERENCES.items() for l in range(1, 6)]
        jobs += [(k, l, ref, kid, False) for k, (kid, ref, levels) in SEEDED.items() for l in levels]
        jobs += [(k, l, ref, kid, True) for k, (kid, ref, levels) in APPROX.items() for l in levels]
        if not APPROX:
            print("(no OpenCV / scikit-image: spatter levels 1-3 and canny_edges not compared)")
        for kind, level, ref, kid, approx in jobs:
            for src in ([grey] if kind in ("pixelate", "scale", "stripe", "zoom_blur") else [grey, rgb]):
                worst, mean = compare(args.edge_audit, work, src, files, kind, level, ref, kind_id=kid)
                bad = mean > args.mean_tolerance if approx else worst > args.tolerance
                flag = "   <-- over tolerance" if bad else ""
                print(f"{kind:17s} level {level} {os.path.basename(src):4s}: |edge-audit - reference| max {worst:3.0f}, "
                      f"mean {mean:5.2f} grey levels{' (approximate kind)' if approx else ''}{flag}")
                if flag:
                    failed.append(f"{kind} {level} {os.path.basename(src)}")
        print("ok" if not failed else "FAILED: " + ", ".join(failed))
        return 0 if not failed else 1
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    sys.exit(main())
