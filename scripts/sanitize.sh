#!/usr/bin/env bash
# The C code under AddressSanitizer and UndefinedBehaviorSanitizer: the int8 kernels with
# their conformance test, the layer-splitting team with its check (also under
# ThreadSanitizer: the hand-off between threads), and the image shim with its check (every
# prefix, random corruptions). Any report fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${TMPDIR:-/tmp}/edge-audit-sanitize
mkdir -p "$OUT"
FLAGS="-g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
mapfile -t KERNEL_C < <(find Sources/CEdgeKernels -name '*.c' | sort)
INC="-ISources/CEdgeKernels/include -ISources/CEdgeKernels/internal -ISources/CEdgeTeam/include"
cc $FLAGS $INC "${KERNEL_C[@]}" KernelTests/conformance.c -lm -o "$OUT/conformance"
"$OUT/conformance" 20261122 400
cc $FLAGS $INC "${KERNEL_C[@]}" Sources/CEdgeTeam/team.c KernelTests/team_check.c -lpthread -o "$OUT/team-check"
"$OUT/team-check" 20261201 40
# gcc's ThreadSanitizer (the toolchain clang's runtime wants libdispatch): any race aborts.
TSAN_OPTIONS=halt_on_error=1 cc -g -O1 -fsanitize=thread $INC "${KERNEL_C[@]}" Sources/CEdgeTeam/team.c KernelTests/team_check.c -lpthread \
  -o "$OUT/team-check-tsan"
TSAN_OPTIONS=halt_on_error=1 "$OUT/team-check-tsan" 20261202 40
cc $FLAGS -ISources/CImageIO/include Sources/CImageIO/*.c KernelTests/image_shim_check.c -lpng -ljpeg -lz -o "$OUT/image-shim"
"$OUT/image-shim"
echo "sanitizers: clean"
