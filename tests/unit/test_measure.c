/* Tests of geom/measure: volume, area, centroid and box against values worked out here by other
 * means (hand-built solids, the prismatoid formula, regular polygons, Gauss-Legendre integration),
 * the closed forms of geom/shapes and design/band checked against those, and convergence to the
 * smooth solids as the faceting gets finer. */
#include "lwtest.h"

#include <math.h>
#include <string.h>

#include "base/alloc.h"
#include "design/band.h"
#include "geom/measure.h"
#include "geom/mesh.h"
#include "geom/shapes.h"

static const double FAR[3] = {100, -100, 100}; /* 173 mm from the origin */

/* A unit cube's 12 facets, counter-clockwise from outside; vertex index = x + 2y + 4z. */
static const uint32_t CUBE_TRI[36] = {0, 2, 3, 0, 3, 1, 4, 5, 7, 4, 7, 6, 0, 1, 5, 0, 5, 4,
                                      2, 6, 7, 2, 7, 3, 0, 4, 6, 0, 6, 2, 1, 3, 7, 1, 7, 5};

static void add_box(lw_mesh *m, const double lo[3], const double size[3], uint32_t part)
{
    uint32_t base = m->nv;
    for (int i = 0; i < 8; i++)
        assert_int_equal(lw_mesh_add_vertex(m, lo[0] + size[0] * (i & 1),
                                            lo[1] + size[1] * ((i >> 1) & 1),
                                            lo[2] + size[2] * ((i >> 2) & 1), NULL), LW_OK);
    for (int f = 0; f < 12; f++)
        assert_int_equal(lw_mesh_add_tri(m, base + CUBE_TRI[3 * f], base + CUBE_TRI[3 * f + 1],
                                         base + CUBE_TRI[3 * f + 2], part), LW_OK);
}

static void measure(const lw_mesh *m, lw_measure *o) { lw_mesh_measure(m, NULL, 0, o); }

/* ---- independent closed forms ------------------------------------------------------------- */

/* Area of the regular n-gon of circumradius 1: n triangles of apex angle 2 pi / n. */
static double ngon(uint32_t n) { return 0.5 * n * sin(2 * M_PI / n); }

/* A band of the revolved polyhedron between aligned regular n-gons of radii r0 at z0 and r1 at
 * z1: its sections are regular n-gons whose radius varies linearly, so the prismatoid formula
 * dz/6 (A0 + 4 Amid + A1) is exact. Signed by dz. */
static double band_volume(uint32_t n, double r0, double z0, double r1, double z1)
{
    double rm = 0.5 * (r0 + r1);
    return (z1 - z0) / 6 * ngon(n) * (r0 * r0 + 4 * rm * rm + r1 * r1);
}

/* Its side: n trapezoids whose parallel sides are the chords 2 r sin(pi/n) and whose height is
 * the distance between the chords' midpoints, at r cos(pi/n) from the axis. */
static double band_area(uint32_t n, double r0, double z0, double r1, double z1)
{
    double s = sin(M_PI / n), c = cos(M_PI / n);
    double h = hypot(z1 - z0, (r1 - r0) * c);
    return n * (r0 + r1) * s * h;
}

static void sphere_profile(double r, uint32_t nrings, double *rz)
{
    for (uint32_t i = 0; i <= nrings; i++) {
        double phi = M_PI * (double)i / nrings;
        rz[2 * i] = (i == 0 || i == nrings) ? 0 : r * sin(phi);
        rz[2 * i + 1] = -r * cos(phi);
    }
}

/* ---- hand-built solids --------------------------------------------------------------------- */

static void test_unit_cube(void **state)
{
    (void)state;
    lw_mesh m;
    lw_mesh_init(&m);
    add_box(&m, (double[3]){0, 0, 0}, (double[3]){1, 1, 1}, 0);
    lw_measure o;
    measure(&m, &o);
    assert_true(fabs(o.volume - 1) < 1e-15);
    assert_true(fabs(o.area - 6) < 1e-14);
    assert_int_equal(o.nfaces, 12);
    for (int k = 0; k < 3; k++) {
        assert_true(fabs(o.centroid[k] - 0.5) < 1e-15);
        assert_true(o.bbox.min[k] == 0 && o.bbox.max[k] == 1);
    }
    lw_mesh_translate(&m, FAR[0], FAR[1], FAR[2]);
    measure(&m, &o);
    assert_true(lwt_rel(o.volume, 1) < 1e-12);
    assert_true(lwt_rel(o.area, 6) < 1e-12);
    for (int k = 0; k < 3; k++)
        assert_true(fabs(o.centroid[k] - (FAR[k] + 0.5)) < 1e-12);
    /* Inward facets: the same solid with the opposite sign. */
    for (uint32_t f = 0; f < m.nt; f++) {
        uint32_t t = m.tri[3 * f + 1];
        m.tri[3 * f + 1] = m.tri[3 * f + 2];
        m.tri[3 * f + 2] = t;
    }
    measure(&m, &o);
    assert_true(lwt_rel(o.volume, -1) < 1e-12);
    assert_true(lwt_rel(o.area, 6) < 1e-12);
    lw_mesh_clear(&m);
}

static void test_box_and_subset(void **state)
{
    (void)state;
    lw_mesh m;
    lw_mesh_init(&m);
    add_box(&m, (double[3]){1, 2, 3}, (double[3]){2, 3, 5}, 0);
    add_box(&m, (double[3]){-10, 0, 0}, (double[3]){1, 1, 4}, 1);
    lw_measure o;
    measure(&m, &o);
    assert_true(lwt_rel(o.volume, 30 + 4) < 1e-14);
    assert_true(lwt_rel(o.area, 2 * (6 + 10 + 15) + 2 * (1 + 4 + 4)) < 1e-14);
    /* The two boxes' centres weighted by volume. */
    assert_true(fabs(o.centroid[0] - (30 * 2.0 + 4 * -9.5) / 34) < 1e-12);
    assert_true(fabs(o.centroid[1] - (30 * 3.5 + 4 * 0.5) / 34) < 1e-12);
    assert_true(fabs(o.centroid[2] - (30 * 5.5 + 4 * 2.0) / 34) < 1e-12);
    assert_true(o.bbox.min[0] == -10 && o.bbox.max[0] == 3 && o.bbox.max[2] == 8);
    uint32_t second[12];
    for (uint32_t i = 0; i < 12; i++)
        second[i] = 12 + i;
    lw_mesh_measure(&m, second, 12, &o);
    assert_int_equal(o.nfaces, 12);
    assert_true(lwt_rel(o.volume, 4) < 1e-14);
    assert_true(fabs(o.centroid[0] + 9.5) < 1e-13 && fabs(o.centroid[2] - 2) < 1e-13);
    assert_true(o.bbox.min[0] == -10 && o.bbox.max[0] == -9);
    /* Nothing to measure: zeros and an empty box. */
    lw_mesh_measure(&m, second, 0, &o);
    assert_true(o.volume == 0 && o.area == 0 && o.nfaces == 0);
    assert_true(lw_bbox_is_empty(&o.bbox));
    lw_mesh_clear(&m);
}

static void test_open_surface_centroid(void **state)
{
    (void)state;
    /* One facet encloses nothing: the centroid is the triangle's, its area half the cross. */
    lw_mesh m;
    lw_mesh_init(&m);
    assert_int_equal(lw_mesh_add_vertex(&m, 100, 0, 7, NULL), LW_OK);
    assert_int_equal(lw_mesh_add_vertex(&m, 103, 0, 7, NULL), LW_OK);
    assert_int_equal(lw_mesh_add_vertex(&m, 100, 6, 7, NULL), LW_OK);
    assert_int_equal(lw_mesh_add_tri(&m, 0, 1, 2, 0), LW_OK);
    lw_measure o;
    measure(&m, &o);
    assert_true(fabs(o.volume) < 1e-12);
    assert_true(fabs(o.area - 9) < 1e-12);
    assert_true(fabs(o.centroid[0] - 101) < 1e-12 && fabs(o.centroid[1] - 2) < 1e-12 &&
                fabs(o.centroid[2] - 7) < 1e-12);
    lw_mesh_clear(&m);
}

/* ---- closed forms of shapes.h checked against formulas derived here ------------------------ */

static void test_revolve_closed_forms(void **state)
{
    (void)state;
    /* The octahedron |x|+|y|+|z| <= 1: four segments of the profile (0,-1) (1,0) (0,1). Volume
     * 4/3, area eight equilateral triangles of side sqrt 2: 4 sqrt 3. */
    const double octa[6] = {0, -1, 1, 0, 0, 1};
    assert_true(lwt_rel(lw_revolve_volume(octa, 3, 4), 4.0 / 3) < 1e-14);
    assert_true(lwt_rel(lw_revolve_area(octa, 3, 4), 4 * sqrt(3)) < 1e-14);
    lw_mesh m;
    lw_mesh_init(&m);
    assert_int_equal(lw_shape_revolve(&m, octa, 3, 4, 0), LW_OK);
    assert_int_equal(m.nt, 8);
    lw_measure o;
    measure(&m, &o);
    assert_true(lwt_rel(o.volume, 4.0 / 3) < 1e-14);
    assert_true(lwt_rel(o.area, 4 * sqrt(3)) < 1e-14);
    lw_mesh_clear(&m);

    /* A unit cube turned 45 degrees: a square of half-diagonal sqrt(1/2), swept in 4 steps. */
    double s = sqrt(0.5);
    const double cube[8] = {0, 0, s, 0, s, 1, 0, 1};
    assert_true(lwt_rel(lw_revolve_volume(cube, 4, 4), 1) < 1e-14);
    assert_true(lwt_rel(lw_revolve_area(cube, 4, 4), 6) < 1e-14);
    assert_int_equal(lw_shape_revolve(&m, cube, 4, 4, 0), LW_OK);
    assert_int_equal(m.nt, 16); /* the end caps are fans about a vertex on the axis */
    lw_mesh_translate(&m, FAR[0], FAR[1], FAR[2]);
    measure(&m, &o);
    assert_true(lwt_rel(o.volume, 1) < 1e-12);
    assert_true(lwt_rel(o.area, 6) < 1e-12);
    lw_mesh_clear(&m);
}

/* ---- analytic shapes at several resolutions ------------------------------------------------ */

static void check_mesh(lw_mesh *m, double vol, double area)
{
    lw_measure o;
    measure(m, &o);
    assert_true(lwt_rel(o.volume, vol) < 1e-9);
    assert_true(lwt_rel(o.area, area) < 1e-9);
    lw_mesh_translate(m, FAR[0], FAR[1], FAR[2]);
    measure(m, &o);
    assert_true(lwt_rel(o.volume, vol) < 1e-9);
    assert_true(lwt_rel(o.area, area) < 1e-9);
}

static void test_cylinder(void **state)
{
    (void)state;
    const double r = 4, h = 7;
    const uint32_t res[] = {8, 32, 128, 1024};
    double prev = 0;
    for (size_t i = 0; i < sizeof res / sizeof *res; i++) {
        uint32_t n = res[i];
        /* n-gon prism: base n/2 r^2 sin(2pi/n) times h; two bases and n rectangles. */
        double vol = ngon(n) * r * r * h;
        double area = 2 * ngon(n) * r * r + n * 2 * r * sin(M_PI / n) * h;
        const double rz[8] = {0, 0, r, 0, r, h, 0, h};
        assert_true(lwt_rel(lw_revolve_volume(rz, 4, n), vol) < 1e-12);
        assert_true(lwt_rel(lw_revolve_area(rz, 4, n), area) < 1e-12);
        lw_mesh m;
        lw_mesh_init(&m);
        assert_int_equal(lw_shape_cylinder(&m, r, h, n), LW_OK);
        check_mesh(&m, vol, area);
        lw_mesh_clear(&m);
        assert_true(vol > prev && vol < M_PI * r * r * h);
        prev = vol;
    }
    assert_true(lwt_rel(prev, M_PI * r * r * h) < 1e-5);
}

static void test_sphere(void **state)
{
    (void)state;
    const double r = 10;
    /* Each resolution's vertices include the previous one's, so the inscribed polyhedra are
     * nested and both volume and area must rise. */
    const uint32_t res[][2] = {{16, 8}, {64, 32}, {256, 128}, {1024, 1024}};
    double pv = 0, pa = 0;
    for (size_t i = 0; i < sizeof res / sizeof *res; i++) {
        uint32_t n = res[i][0], rings = res[i][1];
        double *rz = lw_malloc(2 * ((size_t)rings + 1) * sizeof *rz);
        assert_non_null(rz);
        sphere_profile(r, rings, rz);
        double vol = 0, area = 0;
        for (uint32_t j = 0; j < rings; j++) {
            vol += band_volume(n, rz[2 * j], rz[2 * j + 1], rz[2 * j + 2], rz[2 * j + 3]);
            area += band_area(n, rz[2 * j], rz[2 * j + 1], rz[2 * j + 2], rz[2 * j + 3]);
        }
        assert_true(lwt_rel(lw_revolve_volume(rz, rings + 1, n), vol) < 1e-12);
        assert_true(lwt_rel(lw_revolve_area(rz, rings + 1, n), area) < 1e-12);
        lw_free(rz);
        lw_mesh m;
        lw_mesh_init(&m);
        assert_int_equal(lw_shape_sphere(&m, r, n, rings), LW_OK);
        assert_int_equal(m.nt, 2 * n * (rings - 1));
        check_mesh(&m, vol, area);
        lw_mesh_clear(&m);
        assert_true(vol > pv && vol < 4.0 / 3 * M_PI * r * r * r);
        assert_true(area > pa && area < 4 * M_PI * r * r);
        pv = vol;
        pa = area;
    }
    assert_true(lwt_rel(pv, 4.0 / 3 * M_PI * r * r * r) < 1e-5);
    assert_true(lwt_rel(pa, 4 * M_PI * r * r) < 1e-5);
}

static void test_torus(void **state)
{
    (void)state;
    const double R = 9, r = 1.5;
    const uint32_t res[][2] = {{16, 8}, {64, 32}, {256, 128}, {2048, 1024}};
    double pv = 0;
    for (size_t i = 0; i < sizeof res / sizeof *res; i++) {
        uint32_t n = res[i][0], np = res[i][1];
        /* The profile is a regular np-gon about (R, 0): its first moment about the axis is R
         * times its area, so the polyhedron holds n sin(2pi/n) R r^2 ngon(np). */
        double vol = n * sin(2 * M_PI / n) * R * r * r * ngon(np), area = 0;
        for (uint32_t j = 0; j < np; j++) {
            double a0 = 2 * M_PI * j / np, a1 = 2 * M_PI * (j + 1) / np;
            area += band_area(n, R + r * cos(a0), r * sin(a0), R + r * cos(a1), r * sin(a1));
        }
        lw_mesh m;
        lw_mesh_init(&m);
        assert_int_equal(lw_shape_torus(&m, R, r, n, np), LW_OK);
        check_mesh(&m, vol, area);
        lw_measure o;
        measure(&m, &o);
        for (int k = 0; k < 3; k++)
            assert_true(fabs(o.centroid[k] - FAR[k]) < 1e-9);
        lw_mesh_clear(&m);
        assert_true(vol > pv && vol < 2 * M_PI * M_PI * R * r * r);
        pv = vol;
    }
    assert_true(lwt_rel(pv, 2 * M_PI * M_PI * R * r * r) < 1e-5);
}

/* The smooth band's volume by 3-point Gauss-Legendre quadrature of 2 pi (r_out^2 - r_in^2) / 2
 * over the width: exact for the degree-4 polynomials of the comfort-fit profile. */
static double band_volume_gauss(const lw_band_spec *s)
{
    const double x[3] = {-sqrt(0.6), 0, sqrt(0.6)}, w[3] = {5.0 / 9, 8.0 / 9, 5.0 / 9};
    double ri = s->inner_diameter / 2, ro = ri + s->thickness, h = s->width / 2, sum = 0;
    for (int i = 0; i < 3; i++) {
        double q = x[i] * x[i]; /* (z / h)^2 at z = h x */
        double rout = ro - s->outer_drop * q, rin = ri + s->inner_relief * q;
        sum += w[i] * h * M_PI * (rout * rout - rin * rin);
    }
    return sum;
}

static void test_band(void **state)
{
    (void)state;
    lw_band_spec s;
    lw_band_spec_default(&s);
    double exact = band_volume_gauss(&s);
    assert_true(lwt_rel(lw_band_volume_exact(&s), exact) < 1e-13);
    /* The shared data README quotes 623.1 mm3 for this band. */
    assert_true(fabs(exact - 623.1) < 0.05);
    const uint32_t res[][2] = {{16, 4}, {64, 16}, {256, 64}, {2048, 256}};
    double pv = 0;
    for (size_t i = 0; i < sizeof res / sizeof *res; i++) {
        s.segments = res[i][0];
        s.profile_steps = res[i][1];
        uint32_t npts = 2 * s.profile_steps + 2;
        double *rz = lw_malloc(2 * (size_t)npts * sizeof *rz);
        assert_non_null(rz);
        assert_int_equal(lw_band_profile(&s, rz), npts);
        /* Outside bottom to top, then inside top to bottom: outer bands minus inner bands (the
         * inner ones come out negative with their falling z). */
        double vol = 0, area = 0;
        for (uint32_t j = 0; j < npts; j++) {
            uint32_t k = (j + 1) % npts;
            double r0 = rz[2 * j], z0 = rz[2 * j + 1], r1 = rz[2 * k], z1 = rz[2 * k + 1];
            vol += band_volume(s.segments, r0, z0, r1, z1);
            area += band_area(s.segments, r0, z0, r1, z1);
        }
        assert_true(lwt_rel(lw_revolve_volume(rz, npts, s.segments), vol) < 1e-12);
        assert_true(lwt_rel(lw_revolve_area(rz, npts, s.segments), area) < 1e-12);
        lw_free(rz);
        lw_mesh m;
        lw_mesh_init(&m);
        lw_err err;
        lw_err_clear(&err);
        assert_int_equal(lw_band_build(&s, &m, &err), LW_OK);
        check_mesh(&m, vol, area);
        lw_measure o;
        measure(&m, &o);
        /* Symmetric about the axis and the mid-plane z = width / 2. */
        assert_true(fabs(o.centroid[0] - FAR[0]) < 1e-9 && fabs(o.centroid[1] - FAR[1]) < 1e-9);
        assert_true(fabs(o.centroid[2] - (FAR[2] + s.width / 2)) < 1e-9);
        lw_mesh_clear(&m);
        assert_true(vol > pv && vol < exact);
        pv = vol;
    }
    assert_true(lwt_rel(pv, exact) < 1e-5);
}

static void test_sphere_centroid_and_box(void **state)
{
    (void)state;
    const double r = 5, c[3] = {100, -100, 100};
    lw_mesh m;
    lw_mesh_init(&m);
    assert_int_equal(lw_shape_sphere(&m, r, 64, 32), LW_OK);
    lw_mesh_translate(&m, c[0], c[1], c[2]);
    lw_measure o;
    measure(&m, &o);
    lw_bbox b;
    lw_bbox_empty(&b);
    for (uint32_t v = 0; v < m.nv; v++)
        lw_bbox_add(&b, m.xyz + 3 * (size_t)v);
    for (int k = 0; k < 3; k++) {
        assert_true(fabs(o.centroid[k] - c[k]) < 1e-9);
        /* 64 segments and 32 rings put vertices on all six extremes of the sphere. */
        assert_true(o.bbox.min[k] == c[k] - r && o.bbox.max[k] == c[k] + r);
        assert_true(o.bbox.min[k] == b.min[k] && o.bbox.max[k] == b.max[k]);
    }
    lw_mesh_clear(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unit_cube),
        cmocka_unit_test(test_box_and_subset),
        cmocka_unit_test(test_open_surface_centroid),
        cmocka_unit_test(test_revolve_closed_forms),
        cmocka_unit_test(test_cylinder),
        cmocka_unit_test(test_sphere),
        cmocka_unit_test(test_torus),
        cmocka_unit_test(test_band),
        cmocka_unit_test(test_sphere_centroid_and_box),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
