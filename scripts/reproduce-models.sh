#!/usr/bin/env bash
# Are the shipped models reproducible from their recorded recipes with the current code?
#
#   scripts/reproduce-models.sh --quick            short recipes (CI; scripts/test.sh runs it)
#   scripts/reproduce-models.sh --full [MODEL…]    retrain every shipped model (slow; not in CI)
#   scripts/reproduce-models.sh --quick --record   rewrite the quick check's expected digests
#
# "Reproducible" compares content digests (`edge-audit inspect --content-sha256`: every
# section but the PROV provenance, which names the commit and so always differs;
# docs/model-format.md). Recipes are read from the files themselves (`inspect --provenance`)
# and re-run as recorded, with OPENBLAS_CORETYPE set to the kernel family the file records
# (float results differ between OpenBLAS's kernel families; Haswell's runs on any x86-64 CPU
# with AVX2 and FMA).
#
# --full: every models/*.bin (or the MODELs given) in recipe order — trained models first,
#   then quantised ones, which are quantised from the just-reproduced float model (its content
#   digest must equal the one the quantised file records). --threads LIST (default 2) runs
#   every recipe at each count.
# --quick: three short recipes on the in-repo calibration images (LeNet-5, ResNet-8 with its
#   batch norms and residual adds, PGD-AT), each trained at --threads 1 and 2 and quantised;
#   the content digests must agree across thread counts, equal the ones committed in
#   Tests/Fixtures/reproduce/quick.txt (so any change in training or quantisation numerics
#   fails here, and the shipped models must then be re-made and the file re-recorded), and
#   one quick model is re-made from the recipe read back from its own file, exercising what
#   --full does.
# EDGE_AUDIT=path picks the binary (default .build/release/edge-audit, built when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
MODE="" RECORD=0 THREADS="2" MODELS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --quick|--full) MODE=${1#--} ;;
    --record) RECORD=1 ;;
    --threads) THREADS=$2; shift ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    -*) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
    *) MODELS+=("$1") ;;
  esac
  shift
done
[ -n "$MODE" ] || { echo "give --quick or --full (see --help)" >&2; exit 2; }
B=${EDGE_AUDIT:-.build/release/edge-audit}
if [ ! -x "$B" ]; then nice -n 10 swift build -c release --product edge-audit; fi
# The commit under test, for the reproduced files' own provenance.
export EDGE_AUDIT_SOURCE_COMMIT=${EDGE_AUDIT_SOURCE_COMMIT:-$(git rev-parse HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- Sources Package.swift 2>/dev/null || echo -dirty)}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/edge-audit-reproduce.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
digest() { "$B" inspect "$1" --content-sha256; }
# One recorded field of a model: `field MODEL KEY` prints the values of the "KEY value" lines.
field() { "$B" inspect "$1" --provenance | sed -n "s/^$2 //p"; }
# Runs a recipe (the arguments after the tool name) with the recorded kernel, --out and --threads.
remake() { # kernel out threads args...
  local kernel=$1 out=$2 threads=$3; shift 3
  OPENBLAS_CORETYPE=$kernel nice -n 10 "$B" "$@" --out "$out" --threads "$threads" --quiet >"$out.log" 2>&1 \
    || { cat "$out.log"; return 1; }
}

full() {
  [ ${#MODELS[@]} -gt 0 ] || MODELS=(models/*.bin)
  local trained=() quantised=() m
  for m in "${MODELS[@]}"; do
    case "$(field "$m" arg | head -1)" in
      train) trained+=("$m") ;;
      quantize) quantised+=("$m") ;;
      *) fail "$m records no recipe (made before provenance; re-make it from models/README.md)" ;;
    esac
  done
  for m in ${trained[@]+"${trained[@]}"} ${quantised[@]+"${quantised[@]}"}; do
    local want kernel name args t
    want=$(digest "$m") kernel=$(field "$m" float-kernel) name=$(basename "$m")
    mapfile -t args < <(field "$m" arg)
    if [ "${args[0]}" = quantize ]; then
      # Quantise the model just reproduced, when there is one, and check it is the recorded source.
      [ -f "$WORK/t${THREADS%%,*}/$(basename "${args[1]}")" ] && args[1]="$WORK/t${THREADS%%,*}/$(basename "${args[1]}")"
      local src_want
      src_want=$(field "$m" input | awk '$1 == "model" { print $2 }')
      [ "$(digest "${args[1]}")" = "$src_want" ] || fail "$name: source ${args[1]} is not the model it was quantised from ($src_want)"
    fi
    for t in ${THREADS//,/ }; do
      mkdir -p "$WORK/t$t"
      local start=$SECONDS got
      remake "${kernel:-Haswell}" "$WORK/t$t/$name" "$t" "${args[@]}" || { fail "$name: the recipe failed"; continue; }
      got=$(digest "$WORK/t$t/$name")
      if [ "$got" = "$want" ]; then
        echo "ok   $name at --threads $t: content $got ($((SECONDS - start)) s)"
      else
        fail "$name at --threads $t: content $got, shipped $want (recipe: ${args[*]}; kernel ${kernel:-unrecorded})"
        diff <(field "$m" input) <(field "$WORK/t$t/$name" input) | sed 's/^/     inputs: /' || true
      fi
    done
  done
}

# The quick recipes: name, then train arguments. The in-repo calibration images (500, 50 per
# class) are both the training and the test set, so CI needs no dataset download.
CAL=calibration/fashion-mnist
QUICK=(
  "lenet5|--arch lenet5 --epochs 2 --batch 64"
  "resnet8|--arch resnet8 --epochs 1 --batch 64 --limit 256"
  "lenet5-pgd|--arch lenet5 --epochs 1 --batch 64 --limit 256 --adversarial pgd --eps 0.08 --step-size 0.02 --steps 3"
)
EXPECTED=Tests/Fixtures/reproduce/quick.txt

quick() {
  local got=() entry name args t f q
  for entry in "${QUICK[@]}"; do
    name=${entry%%|*} args=${entry#*|}
    for t in 1 2; do
      f="$WORK/$name-t$t.bin" q="$WORK/$name-t$t-q.bin"
      # shellcheck disable=SC2086  # the recipe is a word list
      remake Haswell "$f" "$t" train $args --seed 1 --dataset "$CAL" --test-images "$CAL" || { fail "$name: training failed"; continue; }
      remake Haswell "$q" "$t" quantize "$f" --calibration "$CAL" || { fail "$name: quantize failed"; continue; }
      got+=("$name-t$t float $(digest "$f")" "$name-t$t int8 $(digest "$q")")
    done
    local k
    k=$(field "$WORK/$name-t1.bin" float-kernel)
    [ "$k" = Haswell ] || echo "note: OpenBLAS ran '$k', not Haswell, on this CPU: the committed digests cannot apply"
  done
  printf '%s\n' "${got[@]}" | sed -n 's/-t1 / /p' > "$WORK/t1.txt"
  printf '%s\n' "${got[@]}" | sed -n 's/-t2 / /p' > "$WORK/t2.txt"
  diff "$WORK/t1.txt" "$WORK/t2.txt" >/dev/null && echo "ok   the quick models are byte-identical in content at --threads 1 and 2" \
    || fail "--threads 1 and 2 give different models: $(diff "$WORK/t1.txt" "$WORK/t2.txt" | tr '\n' ' ')"
  # The recipe as recorded in the file, run again, gives the same content.
  local again=() want
  mapfile -t again < <(field "$WORK/lenet5-t1.bin" arg)
  want=$(digest "$WORK/lenet5-t1.bin")
  remake "$(field "$WORK/lenet5-t1.bin" float-kernel)" "$WORK/again.bin" 2 "${again[@]}" \
    && [ "$(digest "$WORK/again.bin")" = "$want" ] && echo "ok   the recipe read back from a file reproduces it (${again[*]})" \
    || fail "the recipe read back from $WORK/lenet5-t1.bin did not reproduce it: ${again[*]}"
  if [ "$RECORD" = 1 ]; then
    mkdir -p "$(dirname "$EXPECTED")"
    { echo "# scripts/reproduce-models.sh --quick: content SHA-256 of each quick recipe's float and int8 model"
      echo "# (OPENBLAS_CORETYPE=Haswell). Re-record with --quick --record only for an intended change of"
      echo "# the numerics, and re-make the shipped models (models/README.md) in the same commit."
      echo "# Recorded with $(field "$WORK/lenet5-t1.bin" float-backend)."
      cat "$WORK/t1.txt"; } > "$EXPECTED"
    echo "recorded $EXPECTED"
  elif [ "$(grep -v '^#' "$EXPECTED")" = "$(cat "$WORK/t1.txt")" ]; then
    echo "ok   the quick models' digests equal $EXPECTED"
  else
    fail "the quick models differ from $EXPECTED: training or quantisation numerics changed (diff: expected < > now)"
    echo "     $(grep '^# Recorded with' "$EXPECTED"); here: $(field "$WORK/lenet5-t1.bin" float-backend), core $(field "$WORK/lenet5-t1.bin" float-kernel)"
    diff <(grep -v '^#' "$EXPECTED") "$WORK/t1.txt" | sed 's/^/     /' || true
  fi
}

"$MODE"
if [ "$failures" -gt 0 ]; then echo "$failures failure(s)"; exit 1; fi
echo "reproduce-models --$MODE: all reproduced"
