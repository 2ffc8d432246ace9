#!/usr/bin/env bash
# Renders an audit's report.html in headless Chromium (Debian's `chromium`): saves a PNG
# screenshot next to it, checks that the page loads without console errors and that the
# DOM holds the expected sections and inline SVG charts.
#   usage: scripts/check-report-html.sh edge-audit-report/report.html
set -euo pipefail
HTML=$(realpath "${1:-edge-audit-report/report.html}")
OUT="${HTML%.html}.png"
command -v chromium >/dev/null || { echo "chromium is not installed (apt-get install chromium)" >&2; exit 1; }
FLAGS=(--headless --no-sandbox --disable-gpu --hide-scrollbars --allow-file-access-from-files)
chromium "${FLAGS[@]}" --window-size=1200,4200 --screenshot="$OUT" "file://$HTML" 2>/tmp/edge-audit-chromium.log >/dev/null
DOM=$(chromium "${FLAGS[@]}" --enable-logging=stderr --v=0 --dump-dom "file://$HTML" 2>/tmp/edge-audit-chromium-console.log)
status=0
for id in summary attacks corruptions calibration layers settings; do
  grep -q "id=\"$id\"" <<<"$DOM" || { echo "missing section: $id" >&2; status=1; }
done
svgs=$(grep -o "<svg" <<<"$DOM" | wc -l)
[ "$svgs" -ge 4 ] || { echo "expected at least 4 inline SVG charts, found $svgs" >&2; status=1; }
if grep -E "CONSOLE.*(Uncaught|Error)" /tmp/edge-audit-chromium-console.log >&2; then status=1; fi
if grep -Eq '(src|href)="https?://' <<<"$DOM"; then echo "external asset referenced" >&2; status=1; fi
[ -s "$OUT" ] || { echo "no screenshot written" >&2; status=1; }
[ $status -eq 0 ] && echo "report.html OK: sections present, $svgs SVG charts, no console errors; screenshot $OUT"
exit $status
