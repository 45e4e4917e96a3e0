/* lostwax: a layer's outline as the slicer hands it to the rasteriser: closed polygons in the
 * plate's millimetres (x right, y toward the back of the plate), each contour's last point
 * joining its first. Orientation carries meaning: a consistently oriented solid slices into
 * counter-clockwise outer boundaries and clockwise holes, and the rasteriser fills by non-zero
 * winding, so overlapping shells (a band and the stone seats welded onto it) fill as their
 * union.
 */
#ifndef LW_PRINT_CONTOUR_H
#define LW_PRINT_CONTOUR_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef struct lw_contours {
    double *xy;       /* 2 * npoints coordinates, mm */
    uint32_t *start;  /* ncontours + 1 offsets into the points: contour c is [start[c], start[c+1]) */
    uint32_t npoints, ncontours;
    size_t cap_xy, cap_start; /* internal */
} lw_contours;

void lw_contours_init(lw_contours *c);
void lw_contours_clear(lw_contours *c);
/* Empties it, keeping the storage (one per worker, reused layer after layer). */
void lw_contours_reset(lw_contours *c);

/* Appends a contour of n points (2n coordinates). Contours of fewer than 3 points are ignored.
 * LW_ENOMEM. */
lw_rc lw_contours_add(lw_contours *c, const double *xy, uint32_t n);

/* Appends a point to the last contour (lw_contours_begin starts a new one). LW_ENOMEM. */
lw_rc lw_contours_begin(lw_contours *c);
lw_rc lw_contours_point(lw_contours *c, double x, double y);

/* Signed area, mm² (counter-clockwise positive), of contour i and of all together. For
 * contours that do not overlap the total is the area enclosed; overlapping ones count twice. */
double lw_contour_area(const lw_contours *c, uint32_t i);
double lw_contours_area(const lw_contours *c);

#endif
