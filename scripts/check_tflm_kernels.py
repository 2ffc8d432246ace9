#!/usr/bin/env python3
"""Our int8 kernels against TensorFlow Lite Micro, one layer at a time, bit for bit.

For each layer kind (depthwise 3×3 stride 1/2 SAME with ReLU6, conv with a non-square
kernel and stride 2 SAME, fully connected, MEAN with its own output scale, average and
max pooling with SAME padding) a one-layer Keras model is converted by TFLiteConverter to
a full-integer int8 .tflite. Its scales, zero points, weights and biases are read back;
multipliers are derived exactly as TFLite Micro's Prepare does (QuantizeMultiplier in
binary64 from the float scales); our C reference kernel and the best SIMD plan run through
ctypes on the same random int8 inputs as tflite_micro's interpreter. Optional
dependencies: tensorflow-cpu, tflite-micro, numpy (not in CI).

  python3 scripts/check_tflm_kernels.py [--images 200] [--keep DIR]
"""
import argparse, ctypes, math, os, subprocess, sys, tempfile
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, "Sources/CEdgeKernels")


def build_lib(out):
    srcs = sorted(os.path.join(d, f) for d, _, fs in os.walk(SRC) for f in fs if f.endswith(".c"))
    subprocess.check_call(["cc", "-O2", "-shared", "-fPIC", "-I" + SRC + "/include", "-I" + SRC + "/internal"] + srcs + ["-o", out])
    return ctypes.CDLL(out)


class Shape(ctypes.Structure):
    _fields_ = [(n, ctypes.c_int32) for n in (
        "in_h in_w in_c out_h out_w out_c kernel_h kernel_w stride_h stride_w pad_top pad_left pad_bottom pad_right "
        "depth_multiplier requant_mode in_zp out_zp act_min act_max").split()]


class PoolShape(ctypes.Structure):
    _fields_ = [(n, ctypes.c_int32) for n in
                "in_h in_w c out_h out_w kernel_h kernel_w stride_h stride_w pad_top pad_left act_min act_max".split()]


def quantize_multiplier(m):
    """tensorflow/lite/kernels/internal/quantization_util.cc QuantizeMultiplier."""
    if m == 0:
        return 0, 0
    q, e = math.frexp(m)
    qf = int(math.floor(q * 2**31 + 0.5))  # TfLiteRound: half away from zero (q > 0)
    if qf == 2**31:
        qf //= 2
        e += 1
    if e < -31:
        return 0, 0
    return qf, e


def f32(x):
    return float(np.float32(x))


def act_range(act, scale, zp):
    """CalculateActivationRangeQuantized (kernel_util.cc) for int8."""
    def q(v):
        return zp + int(np.round(np.float32(v) / np.float32(scale)) if False else math.copysign(math.floor(abs(float(np.float32(v) / np.float32(scale))) + 0.5), float(v)))
    if act == "relu":
        return max(-128, q(0.0)), 127
    if act == "relu6":
        return max(-128, q(0.0)), min(127, q(6.0))
    return -128, 127


def same_pads(n, k, s):
    out = (n + s - 1) // s
    total = max((out - 1) * s + k - n, 0)
    return out, total // 2, total - total // 2


def convert(model, shape, rng):
    import tensorflow as tf
    def rep():
        for _ in range(64):
            yield [rng.uniform(-1, 1, size=(1,) + shape).astype(np.float32)]
    c = tf.lite.TFLiteConverter.from_keras_model(model)
    c.optimizations = [tf.lite.Optimize.DEFAULT]
    c.representative_dataset = rep
    c.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    c.inference_input_type = tf.int8
    c.inference_output_type = tf.int8
    return c.convert()


def layer_models(rng):
    import tensorflow as tf
    L = tf.keras.layers
    def seq(shape, *layers):
        m = tf.keras.Sequential([tf.keras.Input(shape=shape)] + list(layers))
        for w in m.weights:
            w.assign(rng.normal(0, 0.5, size=w.shape).astype(np.float32))
        return m
    yield "dwconv 3x3 s1 SAME relu6 14x14x32", "dw", dict(k=(3, 3), s=(1, 1), act="relu6"), (14, 14, 32), seq((14, 14, 32), L.DepthwiseConv2D(3, 1, "same"), L.ReLU(6.0))
    yield "dwconv 3x3 s2 SAME relu6 28x28x16", "dw", dict(k=(3, 3), s=(2, 2), act="relu6"), (28, 28, 16), seq((28, 28, 16), L.DepthwiseConv2D(3, 2, "same"), L.ReLU(6.0))
    yield "dwconv 3x3 s2 SAME 15x15x20 (odd)", "dw", dict(k=(3, 3), s=(2, 2), act=None), (15, 15, 20), seq((15, 15, 20), L.DepthwiseConv2D(3, 2, "same"))
    yield "conv 3x2 s2 SAME relu 9x10x5→7", "conv", dict(k=(3, 2), s=(2, 2), act="relu"), (9, 10, 5), seq((9, 10, 5), L.Conv2D(7, (3, 2), 2, "same", activation="relu"))
    yield "fully connected 48→10", "fc", dict(act=None), (48,), seq((48,), L.Dense(10))
    yield "mean over H,W 7x7x24", "mean", {}, (7, 7, 24), seq((7, 7, 24), L.GlobalAveragePooling2D())
    yield "avgpool 3x3 s2 SAME 9x9x8", "avg", dict(k=(3, 3), s=(2, 2)), (9, 9, 8), seq((9, 9, 8), L.AveragePooling2D(3, 2, "same"))
    yield "maxpool 3x3 s2 SAME 9x9x8", "max", dict(k=(3, 3), s=(2, 2)), (9, 9, 8), seq((9, 9, 8), L.MaxPooling2D(3, 2, "same"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=200)
    ap.add_argument("--keep", help="write the .tflite files here")
    a = ap.parse_args()
    import tensorflow as tf
    from tflite_micro import runtime
    tmp = tempfile.mkdtemp()
    lib = build_lib(os.path.join(tmp, "libea.so"))
    lib.ea_isa_best.restype = ctypes.c_int
    lib.ea_isa_supported.restype = ctypes.c_int
    lib.ea_isa_name.restype = ctypes.c_char_p
    lib.ea_conv_plan_create.restype = ctypes.c_void_p
    lib.ea_conv_plan_scratch_size.restype = ctypes.c_size_t
    lib.ea_conv_plan_scratch_size.argtypes = [ctypes.c_void_p]
    lib.ea_conv_plan_run.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
    isas = [i for i in range(1, 5) if lib.ea_isa_supported(i)]
    rng = np.random.default_rng(7)
    failures = 0
    P = lambda arr: arr.ctypes.data_as(ctypes.c_void_p)
    for title, kind, cfg, shape, model in layer_models(rng):
        blob = convert(model, shape, rng)
        if a.keep:
            os.makedirs(a.keep, exist_ok=True)
            open(os.path.join(a.keep, title.split()[0] + "-" + "-".join(title.split()[1:3]) + ".tflite"), "wb").write(blob)
        it = tf.lite.Interpreter(model_content=blob, experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
        it.allocate_tensors()
        det = {d["index"]: d for d in it.get_tensor_details()}
        ops = [o for o in it._get_ops_details() if o["op_name"] not in ("QUANTIZE", "DEQUANTIZE")]
        assert len(ops) == 1, [o["op_name"] for o in ops]
        op = ops[0]
        x_t, y_t = det[op["inputs"][0]], det[op["outputs"][0]]
        s_in, zp_in = x_t["quantization_parameters"]["scales"][0], int(x_t["quantization_parameters"]["zero_points"][0])
        s_out, zp_out = y_t["quantization_parameters"]["scales"][0], int(y_t["quantization_parameters"]["zero_points"][0])
        micro = runtime.Interpreter.from_bytes(blob)
        xs = rng.integers(-128, 128, size=(a.images,) + shape, dtype=np.int8)
        xs[0] = -128; xs[1] = 127  # extremes
        out_shape = tuple(y_t["shape"][1:])
        prep = None
        if kind in ("dw", "conv", "fc"):
            w_t, b_t = det[op["inputs"][1]], det[op["inputs"][2]]
            w = it.get_tensor(w_t["index"]).astype(np.int8)
            b = it.get_tensor(b_t["index"]).astype(np.int32)
            ws = w_t["quantization_parameters"]["scales"]
            O = out_shape[-1]
            ws = np.repeat(ws, O) if len(ws) == 1 else ws
            mult = np.zeros(O, np.int32); shift = np.zeros(O, np.int32)
            for o in range(O):
                mult[o], shift[o] = quantize_multiplier(float(np.float64(s_in) * np.float64(ws[o]) / np.float64(s_out)))
            s = Shape()
            if kind == "fc":
                s.in_h = s.in_w = s.out_h = s.out_w = 1; s.in_c = shape[0]; s.out_c = O
                s.kernel_h = s.kernel_w = s.stride_h = s.stride_w = 1
                wk = np.ascontiguousarray(w)
            else:
                H, W, C = shape
                kh, kw = cfg["k"]; sh, sw = cfg["s"]
                oh, pt, pb = same_pads(H, kh, sh); ow, pl, pr = same_pads(W, kw, sw)
                s.in_h, s.in_w, s.in_c, s.out_h, s.out_w, s.out_c = H, W, C, oh, ow, O
                s.kernel_h, s.kernel_w, s.stride_h, s.stride_w = kh, kw, sh, sw
                s.pad_top, s.pad_left, s.pad_bottom, s.pad_right = pt, pl, pb, pr
                if kind == "dw":
                    s.depth_multiplier = O // C
                    wk = np.ascontiguousarray(w.reshape(kh * kw, O).T)  # [1][kh][kw][O] → [O][kh·kw]
                else:
                    wk = np.ascontiguousarray(w)  # OHWI = [O][kh][kw][C]
            s.in_zp, s.out_zp = zp_in, zp_out
            s.act_min, s.act_max = act_range(cfg.get("act"), s_out, zp_out)
            plans = {}
            for isa in isas:
                plan = lib.ea_conv_plan_create(ctypes.byref(s), P(wk), P(b), P(mult), P(shift), None, isa)
                assert plan, "plan_create refused " + title
                scratch = np.zeros(lib.ea_conv_plan_scratch_size(plan) + 64, np.uint8)
                plans[isa] = (plan, scratch, (scratch.ctypes.data + 63) & ~63)
            def ours(x, isa):
                y = np.zeros(out_shape, np.int8)
                if isa is None:
                    lib.ea_qs8_conv_ref(ctypes.byref(s), P(x), P(wk), P(b), P(mult), P(shift), None, P(y))
                else:
                    plan, _, sp = plans[isa]
                    lib.ea_conv_plan_run(ctypes.c_void_p(plan), P(x), P(y), ctypes.c_void_p(sp))
                return y
        elif kind == "mean":
            H, W, C = shape
            m, e = quantize_multiplier(float(np.float64(s_in) / np.float64(s_out)))
            n = H * W
            k = min(n.bit_length() - 1, 32, 31 + e)
            mm, ee = ((m << k) // n), e - k
            def ours(x, isa):
                y = np.zeros(out_shape, np.int8)
                lib.ea_qs8_mean_ref(H, W, C, zp_in, ctypes.c_int32(mm), ctypes.c_int32(ee), zp_out, P(x), P(y))
                return y
        else:
            H, W, C = shape
            kh, kw = cfg["k"]; sh, sw = cfg["s"]
            oh, pt, _ = same_pads(H, kh, sh); ow, pl, _ = same_pads(W, kw, sw)
            ps = PoolShape(H, W, C, oh, ow, kh, kw, sh, sw, pt, pl, -128, 127)
            fn = lib.ea_qs8_avgpool2 if kind == "avg" else lib.ea_qs8_maxpool2
            def ours(x, isa):
                y = np.zeros(out_shape, np.int8)
                fn(0 if isa is None else isa, ctypes.byref(ps), P(x), P(y))
                return y
        paths = [None] + (isas if kind != "mean" else [])  # MEAN: reference only
        bad = {k: 0 for k in paths}
        for x in xs:
            x = np.ascontiguousarray(x)
            micro.set_input(x[None], 0)
            micro.invoke()
            want = micro.get_output(0).reshape(out_shape)
            for k in paths:
                bad[k] += int(not np.array_equal(ours(x, k), want))
        failures += sum(bad.values())
        name = lambda k: "reference" if k is None else lib.ea_isa_name(k).decode()
        print(f"{title:36s} scales in {s_in:.4g} out {s_out:.4g}: " +
              ", ".join(f"{name(k)} {a.images - v}/{a.images}" for k, v in bad.items()) + " equal to TFLM")
    print("all bit-exact with TensorFlow Lite Micro" if failures == 0 else f"{failures} mismatching outputs")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
