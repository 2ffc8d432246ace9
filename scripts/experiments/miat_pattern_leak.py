#!/usr/bin/env python3
"""How much of x the MIAT noise control's "adversarial pattern" reveals on its own.

    scripts/experiments/miat_pattern_leak.py [IMAGES] [EPS]   (default /work/main/data/fashion-mnist-test 0.08)

`edge-audit fisher --miat` used (s − x)/ε as the adversarial pattern, with s = x ± ε clamped
to [0, 1]. Where x is 0 or 1 the clamp zeroes half of the pattern, so the pattern carries
the image's silhouette. The tool now undoes the clamp (NaturalAdversarialMI.pattern), which
for the noise control gives exactly the signs: the "tool's pattern" column below. This script draws ±ε signs (numpy, not the tool's generator; the
statistics, not the bytes, matter), clamps as the tool does, and classifies the pattern
alone with a nearest-centroid rule (8000 images to fit, the rest to test), next to the same
rule on unclamped signs (the chance control) and on the clean image. Needs numpy and Pillow.
"""
import glob
import sys

import numpy as np
from PIL import Image


def nearest_centroid(features, labels, train, test):
    f = features - features[train].mean(0)
    centroids = np.stack([f[train][labels[train] == k].mean(0) for k in range(labels.max() + 1)])
    d = ((f[test][:, None, :] - centroids[None]) ** 2).sum(-1)
    return (d.argmin(1) == labels[test]).mean()


def main():
    images = sys.argv[1] if len(sys.argv) > 1 else "/work/main/data/fashion-mnist-test"
    eps = float(sys.argv[2]) if len(sys.argv) > 2 else 0.08
    files = sorted(glob.glob(f"{images}/*/*.png"))
    classes = sorted({p.split("/")[-2] for p in files})
    x = np.stack([np.asarray(Image.open(p)) for p in files]).reshape(len(files), -1).astype(int)
    y = np.array([classes.index(p.split("/")[-2]) for p in files])
    rng = np.random.default_rng(0)
    step = int(255 * eps)   # the tool's ±round-toward-zero(255ε) pixel units
    signs = np.where(rng.random(x.shape) < 0.5, 1, -1)
    s = np.clip(x + signs * step, 0, 255)
    pattern = (s - x) / (255 * eps)
    # The tool's rule since the fix: a move the clamp cut short counts as the full move.
    undone = np.where((s == 0) & (x < step), -step, np.where((s == 255) & (x > 255 - step), step, s - x)) / (255 * eps)
    order = rng.permutation(len(y))
    train, test = order[:8000], order[8000:]
    print(f"{len(files)} images, ε = {eps}: pixels at 0 {np.mean(x == 0):.3f}, at 255 {np.mean(x == 255):.3f}; "
          f"pattern entries zeroed by the clamp {np.mean(pattern == 0):.3f}")
    print(f"nearest-centroid test accuracy: clamped ±ε pattern {nearest_centroid(pattern, y, train, test):.3f}, "
          f"unclamped signs {nearest_centroid(signs.astype(float), y, train, test):.3f}, "
          f"the tool's pattern {nearest_centroid(undone, y, train, test):.3f} (equal to the signs: {np.allclose(undone, signs * step / (255 * eps))}), "
          f"clean image {nearest_centroid(x / 255.0, y, train, test):.3f}")


if __name__ == "__main__":
    main()
