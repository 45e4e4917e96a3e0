#!/usr/bin/env bash
# lostwax render end to end: the demo band drawn as a PNG of the size asked for (read back from
# the file's own header), the JSON agreeing with it and with the band's size from info, the
# same picture twice for the same input, and every refusal exit 2 with a message that says why.
. "$(dirname "$0")/lib.sh"

run demo "$work/demo"
expect_rc 0 "demo"
band="$work/demo/band.stl"
run info "$band" --json
bx=$(jqv '.files[0].bbox_mm.max[0] - .files[0].bbox_mm.min[0]')
by=$(jqv '.files[0].bbox_mm.max[1] - .files[0].bbox_mm.min[1]')

# png_size FILE: "WIDTH HEIGHT COLOURTYPE" from the PNG signature and IHDR chunk.
png_size() {
  local sig
  sig=$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')
  [ "$sig" = 89504e470d0a1a0a ] || { echo "not-a-png"; return; }
  od -An -tu1 -j16 -N10 "$1" | awk '{ printf "%d %d %d", $1 * 16777216 + $2 * 65536 + $3 * 256 + $4,
    $5 * 16777216 + $6 * 65536 + $7 * 256 + $8, $10 }'
}

# ---- the default: three views, 1200 x 400, 18K yellow
run render "$band" -o "$work/a.png" --json
expect_rc 0 "render the band"
expect_in "$(png_size "$work/a.png")" "1200 400 2" "PNG header: 1200 x 400 RGB"
expect_near "$(jqv '.size[0]')" 1200 0 "JSON width"
expect_near "$(jqv '.size[1]')" 400 0 "JSON height"
expect_in "$(jqv '.views | join(",")')" "three-quarter,front,top" "default views"
expect_in "$(jqv '.metal')" "18k-yellow" "default metal"
expect_in "$(jqv '.metal_rgb')" "#E8C15A" "the metal's colour from data/metals.tsv"
expect_near "$(jqv '.png_bytes')" "$(stat -c %s "$work/a.png")" 0 "bytes as written"
expect_in "$(jqv '.watermark')" "null" "no watermark"
# The band fits its 400 px cell: the top view shows its whole width, scale x width < 400.
scale=$(jqv '.scale_px_per_mm')
checks=$((checks + 1))
awk -v s="$scale" -v w="$bx" 'BEGIN { exit !(s * w < 400 && s * w > 250) }' ||
  fail "scale $scale px/mm does not fit a $bx mm band in a 400 px cell"

# ---- one view, its size and the scale: the band seen from above fills the picture's height
# less margins and room for the scale bar, so scale x depth is most of 400 px, never more.
run render "$band" -o "$work/top.png" --views top --size 640x400 --json
expect_rc 0 "top view only"
expect_in "$(png_size "$work/top.png")" "640 400 2" "PNG header: 640 x 400"
expect_in "$(jqv '.views | join(",")')" "top" "one view"
scale=$(jqv '.scale_px_per_mm')
checks=$((checks + 1))
awk -v s="$scale" -v d="$by" 'BEGIN { exit !(s * d <= 400 && s * d > 0.75 * 400) }' ||
  fail "top view: scale $scale px/mm for a $by mm deep band in 400 px"
bar=$(jqv '.scale_bar_mm')
checks=$((checks + 1))
case "$bar" in 1 | 2 | 5 | 10 | 20 | 1.0 | 2.0 | 5.0 | 10.0 | 20.0) ;; *) fail "scale bar $bar mm is not round" ;; esac
checks=$((checks + 1))
awk -v s="$scale" -v b="$bar" 'BEGIN { exit !(s * b <= 0.3 * 640) }' || fail "scale bar too long"

# ---- a metal, a watermark, a size, views; the same again gives the same bytes
args=(-o "$work/b.png" --metal 18k-rose --watermark "Order 1042 · Atelier" --size 900x300
  --views three-quarter,side,front)
run render "$band" "${args[@]}" --json
expect_rc 0 "rose gold, watermarked"
expect_in "$(png_size "$work/b.png")" "900 300 2" "PNG header: 900 x 300"
expect_in "$(jqv '.metal')" "18k-rose" "metal"
expect_in "$(jqv '.metal_rgb')" "#E7A98A" "rose gold's colour"
expect_in "$(jqv '.watermark')" "Order 1042 · Atelier" "watermark text"
cp "$work/b.png" "$work/b1.png"
run render "$band" "${args[@]}"
expect_rc 0 "the same again"
expect_in "$out" "watermarked" "text output says so"
checks=$((checks + 1))
cmp -s "$work/b.png" "$work/b1.png" || fail "two renders of the same input differ"
run render "$band" -o "$work/c.png" --metal 18k-white-pd --size 900x300 \
  --views three-quarter,side,front
expect_rc 0 "white gold, no watermark"
checks=$((checks + 1))
cmp -s "$work/b.png" "$work/c.png" && fail "metal and watermark did not change the picture"
run render "$band" -o "$work/d.png" --background 202020 --size 300x100
expect_rc 0 "dark background"
expect_in "$(png_size "$work/d.png")" "300 100 2" "PNG header: 300 x 100"

# ---- refusals
run render "$band" -o "$work/x.png" --metal unobtainium
expect_rc 2 "unknown metal"
expect_in "$err" "unobtainium" "the message names it"
expect_in "$err" "18k-rose" "and lists the known alloys"
run render "$band" -o "$work/x.png" --metal wax
expect_rc 2 "a pattern material is not a metal"
run render "$work/demo/missing.stl" -o "$work/x.png"
expect_rc 2 "missing file"
expect_in "$err" "missing.stl" "the message names the file"
run render "$band"
expect_rc 2 "no -o"
run render "$band" -o "$work/x.png" --size 0x100
expect_rc 2 "zero width"
run render "$band" -o "$work/x.png" --size 12x
expect_rc 2 "malformed size"
run render "$band" -o "$work/x.png" --size 9000x100
expect_rc 2 "wider than 8192"
expect_in "$err" "8192" "the message gives the limit"
run render "$band" -o "$work/x.png" --views top,bottom
expect_rc 2 "unknown view"
expect_in "$err" "bottom" "the message names it"
run render "$band" -o "$work/x.png" --background red
expect_rc 2 "bad colour"
run render "$band" -o "$work/x.png" --watermark "$(printf 'bad\001text')"
expect_rc 2 "control character in the watermark"
checks=$((checks + 1))
[ -e "$work/x.png" ] && fail "a refused render left a file"

finish
