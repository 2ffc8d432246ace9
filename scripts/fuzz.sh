#!/usr/bin/env bash
# Builds the libFuzzer targets and runs each for SECONDS (default 60):
#   model  — model.bin loader (Swift, -sanitize=fuzzer,address), with and without checksums
#   device — the board runner's model loader against the host's, differentially
#   image  — PNG/JPEG decoders (C shim, -fsanitize=fuzzer,address,undefined)
# Crashes are written to Fuzz/findings/; minimise them into Tests/Fixtures/hostile/ with a
# regression test.   usage: scripts/fuzz.sh [SECONDS] [model|device|image|all]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-60}
WHICH=${2:-all}
OUT=${TMPDIR:-/tmp}/edge-audit-fuzz
mkdir -p "$OUT/src" Fuzz/findings
if [ "$WHICH" = all ] || [ "$WHICH" = model ]; then
  rm -f "$OUT"/src/*.swift
  # One module: copy the parsing sources and drop their cross-module imports.
  for f in Sources/EdgeCore/*.swift Sources/EdgeModel/*.swift Sources/EdgeQuant/QuantMath.swift Sources/EdgeQuant/QuantParams.swift \
           Sources/EdgeQuant/QConvLayer.swift Sources/EdgeQuant/QLayers.swift \
           Sources/EdgeQuant/QuantizedGraph.swift Sources/EdgeQuant/QuantizedGraph+Codec.swift \
           Sources/EdgeQuant/QuantizedGraph+Validate.swift Sources/EdgeQuant/QuantizedGraph+CrossCheck.swift \
           Sources/EdgeQuant/QuantizedModelFile.swift Fuzz/ModelLoaderFuzz.swift; do
    sed -e '/^import EdgeCore$/d' -e '/^import EdgeModel$/d' "$f" > "$OUT/src/$(basename "$f")"
  done
  swiftc -O -g -sanitize=fuzzer,address -parse-as-library -module-name FuzzModel "$OUT"/src/*.swift -o "$OUT/fuzz-model"
  mkdir -p "$OUT/corpus-model"
  cp Fuzz/corpus/model/* "$OUT/corpus-model/"
  "$OUT/fuzz-model" -max_total_time="$SECONDS_EACH" -max_len=400000 -artifact_prefix=Fuzz/findings/model- \
    -print_final_stats=1 "$OUT/corpus-model" 2>&1 | tail -12
fi
if [ "$WHICH" = all ] || [ "$WHICH" = device ]; then
  # The board runner's loader against the host's, differentially (Fuzz/DeviceLoaderFuzz.swift).
  rm -rf "$OUT/src-device"
  mkdir -p "$OUT/src-device"
  for f in Sources/EdgeCore/*.swift Sources/EdgeModel/*.swift Sources/EdgeQuant/QuantMath.swift Sources/EdgeQuant/QuantParams.swift \
           Sources/EdgeQuant/QConvLayer.swift Sources/EdgeQuant/QLayers.swift \
           Sources/EdgeQuant/QuantizedGraph.swift Sources/EdgeQuant/QuantizedGraph+Codec.swift \
           Sources/EdgeQuant/QuantizedGraph+Validate.swift Sources/EdgeQuant/QuantizedGraph+CrossCheck.swift \
           Sources/EdgeQuant/QuantizedModelFile.swift \
           Device/edge-run/Sources/ModelSections.swift Device/edge-run/Sources/ModelLoader.swift Fuzz/DeviceLoaderFuzz.swift; do
    sed -e '/^import EdgeCore$/d' -e '/^import EdgeModel$/d' "$f" > "$OUT/src-device/$(basename "$f")"
  done
  swiftc -O -g -sanitize=fuzzer,address -parse-as-library -module-name FuzzDevice "$OUT"/src-device/*.swift -o "$OUT/fuzz-device"
  mkdir -p "$OUT/corpus-device"
  cp Fuzz/corpus/model/* "$OUT/corpus-device/"
  "$OUT/fuzz-device" -max_total_time="$SECONDS_EACH" -max_len=400000 -artifact_prefix=Fuzz/findings/device- \
    -print_final_stats=1 "$OUT/corpus-device" 2>&1 | tail -12
fi
if [ "$WHICH" = all ] || [ "$WHICH" = image ]; then
  clang -g -O1 -fsanitize=fuzzer,address,undefined -ISources/CImageIO/include Fuzz/image_fuzz.c Sources/CImageIO/*.c \
    -lpng -ljpeg -lz -o "$OUT/fuzz-image"
  mkdir -p "$OUT/corpus-image"
  cp Fuzz/corpus/image/* "$OUT/corpus-image/"
  "$OUT/fuzz-image" -max_total_time="$SECONDS_EACH" -max_len=65536 -artifact_prefix=Fuzz/findings/image- \
    -print_final_stats=1 "$OUT/corpus-image" 2>&1 | tail -12
fi
