#!/usr/bin/env python3
"""Writes CRC-valid *semantic* mutations of the shipped models to Tests/Fixtures/semantic/:
files whose every byte-level check passes (lengths, CRCs, per-section validation) but whose
sections disagree with each other, whose stored names are hostile, or whose declared sizes are
extreme. One file per cross-section rule of docs/model-format.md plus the findings of the
hardening issue. Tests/EdgeAuditCLITests/SemanticMutationTests.swift runs every subcommand on
every file and asserts the documented exit code and no signal death.

  python3 scripts/make_semantic_mutations.py          # rewrites the folder (deterministic)

Each file's expected outcome is in MANIFEST.tsv: name, expected exit code of `inspect`
(65 = refused at load; 0 = loads, and later commands must still end cleanly), and a note.
"""
import json
import os
import struct
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests/Fixtures/semantic")


# ---------------------------------------------------------------- container

def parse(b):
    n = struct.unpack_from("<I", b, 12)[0]
    secs = []
    for i in range(n):
        tag, flags, off, ln, _crc, _ = struct.unpack_from("<4sIQQII", b, 16 + 32 * i)
        secs.append([tag.decode(), flags, bytearray(b[off:off + ln])])
    return secs


def build(secs, version=1):
    n = len(secs)
    out = bytearray(b"EDGEMODL" + struct.pack("<II", version, n))
    off = 16 + 32 * n + 4
    for tag, flags, payload in secs:
        out += struct.pack("<4sIQQII", tag.encode(), flags, off, len(payload), zlib.crc32(payload) & 0xFFFFFFFF, 0)
        off += len(payload)
    out += struct.pack("<I", zlib.crc32(bytes(out)) & 0xFFFFFFFF)
    for _, _, payload in secs:
        out += payload
    return bytes(out)


def get(secs, tag):
    return next(s for s in secs if s[0] == tag)


# ---------------------------------------------------------------- GRPH

GRAPH_PARAMS = {1: "4I", 2: "I", 4: "2I", 5: "2I", 8: "f"}


def decode_graph(b):
    c, h, w, count = struct.unpack_from("<4I", b, 0)
    p, nodes = 16, []
    for _ in range(count):
        op, nin = b[p], b[p + 1]; p += 2
        ins = list(struct.unpack_from("<%dI" % nin, b, p)); p += 4 * nin
        fmt = GRAPH_PARAMS.get(op, "")
        params = list(struct.unpack_from("<" + fmt, b, p)) if fmt else []
        p += struct.calcsize("<" + fmt) if fmt else 0
        ln = struct.unpack_from("<I", b, p)[0]; p += 4
        name = bytes(b[p:p + ln]).decode(); p += ln
        nodes.append(dict(op=op, ins=ins, params=params, name=name))
    return [c, h, w], nodes


def encode_graph(shape, nodes):
    out = bytearray(struct.pack("<4I", *shape, len(nodes)))
    for n in nodes:
        out += bytes([n["op"], len(n["ins"])]) + struct.pack("<%dI" % len(n["ins"]), *n["ins"])
        fmt = GRAPH_PARAMS.get(n["op"], "")
        if fmt:
            out += struct.pack("<" + fmt, *n["params"])
        nb = n["name"].encode()
        out += struct.pack("<I", len(nb)) + nb
    return out


# ---------------------------------------------------------------- QNET (v1)

def qnet_nodes(q):
    """Byte offsets of each QNET node's fields (v1 layout of docs/model-format.md)."""
    p = 4
    p += 4 + struct.unpack_from("<I", q, p)[0]
    p += 4 + 1
    count = struct.unpack_from("<I", q, p)[0]; p += 4
    nodes = []
    for _ in range(count):
        start = p
        op, nin = q[p], q[p + 1]; p += 2
        ins_at = p; p += 4 * nin
        name_at = p; p += 4 + struct.unpack_from("<I", q, p)[0]
        float_at = p; p += 4
        rank = q[p]; p += 1 + 4 * rank
        node = dict(op=op, start=start, ins_at=ins_at, nin=nin, name_at=name_at, float_at=float_at,
                    scale_at=p, zp_at=p + 4)
        p += 16
        if op == 1:
            k, s, pad, ic, oc = struct.unpack_from("<5I", q, p)
            node["conv_at"] = p
            p += 20 + 1 + 8
            p += oc * k * k * ic
            p += 4 * oc
            node["bias_at"] = p; p += 4 * oc
            node["mult_at"] = p; p += 4 * oc
            node["shift_at"] = p; p += 4 * oc
            node["oc"] = oc
        elif op in (2, 3):
            p += 8
        elif op == 7:
            p += 36
        node["end"] = p
        nodes.append(node)
    return nodes


def rename_qnode(q, node, new):
    ln = struct.unpack_from("<I", q, node["name_at"])[0]
    nb = new.encode()
    return q[:node["name_at"]] + struct.pack("<I", len(nb)) + nb + q[node["name_at"] + 4 + ln:]


# ---------------------------------------------------------------- fixtures

def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        os.remove(os.path.join(OUT, f))
    lenet = parse(open(os.path.join(ROOT, "models/fashion-lenet5-q.bin"), "rb").read())
    resnet = parse(open(os.path.join(ROOT, "models/fashion-resnet8-q.bin"), "rb").read())
    lenet_float = parse(open(os.path.join(ROOT, "models/fashion-lenet5.bin"), "rb").read())
    manifest = []

    def write(name, secs, inspect_exit, note, version=1):
        open(os.path.join(OUT, name), "wb").write(build(secs, version))
        manifest.append((name, inspect_exit, note))

    def copy(secs):
        return [[t, f, bytearray(p)] for t, f, p in secs]

    # 1. Cross-section rules: the int8 net must describe the float graph it sits beside.
    s = copy(resnet); get(s, "QNET")[2] = bytearray(get(lenet, "QNET")[2])
    write("qnet-of-lenet-in-resnet.bin", s, 65, "LeNet-5's QNET beside ResNet-8's graph (every float index exists)")
    s = copy(lenet); get(s, "QNET")[2] = bytearray(get(resnet, "QNET")[2])
    write("qnet-of-resnet-in-lenet.bin", s, 65, "ResNet-8's QNET beside LeNet-5's graph")
    s = copy(lenet); q = get(s, "QNET")[2]; qn = qnet_nodes(q)
    first_conv = next(n for n in qn if n["op"] == 1)
    struct.pack_into("<I", q, first_conv["float_at"], 0)
    write("conv-names-float-input.bin", s, 65, "the first int8 conv names the float input node")
    s = copy(lenet); q = get(s, "QNET")[2]; qn = qnet_nodes(q)
    pool = next(n for n in qn if n["op"] == 2)
    struct.pack_into("<I", q, first_conv["float_at"], struct.unpack_from("<I", q, pool["float_at"])[0])
    write("conv-names-float-pool.bin", s, 65, "an int8 conv names a float max-pool node")
    s = copy(lenet); q = get(s, "QNET")[2]; qn = qnet_nodes(q)
    convs = [n for n in qn if n["op"] == 1]
    a, b = struct.unpack_from("<I", q, convs[0]["float_at"])[0], struct.unpack_from("<I", q, convs[1]["float_at"])[0]
    struct.pack_into("<I", q, convs[0]["float_at"], b)
    struct.pack_into("<I", q, convs[1]["float_at"], a)
    write("convs-swap-float-nodes.bin", s, 65, "two int8 convs name each other's float nodes")
    # The same mismatches with the names made consistent, so the structural rules must catch them.
    _, lnodes = decode_graph(get(lenet, "GRPH")[2])
    s = copy(lenet); q = get(s, "QNET")[2]; qn = qnet_nodes(q)
    pool_f = struct.unpack_from("<I", q, pool["float_at"])[0]
    conv = next(n for n in qn if n["op"] == 1)
    struct.pack_into("<I", q, conv["float_at"], pool_f)
    get(s, "QNET")[2] = rename_qnode(q, conv, lnodes[pool_f]["name"])
    write("conv-as-pool-renamed.bin", s, 65, "an int8 conv names a float max-pool node and carries its name")
    s = copy(lenet); q = get(s, "QNET")[2]; qn = qnet_nodes(q)
    convs = [n for n in qn if n["op"] == 1]
    f2 = struct.unpack_from("<I", q, convs[1]["float_at"])[0]
    struct.pack_into("<I", q, convs[0]["float_at"], f2)
    get(s, "QNET")[2] = rename_qnode(q, convs[0], lnodes[f2]["name"])
    write("conv-as-other-conv-renamed.bin", s, 65, "the first int8 conv stands for the second float conv (other shape), names consistent")
    s = copy(lenet); q = get(s, "QNET")[2]; qn = qnet_nodes(q)
    struct.pack_into("<I", q, qn[-1]["float_at"], struct.unpack_from("<I", q, qn[-2]["float_at"])[0])
    write("logits-name-earlier-node.bin", s, 65, "the int8 logits name an earlier float node")

    # 2. Unknown required section; META types.
    s = copy(lenet); s.append(["ZZZZ", 1, bytearray(b"future")])
    write("unknown-required-section.bin", s, 65, "a section this version does not know, flagged required")
    s = copy(lenet); s.append(["ZZZZ", 0, bytearray(b"future")])
    write("unknown-optional-section.bin", s, 0, "an unknown optional section is carried through")

    def meta_variant(name, mutate, inspect_exit, note, base=lenet):
        s = copy(base)
        m = json.loads(bytes(get(s, "META")[2]))
        mutate(m)
        get(s, "META")[2] = bytearray(json.dumps(m, sort_keys=True, separators=(",", ":")).encode())
        write(name, s, inspect_exit, note)

    meta_variant("class-name-path.bin", lambda m: m["classNames"].__setitem__(0, "../../../../evil"), 0,
                 "a class name that is a relative path (loads; never becomes one)")
    meta_variant("class-name-escape.bin", lambda m: m["classNames"].__setitem__(1, "\u001b[2J\u001b[31mred\u0007"), 65,
                 "a class name with terminal escape sequences")
    meta_variant("class-name-newline.bin", lambda m: m["classNames"].__setitem__(1, "a\nb"), 65, "a class name with a newline")
    meta_variant("class-name-empty.bin", lambda m: m["classNames"].__setitem__(1, ""), 65, "an empty class name")
    meta_variant("class-name-long.bin", lambda m: m["classNames"].__setitem__(1, "x" * 5000), 65, "a 5000-byte class name")
    meta_variant("class-name-duplicate.bin", lambda m: m["classNames"].__setitem__(1, m["classNames"][0]), 65, "two classes with one name")
    meta_variant("class-names-huge.bin", lambda m: m.__setitem__("classNames", ["c%d" % i for i in range(200000)]), 65,
                 "200 000 class names for 10 logits")
    meta_variant("class-names-number.bin", lambda m: m.__setitem__("classNames", 7), 65, "classNames is a number")
    meta_variant("preprocessing-unknown.bin", lambda m: m.__setitem__("preprocessing", "pixel/127.5-1"), 65,
                 "a preprocessing this version does not implement")

    # 3. Hostile layer names (graph and int8).
    s = copy(lenet)
    shape, nodes = decode_graph(get(s, "GRPH")[2])
    q = get(s, "QNET")[2]; qn = qnet_nodes(q)
    conv_q = next(n for n in qn if n["op"] == 1)
    fidx = struct.unpack_from("<I", q, conv_q["float_at"])[0]
    nodes[fidx]["name"] = "../../../../x"
    get(s, "GRPH")[2] = encode_graph(shape, nodes)
    get(s, "QNET")[2] = rename_qnode(q, conv_q, "../../../../x")
    write("layer-name-path.bin", s, 0, "a layer named ../../../../x (loads; never becomes a path)")
    s = copy(lenet)
    shape, nodes = decode_graph(get(s, "GRPH")[2])
    nodes[1]["name"] = "conv\u001b]0;pwned\u0007"
    get(s, "GRPH")[2] = encode_graph(shape, nodes)
    write("layer-name-escape.bin", s, 65, "a layer name with an OSC escape sequence")
    s = copy(lenet); q = get(s, "QNET")[2]; qn = qnet_nodes(q)
    get(s, "QNET")[2] = rename_qnode(q, qn[1], "a/b")
    write("int8-name-differs.bin", s, 65, "an int8 node whose name is not its float node's")

    # 4. Extreme but legal requantisation (kernels must be exact, never trap).
    s = copy(lenet); q = get(s, "QNET")[2]; qn = qnet_nodes(q)
    c = next(n for n in qn if n["op"] == 1)
    for o in range(c["oc"]):
        struct.pack_into("<i", q, c["mult_at"] + 4 * o, 2**31 - 1)
        struct.pack_into("<i", q, c["shift_at"] + 4 * o, 0)
    write("multiplier-max-shift-0.bin", s, 0, "multiplier 2^31-1 with shift 0 on every channel (saturates)")
    s = copy(lenet); q = get(s, "QNET")[2]; qn = qnet_nodes(q)
    c = next(n for n in qn if n["op"] == 1)
    for o in range(c["oc"]):
        struct.pack_into("<i", q, c["mult_at"] + 4 * o, 2**30)
        struct.pack_into("<i", q, c["shift_at"] + 4 * o, -31)
    write("multiplier-min-shift-31.bin", s, 0, "multiplier 2^30 with shift -31 (every output the zero point)")

    # 5. Non-finite logits from finite weights: huge dense weights overflow to inf, then NaN.
    s = copy(lenet_float)
    shape, nodes = decode_graph(get(s, "GRPH")[2])
    w = get(s, "FWTS")[2]
    # Scale every float parameter by 1e30: each stays finite, the activations overflow.
    p = 0
    while p < len(w):
        rank = struct.unpack_from("<I", w, p)[0]; p += 4
        dims = struct.unpack_from("<%dI" % rank, w, p); p += 4 * rank
        n = 1
        for d in dims:
            n *= d
        vals = struct.unpack_from("<%df" % n, w, p)
        struct.pack_into("<%df" % n, w, p, *[max(min(v * 1e30, 3.0e38), -3.0e38) for v in vals])
        p += 4 * n
    write("float-logits-overflow.bin", s, 0, "finite weights whose activations overflow to inf/NaN (float only)")
    s2 = copy(lenet)
    get(s2, "FWTS")[2] = bytearray(w)
    write("float-logits-overflow-q.bin", s2, 0, "the same float weights beside the original int8 net (float logits NaN, int8 fine)")

    # 6. Huge declared input: a tiny legal file whose input is 1x2048x2048.
    gshape = [1, 2048, 2048]
    gnodes = [dict(op=0, ins=[], params=[], name="input"),
              dict(op=1, ins=[0], params=[1, 3, 1, 1], name="conv1"),
              dict(op=3, ins=[1], params=[], name="relu1"),
              dict(op=6, ins=[2], params=[], name="gap"),
              dict(op=2, ins=[3], params=[10], name="fc")]
    fw = bytearray()
    for dims in ([1, 1, 3, 3], [1], [10, 1], [10]):
        n = 1
        for d in dims:
            n *= d
        fw += struct.pack("<I", len(dims)) + struct.pack("<%dI" % len(dims), *dims)
        fw += struct.pack("<%df" % n, *[((i * 37) % 11 - 5) / 10.0 for i in range(n)])
    meta = json.dumps({"classNames": ["c%d" % i for i in range(10)], "preprocessing": "pixel/255"}, sort_keys=True,
                      separators=(",", ":")).encode()
    write("declared-input-2048.bin", [["GRPH", 1, encode_graph(gshape, gnodes)], ["FWTS", 1, fw], ["META", 1, bytearray(meta)]], 0,
          "a legal tiny model declaring a 1x2048x2048 input (memory must be estimated before running)")

    # 7. Float-graph parameters at the edges of their ranges (each section still CRC-valid).
    resnet_float = parse(open(os.path.join(ROOT, "models/fashion-resnet8.bin"), "rb").read())
    def graph_variant(name, base, mutate, inspect_exit, note):
        s = copy(base)
        shape, nodes = decode_graph(get(s, "GRPH")[2])
        mutate(shape, nodes)
        get(s, "GRPH")[2] = encode_graph(shape, nodes)
        write(name, s, inspect_exit, note)
    def first(nodes, op):
        return next(n for n in nodes if n["op"] == op)
    graph_variant("conv-stride-0.bin", lenet_float, lambda sh, ns: first(ns, 1)["params"].__setitem__(2, 0), 65, "a conv with stride 0")
    graph_variant("conv-kernel-0.bin", lenet_float, lambda sh, ns: first(ns, 1)["params"].__setitem__(1, 0), 65, "a conv with kernel 0")
    graph_variant("conv-padding-15.bin", lenet_float, lambda sh, ns: first(ns, 1)["params"].__setitem__(3, 15), 65,
                  "a conv whose padding exceeds its kernel")
    graph_variant("pool-stride-0.bin", lenet_float, lambda sh, ns: first(ns, 4)["params"].__setitem__(1, 0), 65, "a max pool with stride 0")
    graph_variant("bn-epsilon-nan.bin", resnet_float, lambda sh, ns: first(ns, 8).__setitem__("params", [float("nan")]), 65,
                  "a batch norm with epsilon NaN")
    graph_variant("bn-epsilon-negative.bin", resnet_float, lambda sh, ns: first(ns, 8).__setitem__("params", [-1.0]), 65,
                  "a batch norm with a negative epsilon")
    graph_variant("input-channels-3.bin", lenet_float, lambda sh, ns: sh.__setitem__(0, 3), 65,
                  "the graph input says 3 channels, the weights were made for 1")

    with open(os.path.join(OUT, "MANIFEST.tsv"), "w") as f:
        f.write("# file\tinspect exit code\twhat it is\n")
        for name, code, note in manifest:
            f.write("%s\t%d\t%s\n" % (name, code, note))
    print("wrote %d fixtures to %s" % (len(manifest), OUT))


if __name__ == "__main__":
    main()
