#!/usr/bin/env bash
# The on-device parity check (issue 19): builds edge-run for aarch64 Linux twice — against
# Debian's static glibc and libc-free (Device/edge-run/shim/nolibc.c) — and runs both under
# qemu-aarch64 as a Cortex-A53 (ARMv8.0, NEON only) and as `-cpu max` (NEON + sdot):
#  1. for every model in models/ with an int8 section, its int8 logits on the first
#     $DEVICE_IMAGES (default 1000) Fashion-MNIST test images must equal, byte for byte, the
#     host engine's (`edge-audit predict --net int8 --logits`), on both CPUs with the kernels
#     each is there to test (neon, neondot; checked), plus the scalar kernels on ResNet-8
#     ($DEVICE_SCALAR_IMAGES, default 250); models
#     without one must be refused (exit 2, "no int8 network"); the same for LeNet-5 and
#     ResNet-8 rewritten with a version-2 QNET (`device_parity.py v2`: op-12 convolutions,
#     depthwise with multiplier 6 and 1, double-scale rounding);
#  2. every hostile fixture (Tests/Fixtures/hostile/*.bin) must be refused with the host's
#     exit code and message, never a signal; every semantic fixture (Tests/Fixtures/semantic,
#     sections that disagree with each other, names, required sections) gets the host's
#     exit code and message, except that a META refusal may pass (META's JSON is not parsed);
#  2b. the runner's Engine.swift, compiled natively with the host's IntegerNetwork
#     (Device/edge-run/HostCheck/EngineParity.swift), gives the host's logits on graphs with
#     the version-2 ops no model.bin can carry yet (table input, TFLite pooling, MEAN, PAD);
#  3. $DEVICE_MUTANTS (default 150) damaged copies of each int8 model must be accepted or
#     refused exactly as the host's loader (`edge-audit inspect`) does;
#  4. `edge-audit device bundle` + `verify --runner` on a quick-profile audit's 47 input sets
#     (100 images each): bit-identical, board accuracies equal the audit's report, and one
#     flipped logit byte makes verify fail naming the set and image;
#  5. command-line and image-file errors give the host's exit codes;
#  6. the libc-free binary stays under the 512 KiB budget (the glibc one, ~700 KiB, is reported).
# Needs the host binary (.build/debug/edge-audit; built if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${DEVICE_IMAGES:-1000}
MUTANTS=${DEVICE_MUTANTS:-150}
SCALAR=${DEVICE_SCALAR_IMAGES:-250}
WORK=${TMPDIR:-/tmp}/edge-audit-device
BUILDS=(aarch64-linux aarch64-linux-nolibc)
HOST=.build/debug/edge-audit
command -v qemu-aarch64 >/dev/null || { echo "qemu-aarch64 missing: run scripts/setup.sh" >&2; exit 1; }
for b in "${BUILDS[@]}"; do scripts/build-device.sh "$b"; done
[ -x "$HOST" ] || nice -n 10 swift build --product edge-audit
rm -rf "$WORK"
mkdir -p "$WORK"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
# Runs a command, storing its exit code in $rc without tripping `set -e`.
status() { set +e; "$@"; rc=$?; set -e; }
runner() { echo ".build/device/$1/edge-run"; }
DEV_ENGINE=Device/edge-run/Sources/Engine.swift

echo "== sizes"
for b in "${BUILDS[@]}"; do
  size=$(stat -c %s "$(runner "$b")")
  echo "$b/edge-run: $size bytes ($((size / 1024)) KiB)"
  [ "$b" = aarch64-linux-nolibc ] && [ "$size" -ge $((512 * 1024)) ] && fail "$b/edge-run is over the 512 KiB budget"
done

echo "== inputs: the first $N Fashion-MNIST test images"
: >"$WORK/empty.u8"
IDX=/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz
python3 scripts/device_parity.py images "$IDX" "$N" "$WORK/images.u8"
"$HOST" data fashion-mnist --split test --limit "$N" --out "$WORK/png" --quiet >/dev/null

echo "== logits: host engine vs edge-run under qemu-aarch64"
# The int8 logits of MODEL from the host and from edge-run on every build, CPU and kernel
# choice listed below, compared byte for byte.
parity() {
  local model=$1 name b run cpu kernels out images host ms start want_isa line k
  name=$(basename "$model" .bin)
  "$HOST" predict "$model" --images "$WORK/png" --net int8 --logits --format csv --quiet >"$WORK/$name.csv" 2>/dev/null
  python3 scripts/device_parity.py host-logits "$model" "$WORK/$name.csv" "$N" "$WORK/$name.host.i8"
  k=$(python3 scripts/device_parity.py classes "$model")
  for b in "${BUILDS[@]}"; do
    for run in "cortex-a53:auto" "max:auto" "max:reference"; do
      cpu=${run%%:*} kernels=${run##*:}
      # The scalar path once, on the deepest net, with the glibc build, on the first
      # $SCALAR images (it is the slowest run); the libc-free build runs ResNet-8 on
      # -cpu max only (its shim's code does not depend on the CPU model).
      [ "$kernels" = reference ] && { [ "$name" != fashion-resnet8-q ] || [ "$b" != aarch64-linux ]; } && continue
      [ "$b" = aarch64-linux-nolibc ] && [[ "$name" == fashion-resnet8-* ]] && [ "$cpu" = cortex-a53 ] && continue
      out="$WORK/$name.$b.$cpu.$kernels.i8"
      images=$WORK/images.u8 host=$WORK/$name.host.i8
      if [ "$kernels" = reference ]; then
        images=$WORK/images-$SCALAR.u8 host=$WORK/$name.host-$SCALAR.i8
        head -c $((SCALAR * 784)) "$WORK/images.u8" >"$images"
        head -c $((SCALAR * k)) "$WORK/$name.host.i8" >"$host"
      fi
      start=$(date +%s%N)
      status qemu-aarch64 -cpu "$cpu" "$(runner "$b")" --kernels "$kernels" "$model" "$images" >"$out" 2>"$WORK/$name.err"
      ms=$((($(date +%s%N) - start) / 1000000))
      if [ "$rc" != 0 ]; then fail "$name on $cpu ($b, $kernels): exit $rc: $(head -1 "$WORK/$name.err")"; continue; fi
      # The dispatch must have picked the path this CPU model is there to test.
      want_isa=$([ "$kernels" = reference ] && echo scalar || { [ "$cpu" = max ] && echo neondot || echo neon; })
      status qemu-aarch64 -cpu "$cpu" "$(runner "$b")" --bench --kernels "$kernels" "$model" "$WORK/empty.u8" >"$WORK/isa.out" 2>&1
      grep -q "kernels $want_isa " "$WORK/isa.out" || fail "$name on $cpu ($b): expected the $want_isa kernels: $(cat "$WORK/isa.out")"
      if line=$(python3 scripts/device_parity.py compare "$host" "$out" "$k"); then
        printf '%-20s %-21s -cpu %-10s %-8s %s (%d.%d s)\n' "$name" "$b" "$cpu" "$want_isa" "$line" $((ms / 1000)) $((ms % 1000 / 100))
      else
        fail "$name on $cpu ($b, $kernels): $line"
      fi
    done
  done
}
for model in models/*.bin; do
  name=$(basename "$model" .bin)
  if ! grep -q QNET <(head -c 1024 "$model"); then
    for b in "${BUILDS[@]}"; do
      status qemu-aarch64 -cpu cortex-a53 "$(runner "$b")" "$model" "$WORK/images.u8" >"$WORK/$name.out" 2>"$WORK/$name.err"
      if [ "$rc" = 2 ] && grep -q "has no int8 network" "$WORK/$name.err"; then echo "$name ($b): no int8 section, refused (exit 2)"
      else fail "$name ($b) has no int8 section but edge-run exited $rc: $(head -1 "$WORK/$name.err")"; fi
    done
    continue
  fi
  parity "$model"
done
# QNET version 2 (op 12 convolutions: depthwise with multiplier > 1 and = 1 on the SIMD
# paths, double-scale rounding), rewritten from the shipped models by device_parity.py v2.
mkdir -p "$WORK/v2"
for m in fashion-lenet5-q fashion-resnet8-q; do
  python3 scripts/device_parity.py v2 "models/$m.bin" "$WORK/v2/${m%-q}-v2.bin"
  parity "$WORK/v2/${m%-q}-v2.bin"
done

echo "== engine planning: the runner's Engine against IntegerNetwork, natively"
# Device/edge-run/HostCheck/EngineParity.swift: Engine.swift and the host's IntegerNetwork in
# one x86-64 program over the same C kernels, on version-2 graphs with the ops no model.bin
# can bring to the runner (table inputs, TFLite pooling, MEAN, PAD, depthwise, double scale).
HC=$WORK/hostcheck
mkdir -p "$HC/src" "$HC/obj" "$HC/cmod"
for f in Sources/EdgeCore/*.swift Sources/EdgeModel/Graph.swift Sources/EdgeModel/LayerSpecs.swift Sources/EdgeData/LabeledImages.swift Sources/EdgeData/Image8.swift \
         Sources/EdgeQuant/QuantMath.swift Sources/EdgeQuant/QuantParams.swift Sources/EdgeQuant/QConvLayer.swift Sources/EdgeQuant/QLayers.swift \
         Sources/EdgeQuant/QuantizedGraph.swift Sources/EdgeQuant/QuantizedGraph+Codec.swift Sources/EdgeQuant/QuantizedGraph+Validate.swift \
         Sources/EdgeQuant/IntegerNetwork.swift Sources/EdgeQuant/IntegerNetwork+Pixels.swift Sources/EdgeQuant/IntegerNetwork+DenseTail.swift \
         Sources/EdgeQuant/IntegerNetwork+Steps.swift Sources/EdgeQuant/LayerTeam.swift "$DEV_ENGINE" Device/edge-run/HostCheck/EngineParity.swift; do
  sed -e '/^import Edge\(Core\|Model\|Data\)$/d' -e 's/^import CEdgeRun$/import CEdgeKernels/' "$f" >"$HC/src/$(basename "$f")"
done
printf 'module CEdgeKernels {\n  header "%s"\n  export *\n}\nmodule CEdgeTeam {\n  header "%s"\n  export *\n}\n' \
  "$PWD/Sources/CEdgeKernels/include/edge_kernels.h" "$PWD/Sources/CEdgeTeam/include/edge_team.h" >"$HC/cmod/module.modulemap"
for c in $(find Sources/CEdgeKernels Sources/CEdgeTeam -name '*.c' | sort); do
  nice -n 10 clang -O2 -fno-strict-aliasing -ISources/CEdgeKernels/include -ISources/CEdgeKernels/internal -ISources/CEdgeTeam/include -c "$c" \
    -o "$HC/obj/$(echo "${c%.c}" | tr / _).o"
done
if nice -n 10 swiftc -O -parse-as-library -module-name EngineParity -I "$HC/cmod" -Xcc -I"$PWD/Sources/CEdgeKernels/include" "$HC"/src/*.swift "$HC"/obj/*.o -o "$HC/engine-parity" >"$HC/build.log" 2>&1; then
  status "$HC/engine-parity"
  [ "$rc" = 0 ] || fail "the runner's Engine and IntegerNetwork disagree (exit $rc)"
else
  fail "EngineParity does not build: $(grep -m1 error "$HC/build.log")"
fi

echo "== hostile fixtures: refused like the host, never a signal"
for f in Tests/Fixtures/hostile/*.bin; do
  status "$HOST" inspect "$f" --sqnr none >/dev/null 2>"$WORK/host.err"; want=$rc
  for b in "${BUILDS[@]}"; do
    status qemu-aarch64 -cpu cortex-a53 "$(runner "$b")" "$f" "$WORK/images.u8" >/dev/null 2>"$WORK/dev.err"
    if [ "$rc" -ge 128 ] || [ "$rc" = 0 ] || [ "$rc" != "$want" ]; then fail "$(basename "$f") ($b): edge-run exit $rc, host $want"; continue; fi
    # Same message apart from the program name.
    if [ "$(sed 's/^edge-audit: //' "$WORK/host.err" | head -1)" != "$(sed 's/^edge-run: //' "$WORK/dev.err" | head -1)" ]; then
      fail "$(basename "$f") ($b): messages differ: host '$(head -1 "$WORK/host.err")' runner '$(head -1 "$WORK/dev.err")'"
    fi
  done
  echo "$(basename "$f"): exit $want from the host and both runners, same message"
done

echo "== semantic fixtures: the host's verdict and message (META's JSON aside)"
# Tests/Fixtures/semantic: sections valid on their own that disagree with each other (the
# shared QuantizedGraph.crossCheck), unknown required sections, bad names and fields. The
# runner does not parse META, so a file the host refuses there may pass; a file without an
# int8 section is refused with exit 2 as `predict --net int8` does.
semantic=0
for f in Tests/Fixtures/semantic/*.bin; do
  status "$HOST" inspect "$f" --sqnr none >/dev/null 2>"$WORK/host.err"; want=$rc
  [ "$want" = 0 ] && ! grep -q QNET <(head -c 1024 "$f") && want=2
  meta=0; grep -Eq "section '(META|metadata)'" "$WORK/host.err" && meta=1
  for b in "${BUILDS[@]}"; do
    status qemu-aarch64 -cpu cortex-a53 "$(runner "$b")" "$f" "$WORK/empty.u8" >/dev/null 2>"$WORK/dev.err"
    if [ "$rc" -ge 128 ]; then fail "$(basename "$f") ($b): edge-run died with signal $((rc - 128))"; continue; fi
    if [ "$meta" = 1 ] && { [ "$rc" = 0 ] || [ "$rc" = "$want" ]; }; then continue; fi
    if [ "$rc" != "$want" ]; then fail "$(basename "$f") ($b): edge-run exit $rc, host $want: $(head -1 "$WORK/dev.err")"; continue; fi
    if [ "$want" = 65 ] && [ "$(sed 's/^edge-audit: //' "$WORK/host.err" | head -1)" != "$(sed 's/^edge-run: //' "$WORK/dev.err" | head -1)" ]; then
      fail "$(basename "$f") ($b): messages differ: host '$(head -1 "$WORK/host.err")' runner '$(head -1 "$WORK/dev.err")'"
    fi
  done
  semantic=$((semantic + 1))
done
echo "$semantic semantic fixtures: the host's exit code (and message) from both runners"

echo "== damaged models: the runners accept exactly what the host accepts"
for model in models/*-q.bin; do
  name=$(basename "$model" .bin)
  python3 scripts/device_parity.py mutate "$model" "$MUTANTS" 19 "$WORK/mut-$name"
  agree=0 accepted=0
  for f in "$WORK/mut-$name"/*.bin; do
    status "$HOST" inspect "$f" --sqnr none >/dev/null 2>&1; want=$rc
    ok=1
    for b in "${BUILDS[@]}"; do
      status qemu-aarch64 "$(runner "$b")" "$f" "$WORK/empty.u8" >/dev/null 2>&1
      if [ "$rc" != "$want" ] || [ "$rc" -ge 128 ]; then ok=0; fail "$name $(basename "$f") ($b): edge-run exit $rc, host $want"; fi
    done
    if [ "$ok" = 1 ]; then agree=$((agree + 1)); [ "$want" = 0 ] && accepted=$((accepted + 1)); fi
  done
  echo "$name: $agree/$MUTANTS damaged copies handled as the host does by both runners ($accepted accepted)"
done

echo "== device bundle/verify: an audit's inputs through the runner"
B=$WORK/bundle
"$HOST" device bundle models/fashion-lenet5-q.bin --images "$WORK/png" --out "$B" --profile quick --limit 100 --quiet
status "$HOST" device verify "$B" --runner "qemu-aarch64 -cpu cortex-a53 $(runner aarch64-linux-nolibc)" >"$WORK/verify.out" 2>&1
if [ "$rc" = 0 ]; then tail -1 "$WORK/verify.out"; else fail "device verify --runner: exit $rc: $(tail -3 "$WORK/verify.out")"; fi
"$HOST" models/fashion-lenet5-q.bin --images "$WORK/png" --profile quick --limit 100 --cw-images 0 --mi-samples 0 \
  --out "$WORK/audit" --quiet >/dev/null 2>&1
python3 scripts/device_parity.py audit-agreement "$B" "$WORK/audit/report.json" || fail "bundle inputs disagree with the audit's"
cp -r "$B/board" "$WORK/tampered"
printf '\177' | dd of="$WORK/tampered/pgd-eps_0.1.i8" bs=1 seek=505 conv=notrunc 2>/dev/null
status "$HOST" device verify "$B" "$WORK/tampered" >"$WORK/verify.out" 2>&1
if [ "$rc" = 1 ] && grep -q "pgd-eps_0.1 .* 1, first at image 50" "$WORK/verify.out"; then echo "one changed logit byte: verify exits 1 and names set and image"
else fail "tampered logits: verify exit $rc: $(grep -v ' 0$' "$WORK/verify.out" | head -3)"; fi

echo "== command line and image files: the host's exit codes"
M=models/fashion-lenet5-q.bin
head -c 785 "$WORK/images.u8" >"$WORK/ragged.u8"
mkfifo "$WORK/fifo"
check() {  # expected-exit description command...
  local want=$1 what=$2; shift 2
  status "$@" >"$WORK/cli.out" 2>"$WORK/cli.err"
  if [ "$rc" != "$want" ]; then fail "$what: exit $rc, expected $want ($(head -1 "$WORK/cli.err"))"; fi
}
for b in "${BUILDS[@]}"; do
  R=$(runner "$b")
  check 2 "no arguments" qemu-aarch64 "$R"
  check 2 "unknown option" qemu-aarch64 "$R" --fast "$M" "$WORK/images.u8"
  check 2 "bad --kernels" qemu-aarch64 "$R" --kernels fastest "$M" "$WORK/images.u8"
  check 66 "missing model" qemu-aarch64 "$R" "$WORK/nope.bin" "$WORK/images.u8"
  check 66 "model is a folder" qemu-aarch64 "$R" "$WORK" "$WORK/images.u8"
  check 66 "missing images" qemu-aarch64 "$R" "$M" "$WORK/nope.u8"
  check 66 "images is a FIFO" qemu-aarch64 "$R" "$M" "$WORK/fifo"
  check 65 "images not a whole number of 28x28x1" qemu-aarch64 "$R" "$M" "$WORK/ragged.u8"
  check 65 "a PNG is not raw pixels" qemu-aarch64 "$R" "$M" "$(ls "$WORK"/png/Bag/*.png | head -1)"
  check 0 "zero images" qemu-aarch64 "$R" "$M" "$WORK/empty.u8"
  [ -s "$WORK/cli.out" ] && fail "zero images wrote output ($b)"
  status qemu-aarch64 "$R" "$M" "$WORK/images.u8" >/dev/full 2>"$WORK/cli.err"
  [ "$rc" = 73 ] || fail "stdout is /dev/full ($b): exit $rc, expected 73"
  check 0 "--bench" qemu-aarch64 -cpu cortex-a53 "$R" --bench "$M" "$WORK/images.u8"
  echo "$b: usage 2, missing 66, FIFO 66, ragged or PNG 65, empty 0, /dev/full 73; --bench: $(cat "$WORK/cli.out") (qemu, not a board measurement)"
done

if [ "$failures" != 0 ]; then echo "test-device: $failures failure(s)"; exit 1; fi
echo "test-device: all checks passed"
