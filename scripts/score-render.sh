#!/usr/bin/env bash
# A harmonization as a printed score, headless: `altus harmonize` writes MusicXML for a
# chorale's melody, MuseScore 3 (Debian's `musescore3`, offscreen Qt platform: no display
# needed) converts it to PNG, and the page must be a score, not blank: anti-aliased ink in many
# greys, between 1% and 25% of the page dark. Needs musescore3 and imagemagick (`.ci/run`
# installs them).
#
#   scripts/score-render.sh [OUT.png]      # default target/score.png (MuseScore adds -1, -2 per page)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/score.png}
chorales=${ALTUS_CHORALES:-../shared/data/chorales/midi}

fail() { echo "score-render: $*" >&2; exit 1; }

# $ALTUS_BIN: an `altus` already built (CI passes the one the tests just built).
altus=${ALTUS_BIN:-}
if [ -z "$altus" ]; then
  cargo build --locked --release -p altus-training --bin altus
  altus=target/release/altus
fi
mkdir -p "$(dirname "$out")"
xml=${out%.png}.musicxml
"$altus" harmonize --voices satb "$chorales/000106b_.mid" "$xml"
rm -f "${out%.png}"-*.png
QT_QPA_PLATFORM=offscreen timeout 120 mscore3 -r 100 -o "$out" "$xml" >target/mscore.log 2>&1 ||
  { cat target/mscore.log >&2; fail "MuseScore could not convert $xml (log above)"; }
page=${out%.png}-1.png
[ -f "$page" ] || { cat target/mscore.log >&2; fail "no $page"; }
colours=$(convert "$page" -format %k info:)
# Mean brightness of the page in percent (white = 100) on white: MuseScore leaves it transparent.
light=$(convert "$page" -background white -alpha remove -colorspace Gray -format '%[fx:int(mean*1000)/10]' info:)
[ "$colours" -gt 16 ] || fail "$page has $colours colours: nothing engraved"
awk -v l="$light" 'BEGIN { exit !(l >= 75 && l <= 99) }' ||
  fail "$page is $light% white: blank or not a score"
echo "score-render: $xml → $page ($(ls "${out%.png}"-*.png | wc -l) page(s), $colours colours, $light% white)"
