#!/usr/bin/env bash
# lostwax plate, slice and inspect end to end: the night's print from pieces to the printer's file
# and back. The figures are checked against each other and against what the test knows on its
# own (the band's volume from info, the layer count from the height, the resin's density and
# price from the table the test writes), and every refusal must be exit 2 (bad input) or 1 (the
# job could not be done) with a message that says why.
. "$(dirname "$0")/lib.sh"

run demo "$work/demo"
expect_rc 0 "demo"
band="$work/demo/band.stl"
run info "$band" --json
vol=$(jqv '.files[0].volume_mm3')      # mm3 of one band, measured on the mesh
height=$(jqv '.files[0].bbox_mm.max[2] - .files[0].bbox_mm.min[2]')

# A studio's own resin with a price, in a copy of the data folder (resins.local.tsv adds to the
# shipped table): 1.2 g/ml, 129.00 EUR a litre.
cp -r "$LOSTWAX_DATA" "$work/data"
printf 'id\tname\tdensity\texposure\tbottom_exposure\tprice_per_litre\tcurrency\tsource\n' \
  >"$work/data/resins.local.tsv"
printf 'test-wax\tTest wax\t1.2\t5\t30\t12900\tEUR\tthis test\n' >>"$work/data/resins.local.tsv"
export LOSTWAX_DATA="$work/data"

# ---- plate: six bands on the Sonic Mini 8K S, with an estimate before slicing
pr=phrozen-sonic-mini-8k-s
run plate --printer $pr "$band:6" -o "$work/p.3mf" --png "$work/p.png" --resin test-wax --json
expect_rc 0 "plate of six bands"
expect_in "$(jqv '.placed')" 6 "all six placed"
layers=$(awk "BEGIN { printf \"%d\", int($height / 0.03 + 0.5) }")
expect_near "$(jqv '.layers')" "$layers" 0 "layers: the band's height over 0.03 mm"
expect_near "$(jqv '.resin_ml')" "$(calc "6 * $vol / 1000")" 1e-6 "resin: six bands' volume"
expect_near "$(jqv '.resin_g')" "$(calc "6 * $vol / 1000 * 1.2")" 1e-6 "resin weight at 1.2 g/ml"
expect_near "$(jqv '.cost_minor')" "$(calc "int(6 * $vol / 1000 * 12.9 + 0.5)")" 0 "resin cost"
expect_in "$(jqv '.currency')" EUR "currency"
plate_time=$(jqv '.print_time_s')
expect_near "$plate_time" "$(jqv '.exposure_s + .motion_s + .wait_s')" 1e-6 "time adds up"
# 6 bottom layers of 30 s (the resin's) and the rest at 5 s: at least the exposure.
expect_near "$(jqv '.exposure_s')" "$(calc "6 * 30 + ($layers - 6) * 5")" 1e-6 "exposure time"
# Pieces keep the gap: no two bounding boxes closer than 2 mm unless they nest (rings are round,
# so boxes may overlap; their centres never come closer than the diameter plus the gap).
dmin=$(jq -r '[.items[] | .bbox_mm | [(.min[0] + .max[0]) / 2, (.min[1] + .max[1]) / 2]] as $c
  | [range(0; $c | length) as $i | range($i + 1; $c | length) as $j
     | (($c[$i][0] - $c[$j][0]) * ($c[$i][0] - $c[$j][0]) + ($c[$i][1] - $c[$j][1]) * ($c[$i][1] - $c[$j][1])) | sqrt]
  | min' <<<"$out")
diam=$(jqv '.items[0].bbox_mm.max[0] - .items[0].bbox_mm.min[0]')
checks=$((checks + 1))
awk -v d="$dmin" -v w="$diam" 'BEGIN { exit !(d >= w + 2 - 0.05) }' ||
  fail "two bands closer than their diameter plus the gap: $dmin < $diam + 2"
expect_in "$(head -c 8 "$work/p.png" | od -An -c | tr -d ' ')" 'PNG' "the plate picture is a PNG"
run plate --printer $pr "$band:6" -o "$work/p2.3mf" --resin test-wax
expect_rc 0 "plate for people"
expect_in "$out" "6 of 6 pieces placed" "report says how many fit"
expect_in "$out" "g of Test wax, " "report weighs and prices the resin"
# The plate 3MF holds six bands: its volume is six times one.
run info "$work/p.3mf" --json
expect_rc 0 "info reads the plate"
expect_near "$(jqv '[.files[0].volume_mm3] | add')" "$(calc "6 * $vol")" 0.01 "plate 3MF volume"

# ---- slice the plate; the file read back says what slice said
run slice "$work/p.3mf" --printer $pr -o "$work/t.prz" --resin test-wax --json
expect_rc 0 "slice the plate"
expect_in "$(jqv '.format')" goo "a .prz is the GOO layout"
expect_near "$(jqv '.layers')" "$layers" 0 "slice: same layer count as plate"
expect_near "$(jqv '.print_time_s')" "$plate_time" 1e-6 "slice: same time as plate"
slice_ml=$(jqv '.resin_ml')
# The lit volume differs from the mesh's only by pixel quantisation at the outlines: well under
# 1 % for bands 21 mm across on 22 um pixels.
expect_near "$slice_ml" "$(calc "6 * $vol / 1000")" "$(calc "0.01 * 6 * $vol / 1000")" \
  "lit volume near the mesh volume"
expect_in "$(jqv '.part_layers | length')" 6 "a span for every piece"
expect_near "$(jqv '.part_layers[0].last')" "$((layers - 1))" 0 "the band's last layer"
expect_near "$(jqv '.file_bytes')" "$(stat -c %s "$work/t.prz")" 0 "file size as written"
run inspect "$work/t.prz" --all --resin test-wax --json
expect_rc 0 "inspect our GOO"
expect_near "$(jqv '.layers')" "$layers" 0 "inspect: layers"
# GOO keeps the time in whole seconds.
expect_near "$(jqv '.print_time_s')" "$plate_time" 0.5 "inspect: the time the file states"
expect_near "$(jqv '.model_time_s')" "$plate_time" 0.01 "inspect: the model of its layers"
expect_near "$(jqv '.lit_volume_ml')" "$slice_ml" 1e-6 "inspect: decoded lit volume"
expect_near "$(jqv '.resin.g')" "$(calc "$slice_ml * 1.2")" 1e-6 "inspect: resin weight"
expect_in "$(jqv '.mirror.x')" true "the 8K S mirrors x"
expect_near "$(jqv '.resolution[0]')" 7536 0 "8K S width in pixels"
mid=$((layers / 2))
run inspect "$work/t.prz" --layer $mid -o "$work/mid.png"
expect_rc 0 "extract a layer"
w=$(od -An -tu1 -j16 -N4 "$work/mid.png" | awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }')
expect_near "$w" 7536 0 "the layer picture is the screen's width"

# ---- straight from meshes, to each format the printers take
for f in "phrozen-sonic-mini-4k ctb" "prusa-sl1s sl1s" "generic-4k-mono goo" "generic-4k-mono sl1"; do
  set -- $f
  run slice "$band:2" --printer "$1" -o "$work/two.$2" --json
  expect_rc 0 "slice two bands for the $1 as $2"
  n=$(jqv '.layers')
  ml=$(jqv '.resin_ml')
  run inspect "$work/two.$2" --all --json
  expect_rc 0 "inspect $2"
  expect_near "$(jqv '.layers')" "$n" 0 "$2: layers read back"
  # CTB keeps 7 bits of grey (a level reads back as (level >> 1) << 1 | 1): an edge pixel may
  # gain 1/255 of its area, which bounds the difference by far less than 0.1 %.
  tol=$([ "$2" = ctb ] && calc "0.001 * $ml" || echo 1e-6)
  expect_near "$(jqv '.lit_volume_ml')" "$ml" "$tol" "$2: lit volume read back"
  expect_near "$(jqv '.lit_volume_ml')" "$(calc "2 * $vol / 1000")" "$(calc "0.02 * 2 * $vol / 1000")" \
    "$2: lit volume near the mesh volume"
done
list=$(unzip -Z1 "$work/two.sl1s")
for entry in config.ini prusaslicer.ini thumbnail/thumbnail400x400.png thumbnail/thumbnail800x480.png two00000.png; do
  expect_in "$list" "$entry" "SL1S holds $entry"
done

# ---- refusals
run plate --printer no-such-printer "$band" -o "$work/x.3mf"
expect_rc 2 "unknown printer"
expect_in "$err" "phrozen-sonic-mini-8k-s" "unknown printer lists the printers"
run slice "$band" --printer phrozen-sonic-mini-8k -o "$work/x.ctb"
expect_rc 2 "encrypted-only printer"
expect_in "$err" "encrypted" "says the printer takes only encrypted CTB"
run slice "$band" --printer phrozen-sonic-mini-4k -o "$work/x.goo"
expect_rc 2 "a format the printer does not take"
expect_in "$err" "does not take" "says which formats it takes"
run slice "$band" --printer $pr --layer 0.07 -o "$work/x.prz"
expect_rc 2 "a layer height the printer does not take"
run slice "$band" --printer $pr --resin nothing -o "$work/x.prz"
expect_rc 2 "unknown resin"
expect_in "$err" "test-wax" "unknown resin lists the resins, the studio's own too"
run plate --printer $pr "$band"
expect_rc 2 "plate without -o"
# A 200 x 200 mm slab does not fit the 8K S's 165 x 71 mm screen: the band goes on alone.
printf 'solid slab\n' >"$work/slab.stl"
for t in "0 0 0 200 0 0 200 200 0" "0 0 0 200 200 0 0 200 0"; do
  set -- $t
  printf 'facet normal 0 0 0\nouter loop\nvertex %s %s %s\nvertex %s %s %s\nvertex %s %s %s\nendloop\nendfacet\n' "$@" >>"$work/slab.stl"
done
printf 'endsolid slab\n' >>"$work/slab.stl"
run plate --printer $pr "$band" "$work/slab.stl" -o "$work/x.3mf" --units mm --json
expect_rc 1 "a piece too big: exit 1, the rest placed"
expect_in "$(jqv '.too_big')" 1 "one too big"
expect_in "$(jqv '.items[] | select(.part == "slab") | .reason')" "too big" "says why"
run plate --printer $pr "$work/slab.stl" -o "$work/x.3mf" --units mm
expect_rc 1 "nothing fits"
expect_in "$err" "nothing fits" "says nothing fits"
# A plate made for a large printer, sliced for a small one: a piece lies off the screen.
run plate --printer elegoo-saturn-3-ultra "$band:30" -o "$work/big.3mf"
expect_rc 0 "thirty bands on the Saturn"
run slice "$work/big.3mf" --printer phrozen-sonic-mini-4k -o "$work/x.ctb"
expect_rc 2 "a plate larger than the screen"
expect_in "$err" "outside" "names the piece outside the screen"
checks=$((checks + 1))
[ ! -e "$work/x.ctb" ] || fail "a failed slice left a file behind"
# Truncated and damaged printer files are refused with the place named.
head -c 5000 "$work/t.prz" >"$work/cut.prz"
run inspect "$work/cut.prz"
expect_rc 2 "truncated GOO"
expect_in "$err" "cut.prz" "names the file"
run inspect "$work/t.prz" --layer 99999 -o "$work/x.png"
expect_rc 2 "a layer past the end"
expect_in "$err" "layers 0 to $((layers - 1))" "says which layers there are"

finish
