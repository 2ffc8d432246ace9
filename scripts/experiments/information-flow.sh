#!/usr/bin/env bash
# Reproduces docs/experiments/information-flow.md (issue 17, item 5): trains a normally (NT)
# and a PGD-adversarially trained (AT) LeNet-5 on Fashion-MNIST with information planes
# logged every epoch, quantises both, sweeps MI under saturation and patch shuffle, and
# measures Fisher norms, CCKL and MIAT's natural/adversarial MI, float and int8.
#
#   scripts/experiments/information-flow.sh [OUT]        (default /tmp/information-flow)
#   STEPS="train-nt train-at" scripts/experiments/information-flow.sh OUT   (a subset)
#   STEPS="quantize mi fisher" MODELS=nt THREADS=1 scripts/experiments/information-flow.sh OUT
#   scripts/experiments/plot_information_flow.py OUT docs/experiments/figures
#
# Steps whose output exists are skipped, so an interrupted run can be resumed. Wall times
# go to OUT/times.tsv. Everything is deterministic for a given seed at any THREADS.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-/tmp/information-flow}
BIN=${BIN:-.build/release/edge-audit}
IMAGES=${IMAGES:-/work/main/data/fashion-mnist-test}   # the Fashion-MNIST test set as PNG folders
THREADS=${THREADS:-2}
EPOCHS=${EPOCHS:-15}
SEED=${SEED:-1}
SAMPLES=${SAMPLES:-1000}   # MI sample (ceiling of I(T;X): log2 N bits)
EPS=0.08                   # PGD-AT radius of models/README.md, used for every adversarial input
SIGMA2=${SIGMA2:-30}       # KDE σ² of the training planes (one value for all layers; see the doc)
BINSIZE=${BINSIZE:-5}      # binning width λ of the training planes
STEPS=${STEPS:-"train-nt train-at quantize accuracy mi sigma fisher"}
MODELS=${MODELS:-"nt at"}   # models the quantize, mi and fisher steps cover
NICE="nice -n 10"
mkdir -p "$OUT"
[ -x "$BIN" ] || $NICE swift build -c release --product edge-audit
[ -d "$IMAGES" ] || $BIN data fashion-mnist --split test --out "$IMAGES"

# run NAME OUTPUT CMD…: runs CMD unless OUTPUT exists, logging stderr and the wall time.
run() {
  local name=$1 target=$2; shift 2
  if [ -s "$target" ]; then echo "skip $name ($target exists)"; return; fi
  echo "$name: $*"
  local t0; t0=$(date +%s)
  "$@" 2> "$OUT/$name.log"
  printf '%s\t%d\n' "$name" $(( $(date +%s) - t0 )) >> "$OUT/times.tsv"
}
has() { [[ " $STEPS " == *" $1 "* ]]; }
# tojson TARGET CMD…: CMD's stdout to TARGET, whole or not at all.
tojson() { local target=$1; shift; "$@" > "$target.tmp" && mv "$target.tmp" "$target"; }

PLANES=(--mi-every 1 --mi-inputs clean,pgd --mi-samples "$SAMPLES" --mi-eps "$EPS"
        --mi-sigma2 "$SIGMA2" --mi-bin-size "$BINSIZE")
COMMON=(--arch lenet5 --epochs "$EPOCHS" --seed "$SEED" --threads "$THREADS" --quiet)
if has train-nt; then
  run train-nt "$OUT/nt.bin" $NICE "$BIN" train "${COMMON[@]}" "${PLANES[@]}" \
    --mi-log "$OUT/nt-planes.json" --out "$OUT/nt.bin"
fi
if has train-at; then
  run train-at "$OUT/at.bin" $NICE "$BIN" train "${COMMON[@]}" "${PLANES[@]}" \
    --adversarial pgd --eps "$EPS" --step-size 0.02 --steps 7 \
    --mi-log "$OUT/at-planes.json" --out "$OUT/at.bin"
fi
if has quantize; then
  for m in $MODELS; do
    run "quantize-$m" "$OUT/$m-q.bin" $NICE "$BIN" quantize "$OUT/$m.bin" \
      --calibration calibration/fashion-mnist --out "$OUT/$m-q.bin" --threads "$THREADS" --quiet
  done
fi
if has accuracy; then
  # Full 10k test-set accuracy of both nets (the exact integer engine for int8).
  for m in $MODELS; do
    for net in float int8; do
      run "accuracy-$m-$net" "$OUT/accuracy-$m-$net.txt" bash -c \
        "$NICE $BIN predict $OUT/$m-q.bin --images $IMAGES --net $net --threads $THREADS --quiet 2>&1 >/dev/null | tail -1 > $OUT/accuracy-$m-$net.txt"
    done
  done
fi
if has mi; then
  for m in $MODELS; do
    # Per-layer σ² (mi's default) and the training planes' fixed σ², λ, for comparison.
    SWEEP=(mi "$OUT/$m-q.bin" --images "$IMAGES" --samples "$SAMPLES" --eps "$EPS" --inputs clean,pgd
           --sweep saturation,patch_shuffle --bin-size "$BINSIZE" --seed "$SEED" --threads "$THREADS" --quiet --format json)
    run "mi-$m" "$OUT/mi-$m.json" tojson "$OUT/mi-$m.json" $NICE "$BIN" "${SWEEP[@]}"
    run "mi-fixed-$m" "$OUT/mi-fixed-$m.json" tojson "$OUT/mi-fixed-$m.json" $NICE "$BIN" "${SWEEP[@]}" --sigma2 "$SIGMA2"
  done
fi
if has sigma; then
  # Sensitivity of the KDE estimates to σ² on the final nets (clean inputs): does the NT/AT
  # ordering of I(T;X) survive a change of kernel width?
  for m in $MODELS; do
    for s2 in 3 10 30 100 300; do
      run "sigma-$m-$s2" "$OUT/mi-sigma-$m-$s2.json" tojson "$OUT/mi-sigma-$m-$s2.json" $NICE "$BIN" mi "$OUT/$m-q.bin" \
        --images "$IMAGES" --samples "$SAMPLES" --inputs clean --sigma2 "$s2" --bin-size "$BINSIZE" --seed "$SEED" \
        --threads "$THREADS" --quiet --format json
    done
  done
fi
if has fisher; then
  for m in $MODELS; do
    for net in float int8; do
      run "fisher-$m-$net" "$OUT/fisher-$m-$net.json" tojson "$OUT/fisher-$m-$net.json" $NICE "$BIN" fisher "$OUT/$m-q.bin" \
        --images "$IMAGES" --net "$net" --limit 2048 --miat --miat-eps "$EPS" --per-image "$OUT/fisher-$m-$net.jsonl" \
        --threads "$THREADS" --quiet --format json
    done
  done
fi
echo "done: $OUT (times in $OUT/times.tsv)"
