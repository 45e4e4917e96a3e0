/* lostwax: solids made from a profile: the shapes of tests (sphere, torus, cylinder), of
 * benchmarks, and of parametric jewellery (a band is a profile revolved about the finger's axis).
 *
 * lw_shape_revolve sweeps a closed polygon in the (r, z) half-plane around the Z axis in nseg
 * straight segments. Each profile edge becomes a ring of planar isosceles trapezoids, so the
 * polyhedron's volume and area have closed forms the tests check against:
 *   volume = nseg * sin(2*pi/nseg) * (first moment of the profile area about the axis),
 *   which tends to Pappus's 2*pi * A * r_centroid as nseg grows.
 */
#ifndef LW_GEOM_SHAPES_H
#define LW_GEOM_SHAPES_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "geom/mesh.h"

/* Appends to m the solid of revolution of the closed profile rz[2*i] = r_i >= 0, rz[2*i+1] = z_i
 * (either winding; the last point joins the first), in nseg >= 3 segments. Points with r == 0 lie
 * on the axis and become one vertex. Vertex (i, k) sits at angle 2*pi*k/nseg. Facets get part id
 * `part` and face outward. The result is closed and manifold when the profile is simple and
 * touches the axis at most along one edge. Errors: LW_EINVAL (fewer than 3 points, nseg < 3,
 * r < 0 or non-finite), LW_ENOMEM, LW_ELIMIT. */
lw_rc lw_shape_revolve(lw_mesh *m, const double *rz, size_t npts, uint32_t nseg, uint32_t part);

/* A UV sphere of radius r centred at the origin: nseg segments around, nrings >= 2 bands pole to
 * pole (vertices on the circle of the profile). */
lw_rc lw_shape_sphere(lw_mesh *m, double r, uint32_t nseg, uint32_t nrings);

/* A torus around Z: tube centre radius R, tube radius r < R, nprof points around the tube. */
lw_rc lw_shape_torus(lw_mesh *m, double R, double r, uint32_t nseg, uint32_t nprof);

/* A closed cylinder of radius r from z = 0 to z = h. */
lw_rc lw_shape_cylinder(lw_mesh *m, double r, double h, uint32_t nseg);

/* The closed-form volume and area of lw_shape_revolve's polyhedron for the same profile and nseg
 * (used by tests and to state faceting error). */
double lw_revolve_volume(const double *rz, size_t npts, uint32_t nseg);
double lw_revolve_area(const double *rz, size_t npts, uint32_t nseg);

#endif
