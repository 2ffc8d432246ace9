#!/usr/bin/env python3
"""Whole int8 nets: edge-audit's integer engine against LiteRT + XNNPACK on the same
integers, with TensorFlow Lite Micro's reference interpreter as the bit-exactness anchor.

A model is a model.bin (its int8 net, written as .tflite by `edge-audit export --tflite`
with exactly our integers) or an int8 .tflite (an imported net: both sides run that very
file). For each model, batch B and thread count T, both sides run in interleaved rounds
(edge-audit, LiteRT, edge-audit, …) so that load from other work hits both alike; each
round runs for `--seconds`. edge-audit is timed by `edge-audit bench --net int8` (its own
loop over random images, batch B, T threads), LiteRT by `interpreter.invoke()` from Python
on a batch-B input tensor (resized for B > 1) with num_threads T, XNNPACK being LiteRT's
default delegate. Reported: images/s median [min–max] per side, the ratio of medians and the
range of the per-round ratios, the ratio of each side's fastest round (interference from
outside only slows rounds down, so on a shared machine the bests are the steadier
comparison), and each side's share of the VNNI peak per core:
images/s × MACs per image / T / peak, the peak MEASURED by Benchmarks/vnni_peak.c (16
independent `vpdpbusd zmm` chains, best of many short rounds, run before and after the
timing; the larger is used), compiled by this script with `cc`; on a CPU without AVX-512
VNNI, by Benchmarks/avx2_peak.c (12 chains of vpmaddwd + vpaddd, the exact int8 step of
both sides' AVX2 kernels).

Bit-exactness: on the first `--images` Fashion-MNIST test images (28×28×1 nets; other
grey or RGB input sizes get as many seeded random images of their size), TensorFlow Lite Micro
(pip package tflite-micro) runs the .tflite and its int8 logits (the softmax's input when
the file ends in SOFTMAX, else the output) are compared with `edge-audit predict --net int8
--logits` (each printed scale·(q − zp) turned back into q and checked to be exactly that).
XNNPACK's output tensor is compared with TFLite Micro's too (XNNPACK requantises in binary32
and is not bit-exact on every net).

AMX: `--deny-amx` installs a seccomp filter in this process (inherited by everything it
starts) that makes arch_prctl(ARCH_REQ_XCOMP_PERM) fail with EPERM — XNNPACK asks the kernel
for AMX tile state that way (a raw syscall in src/configs/hardware-config.c) and clears its
AMX flag when refused; seccomp sees raw syscalls as well as libc's. On a
CPU without `amx_*` flags in /proc/cpuinfo "AMX denied" and "default" are the same run; the
script says which case holds. ai-edge-litert has no Python switch for XNNPACK's ISA choice.

Optional dependencies (not in CI): ai-edge-litert, tflite-micro, numpy, a C compiler.
One command, prints the markdown tables (run it under the benchmark lock on shared machines):
  flock /tmp/bench.lock python3 Benchmarks/int8_vs_xnnpack.py
      [--edge-audit .build/release/edge-audit [OTHER ...]] [--models M.bin|M.tflite ...]
      [--batches 1 256] [--threads 1 2] [--rounds 9] [--seconds 1] [--images 1000] [--deny-amx]
With several --edge-audit binaries (e.g. before and after a kernel change) each gets its
own columns, all interleaved in the same rounds; the first one exports and is checked.
"""
import argparse, ctypes, gzip, os, re, statistics, struct, subprocess, sys, tempfile, time, zlib
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import device_parity as dp  # noqa: E402

IDX = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"
CLASSES = ["T-shirt-top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle-boot"]
DEFAULT_MODELS = ["models/fashion-lenet5-q.bin", "models/fashion-resnet8-q.bin",
                  "Tests/Fixtures/import/keras_mobilenet_int8.tflite"]


def deny_amx():
    """seccomp: arch_prctl(ARCH_REQ_XCOMP_PERM = 0x1023, …) → EPERM, every other call allowed.
    Returns what the request now gives (should be EPERM)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int] + [ctypes.c_ulong] * 4
    libc.syscall.argtypes = [ctypes.c_long] * 4
    ld, jeq, ret = 0x20, 0x15, 0x06
    prog = [(ld, 0, 0, 4), (jeq, 0, 5, 0xC000003E),     # arch == x86_64, else allow
            (ld, 0, 0, 0), (jeq, 0, 3, 158),             # nr == arch_prctl
            (ld, 0, 0, 16), (jeq, 0, 1, 0x1023),         # args[0] == ARCH_REQ_XCOMP_PERM
            (ret, 0, 0, 0x00050000 | 1),                 # SECCOMP_RET_ERRNO | EPERM
            (ret, 0, 0, 0x7FFF0000)]                     # SECCOMP_RET_ALLOW
    buf = ctypes.create_string_buffer(b"".join(struct.pack("<HBBI", *f) for f in prog))
    fprog = struct.pack("<HxxxxxxQ", len(prog), ctypes.addressof(buf))
    fbuf = ctypes.create_string_buffer(fprog)
    if libc.prctl(38, 1, 0, 0, 0) != 0 or libc.prctl(22, 2, ctypes.addressof(fbuf), 0, 0) != 0:
        sys.exit(f"--deny-amx: prctl failed, errno {ctypes.get_errno()}")
    r = libc.syscall(158, 0x1023, 18, 0)
    return f"arch_prctl(ARCH_REQ_XCOMP_PERM, XTILEDATA) = {r}, errno {os.strerror(ctypes.get_errno())}"


def cpu_has_amx():
    return bool(re.search(r"\bamx_", open("/proc/cpuinfo").read()))


def vnni_peak(exe):
    out = subprocess.run([exe], check=True, capture_output=True, text=True).stdout
    return float(re.search(r"= ([0-9.]+) G MAC/s", out).group(1)), out.strip()


def ours(exe, model, batch, threads, seconds):
    out = subprocess.run([exe, "bench", model, "--net", "int8", "--batch", str(batch), "--threads", str(threads),
                          "--seconds", str(seconds), "--quiet"], check=True, capture_output=True, text=True).stdout
    return float(re.search(r"batch \d+: ([0-9.]+) images/s", out).group(1)), int(re.search(r"(\d+) MACs per image", out).group(1))


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


def logits_tensor(path):
    """(index, scale, zero point) of the int8 logits: SOFTMAX's input, else the output."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    it = Interpreter(model_path=path, experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    it.allocate_tensors()
    ops = it._get_ops_details()
    t = ops[-1]["inputs"][0] if ops[-1]["op_name"] == "SOFTMAX" else it.get_output_details()[0]["index"]
    scale, zp = it.get_tensor_details()[t]["quantization"]
    return t, scale, zp


def engine_logits(exe, model, png, n, scale, zp, k, work):
    """`edge-audit predict --net int8 --logits` as int8 q (checked: printed = f32(scale·(q − zp)))."""
    cmd = [exe, "predict", model, "--images", png, "--net", "int8", "--logits", "--format", "csv", "--quiet"]
    if model.endswith(".tflite"):
        labels = os.path.join(work, "labels.txt")
        open(labels, "w").write("\n".join(CLASSES) + "\n")
        cmd += ["--labels", labels]
    csv_path = os.path.join(work, "engine.csv")
    with open(csv_path, "w") as f:
        subprocess.run(cmd, check=True, stdout=f, stderr=subprocess.DEVNULL)
    rows = {}
    for line in open(csv_path).read().splitlines()[1:]:
        cols = line.split(",")
        rows[int(os.path.splitext(os.path.basename(cols[0]))[0])] = [float(v) for v in cols[-k:]]
    q = np.zeros((n, k), dtype=np.int8)
    for i in range(n):
        for j, z in enumerate(rows[i]):
            v = round(z / scale) + zp
            if not -128 <= v <= 127 or dp.f32(dp.f32(scale) * float(v - zp)) != dp.f32(z):
                sys.exit(f"{model} image {i}: logit {z!r} is not scale·(q − zp) for an int8 q")
            q[i, j] = v
    return q


def write_png(path, im):
    """An 8-bit grey or RGB PNG (no filter, one zlib stream), enough for `edge-audit predict`."""
    h, w, c = im.shape
    raw = b"".join(b"\x00" + im[y].tobytes() for y in range(h))
    chunk = lambda tag, data: struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))
    head = struct.pack(">IIBBBBB", w, h, 8, 0 if c == 1 else 2, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", head) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def exactness(exe, model, tfl, pixels, png, work):
    """(images, engine = TFLM, XNNPACK output = TFLM output) on the first len(pixels) images."""
    from ai_edge_litert.interpreter import Interpreter
    from tflite_micro import runtime
    t, scale, zp = logits_tensor(tfl)
    micro = runtime.Interpreter.from_bytes(open(tfl, "rb").read(),
                                           intrepreter_config=runtime.InterpreterConfig.kPreserveAllTensors)
    xnn = Interpreter(model_path=tfl, num_threads=1)
    xnn.allocate_tensors()
    di, do = xnn.get_input_details()[0], xnn.get_output_details()[0]
    shape = [int(v) for v in di["shape"]]
    if shape != [1, 28, 28, 1]:
        if len(shape) != 4 or shape[3] not in (1, 3):
            return None
        # Not a Fashion-MNIST net: seeded random images of its own size, as PNG files.
        pixels = np.random.default_rng(20261202).integers(0, 256, size=[len(pixels)] + shape[1:], dtype=np.uint8)
        # (`predict` reads DIR/<class>/*.png; the class does not matter here.)
        png = os.path.join(work, "png-%dx%dx%d" % tuple(shape[1:]))
        os.makedirs(os.path.join(png, CLASSES[0]), exist_ok=True)
        for i, im in enumerate(pixels):
            write_png(os.path.join(png, CLASSES[0], f"{i:04d}.png"), im)
    s_in, zp_in = di["quantization"]
    n = len(pixels)
    want, micro_out, xnn_out = [], [], []
    for i in range(n):
        x = pixels[i].astype(np.float32) / np.float32(255)
        q = np.clip(np.round(x / np.float32(s_in)) + zp_in, -128, 127).astype(np.int8)[None]
        micro.set_input(q, 0)
        micro.invoke()
        want.append(np.asarray(micro.GetTensor(t, 0)["tensor_data"]).reshape(-1).astype(np.int8))
        micro_out.append(micro.get_output(0).reshape(-1).copy())
        xnn.set_tensor(di["index"], q)
        xnn.invoke()
        xnn_out.append(xnn.get_tensor(do["index"]).reshape(-1).copy())
    want = np.stack(want)
    got = engine_logits(exe, model, png, n, scale, zp, want.shape[1], work)
    same = int(np.sum(np.all(got == want, axis=1)))
    xsame = int(np.sum(np.all(np.stack(xnn_out) == np.stack(micro_out), axis=1)))
    return n, same, xsame


def fmt(x):
    return f"{statistics.median(x):,.0f} [{min(x):,.0f}–{max(x):,.0f}]"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--edge-audit", nargs="+", default=[os.path.join(ROOT, ".build/release/edge-audit")])
    ap.add_argument("--models", nargs="+", default=[os.path.join(ROOT, m) for m in DEFAULT_MODELS])
    ap.add_argument("--batches", nargs="+", type=int, default=[1, 256])
    ap.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--seconds", type=float, default=1.0)
    ap.add_argument("--images", type=int, default=1000, help="images for the TFLite Micro check (0: skip it)")
    ap.add_argument("--deny-amx", action="store_true")
    ap.add_argument("--peak-gmacs", type=float, help="use this VNNI peak per core (G MAC/s) instead of measuring it")
    a = ap.parse_args()
    for m in a.models:
        if not os.path.isfile(m):
            sys.exit(f"--models: no file {m}")
    amx = ("this CPU has AMX (amx_* flags)" if cpu_has_amx() else
           "this CPU has no amx_* flags in /proc/cpuinfo, so XNNPACK cannot use AMX: AMX denied = default here")
    denied = deny_amx() if a.deny_amx else "AMX not denied (default)"
    import ai_edge_litert
    tmp = tempfile.mkdtemp(prefix="int8-xnnpack-")
    peak_exe = os.path.join(tmp, "vnni-peak")
    peaks, peak_lines = [], []
    # The peak of the kernels this CPU runs: AVX-512 VNNI's vpdpbusd, else AVX2's vpmaddwd.
    vnni = bool(re.search(r"\bavx512_vnni\b", open("/proc/cpuinfo").read()))
    peak_name = "VNNI" if vnni else "AVX2 vpmaddwd"
    if a.peak_gmacs is None:
        src, flags = ("vnni_peak.c", ["-mavx512f", "-mavx512vnni"]) if vnni else ("avx2_peak.c", ["-mavx2"])
        subprocess.run(["cc", "-O2"] + flags + [os.path.join(ROOT, "Benchmarks", src), "-o", peak_exe], check=True)
        p, line = vnni_peak(peak_exe)
        peaks.append(p)
        peak_lines.append(line)
    print(f"ai-edge-litert {getattr(ai_edge_litert, '__version__', '?')} (XNNPACK delegate), {amx}; {denied}")
    print(f"load before: {open('/proc/loadavg').read().split()[:3]}; {a.rounds} rounds × {a.seconds} s per side")
    names = [os.path.basename(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(e))))) or e for e in a.edge_audit] \
        if len(a.edge_audit) > 1 else ["edge-audit"]
    rows = []
    for m in a.models:
        tfl = m
        if not m.endswith(".tflite"):
            tfl = os.path.join(tmp, os.path.basename(m) + ".tflite")
            subprocess.run([a.edge_audit[0], "export", m, "--tflite", tfl], check=True, capture_output=True)
        for t in a.threads:
            for b in a.batches:
                it = litert(tfl, b, t)
                mine, theirs, macs = [[] for _ in a.edge_audit], [], 0
                for _ in range(a.rounds):
                    for k, e in enumerate(a.edge_audit):
                        r, macs = ours(e, m, b, t, a.seconds)
                        mine[k].append(r)
                    theirs.append(litert_rate(it, b, a.seconds))
                rows.append((os.path.basename(m), b, t, mine, theirs, macs))
                print(f"  measured {os.path.basename(m)} batch {b} threads {t}", file=sys.stderr, flush=True)
    if a.peak_gmacs is None:
        p, line = vnni_peak(peak_exe)
        peaks.append(p)
        peak_lines.append(line)
    peak = a.peak_gmacs or max(peaks)
    print(f"load after: {open('/proc/loadavg').read().split()[:3]}")
    print(f"{peak_name} peak per core: " + (f"{peak:.1f} G MAC/s (given)" if a.peak_gmacs else
                                    f"{peak:.1f} G MAC/s, the larger of: " + " | ".join(peak_lines)))
    print()
    head = ["net", "batch", "threads"] + [f"{n} images/s" for n in names] + ["LiteRT + XNNPACK images/s"] + \
        [f"{n} ÷ XNNPACK (per-round range)" for n in names] + [f"{n} ÷ XNNPACK, best rounds" for n in names] + \
        [f"{n} % of {peak_name} peak per core" for n in names] + ["XNNPACK % of peak"]
    print("| " + " | ".join(head) + " |")
    print("|---" * len(head) + "|")
    for name, b, t, mine, theirs, macs in rows:
        ft = statistics.median(theirs)
        pct = lambda x: f"{100 * statistics.median(x) * macs / t / (peak * 1e9):.1f}%"
        ratios = [f"{statistics.median(x) / ft:.2f}× [{min(u / v for u, v in zip(x, theirs)):.2f}–"
                  f"{max(u / v for u, v in zip(x, theirs)):.2f}]" for x in mine]
        # Interference from outside only ever slows a round down, so each side's fastest
        # round is its least disturbed one: the ratio of the two bests beside the medians.
        bests = [f"{max(x) / max(theirs):.2f}×" for x in mine]
        print(f"| {name} | {b} | {t} | " + " | ".join(fmt(x) for x in mine) + f" | {fmt(theirs)} | " + " | ".join(ratios)
              + " | " + " | ".join(bests) + " | " + " | ".join(pct(x) for x in mine) + f" | {pct(theirs)} |", flush=True)
    if a.images > 0:
        n = a.images
        raw = os.path.join(tmp, "images.u8")
        dp.images(IDX, n, raw)
        pixels = np.frombuffer(open(raw, "rb").read(), dtype=np.uint8).reshape(n, 28, 28, 1)
        png = os.path.join(tmp, "png")
        subprocess.run([a.edge_audit[0], "data", "fashion-mnist", "--split", "test", "--limit", str(n), "--out", png, "--quiet"],
                       check=True, stdout=subprocess.DEVNULL)
        print()
        print(f"| net | images | {names[0]} int8 logits = TFLite Micro's | XNNPACK output tensor = TFLite Micro's |")
        print("|---|---|---|---|")
        bad = False
        for m in a.models:
            tfl = m if m.endswith(".tflite") else os.path.join(tmp, os.path.basename(m) + ".tflite")
            r = exactness(a.edge_audit[0], m, tfl, pixels, png, tmp)
            if r is None:
                print(f"| {os.path.basename(m)} | — | not checked: input is not N×H×W×1 or ×3 | |")
                continue
            k, same, xsame = r
            bad = bad or same != k
            print(f"| {os.path.basename(m)} | {k} | {same}/{k} | {xsame}/{k} |", flush=True)
        sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
