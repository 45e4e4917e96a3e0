/* lostwax: plain and comfort-fit wedding bands from their jeweller's measurements.
 *
 * A band is a profile revolved about the finger's axis (Z, the band lying flat on the plate,
 * from z = 0 to z = width). The comfort-fit profile is the one studios cut: the inside bulges
 * toward the finger by `inner_relief` at the centre line falling off as a parabola to the edges,
 * the outside is domed, dropping `outer_drop` at the edges. Inner diameter and thickness are
 * measured at the centre line, as a ring gauge and a caliper would.
 */
#ifndef LW_DESIGN_BAND_H
#define LW_DESIGN_BAND_H

#include <stdint.h>

#include "base/err.h"
#include "geom/mesh.h"

typedef struct lw_band_spec {
    double inner_diameter; /* mm, at the centre line (the ring size) */
    double width;          /* mm, along the finger */
    double thickness;      /* mm, at the centre line */
    double inner_relief;   /* mm the inner surface recedes at the edges (0 = flat inside) */
    double outer_drop;     /* mm the outer dome drops at the edges (0 = flat outside) */
    uint32_t segments;     /* around the ring (>= 3) */
    uint32_t profile_steps;/* samples per side of the profile (>= 1) */
} lw_band_spec;

/* The band of the shared test models (band.scad): 17.3 mm inside, 6 mm wide, 2 mm thick,
 * 0.35 mm relief, 0.5 mm dome, 256 segments, 64 steps. */
void lw_band_spec_default(lw_band_spec *s);

/* The band's profile as (r, z) pairs into rz (2 * (2 * steps + 2) doubles): the outside bottom to
 * top, then the inside top to bottom. Returns the number of points. */
uint32_t lw_band_profile(const lw_band_spec *s, double *rz);

/* Appends the band to m (part id 0). LW_EINVAL for non-positive or inconsistent measures (a relief
 * or drop that would make the wall vanish), LW_ENOMEM, LW_ELIMIT. */
lw_rc lw_band_build(const lw_band_spec *s, lw_mesh *m, lw_err *err);

/* The exact volume of the smooth band (no faceting), mm³: 2 pi times the profile's first moment. */
double lw_band_volume_exact(const lw_band_spec *s);

#endif
