#!/usr/bin/env python3
"""`edge-audit export MODEL --tflite` run under TensorFlow Lite Micro, against the host's
integer engine, bit for bit (optional, not in CI; deps: tflite-micro, numpy).

For each model: export it to .tflite, feed the first N Fashion-MNIST test images to TFLite
Micro's interpreter as the int8 input q = pixel − 128 (scale 1/255, zero point −128, what
the exporter writes), and compare the int8 logits with `edge-audit predict --net int8
--logits` on the same images (written by `edge-audit data`; the printed scale·(q − zp) is
turned back into q and checked bit for bit by device_parity.host_logits).

  python3 scripts/check_export_tflm.py [--images 1000] [--edge-audit .build/debug/edge-audit]
                                       [--models models/fashion-lenet5-q.bin models/fashion-resnet8-q.bin]
  python3 scripts/check_export_tflm.py --synthetic DIR
      DIR written by `EDGE_EXPORT_DUMP=DIR swift test --filter SyntheticExportTests`: the
      exported graph with every op the shipped models lack (depthwise + ReLU6, RELU, SAME
      MAX_POOL, PAD, a convolution padding only PAD expresses, ADD, MEAN, dense), its HWC
      input pixels and the engine's int8 logits.
Exit 1 when any image's logits differ.
"""
import argparse, os, subprocess, sys, tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import device_parity as dp  # noqa: E402

IDX = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=1000)
    ap.add_argument("--edge-audit", default=".build/debug/edge-audit")
    ap.add_argument("--idx", default=IDX)
    ap.add_argument("--models", nargs="+", default=["models/fashion-lenet5-q.bin", "models/fashion-resnet8-q.bin"])
    ap.add_argument("--synthetic", metavar="DIR")
    a = ap.parse_args()
    from tflite_micro import runtime

    if a.synthetic:
        ok = all([synthetic(runtime, a.synthetic, f[:-7]) for f in sorted(os.listdir(a.synthetic)) if f.endswith(".tflite")])
        sys.exit(0 if ok else 1)
    run_models(a, runtime)


def synthetic(runtime, d, name):
    """One dumped synthetic graph under TFLite Micro vs the engine's logits."""
    blob = open(os.path.join(d, name + ".tflite"), "rb").read()
    want = np.frombuffer(open(os.path.join(d, name + ".logits.i8"), "rb").read(), dtype=np.int8)
    px = np.frombuffer(open(os.path.join(d, name + ".images.u8"), "rb").read(), dtype=np.uint8)
    n = px.size // 288
    px, want = px.reshape(n, 12, 12, 2), want.reshape(n, -1)
    micro = runtime.Interpreter.from_bytes(blob)
    same = 0
    for i in range(n):
        micro.set_input((px[i].astype(np.int16) - 128).astype(np.int8)[None], 0)
        micro.invoke()
        got = micro.get_output(0).reshape(-1)
        same += bool(np.array_equal(got, want[i]))
        if not np.array_equal(got, want[i]) and same + 5 > i:
            print(f"  image {i}: TFLM {got.tolist()} engine {want[i].tolist()}")
    print(f"{name}: {same}/{n} images bit-exact (int8 logits)")
    return same == n


def run_models(a, runtime):
    """Each model.bin exported, under TFLite Micro vs `edge-audit predict --net int8`."""
    n = a.images
    work = tempfile.mkdtemp(prefix="export-tflm-")
    raw = os.path.join(work, "images.u8")
    dp.images(a.idx, n, raw)
    pixels = np.frombuffer(open(raw, "rb").read(), dtype=np.uint8).reshape(n, 28, 28, 1)
    png = os.path.join(work, "png")
    subprocess.run([a.edge_audit, "data", "fashion-mnist", "--split", "test", "--limit", str(n), "--out", png, "--quiet"],
                   check=True, stdout=subprocess.DEVNULL)
    failed = False
    for model in a.models:
        name = os.path.splitext(os.path.basename(model))[0]
        tfl = os.path.join(work, name + ".tflite")
        subprocess.run([a.edge_audit, "export", model, "--tflite", tfl], check=True, stdout=subprocess.DEVNULL)
        csv_path = os.path.join(work, name + ".csv")
        with open(csv_path, "w") as f:
            subprocess.run([a.edge_audit, "predict", model, "--images", png, "--net", "int8", "--logits", "--format", "csv",
                            "--quiet"], check=True, stdout=f, stderr=subprocess.DEVNULL)
        host_path = os.path.join(work, name + ".host.i8")
        dp.host_logits(model, csv_path, n, host_path)
        k = dp.logit_quant(model)[2]
        host = np.frombuffer(open(host_path, "rb").read(), dtype=np.int8).reshape(n, k)

        micro = runtime.Interpreter.from_bytes(open(tfl, "rb").read())
        got = np.zeros((n, k), dtype=np.int8)
        for i in range(n):
            q = (pixels[i].astype(np.int16) - 128).astype(np.int8)
            micro.set_input(q[None], 0)
            micro.invoke()
            got[i] = micro.get_output(0).reshape(k)
        same = int(np.sum(np.all(got == host, axis=1)))
        agree = int(np.sum(np.argmax(got, axis=1) == np.argmax(host, axis=1)))
        print(f"{name}: {same}/{n} images bit-exact (int8 logits), {agree}/{n} same argmax, "
              f"{os.path.getsize(tfl)} bytes .tflite")
        if same != n:
            failed = True
            bad = np.where(~np.all(got == host, axis=1))[0][:5]
            for i in bad:
                print(f"  image {i}: TFLM {got[i].tolist()} host {host[i].tolist()}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
