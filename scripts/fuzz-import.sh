#!/usr/bin/env bash
# Builds the model-import libFuzzer targets (Swift, -sanitize=fuzzer,address) and runs each
# for SECONDS (default 60), seeded with the converter fixtures in Tests/Fixtures/import:
#   tflite — TFLiteImporter (bounded FlatBuffers reader and the schema mapping)
#   onnx   — ONNXImporter (prescan, swift-protobuf decode, mapping)
# SwiftProtobuf is compiled from the package checkout into its own module with the same
# sanitizers. Crashes go to Fuzz/findings/; keep each as a test in Tests/EdgeImportTests.
#   usage: scripts/fuzz-import.sh [SECONDS] [tflite|onnx|all]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-60}
WHICH=${2:-all}
OUT=${TMPDIR:-/tmp}/edge-audit-fuzz-import
PB=.build/checkouts/swift-protobuf/Sources/SwiftProtobuf
[ -d "$PB" ] || swift package resolve
mkdir -p "$OUT/src" "$OUT/mod" Fuzz/findings
if [ ! -f "$OUT/libSwiftProtobuf.a" ]; then
  (cd "$OUT/mod" && swiftc -O -g -sanitize=fuzzer,address -parse-as-library -module-name SwiftProtobuf -package-name swift_protobuf \
     -emit-module -emit-module-path "$OUT/mod/SwiftProtobuf.swiftmodule" -emit-library -static \
     -o "$OUT/libSwiftProtobuf.a" "$OLDPWD/$PB"/*.swift)
fi
build() {  # $1 = target name, $2 = fuzz entry file
  rm -f "$OUT"/src/*.swift
  for f in Sources/EdgeCore/*.swift $(find Sources/EdgeImport -name '*.swift') "$2"; do
    sed -e '/^import EdgeCore$/d' "$f" > "$OUT/src/$(basename "$f")"
  done
  swiftc -O -g -sanitize=fuzzer,address -parse-as-library -module-name "Fuzz$1" -I "$OUT/mod" \
    "$OUT"/src/*.swift "$OUT/libSwiftProtobuf.a" -o "$OUT/fuzz-$1"
}
run() {  # $1 = target, $2 = fixture extension
  mkdir -p "$OUT/corpus-$1"
  cp Tests/Fixtures/import/*."$2" Tests/Fixtures/import/hostile/*."$2" "$OUT/corpus-$1/"
  "$OUT/fuzz-$1" -max_total_time="$SECONDS_EACH" -max_len=262144 -rss_limit_mb=4096 \
    -artifact_prefix=Fuzz/findings/"$1"- -print_final_stats=1 "$OUT/corpus-$1" 2>&1 | tail -14
}
if [ "$WHICH" = all ] || [ "$WHICH" = tflite ]; then build tflite Fuzz/TFLiteImportFuzz.swift; run tflite tflite; fi
if [ "$WHICH" = all ] || [ "$WHICH" = onnx ]; then build onnx Fuzz/ONNXImportFuzz.swift; run onnx onnx; fi
