/* lostwax: the metal in a piece whose solid is drawn as several overlapping shells.
 *
 * CAD models of jewellery are often unions left undone: a band with stone seats, prongs and a
 * gallery as separate closed shells that run into each other. Summing the shells' volumes counts
 * the overlaps twice (JewelCraft's weighting has the same trap); the metal is the volume of their
 * union. lostwax measures it the way it prints: the mesh is cut into thin layers, each layer's
 * section drawn with exact-area coverage by the non-zero rule (a point inside any shell counts
 * once), and the lit areas summed times the layer height.
 *
 * Each layer is cut at its bottom, middle and top. A faceted solid's section area is a quadratic
 * in z between the heights of its vertices (its vertices slide linearly along the facets), so
 * Simpson's rule, h (A_lo + 4 A_mid + A_hi) / 6, is exact on layers with no vertex inside; on any
 * layer where the area is convex or concave the true integral lies between the midpoint value
 * h A_mid and the trapezoid value h (A_lo + A_hi) / 2, which bounds that layer's error by two
 * thirds of their difference. The pixels err first order in the pixel size, most of all where two
 * shells' outlines run within a pixel of each other (the non-zero rule overstates such a pixel):
 * a second pass with pixels twice as large measures that first-order error, which is removed
 * (Richardson extrapolation) and kept as the pixel part of the bound:
 *   volume = V_Simpson(p) - (V_mid(2p) - V_mid(p)),
 *   bound  = |V_mid(2p) - V_mid(p)| + (2/3) sum over layers of h |A_mid - (A_lo + A_hi) / 2|.
 * The bound is rigorous for the layering on layers of one convexity and for pixel errors that are
 * first order; the tests hold it against exact unions, including coincident shells.
 */
#ifndef LW_PRINT_VOLUME_H
#define LW_PRINT_VOLUME_H

#include <stdint.h>

#include "base/err.h"
#include "base/pool.h"
#include "geom/mesh.h"

typedef struct lw_union_volume {
    double volume;   /* mm³: the union of the shells */
    double bound;    /* mm³: the error bound above */
    double layer_h;  /* mm, as used (the height divided evenly) */
    double pixel;    /* mm, as used */
    uint32_t layers;
} lw_union_volume;

/* Measures the union volume of m (closed shells, mm) with layers of about layer_h (the height
 * divided evenly) and pixels of pixel mm (made coarser if the piece would need more than 16000
 * pixels across). pool may be NULL (one thread). LW_EINVAL (non-positive steps, an empty or flat
 * mesh), LW_ENOMEM, LW_ELIMIT. */
lw_rc lw_union_volume_measure(const lw_mesh *m, double layer_h, double pixel, lw_pool *pool,
                              lw_union_volume *out, lw_err *err);

#endif
