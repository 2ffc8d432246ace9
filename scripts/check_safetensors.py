#!/usr/bin/env python3
"""Independent check of `edge-audit export --safetensors`: rebuilds the float network in
PyTorch from the exported tensors and the graph in the file's metadata, runs it on the
images `edge-audit predict --logits` classified, and compares the logits.

Optional dependencies (not in CI): torch, safetensors, numpy, pillow-free (PNG via zlib).

  edge-audit export models/fashion-lenet5.bin --safetensors /tmp/m.safetensors
  edge-audit predict models/fashion-lenet5.bin --images DIR --logits > /tmp/pred.jsonl
  python3 scripts/check_safetensors.py /tmp/m.safetensors /tmp/pred.jsonl
"""
import json
import struct
import sys
import zlib

import numpy as np
import torch
import torch.nn.functional as F
from safetensors import safe_open
from safetensors.torch import load_file


def read_png_gray_or_rgb(path):
    """Minimal PNG reader (8-bit gray/RGB, non-interlaced), independent of edge-audit's libpng shim."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    pos, idat, w = 8, b"", None
    while pos < len(data):
        n = struct.unpack(">I", data[pos:pos + 4])[0]
        t = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + n]
        if t == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype in (0, 2), "only 8-bit gray/RGB"
            ch = 1 if ctype == 0 else 3
        elif t == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * ch
    out = np.zeros((h, stride), dtype=np.uint8)
    prev = np.zeros(stride, dtype=np.int32)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = np.frombuffer(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)], dtype=np.uint8).astype(np.int32)
        cur = np.zeros(stride, dtype=np.int32)
        for x in range(stride):
            a = cur[x - ch] if x >= ch else 0
            b = prev[x]
            c = prev[x - ch] if x >= ch else 0
            if f == 0: v = line[x]
            elif f == 1: v = line[x] + a
            elif f == 2: v = line[x] + b
            elif f == 3: v = line[x] + (a + b) // 2
            else:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                v = line[x] + (a if pa <= pb and pa <= pc else (b if pb <= pc else c))
            cur[x] = v & 0xFF
        out[y] = cur
        prev = cur
    return out.reshape(h, w, ch).transpose(2, 0, 1)


def outputs(graph, t, x):
    """Every node's output, in graph order (check_saliency.py needs the hidden ones)."""
    outs = []
    for n in graph:
        op, ins = n["op"], [outs[i] for i in n["inputs"]]
        name = n["name"]
        if op == "input": y = x
        elif op == "conv2d": y = F.conv2d(ins[0], t[name + ".weight"], t[name + ".bias"], stride=n["stride"], padding=n["padding"])
        elif op == "dense": y = F.linear(ins[0], t[name + ".weight"], t[name + ".bias"])
        elif op == "relu": y = F.relu(ins[0])
        elif op == "maxpool": y = F.max_pool2d(ins[0], n["kernel"], n["stride"])
        elif op == "avgpool": y = F.avg_pool2d(ins[0], n["kernel"], n["stride"])
        elif op == "gap": y = ins[0].mean(dim=(2, 3))
        elif op == "flatten": y = ins[0].flatten(1)
        elif op == "batchnorm":
            y = F.batch_norm(ins[0], t[name + ".running_mean"], t[name + ".running_var"], t[name + ".weight"], t[name + ".bias"],
                             training=False, eps=n["eps"])
        elif op == "add": y = ins[0] + ins[1]
        else: raise SystemExit(f"unknown op {op}")
        outs.append(y)
    return outs


def forward(graph, t, x):
    """The logits: the last node's output."""
    return outputs(graph, t, x)[-1]


def main():
    st, pred = sys.argv[1], sys.argv[2]
    limit = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    tensors = load_file(st)
    with safe_open(st, "pt") as f:
        meta = f.metadata()
    graph = json.loads(meta["edge-audit.graph"])
    rows = [json.loads(l) for l in open(pred)][:limit]
    xs = np.stack([read_png_gray_or_rgb(r["path"]) for r in rows]).astype(np.float32) / 255.0
    with torch.no_grad():
        logits = forward(graph, tensors, torch.from_numpy(xs)).numpy()
    ours = np.array([r["logits"] for r in rows], dtype=np.float32)
    diff = np.abs(logits - ours).max()
    agree = (logits.argmax(1) == ours.argmax(1)).mean()
    print(f"{len(rows)} images: max |logit difference| = {diff:.3g}, argmax agreement = {agree:.4f}")
    if diff > 1e-4:
        raise SystemExit("FAIL: logits differ by more than 1e-4")
    print("OK: PyTorch reproduces edge-audit's logits within 1e-4")


if __name__ == "__main__":
    main()
