/* lostwax: the parts of design/render.c that its tests reach into: the triangle rasteriser with
 * its fill rule, and the smoothing of vertex normals with creases kept sharp. Not for other
 * modules: the public interface is design/render.h. */
#ifndef LW_DESIGN_RENDER_INT_H
#define LW_DESIGN_RENDER_INT_H

#include <stdint.h>

#include "base/err.h"
#include "geom/mesh.h"

/* Sample coordinates are fixed point with this many fractional bits; sample (i, j) of a grid
 * has its centre at (i << LW_RSUB, j << LW_RSUB). */
#define LW_RSUB 8
#define LW_RNONE UINT32_MAX /* no facet at a sample */

/* A band of samples: the nearest facet's depth (larger is nearer the camera) and its id. */
typedef struct lw_rgrid {
    float *z;    /* w * h, row-major; -INFINITY where nothing is */
    uint32_t *id;/* w * h; LW_RNONE where nothing is */
    int32_t w, h;
    int32_t y0;  /* the grid's first row is sample row y0 of the view */
    int cull;    /* 0: draw every triangle; 1: skip those wound clockwise as the camera sees
                  * them (the far side of a closed surface whose facets wind counter-clockwise
                  * seen from outside); -1: skip those wound counter-clockwise */
} lw_rgrid;

/* Draws one triangle, corners p[0..1], p[2..3], p[4..5] in fixed-point sample coordinates of
 * the view (any winding; |coordinates| < 2^26) at depths z[0..2], into the samples of g it
 * covers where it is nearer than what is there (ties keep what is there). A sample is covered
 * when it is inside the triangle or on a top or left edge (see docs/internals/render.md), so
 * triangles sharing an edge cover each sample along it exactly once. A triangle of zero area
 * covers nothing. */
void lw_rgrid_tri(lw_rgrid *g, const int32_t p[6], const float z[3], uint32_t id);

/* Smoothed normals: facet f's corner k has the unit normal n + 3 * corner[3 f + k]. Corners of
 * one vertex share a normal when their facets are joined through edges at that vertex that are
 * soft: the surface turns by less than the crease angle across them, or both facets are
 * narrower than `thin` across them (a pleat finer than a pixel). The shared normal is the
 * average of those facets' normals weighted by their angles at the vertex. */
typedef struct lw_rnormals {
    float *n;         /* 3 * count, owned */
    uint32_t *corner; /* 3 * nt, owned */
    uint32_t count, cap;
    int closed;       /* 1: every edge is shared by two facets, once each way, and the volume
                       * is positive (facets wind counter-clockwise seen from outside); -1: so,
                       * with negative volume (wound inward); 0: neither */
} lw_rnormals;

/* Computes the normals of m's facets with creases where neighbouring facets' normals differ by
 * more than acos(cos_crease) and either is at least `thin` mm wide across the edge (thin <= 0:
 * the angle alone decides). The indices of m must be valid (lw_render checks them). A corner
 * whose facets have no area gets the facet's normal, or +Z for a facet with none.
 * LW_ENOMEM (n is left empty). Free with lw_rnormals_clear. */
lw_rc lw_rnormals_build(const lw_mesh *m, double cos_crease, double thin, lw_rnormals *n,
                        lw_err *err);
void lw_rnormals_clear(lw_rnormals *n);

#endif
