#!/usr/bin/env python3
"""Int8 nets as teams ship them to small boards, for the speed comparison only.

Optional tool, never run by CI (tensorflow-cpu, numpy). Keras's own application nets at
96×96×3 (the Visual Wake Words size), untrained, their batch-norm statistics set from one
forward pass over calibration images (so every layer's activations have real ranges rather
than the initial identity statistics), then converted by TFLiteConverter to full-integer int8
(int8 input and output, per-channel weights, 200 seeded calibration images):

  mobilenet_v1_025_96.tflite  keras.applications.MobileNet(alpha=0.25): 8…256 channels,
                              ZeroPadding2D + valid stride-2 depthwise layers (PAD ops)
  mobilenet_v2_035_96.tflite  keras.applications.MobileNetV2(alpha=0.35): inverted residuals
                              (expansion 1×1 with ReLU6, depthwise, linear projection, ADD),
                              8, 16, 24, 32, 56, 112 channels and 6× expansions of them

Their channel counts are not the 16/32/64 of the shipped nets, which is the point: they check
that the fast paths hold on shapes the project did not pick. Speed only: weights are random,
so the class outputs mean nothing (bit-exactness is still checked, by
Benchmarks/int8_vs_xnnpack.py on seeded random images against TensorFlow Lite Micro).
Re-running gives the same bytes (op determinism on; tensorflow-cpu 2.21.0).
usage: Benchmarks/make_mobilenet_zoo.py [--out DIR]     (default /tmp/edge-audit-zoo)
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts"))
import make_import_fixtures as m  # noqa: E402

SIZE = 96


def calibration(n):
    """Fashion-MNIST images scaled up to 96×96 and coloured by a seeded tint (float in [0, 1])."""
    x = m.fashion(n)                                    # n × 28 × 28 × 1
    idx = (np.arange(SIZE) * 28) // SIZE                # nearest-neighbour upscale
    x = x[:, idx][:, :, idx]
    rng = np.random.default_rng(m.SEED)
    tint = rng.uniform(0.3, 1.0, size=(n, 1, 1, 3)).astype(np.float32)
    return np.clip(x * tint + 0.1 * rng.random((n, SIZE, SIZE, 3), dtype=np.float32), 0, 1).astype(np.float32)


def with_data_statistics(model, x):
    """Batch norm's moving mean and variance := the statistics of x's activations, layer by layer
    (momentum 0 for one training-mode pass; the weights themselves are not trained)."""
    from tensorflow import keras
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.momentum = 0.0
    model(x, training=True)
    return model


def build(name):
    import tensorflow as tf
    from tensorflow import keras
    keras.utils.set_random_seed(m.SEED)
    tf.config.experimental.enable_op_determinism()
    shape = (SIZE, SIZE, 3)
    if name == "mobilenet_v1_025_96":
        return keras.applications.MobileNet(input_shape=shape, alpha=0.25, weights=None, classes=10)
    if name == "mobilenet_v2_035_96":
        return keras.applications.MobileNetV2(input_shape=shape, alpha=0.35, weights=None, classes=10)
    raise SystemExit(f"unknown net {name}")


def convert(model, calib):
    import tensorflow as tf
    conv = tf.lite.TFLiteConverter.from_keras_model(model)

    def rep():
        for i in range(len(calib)):
            yield [calib[i:i + 1]]
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = rep
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    return conv.convert()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="/tmp/edge-audit-zoo")
    ap.add_argument("--nets", nargs="+", default=["mobilenet_v1_025_96", "mobilenet_v2_035_96"])
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    calib = calibration(200)
    for name in a.nets:
        model = with_data_statistics(build(name), calib[:64])
        blob = convert(model, calib)
        path = os.path.join(a.out, name + ".tflite")
        with open(path, "wb") as f:
            f.write(blob)
        print(f"{path}: {len(blob):,} bytes")


if __name__ == "__main__":
    main()
