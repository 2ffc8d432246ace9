#!/usr/bin/env python3
"""PGD-N (L∞, ε = 0.1, step 0.025, random start) on 1000 Fashion-MNIST test images against
LeNet-5: edge-audit vs torchattacks on PyTorch CPU (float32, the same net), with 1 and 2
threads, in the same run. --steps takes a comma list (default 10); every (threads, steps)
cell runs --repeats interleaved rounds (ours, then theirs) and reports medians and min–max.
edge-audit's time is its own `craft_seconds` (PGD on the float net alone: the command also
crafts on the int8 simulation and builds a transfer matrix, which are not counted);
torchattacks' is the wall time of the same 10 batches of 100 images.

Optional dependencies (not in CI): torch==2.13.0+cpu, torchattacks, safetensors, pillow.
  python3 Benchmarks/attack_speed.py models/fashion-lenet5.bin data/fashion-mnist-test --steps 10,100
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import torch
import torchattacks

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, ".build/release/edge-audit")
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from compare_torchattacks import load_images, load_net  # noqa: E402

EPS, STEP = 0.1, 0.025


def ours(binary, model, images, steps, threads):
    # cwd = the repository, so a float-only model finds calibration/fashion-mnist for its int8 twin.
    r = subprocess.run([binary, "attack", model, "--images", images, "--attack", "pgd", "--eps", str(EPS), "--steps", str(steps),
                        "--step-size", str(STEP), "--limit", "1000", "--threads", str(threads), "--format", "json", "--quiet"],
                       capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(r.stdout)["results"][0]["craft_seconds"]


def theirs(net, x, y, steps, threads):
    torch.set_num_threads(threads)
    atk = torchattacks.PGD(net, eps=EPS, alpha=STEP, steps=steps, random_start=True)
    t0 = time.perf_counter()
    for i in range(0, 1000, 100):
        atk(x[i:i + 100], y[i:i + 100])
    return time.perf_counter() - t0


def cell(v):
    return f"{statistics.median(v):.2f} ({min(v):.2f}–{max(v):.2f})"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("images")
    ap.add_argument("--steps", default="10", help="comma list of PGD step counts")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--binary", default=BIN, help="the edge-audit executable (default: this checkout's release build)")
    a = ap.parse_args()
    model, images = os.path.abspath(a.model), os.path.abspath(a.images)
    net, _, _, classes = load_net(model)
    x, y = load_images(images, classes, 1000)
    with open("/proc/loadavg") as f:
        load = f.read().split()[:3]
    print(f"torch {torch.__version__}, torchattacks {torchattacks.__version__}; load average {' '.join(load)}; "
          f"{time.strftime('%Y-%m-%d %H:%M')}; median (min–max) of {a.repeats} interleaved rounds")
    print("| steps | threads | edge-audit s | torchattacks s | torchattacks / edge-audit (median) |")
    print("|---|---|---|---|---|")
    for steps in (int(s) for s in a.steps.split(",")):
        for t in (int(s) for s in a.threads.split(",")):
            theirs(net, x[:100], y[:100], 1, t)  # thread-pool warm-up
            o, p = [], []
            for _ in range(a.repeats):
                o.append(ours(a.binary, model, images, steps, t))
                p.append(theirs(net, x, y, steps, t))
            print(f"| {steps} | {t} | {cell(o)} | {cell(p)} | {statistics.median(p) / statistics.median(o):.2f} |", flush=True)


if __name__ == "__main__":
    main()
