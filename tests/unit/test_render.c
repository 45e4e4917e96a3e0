/* Tests of design/render: the fill rule of the rasteriser and the smoothing of normals on their
 * own; the drawn pictures' geometry against closed forms (a sphere from above covers its
 * equator's polygon, a cylinder from the side its rectangle, a torus from above its annulus),
 * within a bound on point-sampling error worked out below; one scale for every view; the
 * metal's colour and the key light in the shading; the watermark across the whole picture;
 * determinism, PNG output, refusals, and allocation failure at every point. */
#include "lwtest.h"

#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "design/render.h"
#include "design/render_int.h"
#include "geom/shapes.h"

#define ROSE 0xE7A98Au   /* data/metals.tsv: 18k-rose */
#define YELLOW 0xE8C15Au /* 18k-yellow */
#define WHITE 0xDCDAD2u  /* 18k-white-pd */

/* A unit cube's facets, counter-clockwise seen from outside; vertex index = x + 2y + 4z. */
static const uint32_t CUBE_TRI[36] = {0, 2, 3, 0, 3, 1, 4, 5, 7, 4, 7, 6, 0, 1, 5, 0, 5, 4,
                                      2, 6, 7, 2, 7, 3, 0, 4, 6, 0, 6, 2, 1, 3, 7, 1, 7, 5};

static void add_box(lw_mesh *m, const double lo[3], const double size[3])
{
    uint32_t base = m->nv;
    for (int i = 0; i < 8; i++)
        assert_int_equal(lw_mesh_add_vertex(m, lo[0] + size[0] * (i & 1),
                                            lo[1] + size[1] * ((i >> 1) & 1),
                                            lo[2] + size[2] * ((i >> 2) & 1), NULL), LW_OK);
    for (int f = 0; f < 12; f++)
        assert_int_equal(lw_mesh_add_tri(m, base + CUBE_TRI[3 * f], base + CUBE_TRI[3 * f + 1],
                                         base + CUBE_TRI[3 * f + 2], 0), LW_OK);
}

/* Options for measuring: one view, nothing drawn but the piece, coverage in alpha. */
static void plain_opts(lw_render_opts *o, lw_render_view v, uint32_t w, uint32_t h)
{
    lw_render_opts_default(o);
    o->width = w;
    o->height = h;
    o->nviews = 1;
    o->views[0] = v;
    o->scale_bar = false;
    o->transparent = true;
}

static void render_ok(const lw_mesh *m, const lw_render_opts *o, lw_image *im,
                      lw_render_layout *l)
{
    lw_err err;
    lw_err_clear(&err);
    lw_rc rc = lw_render(m, o, im, &err);
    if (rc)
        fail_msg("lw_render: %s", err.msg);
    assert_int_equal(im->width, o->width);
    assert_int_equal(im->height, o->height);
    if (l)
        assert_int_equal(lw_render_layout_of(m, o, l, &err), LW_OK);
}

/* Covered samples in columns [x0, x1): alpha holds round(255 k / n) for k of n samples, which
 * gives k back exactly. */
static uint64_t covered_samples(const lw_image *im, uint32_t ss, uint32_t x0, uint32_t x1)
{
    uint64_t k = 0;
    uint32_t n = ss * ss;
    for (uint32_t y = 0; y < im->height; y++)
        for (uint32_t x = x0; x < x1; x++)
            k += (im->rgba[4 * ((size_t)y * im->width + x) + 3] * n + 127) / 255;
    return k;
}

/* ---- the rasteriser's fill rule -------------------------------------------------------------- */

#define G 24

static void grid_init(lw_rgrid *g, float *z, uint32_t *id)
{
    g->z = z;
    g->id = id;
    g->w = G;
    g->h = G;
    g->y0 = 0;
    g->cull = 0;
    for (int i = 0; i < G * G; i++) {
        z[i] = -INFINITY;
        id[i] = LW_RNONE;
    }
}

/* Adds to cnt the samples each triangle covers, each drawn alone. */
static void cover(const int32_t (*tri)[6], int n, int cnt[G * G])
{
    float z[G * G], zs[3] = {0, 0, 0};
    uint32_t id[G * G];
    lw_rgrid g;
    for (int t = 0; t < n; t++) {
        grid_init(&g, z, id);
        lw_rgrid_tri(&g, tri[t], zs, (uint32_t)t);
        for (int i = 0; i < G * G; i++)
            cnt[i] += id[i] == (uint32_t)t;
    }
}

#define S(x) ((x) * (1 << LW_RSUB))

static void test_fill_rule_square(void **state)
{
    (void)state;
    /* A square from sample 3 to 13 split along a diagonal through sample centres, in both
     * windings: samples on its left and top sides are in, on its right and bottom sides out, so
     * squares side by side would tile the samples exactly. */
    const int32_t tri[4][6] = {
        {S(3), S(3), S(13), S(3), S(13), S(13)}, {S(3), S(3), S(13), S(13), S(3), S(13)},
        {S(3), S(3), S(13), S(13), S(13), S(3)}, {S(3), S(13), S(13), S(13), S(3), S(3)},
    };
    for (int pass = 0; pass < 2; pass++) {
        int cnt[G * G] = {0};
        cover(tri + 2 * pass, 2, cnt);
        for (int y = 0; y < G; y++)
            for (int x = 0; x < G; x++)
                assert_int_equal(cnt[y * G + x], x >= 3 && x < 13 && y >= 3 && y < 13);
    }
}

static void test_fill_rule_fan(void **state)
{
    (void)state;
    /* A fan of eight triangles round a sample centre, corners on sample centres and edges
     * through many of them: inside the octagon every sample is covered exactly once, outside
     * none, and nowhere twice. */
    const int c[2] = {11, 11}, ring[8][2] = {{18, 11}, {16, 16}, {11, 19}, {5, 17},
                                              {3, 11}, {6, 4},   {11, 2},  {17, 5}};
    int32_t tri[8][6];
    for (int k = 0; k < 8; k++) {
        const int *a = ring[k], *b = ring[(k + 1) % 8];
        int32_t t[6] = {S(c[0]), S(c[1]), S(a[0]), S(a[1]), S(b[0]), S(b[1])};
        memcpy(tri[k], t, sizeof t);
    }
    int cnt[G * G] = {0};
    cover((const int32_t(*)[6])tri, 8, cnt);
    int inside = 0;
    for (int y = 0; y < G; y++)
        for (int x = 0; x < G; x++) {
            assert_true(cnt[y * G + x] <= 1);
            /* Strictly inside the convex octagon (ring runs clockwise on screen, y down). */
            bool in = true, out = false;
            for (int k = 0; k < 8; k++) {
                const int *a = ring[k], *b = ring[(k + 1) % 8];
                long e = (long)(b[0] - a[0]) * (y - a[1]) - (long)(b[1] - a[1]) * (x - a[0]);
                in = in && e > 0;
                out = out || e < 0;
            }
            if (in)
                assert_int_equal(cnt[y * G + x], 1);
            if (out)
                assert_int_equal(cnt[y * G + x], 0);
            inside += in;
        }
    assert_true(inside > 100);
}

static void test_depth(void **state)
{
    (void)state;
    float z[G * G];
    uint32_t id[G * G];
    lw_rgrid g;
    const int32_t t[6] = {S(1), S(1), S(20), S(1), S(1), S(20)};
    const float near[3] = {2, 2, 2}, far[3] = {1, 1, 1};
    /* The nearer wins whichever comes first; an equal depth keeps what was there. */
    grid_init(&g, z, id);
    lw_rgrid_tri(&g, t, far, 1);
    lw_rgrid_tri(&g, t, near, 2);
    lw_rgrid_tri(&g, t, near, 3);
    assert_int_equal(id[5 * G + 5], 2);
    grid_init(&g, z, id);
    lw_rgrid_tri(&g, t, near, 2);
    lw_rgrid_tri(&g, t, far, 1);
    assert_int_equal(id[5 * G + 5], 2);
    assert_true(z[5 * G + 5] == 2);
    /* Culling by winding: this triangle runs clockwise in the picture (right, then down). */
    grid_init(&g, z, id);
    g.cull = 1;
    lw_rgrid_tri(&g, t, near, 4);
    assert_int_equal(id[5 * G + 5], LW_RNONE);
    grid_init(&g, z, id);
    g.cull = -1;
    lw_rgrid_tri(&g, t, near, 4);
    assert_int_equal(id[5 * G + 5], 4);
    /* A band of rows: only its rows are written, at their offset. */
    grid_init(&g, z, id);
    g.y0 = 10;
    g.h = 5;
    lw_rgrid_tri(&g, t, near, 7);
    assert_int_equal(id[0 * G + 1], 7);     /* sample row 10 */
    assert_int_equal(id[4 * G + 1], 7);     /* sample row 14 */
    assert_int_equal(id[5 * G + 1], LW_RNONE); /* beyond the band */
}

/* ---- normals ------------------------------------------------------------------------------- */

static const float *corner_normal(const lw_rnormals *n, uint32_t f, int k)
{
    return n->n + 3 * (size_t)n->corner[3 * (size_t)f + k];
}

static void test_normals_cube(void **state)
{
    (void)state;
    lw_mesh m;
    lw_mesh_init(&m);
    add_box(&m, (double[3]){10, 20, 30}, (double[3]){1, 2, 3});
    lw_rnormals n;
    lw_err err;
    lw_err_clear(&err);
    assert_int_equal(lw_rnormals_build(&m, cos(40 * M_PI / 180), 0, &n, &err), LW_OK);
    /* Every edge of a box is a 90 degree crease: three normals a corner, each its face's. */
    assert_int_equal(n.count, 24);
    assert_int_equal(n.closed, 1);
    for (uint32_t f = 0; f < m.nt; f++) {
        double fn[3];
        lw_mesh_facet_normal(&m, f, fn);
        for (int k = 0; k < 3; k++)
            for (int a = 0; a < 3; a++)
                assert_true(fabs(corner_normal(&n, f, k)[a] - fn[a]) < 1e-6);
    }
    lw_rnormals_clear(&n);
    /* Wound inward: still closed, the other way round. */
    for (uint32_t f = 0; f < m.nt; f++) {
        uint32_t t = m.tri[3 * f + 1];
        m.tri[3 * f + 1] = m.tri[3 * f + 2];
        m.tri[3 * f + 2] = t;
    }
    assert_int_equal(lw_rnormals_build(&m, cos(40 * M_PI / 180), 0, &n, &err), LW_OK);
    assert_int_equal(n.closed, -1);
    lw_rnormals_clear(&n);
    /* One facet less: open. */
    m.nt--;
    assert_int_equal(lw_rnormals_build(&m, cos(40 * M_PI / 180), 0, &n, &err), LW_OK);
    assert_int_equal(n.closed, 0);
    lw_rnormals_clear(&n);
    lw_mesh_clear(&m);
}

static void test_normals_smooth(void **state)
{
    (void)state;
    lw_mesh m;
    lw_mesh_init(&m);
    /* A sphere: one normal a vertex, close to the radius (the faceting's angle is 360/64 deg
     * round and 180/32 deg along, so the vertex normal is within a few degrees of it). */
    assert_int_equal(lw_shape_sphere(&m, 5, 64, 32), LW_OK);
    lw_rnormals n;
    lw_err err;
    lw_err_clear(&err);
    assert_int_equal(lw_rnormals_build(&m, cos(40 * M_PI / 180), 0, &n, &err), LW_OK);
    assert_int_equal(n.count, m.nv);
    assert_int_equal(n.closed, 1);
    for (uint32_t f = 0; f < m.nt; f++)
        for (int k = 0; k < 3; k++) {
            const double *p = m.xyz + 3 * (size_t)m.tri[3 * f + k];
            const float *q = corner_normal(&n, f, k);
            double c = (p[0] * q[0] + p[1] * q[1] + p[2] * q[2]) / 5;
            assert_true(c > cos(3 * M_PI / 180));
        }
    lw_rnormals_clear(&n);
    lw_mesh_clear(&m);
    /* A cylinder: its side smooth and radial, its caps flat, the rims creases. */
    lw_mesh_init(&m);
    assert_int_equal(lw_shape_cylinder(&m, 3, 8, 48), LW_OK);
    assert_int_equal(lw_rnormals_build(&m, cos(40 * M_PI / 180), 0, &n, &err), LW_OK);
    for (uint32_t f = 0; f < m.nt; f++) {
        double fn[3];
        lw_mesh_facet_normal(&m, f, fn);
        for (int k = 0; k < 3; k++) {
            const double *p = m.xyz + 3 * (size_t)m.tri[3 * f + k];
            const float *q = corner_normal(&n, f, k);
            if (fabs(fn[2]) > 0.5) {
                assert_true(q[2] == (fn[2] > 0 ? 1 : -1));
            } else {
                double r = hypot(p[0], p[1]);
                assert_true(fabs(q[2]) < 1e-6);
                assert_true(fabs(q[0] - p[0] / r) < 1e-6 && fabs(q[1] - p[1] / r) < 1e-6);
            }
        }
    }
    lw_rnormals_clear(&n);
    lw_mesh_clear(&m);
}

static void test_normals_pleats(void **state)
{
    (void)state;
    /* A strip of slivers 0.01 mm wide folding 60 degrees back and forth (a pleated surface,
     * as twisted extrusions are made): sharp by angle alone, smooth once they are known to be
     * narrower than what the picture can show. */
    lw_mesh m;
    lw_mesh_init(&m);
    const int n = 20;
    for (int i = 0; i <= n; i++) {
        double y = 0.01 * i, z = (i & 1) ? 0.01 * tan(60 * M_PI / 180) / 2 : 0;
        assert_int_equal(lw_mesh_add_vertex(&m, 0, y, z, NULL), LW_OK);
        assert_int_equal(lw_mesh_add_vertex(&m, 5, y, z, NULL), LW_OK);
    }
    for (uint32_t i = 0; i < (uint32_t)n; i++) {
        uint32_t a = 2 * i, b = a + 1, c = a + 2, d = a + 3;
        assert_int_equal(lw_mesh_add_tri(&m, a, b, d, 0), LW_OK);
        assert_int_equal(lw_mesh_add_tri(&m, a, d, c, 0), LW_OK);
    }
    lw_rnormals sharp, soft;
    lw_err err;
    lw_err_clear(&err);
    assert_int_equal(lw_rnormals_build(&m, cos(40 * M_PI / 180), 0, &sharp, &err), LW_OK);
    assert_int_equal(lw_rnormals_build(&m, cos(40 * M_PI / 180), 0.05, &soft, &err), LW_OK);
    assert_int_equal(sharp.closed, 0);
    /* Sharp: the inner rows of vertices each have two normals; smooth: one a vertex. */
    assert_int_equal(sharp.count, 2 * 2 + 2 * 2 * (n - 1));
    assert_int_equal(soft.count, m.nv);
    lw_rnormals_clear(&sharp);
    lw_rnormals_clear(&soft);
    lw_mesh_clear(&m);
}

/* ---- geometry of the pictures ---------------------------------------------------------------- */

/* How far point sampling can miss an area. Samples lie on a grid of spacing h (mm) and each
 * stands for an h x h square. Along one row of samples the shape is at most k intervals of
 * total length f(y); an interval of length L holds between L/h - 1 and L/h + 1 samples, so
 * the row's count times h is within k h of f(y). At most D/h + 1 rows meet a shape D high: the
 * counted area is within k h (D + h) of the sum of f(y_j) h. That sum is a midpoint rule for
 * the integral of f, within h times f's total variation (each row's error is at most h times
 * f's oscillation over its strip); for a convex shape W wide f rises to at most W and falls
 * back: variation <= 2 W, and a difference of convex shapes adds theirs. Vertices are rounded
 * to 1/256 of a sample, which moves the outline by less than h/256: perimeter P times that is
 * the last term. */
static double sampling_bound(double h, int k, double D, double tv, double P)
{
    return k * h * (D + h) + h * tv + P * h / 256;
}

/* Area of the regular n-gon with circumradius r. */
static double ngon_area(uint32_t n, double r) { return 0.5 * n * r * r * sin(2 * M_PI / n); }

static void test_sphere_from_top(void **state)
{
    (void)state;
    const double r = 5;
    const uint32_t nseg = 64, ss = 3;
    lw_mesh m;
    lw_mesh_init(&m);
    assert_int_equal(lw_shape_sphere(&m, r, nseg, 32), LW_OK);
    lw_mesh_translate(&m, 100, -100, 100); /* nothing may depend on where the piece is */
    lw_render_opts o;
    /* 1000 x 1000 at 3 x 3 samples is more than one band of samples: bands are tested too. */
    plain_opts(&o, LW_VIEW_TOP, 1000, 1000);
    lw_image im = {0};
    lw_render_layout l;
    render_ok(&m, &o, &im, &l);
    double h = 1 / (ss * l.scale);
    double area = covered_samples(&im, ss, 0, im.width) * h * h;
    /* Seen from above the sphere's outline is its equator: 32 rings put a ring of 64
     * vertices there, a regular 64-gon of radius r. */
    double poly = ngon_area(nseg, r);
    double bound = sampling_bound(h, 1, 2 * r, 4 * r, 2 * M_PI * r);
    print_message("sphere: %.5f mm2 drawn, polygon %.5f, pi r^2 %.5f, bound %.5f\n", area, poly,
                  M_PI * r * r, bound);
    assert_true(fabs(area - poly) <= bound);
    assert_true(fabs(area - M_PI * r * r) <= bound + (M_PI * r * r - poly));
    /* The piece fills the cell inside the margin: 2r at l.scale px/mm. */
    assert_true(fabs(l.cells[0].bbox[2] - l.cells[0].bbox[0] - 2 * r * l.scale) < 1e-6);
    assert_true(fabs(1000 - 2.0 * l.margin - 2 * r * l.scale) < 1e-3);
    lw_image_clear(&im);
    lw_mesh_clear(&m);
}

static void test_cylinder_from_side(void **state)
{
    (void)state;
    const double r = 3, hh = 8;
    const uint32_t ss = 3;
    lw_mesh m;
    lw_mesh_init(&m);
    /* 48 segments put vertices at +-r along y: from the side, exactly a 2r x h rectangle. */
    assert_int_equal(lw_shape_cylinder(&m, r, hh, 48), LW_OK);
    lw_render_opts o;
    plain_opts(&o, LW_VIEW_SIDE, 300, 500);
    lw_image im = {0};
    lw_render_layout l;
    render_ok(&m, &o, &im, &l);
    double h = 1 / (ss * l.scale);
    double area = covered_samples(&im, ss, 0, im.width) * h * h;
    double bound = sampling_bound(h, 1, hh, 4 * r, 2 * (2 * r + hh));
    print_message("cylinder: %.5f mm2 drawn, 2 r h %.5f, bound %.5f\n", area, 2 * r * hh, bound);
    assert_true(fabs(area - 2 * r * hh) <= bound);
    lw_image_clear(&im);
    lw_mesh_clear(&m);
}

static void test_torus_from_top(void **state)
{
    (void)state;
    const double R = 8, r = 2;
    const uint32_t nseg = 96, ss = 3;
    lw_mesh m;
    lw_mesh_init(&m);
    /* 48 points round the tube put rings of vertices at R + r and R - r. */
    assert_int_equal(lw_shape_torus(&m, R, r, nseg, 48), LW_OK);
    lw_render_opts o;
    plain_opts(&o, LW_VIEW_TOP, 500, 500);
    lw_image im = {0};
    lw_render_layout l;
    render_ok(&m, &o, &im, &l);
    double h = 1 / (ss * l.scale);
    double area = covered_samples(&im, ss, 0, im.width) * h * h;
    double ro = R + r, ri = R - r;
    double poly = ngon_area(nseg, ro) - ngon_area(nseg, ri);
    double exact = M_PI * ro * ro - M_PI * ri * ri;
    /* Two intervals a row through the hole; the variation of both outlines' chords. */
    double bound = sampling_bound(h, 2, 2 * ro, 4 * ro + 4 * ri, 2 * M_PI * (ro + ri));
    print_message("torus: %.5f mm2 drawn, polygons %.5f, annulus %.5f, bound %.5f\n", area, poly,
                  exact, bound);
    assert_true(fabs(area - poly) <= bound);
    assert_true(fabs(area - exact) <= bound + (exact - poly));
    /* The hole is empty: the centre pixel is background. */
    assert_int_equal(im.rgba[4 * (250 * (size_t)im.width + 250) + 3], 0);
    lw_image_clear(&im);
    lw_mesh_clear(&m);
}

/* The box of pixels with any coverage in columns [x0, x1). */
static void covered_box(const lw_image *im, uint32_t x0, uint32_t x1, int box[4])
{
    box[0] = box[1] = INT32_MAX;
    box[2] = box[3] = -1;
    for (uint32_t y = 0; y < im->height; y++)
        for (uint32_t x = x0; x < x1; x++)
            if (im->rgba[4 * ((size_t)y * im->width + x) + 3]) {
                box[0] = box[0] < (int)x ? box[0] : (int)x;
                box[1] = box[1] < (int)y ? box[1] : (int)y;
                box[2] = box[2] > (int)x ? box[2] : (int)x;
                box[3] = box[3] > (int)y ? box[3] : (int)y;
            }
}

static void test_views_share_scale(void **state)
{
    (void)state;
    lw_mesh m;
    lw_mesh_init(&m);
    const double size[3] = {10, 4, 2};
    add_box(&m, (double[3]){-3, 7, 1}, size);
    lw_render_opts o;
    plain_opts(&o, LW_VIEW_TOP, 1200, 400);
    o.nviews = 3;
    o.views[0] = LW_VIEW_TOP;
    o.views[1] = LW_VIEW_FRONT;
    o.views[2] = LW_VIEW_SIDE;
    lw_image im = {0};
    lw_render_layout l;
    render_ok(&m, &o, &im, &l);
    /* Width and height of the box in each view, mm: top X x Y, front X x Z, side Y x Z. */
    const double dims[3][2] = {{size[0], size[1]}, {size[0], size[2]}, {size[1], size[2]}};
    for (uint32_t i = 0; i < 3; i++) {
        const lw_render_cell *c = &l.cells[i];
        assert_int_equal(c->x, 400 * i);
        assert_int_equal(c->w, 400);
        int box[4];
        covered_box(&im, c->x, c->x + c->w, box);
        /* A side L mm long at s px/mm covers whole pixels between its projected ends plus
         * a partly covered one at each end: from s L up to (not including) s L + 2 pixels. */
        double w = box[2] - box[0] + 1, hgt = box[3] - box[1] + 1;
        double ew = dims[i][0] * l.scale, eh = dims[i][1] * l.scale;
        assert_true(w > ew - 1e-6 && w < ew + 2);
        assert_true(hgt > eh - 1e-6 && hgt < eh + 2);
        /* And where lw_render_project says the box's corners go. */
        double lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
        for (uint32_t v = 0; v < m.nv; v++) {
            double px[2];
            lw_render_project(&l, i, m.xyz + 3 * (size_t)v, px);
            for (int a = 0; a < 2; a++)
                lo[a] = fmin(lo[a], px[a]), hi[a] = fmax(hi[a], px[a]);
        }
        assert_true(fabs(box[0] - floor(lo[0])) <= 1 && fabs(box[2] + 1 - ceil(hi[0])) <= 1);
        assert_true(fabs(box[1] - floor(lo[1])) <= 1 && fabs(box[3] + 1 - ceil(hi[1])) <= 1);
    }
    /* The 10 mm side fills the first cell's width less its margins: it sets the scale. */
    assert_true(fabs(10 * l.scale - (400 - 2.0 * l.margin)) < 1e-3);
    lw_image_clear(&im);
    lw_mesh_clear(&m);
}

/* ---- shading --------------------------------------------------------------------------------- */

/* Mean colour (0-255) of the pixels fully covered, and how many there are. */
static size_t mean_lit(const lw_image *im, double out[3])
{
    double s[3] = {0, 0, 0};
    size_t n = 0;
    for (size_t p = 0; p < (size_t)im->width * im->height; p++)
        if (im->rgba[4 * p + 3] == 255) {
            for (int k = 0; k < 3; k++)
                s[k] += im->rgba[4 * p + k];
            n++;
        }
    for (int k = 0; k < 3; k++)
        out[k] = n ? s[k] / n : 0;
    return n;
}

static void test_metal_colour(void **state)
{
    (void)state;
    lw_mesh m;
    lw_mesh_init(&m);
    assert_int_equal(lw_shape_sphere(&m, 5, 64, 32), LW_OK);
    const uint32_t metals[3] = {ROSE, YELLOW, WHITE};
    double mean[3][3];
    for (int i = 0; i < 3; i++) {
        lw_render_opts o;
        plain_opts(&o, LW_VIEW_THREE_QUARTER, 300, 300);
        o.metal_rgb = metals[i];
        lw_image im = {0};
        render_ok(&m, &o, &im, NULL);
        assert_true(mean_lit(&im, mean[i]) > 10000);
        lw_image_clear(&im);
    }
    /* Rose gold is redder than yellow gold: more red for its green, less green for its blue. */
    assert_true(mean[0][0] / mean[0][1] > 1.08 * mean[1][0] / mean[1][1]);
    assert_true(mean[0][1] / mean[0][2] < mean[1][1] / mean[1][2]);
    /* Golds are warm (red above green above blue); white gold is nearly grey. */
    for (int i = 0; i < 2; i++)
        assert_true(mean[i][0] > mean[i][1] && mean[i][1] > mean[i][2]);
    assert_true(fabs(mean[2][0] - mean[2][2]) < 0.15 * mean[2][1]);
    assert_true(mean[1][0] - mean[1][2] > 4 * (mean[2][0] - mean[2][2]));
    lw_mesh_clear(&m);
}

/* A square plate 4 mm across through the origin with unit normal n (world). */
static void plate(lw_mesh *m, const double n[3])
{
    double a[3] = {fabs(n[0]) < 0.9 ? 1 : 0, fabs(n[0]) < 0.9 ? 0 : 1, 0}, u[3], v[3];
    u[0] = a[1] * n[2] - a[2] * n[1], u[1] = a[2] * n[0] - a[0] * n[2];
    u[2] = a[0] * n[1] - a[1] * n[0];
    double l = sqrt(u[0] * u[0] + u[1] * u[1] + u[2] * u[2]);
    for (int k = 0; k < 3; k++)
        u[k] /= l;
    v[0] = n[1] * u[2] - n[2] * u[1], v[1] = n[2] * u[0] - n[0] * u[2];
    v[2] = n[0] * u[1] - n[1] * u[0];
    lw_mesh_init(m);
    for (int i = 0; i < 4; i++) {
        double s = (i & 1) ? 2 : -2, t = (i & 2) ? 2 : -2;
        assert_int_equal(lw_mesh_add_vertex(m, s * u[0] + t * v[0], s * u[1] + t * v[1],
                                            s * u[2] + t * v[2], NULL), LW_OK);
    }
    /* u x v = n: (0, 1, 3) and (0, 3, 2) wind counter-clockwise about n. */
    assert_int_equal(lw_mesh_add_tri(m, 0, 1, 3, 0), LW_OK);
    assert_int_equal(lw_mesh_add_tri(m, 0, 3, 2, 0), LW_OK);
}

static double plate_brightness(const double n_cam[3])
{
    /* The front view's camera frame (render.h): right +X, up +Z, toward the camera -Y. */
    double n[3] = {n_cam[0], -n_cam[2], n_cam[1]};
    lw_mesh m;
    plate(&m, n);
    lw_render_opts o;
    plain_opts(&o, LW_VIEW_FRONT, 200, 200);
    lw_image im = {0};
    render_ok(&m, &o, &im, NULL);
    double mean[3];
    assert_true(mean_lit(&im, mean) > 1000);
    lw_image_clear(&im);
    lw_mesh_clear(&m);
    return 0.2126 * mean[0] + 0.7152 * mean[1] + 0.0722 * mean[2];
}

static void test_key_light(void **state)
{
    (void)state;
    /* A plate whose normal is halfway between the key light and the camera mirrors the key
     * into the camera; the plate turned as far the other way (mirrored left-right and up-down)
     * faces away from it and mirrors the table and the dark room instead. */
    double k[3] = {LW_RENDER_KEY_X, LW_RENDER_KEY_Y, LW_RENDER_KEY_Z};
    double kl = sqrt(k[0] * k[0] + k[1] * k[1] + k[2] * k[2]);
    double hv[3] = {k[0] / kl, k[1] / kl, k[2] / kl + 1};
    double hl = sqrt(hv[0] * hv[0] + hv[1] * hv[1] + hv[2] * hv[2]);
    double toward[3] = {hv[0] / hl, hv[1] / hl, hv[2] / hl};
    double away[3] = {-toward[0], -toward[1], toward[2]};
    double lit = plate_brightness(toward), unlit = plate_brightness(away);
    print_message("key light: %.1f facing it, %.1f facing away\n", lit, unlit);
    assert_true(lit > 1.3 * unlit);
    assert_true(lit > 200);
}

/* ---- watermark, determinism, PNG ------------------------------------------------------------- */

static void test_watermark(void **state)
{
    (void)state;
    lw_mesh m;
    lw_mesh_init(&m);
    assert_int_equal(lw_shape_torus(&m, 8, 2, 64, 24), LW_OK);
    lw_render_opts o;
    lw_render_opts_default(&o);
    lw_image plain = {0}, marked = {0}, again = {0};
    render_ok(&m, &o, &plain, NULL);
    o.watermark = "";
    render_ok(&m, &o, &again, NULL);
    assert_memory_equal(plain.rgba, again.rgba, (size_t)o.width * o.height * 4);
    lw_image_clear(&again);
    o.watermark = "Order 2024-117 \xe2\x80\x94 Atelier Lostwax"; /* an em dash in UTF-8 */
    render_ok(&m, &o, &marked, NULL);
    /* Every one of eight regions (a 4 x 2 grid: corners, edges, over the piece and over the
     * background) has pixels the watermark changed. */
    for (uint32_t gy = 0; gy < 2; gy++)
        for (uint32_t gx = 0; gx < 4; gx++) {
            size_t changed = 0, n = 0;
            for (uint32_t y = gy * o.height / 2; y < (gy + 1) * o.height / 2; y++)
                for (uint32_t x = gx * o.width / 4; x < (gx + 1) * o.width / 4; x++, n++)
                    changed += memcmp(plain.rgba + 4 * ((size_t)y * o.width + x),
                                      marked.rgba + 4 * ((size_t)y * o.width + x), 4) != 0;
            print_message("watermark: region %u,%u: %.1f %% changed\n", gx, gy,
                          100.0 * changed / n);
            assert_true(changed > n / 25);
        }
    lw_image_clear(&plain);
    lw_image_clear(&marked);
    lw_mesh_clear(&m);
}

static void test_deterministic_and_png(void **state)
{
    (void)state;
    lw_mesh m;
    lw_mesh_init(&m);
    assert_int_equal(lw_shape_torus(&m, 8, 2, 64, 24), LW_OK);
    lw_render_opts o;
    lw_render_opts_default(&o);
    o.width = 600;
    o.height = 200;
    o.watermark = "No. 7";
    o.captions[0] = "three-quarter";
    o.captions[2] = "from above, a caption far too long for its cell to hold in one line";
    lw_image a = {0}, b = {0};
    render_ok(&m, &o, &a, NULL);
    render_ok(&m, &o, &b, NULL);
    assert_memory_equal(a.rgba, b.rgba, (size_t)o.width * o.height * 4);
    lw_buf p1, p2;
    lw_buf_init(&p1, 0);
    lw_buf_init(&p2, 0);
    lw_err err;
    lw_err_clear(&err);
    assert_int_equal(lw_render_png(&a, &p1, &err), LW_OK);
    assert_int_equal(lw_render_png(&b, &p2, &err), LW_OK);
    assert_int_equal(p1.len, p2.len);
    assert_memory_equal(p1.data, p2.data, p1.len);
    /* A PNG of the right size, RGB (every pixel opaque), that decodes to the same pixels. */
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    assert_memory_equal(p1.data, sig, 8);
    const uint8_t *ihdr = p1.data + 16;
    assert_int_equal((uint32_t)ihdr[0] << 24 | ihdr[1] << 16 | ihdr[2] << 8 | ihdr[3], 600);
    assert_int_equal((uint32_t)ihdr[4] << 24 | ihdr[5] << 16 | ihdr[6] << 8 | ihdr[7], 200);
    assert_int_equal(ihdr[8], 8);
    assert_int_equal(ihdr[9], 2);
    char path[1024];
    snprintf(path, sizeof path, "%s", lwt_tmp("render.png"));
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p1.data, 1, p1.len, f), p1.len);
    fclose(f);
    cairo_surface_t *s = cairo_image_surface_create_from_png(path);
    assert_int_equal(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
    assert_int_equal(cairo_image_surface_get_width(s), 600);
    const uint8_t *px = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    for (uint32_t y = 0; y < 200; y++)
        for (uint32_t x = 0; x < 600; x++) {
            uint32_t v;
            memcpy(&v, px + (size_t)y * (size_t)stride + 4 * x, 4);
            const uint8_t *q = a.rgba + 4 * ((size_t)y * 600 + x);
            assert_int_equal((v >> 16) & 0xFF, q[0]);
            assert_int_equal((v >> 8) & 0xFF, q[1]);
            assert_int_equal(v & 0xFF, q[2]);
        }
    cairo_surface_destroy(s);
    /* With transparency: RGBA. */
    o.transparent = true;
    lw_image_clear(&a);
    render_ok(&m, &o, &a, NULL);
    lw_buf_reset(&p1);
    assert_int_equal(lw_render_png(&a, &p1, &err), LW_OK);
    assert_int_equal(p1.data[16 + 9], 6);
    /* Nothing to encode. */
    lw_image empty = {0};
    size_t before = p1.len;
    assert_int_equal(lw_render_png(&empty, &p1, &err), LW_EINVAL);
    assert_int_equal(p1.len, before);
    lw_buf_clear(&p1);
    lw_buf_clear(&p2);
    lw_image_clear(&a);
    lw_image_clear(&b);
    lw_mesh_clear(&m);
}

static void test_background(void **state)
{
    (void)state;
    lw_mesh m;
    lw_mesh_init(&m);
    assert_int_equal(lw_shape_sphere(&m, 5, 32, 16), LW_OK);
    lw_render_opts o;
    lw_render_opts_default(&o);
    o.background_rgb = 0x102030;
    o.scale_bar = false;
    lw_image im = {0};
    render_ok(&m, &o, &im, NULL);
    /* Opaque, the background colour exactly where nothing is drawn (a corner). */
    const uint8_t *p = im.rgba;
    assert_true(p[0] == 0x10 && p[1] == 0x20 && p[2] == 0x30 && p[3] == 255);
    lw_image_clear(&im);
    lw_mesh_clear(&m);
}

/* ---- refusals -------------------------------------------------------------------------------- */

static void expect_refusal(const lw_mesh *m, const lw_render_opts *o, lw_rc rc, const char *msg)
{
    lw_image im = {0};
    lw_err err;
    lw_err_clear(&err);
    assert_int_equal(lw_render(m, o, &im, &err), rc);
    assert_null(im.rgba);
    if (!strstr(err.msg, msg))
        fail_msg("'%s' not in '%s'", msg, err.msg);
}

static void test_refusals(void **state)
{
    (void)state;
    lw_mesh m;
    lw_mesh_init(&m);
    lw_render_opts o;
    lw_render_opts_default(&o);
    expect_refusal(&m, &o, LW_EINVAL, "no facets");
    add_box(&m, (double[3]){0, 0, 0}, (double[3]){1, 1, 1});
    o.width = 0;
    expect_refusal(&m, &o, LW_EINVAL, "no pixels");
    o.width = 8193;
    expect_refusal(&m, &o, LW_ELIMIT, "8192");
    o.width = 8192;
    o.height = 8000; /* 65.5 million pixels */
    expect_refusal(&m, &o, LW_ELIMIT, "64000000");
    lw_render_opts_default(&o);
    o.width = 2;
    expect_refusal(&m, &o, LW_EINVAL, "too narrow");
    lw_render_opts_default(&o);
    o.nviews = 0;
    expect_refusal(&m, &o, LW_EINVAL, "views");
    o.nviews = 1;
    o.views[0] = (lw_render_view)9;
    expect_refusal(&m, &o, LW_EINVAL, "not a view");
    lw_render_opts_default(&o);
    o.supersample = 0;
    expect_refusal(&m, &o, LW_EINVAL, "supersampling");
    o.supersample = 9;
    expect_refusal(&m, &o, LW_EINVAL, "supersampling");
    lw_render_opts_default(&o);
    o.watermark = "caf\xc3";
    expect_refusal(&m, &o, LW_EINVAL, "not valid UTF-8");
    o.watermark = "tab\there";
    expect_refusal(&m, &o, LW_EINVAL, "not valid UTF-8");
    char longtext[LW_RENDER_TEXT_MAX + 2];
    memset(longtext, 'x', sizeof longtext - 1);
    longtext[sizeof longtext - 1] = 0;
    o.watermark = NULL;
    o.captions[1] = longtext;
    expect_refusal(&m, &o, LW_ELIMIT, "caption");
    lw_render_opts_default(&o);
    m.xyz[4] = NAN;
    expect_refusal(&m, &o, LW_EINVAL, "non-finite");
    m.xyz[4] = INFINITY;
    expect_refusal(&m, &o, LW_EINVAL, "non-finite");
    m.xyz[4] = 0;
    m.tri[5] = 99;
    expect_refusal(&m, &o, LW_EINVAL, "names vertex 99");
    lw_mesh_clear(&m);
    /* Every vertex one point. */
    lw_mesh_init(&m);
    for (int i = 0; i < 3; i++)
        assert_int_equal(lw_mesh_add_vertex(&m, 1, 2, 3, NULL), LW_OK);
    assert_int_equal(lw_mesh_add_tri(&m, 0, 1, 2, 0), LW_OK);
    expect_refusal(&m, &o, LW_EINVAL, "no extent");
    lw_mesh_clear(&m);
}

static void test_views_parse(void **state)
{
    (void)state;
    lw_render_opts o;
    lw_render_opts_default(&o);
    lw_err err;
    lw_err_clear(&err);
    assert_int_equal(lw_render_views_parse("Top,3/4,side,FRONT,three-quarter", &o, &err), LW_OK);
    assert_int_equal(o.nviews, 5);
    assert_int_equal(o.views[0], LW_VIEW_TOP);
    assert_int_equal(o.views[1], LW_VIEW_THREE_QUARTER);
    assert_int_equal(o.views[3], LW_VIEW_FRONT);
    assert_string_equal(lw_render_view_name(o.views[4]), "three-quarter");
    assert_int_equal(lw_render_views_parse("top,bottom", &o, &err), LW_EINVAL);
    assert_non_null(strstr(err.msg, "'bottom' is not a view"));
    assert_int_equal(o.nviews, 5); /* unchanged */
    lw_err_clear(&err);
    assert_int_equal(lw_render_views_parse("", &o, &err), LW_EINVAL);
    lw_err_clear(&err);
    assert_int_equal(lw_render_views_parse("top,,front", &o, &err), LW_EINVAL);
    lw_err_clear(&err);
    assert_int_equal(lw_render_views_parse("top,top,top,top,top,top,top,top,top", &o, &err),
                     LW_EINVAL);
    assert_string_equal(lw_render_view_name((lw_render_view)42), "?");
}

/* ---- allocation failure ---------------------------------------------------------------------- */

typedef struct torture_ctx {
    lw_mesh m;
    lw_render_opts o;
} torture_ctx;

static int render_once(void *p)
{
    torture_ctx *t = p;
    lw_image im = {0};
    lw_buf png;
    lw_buf_init(&png, 0);
    lw_err err;
    lw_err_clear(&err);
    lw_rc rc = lw_render(&t->m, &t->o, &im, &err);
    if (rc) {
        assert_int_equal(rc, LW_ENOMEM);
        assert_null(im.rgba);
    } else {
        rc = lw_render_png(&im, &png, &err);
        if (rc)
            assert_int_equal(rc, LW_ENOMEM);
    }
    lw_buf_clear(&png);
    lw_image_clear(&im);
    return rc;
}

static void test_alloc_torture(void **state)
{
    (void)state;
    torture_ctx t;
    lw_mesh_init(&t.m);
    assert_int_equal(lw_shape_torus(&t.m, 8, 2, 24, 12), LW_OK);
    lw_render_opts_default(&t.o);
    t.o.width = 240;
    t.o.height = 80;
    t.o.watermark = "torture";
    t.o.captions[1] = "front";
    long points = lwt_alloc_torture(render_once, &t);
    assert_true(points > 8);
    /* And a render that needs two bands of samples (one view of 1400 x 400 px at 3 x 3). */
    t.o.width = 1400;
    t.o.height = 400;
    t.o.nviews = 1;
    t.o.watermark = NULL;
    assert_true(lwt_alloc_torture(render_once, &t) > 8);
    lw_mesh_clear(&t.m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fill_rule_square),
        cmocka_unit_test(test_fill_rule_fan),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_normals_cube),
        cmocka_unit_test(test_normals_smooth),
        cmocka_unit_test(test_normals_pleats),
        cmocka_unit_test(test_sphere_from_top),
        cmocka_unit_test(test_cylinder_from_side),
        cmocka_unit_test(test_torus_from_top),
        cmocka_unit_test(test_views_share_scale),
        cmocka_unit_test(test_metal_colour),
        cmocka_unit_test(test_key_light),
        cmocka_unit_test(test_watermark),
        cmocka_unit_test(test_deterministic_and_png),
        cmocka_unit_test(test_background),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_views_parse),
        cmocka_unit_test(test_alloc_torture),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
