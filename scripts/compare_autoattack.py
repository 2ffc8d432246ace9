#!/usr/bin/env python3
"""edge-audit's AutoAttack against torchattacks' APGD and APGD-T at the original AutoAttack
budget (100 iterations, 1 restart, APGD-T over the 9 highest non-true classes), on the same
weights (the float net rebuilt in PyTorch from the safetensors export) and the same images
(the ones `--limit N` picks). Per model and ε, three robust accuracies:

  APGD-CE             ours vs torchattacks.APGD(loss='ce')                must agree within ±1 pt
  APGD-CE → APGD-T    the per-image union: APGD-T run on what APGD-CE left  must agree within ±1 pt
  AutoAttack          ours (adds FAB-T and Square, 5000 queries)          ≤ theirs (CE → T) + 0.5 pt

torchattacks runs in float64 (see compare_torchattacks.py: PyTorch's float32 CPU gradients
flip sign on ~1.4% of pixels here). Optional dependencies (not in CI): torch, torchattacks
(--no-deps), safetensors, pillow, numpy. Needs the release binary (swift build -c release).

  python3 scripts/compare_autoattack.py data/fashion-mnist-test --limit 1000 \\
      --models models/fashion-lenet5.bin,models/fashion-lenet5-at.bin --eps 0.05,0.08,0.1
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time

import torch
import torchattacks

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, ".build/release/edge-audit")
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from compare_torchattacks import Net, load_images, load_net  # noqa: E402


def ours(model, images, eps, limit, threads):
    """Starts our AutoAttack; the returned function waits for it and gives the robust
    accuracy (%) after APGD-CE, after APGD-T, at the end, and our crafting time (s)."""
    p = subprocess.Popen([BIN, "attack", model, "--images", images, "--attack", "autoattack", "--eps", str(eps),
                          "--limit", str(limit), "--format", "json", "--quiet", "--threads", threads], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def finish():
        out, err = p.communicate()
        if p.returncode != 0:
            raise SystemExit(f"edge-audit failed ({p.returncode}): {err}")
        row = json.loads(out)["results"][0]
        after = {s["attack"]: s["robust_accuracy_after"] * 100 for s in row["per_attack"]}
        return after["apgd-ce"], after["apgd-t"], row["robust_accuracy"] * 100, row["craft_seconds"]
    return finish


def theirs(net, x, y, eps):
    """torchattacks at the original budget: APGD-CE on every image, APGD-T on what it left."""
    t0 = time.time()
    with torch.no_grad():
        robust = net(x).argmax(1) == y
    ce = torchattacks.APGD(net, norm="Linf", eps=eps, steps=100, n_restarts=1, loss="ce", seed=0)
    idx = robust.nonzero().squeeze(1)
    adv = ce(x[idx], y[idx])
    with torch.no_grad():
        robust[idx] = net(adv).argmax(1) == y[idx]
    after_ce = robust.float().mean().item() * 100
    t1 = time.time()
    tg = torchattacks.APGDT(net, norm="Linf", eps=eps, steps=100, n_restarts=1, n_classes=10, seed=0)
    idx = robust.nonzero().squeeze(1)
    if idx.numel() > 0:
        adv = tg(x[idx], y[idx])
        with torch.no_grad():
            robust[idx] = net(adv).argmax(1) == y[idx]
    return after_ce, robust.float().mean().item() * 100, t1 - t0, time.time() - t1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("images")
    ap.add_argument("--limit", type=int, default=1000)
    ap.add_argument("--models", default="models/fashion-lenet5.bin,models/fashion-lenet5-at.bin")
    ap.add_argument("--eps", default="0.05,0.08,0.1")
    ap.add_argument("--threads", default="1", help="edge-audit --threads (PyTorch runs on one)")
    a = ap.parse_args()
    torch.set_num_threads(1)  # a shared 2-core machine: two-thread barriers lose more than they gain
    ok = True
    print(f"{a.limit} images (--limit {a.limit}); float net, white-box, L∞; {platform.processor() or platform.machine()}, "
          f"torch {torch.__version__}, torchattacks {torchattacks.__version__}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print("| model | ε | APGD-CE ours | theirs | Δ | CE→T ours | theirs | Δ | AutoAttack ours | AA − theirs CE→T | ours s | theirs s (CE + T) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for model in a.models.split(","):
        _, tensors, graph, classes = load_net(model)
        x, y = load_images(a.images, classes, a.limit)
        net = Net(graph, {k: v.double() for k, v in tensors.items()}).eval()
        for eps in [float(e) for e in a.eps.split(",")]:
            # Both sides at once (one thread each), so a shared machine's load hits both alike.
            wait = ours(model, a.images, eps, a.limit, a.threads)
            tc, tt, tsc, tst = theirs(net, x.double(), y, eps)
            oc, ot, oa, os_ = wait()
            good = abs(oc - tc) <= 1 and abs(ot - tt) <= 1 and oa <= tt + 0.5
            ok &= good
            print(f"| {os.path.basename(model)} | {eps} | {oc:.2f} | {tc:.2f} | {oc - tc:+.2f} | {ot:.2f} | {tt:.2f} | {ot - tt:+.2f} | "
                  f"{oa:.2f} | {oa - tt:+.2f} | {os_:.0f} | {tsc:.0f} + {tst:.0f} |{'' if good else ' FAIL'}", flush=True)
    if not ok:
        raise SystemExit("FAIL: outside the agreement bounds (±1 pt; AutoAttack ≤ theirs + 0.5 pt)")
    print("OK")


if __name__ == "__main__":
    main()
