#!/usr/bin/env bash
# The SIMD int8 kernels against the scalar reference (the spec) on whole shipped models:
# every quantised model in models/ classifies the Fashion-MNIST test set (10k images by
# default) with `--kernels reference` and `--kernels auto`, and the int8 logits of every
# image must be byte-identical. The kernels' own conformance test covers shapes; this
# covers the nets as shipped, with their real parameters, and the imported MobileNet-style
# fixture (TFLiteConverter's depthwise and pointwise layers, with a generated label file).
#   scripts/check-kernels-agree.sh [LIMIT]      (needs a release build and data/fashion-mnist-test)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/release/edge-audit}
DATA=${DATA:-data/fashion-mnist-test}
LIMIT=${1:-10000}
[ -d "$DATA" ] || "$BIN" data fashion-mnist --split test --out "$DATA"
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
status=0
for m in models/*-q.bin; do
  name=$(basename "$m" .bin)
  for k in reference auto; do
    "$BIN" predict "$m" --images "$DATA" --net int8 --kernels "$k" --logits --limit "$LIMIT" --format csv >"$OUT/$name.$k.csv" 2>"$OUT/$name.$k.err"
  done
  n=$(($(wc -l <"$OUT/$name.auto.csv") - 1))
  if cmp -s "$OUT/$name.reference.csv" "$OUT/$name.auto.csv"; then
    echo "$name: $n images, int8 logits identical (reference vs $("$BIN" bench "$m" --seconds 0.01 --batch 1 --threads 1 --quiet | sed -n 's/.*int8 (\([a-z0-9]*\)).*/\1/p'))"
  else
    echo "$name: int8 logits DIFFER between --kernels reference and auto" >&2
    diff "$OUT/$name.reference.csv" "$OUT/$name.auto.csv" | head -5 >&2
    status=1
  fi
done
# The imported MobileNet-style net (28×28×1 input, 10 classes, no labels in the file).
MOBILE=Tests/Fixtures/import/keras_mobilenet_int8.tflite
if [ -f "$MOBILE" ]; then
  # Fashion-MNIST's classes in output order, named as the data command names the folders.
  printf '%s\n' T-shirt-top Trouser Pullover Dress Coat Sandal Shirt Sneaker Bag Ankle-boot >"$OUT/labels.txt"
  for k in reference auto; do
    "$BIN" predict "$MOBILE" --labels "$OUT/labels.txt" --images "$DATA" --net int8 --kernels "$k" --logits --limit "$LIMIT" --format csv >"$OUT/mobile.$k.csv" 2>"$OUT/mobile.$k.err"
  done
  n=$(($(wc -l <"$OUT/mobile.auto.csv") - 1))
  if [ "$n" -gt 0 ] && cmp -s "$OUT/mobile.reference.csv" "$OUT/mobile.auto.csv"; then
    echo "keras_mobilenet_int8 (imported): $n images, int8 logits identical"
  else
    echo "keras_mobilenet_int8 (imported): int8 logits DIFFER between --kernels reference and auto (or no output)" >&2
    tail -3 "$OUT/mobile.auto.err" >&2
    status=1
  fi
fi
exit $status
