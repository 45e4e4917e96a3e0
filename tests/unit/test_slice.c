/* Tests of print/slice: sections of solids whose cross-sections have closed forms worked out
 * here from their profiles (regular n-gons of linearly varying radius), hand-built cubes sliced
 * through their faces and vertices, shells that overlap, touch or nest, open meshes, the
 * volume as an exact sum of Simpson pieces and the midpoint rule within a bound derived here,
 * simplicity by an O(n^2) edge test, determinism across threads, and allocation failure. */
#include "lwtest.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/pool.h"
#include "design/band.h"
#include "geom/measure.h"
#include "geom/mesh.h"
#include "geom/shapes.h"
#include "print/slice.h"

/* ---- closed forms --------------------------------------------------------------------------- */

/* Area of the regular n-gon of circumradius 1. */
static double ngon(uint32_t n) { return 0.5 * n * sin(2 * M_PI / n); }

/* The section at height zp of lw_shape_revolve(rz, npts, nseg), from the profile alone. Each
 * profile edge the plane crosses (a profile point on the plane counting as above it, the rule
 * the slicer follows) sweeps a regular nseg-gon whose radius is the edge's r at zp. In a
 * counter-clockwise profile an edge that climbs bounds the solid from outside, one that falls
 * bounds a hole. *outer receives the climbing edges' n-gons, *inner minus the falling ones';
 * *count the number of edges crossed. */
static void revolve_section(const double *rz, size_t npts, uint32_t nseg, double zp,
                            double *outer, double *inner, int *count)
{
    double a2 = 0;
    for (size_t i = 0; i < npts; i++) {
        size_t j = (i + 1) % npts;
        a2 += rz[2 * i] * rz[2 * j + 1] - rz[2 * j] * rz[2 * i + 1];
    }
    double turn = a2 > 0 ? 1 : -1;
    *outer = *inner = 0;
    *count = 0;
    for (size_t i = 0; i < npts; i++) {
        size_t j = (i + 1) % npts;
        double r0 = rz[2 * i], z0 = rz[2 * i + 1], r1 = rz[2 * j], z1 = rz[2 * j + 1];
        if ((z0 >= zp) == (z1 >= zp))
            continue;
        double r = z0 == zp ? r0 : z1 == zp ? r1 : r0 + (zp - z0) / (z1 - z0) * (r1 - r0);
        double a = ngon(nseg) * r * r * (z1 > z0 ? turn : -turn);
        if (a > 0 || (a == 0 && z1 > z0))
            *outer += a;
        else
            *inner += a;
        ++*count;
    }
}

static void sphere_profile(double r, uint32_t nrings, double *rz)
{
    for (uint32_t i = 0; i <= nrings; i++) {
        double phi = M_PI * (double)i / nrings;
        rz[2 * i] = (i == 0 || i == nrings) ? 0 : r * sin(phi);
        rz[2 * i + 1] = -r * cos(phi);
    }
}

static void torus_profile(double R, double r, uint32_t nprof, double *rz)
{
    for (uint32_t i = 0; i < nprof; i++) {
        double a = 2 * M_PI * i / nprof;
        rz[2 * i] = R + r * cos(a);
        rz[2 * i + 1] = r * sin(a);
    }
}

/* ---- meshes ------------------------------------------------------------------------------- */

/* A box's 12 facets, counter-clockwise from outside; vertex index = x + 2y + 4z. */
static const uint32_t CUBE_TRI[36] = {0, 2, 3, 0, 3, 1, 4, 5, 7, 4, 7, 6, 0, 1, 5, 0, 5, 4,
                                      2, 6, 7, 2, 7, 3, 0, 4, 6, 0, 6, 2, 1, 3, 7, 1, 7, 5};

/* Adds a box (facets facing inward when `inward`), leaving out facet `skip` (-1 = none). */
static void add_box(lw_mesh *m, const double lo[3], const double size[3], bool inward, int skip)
{
    uint32_t base = m->nv;
    for (int i = 0; i < 8; i++)
        assert_int_equal(lw_mesh_add_vertex(m, lo[0] + size[0] * (i & 1),
                                            lo[1] + size[1] * ((i >> 1) & 1),
                                            lo[2] + size[2] * ((i >> 2) & 1), NULL), LW_OK);
    for (int f = 0; f < 12; f++) {
        if (f == skip)
            continue;
        const uint32_t *t = CUBE_TRI + 3 * f;
        assert_int_equal(lw_mesh_add_tri(m, base + t[0], base + (inward ? t[2] : t[1]),
                                         base + (inward ? t[1] : t[2]), 0), LW_OK);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The distinct vertex heights of m, ascending, merging those closer than `merge`. */
static double *vertex_heights(const lw_mesh *m, double merge, size_t *n)
{
    double *z = lw_malloc(((size_t)m->nv + 1) * sizeof *z);
    assert_non_null(z);
    for (uint32_t v = 0; v < m->nv; v++)
        z[v] = m->xyz[3 * (size_t)v + 2];
    qsort(z, m->nv, sizeof *z, cmp_double);
    size_t k = 0;
    for (uint32_t v = 0; v < m->nv; v++)
        if (!k || z[v] - z[k - 1] > merge)
            z[k++] = z[v];
    *n = k;
    return z;
}

/* ---- slicing helpers ------------------------------------------------------------------------ */

/* Slices every plane of z into c[0..n) (initialised here); open chains summed into *open. */
static void slice_all(const lw_mesh *m, const double *z, size_t n, lw_contours *c, size_t *open)
{
    lw_slicer *s = NULL;
    lw_err err = {0};
    assert_int_equal(lw_slicer_new(m, z, n, &s, &err), LW_OK);
    *open = 0;
    for (size_t i = 0; i < n; i++) {
        size_t o = 99;
        lw_contours_init(&c[i]);
        assert_int_equal(lw_slicer_layer(s, i, &c[i], &o, &err), LW_OK);
        *open += o;
    }
    lw_slicer_free(s);
}

static void clear_all(lw_contours *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        lw_contours_clear(&c[i]);
}

static const double *pt(const lw_contours *c, uint32_t k) { return c->xy + 2 * (size_t)k; }

static double orient(const double *a, const double *b, const double *p)
{
    return (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]);
}

static bool within(const double *a, const double *b, const double *p)
{
    return fmin(a[0], b[0]) <= p[0] && p[0] <= fmax(a[0], b[0]) && fmin(a[1], b[1]) <= p[1] &&
           p[1] <= fmax(a[1], b[1]);
}

/* Whether closed segments ab and cd share a point. */
static bool touch(const double *a, const double *b, const double *c, const double *d)
{
    double o1 = orient(a, b, c), o2 = orient(a, b, d), o3 = orient(c, d, a), o4 = orient(c, d, b);
    if (((o1 > 0 && o2 < 0) || (o1 < 0 && o2 > 0)) && ((o3 > 0 && o4 < 0) || (o3 < 0 && o4 > 0)))
        return true;
    return (o1 == 0 && within(a, b, c)) || (o2 == 0 && within(a, b, d)) ||
           (o3 == 0 && within(c, d, a)) || (o4 == 0 && within(c, d, b));
}

/* Every contour has 3 or more points, no point equal to the one before (cyclically), and no two
 * edges that are not neighbours in a contour meet: within each contour, and across contours
 * when `across`. O(points^2). */
static void check_simple(const lw_contours *c, bool across)
{
    for (uint32_t i = 0; i < c->ncontours; i++) {
        uint32_t a = c->start[i], n = c->start[i + 1] - a;
        assert_true(n >= 3);
        for (uint32_t k = 0; k < n; k++) {
            const double *p = pt(c, a + k), *q = pt(c, a + (k + 1) % n);
            assert_false(p[0] == q[0] && p[1] == q[1]);
        }
    }
    for (uint32_t i = 0; i < c->ncontours; i++) {
        uint32_t a = c->start[i], n = c->start[i + 1] - a;
        for (uint32_t j = i; j < c->ncontours; j++) {
            if (j != i && !across)
                continue;
            uint32_t b = c->start[j], nb = c->start[j + 1] - b;
            for (uint32_t k = 0; k < n; k++)
                for (uint32_t l = (j == i ? k + 1 : 0); l < nb; l++) {
                    if (j == i && (l == k + 1 || (k == 0 && l == n - 1)))
                        continue; /* neighbours share a corner */
                    if (touch(pt(c, a + k), pt(c, a + (k + 1) % n), pt(c, b + l),
                              pt(c, b + (l + 1) % nb)))
                        fail_msg("contours %u and %u: edges %u and %u meet", i, j, k, l);
                }
        }
    }
}

/* Checks one layer of a revolved solid against revolve_section: counter-clockwise contours sum
 * to the outer n-gons and clockwise ones to the holes, to `tol` relative. */
static void check_revolved(const lw_contours *c, const double *rz, size_t npts, uint32_t nseg,
                           double zp, double tol)
{
    double outer, inner, pos = 0, neg = 0;
    int count;
    revolve_section(rz, npts, nseg, zp, &outer, &inner, &count);
    for (uint32_t i = 0; i < c->ncontours; i++) {
        double a = lw_contour_area(c, i);
        if (a > 0)
            pos += a;
        else
            neg += a;
    }
    if (fabs(outer) > 0)
        assert_true(lwt_rel(pos, outer) < tol);
    else
        assert_true(pos == 0);
    if (fabs(inner) > 0)
        assert_true(lwt_rel(neg, inner) < tol);
    else
        assert_true(neg == 0);
}

/* ---- tests ---------------------------------------------------------------------------------- */

static void test_cylinder(void **state)
{
    (void)state;
    const double r = 5, h = 10;
    const uint32_t nsegs[] = {3, 7, 64};
    for (size_t t = 0; t < sizeof nsegs / sizeof *nsegs; t++) {
        uint32_t n = nsegs[t];
        lw_mesh m;
        lw_mesh_init(&m);
        assert_int_equal(lw_shape_cylinder(&m, r, h, n), LW_OK);
        enum { NZ = 40 };
        double z[NZ];
        for (int i = 0; i < NZ; i++)
            z[i] = h * (i + 0.5) / NZ;
        lw_contours c[NZ];
        size_t open;
        slice_all(&m, z, NZ, c, &open);
        assert_int_equal(open, 0);
        for (int i = 0; i < NZ; i++) {
            assert_int_equal(c[i].ncontours, 1);
            double a = lw_contour_area(&c[i], 0);
            assert_true(a > 0);
            assert_true(lwt_rel(a, ngon(n) * r * r) < 1e-12);
            /* Every point is on the n-gon: at radius r (a vertical edge) or on a side. */
            for (uint32_t k = 0; k < c[i].npoints; k++) {
                double d = hypot(pt(&c[i], k)[0], pt(&c[i], k)[1]);
                assert_true(d <= r * (1 + 1e-14) && d >= r * cos(M_PI / n) * (1 - 1e-14));
            }
            check_simple(&c[i], true);
        }
        clear_all(c, NZ);
        lw_mesh_clear(&m);
    }
}

/* The cylinder sliced at its bottom and top caps: a plane through vertices passes just below
 * them, so the bottom gives nothing and the top the whole n-gon, whose points are exactly the
 * top ring's vertices. */
static void test_cylinder_caps(void **state)
{
    (void)state;
    const double r = 2.5, h = 4;
    const uint32_t n = 12;
    lw_mesh m;
    lw_mesh_init(&m);
    assert_int_equal(lw_shape_cylinder(&m, r, h, n), LW_OK);
    double z[3] = {0, h / 2, h};
    lw_contours c[3];
    size_t open;
    slice_all(&m, z, 3, c, &open);
    assert_int_equal(open, 0);
    assert_int_equal(c[0].ncontours, 0);
    assert_int_equal(c[1].ncontours, 1);
    assert_int_equal(c[2].ncontours, 1);
    assert_int_equal(c[2].npoints, n);
    assert_true(lwt_rel(lw_contour_area(&c[2], 0), ngon(n) * r * r) < 1e-13);
    for (uint32_t k = 0; k < n; k++) {
        /* the point must be one of the top ring's vertices, bit for bit */
        bool found = false;
        for (uint32_t v = 0; v < m.nv; v++)
            if (m.xyz[3 * v + 2] == h && m.xyz[3 * v] == pt(&c[2], k)[0] &&
                m.xyz[3 * v + 1] == pt(&c[2], k)[1])
                found = true;
        assert_true(found);
    }
    clear_all(c, 3);
    lw_mesh_clear(&m);
}

/* The UV sphere between its rings and exactly at them (heights taken from the mesh, so the
 * planes hold every ring vertex): n-gons of linearly interpolated radius. The heights are not
 * evenly spaced, so planes are found by binary search. */
static void test_sphere(void **state)
{
    (void)state;
    const double r = 4;
    const uint32_t nseg = 24, nrings = 12;
    lw_mesh m;
    lw_mesh_init(&m);
    assert_int_equal(lw_shape_sphere(&m, r, nseg, nrings), LW_OK);
    double rz[2 * (12 + 1)];
    sphere_profile(r, nrings, rz);
    size_t nr;
    double *ring = vertex_heights(&m, 0, &nr);
    assert_int_equal(nr, nrings + 1);
    for (size_t i = 0; i < nr; i++)
        assert_true(ring[i] == rz[2 * i + 1]); /* the profile's heights are the mesh's */
    double z[4 * 13];
    size_t nz = 0;
    for (size_t i = 0; i < nr; i++) {
        z[nz++] = ring[i];
        if (i + 1 < nr) {
            z[nz++] = ring[i] + 0.13 * (ring[i + 1] - ring[i]);
            z[nz++] = ring[i] + 0.5 * (ring[i + 1] - ring[i]);
            z[nz++] = ring[i] + 0.91 * (ring[i + 1] - ring[i]);
        }
    }
    lw_contours c[4 * 13];
    size_t open;
    slice_all(&m, z, nz, c, &open);
    assert_int_equal(open, 0);
    for (size_t i = 0; i < nz; i++) {
        double outer, inner;
        int count;
        revolve_section(rz, nrings + 1, nseg, z[i], &outer, &inner, &count);
        bool pole = z[i] == ring[0] || z[i] == ring[nr - 1];
        assert_int_equal(c[i].ncontours, pole ? 0 : 1);
        assert_true(inner == 0);
        if (!pole) {
            assert_true(lw_contour_area(&c[i], 0) > 0);
            assert_true(lwt_rel(lw_contour_area(&c[i], 0), outer) < 1e-12);
            check_simple(&c[i], true);
        }
    }
    /* A ring height gives exactly the ring (bits of its vertices) */
    assert_int_equal(c[4 * 6].ncontours, 1);
    assert_int_equal(c[4 * 6].npoints, nseg);
    clear_all(c, nz);
    lw_free(ring);
    lw_mesh_clear(&m);
}

/* The torus: an outer n-gon counter-clockwise and an inner one clockwise. */
static void test_torus(void **state)
{
    (void)state;
    const double R = 10, r = 3;
    const uint32_t nseg = 40, nprof = 24;
    lw_mesh m;
    lw_mesh_init(&m);
    assert_int_equal(lw_shape_torus(&m, R, r, nseg, nprof), LW_OK);
    double rz[2 * 24];
    torus_profile(R, r, nprof, rz);
    enum { NZ = 61 };
    double z[NZ];
    for (int i = 0; i < NZ; i++)
        z[i] = -r + 2 * r * (i + 0.5) / NZ;
    lw_contours c[NZ];
    size_t open;
    slice_all(&m, z, NZ, c, &open);
    assert_int_equal(open, 0);
    for (int i = 0; i < NZ; i++) {
        double outer, inner;
        int count;
        revolve_section(rz, nprof, nseg, z[i], &outer, &inner, &count);
        assert_int_equal(count, 2);
        assert_int_equal(c[i].ncontours, 2);
        double a0 = lw_contour_area(&c[i], 0), a1 = lw_contour_area(&c[i], 1);
        double pos = a0 > 0 ? a0 : a1, neg = a0 > 0 ? a1 : a0;
        assert_true(pos > 0 && neg < 0);
        assert_true(lwt_rel(pos, outer) < 1e-12);
        assert_true(lwt_rel(neg, inner) < 1e-12);
        assert_true(lwt_rel(lw_contours_area(&c[i]), outer + inner) < 1e-12);
        check_simple(&c[i], true);
    }
    clear_all(c, NZ);
    lw_mesh_clear(&m);
}

/* The comfort-fit band lying flat: an annulus of two n-gons at every layer of a 30 um job, and
 * at every height of its profile (where the planes hold whole vertex rings). */
static void test_band_flat(void **state)
{
    (void)state;
    lw_band_spec spec;
    lw_band_spec_default(&spec);
    lw_mesh m;
    lw_mesh_init(&m);
    lw_err err = {0};
    assert_int_equal(lw_band_build(&spec, &m, &err), LW_OK);
    uint32_t np = 2 * spec.profile_steps + 2;
    double *rz = lw_malloc(2 * (size_t)np * sizeof *rz);
    assert_non_null(rz);
    assert_int_equal(lw_band_profile(&spec, rz), np);

    size_t nl = (size_t)ceil(spec.width / 0.03), nv;
    double *zl = lw_malloc(nl * sizeof *zl);
    assert_non_null(zl);
    for (size_t i = 0; i < nl; i++)
        zl[i] = (i + 0.5) * 0.03;
    double *zv = vertex_heights(&m, 0, &nv);
    assert_int_equal(nv, spec.profile_steps + 1);
    for (int pass = 0; pass < 2; pass++) {
        const double *z = pass ? zv : zl;
        size_t n = pass ? nv : nl, open;
        lw_contours *c = lw_malloc(n * sizeof *c);
        assert_non_null(c);
        slice_all(&m, z, n, c, &open);
        assert_int_equal(open, 0);
        for (size_t i = 0; i < n; i++) {
            if (z[i] == 0) {
                assert_int_equal(c[i].ncontours, 0); /* the plate face: just below the band */
                continue;
            }
            assert_int_equal(c[i].ncontours, 2);
            check_revolved(&c[i], rz, np, spec.segments, z[i], 1e-12);
            if (i % 16 == 0)
                check_simple(&c[i], true);
        }
        clear_all(c, n);
        lw_free(c);
    }
    lw_free(zv);
    lw_free(zl);
    lw_free(rz);
    lw_mesh_clear(&m);
}

/* The band standing on edge, its sections no longer regular. A polyhedron's section area A(z) is
 * a quadratic between consecutive vertex heights (each section vertex moves linearly with z), so
 * Simpson's rule on each such interval is exact: the sum must equal lw_mesh_measure's volume to
 * rounding. The midpoint rule (the job's layers) errs on a layer [m - h/2, m + h/2] by
 * |int (A(z) - A(m) - A'(m)(z - m)) dz| <= (h^2 / 4) TV(A', layer), so by (h^2 / 4) TV(A') in all,
 * where the total variation of A' is read off the exact quadratic pieces (their slopes and
 * the jumps between them, including from and to 0 outside the band). */
static void test_band_on_edge(void **state)
{
    (void)state;
    lw_band_spec spec;
    lw_band_spec_default(&spec);
    spec.segments = 64;
    spec.profile_steps = 8;
    lw_mesh m;
    lw_mesh_init(&m);
    lw_err err = {0};
    assert_int_equal(lw_band_build(&spec, &m, &err), LW_OK);
    const double stand[12] = {1, 0, 0, 0, 0, -1, 0, 1, 0, 3, -7, 11};
    lw_mesh_transform(&m, stand);
    lw_measure ms;
    lw_mesh_measure(&m, NULL, 0, &ms);
    double V = ms.volume;
    assert_true(V > 0);

    /* Heights closer than 1e-9 mm (sin(pi) is not 0) are merged: a sliver that thin changes
     * the integral by far less than the tolerance. */
    size_t nb;
    double *b = vertex_heights(&m, 1e-9, &nb);
    size_t nz = 2 * nb - 1;
    double *z = lw_malloc(nz * sizeof *z);
    assert_non_null(z);
    for (size_t i = 0; i < nb; i++) {
        z[2 * i] = b[i];
        if (i + 1 < nb)
            z[2 * i + 1] = 0.5 * (b[i] + b[i + 1]);
    }
    lw_contours *c = lw_malloc(nz * sizeof *c);
    assert_non_null(c);
    size_t open;
    slice_all(&m, z, nz, c, &open);
    assert_int_equal(open, 0);
    double simpson = 0, tv = 0, slope = 0; /* slope: A' just below the current height */
    for (size_t i = 0; i + 1 < nb; i++) {
        double w = b[i + 1] - b[i];
        double A0 = lw_contours_area(&c[2 * i]), Am = lw_contours_area(&c[2 * i + 1]);
        double A1 = lw_contours_area(&c[2 * i + 2]);
        simpson += w / 6 * (A0 + 4 * Am + A1);
        double d0 = (-3 * A0 + 4 * Am - A1) / w, d1 = (A0 - 4 * Am + 3 * A1) / w;
        tv += fabs(d0 - slope) + fabs(d1 - d0);
        slope = d1;
    }
    tv += fabs(slope);
    assert_true(lwt_rel(simpson, V) < 1e-10);
    /* Between vertex heights only: a plane through a saddle vertex (the top of the hole) may
     * meet the surface in two wedges that touch at that vertex. */
    for (size_t i = 1; i < nz; i += 6)
        check_simple(&c[i], true);
    clear_all(c, nz);
    lw_free(c);

    double zmin = b[0], zmax = b[nb - 1];
    const double hs[2] = {0.03, 0.015};
    for (int k = 0; k < 2; k++) {
        double h = hs[k];
        size_t nl = (size_t)ceil((zmax - zmin) / h);
        double *zl = lw_malloc(nl * sizeof *zl);
        lw_contours *cl = lw_malloc(nl * sizeof *cl);
        assert_non_null(zl);
        assert_non_null(cl);
        for (size_t i = 0; i < nl; i++)
            zl[i] = zmin + (i + 0.5) * h;
        slice_all(&m, zl, nl, cl, &open);
        assert_int_equal(open, 0);
        double sum = 0;
        for (size_t i = 0; i < nl; i++)
            sum += lw_contours_area(&cl[i]) * h;
        double bound = h * h / 4 * tv;
        print_message("band on edge, h %.3f: midpoint %.6f, volume %.6f, error %.2e, bound %.2e\n",
                      h, sum, V, fabs(sum - V), bound);
        assert_true(bound < 0.01 * V); /* the bound says something */
        assert_true(fabs(sum - V) <= bound + 1e-9 * V);
        clear_all(cl, nl);
        lw_free(cl);
        lw_free(zl);
    }
    lw_free(z);
    lw_free(b);
    lw_mesh_clear(&m);
}

/* A 12-facet cube through its bottom face, its middle and its top face. Bottom: nothing; middle
 * and top: the square; at the top every crossing is a top corner, so after dropping repeats the
 * contour is exactly the four corners, counter-clockwise. */
static void test_cube_faces(void **state)
{
    (void)state;
    lw_mesh m;
    lw_mesh_init(&m);
    const double lo[3] = {1, 2, 3}, size[3] = {2, 3, 4};
    add_box(&m, lo, size, false, -1);
    double z[3] = {3, 5, 7};
    lw_contours c[3];
    size_t open;
    slice_all(&m, z, 3, c, &open);
    assert_int_equal(open, 0);
    assert_int_equal(c[0].ncontours, 0);
    assert_int_equal(c[1].ncontours, 1);
    assert_int_equal(c[2].ncontours, 1);
    assert_true(lw_contour_area(&c[1], 0) == 6);
    assert_true(lw_contour_area(&c[2], 0) == 6);
    assert_int_equal(c[2].npoints, 4);
    /* counter-clockwise from (1,2): the corners in order, starting anywhere */
    const double sq[8] = {1, 2, 3, 2, 3, 5, 1, 5};
    uint32_t s0 = 4;
    for (uint32_t k = 0; k < 4; k++)
        if (pt(&c[2], k)[0] == 1 && pt(&c[2], k)[1] == 2)
            s0 = k;
    assert_true(s0 < 4);
    for (uint32_t k = 0; k < 4; k++) {
        assert_true(pt(&c[2], (s0 + k) % 4)[0] == sq[2 * k]);
        assert_true(pt(&c[2], (s0 + k) % 4)[1] == sq[2 * k + 1]);
    }
    check_simple(&c[1], true);
    check_simple(&c[2], true);
    clear_all(c, 3);
    lw_mesh_clear(&m);
}

/* Two overlapping cubes: two counter-clockwise squares (the rasteriser fills their union). Two
 * cubes touching face to face, not welded: still two squares, each closed on its own edges,
 * however equal the coordinates along the shared face. */
static void test_two_shells(void **state)
{
    (void)state;
    const double s2[3] = {2, 2, 2};
    for (int touching = 0; touching < 2; touching++) {
        lw_mesh m;
        lw_mesh_init(&m);
        const double a[3] = {0, 0, 0}, b[3] = {touching ? 2 : 1, touching ? 0 : 1, 0};
        add_box(&m, a, s2, false, -1);
        add_box(&m, b, s2, false, -1);
        double z[2] = {1, 2};
        lw_contours c[2];
        size_t open;
        slice_all(&m, z, 2, c, &open);
        assert_int_equal(open, 0);
        for (int i = 0; i < 2; i++) {
            assert_int_equal(c[i].ncontours, 2);
            assert_true(lw_contour_area(&c[i], 0) == 4);
            assert_true(lw_contour_area(&c[i], 1) == 4);
            check_simple(&c[i], false);
        }
        clear_all(c, 2);
        lw_mesh_clear(&m);
    }
}

/* Two cubes welded along a vertical edge, then along a face: the shared edges have four facets,
 * so two segments enter and two leave by each crossed one. Either pairing closes every loop
 * (two squares, or one figure eight); none may be left open or counted twice. */
static void test_non_manifold(void **state)
{
    (void)state;
    const double a[3] = {0, 0, 0}, s2[3] = {2, 2, 2};
    const double corner[3] = {2, 2, 0}, face[3] = {2, 0, 0};
    for (int k = 0; k < 2; k++) {
        lw_mesh m;
        lw_mesh_init(&m);
        add_box(&m, a, s2, false, -1);
        add_box(&m, k ? face : corner, s2, false, -1);
        /* weld: the second box's corners that coincide with the first's become the first's */
        uint32_t shared = 0;
        for (uint32_t f = 12; f < 24; f++)
            for (int j = 0; j < 3; j++) {
                uint32_t *v = &m.tri[3 * f + j];
                for (uint32_t w = 0; w < 8; w++)
                    if (!memcmp(&m.xyz[3 * *v], &m.xyz[3 * w], 3 * sizeof(double))) {
                        *v = w;
                        shared++;
                    }
            }
        assert_true(shared > 0);
        double z[2] = {1, 2};
        lw_contours c[2];
        size_t open;
        slice_all(&m, z, 2, c, &open);
        assert_int_equal(open, 0);
        for (int i = 0; i < 2; i++) {
            assert_true(c[i].ncontours >= 1 && c[i].ncontours <= 2);
            for (uint32_t j = 0; j < c[i].ncontours; j++)
                assert_true(lw_contour_area(&c[i], j) > 0);
            assert_true(lw_contours_area(&c[i]) == 8);
        }
        clear_all(c, 2);
        lw_mesh_clear(&m);
    }
}

/* A cube with a cubic cavity (inner box facing inward): outer square counter-clockwise, inner
 * clockwise; planes through the cavity's floor and ceiling follow the perturbation rule. */
static void test_cavity(void **state)
{
    (void)state;
    lw_mesh m;
    lw_mesh_init(&m);
    const double o[3] = {0, 0, 0}, os[3] = {4, 4, 4}, i0[3] = {1, 1, 1}, is[3] = {2, 2, 2};
    add_box(&m, o, os, false, -1);
    add_box(&m, i0, is, true, -1);
    double z[4] = {0.5, 1, 2, 3};
    lw_contours c[4];
    size_t open;
    slice_all(&m, z, 4, c, &open);
    assert_int_equal(open, 0);
    assert_int_equal(c[0].ncontours, 1); /* below the cavity */
    assert_true(lw_contour_area(&c[0], 0) == 16);
    assert_int_equal(c[1].ncontours, 1); /* the cavity's floor: just below it */
    assert_true(lw_contours_area(&c[1]) == 16);
    for (int i = 2; i < 4; i++) { /* in the cavity, and at its ceiling (just below it) */
        assert_int_equal(c[i].ncontours, 2);
        double a0 = lw_contour_area(&c[i], 0), a1 = lw_contour_area(&c[i], 1);
        assert_true(fmax(a0, a1) == 16 && fmin(a0, a1) == -4);
        check_simple(&c[i], true);
    }
    clear_all(c, 4);
    lw_mesh_clear(&m);
}

/* A cube missing a side facet gives no loop and one open chain; beside a closed cube, the
 * closed one's loop still comes out. Missing a top facet changes nothing below the top. */
static void test_open_mesh(void **state)
{
    (void)state;
    const double a[3] = {0, 0, 0}, b[3] = {5, 0, 0}, s[3] = {1, 1, 1};
    double z[1] = {0.5};
    lw_contours c[1];
    size_t open;
    lw_mesh m;

    lw_mesh_init(&m);
    add_box(&m, a, s, false, 4); /* facet 4: the y = 0 side */
    slice_all(&m, z, 1, c, &open);
    assert_int_equal(open, 1);
    assert_int_equal(c[0].ncontours, 0);
    clear_all(c, 1);
    add_box(&m, b, s, false, -1);
    slice_all(&m, z, 1, c, &open);
    assert_int_equal(open, 1);
    assert_int_equal(c[0].ncontours, 1);
    assert_true(lw_contour_area(&c[0], 0) == 1);
    assert_true(pt(&c[0], 0)[0] >= 5);
    clear_all(c, 1);
    lw_mesh_clear(&m);

    lw_mesh_init(&m);
    add_box(&m, a, s, false, 2); /* facet 2: half the top */
    slice_all(&m, z, 1, c, &open);
    assert_int_equal(open, 0);
    assert_int_equal(c[0].ncontours, 1);
    assert_true(lw_contour_area(&c[0], 0) == 1);
    clear_all(c, 1);
    lw_mesh_clear(&m);
}

/* Tall facets (a cylinder's sides span every plane) and short ones (a fine sphere's) in one
 * mesh, for plane counts around powers of two: each layer must hold both sections, which
 * exercises every level of the plane tree and the division that finds a facet's first plane. */
static void test_tree_spans(void **state)
{
    (void)state;
    const uint32_t ns = 16, nr = 40;
    lw_mesh m;
    lw_mesh_init(&m);
    assert_int_equal(lw_shape_cylinder(&m, 2, 10, ns), LW_OK);
    lw_mesh_translate(&m, 20, 0, 0);
    lw_mesh sph;
    lw_mesh_init(&sph);
    assert_int_equal(lw_shape_sphere(&sph, 4, ns, nr), LW_OK);
    lw_mesh_translate(&sph, 0, 0, 5);
    assert_int_equal(lw_mesh_append(&m, &sph, 0), LW_OK);
    lw_mesh_clear(&sph);
    double rz[2 * (40 + 1)];
    sphere_profile(4, nr, rz);

    const size_t counts[] = {1, 2, 3, 4, 5, 7, 8, 9, 31, 32, 33, 100};
    for (size_t t = 0; t < sizeof counts / sizeof *counts; t++) {
        size_t n = counts[t], open;
        double z[100];
        lw_contours c[100];
        for (size_t i = 0; i < n; i++)
            z[i] = 10 * (i + 0.5) / n;
        if (t % 2) /* uneven spacing: binary search */
            for (size_t i = 0; i < n; i++)
                z[i] = 10 * pow((i + 0.5) / n, 1.7);
        slice_all(&m, z, n, c, &open);
        assert_int_equal(open, 0);
        for (size_t i = 0; i < n; i++) {
            double outer, inner;
            int count;
            revolve_section(rz, nr + 1, ns, z[i] - 5, &outer, &inner, &count);
            double expect = ngon(ns) * 4 + outer;
            assert_int_equal(c[i].ncontours, 1 + (outer > 0));
            assert_true(lwt_rel(lw_contours_area(&c[i]), expect) < 1e-12);
        }
        clear_all(c, n);
    }
    lw_mesh_clear(&m);
}

/* ---- determinism ---------------------------------------------------------------------------- */

typedef struct job {
    const lw_slicer *s;
    lw_contours *c;
} job;

static lw_rc one_layer(void *ctx, size_t i, unsigned worker, lw_err *err)
{
    (void)worker;
    job *j = ctx;
    return lw_slicer_layer(j->s, i, &j->c[i], NULL, err);
}

static bool same(const lw_contours *a, const lw_contours *b)
{
    return a->npoints == b->npoints && a->ncontours == b->ncontours &&
           !memcmp(a->xy, b->xy, 2 * sizeof(double) * a->npoints) &&
           (!a->ncontours ||
            !memcmp(a->start, b->start, sizeof(uint32_t) * (a->ncontours + 1)));
}

static void test_threads(void **state)
{
    (void)state;
    lw_band_spec spec;
    lw_band_spec_default(&spec);
    lw_mesh m;
    lw_mesh_init(&m);
    lw_err err = {0};
    assert_int_equal(lw_band_build(&spec, &m, &err), LW_OK);
    const double stand[12] = {0, 0, 1, 0, 1, 0, -1, 0, 0, 0, 0, 0};
    lw_mesh_transform(&m, stand);
    lw_bbox bb = lw_mesh_bbox(&m);
    size_t n = (size_t)ceil((bb.max[2] - bb.min[2]) / 0.03);
    double *z = lw_malloc(n * sizeof *z);
    assert_non_null(z);
    for (size_t i = 0; i < n; i++)
        z[i] = bb.min[2] + (i + 0.5) * 0.03;
    lw_slicer *s;
    assert_int_equal(lw_slicer_new(&m, z, n, &s, &err), LW_OK);
    lw_contours *c[4];
    for (int k = 0; k < 4; k++) {
        c[k] = lw_calloc(n, sizeof *c[k]);
        assert_non_null(c[k]);
    }
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < n; i++)
            assert_int_equal(lw_slicer_layer(s, i, &c[k][i], NULL, &err), LW_OK);
    for (int k = 2; k < 4; k++) {
        lw_pool *p;
        assert_int_equal(lw_pool_new(k == 2 ? 1 : 2, &p, &err), LW_OK);
        job j = {s, c[k]};
        assert_int_equal(lw_pool_for(p, n, one_layer, &j, &err), LW_OK);
        lw_pool_free(p);
    }
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        total += c[0][i].npoints;
        for (int k = 1; k < 4; k++)
            assert_true(same(&c[0][i], &c[k][i]));
    }
    assert_true(total > 100 * n); /* the layers are not trivially empty */
    for (int k = 0; k < 4; k++) {
        clear_all(c[k], n);
        lw_free(c[k]);
    }
    lw_slicer_free(s);
    lw_free(z);
    lw_mesh_clear(&m);
}

/* ---- errors ---------------------------------------------------------------------------------- */

static void test_errors(void **state)
{
    (void)state;
    lw_mesh m;
    lw_mesh_init(&m);
    const double a[3] = {0, 0, 0}, s1[3] = {1, 1, 1};
    add_box(&m, a, s1, false, -1);
    lw_slicer *s = (lw_slicer *)&m;
    lw_err err = {0};
    const double down[3] = {0.1, 0.5, 0.4}, nan3[3] = {0.1, NAN, 0.4}, eq[3] = {0.5, 0.5, 0.5};
    assert_int_equal(lw_slicer_new(&m, down, 3, &s, &err), LW_EINVAL);
    assert_null(s);
    assert_true(strstr(err.msg, "plane 2") != NULL);
    lw_err_clear(&err);
    assert_int_equal(lw_slicer_new(&m, nan3, 3, &s, &err), LW_EINVAL);
    lw_err_clear(&err);

    /* equal heights are allowed and give equal sections */
    assert_int_equal(lw_slicer_new(&m, eq, 3, &s, &err), LW_OK);
    lw_contours c;
    lw_contours_init(&c);
    size_t open = 7;
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(lw_slicer_layer(s, i, &c, &open, &err), LW_OK);
    assert_int_equal(c.ncontours, 3);
    assert_true(lw_contours_area(&c) == 3);
    assert_int_equal(open, 0);
    uint32_t np = c.npoints;
    assert_int_equal(lw_slicer_layer(s, 3, &c, &open, &err), LW_EINVAL);
    assert_int_equal(c.npoints, np);
    lw_slicer_free(s);
    lw_err_clear(&err);

    /* no planes at all */
    assert_int_equal(lw_slicer_new(&m, NULL, 0, &s, &err), LW_OK);
    assert_int_equal(lw_slicer_layer(s, 0, &c, NULL, &err), LW_EINVAL);
    lw_slicer_free(s);
    lw_slicer_free(NULL);
    lw_err_clear(&err);

    m.tri[5] = 8; /* past the last vertex */
    assert_int_equal(lw_slicer_new(&m, eq, 1, &s, &err), LW_EINVAL);
    assert_true(strstr(err.msg, "facet 1") != NULL);
    m.tri[5] = 1;
    lw_err_clear(&err);
    m.xyz[4] = INFINITY;
    assert_int_equal(lw_slicer_new(&m, eq, 1, &s, &err), LW_EINVAL);
    assert_true(strstr(err.msg, "vertex 1") != NULL);
    lw_contours_clear(&c);
    lw_mesh_clear(&m);
}

/* ---- allocation failure ---------------------------------------------------------------------- */

typedef struct torture {
    lw_mesh m;
    double z[6];
} torture;

static int torture_run(void *ctx)
{
    torture *t = ctx;
    lw_slicer *s = NULL;
    lw_err err = {0};
    lw_rc rc = lw_slicer_new(&t->m, t->z, 6, &s, &err);
    if (rc) {
        assert_null(s);
        return rc;
    }
    lw_contours c;
    lw_contours_init(&c);
    for (size_t i = 0; i < 6 && !rc; i++) {
        uint32_t nc = c.ncontours, np = c.npoints;
        rc = lw_slicer_layer(s, i, &c, NULL, &err);
        if (rc) {
            assert_int_equal(rc, LW_ENOMEM);
            assert_int_equal(c.ncontours, nc);
            assert_int_equal(c.npoints, np);
        }
    }
    if (!rc)
        assert_int_equal(c.ncontours, 1 + 3 + 3 + 3 + 1 + 1); /* box, cavity, sphere */
    lw_contours_clear(&c);
    lw_slicer_free(s);
    return rc;
}

static void test_alloc_failure(void **state)
{
    (void)state;
    torture t;
    lw_mesh_init(&t.m);
    const double o[3] = {0, 0, 0}, os[3] = {4, 4, 4}, i0[3] = {1, 1, 1}, is[3] = {2, 2, 2};
    add_box(&t.m, o, os, false, -1);
    add_box(&t.m, i0, is, true, -1);
    lw_mesh sph;
    lw_mesh_init(&sph);
    assert_int_equal(lw_shape_sphere(&sph, 1, 12, 6), LW_OK);
    lw_mesh_translate(&sph, 10, 0, 2);
    assert_int_equal(lw_mesh_append(&t.m, &sph, 0), LW_OK);
    lw_mesh_clear(&sph);
    const double z[6] = {0.5, 1.5, 2, 2.5, 3.5, 3.9};
    memcpy(t.z, z, sizeof z);
    assert_true(lwt_alloc_torture(torture_run, &t) > 5);
    lw_mesh_clear(&t.m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cylinder),      cmocka_unit_test(test_cylinder_caps),
        cmocka_unit_test(test_sphere),        cmocka_unit_test(test_torus),
        cmocka_unit_test(test_band_flat),     cmocka_unit_test(test_band_on_edge),
        cmocka_unit_test(test_cube_faces),    cmocka_unit_test(test_two_shells),
        cmocka_unit_test(test_non_manifold),  cmocka_unit_test(test_cavity),
        cmocka_unit_test(test_open_mesh),     cmocka_unit_test(test_tree_spans),
        cmocka_unit_test(test_threads),       cmocka_unit_test(test_errors),
        cmocka_unit_test(test_alloc_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
