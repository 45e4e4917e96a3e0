/* lostwax: solids of revolution and the analytic shapes built from them (see shapes.h). */
#include "geom/shapes.h"

#include <math.h>

#include "base/alloc.h"

/* Twice the signed area of the profile polygon (positive when counter-clockwise in (r, z)). */
static double profile_area2(const double *rz, size_t n)
{
    double a = 0;
    for (size_t i = 0; i < n; i++) {
        size_t j = (i + 1) % n;
        a += rz[2 * i] * rz[2 * j + 1] - rz[2 * j] * rz[2 * i + 1];
    }
    return a;
}

lw_rc lw_shape_revolve(lw_mesh *m, const double *rz, size_t npts, uint32_t nseg, uint32_t part)
{
    if (npts < 3 || nseg < 3)
        return LW_EINVAL;
    for (size_t i = 0; i < npts; i++)
        if (!isfinite(rz[2 * i]) || !isfinite(rz[2 * i + 1]) || rz[2 * i] < 0)
            return LW_EINVAL;
    /* Walk the profile counter-clockwise so that (A, B, C) below faces outward. */
    int reverse = profile_area2(rz, npts) < 0;
    uint32_t *first = lw_malloc(npts * sizeof *first);
    if (!first)
        return LW_ENOMEM;
    lw_rc rc = LW_OK;
    for (size_t s = 0; s < npts && !rc; s++) {
        size_t i = reverse ? npts - 1 - s : s;
        double r = rz[2 * i], z = rz[2 * i + 1];
        first[s] = m->nv;
        if (r == 0) {
            rc = lw_mesh_add_vertex(m, 0, 0, z, NULL);
            continue;
        }
        for (uint32_t k = 0; k < nseg && !rc; k++) {
            double a = 2 * M_PI * k / nseg;
            rc = lw_mesh_add_vertex(m, r * cos(a), r * sin(a), z, NULL);
        }
    }
    for (size_t s = 0; s < npts && !rc; s++) {
        size_t t = (s + 1) % npts;
        size_t i = reverse ? npts - 1 - s : s, j = reverse ? npts - 1 - t : t;
        int on_i = rz[2 * i] == 0, on_j = rz[2 * j] == 0;
        if (on_i && on_j)
            continue; /* an edge along the axis sweeps nothing */
        for (uint32_t k = 0; k < nseg && !rc; k++) {
            uint32_t k1 = (k + 1) % nseg;
            uint32_t A = on_i ? first[s] : first[s] + k, B = on_i ? first[s] : first[s] + k1;
            uint32_t C = on_j ? first[t] : first[t] + k1, D = on_j ? first[t] : first[t] + k;
            if (!on_i)
                rc = lw_mesh_add_tri(m, A, B, C, part);
            if (!rc && !on_j)
                rc = lw_mesh_add_tri(m, A, C, D, part);
        }
    }
    lw_free(first);
    return rc;
}

lw_rc lw_shape_sphere(lw_mesh *m, double r, uint32_t nseg, uint32_t nrings)
{
    if (!(r > 0) || nrings < 2)
        return LW_EINVAL;
    size_t n = (size_t)nrings + 1;
    double *rz = lw_malloc(2 * n * sizeof *rz);
    if (!rz)
        return LW_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        double phi = M_PI * (double)i / nrings;
        rz[2 * i] = (i == 0 || i == n - 1) ? 0 : r * sin(phi);
        rz[2 * i + 1] = -r * cos(phi);
    }
    lw_rc rc = lw_shape_revolve(m, rz, n, nseg, 0);
    lw_free(rz);
    return rc;
}

lw_rc lw_shape_torus(lw_mesh *m, double R, double r, uint32_t nseg, uint32_t nprof)
{
    if (!(r > 0) || !(R > r) || nprof < 3)
        return LW_EINVAL;
    double *rz = lw_malloc(2 * (size_t)nprof * sizeof *rz);
    if (!rz)
        return LW_ENOMEM;
    for (uint32_t i = 0; i < nprof; i++) {
        double a = 2 * M_PI * i / nprof;
        rz[2 * i] = R + r * cos(a);
        rz[2 * i + 1] = r * sin(a);
    }
    lw_rc rc = lw_shape_revolve(m, rz, nprof, nseg, 0);
    lw_free(rz);
    return rc;
}

lw_rc lw_shape_cylinder(lw_mesh *m, double r, double h, uint32_t nseg)
{
    if (!(r > 0) || !(h > 0))
        return LW_EINVAL;
    const double rz[8] = {0, 0, r, 0, r, h, 0, h};
    return lw_shape_revolve(m, rz, 4, nseg, 0);
}

double lw_revolve_volume(const double *rz, size_t npts, uint32_t nseg)
{
    /* First moment of area about the axis, integral of r dA, by Green's theorem:
     * integral r dA = (1/2) * closed integral of r^2 dz, exact for straight edges. */
    double m = 0;
    for (size_t i = 0; i < npts; i++) {
        size_t j = (i + 1) % npts;
        double r0 = rz[2 * i], z0 = rz[2 * i + 1], r1 = rz[2 * j], z1 = rz[2 * j + 1];
        m += (r0 * r0 + r0 * r1 + r1 * r1) * (z1 - z0) / 6.0;
    }
    return fabs(nseg * sin(2 * M_PI / nseg) * m);
}

double lw_revolve_area(const double *rz, size_t npts, uint32_t nseg)
{
    /* Each profile edge sweeps nseg trapezoids with parallel sides 2 r sin(pi/n) and height
     * sqrt(dz^2 + (dr cos(pi/n))^2) (the distance between the two parallel chords). */
    double s = sin(M_PI / nseg), c = cos(M_PI / nseg), a = 0;
    for (size_t i = 0; i < npts; i++) {
        size_t j = (i + 1) % npts;
        double r0 = rz[2 * i], z0 = rz[2 * i + 1], r1 = rz[2 * j], z1 = rz[2 * j + 1];
        double h = sqrt((z1 - z0) * (z1 - z0) + (r1 - r0) * (r1 - r0) * c * c);
        a += nseg * (r0 + r1) * s * h;
    }
    return a;
}
