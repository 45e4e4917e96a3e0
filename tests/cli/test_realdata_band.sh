#!/usr/bin/env bash
# The comfort-fit band of ../shared/data/models/openscad/band.scad, built by OpenSCAD, measured by
# lostwax and by admesh in the same run: the two volumes agree, they agree with the band lostwax
# builds itself from the same profile, and the ring is read as 17.3 mm inside (US 7).
. "$(dirname "$0")/lib.sh"
need_shared models/openscad/band.scad
scad=$shared
need_program openscad
need_program admesh

openscad -o "$work/band.stl" "$scad" >/dev/null 2>&1 || { fail "openscad could not build band.scad"; finish; exit; }
run info "$work/band.stl" --json
expect_rc 0 "info on OpenSCAD's band"
vol=$(jqv '.files[0].volume_mm3')
admesh_vol=$(admesh --exact "$work/band.stl" | sed -n 's/.*Volume *: *\([0-9.]*\).*/\1/p')
# admesh prints "Volume   :  622.998291" (float arithmetic: agree to a few thousandths).
expect_near "$vol" "$admesh_vol" 0.002 "lostwax and admesh agree on the volume"
expect_near "$vol" 623.0 0.05 "the README's reference volume"
expect_in "$(jqv '.files[0].watertight')" "true" "watertight"
expect_near "$(jqv '.files[0].ring.inner_diameter_mm')" 17.3 0.01 "inner diameter"
expect_in "$(jqv '.files[0].ring.sizes.us')" "7" "US 7"
expect_near "$(jqv '.files[0].ring.shank_thickness_mm')" 2.0 0.02 "2 mm thick"
expect_near "$(jqv '.files[0].ring.shank_width_mm')" 6.0 0.01 "6 mm wide"

# lostwax's own band from the same profile and segment count: the same polyhedron, so the same
# volume up to OpenSCAD's float rounding of the vertices.
run demo "$work/demo"
expect_rc 0 "demo writes its band"
run info "$work/demo/band.stl" --json
expect_near "$(jqv '.files[0].volume_mm3')" "$vol" 0.01 "OpenSCAD's band and lostwax's band"
finish
