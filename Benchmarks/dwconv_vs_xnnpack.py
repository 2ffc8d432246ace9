#!/usr/bin/env python3
"""The depthwise int8 convolution: edge-audit's kernel against LiteRT + XNNPACK on the
same layer, one thread, interleaved rounds; medians and ranges (BENCHMARKS.md).

Each layer is a one-op full-integer int8 .tflite made by TFLiteConverter from a Keras
DepthwiseConv2D(3×3, SAME) (+ ReLU6, fused). LiteRT (ai_edge_litert) runs it with its
default XNNPACK delegate, num_threads=1, timed around interpreter.invoke() from Python;
a 1×1×16 layer of the same kind measures the fixed per-invoke cost, shown separately.
edge-audit's plan (best ISA of this CPU) is timed inside C (Benchmarks/dwconv_timer.c) and
includes its per-call input conversion. Outputs are compared: edge-audit equals TFLite
Micro bit for bit (scripts/check_tflm_kernels.py); XNNPACK's agreement is reported.

  python3 Benchmarks/dwconv_vs_xnnpack.py [--rounds 15] [--iters 2000] [--layers mobilenet]
--layers mobilenet: the depthwise layers of Tests/Fixtures/import/keras_mobilenet_int8.tflite
(14×14×16 s1, 14×14×32 s2, 7×7×64 s1) instead of the default four.
"""
import argparse, ctypes, os, statistics, subprocess, sys, tempfile, time
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import check_tflm_kernels as ck  # noqa: E402

LAYERS = [(14, 14, 32, 1), (14, 14, 32, 2), (28, 28, 16, 1), (28, 28, 16, 2)]
MOBILENET = [(14, 14, 16, 1), (14, 14, 32, 2), (7, 7, 64, 1)]


def build_lib(out):
    src = ck.SRC
    # Every .c under the kernel tree (one folder per operator, headers in include/ and internal/).
    srcs = sorted(os.path.join(d, f) for d, _, fs in os.walk(src) for f in fs if f.endswith(".c"))
    srcs.append(os.path.join(ROOT, "Benchmarks/dwconv_timer.c"))
    subprocess.check_call(["cc", "-O2", "-shared", "-fPIC", "-I" + src + "/include", "-I" + src + "/internal", "-I" + src]
                          + srcs + ["-o", out])
    lib = ctypes.CDLL(out)
    lib.ea_isa_best.restype = ctypes.c_int
    lib.ea_isa_name.restype = ctypes.c_char_p
    lib.ea_conv_plan_create.restype = ctypes.c_void_p
    lib.ea_conv_plan_scratch_size.restype = ctypes.c_size_t
    lib.ea_conv_plan_scratch_size.argtypes = [ctypes.c_void_p]
    lib.ea_conv_plan_run.argtypes = [ctypes.c_void_p] * 4
    lib.ea_bench_plan.restype = ctypes.c_double
    lib.ea_bench_plan.argtypes = [ctypes.c_void_p] * 4 + [ctypes.c_int]
    return lib


def keras_dw(h, w, c, s, rng):
    import tensorflow as tf
    L = tf.keras.layers
    m = tf.keras.Sequential([tf.keras.Input(shape=(h, w, c)), L.DepthwiseConv2D(3, s, "same"), L.ReLU(6.0)])
    for v in m.weights:
        v.assign(rng.normal(0, 0.5, size=v.shape).astype(np.float32))
    return ck.convert(m, (h, w, c), rng)


def our_plan(lib, blob, h, w, c, s):
    import tensorflow as tf
    it = tf.lite.Interpreter(model_content=blob, experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    it.allocate_tensors()
    det = {d["index"]: d for d in it.get_tensor_details()}
    op = [o for o in it._get_ops_details() if o["op_name"] == "DEPTHWISE_CONV_2D"][0]
    x_t, w_t, b_t, y_t = (det[op["inputs"][0]], det[op["inputs"][1]], det[op["inputs"][2]], det[op["outputs"][0]])
    qp = lambda t: (t["quantization_parameters"]["scales"], t["quantization_parameters"]["zero_points"])
    (si, zi), (sw, _), (so, zo) = qp(x_t), qp(w_t), qp(y_t)
    wt = it.get_tensor(w_t["index"]).astype(np.int8)
    b = np.ascontiguousarray(it.get_tensor(b_t["index"]).astype(np.int32))
    mult = np.zeros(c, np.int32); shift = np.zeros(c, np.int32)
    for o in range(c):
        mult[o], shift[o] = ck.quantize_multiplier(float(np.float64(si[0]) * np.float64(sw[o]) / np.float64(so[0])))
    oh, pt, pb = ck.same_pads(h, 3, s); ow, pl, pr = ck.same_pads(w, 3, s)
    sh = ck.Shape(h, w, c, oh, ow, c, 3, 3, s, s, pt, pl, pb, pr, 1, 0, int(zi[0]), int(zo[0]), *ck.act_range("relu6", so[0], int(zo[0])))
    wk = np.ascontiguousarray(wt.reshape(9, c).T)
    P = lambda a: a.ctypes.data_as(ctypes.c_void_p)
    plan = lib.ea_conv_plan_create(ctypes.byref(sh), P(wk), P(b), P(mult), P(shift), None, lib.ea_isa_best())
    assert plan
    scratch = np.zeros(lib.ea_conv_plan_scratch_size(plan) + 64, np.uint8)
    keep = (sh, wk, b, mult, shift, scratch)
    return plan, (scratch.ctypes.data + 63) & ~63, (oh, ow, c), keep


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--iters", type=int, default=2000)
    ap.add_argument("--layers", choices=["default", "mobilenet"], default="default")
    a = ap.parse_args()
    from ai_edge_litert.interpreter import Interpreter
    lib = build_lib(os.path.join(tempfile.mkdtemp(), "libea-bench.so"))
    rng = np.random.default_rng(11)
    isa = lib.ea_isa_name(lib.ea_isa_best()).decode()

    def litert(blob):
        it = Interpreter(model_content=blob, num_threads=1)
        it.allocate_tensors()
        return it

    def time_invoke(it, n):
        t0 = time.perf_counter_ns()
        for _ in range(n):
            it.invoke()
        return (time.perf_counter_ns() - t0) / n

    tiny = litert(keras_dw(1, 1, 16, 1, rng))
    tiny.set_tensor(tiny.get_input_details()[0]["index"], np.zeros((1, 1, 1, 16), np.int8))
    fixed = statistics.median(time_invoke(tiny, a.iters) for _ in range(a.rounds))
    print(f"LiteRT fixed cost per invoke (1x1x16 layer): {fixed / 1000:.2f} us")
    print(f"{'layer':22s} {'edge-audit ' + isa + ' us':>26s} {'LiteRT+XNNPACK us':>26s} {'ratio':>6s} {'XNNPACK = ours':>15s}")
    for (h, w, c, s) in (MOBILENET if a.layers == "mobilenet" else LAYERS):
        blob = keras_dw(h, w, c, s, rng)
        plan, scratch, oshape, keep = our_plan(lib, blob, h, w, c, s)
        it = litert(blob)
        x = rng.integers(-128, 128, size=(h, w, c), dtype=np.int8)
        y = np.zeros(oshape, np.int8)
        it.set_tensor(it.get_input_details()[0]["index"], x[None])
        it.invoke()
        theirs = it.get_tensor(it.get_output_details()[0]["index"]).reshape(oshape)
        lib.ea_conv_plan_run(ctypes.c_void_p(plan), x.ctypes.data_as(ctypes.c_void_p), y.ctypes.data_as(ctypes.c_void_p), ctypes.c_void_p(scratch))
        agree = float(np.mean(theirs == y))
        ours_t, theirs_t = [], []
        for _ in range(a.rounds):  # interleaved: one round of each, alternately
            ours_t.append(lib.ea_bench_plan(ctypes.c_void_p(plan), x.ctypes.data_as(ctypes.c_void_p), y.ctypes.data_as(ctypes.c_void_p), ctypes.c_void_p(scratch), a.iters))
            theirs_t.append(time_invoke(it, a.iters))
        mo, mt = statistics.median(ours_t), statistics.median(theirs_t)
        fmt = lambda v, t: f"{v / 1000:7.2f} [{min(t) / 1000:.2f}-{max(t) / 1000:.2f}]"
        print(f"{h}x{w}x{c} 3x3 s{s}".ljust(22) + f" {fmt(mo, ours_t):>26s} {fmt(mt, theirs_t):>26s} {mt / mo:6.2f} {agree * 100:14.2f}%")
        lib.ea_conv_plan_destroy(ctypes.c_void_p(plan))


if __name__ == "__main__":
    main()
