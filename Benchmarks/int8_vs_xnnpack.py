#!/usr/bin/env python3
"""Whole int8 nets: edge-audit's integer engine against LiteRT + XNNPACK on the same
integers — the .tflite that `edge-audit export --tflite` writes from the model (TensorFlow
Lite Micro runs it bit for bit like our engine, BENCHMARKS.md "Export to TFLite").

Both sides run one image batch at a time with the same thread count, in interleaved rounds
(ours, LiteRT, ours, …) so that load from other work hits both alike; each round runs for
`--seconds`. edge-audit is measured by `edge-audit bench --net int8` (its own timing loop
over random images, batch B); LiteRT by `interpreter.invoke()` from Python on a batch-B
input tensor (resized for B > 1), XNNPACK being LiteRT's default delegate. Reports images/s
median [min–max] per side and the ratio of medians. Optional dependencies: ai-edge-litert,
numpy; not in CI.

  python3 Benchmarks/int8_vs_xnnpack.py [--edge-audit .build/release/edge-audit [OTHER ...]] [--rounds 9]
      [--seconds 1] [--batches 1 256] [--threads 1] [--models models/fashion-lenet5-q.bin ...]
With several --edge-audit binaries (e.g. before and after a kernel change) each gets its
own column, all interleaved in the same rounds; the first one exports the .tflite.
"""
import argparse, os, re, statistics, subprocess, tempfile, time
import numpy as np


def ours(exe, model, batch, threads, seconds):
    out = subprocess.run([exe, "bench", model, "--net", "int8", "--batch", str(batch), "--threads", str(threads),
                          "--seconds", str(seconds)], check=True, capture_output=True, text=True).stdout
    return float(re.search(r"batch \d+: ([0-9.]+) images/s", out).group(1))


def litert(path, batch, threads):
    from ai_edge_litert.interpreter import Interpreter
    it = Interpreter(model_path=path, num_threads=threads)
    d = it.get_input_details()[0]
    if batch != d["shape"][0]:
        it.resize_tensor_input(d["index"], [batch] + list(d["shape"][1:]))
    it.allocate_tensors()
    d = it.get_input_details()[0]
    rng = np.random.default_rng(1)
    it.set_tensor(d["index"], rng.integers(-128, 128, size=d["shape"], dtype=np.int8))
    return it


def litert_rate(it, batch, seconds):
    it.invoke()
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        it.invoke()
        n += 1
    return n * batch / (time.perf_counter() - t0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--edge-audit", nargs="+", default=[".build/release/edge-audit"])
    ap.add_argument("--models", nargs="+", default=["models/fashion-lenet5-q.bin", "models/fashion-resnet8-q.bin"])
    ap.add_argument("--batches", nargs="+", type=int, default=[1, 256])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--seconds", type=float, default=1.0)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp()
    names = [f"{os.path.basename(os.path.dirname(e)) or e} images/s" for e in a.edge_audit] if len(a.edge_audit) > 1 else ["edge-audit images/s"]
    print("| net | batch | threads | " + " | ".join(names) + " | LiteRT + XNNPACK images/s | " + " | ".join(n.replace(" images/s", "") + " ÷ XNNPACK" for n in names) + " |")
    print("|---" * (4 + 2 * len(names)) + "|")
    for m in a.models:
        tfl = os.path.join(tmp, os.path.basename(m) + ".tflite")
        subprocess.run([a.edge_audit[0], "export", m, "--tflite", tfl], check=True, capture_output=True)
        for b in a.batches:
            it = litert(tfl, b, a.threads)
            mine, theirs = [[] for _ in a.edge_audit], []
            for _ in range(a.rounds):
                for k, e in enumerate(a.edge_audit):
                    mine[k].append(ours(e, m, b, a.threads, a.seconds))
                theirs.append(litert_rate(it, b, a.seconds))
            ft = statistics.median(theirs)
            cols = [f"{statistics.median(x):,.0f} [{min(x):,.0f}–{max(x):,.0f}]" for x in mine]
            ratios = [f"{statistics.median(x) / ft:.2f}×" for x in mine]
            print(f"| {os.path.basename(m)} | {b} | {a.threads} | " + " | ".join(cols) + f" | {ft:,.0f} [{min(theirs):,.0f}–{max(theirs):,.0f}] | "
                  + " | ".join(ratios) + " |", flush=True)


if __name__ == "__main__":
    main()
