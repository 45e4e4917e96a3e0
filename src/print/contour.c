/* lostwax: closed polygons of a layer (see contour.h). */
#include "print/contour.h"

#include <string.h>

#include "base/alloc.h"
#include "base/vec.h"

void lw_contours_init(lw_contours *c) { memset(c, 0, sizeof *c); }

void lw_contours_clear(lw_contours *c)
{
    lw_free(c->xy);
    lw_free(c->start);
    lw_contours_init(c);
}

void lw_contours_reset(lw_contours *c)
{
    c->npoints = c->ncontours = 0;
    if (c->start)
        c->start[0] = 0;
}

lw_rc lw_contours_begin(lw_contours *c)
{
    /* A contour of fewer than 3 points encloses nothing: drop it before starting the next. */
    if (c->ncontours && c->npoints - c->start[c->ncontours - 1] < 3)
        c->npoints = c->start[--c->ncontours];
    lw_rc rc = LW_VEC_RESERVE(c->start, c->cap_start, (size_t)c->ncontours + 2, UINT32_MAX);
    if (rc)
        return rc;
    c->start[c->ncontours] = c->npoints;
    c->start[++c->ncontours] = c->npoints;
    return LW_OK;
}

lw_rc lw_contours_point(lw_contours *c, double x, double y)
{
    lw_rc rc = LW_VEC_RESERVE(c->xy, c->cap_xy, 2 * ((size_t)c->npoints + 1), UINT32_MAX);
    if (rc)
        return rc;
    c->xy[2 * (size_t)c->npoints] = x;
    c->xy[2 * (size_t)c->npoints + 1] = y;
    c->npoints++;
    c->start[c->ncontours] = c->npoints;
    return LW_OK;
}

lw_rc lw_contours_add(lw_contours *c, const double *xy, uint32_t n)
{
    if (n < 3)
        return LW_OK;
    /* Room for the whole contour at once, rather than point by point. */
    lw_rc rc = LW_VEC_RESERVE(c->xy, c->cap_xy, 2 * ((size_t)c->npoints + n), UINT32_MAX);
    if (!rc)
        rc = lw_contours_begin(c);
    for (uint32_t i = 0; i < n && !rc; i++)
        rc = lw_contours_point(c, xy[2 * (size_t)i], xy[2 * (size_t)i + 1]);
    return rc;
}

double lw_contour_area(const lw_contours *c, uint32_t i)
{
    uint32_t a = c->start[i], b = c->start[i + 1];
    if (b - a < 3)
        return 0;
    /* Shoelace about the first point, which keeps the products small far from the origin. */
    const double *p0 = c->xy + 2 * (size_t)a;
    double s = 0;
    for (uint32_t k = a + 1; k + 1 < b; k++) {
        const double *p = c->xy + 2 * (size_t)k, *q = p + 2;
        s += (p[0] - p0[0]) * (q[1] - p0[1]) - (q[0] - p0[0]) * (p[1] - p0[1]);
    }
    return s / 2;
}

double lw_contours_area(const lw_contours *c)
{
    double s = 0;
    for (uint32_t i = 0; i < c->ncontours; i++)
        s += lw_contour_area(c, i);
    return s;
}
