#!/usr/bin/env bash
# The test command: installs what is needed, then runs every test suite: the Swift tests
# (debug build, small shapes), the short reproducibility recipes (scripts/reproduce-models.sh
# --quick), every shipped int8 model on the test set with the SIMD and the reference kernels
# (scripts/check-kernels-agree.sh), the int8 kernel conformance test natively and for AArch64 under qemu (with and
# without the dot-product extension).
set -euo pipefail
cd "$(dirname "$0")/.."
# Float results depend on the kernel family OpenBLAS picks for the CPU (Cooperlake's AVX-512
# kernels sum in another order than Haswell's); the tests that pin float bits and the shipped
# models use Haswell's, which runs on any x86-64 CPU with AVX2 and FMA.
if [ "$(uname -m)" = x86_64 ]; then export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell}; fi
scripts/setup.sh
python3 scripts/check_sizes.py
swift build --build-tests
swift test --skip-build
# Training and quantisation numerics against the committed digests (debug build: same bits).
EDGE_AUDIT=.build/debug/edge-audit scripts/reproduce-models.sh --quick
BIN=.build/debug/edge-audit scripts/check-kernels-agree.sh
scripts/test-arm.sh
scripts/test-device.sh
scripts/sanitize.sh
