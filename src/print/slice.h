/* lostwax: cutting placed meshes into layers.
 *
 * The slicer prepares a mesh once for a list of plane heights (a print's layers, or the fine
 * layers of a volume integral) and then gives each plane's cross-section as closed contours.
 * Intersections are identified by the mesh edge they lie on (a plane crosses edge (u, v) at one
 * point, computed once from that edge whichever facet asks), so segments chain into loops by
 * edge identity, exactly, never by comparing floating-point endpoints. A vertex lying exactly on
 * a plane is treated as lying infinitesimally above it (symbolic perturbation), so every plane
 * crosses edges, never vertices, and every loop closes. Deterministic: the same mesh and heights
 * give the same contours, point for point, on any number of threads.
 */
#ifndef LW_PRINT_SLICE_H
#define LW_PRINT_SLICE_H

#include <stddef.h>

#include "base/err.h"
#include "geom/mesh.h"
#include "print/contour.h"

typedef struct lw_slicer lw_slicer;

/* Prepares mesh m (welded, in plate millimetres; borrowed: it must outlive the slicer) for the
 * n plane heights z[0..n) (ascending; copied). Work is bucketed by plane so that slicing all n
 * costs about O(facets + segments), not O(facets x planes). Equal heights are allowed (they
 * give equal sections). LW_EINVAL (heights descending or not finite, a vertex not finite, a
 * facet's vertex index out of range), LW_ENOMEM, LW_ELIMIT (more than 2^30 planes). */
lw_rc lw_slicer_new(const lw_mesh *m, const double *z, size_t n, lw_slicer **out, lw_err *err);
void lw_slicer_free(lw_slicer *s);

/* Appends the cross-section at plane i to out: one closed contour per loop, oriented as the
 * mesh is (outward facets give counter-clockwise outer boundaries and clockwise holes, seen from
 * above). Safe to call from several threads at once on one slicer (each with its own out).
 * An open mesh gives its closed loops and drops open chains, counting them in *open_chains (may
 * be NULL). Points repeated one after another (edges meeting at a vertex on the plane) are
 * given once. LW_EINVAL (i >= the number of planes), LW_ENOMEM; on failure out is as it was. */
lw_rc lw_slicer_layer(const lw_slicer *s, size_t i, lw_contours *out, size_t *open_chains,
                      lw_err *err);

#endif
