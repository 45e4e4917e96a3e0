#!/usr/bin/env bash
# lostwax info and weigh end to end: on a ring lostwax makes itself (whose volume is known in
# closed form), and on hostile files, each of which must give exit 2 and a message naming the
# file and the place, never a crash.
. "$(dirname "$0")/lib.sh"

run demo "$work/demo"
expect_rc 0 "demo"
band="$work/demo/band.stl"

# The band's exact (smooth) volume: 2 pi x the profile's first moment (docs: design/band.h), here
# computed in the test from the band's measures: ri 8.65, ro 10.65, h 3, relief 0.35, dome 0.5.
exact=$(calc '2 * 3.14159265358979 * 0.5 * ((10.65^2 * 6 - 2 * 10.65 * 0.5 * 6 / 3 + 0.25 * 6 / 5) - (8.65^2 * 6 + 2 * 8.65 * 0.35 * 6 / 3 + 0.35^2 * 6 / 5))')
run info "$band" --json
expect_rc 0 "info on the demo band"
vol=$(jqv '.files[0].volume_mm3')
# 256 segments fall short of the smooth band by about (2 pi / 256)^2 / 6 = 0.01 %.
expect_near "$vol" "$exact" "$(calc "$exact * 0.0003")" "band volume near the smooth band"
expect_in "$(jqv '.files[0].printable')" "true" "the band is printable"
expect_in "$(jqv '.files[0].format')" "binary STL" "format"
expect_near "$(jqv '.files[0].ring.inner_diameter_mm')" 17.3 0.005 "inner diameter"
expect_in "$(jqv '.files[0].units.basis')" "assumed" "STL units are assumed"

# The 3MF of the same band has the same volume.
run info "$work/demo/band.3mf" --json
expect_near "$(jqv '.files[0].volume_mm3')" "$vol" 0.001 "3MF and STL agree"

# weigh: 18K yellow at 15.58 g/cm3 (data/metals.tsv); metal to melt with 10 % sprue from wax.
run weigh "$band" --metal 18k-yellow --json
expect_rc 0 "weigh"
expect_near "$(jqv '.files[0].metals[0].net_mg')" "$(calc "$vol * 15.58")" 1 "18K net weight in mg"
expect_near "$(jqv '.files[0].metals[0].fine_mg')" "$(calc "$vol * 15.58 * 0.75")" 1 "fine gold"
expect_near "$(jqv '.files[0].metals[0].melt_mg')" "$(calc "$vol * 1.1 * 15.58")" 2 "metal to melt"
run weigh "$band" --metal unobtainium
expect_rc 2 "unknown metal"
expect_in "$err" "18k-yellow" "unknown metal lists the metals"

# Two overlapping boxes as separate shells (OBJ objects): 500 + 500 mm3 sharing 5 x 5 x 3. The
# metal is their union, 925 mm3; the shells' sum (1000) counts the overlap twice.
{
  echo "# two overlapping boxes"
  for o in "a 0 0 0 10 10 5" "b 5 5 2 15 15 7"; do
    set -- $o
    echo "o $1"
    for k in 0 1 2 3 4 5 6 7; do
      echo "v $(( k & 1 ? $5 : $2 )) $(( k & 2 ? $6 : $3 )) $(( k & 4 ? $7 : $4 ))"
    done
  done
  for base in 0 8; do
    for f in "1 3 2" "2 3 4" "5 6 7" "6 8 7" "1 2 5" "2 6 5" "3 7 4" "4 7 8" "1 5 3" "3 5 7" "2 4 6" "4 8 6"; do
      set -- $f
      echo "f $(( $1 + base )) $(( $2 + base )) $(( $3 + base ))"
    done
  done
} >"$work/boxes.obj"
run info "$work/boxes.obj" --json
expect_rc 0 "info on overlapping boxes"
expect_in "$(jqv '.files[0].volume_method')" "union" "overlapping shells are measured as a union"
expect_near "$(jqv '.files[0].volume_mm3')" 925 0.01 "union of the two boxes"
expect_near "$(jqv '.files[0].shell_volume_sum_mm3')" 1000 1e-6 "the shells' sum"
expect_in "$(jqv '.files[0].overlapping_shell_pairs')" "1" "one overlapping pair"
run weigh "$work/boxes.obj" --metal sterling --json
expect_near "$(jqv '.files[0].metals[0].net_mg')" "$(calc '925 * 10.36')" 1 "sterling weight of the union"

# Wrong units: the band written in centimetres is 2.13 "mm" across; lostwax says so and
# proposes cm; --units cm gives the right volume (x 1000).
"$LOSTWAX" info "$band" --units 0.1mm --json >"$work/small.json"
expect_near "$(jq -r '.files[0].volume_mm3' "$work/small.json")" "$(calc "$vol / 1000")" 0.001 "--units scales"
run info "$band" --units 0.1mm
expect_in "$out" "not the size of a piece of jewellery" "implausible size is flagged"
expect_in "$out" "--units" "a unit is proposed"
run info "$band" --units furlong
expect_rc 2 "unknown unit"

# Hostile files. Each: exit 2, the file named, the place named.
printf 'solid x\n facet normal 0 0 1\n  outer loop\n   vertex 0 0 0\n   vertex 1 0 0\n' >"$work/trunc.stl"
run info "$work/trunc.stl"
expect_rc 2 "truncated ASCII STL"
expect_in "$err" "trunc.stl" "names the file"
expect_in "$err" "line" "names the line"

head -c 1000 "$band" >"$work/cut.stl"
run info "$work/cut.stl"
expect_rc 2 "truncated binary STL"
expect_in "$err" "facets" "says the count does not match"

# A header claiming a billion facets in a 134-byte file.
{ head -c 80 /dev/zero; printf '\x00\xca\x9a\x3b'; head -c 50 /dev/zero; } >"$work/billion.stl"
run info "$work/billion.stl"
expect_rc 2 "10^9 facets claimed"
expect_in "$err" "1000000000" "the claim is quoted"

# A NaN coordinate in facet 0.
{ head -c 80 /dev/zero; printf '\x01\x00\x00\x00'; head -c 12 /dev/zero; printf '\x00\x00\xc0\x7f'; head -c 34 /dev/zero; } >"$work/nan.stl"
run info "$work/nan.stl"
expect_rc 2 "NaN coordinate"
expect_in "$err" "NaN" "says NaN"
expect_in "$err" "facet 0" "names the facet"

printf 'v 0 0 0\nv 1 0 0\nf 1 2 7\n' >"$work/bad.obj"
run info "$work/bad.obj"
expect_rc 2 "OBJ index out of range"
expect_in "$err" "line 3" "names the line"

printf 'PK\003\004garbage' >"$work/bad.3mf"
run info "$work/bad.3mf"
expect_rc 2 "broken zip"
expect_in "$err" "bad.3mf" "names the file"

: >"$work/empty.stl"
run info "$work/empty.stl"
expect_rc 2 "empty file"
expect_in "$err" "empty" "says empty"

run info "$work/no-such-file.stl"
expect_rc 2 "missing file"
run info "$work"
expect_rc 2 "a directory"

# A zip bomb: 200 MB of spaces as the model part compress to a few hundred KB.
need_program zip
{
  mkdir -p "$work/bomb/3D"
  head -c 200000000 /dev/zero | tr '\0' ' ' >"$work/bomb/3D/3dmodel.model"
  (cd "$work/bomb" && zip -q -9 ../bomb.3mf 3D/3dmodel.model)
  rm -rf "$work/bomb"
  run info "$work/bomb.3mf"
  expect_rc 2 "zip bomb"
  expect_in "$err" "3dmodel.model" "names the entry"
}

# An open mesh cannot be weighed: remove one facet (50 bytes) and fix the count.
drop_last_facet() { # writes the band minus its last facet, the header's count lowered by one
  local n
  n=$(( ($(stat -c %s "$band") - 84) / 50 - 1 ))
  { head -c 80 "$band"; printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((n & 255)) $(((n >> 8) & 255)) $(((n >> 16) & 255)) $(((n >> 24) & 255)))"; tail -c +85 "$band" | head -c $((n * 50)); } >"$work/open.stl"
}
drop_last_facet
run info "$work/open.stl" --json
expect_rc 0 "info reports an open mesh"
expect_in "$(jqv '.files[0].watertight')" "false" "not watertight"
expect_in "$(jqv '.files[0].holes')" "1" "one hole"
expect_in "$(jqv '.files[0].problems[0].kind')" "hole" "the problem is a hole"
run info "$work/open.stl" --strict
expect_rc 1 "--strict fails on an open mesh"
run weigh "$work/open.stl"
expect_rc 1 "an open mesh has no weight"
expect_in "$err" "hole" "says why"
finish
