/* lostwax: comfort-fit and flat bands (see band.h). */
#include "design/band.h"

#include <math.h>

#include "base/alloc.h"
#include "geom/shapes.h"

void lw_band_spec_default(lw_band_spec *s)
{
    s->inner_diameter = 17.3;
    s->width = 6.0;
    s->thickness = 2.0;
    s->inner_relief = 0.35;
    s->outer_drop = 0.5;
    s->segments = 256;
    s->profile_steps = 64;
}

uint32_t lw_band_profile(const lw_band_spec *s, double *rz)
{
    double ri = s->inner_diameter / 2, ro = ri + s->thickness, h = s->width / 2;
    uint32_t n = s->profile_steps, k = 0;
    for (uint32_t i = 0; i <= n; i++) {
        double z = -h + 2 * h * i / n, q = (z / h) * (z / h);
        rz[2 * k] = ro - s->outer_drop * q;
        rz[2 * k++ + 1] = z + h;
    }
    for (uint32_t i = n + 1; i-- > 0;) {
        double z = -h + 2 * h * i / n, q = (z / h) * (z / h);
        rz[2 * k] = ri + s->inner_relief * q;
        rz[2 * k++ + 1] = z + h;
    }
    return k;
}

lw_rc lw_band_build(const lw_band_spec *s, lw_mesh *m, lw_err *err)
{
    if (!(s->inner_diameter > 0) || !(s->width > 0) || !(s->thickness > 0) ||
        !(s->inner_relief >= 0) || !(s->outer_drop >= 0) || s->segments < 3 ||
        s->profile_steps < 1 || s->profile_steps > 100000)
        return lw_err_set(err, LW_EINVAL, "band: every measure must be positive (diameter %g, "
                          "width %g, thickness %g mm)", s->inner_diameter, s->width, s->thickness);
    if (s->inner_relief + s->outer_drop >= s->thickness)
        return lw_err_set(err, LW_EINVAL, "band: relief %g mm plus dome %g mm leave no wall at the "
                          "edges of a %g mm band", s->inner_relief, s->outer_drop, s->thickness);
    uint32_t npts = 2 * s->profile_steps + 2;
    double *rz = lw_malloc(2 * (size_t)npts * sizeof *rz);
    if (!rz)
        return lw_err_nomem(err);
    lw_band_profile(s, rz);
    lw_rc rc = lw_shape_revolve(m, rz, npts, s->segments, 0);
    lw_free(rz);
    if (rc == LW_ENOMEM)
        return lw_err_nomem(err);
    if (rc)
        return lw_err_set(err, rc, "band: cannot build the mesh (%s)", lw_rc_name(rc));
    return LW_OK;
}

double lw_band_volume_exact(const lw_band_spec *s)
{
    /* Profile between r_in(z) = ri + a q and r_out(z) = ro - b q, q = (z/h)^2, z in [-h, h]:
     * first moment = integral of (r_out^2 - r_in^2)/2 dz, with integral q dz = 2h/3 and
     * integral q^2 dz = 2h/5. */
    double ri = s->inner_diameter / 2, ro = ri + s->thickness, h = s->width / 2;
    double a = s->inner_relief, b = s->outer_drop;
    double out2 = ro * ro * 2 * h - 2 * ro * b * 2 * h / 3 + b * b * 2 * h / 5;
    double in2 = ri * ri * 2 * h + 2 * ri * a * 2 * h / 3 + a * a * 2 * h / 5;
    return 2 * M_PI * (out2 - in2) / 2;
}
