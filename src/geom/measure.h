/* lostwax: volume, area, bounding box and centroid of a closed surface.
 *
 * Volume by the divergence theorem (sum of signed tetrahedra from a reference point), accumulated
 * in double about the centre of the bounding box so that a ring placed 100 mm from the origin
 * measures as precisely as one at it. For a closed, consistently oriented surface the result is
 * the exact volume of the polyhedron up to rounding (relative error ~1e-15 x sqrt(facets)).
 */
#ifndef LW_GEOM_MEASURE_H
#define LW_GEOM_MEASURE_H

#include <stddef.h>
#include <stdint.h>

#include "geom/mesh.h"

typedef struct lw_measure {
    double volume;      /* mm³, signed: negative when the facets face inward */
    double area;        /* mm² */
    double centroid[3]; /* centre of mass of the solid; of the surface when |volume| is ~0 */
    lw_bbox bbox;       /* of the facets' vertices */
    uint32_t nfaces;
} lw_measure;

/* Measures the facets listed in faces[0..n) (all facets when faces is NULL). Pure; never fails. */
void lw_mesh_measure(const lw_mesh *m, const uint32_t *faces, size_t n, lw_measure *out);

#endif
