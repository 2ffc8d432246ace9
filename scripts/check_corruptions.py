#!/usr/bin/env python3
"""Cross-check edge-audit's deterministic corruptions against the reference code.

Runs `edge-audit corrupt` on a few Fashion-MNIST images from calibration/ and recomputes
the same corruptions with the reference implementations (copied from hendrycks/robustness
ImageNet-C/create_c/make_cifar_c.py and google-research/mnist-c corruptions.py, with
skimage's warp replaced by scipy.ndimage.affine_transform in 'grid-constant' mode, which
is what skimage's bilinear warp does at the border). Only kinds without randomness can be
compared pixel for pixel: zoom_blur, pixelate, scale, stripe. Prints the largest
difference in grey levels per kind and level; exits 1 if any exceeds --tolerance.

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


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--edge-audit", default=os.path.join(root, ".build/release/edge-audit"))
    ap.add_argument("--images", type=int, default=20, help="images taken from calibration/fashion-mnist")
    ap.add_argument("--tolerance", type=float, default=1.0, help="largest allowed difference, grey levels")
    args = ap.parse_args()
    calib = os.path.join(root, "calibration/fashion-mnist")
    work = tempfile.mkdtemp(prefix="check-corruptions-")
    try:
        src = os.path.join(work, "in")
        files = []
        for i, f in enumerate(sorted(os.path.join(d, f) for d in sorted(os.listdir(calib))
                                     for f in sorted(os.listdir(os.path.join(calib, d))))[:args.images * 50:50]):
            cls = os.path.basename(os.path.dirname(os.path.join(calib, f)))
            os.makedirs(os.path.join(src, cls), exist_ok=True)
            shutil.copy(os.path.join(calib, f), os.path.join(src, cls))
            files.append(os.path.join(cls, os.path.basename(f)))
        worst_all = 0.0
        for kind, ref in REFERENCES.items():
            for level in range(1, 6):
                out = os.path.join(work, f"{kind}-{level}")
                subprocess.run([args.edge_audit, "corrupt", "--images", src, "--kind", kind, "--level", str(level),
                                "--out", out, "--quiet"], check=True, stdout=subprocess.DEVNULL)
                worst = 0.0
                for f in files:
                    clean = Image.open(os.path.join(src, f)).convert("L")
                    want = np.uint8(np.clip(np.round(ref(clean, level)), 0, 255)).astype(np.float64)
                    got = np.array(Image.open(os.path.join(out, f)).convert("L"), dtype=np.float64)
                    worst = max(worst, float(np.abs(got - want).max()))
                worst_all = max(worst_all, worst)
                print(f"{kind:10s} level {level}: max |edge-audit - reference| = {worst:.0f} grey levels over {len(files)} images")
        print("ok" if worst_all <= args.tolerance else f"FAILED: {worst_all} > {args.tolerance}")
        return 0 if worst_all <= args.tolerance else 1
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    sys.exit(main())
