#!/usr/bin/env python3
"""Training time per objective, edge-audit vs PyTorch CPU, measured in the same session on
the same machine: seconds for one LeNet-5 epoch (60k Fashion-MNIST images, batch 128, Adam
lr 1e-3) of NT (cross-entropy), PGD-AT (PGD-7, eps 0.08, step 0.02, uniform start),
TRADES (7 KL steps, eps 0.08, step 0.02, 0.001·N(0,1) start, beta 6) and CEB (rho 3,
unit-variance Gaussian on the 84 penultimate features, learned class means), 2 threads,
median of --repeats runs each; with --images N both sides train on the first N images
and the time is scaled to 60k (the per-batch cost is the same for every batch) (PyTorch's CEB holds gamma at its end value: the anneal is
one scalar per step and costs nothing). Both sides do the same arithmetic per step (one
forward/backward per PGD step, two forward/backward passes for TRADES' outer loss).

Optional dependencies (not in CI): torch==2.13.0+cpu, numpy.
  swift build -c release --product edge-audit && python3 Benchmarks/train_objectives_torch.py
"""
import argparse
import gzip
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_speed import load  # noqa: E402  (the Fashion-MNIST idx reader)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, ".build/release/edge-audit")
EPS, STEP, STEPS, BETA, RHO = 0.08, 0.02, 7, 6.0, 3.0

OURS_FLAGS = {
    "NT": [],
    "PGD-AT": ["--adversarial", "pgd", "--eps", str(EPS), "--step-size", str(STEP), "--steps", str(STEPS)],
    "TRADES": ["--adversarial", "trades", "--eps", str(EPS), "--step-size", str(STEP), "--steps", str(STEPS), "--beta", str(BETA)],
    "CEB": ["--objective", "ceb", "--rho", str(RHO)],
}


def lenet():
    trunk = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU())
    return trunk, nn.Linear(84, 10)


def pgd_ce(model, x, y):
    adv = (x + torch.empty_like(x).uniform_(-EPS, EPS)).clamp(0, 1)
    for _ in range(STEPS):
        adv.requires_grad_(True)
        g, = torch.autograd.grad(F.cross_entropy(model(adv), y), adv)
        adv = torch.min(torch.max(adv.detach() + STEP * g.sign(), x - EPS), x + EPS).clamp(0, 1)
    return adv.detach()


def trades_adv(model, x):
    p = F.softmax(model(x), 1).detach()
    adv = x + 0.001 * torch.randn_like(x)
    for _ in range(STEPS):
        adv.requires_grad_(True)
        g, = torch.autograd.grad(F.kl_div(F.log_softmax(model(adv), 1), p, reduction="sum"), adv)
        adv = torch.min(torch.max(adv.detach() + STEP * g.sign(), x - EPS), x + EPS).clamp(0, 1)
    return adv.detach()


def torch_epoch(objective, x, y):
    torch.manual_seed(0)
    trunk, head = lenet()
    model = nn.Sequential(trunk, head)
    means = nn.Parameter(torch.empty(10, 84).uniform_(-math.sqrt(6 / 94), math.sqrt(6 / 94)))
    params = list(model.parameters()) + ([means] if objective == "CEB" else [])
    opt = torch.optim.Adam(params, 1e-3)
    gamma = math.exp(-RHO)
    perm = torch.randperm(len(x))
    # The first two batches (allocator and thread-pool warm-up) are run again untimed below.
    starts = [0, 128] + list(range(0, len(x), 128))
    t0 = None
    for n, i in enumerate(starts):
        if n == 2:
            t0 = time.perf_counter()
        xb, yb = x[perm[i:i + 128]], y[perm[i:i + 128]]
        if objective == "NT":
            loss = F.cross_entropy(model(xb), yb)
        elif objective == "PGD-AT":
            loss = F.cross_entropy(model(pgd_ce(model, xb, yb)), yb)
        elif objective == "TRADES":
            adv = trades_adv(model, xb)
            nat = model(xb)
            kl = F.kl_div(F.log_softmax(model(adv), 1), F.softmax(nat, 1), reduction="batchmean")
            loss = F.cross_entropy(nat, yb) + BETA * kl
        else:
            mu = trunk(xb)
            noise = torch.randn_like(mu)
            z = mu + noise
            rex = 0.5 * ((z - means[yb]) ** 2).sum(1) - 0.5 * (noise ** 2).sum(1)
            loss = (gamma * rex + F.cross_entropy(head(z), yb, reduction="none")).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return time.perf_counter() - t0


def ours_epoch(objective, threads, images, binary=BIN):
    r = subprocess.run(["nice", "-n", "10", binary, "train", "--epochs", "1", "--threads", str(threads), "--quiet", "--limit", str(images),
                        "--out", "/tmp/bench-objectives.bin"] + OURS_FLAGS[objective], capture_output=True, text=True, check=True)
    # From the images/s figure: the seconds are printed to 0.1 s only, a third of a 6,400-image NT epoch.
    return images / float(re.search(r"epoch 1: .*, [0-9.]+ s \(([0-9.]+) images/s\)", r.stderr).group(1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--objectives", default="NT,PGD-AT,TRADES,CEB")
    ap.add_argument("--images", type=int, default=60000)
    ap.add_argument("--binary", default=BIN, help="the edge-audit executable (default: this checkout's release build)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    os.nice(10)
    x, y = load("train")
    x, y = x[:a.images], y[:a.images]
    scale = 60000 / len(x)
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.machine())
    print(f"machine: {cpu}, {os.cpu_count()} cores; torch {torch.__version__}; {time.strftime('%Y-%m-%d')}; "
          f"{a.threads} threads, median of {a.repeats}, {len(x)} images scaled to a 60k epoch")
    with open("/proc/loadavg") as f:
        print(f"load average {' '.join(f.read().split()[:3])}; rounds interleaved (ours, then PyTorch); median (min–max)")
    print("| objective | edge-audit s/epoch | PyTorch s/epoch | PyTorch / edge-audit (medians) |")
    print("|---|---|---|---|")
    for obj in a.objectives.split(","):
        ours, theirs = [], []
        for _ in range(a.repeats):
            ours.append(scale * ours_epoch(obj, a.threads, len(x), a.binary))
            theirs.append(scale * torch_epoch(obj, x, y))
        m, n = statistics.median(ours), statistics.median(theirs)
        print(f"| {obj} | {m:.1f} ({min(ours):.1f}–{max(ours):.1f}) | {n:.1f} ({min(theirs):.1f}–{max(theirs):.1f}) | {n / m:.2f} |",
              flush=True)


if __name__ == "__main__":
    sys.exit(main())
