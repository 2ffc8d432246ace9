#!/usr/bin/env bash
# The C code under AddressSanitizer and UndefinedBehaviorSanitizer: the int8 kernels with
# their conformance test, and the image shim with its check (every prefix, random
# corruptions). Any report fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${TMPDIR:-/tmp}/edge-audit-sanitize
mkdir -p "$OUT"
FLAGS="-g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
mapfile -t KERNEL_C < <(find Sources/CEdgeKernels -name '*.c' | sort)
cc $FLAGS -ISources/CEdgeKernels/include -ISources/CEdgeKernels/internal "${KERNEL_C[@]}" KernelTests/conformance.c -lm -o "$OUT/conformance"
"$OUT/conformance" 20261122 400
cc $FLAGS -ISources/CImageIO/include Sources/CImageIO/*.c KernelTests/image_shim_check.c -lpng -ljpeg -lz -o "$OUT/image-shim"
"$OUT/image-shim"
echo "sanitizers: clean"
