#!/usr/bin/env bash
# Builds the on-device int8 runner, a static AArch64 Linux executable:
#   scripts/build-device.sh aarch64-linux         → .build/device/aarch64-linux/edge-run
#       linked against Debian's static glibc (the reference build; ~700 KB, most of it glibc)
#   scripts/build-device.sh aarch64-linux-nolibc  → .build/device/aarch64-linux-nolibc/edge-run
#       no C library: Device/edge-run/shim/nolibc.c supplies the entry point, the system
#       calls, an allocator and the few libc functions used (~200 KB, inside the 512 KiB budget)
# Embedded Swift (the toolchain's aarch64-none-none-elf target) for the runner and for the
# host sources it shares (the int8 layer types, the QNET codec, validation and cross-check
# against the float graph, the graph's shape rules, SafeName, ByteReader, CRC32),
# aarch64-linux-gnu-gcc for the C kernels and the libc shim, the toolchain's ld.lld (GNU ld
# fails on a copy relocation) against Debian's static glibc. No SDK download.
# Idempotent: when no input changed since the last build it only says so.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET=${1:-aarch64-linux}
case "$TARGET" in
  aarch64-linux | aarch64-linux-nolibc) ;;
  *) echo "usage: scripts/build-device.sh aarch64-linux|aarch64-linux-nolibc" >&2; exit 2 ;;
esac
for tool in swiftc aarch64-linux-gnu-gcc; do
  command -v "$tool" >/dev/null || { echo "$tool missing: run scripts/setup.sh" >&2; exit 1; }
done
OUT=.build/device/$TARGET
OBJ=$OUT/obj
TOOLBIN=$(dirname "$(readlink -f "$(command -v swiftc)")")
DEV=Device/edge-run
KERNELS=Sources/CEdgeKernels
# Host files compiled into the runner unchanged: the single source of the rules they hold.
SHARED=(
  Sources/EdgeCore/ByteReader.swift
  Sources/EdgeCore/CRC32.swift
  Sources/EdgeCore/EdgeError.swift
  Sources/EdgeCore/SafeName.swift
  Sources/EdgeCore/SHA256.swift
  Sources/EdgeCore/Shape.swift
  Sources/EdgeModel/Graph.swift
  Sources/EdgeModel/LayerSpecs.swift
  Sources/EdgeQuant/QConvLayer.swift
  Sources/EdgeQuant/QLayers.swift
  Sources/EdgeQuant/QuantParams.swift
  Sources/EdgeQuant/QuantizedGraph.swift
  Sources/EdgeQuant/QuantizedGraph+Codec.swift
  Sources/EdgeQuant/QuantizedGraph+CrossCheck.swift
  Sources/EdgeQuant/QuantizedGraph+Validate.swift
)
SWIFT_SOURCES=("$DEV"/Sources/*.swift "${SHARED[@]}")
if [ "$TARGET" = aarch64-linux ]; then SHIM=$DEV/shim/edge_run_shim.c; else SHIM=$DEV/shim/nolibc.c; fi
mapfile -t KERNEL_C < <(find "$KERNELS" -name '*.c' | sort)
C_SOURCES=("${KERNEL_C[@]}" "$SHIM")
SWIFTFLAGS=(-target aarch64-none-none-elf -enable-experimental-feature Embedded -wmo -Osize -parse-as-library
            -module-name EdgeRun -I "$OBJ/stubs" -I "$DEV/shim" -Xcc -I"$KERNELS/include")
CFLAGS=(-O2 -march=armv8-a -Wall -ffunction-sections -fdata-sections -I"$KERNELS/include" -I"$KERNELS/internal")
# The libc-free shim must not have its loops turned into calls to memcpy/memset (itself).
NOLIBC_CFLAGS=(-ffreestanding -fno-builtin -fno-tree-loop-distribute-patterns -fno-stack-protector)
LDFLAGS=(-static -fuse-ld=lld "-B$TOOLBIN" -Wl,--gc-sections -s)
[ "$TARGET" = aarch64-linux-nolibc ] && LDFLAGS+=(-nostdlib)

# Everything that determines the binary, hashed: unchanged inputs mean nothing to do.
STAMP=$( { cat "$0" "${SWIFT_SOURCES[@]}" "${C_SOURCES[@]}" "$KERNELS"/internal/*.h "$KERNELS"/include/*.h "$DEV"/shim/*.h "$DEV"/shim/module.modulemap
           swiftc --version 2>&1; aarch64-linux-gnu-gcc --version; } | sha256sum | cut -c1-16)
if [ -x "$OUT/edge-run" ] && [ "$(cat "$OUT/.stamp" 2>/dev/null)" = "$STAMP" ]; then
  echo "edge-run up to date: $OUT/edge-run"
  exit 0
fi
rm -rf "$OBJ"
mkdir -p "$OBJ/stubs"
# The shared files say `import EdgeCore` / `import EdgeModel`; in the runner they are one
# module, so those imports resolve to empty stand-in modules.
: > "$OBJ/stubs/empty.swift"
for m in EdgeCore EdgeModel; do
  swiftc -target aarch64-none-none-elf -enable-experimental-feature Embedded -parse-as-library -wmo \
    -emit-module -module-name "$m" -o "$OBJ/stubs/$m.swiftmodule" "$OBJ/stubs/empty.swift"
done
swiftc "${SWIFTFLAGS[@]}" -c "${SWIFT_SOURCES[@]}" -o "$OBJ/edge-run-swift.o"
objs=("$OBJ/edge-run-swift.o")
for c in "${C_SOURCES[@]}"; do
  o="$OBJ/$(echo "${c%.c}" | tr / _).o"
  extra=()
  [ "$c" = "$DEV/shim/nolibc.c" ] && extra=("${NOLIBC_CFLAGS[@]}")
  aarch64-linux-gnu-gcc "${CFLAGS[@]}" "${extra[@]}" -c "$c" -o "$o"
  objs+=("$o")
done
# Unicode tables: only what String comparison/hashing in the shared code pulls in (gc'd otherwise).
UNICODE=$TOOLBIN/../lib/swift/embedded/aarch64-none-none-elf/libswiftUnicodeDataTables.a
aarch64-linux-gnu-gcc "${LDFLAGS[@]}" "${objs[@]}" "$UNICODE" -lgcc -o "$OUT/edge-run.tmp"
mv "$OUT/edge-run.tmp" "$OUT/edge-run"
echo "$STAMP" > "$OUT/.stamp"
echo "built $OUT/edge-run ($(stat -c %s "$OUT/edge-run") bytes)"
