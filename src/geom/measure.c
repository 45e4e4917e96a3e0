/* lostwax: volume, area, bounding box and centroid of a set of facets (see measure.h).
 *
 * One pass sums, per facet, the signed tetrahedron it spans with a reference point, its area and
 * the first moments of both, and grows the bounding box. The reference is a corner of the first
 * facet: a point of the piece, so coordinates relative to it are no larger than the piece and a
 * ring 100 mm from the origin loses no digits to cancellation. The sums are kept in blocks of a
 * few thousand facets and then added, which bounds the rounding error growth by the block length
 * rather than the facet count.
 */
#include "geom/measure.h"

#include <math.h>
#include <string.h>

/* Facets per partial sum: short enough that the partial sums stay accurate, long enough that
 * adding them costs nothing. */
#define BLOCK 4096

/* Plain comparisons (fmin/fmax also order NaNs, which finite coordinates never are, and are
 * slower for it). */
static inline double lesser(double a, double b) { return a < b ? a : b; }
static inline double greater(double a, double b) { return a > b ? a : b; }

static inline uint32_t face_at(const uint32_t *faces, size_t i)
{
    return faces ? faces[i] : (uint32_t)i;
}

/* Sums over facets [i0, i1) about o: 6V, 6V (a+b+c), 2A, 2A (a+b+c), in s[0..7]; grows the box
 * lo/hi by the corners. Everything lives in scalars so the compiler keeps it in registers. */
static void block_sums(const lw_mesh *m, const uint32_t *faces, size_t i0, size_t i1,
                       const double o[3], double s[8], double lo[3], double hi[3])
{
    double v6 = 0, vx = 0, vy = 0, vz = 0, a2 = 0, ax = 0, ay = 0, az = 0;
    double lx = lo[0], ly = lo[1], lz = lo[2], hx = hi[0], hy = hi[1], hz = hi[2];
    const double ox = o[0], oy = o[1], oz = o[2];
    for (size_t i = i0; i < i1; i++) {
        const uint32_t *t = m->tri + 3 * (size_t)face_at(faces, i);
        const double *pa = m->xyz + 3 * (size_t)t[0], *pb = m->xyz + 3 * (size_t)t[1],
                     *pc = m->xyz + 3 * (size_t)t[2];
        double ax0 = pa[0] - ox, ay0 = pa[1] - oy, az0 = pa[2] - oz;
        double bx = pb[0] - ox, by = pb[1] - oy, bz = pb[2] - oz;
        double cx = pc[0] - ox, cy = pc[1] - oy, cz = pc[2] - oz;
        lx = lesser(lx, lesser(pa[0], lesser(pb[0], pc[0])));
        ly = lesser(ly, lesser(pa[1], lesser(pb[1], pc[1])));
        lz = lesser(lz, lesser(pa[2], lesser(pb[2], pc[2])));
        hx = greater(hx, greater(pa[0], greater(pb[0], pc[0])));
        hy = greater(hy, greater(pa[1], greater(pb[1], pc[1])));
        hz = greater(hz, greater(pa[2], greater(pb[2], pc[2])));
        double sx = ax0 + bx + cx, sy = ay0 + by + cy, sz = az0 + bz + cz;
        /* Signed volume of (o, a, b, c) times six: a . (b x c). */
        double v = ax0 * (by * cz - bz * cy) + ay0 * (bz * cx - bx * cz) +
                   az0 * (bx * cy - by * cx);
        /* Twice the area: |(b - a) x (c - a)|. */
        double ux = bx - ax0, uy = by - ay0, uz = bz - az0;
        double wx = cx - ax0, wy = cy - ay0, wz = cz - az0;
        double nx = uy * wz - uz * wy, ny = uz * wx - ux * wz, nz = ux * wy - uy * wx;
        double a = sqrt(nx * nx + ny * ny + nz * nz);
        v6 += v;
        vx += v * sx;
        vy += v * sy;
        vz += v * sz;
        a2 += a;
        ax += a * sx;
        ay += a * sy;
        az += a * sz;
    }
    s[0] = v6;
    s[1] = vx;
    s[2] = vy;
    s[3] = vz;
    s[4] = a2;
    s[5] = ax;
    s[6] = ay;
    s[7] = az;
    lo[0] = lx;
    lo[1] = ly;
    lo[2] = lz;
    hi[0] = hx;
    hi[1] = hy;
    hi[2] = hz;
}

void lw_mesh_measure(const lw_mesh *m, const uint32_t *faces, size_t n, lw_measure *out)
{
    memset(out, 0, sizeof *out);
    lw_bbox_empty(&out->bbox);
    if (!faces)
        n = m->nt;
    out->nfaces = (uint32_t)n;
    if (n == 0)
        return;
    const double *p0 = m->xyz + 3 * (size_t)m->tri[3 * (size_t)face_at(faces, 0)];
    const double o[3] = {p0[0], p0[1], p0[2]};
    double lo[3] = {o[0], o[1], o[2]}, hi[3] = {o[0], o[1], o[2]};
    double tot[8] = {0, 0, 0, 0, 0, 0, 0, 0}, part[8];
    for (size_t i = 0; i < n; i += BLOCK) {
        block_sums(m, faces, i, n - i > BLOCK ? i + BLOCK : n, o, part, lo, hi);
        for (int k = 0; k < 8; k++)
            tot[k] += part[k];
    }
    lw_bbox *b = &out->bbox;
    for (int k = 0; k < 3; k++) {
        b->min[k] = lo[k];
        b->max[k] = hi[k];
    }
    out->volume = tot[0] / 6;
    out->area = tot[4] / 2;
    /* Any surface's tetrahedra from a point of its box sum to at most area * diagonal / 3 in
     * magnitude; a volume a billion times smaller than that is rounding noise of a flat or open
     * surface, whose centre of mass is better described by its area. */
    double diag = 0;
    for (int k = 0; k < 3; k++)
        diag += (b->max[k] - b->min[k]) * (b->max[k] - b->min[k]);
    diag = sqrt(diag);
    for (int k = 0; k < 3; k++) {
        if (fabs(out->volume) > 1e-9 * out->area * diag)
            out->centroid[k] = o[k] + tot[1 + k] / (4 * tot[0]);
        else if (tot[4] > 0)
            out->centroid[k] = o[k] + tot[5 + k] / (3 * tot[4]);
        else
            out->centroid[k] = o[k];
    }
}
