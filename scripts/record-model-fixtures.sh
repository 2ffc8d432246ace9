#!/usr/bin/env bash
# Re-records the test fixtures that are outputs of the CLI on the shipped models, after the
# models were re-made (models/README.md): the attack and command texts the library renderers
# are compared with (Tests/Fixtures/attack, Tests/Fixtures/commands: AttackRunTests,
# CommandTextTests) and the audit results of the three int8 models (Tests/Fixtures/golden:
# TypedStagesCLITests, with the settings that test passes). Only for re-made models: on
# unchanged models these fixtures must keep passing as they are.
#   scripts/record-model-fixtures.sh [attack] [commands] [golden]   (default: all three)
# EDGE_AUDIT=path picks the binary (default .build/release/edge-audit); GOLDEN="fashion-lenet5-q …"
# limits the golden part to the models that were re-made.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${EDGE_AUDIT:-.build/release/edge-audit}
if [ "$(uname -m)" = x86_64 ]; then export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell}; fi
CAL=calibration/fashion-mnist
Q=models/fashion-lenet5-q.bin
PARTS=("$@")
[ ${#PARTS[@]} -gt 0 ] || PARTS=(attack commands golden)
run() { nice -n 10 "$B" "$@" --threads 2 --quiet; }

attack() {
  local A=Tests/Fixtures/attack
  a() { local name=$1; shift; run attack "$Q" --images "$CAL" --seed 1 "$@" > "$A/$name.out"; }
  a a_fgsm_json --attack fgsm --eps 0,0.05,0.1 --limit 20 --format json
  a a_pgd_l2 --attack pgd --norm l2 --eps 1.0 --steps 5 --restarts 2 --limit 20 --format json
  a a_pgd_tgt --attack pgd --eps 0.1 --steps 5 --limit 20 --format json --targeted
  a a_pgd_ste --attack pgd --eps 0.05,0.1 --steps 5 --net int8 --mode ste --limit 20 --format json
  a a_pgd_ste_table --attack pgd --eps 0.05,0.1 --steps 5 --net int8 --mode ste --limit 20
  a a_cw_int8_table --attack cw --eps 0.5,1 --max-steps 10 --search-steps 2 --net int8 --limit 10
  a a_square --attack square --eps 0.1 --net int8 --mode query --queries 50 --limit 10 --format json
  a a_apgdt --attack apgd-t --eps 0.08 --steps 3 --limit 6 --format json
  a a_ddn --attack ddn --eps 1 --steps 5 --limit 8 --format json
  a a_pgd_mask --attack pgd --eps 0.1 --steps 1 --step-size 0.0001 --net int8 --limit 20 --format json
  a a_pgd_mask_t --attack pgd --eps 0.1 --steps 1 --step-size 0.0001 --net int8 --limit 20
  a a_aa_ste --attack autoattack --eps 0.1 --net int8 --mode ste --limit 2 --format json
}

commands() {
  local C=Tests/Fixtures/commands
  run mi "$Q" --images "$CAL" --samples 20 --sigma2 0.5 --bin-size 0.3 --eps 0.1 --inputs clean --layers relu1,fc3 --seed 1 > "$C/m_mi_sigma2.out"
  run mi "$Q" --images "$CAL" --samples 30 --bin-size 0.5 --eps 0.1 --inputs clean,pgd --format json --seed 1 > "$C/m_mi_json.out"
  run evaluate "$Q" --images "$CAL" --corruptions jpeg,saturation --net both --limit 30 --seed 1 > "$C/v_eval_table.out"
  run evaluate "$Q" --images "$CAL" --corruptions gaussian_noise --net int8 --format json --limit 30 --seed 1 > "$C/v_eval_int8json.out"
}

golden() {
  local m g out
  for m in ${GOLDEN:-fashion-lenet5-q fashion-lenet5-at-q fashion-resnet8-q}; do
    g=Tests/Fixtures/golden/$m.results.json out=$(mktemp -d)
    # shellcheck disable=SC2046  # the recorded arguments are a word list
    run audit "models/$m.bin" --images "$CAL" --mi-sigma2 0.1 --out "$out/r" \
      --corruptions gaussian_noise,shot_noise,impulse_noise,saturation,patch_shuffle,jpeg,brightness,contrast,defocus_blur \
      $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["args"])' "$g") >/dev/null || [ $? -eq 1 ]
    python3 - "$g" "$out/r/report.json" <<'EOF'
import json, sys
golden, report = sys.argv[1], sys.argv[2]
args = json.load(open(golden))["args"]
results = json.load(open(report))["results"]
with open(golden, "w") as f:
    json.dump({"args": args, "results": results}, f, indent=1, sort_keys=True)
EOF
    rm -rf "$out"
    echo "recorded $g"
  done
}

for p in "${PARTS[@]}"; do "$p"; done
