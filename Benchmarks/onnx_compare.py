#!/usr/bin/env python3
"""int8 inference speed, edge-audit vs ONNX Runtime, in the same run on the same machine.

For each model: the float weights are exported with `edge-audit export`, rebuilt as an
ONNX graph (onnx.helper, same architecture), quantised by ONNX Runtime's own static
quantiser (QDQ, int8 weights per channel, calibrated on the same calibration images), and
timed with 1 intra-op thread at batch 1 and 256; edge-audit's `bench` is timed on the same
model in the same run. Activations are quantised both ways, in separate rows: **uint8**
(ORT's fast path: its int8-activation QDQ graph keeps most of ResNet-8's convolutions in
float, so the int8 rows handicap ORT) and int8 (the same integer scheme as ours).

"% of peak" is of the VNNI peak per core MEASURED by Benchmarks/vnni_peak.c (compiled here
with `cc`), as in Benchmarks/int8_vs_xnnpack.py.

Optional dependencies (not in CI): onnx, onnxruntime, safetensors, numpy, a C compiler.
  swift build -c release
  python3 Benchmarks/onnx_compare.py models/fashion-lenet5-q.bin [models/resnet8-q.bin …]
"""
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import time
import zlib

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
from safetensors.numpy import load_file
from safetensors import safe_open

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, ".build/release/edge-audit")
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from check_safetensors import read_png_gray_or_rgb  # noqa: E402


def fold_batchnorm(graph, t):
    """Folds every batch norm that follows a convolution into it (as edge-audit's quantiser
    and ORT's quant_pre_process do), so both runtimes quantise the same convolutions."""
    t = dict(t)
    out, remap = [], {}
    for i, n in enumerate(graph):
        n = dict(n, inputs=[remap.get(j, j) for j in n["inputs"]])
        src = graph[n["inputs"][0]] if n["inputs"] else None
        if n["op"] == "batchnorm" and src is not None and src["op"] == "conv2d":
            c, b = src["name"], n["name"]
            f = t[b + ".weight"] / np.sqrt(t[b + ".running_var"] + n["eps"])
            t[c + ".weight"] = (t[c + ".weight"] * f[:, None, None, None]).astype(np.float32)
            t[c + ".bias"] = ((t[c + ".bias"] - t[b + ".running_mean"]) * f + t[b + ".bias"]).astype(np.float32)
            remap[i] = n["inputs"][0]
            out.append(None)
            continue
        out.append(n)
    # Drop folded nodes and renumber inputs.
    index, kept = {}, []
    for i, n in enumerate(out):
        if n is None:
            continue
        index[i] = len(kept)
        kept.append(n)
    for n in kept:
        n["inputs"] = [index[remap.get(j, j)] if remap.get(j, j) in index else index[j] for j in n["inputs"]]
    return kept, t


def build_onnx(graph, t, input_shape, path):
    graph, t = fold_batchnorm(graph, t)
    nodes, inits = [], []
    names = []
    for i, n in enumerate(graph):
        op, name = n["op"], n["name"]
        ins = [names[j] for j in n["inputs"]]
        out = f"t{i}"
        if op == "input":
            out = "input"
        elif op == "conv2d":
            inits += [numpy_helper.from_array(t[name + ".weight"], name + ".weight"), numpy_helper.from_array(t[name + ".bias"], name + ".bias")]
            k, s, p = n["kernel"], n["stride"], n["padding"]
            nodes.append(helper.make_node("Conv", [ins[0], name + ".weight", name + ".bias"], [out], kernel_shape=[k, k], strides=[s, s], pads=[p, p, p, p]))
        elif op == "dense":
            inits += [numpy_helper.from_array(t[name + ".weight"], name + ".weight"), numpy_helper.from_array(t[name + ".bias"], name + ".bias")]
            nodes.append(helper.make_node("Gemm", [ins[0], name + ".weight", name + ".bias"], [out], transB=1))
        elif op == "relu":
            nodes.append(helper.make_node("Relu", ins, [out]))
        elif op == "maxpool":
            nodes.append(helper.make_node("MaxPool", ins, [out], kernel_shape=[n["kernel"]] * 2, strides=[n["stride"]] * 2))
        elif op == "avgpool":
            nodes.append(helper.make_node("AveragePool", ins, [out], kernel_shape=[n["kernel"]] * 2, strides=[n["stride"]] * 2))
        elif op == "gap":
            g = f"g{i}"
            nodes.append(helper.make_node("GlobalAveragePool", ins, [g]))
            nodes.append(helper.make_node("Flatten", [g], [out]))
        elif op == "flatten":
            nodes.append(helper.make_node("Flatten", ins, [out]))
        elif op == "batchnorm":
            for s in ("weight", "bias", "running_mean", "running_var"):
                inits.append(numpy_helper.from_array(t[f"{name}.{s}"], f"{name}.{s}"))
            nodes.append(helper.make_node("BatchNormalization", [ins[0]] + [f"{name}.{s}" for s in ("weight", "bias", "running_mean", "running_var")],
                                          [out], epsilon=n["eps"]))
        elif op == "add":
            nodes.append(helper.make_node("Add", ins, [out]))
        names.append(out)
    nodes[-1].output[0] = "logits"
    g = helper.make_graph(nodes, "edge", [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N"] + input_shape)],
                          [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", None])], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 9
    onnx.save(m, path)


class Reader(CalibrationDataReader):
    def __init__(self, images):
        self.it = iter([{"input": images[i:i + 1]} for i in range(len(images))])

    def get_next(self):
        return next(self.it, None)


def calibration_images(folder, limit=500):
    paths = sorted(os.path.join(r, f) for r, _, fs in os.walk(folder) for f in fs if f.endswith(".png"))[:limit]
    return np.stack([read_png_gray_or_rgb(p) for p in paths]).astype(np.float32) / 255


def time_ort(sess, x, seconds=2.0):
    sess.run(None, {"input": x})
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        sess.run(None, {"input": x})
        n += len(x)
    return n / (time.perf_counter() - t0)


def ours(model, batch):
    r = subprocess.run([BIN, "bench", model, "--net", "int8", "--threads", "1", "--batch", str(batch), "--seconds", "2"],
                       capture_output=True, text=True, check=True).stdout
    tput = float(re.search(r"batch \d+: ([0-9.]+) images/s", r).group(1))
    lat = float(re.search(r"p50 ([0-9.]+) µs", r).group(1))
    macs = int(re.search(r"(\d+) MACs per image", r).group(1))
    return tput, 1e6 / lat, macs


def vnni_peak():
    exe = os.path.join(tempfile.mkdtemp(), "vnni-peak")
    subprocess.run(["cc", "-O2", "-mavx512f", "-mavx512vnni", os.path.join(ROOT, "Benchmarks/vnni_peak.c"), "-o", exe], check=True)
    out = subprocess.run([exe], check=True, capture_output=True, text=True).stdout
    return float(re.search(r"= ([0-9.]+) G MAC/s", out).group(1)), out.strip()


def main():
    models = sys.argv[1:] or [os.path.join(ROOT, "models/fashion-lenet5-q.bin")]
    cal = calibration_images(os.path.join(ROOT, "calibration/fashion-mnist"))
    peak, line = vnni_peak()
    print(f"onnxruntime {ort.__version__}, 1 intra-op thread; edge-audit bench --threads 1; load {open('/proc/loadavg').read().split()[:3]}")
    print(f"VNNI peak per core: {line}")
    print(f"| model | ORT quantisation | batch | ONNX Runtime images/s | edge-audit int8 images/s | ratio | edge-audit G MAC/s | % of {peak:.0f} G MAC/s peak |")
    print("|---|---|---|---|---|---|---|---|")
    for model in models:
        with tempfile.TemporaryDirectory() as d:
            st = os.path.join(d, "m.safetensors")
            subprocess.run([BIN, "export", model, "--safetensors", st], check=True, capture_output=True)
            with safe_open(st, "np") as f:
                meta = f.metadata()
            graph = json.loads(meta["edge-audit.graph"])
            shape = [int(v) for v in meta["edge-audit.input"].split(",")]
            fp, q = os.path.join(d, "f.onnx"), os.path.join(d, "q.onnx")
            build_onnx(graph, load_file(st), shape, fp)
            for act in (QuantType.QUInt8, QuantType.QInt8):
                quantize_static(fp, q, Reader(cal[:200]), quant_format=QuantFormat.QDQ, per_channel=True,
                                activation_type=act, weight_type=QuantType.QInt8)
                so = ort.SessionOptions()
                so.intra_op_num_threads = 1
                so.inter_op_num_threads = 1
                sess = ort.InferenceSession(q, so, providers=["CPUExecutionProvider"])
                label = "uint8 activations" if act == QuantType.QUInt8 else "int8 activations (handicaps ORT)"
                for batch in (1, 256):
                    x = np.ascontiguousarray(np.resize(cal, (batch,) + cal.shape[1:]))
                    theirs = time_ort(sess, x)
                    tput, lat_rate, macs = ours(model, batch)
                    mine = lat_rate if batch == 1 else tput
                    print(f"| {os.path.basename(model)} | ORT {label} | {batch} | {theirs:.0f} | {mine:.0f} | {mine / theirs:.2f}× | "
                          f"{mine * macs / 1e9:.2f} | {100 * mine * macs / (peak * 1e9):.1f}% |", flush=True)

if __name__ == "__main__":
    main()
