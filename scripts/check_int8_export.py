#!/usr/bin/env python3
"""An independent implementation of docs/integer-spec.md in numpy (int64 arithmetic),
driven only by the safetensors export (`int8.*` tensors and the `edge-audit.int8.graph`
metadata). It must reproduce edge-audit's int8 logits exactly.

Optional dependencies (not in CI): numpy, safetensors.
  edge-audit export models/fashion-lenet5-q.bin --safetensors /tmp/q.safetensors
  edge-audit predict models/fashion-lenet5-q.bin --images DIR --net int8 --logits > /tmp/q.jsonl
  python3 scripts/check_int8_export.py /tmp/q.safetensors /tmp/q.jsonl [limit]
"""
import json
import os
import sys

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_safetensors import read_png_gray_or_rgb  # noqa: E402


def srdhm(a, b):
    p = a.astype(np.int64) * np.int64(b)
    nudge = np.where(p >= 0, np.int64(1 << 30), np.int64(1 - (1 << 30)))
    t = p + nudge
    # C's division truncates toward zero.
    return np.where(t >= 0, t >> 31, -((-t) >> 31))


def rdbpot(x, e):
    e = np.int64(e)
    mask = (np.int64(1) << e) - 1
    rem = x & mask
    thr = (mask >> 1) + (x < 0).astype(np.int64)
    return (x >> e) + (rem > thr).astype(np.int64)


def requant(acc, mult, shift):
    return rdbpot(srdhm(acc, mult), -shift)


def run(graph, t, img):
    outs = []
    for n in graph:
        op = n["op"]
        ins = [outs[i] for i in n["inputs"]]
        zp = n["zero_point"]
        if op == "input":
            y = img.astype(np.int64) - 128                               # HWC
        elif op in ("conv2d", "dense"):
            x = ins[0]
            in_zp = graph[n["inputs"][0]]["zero_point"]
            w = t[f"int8.{n['name']}.weight"].astype(np.int64)          # [O, k, k, C]
            bias = t[f"int8.{n['name']}.bias"].astype(np.int64)
            mult = t[f"int8.{n['name']}.multiplier"].astype(np.int64)
            shift = t[f"int8.{n['name']}.shift"].astype(np.int64)
            if op == "dense":
                acc = bias + (w.reshape(w.shape[0], -1) @ (x.reshape(-1) - in_zp))
                y = requant(acc, mult, shift)
            else:
                k, s, p = n["kernel"], n["stride"], n["padding"]
                xc = x - in_zp                                            # padding holds the real 0
                xc = np.pad(xc, ((p, p), (p, p), (0, 0)))
                H, W = xc.shape[:2]
                oh, ow = (H - k) // s + 1, (W - k) // s + 1
                cols = np.stack([xc[i * s:i * s + k, j * s:j * s + k, :].reshape(-1) for i in range(oh) for j in range(ow)])
                acc = cols @ w.reshape(w.shape[0], -1).T + bias
                y = requant(acc, mult[None, :], shift[None, :]).reshape(oh, ow, -1)
            y = np.clip(y + zp, n["act_min"], n["act_max"])
        elif op in ("maxpool", "avgpool"):
            x, k, s = ins[0], n["kernel"], n["stride"]
            oh, ow = (x.shape[0] - k) // s + 1, (x.shape[1] - k) // s + 1
            win = np.stack([x[i * s:i * s + k, j * s:j * s + k, :].reshape(k * k, -1) for i in range(oh) for j in range(ow)])
            if op == "maxpool":
                y = win.max(axis=1)
            else:
                tot, cnt = win.sum(axis=1), k * k
                y = np.where(tot >= 0, (tot + cnt // 2) // cnt, -((-tot + cnt // 2) // cnt))
            y = y.reshape(oh, ow, -1)
        elif op == "gap":
            x = ins[0]
            tot, cnt = x.reshape(-1, x.shape[2]).sum(axis=0), x.shape[0] * x.shape[1]
            y = np.where(tot >= 0, (tot + cnt // 2) // cnt, -((-tot + cnt // 2) // cnt))
        elif op == "flatten":
            y = ins[0].reshape(-1)                                         # HWC order
        elif op == "relu":
            y = np.maximum(ins[0], zp)
        elif op == "add":
            a, b = ins
            za, zb = graph[n["inputs"][0]]["zero_point"], graph[n["inputs"][1]]["zero_point"]
            ls = n["left_shift"]
            ra = requant((a - za) * (1 << ls), n["a_mult"], n["a_shift"])
            rb = requant((b - zb) * (1 << ls), n["b_mult"], n["b_shift"])
            y = np.clip(requant(ra + rb, n["out_mult"], n["out_shift"]) + zp, n["act_min"], n["act_max"])
        else:
            raise SystemExit(f"unknown op {op}")
        outs.append(y)
    return outs[-1]


def main():
    st, pred = sys.argv[1], sys.argv[2]
    limit = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    t = load_file(st)
    with safe_open(st, "np") as f:
        graph = json.loads(f.metadata()["edge-audit.int8.graph"])
    last = graph[-1]
    rows = [json.loads(l) for l in open(pred)][:limit]
    mismatches = 0
    for r in rows:
        img = read_png_gray_or_rgb(r["path"]).transpose(1, 2, 0)        # CHW → HWC
        q = run(graph, t, img)
        deq = np.float32(last["scale"]) * (q - last["zero_point"]).astype(np.float32)
        if not np.array_equal(deq, np.array(r["logits"], dtype=np.float32)):
            mismatches += 1
    print(f"{len(rows)} images: {mismatches} with int8 logits differing from edge-audit's")
    if mismatches:
        raise SystemExit("FAIL")
    print("OK: the independent numpy implementation of the integer spec reproduces every int8 logit exactly")


if __name__ == "__main__":
    main()
