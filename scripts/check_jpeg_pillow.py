#!/usr/bin/env python3
"""The JPEG corruption against Pillow's JPEG round trip at the same quality: every pixel
within 1/255 on the test images. Optional dependencies (not in CI): pillow, numpy.

  edge-audit data fashion-mnist --split test --out data/fashion-mnist-test
  python3 scripts/check_jpeg_pillow.py data/fashion-mnist-test [limit]
"""
import io
import os
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, ".build/release/edge-audit")
QUALITIES = [25, 18, 15, 10, 7]


def main():
    src = sys.argv[1]
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else None
    files = sorted(os.path.relpath(os.path.join(r, f), src) for r, _, fs in os.walk(src) for f in fs if f.endswith(".png"))
    if limit:
        files = files[:limit]
    worst_all = 0
    for level, q in enumerate(QUALITIES, start=1):
        with tempfile.TemporaryDirectory() as d:
            subprocess.run([BIN, "corrupt", "--images", src, "--kind", "jpeg", "--level", str(level), "--out", d, "--quiet"],
                           check=True, capture_output=True)
            worst, over = 0, 0
            for f in files:
                ours = np.asarray(Image.open(os.path.join(d, f)), dtype=np.int16)
                buf = io.BytesIO()
                Image.open(os.path.join(src, f)).save(buf, format="JPEG", quality=q)
                theirs = np.asarray(Image.open(io.BytesIO(buf.getvalue())), dtype=np.int16)
                diff = int(np.abs(ours - theirs).max())
                worst = max(worst, diff)
                over += diff > 1
            worst_all = max(worst_all, worst)
            print(f"quality {q}: {len(files)} images, max |ours − Pillow| = {worst}/255, images over 1/255: {over}")
    if worst_all > 1:
        raise SystemExit("FAIL: some pixel differs by more than 1/255")
    print("OK: the JPEG corruption matches Pillow within 1/255 per pixel")


if __name__ == "__main__":
    main()
