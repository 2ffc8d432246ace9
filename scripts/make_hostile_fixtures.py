#!/usr/bin/env python3
"""Crafts Tests/Fixtures/hostile/*.bin from models/fashion-lenet5-q.bin: one file per loader
validation rule, each with correct CRCs (so the checks behind the checksum are what
rejects them). Tests/EdgeQuantTests/HostileModelTests.swift asserts each file's error.
  python3 scripts/make_hostile_fixtures.py
"""
import os
import struct
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, "models/fashion-lenet5-q.bin")
OUT = os.path.join(ROOT, "Tests/Fixtures/hostile")


def parse(b):
    n = struct.unpack_from("<I", b, 12)[0]
    secs = []
    for i in range(n):
        tag, flags, off, ln, crc, _ = struct.unpack_from("<4sIQQII", b, 16 + 32 * i)
        secs.append([tag.decode(), flags, bytearray(b[off:off + ln])])
    return struct.unpack_from("<I", b, 8)[0], secs


def build(version, secs, patch_table=None):
    n = len(secs)
    out = bytearray(b"EDGEMODL" + struct.pack("<II", version, n))
    off = 16 + 32 * n + 4
    for tag, flags, payload in secs:
        out += struct.pack("<4sIQQII", tag.encode(), flags, off, len(payload), zlib.crc32(payload) & 0xFFFFFFFF, 0)
        off += len(payload)
    if patch_table:
        patch_table(out)
    out += struct.pack("<I", zlib.crc32(bytes(out)) & 0xFFFFFFFF)
    for _, _, payload in secs:
        out += payload
    return bytes(out)


def section(secs, tag):
    return next(s for s in secs if s[0] == tag)[2]


def qnet_first_conv(q):
    """Offsets inside QNET of the first conv node's scale, zero point, bias[0] and shift[0]."""
    p = 4
    p += 4 + struct.unpack_from("<I", q, p)[0]      # method string
    p += 4 + 1                                       # calibration images, per-tensor flag
    count = struct.unpack_from("<I", q, p)[0]; p += 4
    for _ in range(count):
        op, nin = q[p], q[p + 1]; p += 2 + 4 * nin
        p += 4 + struct.unpack_from("<I", q, p)[0]  # name
        p += 4                                       # float node
        rank = q[p]; p += 1 + 4 * rank
        scale_at, zp_at = p, p + 4
        p += 16
        if op == 1:
            k, s, pad, ic, oc = struct.unpack_from("<5I", q, p); p += 20 + 1 + 8
            p += oc * k * k * ic                     # weights
            p += 4 * oc                              # weight scales
            bias_at = p; p += 4 * oc
            mult_at = p; p += 4 * oc
            shift_at = p; p += 4 * oc
            return dict(scale=scale_at, zp=zp_at, bias=bias_at, mult=mult_at, shift=shift_at)
        if op in (2, 3):
            p += 8
        elif op == 7:
            p += 36
    raise SystemExit("no conv layer")


def main():
    os.makedirs(OUT, exist_ok=True)
    base = open(SRC, "rb").read()
    version, secs = parse(base)

    def write(name, data):
        open(os.path.join(OUT, name), "wb").write(data)

    def variant(mutate, version=version, patch_table=None):
        s = [[t, f, bytearray(p)] for t, f, p in secs]
        mutate(s)
        return build(version, s, patch_table)

    write("zero-dimension.bin", variant(lambda s: struct.pack_into("<I", section(s, "GRPH"), 0, 0)))
    # GRPH: C, H, W, node count (16 bytes); node 0 = op, input count, name "input" (11 bytes);
    # node 1 (conv1) = op at 27, input count, one input index, then out channels at 33.
    write("negative-dimension.bin", variant(lambda s: struct.pack_into("<I", section(s, "GRPH"), 33, 0xFFFFFFFF)))
    # The first float tensor claims dims whose product overflows 64 bits.
    write("overflowing-product.bin", variant(lambda s: struct.pack_into("<5I", section(s, "FWTS"), 0, 4, 1 << 26, 1 << 26, 1 << 26, 1 << 26)))
    write("offset-near-uint64-max.bin", variant(lambda s: None, patch_table=lambda t: struct.pack_into("<Q", t, 16 + 8, 0xFFFFFFFFFFFFFFF0)))
    write("unknown-op.bin", variant(lambda s: section(s, "GRPH").__setitem__(27, 42)))
    write("unknown-version.bin", variant(lambda s: None, version=2))
    q = qnet_first_conv(section(secs, "QNET"))
    write("accumulator-bound.bin", variant(lambda s: struct.pack_into("<i", section(s, "QNET"), q["bias"], 2**31 - 100)))
    write("zero-scale.bin", variant(lambda s: struct.pack_into("<f", section(s, "QNET"), q["scale"], 0.0)))
    write("zero-point-out-of-range.bin", variant(lambda s: struct.pack_into("<i", section(s, "QNET"), q["zp"], 300)))
    write("shift-out-of-range.bin", variant(lambda s: struct.pack_into("<i", section(s, "QNET"), q["shift"], 31)))
    write("multiplier-out-of-range.bin", variant(lambda s: struct.pack_into("<i", section(s, "QNET"), q["mult"], 7)))
    write("truncated.bin", base[: len(base) // 2])
    write("duplicate-section.bin", variant(lambda s: s.append(["GRPH", 1, bytearray(section(s, "GRPH"))])))
    print("wrote", len(os.listdir(OUT)), "fixtures to", OUT)


if __name__ == "__main__":
    main()
