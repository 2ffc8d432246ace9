#!/usr/bin/env bash
# The main job on a fresh machine: install, build, export the Fashion-MNIST test set as
# PNG class folders, and audit the shipped LeNet-5 (float vs int8) on it.
#   PROFILE=quick scripts/demo.sh     (1000 images, under a minute)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release
BIN=.build/release/edge-audit
DATA=data/fashion-mnist-test
[ -d "$DATA" ] || $BIN data fashion-mnist --split test --out "$DATA"
$BIN models/fashion-lenet5.bin --images "$DATA" --profile "${PROFILE:-default}" \
  --gates docs/gates.example.toml --out edge-audit-report
echo "open edge-audit-report/report.html"
