#!/usr/bin/env python3
"""The MobileNet-style int8 fixture (depthwise + pointwise) from the REAL converter.

Optional tool, never run by CI (tensorflow-cpu, tflite-micro, numpy; the helpers of
scripts/make_import_fixtures.py). A Keras net on 28×28×1 Fashion-MNIST in MobileNet v1's
pattern — stem Conv 3×3 stride 2 (16 channels) + BN + ReLU6, then four blocks of
DepthwiseConv2D 3×3 + BN + ReLU6 → Conv 1×1 + BN + ReLU6 with 16→32→64→64→64 channels
(the second block stride 2), GlobalAveragePooling2D, Dense 10, Softmax — trained for two
epochs on 8192 training images (fixed seed) so activations have real ranges, then converted
by TFLiteConverter to full-integer int8 (int8 input and output, 200 training images as the
representative set). Writes into Tests/Fixtures/import/ (or --out DIR), in the fixture
layout of Tests/Fixtures/import/README.md:
  keras_mobilenet_int8.tflite        the converter's file (~25 KB)
  keras_mobilenet_int8.expect.json   the op list and tensors as TensorFlow's interpreter reports them
  keras_mobilenet_int8.inputs.npy    the first 16 test images as the int8 input tensor
  keras_mobilenet_int8.outputs.npy   TensorFlow Lite Micro's int8 softmax outputs for them
  keras_mobilenet_int8.logits.npy    TFLite Micro's int8 logits (the softmax's input)
Re-running it gives the same bytes (op determinism on; checked with tensorflow-cpu 2.21.0).
Benchmarks/int8_vs_xnnpack.py times the .tflite against LiteRT + XNNPACK and checks the
engine against TFLite Micro on more images.
usage: scripts/make_mobilenet_fixture.py [--out DIR]
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_import_fixtures as m  # noqa: E402

NAME = "keras_mobilenet_int8"
BLOCKS = ((1, 32), (2, 64), (1, 64), (1, 64))   # (depthwise stride, pointwise channels)


def keras_mobilenet():
    import tensorflow as tf
    from tensorflow import keras
    L = keras.layers
    keras.utils.set_random_seed(m.SEED)
    tf.config.experimental.enable_op_determinism()
    inp = keras.Input((28, 28, 1))
    x = L.Conv2D(16, 3, strides=2, padding="same", use_bias=False)(inp)
    x = L.ReLU(6.0)(L.BatchNormalization(momentum=0.9)(x))
    for stride, channels in BLOCKS:
        x = L.DepthwiseConv2D(3, strides=stride, padding="same", use_bias=False)(x)
        x = L.ReLU(6.0)(L.BatchNormalization(momentum=0.9)(x))
        x = L.Conv2D(channels, 1, use_bias=False)(x)
        x = L.ReLU(6.0)(L.BatchNormalization(momentum=0.9)(x))
    x = L.GlobalAveragePooling2D()(x)
    out = L.Softmax()(L.Dense(10)(x))
    model = keras.Model(inp, out)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(m.images(8192, 1, 28), m.fashion_labels(8192), epochs=2, batch_size=64, verbose=0)
    return model


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests/Fixtures/import"))
    a = ap.parse_args()
    import tensorflow as tf
    model = keras_mobilenet()
    blob = m.convert(model, 1, 28, "int8")
    it, exp = m.tflite_expectations(blob)
    xin = m.quantize_input(m.images(m.N_EXPECT, 1, 28, train=False), it.get_input_details()[0])
    logits_index = [o for o in exp["ops"] if o["op"] == "SOFTMAX"][0]["inputs"][0]
    y, logits, runtime_name = m.reference_outputs(blob, "int8", xin, logits_index)
    exp["logits_tensor"] = logits_index
    exp.update({"converter": f"tensorflow {tf.__version__} TFLiteConverter", "mode": "int8",
                "reference_runtime": runtime_name, "input_shape_nhwc": [28, 28, 1]})
    base = os.path.join(a.out, NAME)
    with open(base + ".tflite", "wb") as f:
        f.write(blob)
    with open(base + ".expect.json", "w") as f:
        json.dump(exp, f, indent=1, sort_keys=True)
    np.save(base + ".inputs.npy", xin)
    np.save(base + ".outputs.npy", y)
    np.save(base + ".logits.npy", logits)
    test = m.images(1000, 1, 28, train=False)
    import gzip
    with gzip.open("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz", "rb") as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)[:1000]
    acc = float(np.mean(np.argmax(model.predict(test, verbose=0), 1) == labels))
    print(f"{NAME}: {len(blob)} bytes, ops {[o['op'] for o in exp['ops']]}, float accuracy on 1000 test images {acc:.3f}, "
          f"reference {runtime_name}")


if __name__ == "__main__":
    main()
