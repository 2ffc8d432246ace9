#!/usr/bin/env bash
# Cross-compiles the int8 kernels and their conformance test for AArch64 and runs it under
# qemu-aarch64: once on a CPU with the dot-product extension (-cpu max: NEON + sdot), once
# on a Cortex-A53 (ARMv8.0: NEON only). Also runs the same test natively, and the
# layer-splitting team's check under qemu.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=Sources/CEdgeKernels
OUT=${TMPDIR:-/tmp}/edge-audit-kernels
# Every kernel file: one op per folder, one ISA per file (config.c picks among them).
mapfile -t KERNEL_C < <(find $SRC -name '*.c' | sort)
mkdir -p "$OUT"
SEED=${1:-20261122}
CASES=${2:-1500}
echo "== native ($(uname -m))"
cc -O2 -Wall -I$SRC/include -I$SRC/internal "${KERNEL_C[@]}" KernelTests/conformance.c -lm -o "$OUT/conformance"
"$OUT/conformance" "$SEED" "$CASES"
if ! command -v aarch64-linux-gnu-gcc >/dev/null || ! command -v qemu-aarch64 >/dev/null; then
  echo "aarch64-linux-gnu-gcc or qemu-aarch64 missing: run scripts/setup.sh" >&2
  exit 1
fi
aarch64-linux-gnu-gcc -O2 -Wall -static -march=armv8-a -I$SRC/include -I$SRC/internal "${KERNEL_C[@]}" KernelTests/conformance.c -lm -o "$OUT/conformance-aarch64"
for cpu in max cortex-a53; do
  echo "== qemu-aarch64 -cpu $cpu"
  qemu-aarch64 -cpu "$cpu" "$OUT/conformance-aarch64" "$SEED" "$CASES"
done
# The layer-splitting team (Sources/CEdgeTeam) on AArch64: threads under qemu-user, adds
# split over them (AArch64 convolutions run unsplit: ea_conv_plan_rows_ok is 0 there).
aarch64-linux-gnu-gcc -O2 -Wall -static -march=armv8-a -I$SRC/include -I$SRC/internal -ISources/CEdgeTeam/include "${KERNEL_C[@]}" \
  Sources/CEdgeTeam/team.c KernelTests/team_check.c -lpthread -o "$OUT/team-check-aarch64"
echo "== qemu-aarch64 -cpu max: team"
qemu-aarch64 -cpu max "$OUT/team-check-aarch64" "$SEED" 10
