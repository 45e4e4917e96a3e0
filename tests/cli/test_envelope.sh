#!/usr/bin/env bash
# lostwax envelope end to end, judged by other programs: poppler says the PDF is one page of
# the right size and finds the text on it (the piece code, the accented name, RUSH, the ring
# size worked out here from the US chart's formula), zbar scans the QR code on a 200 dpi render
# back to the URL, and every word poppler finds lies inside the page's margins even when the
# fields are as long as allowed. Bad specs are refused with exit 2 and a message naming the
# field.
. "$(dirname "$0")/lib.sh"
need_program pdftoppm
need_program pdftotext
need_program pdfinfo
need_program zbarimg

url="https://studio.local/p/PC-0042"
spec() { # spec FILE [JSON-MEMBERS]: the sample piece with members added or replaced (jq)
  local file=$1 extra=""
  [ $# -gt 1 ] && extra="| . + {$2}"
  jq -n --arg url "$url" '{
      piece_code: "PC-0042", url: $url, studio: "Atelier Lostwax",
      customer: "Zoë Ångström", order_no: "O-2025-0117", piece_type: "engagement ring",
      metal: "18k yellow gold (750)", ring_size: {chart: "us", size: "7"},
      metal_estimate_g: 4.25,
      stones: [
        {stone: "diamond", cut: "round brilliant", size_mm: 6.5, count: 1, carat: 1.02,
         supplied_by: "customer"},
        {stone: "diamond", cut: "round brilliant", size_mm: 1.3, count: 24, carat: 0.01},
        {stone: "sapphire", cut: "oval", size_mm: [5, 3], count: 2, carat: 0.25}],
      due: "Fri 14 Mar 2025", rush: true,
      notes: "Grandmother'\''s diamond: check the girdle for chips before setting.\nNo rhodium.",
      created: "2025-03-10T09:30:00Z"} '"$extra" >"$file"
}

# pdf_text FILE: the PDF's text in reading order.
pdf_text() { pdftotext -enc UTF-8 "$1" - 2>/dev/null; }

# scan PDF: the QR code read off a 200 dpi render.
scan() {
  pdftoppm -r 200 -png -singlefile "$1" "$work/scan" &&
    zbarimg --raw -q "$work/scan.png" 2>/dev/null
}

# inside PDF W_PT H_PT MARGIN_MM what: every word's box lies within the margins, left, right
# and below (0.5 pt slack for glyphs that overhang their advance). Above, only on the page:
# poppler's boxes reach up to the font's ascent, well over the capitals of the RUSH band.
inside() {
  checks=$((checks + 1))
  local bad
  bad=$(pdftotext -bbox "$1" - 2>/dev/null | awk -v w="$2" -v h="$3" -v m="$4" '
    /<word / {
      for (i = 1; i <= NF; i++)
        if (split($i, kv, "=") == 2) { gsub(/"|>.*/, "", kv[2]); v[kv[1]] = kv[2] + 0 }
      mp = m * 72 / 25.4 - 0.5
      if (v["xMin"] < mp || v["yMin"] < 0 || v["xMax"] > w - mp || v["yMax"] > h - mp) print
    }')
  [ -z "$bad" ] || fail "$5: words outside the margins: $bad"
}

# ---- the sample: one A5 page, the QR code scans to the URL, the text is there
spec "$work/s.json"
run envelope --json-spec "$work/s.json" -o "$work/e.pdf" --json
expect_rc 0 "envelope"
expect_in "$(jqv .bytes)" "$(stat -c %s "$work/e.pdf")" "JSON reports the bytes written"
expect_in "$(jqv .page)" a5 "A5 by default"
info=$(pdfinfo "$work/e.pdf" 2>&1)
expect_in "$info" "Pages:           1" "one page"
expect_in "$info" "419.528 x 595.276 pts" "A5 in points"
expect_in "$info" "Title:           Job envelope PC-0042" "title"
expect_in "$info" "CreationDate:    Mon Mar 10 09:30:00 2025 UTC" "creation date from the spec"
checks=$((checks + 1))
[ "$(scan "$work/e.pdf")" = "$url" ] || fail "the QR code holds exactly the URL"
text=$(pdf_text "$work/e.pdf")
expect_in "$text" "PC-0042" "piece code"
expect_in "$text" "Zoë Ångström" "the customer's name with its accents"
expect_in "$text" "RUSH" "rush band"
expect_in "$text" "O-2025-0117" "order"
expect_in "$text" "Atelier Lostwax" "studio"
expect_in "$text" "Fri 14 Mar 2025" "due date"
# US 7 by JewelCraft's formula C = 36.5367 + 2.5535 s, stored to 1/100 mm, over pi.
dia=$(awk 'BEGIN { c = int((36.5367 + 2.5535 * 7) * 100 + 0.5) / 100
                   printf "%.2f", c / 3.14159265358979 }')
expect_in "$text" "US 7 (inner Ø $dia mm)" "ring size with its chart and diameter"
expect_in "$text" "4.250 g" "metal estimate in grams"
expect_in "$text" "1.020" "carat each, three decimals"
expect_in "$text" "customer" "whose stone"
expect_in "$text" "27 stones, 1.760 ct in all" "stone total: 1.02 + 24 x 0.01 + 2 x 0.25"
expect_in "${text// /}" "5×3" "a fancy cut's length and width"
for stage in Design Approval Print Tree Cast Cleanup Setting "Polish & plating" QC Ready; do
  expect_in "$text" "$stage" "stage $stage"
done
expect_in "$text" "RETURNED G" "metal lines"
inside "$work/e.pdf" 419.528 595.276 8 "sample A5"

# The same spec, the same bytes.
run envelope --json-spec "$work/s.json" -o "$work/e2.pdf"
expect_rc 0 "envelope again"
expect_in "$out" "wrote $work/e2.pdf" "says what it wrote"
checks=$((checks + 1))
cmp -s "$work/e.pdf" "$work/e2.pdf" || fail "the same spec gave different bytes"

# Without "created", $SOURCE_DATE_EPOCH dates it (and still gives the same bytes twice).
spec "$work/nodate.json" 'created: null'
SOURCE_DATE_EPOCH=1741599000 run envelope --json-spec "$work/nodate.json" -o "$work/d1.pdf"
expect_rc 0 "dated by SOURCE_DATE_EPOCH"
SOURCE_DATE_EPOCH=1741599000 run envelope --json-spec "$work/nodate.json" -o "$work/d2.pdf"
checks=$((checks + 1))
cmp -s "$work/d1.pdf" "$work/d2.pdf" || fail "SOURCE_DATE_EPOCH did not make the bytes repeatable"
expect_in "$(pdfinfo "$work/d1.pdf")" "Mon Mar 10 09:30:00 2025 UTC" "SOURCE_DATE_EPOCH's date"

# ---- not rushed: no band; the other pages; a preview picture made by poppler itself
spec "$work/calm.json" 'rush: false'
run envelope --json-spec "$work/calm.json" -o "$work/calm.pdf"
expect_rc 0 "no rush"
checks=$((checks + 1))
case "$(pdf_text "$work/calm.pdf")" in *RUSH*) fail "RUSH on a piece that is not rushed" ;; esac
pdftoppm -r 15 -png -singlefile "$work/calm.pdf" "$work/preview"
spec "$work/a4.json" 'preview: "preview.png"'
run envelope --json-spec "$work/a4.json" -o "$work/a4.pdf" --page a4
expect_rc 0 "A4 with a preview (path from the spec's folder)"
expect_in "$(pdfinfo "$work/a4.pdf")" "595.276 x 841.89 pts" "A4 in points"
expect_in "$(scan "$work/a4.pdf")" "$url" "the QR code scans on A4"
checks=$((checks + 1))
[ "$(pdfimages -list "$work/a4.pdf" 2>/dev/null | awk 'NR > 2' | wc -l)" -ge 1 ] ||
  fail "the preview is not in the PDF"
spec "$work/label.json" 'page: "label"'
run envelope --json-spec "$work/label.json" -o "$work/label.pdf"
expect_rc 0 "label from the spec's page"
expect_in "$(pdfinfo "$work/label.pdf")" "283.465 x 425.197 pts" "100 x 150 mm in points"
expect_in "$(scan "$work/label.pdf")" "$url" "the QR code scans on the label"
expect_in "$(pdf_text "$work/label.pdf")" "PC-0042" "piece code on the label"
inside "$work/label.pdf" 283.465 425.197 5 "sample label"

# ---- every field as long as allowed, in wide letters with no space to break at: shortened
# with an ellipsis, never over the edge; the QR code of a 256-byte URL still scans.
W() { printf "W%.0s" $(seq "$1"); }
long_url="https://studio.local/p/$(printf 'x%.0s' $(seq 233))"
jq -n --arg w120 "$(W 120)" --arg w80 "$(W 80)" --arg w32 "$(W 32)" --arg w40 "$(W 40)" \
  --arg w1000 "$(W 1000)" --arg url "$long_url" '{
    piece_code: $w32, url: $url, studio: $w120, customer: $w120, order_no: $w32,
    piece_type: $w80, metal: $w80, due: $w80, notes: $w1000, rush: true,
    ring_size: {circumference_mm: 54.5, label: $w32},
    stones: [range(0; 50) | {stone: $w40, cut: $w40, size_mm: [100, 100], count: 9999,
                             carat: 10000, supplied_by: "customer"}],
    created: 0}' >"$work/long.json"
for page in a5 a4 label; do
  run envelope --json-spec "$work/long.json" -o "$work/long-$page.pdf" --page $page
  expect_rc 0 "longest fields on $page"
  expect_in "$(scan "$work/long-$page.pdf")" "$long_url" "a 256-byte URL scans on $page"
done
expect_in "$(pdf_text "$work/long-a5.pdf")" "…" "long text ends with an ellipsis"
expect_in "$(pdf_text "$work/long-a5.pdf")" "more rows: see the order" "stones that do not fit"
inside "$work/long-a5.pdf" 419.528 595.276 8 "longest fields on A5"
inside "$work/long-a4.pdf" 595.276 841.89 12 "longest fields on A4"
inside "$work/long-label.pdf" 283.465 425.197 5 "longest fields on the label"

# ---- refusals: exit 2 naming the field
refuse() { # refuse EXPECTED-IN-STDERR what JSON-MEMBERS
  local want=$1 what=$2
  spec "$work/bad.json" "$3"
  run envelope --json-spec "$work/bad.json" -o "$work/bad.pdf"
  expect_rc 2 "$what"
  expect_in "$err" "$want" "$what: message"
}
refuse "piece_code: required" "no piece code" 'piece_code: null'
refuse "url: required" "no url" 'url: null'
refuse "rush: expected true or false, got a string" "rush as text" 'rush: "yes"'
refuse "stones[0].carat: expected a number, got a string" "carat as text" \
  'stones: [{stone: "ruby", carat: "1"}]'
refuse "stones[0].carat: 0.0125 has more than 3 decimals" "carat to a ten-thousandth" \
  'stones: [{stone: "ruby", carat: 0.0125}]'
refuse "stones[0].supplied_by" "unknown owner" 'stones: [{stone: "ruby", supplied_by: "bank"}]'
refuse "stones[1].count" "count 0" 'stones: [{stone: "ruby"}, {stone: "ruby", count: 0}]'
refuse "stones[0].size_mm: -1 is negative" "negative size" 'stones: [{size_mm: -1}]'
refuse "cusomer: unknown field" "a misspelt field" 'cusomer: "Zoë"'
refuse "stones[0].colour: unknown field" "a misspelt stone field" 'stones: [{colour: "red"}]'
refuse "customer: control character U+0007" "a bell in a name" 'customer: "Zo\u0007ë"'
refuse "customer: 121 characters, more than the limit of 120" "a name too long" \
  "customer: \"$(W 121)\""
refuse "stones: 51 rows, more than the limit of 50" "too many stones" \
  'stones: [range(0; 51) | {stone: "melee"}]'
refuse "ring_size" "a size not on the chart" 'ring_size: {chart: "us", size: "77"}'
refuse "ring_size.circumference_mm" "a circumference as text" 'ring_size: {circumference_mm: "54"}'
refuse "ring_size.circumference_mm: 300 is more than 125" "a circumference no ring has" \
  'ring_size: {circumference_mm: 300}'
refuse "ring_size.circumference_mm: 20 is less than 25" "a diameter given as a circumference" \
  'ring_size: {circumference_mm: 20}'
refuse "created: \"10/03/2025\" is not a date" "a date in another form" 'created: "10/03/2025"'
refuse "unknown page 'letter'" "an unknown page" 'page: "letter"'
refuse "preview: $work/missing.png" "a missing preview" 'preview: "missing.png"'
printf '{"piece_code": "PC-1", ' >"$work/broken.json"
run envelope --json-spec "$work/broken.json" -o "$work/bad.pdf"
expect_rc 2 "broken JSON"
expect_in "$err" "line 1" "broken JSON: where"
printf '{"piece_code": "PC-1", "piece_code": "PC-2", "url": "u"}' >"$work/dup.json"
run envelope --json-spec "$work/dup.json" -o "$work/bad.pdf"
expect_rc 2 "a field twice"
run envelope --json-spec "$work/s.json"
expect_rc 2 "no -o"
checks=$((checks + 1))
[ ! -e "$work/bad.pdf" ] || fail "a refused spec left a PDF behind"
run envelope --help
expect_rc 0 "help"
expect_in "$out" "--json-spec" "help names the spec"

finish
