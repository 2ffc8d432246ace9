#!/usr/bin/env bash
# The main job on a fresh machine: install, build, export the Fashion-MNIST test set as
# PNG class folders, and evaluate the shipped model on it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release
BIN=.build/release/edge-audit
DATA=data/fashion-mnist-test
[ -d "$DATA" ] || $BIN data fashion-mnist --split test --out "$DATA"
$BIN inspect models/fashion-lenet5.bin
$BIN predict models/fashion-lenet5.bin --images "$DATA" --format csv > predictions.csv
echo "per-image predictions in predictions.csv"
