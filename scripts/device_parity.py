#!/usr/bin/env python3
"""Helpers for scripts/test-device.sh (the edge-run parity check). Standard library only.

  device_parity.py images IDX_GZ N OUT.u8
      the first N images of a Fashion-MNIST idx3 file as raw HWC uint8 (edge-run's input)
  device_parity.py host-logits MODEL.bin PREDICT.csv N OUT.i8
      the host's int8 logits, in image-index order, from `edge-audit predict --net int8
      --logits --format csv` over a folder written by `edge-audit data` (files NNNN.png):
      predict prints scale·(q − zp) as float32; q is recovered and the float32 product is
      recomputed and required to equal the printed value bit for bit, so the bytes written
      are exactly the host engine's int8 logits
  device_parity.py mutate MODEL.bin COUNT SEED OUTDIR
      COUNT damaged copies of MODEL.bin for the host/runner agreement check: prefixes,
      header and table byte flips (CRCs left stale), and byte flips inside the GRPH, FWTS
      and QNET payloads with every CRC recomputed, so the rules behind the checksums are
      what decides (META is left alone: the runner does not parse its JSON)
  device_parity.py audit-agreement BUNDLE REPORT.json
      the int8 accuracy of every set of an `edge-audit device bundle`, from the board's
      logits (BUNDLE/board/NAME.i8, argmax, first index on ties) and the bundle's labels,
      must equal the accuracy the audit reported for the same inputs (same profile, limit
      and seed): evidence that the bundle holds the inputs the audit used
  device_parity.py compare HOST.i8 DEVICE.i8 K
      counts images whose K logits are byte-identical; exit 1 on any difference
  device_parity.py v2 MODEL.bin OUT.bin
      MODEL.bin with its version-1 QNET section rewritten as version 2, every convolution
      as op 12 (per-axis fields): a conv over one input channel as the equivalent depthwise
      layer (depth multiplier = out channels), the logits layer with double-scale rounding
      (real scale = multiplier·2^(shift − 31)); what the host's cross-check against the float
      graph still accepts. No shipped model uses version 2, and table inputs, TFLite pooling,
      MEAN and PAD have no float counterpart the cross-check would pair them with.
"""
import csv
import gzip
import os
import struct
import sys


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def logit_quant(path):
    """(scale, zero point, classes) of the last node of the model's QNET section."""
    b = open(path, "rb").read()
    n = struct.unpack_from("<I", b, 12)[0]
    qnet = None
    for i in range(n):
        tag, _, off, ln, _, _ = struct.unpack_from("<4sIQQII", b, 16 + 32 * i)
        if tag == b"QNET":
            qnet = b[off:off + ln]
    if qnet is None:
        sys.exit(f"{path}: no QNET section")
    p = 0

    def u(fmt):
        nonlocal p
        v = struct.unpack_from("<" + fmt, qnet, p)
        p += struct.calcsize("<" + fmt)
        return v if len(v) > 1 else v[0]

    u("I")
    def skip(n):                     # `p += u(..)` would add to the value p had before u ran
        nonlocal p
        p += n

    skip(u("I"))                     # method
    u("I"); u("B")                   # calibration images, per-tensor flag
    last = None
    for _ in range(u("I")):
        op = u("B")
        skip(4 * u("B"))             # inputs
        skip(u("I"))                 # name
        u("I")                       # float node
        shape = [u("I") for _ in range(u("B"))]
        scale, zp = u("f"), u("i")
        u("f"); u("f")
        if op == 1:
            k, _, _, c, o = u("5I")
            u("B"); u("i"); u("i")
            skip(o * k * k * c + 16 * o)
        elif op in (2, 3):
            u("2I")
        elif op == 7:
            u("9i")
        elif op == 8:                # version 2: table input
            skip(u("I"))
        elif op == 9:                # TFLite pool: kind, 8 geometry fields, clamp
            u("B"); u("8I"); u("2i")
        elif op == 10:               # MEAN
            u("2i")
        elif op == 11:               # PAD
            u("4I")
        elif op == 12:               # convolution with per-axis fields
            kh, kw, _, _, _, _, _, _, c, o = u("10I")
            flags, rounding = u("B"), u("B")
            u("2i")
            skip(o * kh * kw * (1 if flags & 2 else c) + 16 * o + (8 * o if rounding == 1 else 0))
        elif op not in (0, 4, 5, 6):
            sys.exit(f"{path}: QNET op code {op} is unknown")
        last = (scale, zp, shape)
    return last[0], last[1], last[2][0]


def images(idx, n, out):
    d = gzip.open(idx).read()
    magic, count, h, w = struct.unpack_from(">IIII", d, 0)
    if magic != 2051 or count < n:
        sys.exit(f"{idx}: not an idx3 image file with {n} images")
    open(out, "wb").write(d[16:16 + n * h * w])


def host_logits(model, csv_path, n, out):
    scale, zp, k = logit_quant(model)
    rows = {}
    with open(csv_path, newline="") as f:
        r = csv.reader(f)
        header = next(r)
        first = header.index([h for h in header if h.startswith("logit_")][0])
        for row in r:
            idx = int(os.path.splitext(os.path.basename(row[0]))[0])
            rows[idx] = [float(v) for v in row[first:first + k]]
    if sorted(rows) != list(range(n)):
        sys.exit(f"{csv_path}: expected images 0..{n - 1}, got {len(rows)}")
    buf = bytearray()
    for i in range(n):
        for z in rows[i]:
            q = round(z / scale) + zp
            if not -128 <= q <= 127 or f32(f32(scale) * float(q - zp)) != f32(z):
                sys.exit(f"image {i}: logit {z!r} is not scale*(q - zp) for an int8 q (scale {scale!r}, zp {zp})")
            buf += struct.pack("<b", q)
    open(out, "wb").write(bytes(buf))


def mutate(model, count, seed, outdir):
    import random
    import zlib
    rng = random.Random(seed)
    b = open(model, "rb").read()
    n = struct.unpack_from("<I", b, 12)[0]
    table_end = 16 + 32 * n
    secs = []
    for i in range(n):
        tag, _, off, ln, _, _ = struct.unpack_from("<4sIQQII", b, 16 + 32 * i)
        secs.append((i, tag, off, ln))
    targets = [s for s in secs if s[1] in (b"GRPH", b"FWTS", b"QNET") and s[3] > 0]
    os.makedirs(outdir, exist_ok=True)
    for k in range(count):
        kind = k % 4
        m = bytearray(b)
        if kind == 0:
            m = m[:rng.randrange(0, len(b))]
        elif kind == 1:
            m[rng.randrange(0, table_end + 4)] ^= 1 << rng.randrange(8)
        else:
            i, tag, off, ln = rng.choice(targets)
            for _ in range(rng.choice((1, 1, 2, 4))):
                # QNET's first kilobyte holds the header fields and the first layers' parameters.
                span = min(ln, 1024) if tag == b"QNET" and rng.random() < 0.7 else ln
                m[off + rng.randrange(span)] ^= 1 << rng.randrange(8)
            struct.pack_into("<I", m, 16 + 32 * i + 24, zlib.crc32(bytes(m[off:off + ln])) & 0xFFFFFFFF)
            struct.pack_into("<I", m, table_end, zlib.crc32(bytes(m[:table_end])) & 0xFFFFFFFF)
        open(os.path.join(outdir, f"m{k:04d}.bin"), "wb").write(bytes(m))


def sections(b):
    """[(tag, flags, offset, length, crc)] of a model file."""
    n = struct.unpack_from("<I", b, 12)[0]
    return [struct.unpack_from("<4sIQQI", b, 16 + 32 * i) for i in range(n)]


def with_section(b, tag, payload):
    """The model file `b` with section `tag`'s payload replaced (payloads laid out again in
    their original order, every CRC recomputed)."""
    import zlib
    secs = sections(b)
    n = len(secs)
    start = 16 + 32 * n + 4
    out_payloads, table, off = [], bytearray(), start
    for t, flags, o, ln, _ in sorted(secs, key=lambda e: e[2]):
        data = payload if t == tag else b[o:o + ln]
        out_payloads.append((t, flags, off, data))
        off += len(data)
    order = {e[0]: i for i, e in enumerate(secs)}
    entries = sorted(out_payloads, key=lambda e: order[e[0]])
    head = bytearray(b[:16])
    for t, flags, o, data in entries:
        head += struct.pack("<4sIQQII", t, flags, o, len(data), zlib.crc32(data) & 0xFFFFFFFF, 0)
    head += struct.pack("<I", zlib.crc32(bytes(head)) & 0xFFFFFFFF)
    return bytes(head) + b"".join(d for _, _, _, d in out_payloads)


def v2(model, out):
    b = open(model, "rb").read()
    q = next(b[o:o + ln] for t, _, o, ln, _ in sections(b) if t == b"QNET")
    p = 0

    def u(fmt):
        nonlocal p
        v = struct.unpack_from("<" + fmt, q, p)
        p += struct.calcsize("<" + fmt)
        return v if len(v) > 1 else v[0]

    def take(n):
        nonlocal p
        p += n
        return q[p - n:p]

    if u("I") != 1:
        sys.exit(f"{model}: QNET is not version 1")
    w = bytearray(struct.pack("<I", 2))
    start = p
    take(u("I")); u("I"); u("B")
    count = u("I")
    w += q[start:p]
    for i in range(count):
        at = p
        op = u("B")
        take(4 * u("B")); take(u("I")); u("I"); take(4 * u("B")); u("4f")
        head = q[at + 1:p]
        if op != 1:
            pstart = p
            if op in (2, 3):
                u("2I")
            elif op == 7:
                u("9i")
            elif op not in (0, 4, 5, 6):
                sys.exit(f"{model}: op code {op} in a version-1 section")
            w += q[at:p]
            continue
        k, s, pad, c, o = u("5I")
        dense = u("B")
        amin, amax = u("2i")
        weights = take(o * k * k * c)
        scales = take(4 * o)
        bias, mult, shift = take(4 * o), take(4 * o), take(4 * o)
        flags, rounding, real = dense, 0, b""
        if dense and i == count - 1:
            rounding = 1
            ms = struct.unpack(f"<{o}i", mult)
            ss = struct.unpack(f"<{o}i", shift)
            real = b"".join(struct.pack("<d", m * 2.0 ** (sh - 31)) for m, sh in zip(ms, ss))
        elif not dense and c == 1:
            flags = 2                      # [O][k][k][1] is [O][k][k]: the same layer
        w += bytes([12]) + head + struct.pack("<10I", k, k, s, s, pad, pad, pad, pad, c, o)
        w += struct.pack("<BBii", flags, rounding, amin, amax) + weights + scales + bias + mult + shift + real
    if p != len(q):
        sys.exit(f"{model}: {len(q) - p} trailing QNET bytes")
    open(out, "wb").write(with_section(b, b"QNET", bytes(w)))


def audit_agreement(bundle, report):
    import json
    manifest = json.load(open(os.path.join(bundle, "manifest.json")))
    metrics = json.load(open(report))["results"]
    k = manifest["classes"]
    bad = 0
    for st in manifest["sets"]:
        name, n = st["name"], st["images"]
        if name == "clean":
            key = "int8.clean.accuracy"
        elif name.startswith("corruption-"):
            c, level = name[len("corruption-"):].rsplit("-", 1)
            key = f"int8.corruption.{c}.{level}.accuracy"
        else:
            attack, eps = name.split("-", 1)
            key = f"int8.{attack}.{eps}.accuracy"
        logits = open(os.path.join(bundle, "board", name + ".i8"), "rb").read()
        labels = open(os.path.join(bundle, "host", name + ".labels"), "rb").read()
        correct = 0
        for i in range(n):
            row = struct.unpack_from(f"<{k}b", logits, i * k)
            correct += row.index(max(row)) == labels[i]
        if key not in metrics or round(metrics[key] * n) != correct:
            print(f"{name}: board accuracy {correct}/{n}, audit {key} = {metrics.get(key)}")
            bad += 1
    print(f"{len(manifest['sets']) - bad}/{len(manifest['sets'])} sets: board accuracy equals the audit's")
    return 1 if bad else 0


def compare(a, b, k):
    x, y = open(a, "rb").read(), open(b, "rb").read()
    if len(x) != len(y) or len(x) % k:
        print(f"sizes differ: {a} {len(x)} bytes, {b} {len(y)} bytes")
        return 1
    n = len(x) // k
    bad = [i for i in range(n) if x[i * k:(i + 1) * k] != y[i * k:(i + 1) * k]]
    print(f"{n - len(bad)}/{n} images bit-identical" + (f"; first mismatches {bad[:5]}" if bad else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "images":
        images(args[0], int(args[1]), args[2])
    elif cmd == "host-logits":
        host_logits(args[0], args[1], int(args[2]), args[3])
    elif cmd == "mutate":
        mutate(args[0], int(args[1]), int(args[2]), args[3])
    elif cmd == "audit-agreement":
        sys.exit(audit_agreement(args[0], args[1]))
    elif cmd == "compare":
        sys.exit(compare(args[0], args[1], int(args[2])))
    elif cmd == "classes":
        print(logit_quant(args[0])[2])
    elif cmd == "v2":
        v2(args[0], args[1])
    else:
        sys.exit(__doc__)
