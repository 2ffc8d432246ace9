#!/usr/bin/env python3
"""More architectures from the real converters, for trying the importer beyond the fixtures.

Optional tool, never run by CI (same Python packages as make_import_fixtures.py plus
onnxscript). Writes Keras → TFLite (float and int8) and PyTorch → ONNX (TorchScript
exporter at opsets 11 and 15, dynamo exporter at 18 and 21) models into DIR, with
NAME.inputs/outputs/logits.npy in the fixture layout; then
    EDGE_IMPORT_EXTRA=DIR swift test --filter testExtraModelsFromEnvironment
imports each and compares the float ones with their runtime (largest difference printed).
Architectures: BatchNorm after bias-free convs, SeparableConv2D, MaxPool SAME, Dropout,
static-batch Flatten, dense ReLU stacks, GAP with keepdims and a 1×1-conv head (Keras);
ResNet basic blocks with strided 1×1 shortcuts, ReLU6/Hardtanh, AdaptiveAvgPool + view,
LeNet-5 (PyTorch).
usage: scripts/make_import_stress.py DIR
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_import_fixtures as m  # noqa: E402


def save_tflite(out, name, model, c, s):
    for mode in ("float", "int8"):
        blob = m.convert(model, c, s, mode)
        it, exp = m.tflite_expectations(blob)
        xin = m.quantize_input(m.images(16, c, s, train=False), it.get_input_details()[0])
        sm = [o for o in exp["ops"] if o["op"] == "SOFTMAX"]
        y, logits, _ = m.reference_outputs(blob, mode, xin, sm[0]["inputs"][0] if sm else exp["output"])
        base = os.path.join(out, f"{name}_{mode}")
        open(base + ".tflite", "wb").write(blob)
        np.save(base + ".inputs.npy", xin)
        np.save(base + ".outputs.npy", y)
        np.save(base + ".logits.npy", logits)
        print(name, mode, [o["op"] for o in exp["ops"]])


def keras_models(out):
    from tensorflow import keras
    L = keras.layers
    inp = keras.Input((28, 28, 1), batch_size=1)
    x = L.Conv2D(8, 3, padding="same", use_bias=False)(inp)
    x = L.ReLU()(L.BatchNormalization()(x))
    x = L.MaxPooling2D(3, strides=2, padding="same")(x)
    x = L.SeparableConv2D(16, 3, padding="same", activation="relu")(x)
    y = L.Conv2D(16, 1, strides=2)(x)
    x = L.DepthwiseConv2D(3, strides=2, padding="same")(x)
    x = L.Activation("relu6")(L.BatchNormalization()(x))
    x = L.Add()([L.Conv2D(16, 1)(x), y])
    x = L.Flatten()(L.Dropout(0.2)(L.Activation("relu")(x)))
    x = L.Dense(32, activation="relu")(x)
    k1 = keras.Model(inp, L.Dense(10, activation="softmax")(x))
    m.train_briefly(k1, 1, 28)
    save_tflite(out, "k1", k1, 1, 28)

    inp = keras.Input((16, 16, 3))
    x = L.Conv2D(8, 5, strides=2, padding="same", activation="relu6")(inp)
    x = L.AveragePooling2D(3, strides=1, padding="same")(x)
    x = L.DepthwiseConv2D(3, padding="valid", activation="relu")(x)
    x = L.GlobalAveragePooling2D(keepdims=True)(x)
    k2 = keras.Model(inp, L.Reshape((10,))(L.Conv2D(10, 1)(x)))
    k2.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    k2.fit(m.images(512, 3, 16), m.fashion_labels(512), epochs=1, verbose=0)
    save_tflite(out, "k2", k2, 3, 16)


def torch_models(out):
    import onnx
    import onnxruntime as ort
    import torch
    import torch.nn as nn

    class Block(nn.Module):
        def __init__(self, i, o, st):
            super().__init__()
            self.c1, self.b1 = nn.Conv2d(i, o, 3, st, 1, bias=False), nn.BatchNorm2d(o)
            self.c2, self.b2 = nn.Conv2d(o, o, 3, 1, 1, bias=False), nn.BatchNorm2d(o)
            self.sc = (nn.Sequential(nn.Conv2d(i, o, 1, st, bias=False), nn.BatchNorm2d(o))
                       if st != 1 or i != o else nn.Identity())

        def forward(self, x):
            return torch.relu(self.b2(self.c2(torch.relu(self.b1(self.c1(x))))) + self.sc(x))

    class ResNetish(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, 1, 1), nn.BatchNorm2d(8), nn.ReLU(inplace=True),
                                      nn.MaxPool2d(3, 2, 1))
            self.b1, self.b2 = Block(8, 8, 1), Block(8, 16, 2)
            self.dw = nn.Sequential(nn.Conv2d(16, 16, 3, 1, 1, groups=16), nn.BatchNorm2d(16), nn.ReLU6(),
                                    nn.Conv2d(16, 16, 1), nn.Hardtanh(0, 6))
            self.pool, self.drop, self.fc = nn.AdaptiveAvgPool2d(1), nn.Dropout(0.3), nn.Linear(16, 10)

        def forward(self, x):
            x = self.dw(self.b2(self.b1(self.stem(x))))
            return self.fc(self.drop(self.pool(x).view(x.size(0), -1)))

    class LeNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.f = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.AvgPool2d(2), nn.Conv2d(6, 16, 5),
                                   nn.ReLU(), nn.MaxPool2d(2))
            self.c = nn.Sequential(nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                                   nn.Linear(84, 10))

        def forward(self, x):
            return torch.softmax(self.c(self.f(x)), -1)

    torch.manual_seed(1)
    for name, net, c, size in (("t1", ResNetish(), 3, 16), ("t2", LeNet(), 1, 28)):
        net.eval()
        for mod in net.modules():
            if isinstance(mod, nn.BatchNorm2d):
                with torch.no_grad():
                    mod.running_mean.uniform_(-.2, .2)
                    mod.running_var.uniform_(.5, 1.5)
                    mod.weight.uniform_(.5, 1.5)
                    mod.bias.uniform_(-.1, .1)
        for dynamo, opset in ((False, 11), (False, 15), (True, 18), (True, 21)):
            path = os.path.join(out, f"{name}_{'dyn' if dynamo else 'ts'}{opset}.onnx")
            kw = dict(opset_version=opset, input_names=["input"], output_names=["output"])
            if dynamo:
                kw["external_data"] = False
            torch.onnx.export(net, torch.zeros(1, c, size, size), path, dynamo=dynamo, **kw)
            x = m.images(16, c, size, train=False).transpose(0, 3, 1, 2).copy()
            sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
            ys = np.concatenate([sess.run(None, {"input": x[k:k + 1]})[0] for k in range(16)])
            base = path[:-len(".onnx")]
            np.save(base + ".inputs.npy", x)
            np.save(base + ".outputs.npy", ys)
            np.save(base + ".logits.npy", m.onnx_logits(path, x))
            print(path, [n.op_type for n in onnx.load(path).graph.node])


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    os.makedirs(sys.argv[1], exist_ok=True)
    keras_models(sys.argv[1])
    torch_models(sys.argv[1])
