#!/usr/bin/env bash
# The SIMD int8 kernels against the scalar reference (the spec) on whole shipped models:
# every quantised model in models/ classifies the Fashion-MNIST test set (10k images by
# default) with `--kernels reference` and `--kernels auto`, and the int8 logits of every
# image must be byte-identical. The kernels' own conformance test covers shapes; this
# covers the nets as shipped, with their real parameters.
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
exit $status
