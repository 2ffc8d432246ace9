#!/usr/bin/env bash
# Builds edge-audit (debug), runs two small audits of the shipped LeNet-5 (one with every
# stage, one with Square, CW and MI switched off), renders their report.html in headless
# Chromium and writes PNG screenshots of each whole page, cut into 1280×2000 slices, for a
# person to look at (the page as it opens, and once more with its folded tables opened).
# Also checks the DOM: every section present, inline images and charts,
# skipped stages saying why, no external reference, no script, no console error.
#   usage: scripts/check_report_html.sh [existing/report.html]
#   env:   OUT (default /tmp/edge-audit-html-check), SHOTS (default $OUT/shots)
# Chromium is installed with apt-get when missing (Debian's `chromium` package); slicing
# needs python3-pil (without it only the full screenshots are kept).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/edge-audit-html-check}
SHOTS=${SHOTS:-$OUT/shots}
SKIPPED=

if ! command -v chromium >/dev/null; then
  echo "installing chromium (apt-get)" >&2
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi

if [ $# -ge 1 ]; then
  HTML=$(realpath "$1")
else
  nice -n 10 swift build --product edge-audit >/dev/null
  BIN=$(swift build --show-bin-path)/edge-audit
  mkdir -p "$OUT"
  # Small on purpose: every stage runs (so every section has data), in well under a minute.
  "$BIN" audit models/fashion-lenet5-q.bin --images calibration/fashion-mnist --profile quick --limit 100 \
    --eps 0.05,0.1 --pgd-steps 3 --square-queries 20 --square-images 20 --cw-images 10 --mi-samples 60 \
    --quiet --out "$OUT/report" > "$OUT/summary.txt"
  HTML=$(realpath "$OUT/report/report.html")
  # Stages switched off: their sections must say why instead of drawing empty.
  "$BIN" audit models/fashion-lenet5-q.bin --images calibration/fashion-mnist --profile quick --limit 100 \
    --eps 0.1 --pgd-steps 2 --square-images 0 --cw-images 0 --mi-samples 0 --corruptions jpeg \
    --quiet --out "$OUT/skipped" > "$OUT/skipped-summary.txt"
  SKIPPED=$(realpath "$OUT/skipped/report.html")
fi

mkdir -p "$SHOTS"
rm -f "$SHOTS"/*.png "$SHOTS/chromium.log" "$SHOTS/open.html"
FLAGS=(--headless --no-sandbox --disable-gpu --hide-scrollbars --allow-file-access-from-files)

# Headless screenshots cover the window only (URL fragments do not scroll), so the window
# is taller than any report and the image is trimmed and sliced afterwards.
shoot() {  # shoot HTML NAME → $SHOTS/NAME-full.png and $SHOTS/NAME-NN.png
  chromium "${FLAGS[@]}" --window-size=1280,30000 --screenshot="$SHOTS/$2-full.png" "file://$1" >/dev/null 2>>"$SHOTS/chromium.log"
  python3 "$SHOTS/slice.py" "$SHOTS/$2-full.png" "$SHOTS/$2"
}
cat > "$SHOTS/slice.py" <<'PY'
import sys
try:
    from PIL import Image, ImageChops
except ImportError:
    print("python3-pil missing: kept the full screenshot only", file=sys.stderr); sys.exit(0)
full, prefix = sys.argv[1], sys.argv[2]
im = Image.open(full).convert("RGB")
box = ImageChops.difference(im, Image.new("RGB", im.size, (255, 255, 255))).getbbox()
height = min(im.height, (box[3] if box else im.height) + 40)
if height >= im.height - 40:
    print("warning: the page may be taller than the 30000 px window", file=sys.stderr)
for i, top in enumerate(range(0, height, 2000)):
    im.crop((0, top, im.width, min(top + 2000, height))).save(f"{prefix}-{i + 1:02d}.png")
print(f"{prefix}: page height {height} px, {len(range(0, height, 2000))} slices")
PY

shoot "$HTML" page
# The folded tables (<details>) once more, opened, so they are looked at too.
sed 's/<details>/<details open>/g' "$HTML" > "$SHOTS/open.html"
shoot "$SHOTS/open.html" open
DOM=$(chromium "${FLAGS[@]}" --enable-logging=stderr --v=0 --dump-dom "file://$HTML" 2>"$SHOTS/console.log")

status=0
for id in verdict summary attacks paired confusion per-class calibration corruptions saliency gallery gallery-adversarial \
          gallery-corruption layers information settings; do
  grep -q "id=\"$id\"" <<<"$DOM" || { echo "missing section: $id" >&2; status=1; }
done
svgs=$(grep -o "<svg" <<<"$DOM" | wc -l)
imgs=$(grep -o 'src="data:image/png;base64,' <<<"$DOM" | wc -l)
[ "$svgs" -ge 5 ] || { echo "expected at least 5 inline SVG charts, found $svgs" >&2; status=1; }
[ "$imgs" -ge 8 ] || { echo "expected gallery images, found $imgs" >&2; status=1; }
if grep -E "CONSOLE.*(Uncaught|Error)" "$SHOTS/console.log" >&2; then status=1; fi
for page in "$HTML" ${SKIPPED:+"$SKIPPED"}; do
  if grep -Eqi '(src|href)="(https?:)?//|<script|<link|url\(' "$page"; then echo "external reference or script in $page" >&2; status=1; fi
done
if [ -n "$SKIPPED" ]; then
  shoot "$SKIPPED" skipped
  for why in "mi_samples is 0" "cw_images is 0" "square_images is 0"; do
    grep -q "not run: $why" "$SKIPPED" || { echo "skipped run: no 'not run: $why' in the page" >&2; status=1; }
  done
fi
[ -s "$SHOTS/page-full.png" ] || { echo "no screenshot written" >&2; status=1; }
[ $status -eq 0 ] && echo "report.html OK: sections present, $svgs SVG charts, $imgs inline images, no console errors; screenshots in $SHOTS"
exit $status
