#!/usr/bin/env bash
# The on-device parity check (issue 19): builds edge-run for aarch64 Linux and runs it under
# qemu-aarch64 as a Cortex-A53 (ARMv8.0, NEON only) and as `-cpu max` (NEON + sdot):
#  1. for every model in models/ with an int8 section, its int8 logits on the first
#     $DEVICE_IMAGES (default 1000) Fashion-MNIST test images must equal, byte for byte, the
#     host engine's (`edge-audit predict --net int8 --logits`), on both CPUs, plus the scalar
#     reference kernels once; models without one must be refused (exit 2, "no int8 network");
#  2. every hostile fixture (Tests/Fixtures/hostile/*.bin) must be refused with the host's
#     exit code and message, never a signal;
#  3. $DEVICE_MUTANTS (default 300) damaged copies of each int8 model must be accepted or
#     refused exactly as the host's loader (`edge-audit inspect`) does;
#  4. `edge-audit device bundle` + `verify --runner` on a quick-profile audit's 47 input sets
#     (100 images each): bit-identical, board accuracies equal the audit's report, and one
#     flipped logit byte makes verify fail naming the set and image;
#  5. command-line and image-file errors give the host's exit codes.
# Needs the host binary (.build/debug/edge-audit; built if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${DEVICE_IMAGES:-1000}
MUTANTS=${DEVICE_MUTANTS:-300}
WORK=${TMPDIR:-/tmp}/edge-audit-device
RUNNER=.build/device/aarch64-linux/edge-run
HOST=.build/debug/edge-audit
command -v qemu-aarch64 >/dev/null || { echo "qemu-aarch64 missing: run scripts/setup.sh" >&2; exit 1; }
scripts/build-device.sh aarch64-linux
[ -x "$HOST" ] || nice -n 10 swift build --product edge-audit
rm -rf "$WORK"
mkdir -p "$WORK"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
# Runs a command, storing its exit code in $rc without tripping `set -e`.
status() { set +e; "$@"; rc=$?; set -e; }

echo "== inputs: the first $N Fashion-MNIST test images"
: >"$WORK/empty.u8"
IDX=/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz
python3 scripts/device_parity.py images "$IDX" "$N" "$WORK/images.u8"
"$HOST" data fashion-mnist --split test --limit "$N" --out "$WORK/png" --quiet >/dev/null

echo "== logits: host engine vs edge-run under qemu-aarch64"
for model in models/*.bin; do
  name=$(basename "$model" .bin)
  if ! grep -q QNET <(head -c 1024 "$model"); then
    status qemu-aarch64 -cpu cortex-a53 "$RUNNER" "$model" "$WORK/images.u8" >"$WORK/$name.out" 2>"$WORK/$name.err"
    if [ "$rc" = 2 ] && grep -q "has no int8 network" "$WORK/$name.err"; then echo "$name: no int8 section, refused (exit 2)"
    else fail "$name has no int8 section but edge-run exited $rc: $(head -1 "$WORK/$name.err")"; fi
    continue
  fi
  "$HOST" predict "$model" --images "$WORK/png" --net int8 --logits --format csv --quiet >"$WORK/$name.csv" 2>/dev/null
  python3 scripts/device_parity.py host-logits "$model" "$WORK/$name.csv" "$N" "$WORK/$name.host.i8"
  k=$(python3 scripts/device_parity.py classes "$model")
  for run in "cortex-a53:auto" "max:auto" "max:reference"; do
    cpu=${run%%:*} kernels=${run##*:}
    [ "$kernels" = reference ] && [ "$name" != fashion-resnet8-q ] && continue   # the scalar path once, on the deepest net
    start=$(date +%s.%N)
    status qemu-aarch64 -cpu "$cpu" "$RUNNER" --kernels "$kernels" "$model" "$WORK/images.u8" >"$WORK/$name.$cpu.$kernels.i8" 2>"$WORK/$name.err"
    secs=$(echo "$(date +%s.%N) - $start" | bc)
    if [ "$rc" != 0 ]; then fail "$name on $cpu ($kernels): exit $rc: $(head -1 "$WORK/$name.err")"; continue; fi
    # The dispatch must have picked the path this CPU model is there to test.
    want_isa=$([ "$kernels" = reference ] && echo scalar || { [ "$cpu" = max ] && echo neondot || echo neon; })
    status qemu-aarch64 -cpu "$cpu" "$RUNNER" --bench --kernels "$kernels" "$model" "$WORK/empty.u8" >"$WORK/isa.out" 2>&1
    grep -q "kernels $want_isa " "$WORK/isa.out" || fail "$name on $cpu ($kernels): expected the $want_isa kernels: $(cat "$WORK/isa.out")"
    if line=$(python3 scripts/device_parity.py compare "$WORK/$name.host.i8" "$WORK/$name.$cpu.$kernels.i8" "$k"); then
      printf '%-22s -cpu %-10s %-8s %s (%.1f s under qemu)\n' "$name" "$cpu" "$want_isa" "$line" "$secs"
    else
      fail "$name on $cpu ($kernels): $line"
    fi
  done
done

echo "== hostile fixtures: refused like the host, never a signal"
for f in Tests/Fixtures/hostile/*.bin; do
  status "$HOST" inspect "$f" --sqnr none >/dev/null 2>"$WORK/host.err"; want=$rc
  status qemu-aarch64 -cpu cortex-a53 "$RUNNER" "$f" "$WORK/images.u8" >/dev/null 2>"$WORK/dev.err"
  if [ "$rc" -ge 128 ] || [ "$rc" = 0 ] || [ "$rc" != "$want" ]; then fail "$(basename "$f"): edge-run exit $rc, host $want"; continue; fi
  # Same message apart from the program name.
  if [ "$(sed 's/^edge-audit: //' "$WORK/host.err" | head -1)" != "$(sed 's/^edge-run: //' "$WORK/dev.err" | head -1)" ]; then
    fail "$(basename "$f"): messages differ: host '$(head -1 "$WORK/host.err")' runner '$(head -1 "$WORK/dev.err")'"
  else
    echo "$(basename "$f"): exit $rc, as the host"
  fi
done

echo "== damaged models: the runner accepts exactly what the host accepts"
for model in models/*-q.bin; do
  name=$(basename "$model" .bin)
  python3 scripts/device_parity.py mutate "$model" "$MUTANTS" 19 "$WORK/mut-$name"
  agree=0 accepted=0
  for f in "$WORK/mut-$name"/*.bin; do
    status "$HOST" inspect "$f" --sqnr none >/dev/null 2>&1; want=$rc
    status qemu-aarch64 "$RUNNER" "$f" "$WORK/empty.u8" >/dev/null 2>&1
    if [ "$rc" = "$want" ] && [ "$rc" -lt 128 ]; then agree=$((agree + 1)); [ "$rc" = 0 ] && accepted=$((accepted + 1))
    else fail "$name $(basename "$f"): edge-run exit $rc, host $want"; fi
  done
  echo "$name: $agree/$MUTANTS damaged copies handled as the host does ($accepted accepted by both)"
done

echo "== device bundle/verify: an audit's inputs through the runner"
B=$WORK/bundle
"$HOST" device bundle models/fashion-lenet5-q.bin --images "$WORK/png" --out "$B" --profile quick --limit 100 --quiet
status "$HOST" device verify "$B" --runner "qemu-aarch64 -cpu cortex-a53 $RUNNER" >"$WORK/verify.out" 2>&1
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
check() {  # expected-exit description command...
  local want=$1 what=$2; shift 2
  status "$@" >"$WORK/cli.out" 2>"$WORK/cli.err"
  if [ "$rc" = "$want" ]; then echo "$what: exit $rc"; else fail "$what: exit $rc, expected $want ($(head -1 "$WORK/cli.err"))"; fi
}
check 2 "no arguments" qemu-aarch64 "$RUNNER"
check 2 "unknown option" qemu-aarch64 "$RUNNER" --fast "$M" "$WORK/images.u8"
check 2 "bad --kernels" qemu-aarch64 "$RUNNER" --kernels fastest "$M" "$WORK/images.u8"
check 66 "missing model" qemu-aarch64 "$RUNNER" "$WORK/nope.bin" "$WORK/images.u8"
check 66 "model is a folder" qemu-aarch64 "$RUNNER" "$WORK" "$WORK/images.u8"
check 66 "missing images" qemu-aarch64 "$RUNNER" "$M" "$WORK/nope.u8"
check 65 "images not a whole number of 28x28x1" qemu-aarch64 "$RUNNER" "$M" "$WORK/ragged.u8"
check 65 "a PNG is not raw pixels" qemu-aarch64 "$RUNNER" "$M" "$(ls "$WORK"/png/Bag/*.png | head -1)"
status qemu-aarch64 "$RUNNER" "$M" "$WORK/images.u8" >/dev/full 2>"$WORK/cli.err"
if [ "$rc" = 73 ]; then echo "stdout is /dev/full: exit 73"; else fail "stdout is /dev/full: exit $rc, expected 73"; fi
check 0 "zero images" qemu-aarch64 "$RUNNER" "$M" "$WORK/empty.u8"
[ -s "$WORK/cli.out" ] && fail "zero images wrote output"
check 0 "--bench" qemu-aarch64 -cpu cortex-a53 "$RUNNER" --bench "$M" "$WORK/images.u8"
echo "   $(cat "$WORK/cli.out") (qemu, not a board measurement)"

if [ "$failures" != 0 ]; then echo "test-device: $failures failure(s)"; exit 1; fi
echo "test-device: all checks passed"
