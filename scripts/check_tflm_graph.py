#!/usr/bin/env python3
"""A whole int8 .tflite run layer by layer on edge-audit's kernels, against TensorFlow Lite
Micro, bit for bit — and a reference for how each TFLite field maps onto the integer graph
(docs/integer-spec.md): read with TensorFlow's flatbuffer schema, every multiplier derived
as TFLite Micro's Prepare does.

Default model: a Keras net with a stride-2 SAME conv (ReLU), a depthwise conv (ReLU6), a
1×1 conv, a residual ADD, a stride-2 depthwise conv, a MAX_POOL 3×3 SAME, MEAN and a dense
layer, converted by TFLiteConverter to full int8. `--model FILE.tflite` checks another one
(ops: CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, ADD, MEAN over H and W, AVERAGE_POOL_2D,
MAX_POOL_2D, PAD, RESHAPE; int8 input and output). Optional deps: tensorflow-cpu,
tflite-micro, numpy.

  python3 scripts/check_tflm_graph.py [--images 1000] [--model M.tflite] [--save M.tflite]
"""
import argparse, ctypes, os, sys, tempfile
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_tflm_kernels as ck  # noqa: E402


class AddParams(ctypes.Structure):
    _fields_ = [(n, ctypes.c_int32) for n in
                "a_zp a_mult a_shift b_zp b_mult b_shift left_shift out_mult out_shift out_zp act_min act_max".split()]


def keras_model(rng):
    import tensorflow as tf
    L = tf.keras.layers
    x = tf.keras.Input(shape=(16, 16, 3))
    a = L.Conv2D(16, 3, 2, "same", activation="relu")(x)            # SAME at stride 2: pads bottom/right
    b = L.DepthwiseConv2D(3, 1, "same")(a)
    b = L.ReLU(6.0)(b)
    b = L.Conv2D(16, 1)(b)
    c = L.Add()([a, b])
    c = L.DepthwiseConv2D(3, 2, "same", activation="relu")(c)
    c = L.MaxPooling2D(3, 2, "same")(c)
    c = L.GlobalAveragePooling2D()(c)
    y = L.Dense(10)(c)
    m = tf.keras.Model(x, y)
    for w in m.weights:
        w.assign(rng.normal(0, 0.4, size=w.shape).astype(np.float32))
    return ck.convert(m, (16, 16, 3), rng)


class Graph:
    """The flatbuffer read with TensorFlow's generated schema."""

    def __init__(self, blob):
        from tensorflow.lite.python import schema_py_generated as fb
        self.fb = fb
        self.m = fb.Model.GetRootAsModel(blob, 0)
        self.g = self.m.Subgraphs(0)

    def tensor(self, i):
        t = self.g.Tensors(i)
        q = t.Quantization()
        scales = q.ScaleAsNumpy() if q is not None and q.ScaleLength() else np.array([0.0])
        zps = q.ZeroPointAsNumpy() if q is not None and q.ZeroPointLength() else np.array([0])
        data = self.m.Buffers(t.Buffer()).DataAsNumpy()
        return dict(shape=tuple(int(v) for v in t.ShapeAsNumpy()), scales=np.asarray(scales, np.float32), zp=int(np.asarray(zps)[0]),
                    data=None if isinstance(data, int) else np.asarray(data, np.uint8), type=t.Type())

    def ops(self):
        for k in range(self.g.OperatorsLength()):
            op = self.g.Operators(k)
            oc = self.m.OperatorCodes(op.OpcodeIndex())
            code = max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode())
            yield k, code, list(op.InputsAsNumpy()), list(op.OutputsAsNumpy()), op.BuiltinOptions()

    def options(self, table, cls):
        o = getattr(self.fb, cls)()
        o.Init(table.Bytes, table.Pos)
        return o


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=1000)
    ap.add_argument("--model")
    ap.add_argument("--save")
    a = ap.parse_args()
    from tflite_micro import runtime
    rng = np.random.default_rng(5)
    blob = open(a.model, "rb").read() if a.model else keras_model(rng)
    if a.save:
        open(a.save, "wb").write(blob)
    lib = ck.build_lib(os.path.join(tempfile.mkdtemp(), "libea.so"))
    lib.ea_isa_best.restype = ctypes.c_int
    lib.ea_isa_name.restype = ctypes.c_char_p
    lib.ea_conv_plan_create.restype = ctypes.c_void_p
    lib.ea_conv_plan_scratch_size.restype = ctypes.c_size_t
    lib.ea_conv_plan_scratch_size.argtypes = [ctypes.c_void_p]
    lib.ea_conv_plan_run.argtypes = [ctypes.c_void_p] * 4
    isa = lib.ea_isa_best()
    P = lambda arr: arr.ctypes.data_as(ctypes.c_void_p)
    G = Graph(blob)
    B = G.fb.BuiltinOperator
    acts = {0: None, 1: "relu", 3: "relu6"}
    steps, keep = [], []
    for k, code, ins, outs, opt in G.ops():
        x, y = G.tensor(ins[0]), G.tensor(outs[0])
        s_in, zp_in, s_out, zp_out = float(x["scales"][0]), x["zp"], float(y["scales"][0]), y["zp"]
        if code in (B.CONV_2D, B.DEPTHWISE_CONV_2D, B.FULLY_CONNECTED):
            w, bt = G.tensor(ins[1]), G.tensor(ins[2])
            wq = w["data"].view(np.int8).reshape(w["shape"])
            bias = bt["data"].view(np.int32).copy()
            O = y["shape"][-1]
            ws = np.repeat(w["scales"], O) if len(w["scales"]) == 1 else w["scales"]
            mult = np.zeros(O, np.int32); shift = np.zeros(O, np.int32)
            for o in range(O):   # PopulateConvolutionQuantizationParams
                mult[o], shift[o] = ck.quantize_multiplier(float(np.float64(np.float32(s_in)) * np.float64(ws[o]) / np.float64(np.float32(s_out))))
            s = ck.Shape()
            if code == B.FULLY_CONNECTED:
                o_ = G.options(opt, "FullyConnectedOptions")
                s.in_h = s.in_w = s.out_h = s.out_w = 1; s.in_c = wq.shape[1]; s.out_c = O
                s.kernel_h = s.kernel_w = s.stride_h = s.stride_w = 1
                wk = np.ascontiguousarray(wq)
            else:
                o_ = G.options(opt, "Conv2DOptions" if code == B.CONV_2D else "DepthwiseConv2DOptions")
                assert o_.DilationHFactor() == 1 and o_.DilationWFactor() == 1
                H, W, C = x["shape"][1:]
                OH, OW = y["shape"][1:3]
                kh, kw = (wq.shape[1], wq.shape[2])
                sh, sw = o_.StrideH(), o_.StrideW()
                if o_.Padding() == 0:   # SAME
                    _, pt, pb = ck.same_pads(H, kh, sh); _, pl, pr = ck.same_pads(W, kw, sw)
                else:
                    pt = pb = pl = pr = 0
                s.in_h, s.in_w, s.in_c, s.out_h, s.out_w, s.out_c = H, W, C, OH, OW, O
                s.kernel_h, s.kernel_w, s.stride_h, s.stride_w = kh, kw, sh, sw
                s.pad_top, s.pad_left, s.pad_bottom, s.pad_right = pt, pl, pb, pr
                if code == B.DEPTHWISE_CONV_2D:
                    s.depth_multiplier = O // C
                    wk = np.ascontiguousarray(wq.reshape(kh * kw, O).T)
                else:
                    wk = np.ascontiguousarray(wq)
            s.in_zp, s.out_zp = zp_in, zp_out
            s.act_min, s.act_max = ck.act_range(acts[o_.FusedActivationFunction()], s_out, zp_out)
            plan = lib.ea_conv_plan_create(ctypes.byref(s), P(wk), P(bias), P(mult), P(shift), None, isa)
            assert plan, f"op {k}: plan refused"
            scratch = np.zeros(lib.ea_conv_plan_scratch_size(plan) + 64, np.uint8)
            keep += [s, wk, bias, mult, shift, scratch]
            sp = (scratch.ctypes.data + 63) & ~63
            def run(env, ins=ins, outs=outs, plan=plan, sp=sp, shape=y["shape"][1:]):
                out = np.zeros(shape, np.int8)
                lib.ea_conv_plan_run(ctypes.c_void_p(plan), P(np.ascontiguousarray(env[ins[0]])), P(out), ctypes.c_void_p(sp))
                env[outs[0]] = out
        elif code == B.ADD:
            x2 = G.tensor(ins[1])
            o_ = G.options(opt, "AddOptions")
            s1, s2 = float(np.float32(s_in)), float(np.float32(x2["scales"][0]))
            twice = 2 * max(s1, s2)                                    # add_common.cc Prepare
            m1, e1 = ck.quantize_multiplier(s1 / twice)
            m2, e2 = ck.quantize_multiplier(s2 / twice)
            mo, eo = ck.quantize_multiplier(twice / ((1 << 20) * float(np.float32(s_out))))
            lo, hi = ck.act_range(acts[o_.FusedActivationFunction()], s_out, zp_out)
            p = AddParams(zp_in, m1, e1, x2["zp"], m2, e2, 20, mo, eo, zp_out, lo, hi)
            keep.append(p)
            def run(env, ins=ins, outs=outs, p=p):
                A, Bv = np.ascontiguousarray(env[ins[0]]), np.ascontiguousarray(env[ins[1]])
                out = np.zeros(A.shape, np.int8)
                lib.ea_qs8_add(isa, ctypes.byref(p), ctypes.c_size_t(A.size), P(A), P(Bv), P(out))
                env[outs[0]] = out
        elif code == B.MEAN:
            H, W, C = (int(v) for v in x["shape"][1:])
            m, e = ck.quantize_multiplier(float(np.float64(np.float32(s_in)) / np.float64(np.float32(s_out))))
            n = H * W
            kk = min(n.bit_length() - 1, 32, 31 + e)
            mm, ee = (m << kk) // n, e - kk
            def run(env, ins=ins, outs=outs, H=H, W=W, C=C, mm=mm, ee=ee, zi=zp_in, zo=zp_out, shape=y["shape"][1:]):
                out = np.zeros(C, np.int8)
                lib.ea_qs8_mean_ref(H, W, C, zi, ctypes.c_int32(mm), ctypes.c_int32(ee), zo, P(np.ascontiguousarray(env[ins[0]])), P(out))
                env[outs[0]] = out.reshape(shape)
        elif code in (B.MAX_POOL_2D, B.AVERAGE_POOL_2D):
            o_ = G.options(opt, "Pool2DOptions")
            H, W, C = x["shape"][1:]
            OH, OW = y["shape"][1:3]
            kh, kw, sh, sw = o_.FilterHeight(), o_.FilterWidth(), o_.StrideH(), o_.StrideW()
            pt = ck.same_pads(H, kh, sh)[1] if o_.Padding() == 0 else 0
            pl = ck.same_pads(W, kw, sw)[1] if o_.Padding() == 0 else 0
            lo, hi = ck.act_range(acts[o_.FusedActivationFunction()], s_out, zp_out)
            ps = ck.PoolShape(H, W, C, OH, OW, kh, kw, sh, sw, pt, pl, lo, hi)
            keep.append(ps)
            fn = lib.ea_qs8_maxpool2 if code == B.MAX_POOL_2D else lib.ea_qs8_avgpool2
            def run(env, ins=ins, outs=outs, ps=ps, fn=fn, shape=y["shape"][1:]):
                out = np.zeros(shape, np.int8)
                fn(isa, ctypes.byref(ps), P(np.ascontiguousarray(env[ins[0]])), P(out))
                env[outs[0]] = out
        elif code == B.RESHAPE:
            def run(env, ins=ins, outs=outs, shape=y["shape"][1:]):
                env[outs[0]] = env[ins[0]].reshape(shape)
        elif code == B.PAD:
            pads = G.tensor(ins[1])["data"].view(np.int32).reshape(-1, 2)
            H, W, C = x["shape"][1:]
            (t, b_), (l, r) = pads[1], pads[2]
            assert pads[0].tolist() == [0, 0] and pads[3].tolist() == [0, 0]
            def run(env, ins=ins, outs=outs, H=H, W=W, C=C, t=int(t), b_=int(b_), l=int(l), r=int(r), zo=zp_out, shape=y["shape"][1:]):
                out = np.zeros(shape, np.int8)
                lib.ea_qs8_pad_ref(H, W, C, t, b_, l, r, ctypes.c_int8(zo), P(np.ascontiguousarray(env[ins[0]])), P(out))
                env[outs[0]] = out
        else:
            sys.exit(f"op {k}: builtin code {code} is not supported by this check")
        steps.append((code, run))
    names = {v: k for k, v in vars(B).items() if not k.startswith("_")}
    print("ops:", " → ".join(names[c] for c, _ in steps), "| ISA", lib.ea_isa_name(isa).decode())
    micro = runtime.Interpreter.from_bytes(blob)
    gin, gout = G.g.InputsAsNumpy()[0], G.g.OutputsAsNumpy()[0]
    in_shape = G.tensor(gin)["shape"][1:]
    bad = 0
    outs_seen = set()
    for i in range(a.images):
        x = rng.integers(-128, 128, size=in_shape, dtype=np.int8)
        if i == 0: x[:] = -128
        if i == 1: x[:] = 127
        env = {gin: x}
        for _, run in steps:
            run(env)
        micro.set_input(x[None], 0)
        micro.invoke()
        want = micro.get_output(0).reshape(env[gout].shape)
        bad += int(not np.array_equal(env[gout], want))
        outs_seen.add(int(np.argmax(want)))
    print(f"{a.images - bad}/{a.images} inputs: int8 outputs equal to TensorFlow Lite Micro's ({len(outs_seen)} distinct argmax classes)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
