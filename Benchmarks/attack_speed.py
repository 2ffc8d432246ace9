#!/usr/bin/env python3
"""PGD-10 (L∞, ε = 0.1) on 1000 Fashion-MNIST test images against LeNet-5: edge-audit vs
torchattacks on PyTorch CPU (float32), with 1 and 2 threads, in the same run.

Optional dependencies (not in CI): torch==2.13.0+cpu, torchattacks, safetensors, pillow.
  python3 Benchmarks/attack_speed.py models/fashion-lenet5-q.bin data/fashion-mnist-test
"""
import json
import os
import subprocess
import sys
import time

import torch
import torchattacks

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, ".build/release/edge-audit")
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from compare_torchattacks import load_images, load_net  # noqa: E402


def main():
    model, images = sys.argv[1], sys.argv[2]
    net, _, _, classes = load_net(model)
    x, y = load_images(images, classes, 1000)
    print(f"torch {torch.__version__}, torchattacks {torchattacks.__version__}")
    print("| threads | edge-audit s | torchattacks s | torchattacks / edge-audit |")
    print("|---|---|---|---|")
    for t in (1, 2):
        r = subprocess.run([BIN, "attack", model, "--images", images, "--attack", "pgd", "--eps", "0.1", "--steps", "10", "--limit", "1000",
                            "--threads", str(t), "--format", "json", "--quiet"], capture_output=True, text=True, check=True)
        # craft_seconds: the PGD on the float net alone (the command also builds a transfer matrix).
        ours = json.loads(r.stdout)["results"][0]["craft_seconds"]
        torch.set_num_threads(t)
        atk = torchattacks.PGD(net, eps=0.1, alpha=0.025, steps=10, random_start=True)
        best = 1e9
        for _ in range(2):
            t0 = time.perf_counter()
            for i in range(0, 1000, 100):
                atk(x[i:i + 100], y[i:i + 100])
            best = min(best, time.perf_counter() - t0)
        print(f"| {t} | {ours:.2f} | {best:.2f} | {best / ours:.2f} |")


if __name__ == "__main__":
    main()
