/* lostwax: is this mesh a ring, and what are its jeweller's measures?
 *
 * A ring is recognised by what a jeweller looks for: a round hole a finger passes through. Looking
 * along each of the three axes, the mesh is projected onto the plane across it; a ring shows a
 * hole there, enclosed by metal, close to a circle, 10-30 mm across. The inner diameter is the
 * largest circle that passes through the hole (found exactly against the projected facets, so the
 * narrowest point of a comfort-fit inside decides, as on a ring stick). The shank is measured where
 * the outer surface comes closest to the finger (the bottom of the shank, opposite the head):
 * radial thickness and width along the finger there.
 *
 * Rings are assumed to be drawn with the finger's axis along X, Y or Z, as every CAD program and
 * every file in the wild does; a tilted ring is reported as "not recognised", never mis-measured.
 */
#ifndef LW_DESIGN_RING_MEASURE_H
#define LW_DESIGN_RING_MEASURE_H

#include <stdbool.h>

#include "base/err.h"
#include "geom/mesh.h"

typedef struct lw_ring_measures {
    bool is_ring;
    int axis;               /* 0, 1, 2: the finger's axis is X, Y or Z */
    double centre[3];       /* a point on the finger's axis, mm */
    double inner_diameter;  /* mm: the largest circle through the hole */
    double shank_thickness; /* mm, radially, at the bottom of the shank */
    double shank_width;     /* mm, along the finger, at the bottom of the shank */
    double outer_diameter;  /* mm: inner_diameter + 2 x shank_thickness */
    double roundness;       /* hole area / inscribed circle area (1 for a round hole) */
    char why_not[160];      /* when !is_ring: what was missing, for the user */
} lw_ring_measures;

/* Measures m (millimetres). Not finding a ring is a normal outcome (is_ring false, why_not set).
 * Errors: LW_ENOMEM only. */
lw_rc lw_ring_measure(const lw_mesh *m, lw_ring_measures *out, lw_err *err);

#endif
