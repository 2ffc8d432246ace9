#!/usr/bin/env python3
"""Training speed, edge-audit vs PyTorch CPU, measured in the same run on the same machine:
seconds per LeNet-5 epoch (60k Fashion-MNIST images, batch 128, Adam) at 1 and 2 threads.

Optional dependencies (not in CI): torch==2.13.0+cpu, numpy.
  swift build -c release && python3 Benchmarks/train_speed.py [--repeats N] [--binary PATH]
Each side runs --repeats interleaved rounds (ours, then PyTorch); the table gives medians
and min–max.
"""
import argparse
import gzip
import os
import re
import statistics
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn as nn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, ".build/release/edge-audit")
DATA = "/usr/share/datasets/fashion-mnist"


def load(prefix):
    with gzip.open(f"{DATA}/{prefix}-images-idx3-ubyte.gz") as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28).astype(np.float32) / 255
    with gzip.open(f"{DATA}/{prefix}-labels-idx1-ubyte.gz") as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8).astype(np.int64)
    return torch.from_numpy(x), torch.from_numpy(y)


def lenet():
    return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                         nn.Linear(84, 10))


def torch_epoch(threads, x, y):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    m = lenet()
    opt = torch.optim.Adam(m.parameters(), 1e-3)
    perm = torch.randperm(len(x))
    t0 = time.perf_counter()
    for i in range(0, len(x), 128):
        idx = perm[i:i + 128]
        opt.zero_grad()
        loss = nn.functional.cross_entropy(m(x[idx]), y[idx])
        loss.backward()
        opt.step()
    return time.perf_counter() - t0


def ours_epoch(threads, binary=BIN):
    r = subprocess.run([binary, "train", "--epochs", "1", "--threads", str(threads), "--quiet", "--out", "/tmp/bench-train.bin"],
                       capture_output=True, text=True, check=True)
    # From the images/s figure: the seconds are printed to 0.1 s only.
    return 60000 / float(re.search(r"epoch 1: .*, [0-9.]+ s \(([0-9.]+) images/s\)", r.stderr).group(1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--binary", default=BIN, help="the edge-audit executable (default: this checkout's release build)")
    a = ap.parse_args()
    x, y = load("train")
    with open("/proc/loadavg") as f:
        load_avg = " ".join(f.read().split()[:3])
    print(f"machine: {os.cpu_count()} cores; torch {torch.__version__}; load average {load_avg}; "
          f"{time.strftime('%Y-%m-%d %H:%M')}; median (min–max) of {a.repeats} interleaved rounds")
    print("| threads | edge-audit s/epoch | PyTorch s/epoch | ratio (PyTorch / edge-audit, medians) |")
    print("|---|---|---|---|")
    for t in (1, 2):
        ours, theirs = [], []
        for _ in range(a.repeats):
            ours.append(ours_epoch(t, a.binary))
            theirs.append(torch_epoch(t, x, y))
        m, n = statistics.median(ours), statistics.median(theirs)
        print(f"| {t} | {m:.2f} ({min(ours):.2f}–{max(ours):.2f}) | {n:.2f} ({min(theirs):.2f}–{max(theirs):.2f}) | {n / m:.2f} |",
              flush=True)


if __name__ == "__main__":
    sys.exit(main())
