#!/usr/bin/env python3
"""Builds the model-import fixtures in Tests/Fixtures/import/ with the REAL converters.

Optional tool, never run by CI (needs tensorflow-cpu, tflite-micro, ai-edge-litert, torch,
onnx, onnxruntime from PyPI). Writes, per fixture NAME:
  NAME.tflite | NAME.onnx   the model, as the converter wrote it
  NAME.expect.json          what the converter's own Python API says is inside (op list,
                            tensor shapes/types/quantisation, a few weight values): the
                            independent expectation the Swift tests compare the IR with
  NAME.inputs.npy           16 fixed inputs, in the model's own input dtype and layout
  NAME.outputs.npy          the reference runtime's outputs for them (TFLite Micro's
                            reference kernels for int8 models, LiteRT for float .tflite,
                            onnxruntime for ONNX)
See Tests/Fixtures/import/README.md for the layout.
usage: scripts/make_import_fixtures.py [--only tflite|onnx] [--out DIR]
"""
import argparse
import gzip
import json
import os
import sys

import numpy as np

SEED = 20261201
N_EXPECT = 16


def fashion(n, train=True):
    """n Fashion-MNIST images as float32 [n,28,28,1] in [0,1] (Debian's dataset package)."""
    name = "train-images-idx3-ubyte.gz" if train else "t10k-images-idx3-ubyte.gz"
    path = os.path.join("/usr/share/datasets/fashion-mnist", name)
    with gzip.open(path, "rb") as f:
        raw = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28, 1)
    return raw[:n].astype(np.float32) / 255.0


def fashion_labels(n):
    with gzip.open("/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz", "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=8)[:n].astype(np.int64)


def images(n, channels, size, train=True):
    """Fixed images: Fashion-MNIST for 1 channel; for 3 channels, a seeded colouring of it."""
    x = fashion(n, train)
    if size != 28:
        x = x[:, :size, :size, :]
    if channels == 3:
        rng = np.random.default_rng(SEED)
        tint = rng.uniform(0.3, 1.0, size=(n, 1, 1, 3)).astype(np.float32)
        x = np.clip(x * tint + 0.1 * rng.random((n, size, size, 3), dtype=np.float32), 0, 1)
    return x.astype(np.float32)


# ---------------------------------------------------------------------------- TFLite

def keras_model(channels, size, variant):
    import tensorflow as tf
    from tensorflow import keras
    L = keras.layers
    tf.random.set_seed(SEED)
    inp = keras.Input((size, size, channels))
    if variant == "a":
        # stride-2 SAME conv: TensorFlow pads bottom/right when the padding is odd.
        x = L.Conv2D(8, 3, strides=2, padding="same")(inp)
        x = L.ReLU(6.0)(x)
        y = L.DepthwiseConv2D(3, padding="same")(x)
        y = L.ReLU(6.0)(y)
        y = L.Conv2D(8, 1)(y)
        x = L.Add()([x, y])
        x = L.ReLU()(x)
        x = L.MaxPooling2D(2)(x)
        x = L.Conv2D(16, 3, strides=2, padding="same", activation="relu")(x)
        x = L.GlobalAveragePooling2D()(x)
        x = L.Dense(10)(x)
        out = L.Softmax()(x)
    else:
        # explicit PAD, VALID conv, average pool, depthwise stride 2, flatten + dense.
        x = L.ZeroPadding2D(((1, 2), (2, 1)))(inp)
        x = L.Conv2D(8, 3, padding="valid", activation="relu")(x)
        y = L.DepthwiseConv2D(3, strides=2, padding="same")(x)
        y = L.ReLU(6.0)(y)
        z = L.Conv2D(8, 1, strides=2)(x)
        x = L.Add()([y, z])
        x = L.AveragePooling2D(2)(x)
        x = L.Flatten()(x)
        x = L.Dense(10)(x)
        out = L.Softmax()(x)
    return keras.Model(inp, out)


def train_briefly(model, channels, size):
    """A short fit so activations have realistic ranges (weights are not the point)."""
    x = images(2048, channels, size)
    y = fashion_labels(2048)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=1, batch_size=64, verbose=0)


def convert(model, channels, size, mode):
    import tensorflow as tf
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    if mode != "float":
        calib = images(200, channels, size)

        def rep():
            for i in range(len(calib)):
                yield [calib[i:i + 1]]
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.representative_dataset = rep
        conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        if mode == "int8":
            conv.inference_input_type = tf.int8
            conv.inference_output_type = tf.int8
        elif mode == "uint8":
            conv.inference_input_type = tf.uint8
            conv.inference_output_type = tf.uint8
        # mode "qdq": float input/output, QUANTIZE/DEQUANTIZE at the edges.
    return conv.convert()


def tflite_expectations(blob):
    """The op list and tensor details as TensorFlow's own interpreter reports them."""
    import tensorflow as tf
    # No default delegate: XNNPACK would replace the ops in the reported list.
    it = tf.lite.Interpreter(model_content=blob, experimental_op_resolver_type=
                             tf.lite.experimental.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    it.allocate_tensors()
    tensors = []
    for d in it.get_tensor_details():
        q = d["quantization_parameters"]
        tensors.append({
            "index": int(d["index"]), "name": d["name"], "shape": [int(v) for v in d["shape"]],
            "dtype": np.dtype(d["dtype"]).name,
            "scales": [float(v) for v in q["scales"]],
            "zero_points": [int(v) for v in q["zero_points"]],
            "quantized_dimension": int(q["quantized_dimension"]),
        })
    ops = []
    for op in it._get_ops_details():
        ops.append({"index": int(op["index"]), "op": op["op_name"],
                    "inputs": [int(v) for v in op["inputs"]], "outputs": [int(v) for v in op["outputs"]]})
    # A few constant values (first 8 of each weight/bias tensor) read back through the API.
    values = {}
    for op in ops:
        for t in op["inputs"][1:]:
            if t < 0:
                continue
            try:
                arr = it.get_tensor(t)
            except ValueError:
                continue
            if arr.size > 0:
                values[str(t)] = [float(v) if arr.dtype.kind == "f" else int(v) for v in arr.reshape(-1)[:8]]
    inp = it.get_input_details()[0]
    out = it.get_output_details()[0]
    return it, {"ops": ops, "tensors": tensors, "values": values,
                "input": int(inp["index"]), "output": int(out["index"]),
                "input_dtype": np.dtype(inp["dtype"]).name, "output_dtype": np.dtype(out["dtype"]).name}


def quantize_input(x, detail):
    scale, zp = detail["quantization"]
    dt = detail["dtype"]
    if dt == np.float32:
        return x
    info = np.iinfo(dt)
    return np.clip(np.round(x / scale) + zp, info.min, info.max).astype(dt)


def reference_outputs(blob, mode, inputs, logits_index):
    """int8 (any I/O): TFLite Micro's reference kernels; float: LiteRT. Also returns the
    softmax's input tensor (the logits the importer's graph ends with), kept by both
    runtimes' preserve-all-tensors modes."""
    if mode == "float":
        from ai_edge_litert.interpreter import Interpreter
        it = Interpreter(model_content=blob, experimental_preserve_all_tensors=True)
        it.allocate_tensors()
        i, o = it.get_input_details()[0]["index"], it.get_output_details()[0]["index"]
        outs, logits = [], []
        for k in range(len(inputs)):
            it.set_tensor(i, inputs[k:k + 1])
            it.invoke()
            outs.append(it.get_tensor(o)[0].copy())
            logits.append(it.get_tensor(logits_index)[0].copy())
        return np.stack(outs), np.stack(logits), "ai-edge-litert"
    from tflite_micro.python.tflite_micro import runtime
    it = runtime.Interpreter.from_bytes(blob, intrepreter_config=runtime.InterpreterConfig.kPreserveAllTensors)
    outs, logits = [], []
    for k in range(len(inputs)):
        it.set_input(inputs[k:k + 1], 0)
        it.invoke()
        outs.append(it.get_output(0)[0].copy())
        logits.append(np.asarray(it.GetTensor(logits_index, 0)["tensor_data"]).reshape(-1).copy())
    return np.stack(outs), np.stack(logits), "tflite-micro"


def make_tflite(out_dir, versions):
    import tensorflow as tf
    versions["tensorflow"] = tf.__version__
    for variant, channels, size in (("a", 1, 28), ("b", 3, 16)):
        model = keras_model(channels, size, variant)
        train_briefly(model, channels, size)
        for mode in ("float", "int8", "uint8", "qdq"):
            if variant == "b" and mode == "uint8":
                continue  # one uint8-I/O fixture is enough
            name = f"keras_{variant}_{channels}ch_{mode}"
            blob = convert(model, channels, size, mode)
            it, exp = tflite_expectations(blob)
            x = images(N_EXPECT, channels, size, train=False)
            xin = quantize_input(x, it.get_input_details()[0])
            logits_index = [o for o in exp["ops"] if o["op"] == "SOFTMAX"][0]["inputs"][0]
            y, logits, runtime_name = reference_outputs(blob, mode, xin, logits_index)
            exp["logits_tensor"] = logits_index
            exp.update({"converter": f"tensorflow {tf.__version__} TFLiteConverter", "mode": mode,
                        "reference_runtime": runtime_name, "input_shape_nhwc": [size, size, channels]})
            with open(os.path.join(out_dir, name + ".tflite"), "wb") as f:
                f.write(blob)
            with open(os.path.join(out_dir, name + ".expect.json"), "w") as f:
                json.dump(exp, f, indent=1, sort_keys=True)
            np.save(os.path.join(out_dir, name + ".inputs.npy"), xin)
            np.save(os.path.join(out_dir, name + ".outputs.npy"), y)
            np.save(os.path.join(out_dir, name + ".logits.npy"), logits)
            print(f"{name}: {len(blob)} bytes, {len(exp['ops'])} ops, reference {runtime_name}")
    add_label_file(out_dir)
    add_support_metadata(out_dir)
    versions["tflite-micro"] = _pkg_version("tflite-micro")
    versions["ai-edge-litert"] = _pkg_version("ai-edge-litert")


def add_label_file(out_dir):
    """keras_a_1ch_int8 with a labels.txt appended as a ZIP archive, the way TFLite Support's
    metadata writer packs associated files (stored, uncompressed); TFLite still loads it."""
    import shutil
    import zipfile
    import tensorflow as tf
    src = os.path.join(out_dir, "keras_a_1ch_int8.tflite")
    dst = os.path.join(out_dir, "keras_a_1ch_int8_labels.tflite")
    shutil.copyfile(src, dst)
    labels = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
    with zipfile.ZipFile(dst, "a", compression=zipfile.ZIP_STORED) as z:
        z.writestr("labels.txt", "\n".join(labels) + "\n")
    it = tf.lite.Interpreter(model_path=dst)
    it.allocate_tensors()
    with open(os.path.join(out_dir, "keras_a_1ch_int8_labels.expect.json"), "w") as f:
        json.dump({"labels": labels}, f, indent=1)
    print(f"keras_a_1ch_int8_labels: {os.path.getsize(dst)} bytes")


def add_support_metadata(out_dir):
    """keras_a_1ch_int8 with real TFLite Support metadata (TFLITE_METADATA: normalisation
    mean 0 / std 255, a TENSOR_AXIS_LABELS file), written by its ImageClassifier metadata
    writer. Needs `pip install --no-deps --target DIR tflite-support` and libusb-1.0-0;
    set TFLITE_SUPPORT_PATH=DIR. Skipped when unavailable."""
    path = os.environ.get("TFLITE_SUPPORT_PATH")
    if path:
        sys.path.insert(0, path)
    try:
        from tensorflow_lite_support.metadata.python.metadata_writers import image_classifier, writer_utils
    except Exception as e:  # noqa: BLE001 - an optional tool
        print(f"TFLite Support metadata fixture skipped: {e}")
        return
    import tempfile
    labels = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
    with tempfile.TemporaryDirectory() as tmp:
        lp = os.path.join(tmp, "fashion_labels.txt")
        with open(lp, "w") as f:
            f.write("\n".join(labels) + "\n")
        src = os.path.join(out_dir, "keras_a_1ch_int8.tflite")
        w = image_classifier.MetadataWriter.create_for_inference(writer_utils.load_file(src), [0.0], [255.0], [lp])
        dst = os.path.join(out_dir, "keras_a_1ch_int8_metadata.tflite")
        writer_utils.save_file(w.populate(), dst)
    with open(os.path.join(out_dir, "keras_a_1ch_int8_metadata.expect.json"), "w") as f:
        json.dump({"labels": labels, "mean": [0.0], "std": [255.0], "label_file": "fashion_labels.txt",
                   "metadata": json.loads(w.get_metadata_json())}, f, indent=1, sort_keys=True)
    print(f"keras_a_1ch_int8_metadata: {os.path.getsize(dst)} bytes")


# ---------------------------------------------------------------------------- ONNX

def torch_model(channels):
    import torch
    import torch.nn as nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.c1 = nn.Conv2d(channels, 8, 3, stride=2, padding=1)
            self.bn1 = nn.BatchNorm2d(8)
            self.dw = nn.Conv2d(8, 8, 3, padding=1, groups=8)
            self.pw = nn.Conv2d(8, 8, 1)
            self.pool = nn.MaxPool2d(2)
            self.c2 = nn.Conv2d(8, 16, 3, stride=2, padding=1)
            self.avg = nn.AvgPool2d(2, count_include_pad=False)
            self.fc = nn.Linear(16, 10)

        def forward(self, x):
            x = torch.clamp(self.bn1(self.c1(x)), 0.0, 6.0)   # ReLU6 as Clip
            y = torch.relu(self.pw(torch.relu(self.dw(x))))
            x = torch.relu(x + y)                              # residual add
            x = self.pool(x)
            x = torch.relu(self.c2(x))
            x = x.mean(dim=(2, 3))                             # ReduceMean over H, W
            return torch.softmax(self.fc(x), dim=1)

    class NetB(nn.Module):
        """Flatten + Gemm after a spatial tensor: exercises the CHW→HWC column permutation."""
        def __init__(self):
            super().__init__()
            self.c1 = nn.Conv2d(channels, 6, 3, padding=(1, 2))
            self.dw = nn.Conv2d(6, 6, 3, stride=2, padding=1, groups=6)
            self.avg = nn.AvgPool2d(2, stride=2, padding=1, count_include_pad=True)
            self.fc = nn.Linear(6 * 5 * 5, 10)

        def forward(self, x):
            x = torch.nn.functional.relu6(self.c1(x))
            x = torch.relu(self.dw(x))
            x = self.avg(x)
            x = torch.flatten(x, 1)
            return self.fc(x)

    torch.manual_seed(SEED)
    return Net().eval(), NetB().eval()


def onnx_expectations(path):
    import onnx
    from onnx import numpy_helper
    m = onnx.load(path)
    g = m.graph
    inits = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    nodes = [{"op": n.op_type, "inputs": list(n.input), "outputs": list(n.output)} for n in g.node]
    values = {k: [float(v) for v in a.reshape(-1)[:8]] for k, a in inits.items() if a.dtype == np.float32}
    shapes = {k: list(a.shape) for k, a in inits.items()}
    opset = [o.version for o in m.opset_import if o.domain in ("", "ai.onnx")][0]
    return {"nodes": nodes, "initializer_values": values, "initializer_shapes": shapes,
            "opset": int(opset), "input": g.input[0].name, "output": g.output[0].name,
            "metadata_props": {p.key: p.value for p in m.metadata_props}}


def onnx_logits(path, x):
    """onnxruntime's value of the Softmax's input (the graph output when there is none)."""
    import onnx
    import onnxruntime as ort
    m = onnx.load(path)
    sm = [n for n in m.graph.node if n.op_type == "Softmax"]
    if sm:
        m.graph.output.append(onnx.helper.make_empty_tensor_value_info(sm[0].input[0]))
    sess = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    return np.concatenate([sess.run(None, {"input": x[k:k + 1]})[-1] for k in range(len(x))])


def make_onnx(out_dir, versions):
    import torch
    import onnx
    import onnxruntime as ort
    versions.update({"torch": torch.__version__, "onnx": onnx.__version__, "onnxruntime": ort.__version__,
                     "onnxscript": _pkg_version("onnxscript")})
    net_a, net_b = torch_model(1)
    # A few BatchNorm statistics that are not the identity, so folding is visible.
    with torch.no_grad():
        net_a.bn1.running_mean.uniform_(-0.2, 0.2)
        net_a.bn1.running_var.uniform_(0.5, 1.5)
        net_a.bn1.weight.uniform_(0.5, 1.5)
        net_a.bn1.bias.uniform_(-0.1, 0.1)
    labels = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
    for name, net, opset, size in (("torch_a_opset13", net_a, 13, 28), ("torch_a_opset17", net_a, 17, 28),
                                   ("torch_b_opset13", net_b, 13, 16), ("torch_a_dynamo_opset18", net_a, 18, 28)):
        path = os.path.join(out_dir, name + ".onnx")
        dummy = torch.zeros(1, 1, size, size)
        kwargs = dict(opset_version=opset, input_names=["input"], output_names=["output"])
        # The TorchScript exporter for the first three; torch's default (dynamo, needs
        # onnxscript) for the last, since that is what new users' exports come from.
        if "dynamo" in name:
            kwargs["external_data"] = False  # weights inside the file (the importer refuses external data)
        torch.onnx.export(net, dummy, path, dynamo="dynamo" in name, **kwargs)
        m = onnx.load(path)
        if name.startswith("torch_a"):
            # Class names the way many exporters store them: one metadata_props entry.
            p = m.metadata_props.add()
            p.key, p.value = "labels", json.dumps(labels)
            onnx.save(m, path)
        exp = onnx_expectations(path)
        x = images(N_EXPECT, 1, size, train=False).transpose(0, 3, 1, 2).copy()  # NCHW
        sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        y = sess.run(None, {"input": x[0:1]})[0]
        ys = np.concatenate([sess.run(None, {"input": x[k:k + 1]})[0] for k in range(N_EXPECT)])
        np.save(os.path.join(out_dir, name + ".logits.npy"), onnx_logits(path, x))
        with torch.no_grad():
            yt = net(torch.from_numpy(x)).numpy()
        assert np.max(np.abs(yt - ys)) < 1e-4, "onnxruntime disagrees with PyTorch"
        exp.update({"converter": f"torch {torch.__version__} torch.onnx.export", "reference_runtime": "onnxruntime",
                    "input_shape_nchw": [1, size, size], "softmax": name.startswith("torch_a")})
        with open(os.path.join(out_dir, name + ".expect.json"), "w") as f:
            json.dump(exp, f, indent=1, sort_keys=True)
        np.save(os.path.join(out_dir, name + ".inputs.npy"), x)
        np.save(os.path.join(out_dir, name + ".outputs.npy"), ys)
        print(f"{name}: {os.path.getsize(path)} bytes, {len(exp['nodes'])} nodes, y0 {y.shape}")


def make_onnx_helper(out_dir):
    """Operators torch.onnx.export does not emit for the nets above (an unfused
    BatchNormalization, auto_pad, Pad, GlobalAveragePool, Squeeze, MatMul+Add, Gemm with
    alpha/beta, Identity, Reshape), built with onnx.helper and run by onnxruntime."""
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(SEED)

    def init(name, shape, lo=-0.5, hi=0.5):
        return numpy_helper.from_array(rng.uniform(lo, hi, size=shape).astype(np.float32), name)
    inits = [init("w1", (4, 1, 3, 3)), init("b1", (4,)),
             init("bn_s", (4,), 0.5, 1.5), init("bn_b", (4,)), init("bn_m", (4,), -0.2, 0.2),
             init("bn_v", (4,), 0.5, 1.5),
             init("wdw", (4, 1, 3, 3)),
             numpy_helper.from_array(np.array([0, 0, 1, 0, 0, 0, 0, 1], np.int64), "pads"),
             init("w2", (6, 4, 3, 3)),
             numpy_helper.from_array(np.array([2, 3], np.int64), "sq_axes"),
             init("mm", (6, 8)), init("mm_b", (8,)), init("gw", (10, 8)), init("gb", (10,)),
             numpy_helper.from_array(np.array([1, 8], np.int64), "shape")]
    nodes = [
        helper.make_node("Conv", ["input", "w1", "b1"], ["c1"], kernel_shape=[3, 3], auto_pad="SAME_UPPER", strides=[2, 2]),
        helper.make_node("BatchNormalization", ["c1", "bn_s", "bn_b", "bn_m", "bn_v"], ["bn"], epsilon=1e-3),
        helper.make_node("Relu", ["bn"], ["r1"]),
        helper.make_node("Conv", ["r1", "wdw"], ["dw"], group=4, kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["dw"], ["dwc"]),
        helper.make_node("Pad", ["dwc", "pads"], ["padded"], mode="constant"),
        helper.make_node("AveragePool", ["padded"], ["ap"], kernel_shape=[2, 2], strides=[2, 2], pads=[0, 0, 1, 1],
                         count_include_pad=1),
        helper.make_node("Conv", ["ap", "w2"], ["c2"], kernel_shape=[3, 3], auto_pad="VALID"),
        helper.make_node("GlobalAveragePool", ["c2"], ["gap"]),
        helper.make_node("Squeeze", ["gap", "sq_axes"], ["sq"]),
        helper.make_node("Identity", ["sq"], ["id"]),
        helper.make_node("MatMul", ["id", "mm"], ["mmo"]),
        helper.make_node("Add", ["mmo", "mm_b"], ["mma"]),
        helper.make_node("Reshape", ["mma", "shape"], ["rs"]),
        helper.make_node("Gemm", ["rs", "gw", "gb"], ["output"], transB=1, alpha=0.5, beta=2.0),
    ]
    graph = helper.make_graph(nodes, "helper", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 1, 15, 15])],
                              [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 10])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="onnx.helper")
    model.ir_version = 8
    onnx.checker.check_model(model)
    name = "onnx_helper_opset13"
    path = os.path.join(out_dir, name + ".onnx")
    onnx.save(model, path)
    exp = onnx_expectations(path)
    x = images(N_EXPECT, 1, 15, train=False).transpose(0, 3, 1, 2).copy()
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    ys = np.concatenate([sess.run(None, {"input": x[k:k + 1]})[0] for k in range(N_EXPECT)])
    np.save(os.path.join(out_dir, name + ".logits.npy"), ys)
    exp.update({"converter": f"onnx {onnx.__version__} onnx.helper", "reference_runtime": "onnxruntime",
                "input_shape_nchw": [1, 15, 15], "softmax": False})
    with open(os.path.join(out_dir, name + ".expect.json"), "w") as f:
        json.dump(exp, f, indent=1, sort_keys=True)
    np.save(os.path.join(out_dir, name + ".inputs.npy"), x)
    np.save(os.path.join(out_dir, name + ".outputs.npy"), ys)
    print(f"{name}: {os.path.getsize(path)} bytes, {len(exp['nodes'])} nodes")


def _pkg_version(name):
    from importlib.metadata import version
    return version(name)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", choices=["tflite", "onnx"])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "import"))
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    vpath = os.path.join(a.out, "versions.json")
    versions = json.load(open(vpath)) if os.path.exists(vpath) else {}
    versions["numpy"] = np.__version__
    versions["python"] = sys.version.split()[0]
    if a.only in (None, "tflite"):
        make_tflite(a.out, versions)
    if a.only in (None, "onnx"):
        make_onnx(a.out, versions)
        make_onnx_helper(a.out)
    with open(vpath, "w") as f:
        json.dump(versions, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
