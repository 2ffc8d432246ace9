#!/usr/bin/env python3
"""edge-audit's FGSM and PGD against torchattacks on the same model and the same 1000 test
images: FGSM robust accuracy must agree within 0.5 points, PGD-40 within 1.5 points.

Optional dependencies (not in CI): torch==2.13.0+cpu, torchattacks (--no-deps), safetensors,
pillow, numpy.
  python3 scripts/compare_torchattacks.py models/fashion-lenet5-q.bin data/fashion-mnist-test
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torchattacks
from PIL import Image
from safetensors import safe_open
from safetensors.torch import load_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, ".build/release/edge-audit")
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from check_safetensors import forward  # noqa: E402


class Net(torch.nn.Module):
    def __init__(self, graph, tensors):
        super().__init__()
        self.graph, self.t = graph, tensors

    def forward(self, x):
        return forward(self.graph, self.t, x)


def load_net(model):
    """The float net of `model`, rebuilt in PyTorch from its safetensors export, the export's
    tensors, graph and class names."""
    with tempfile.TemporaryDirectory() as d:
        st = os.path.join(d, "m.safetensors")
        subprocess.run([BIN, "export", model, "--safetensors", st], check=True, capture_output=True)
        with safe_open(st, "pt") as f:
            meta = f.metadata()
        tensors = load_file(st)
    graph = json.loads(meta["edge-audit.graph"])
    return Net(graph, tensors).eval(), tensors, graph, meta["edge-audit.classes"].split(",")


def load_images(folder, classes, n):
    """The same selection as edge-audit's --limit: n files evenly spread over the sorted list."""
    files = []
    for c in sorted(os.listdir(folder)):
        if c.startswith("."):
            continue
        for f in sorted(os.listdir(os.path.join(folder, c))):
            if not f.startswith(".") and f.lower().endswith((".png", ".jpg", ".jpeg")):
                files.append((os.path.join(folder, c, f), classes.index(c)))
    pick = [files[i * len(files) // n] for i in range(n)]
    x = np.stack([np.asarray(Image.open(p), dtype=np.float32)[None] / 255 for p, _ in pick])
    return torch.from_numpy(x), torch.tensor([l for _, l in pick])


def ours(model, images, attack, eps, steps):
    r = subprocess.run([BIN, "attack", model, "--images", images, "--attack", attack, "--eps", str(eps), "--steps", str(steps),
                        "--limit", "1000", "--format", "json", "--quiet"], capture_output=True, text=True, check=True)
    return json.loads(r.stdout)["results"][0]["robust_accuracy"]


def main():
    model, images = sys.argv[1], sys.argv[2]
    _, tensors, graph, classes = load_net(model)
    x, y = load_images(images, classes, 1000)
    # PyTorch's float32 CPU gradients differ in sign from its own float64 ones on ~1.4% of
    # pixels here (large batched convolutions), while edge-audit's match float64 exactly;
    # float64 is the reference, float32 is shown for information.
    nets = {"float64": (Net(graph, {k: v.double() for k, v in tensors.items()}).eval(), x.double()),
            "float32": (Net(graph, tensors).eval(), x)}
    torch.manual_seed(0)
    ok = True
    print(f"{model}: 1000 images; robust accuracy (%), float net, white-box")
    print("| attack | eps | edge-audit | torchattacks (float64) | difference | bound | torchattacks (float32) |")
    print("|---|---|---|---|---|---|---|")
    for eps in (0.05, 0.1):
        for name, steps, bound in (("fgsm", 1, 0.5), ("pgd", 40, 1.5)):
            theirs = {}
            for kind, (net, xs) in nets.items():
                torch.manual_seed(0)
                atk = torchattacks.FGSM(net, eps=eps) if name == "fgsm" else torchattacks.PGD(net, eps=eps, alpha=2.5 * eps / steps, steps=steps, random_start=True)
                adv = atk(xs, y)
                with torch.no_grad():
                    theirs[kind] = (net(adv).argmax(1) == y).float().mean().item() * 100
            mine = ours(model, images, name, eps, steps) * 100
            diff = mine - theirs["float64"]
            ok &= abs(diff) <= bound
            print(f"| {name.upper()}{'-40' if name == 'pgd' else ''} | {eps} | {mine:.2f} | {theirs['float64']:.2f} | {diff:+.2f} | ±{bound} | {theirs['float32']:.2f} |")
    if not ok:
        raise SystemExit("FAIL: outside the agreement bounds")
    print("OK")


if __name__ == "__main__":
    main()
