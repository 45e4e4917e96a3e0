/* Tests of print/plate (arranging pieces) and print/plate_png (its picture).
 *
 * Every promise is checked on the placed meshes themselves, computed here with
 * lw_mesh_transform, never on the arranger's grid: the boxes of the transformed meshes lie inside
 * the bed less its border (and the margins), the projected triangles of any two placed pieces are
 * at least gap + both margins apart (exact 2-D triangle distances on small meshes), the lowest
 * corner is at the lift, a tilt turns a corner where the hand computation says. Counts that the
 * geometry dictates (how many 20 mm squares fit a bed) are worked out in the comments.
 */
#include "lwtest.h"

#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/pool.h"
#include "design/band.h"
#include "geom/import.h"
#include "geom/mesh.h"
#include "geom/shapes.h"
#include "geom/threemf.h"
#include "print/plate.h"
#include "print/plate_png.h"

/* A unit cube's 12 facets, counter-clockwise from outside; vertex index = x + 2y + 4z. */
static const uint32_t CUBE_TRI[36] = {0, 2, 3, 0, 3, 1, 4, 5, 7, 4, 7, 6, 0, 1, 5, 0, 5, 4,
                                      2, 6, 7, 2, 7, 3, 0, 4, 6, 0, 6, 2, 1, 3, 7, 1, 7, 5};

/* A box from (x0, y0, z0), size sx x sy x sz: vertex i at x0 + sx (i & 1), ... */
static void make_box(lw_mesh *m, double x0, double y0, double z0, double sx, double sy,
                     double sz)
{
    lw_mesh_init(m);
    for (int i = 0; i < 8; i++)
        assert_int_equal(lw_mesh_add_vertex(m, x0 + sx * (i & 1), y0 + sy * ((i >> 1) & 1),
                                            z0 + sz * ((i >> 2) & 1), NULL),
                         LW_OK);
    for (int f = 0; f < 12; f++)
        assert_int_equal(
            lw_mesh_add_tri(m, CUBE_TRI[3 * f], CUBE_TRI[3 * f + 1], CUBE_TRI[3 * f + 2], 0),
            LW_OK);
}

/* A coarse comfort-fit band (few facets, so that all triangle pairs can be compared). */
static void make_ring(lw_mesh *m, uint32_t segments, uint32_t steps)
{
    lw_band_spec s;
    lw_band_spec_default(&s);
    s.segments = segments;
    s.profile_steps = steps;
    lw_mesh_init(m);
    lw_err err;
    lw_err_clear(&err);
    if (lw_band_build(&s, m, &err))
        fail_msg("%s", err.msg);
}

static void placed_mesh(const lw_plate_part *parts, const lw_plate_item *it, lw_mesh *out)
{
    assert_int_equal(lw_mesh_copy(out, parts[it->part].mesh), LW_OK);
    lw_mesh_transform(out, it->a);
}

/* ---- 2-D distances between projected triangles -------------------------------------------- */

typedef struct tri2 {
    double p[3][2];
    double lo[2], hi[2];
} tri2;

static tri2 *project(const lw_mesh *m, size_t *n)
{
    tri2 *t = lw_calloc(m->nt, sizeof *t);
    assert_non_null(t);
    for (uint32_t f = 0; f < m->nt; f++) {
        t[f].lo[0] = t[f].lo[1] = INFINITY;
        t[f].hi[0] = t[f].hi[1] = -INFINITY;
        for (int k = 0; k < 3; k++)
            for (int d = 0; d < 2; d++) {
                double v = m->xyz[3 * (size_t)m->tri[3 * (size_t)f + k] + d];
                t[f].p[k][d] = v;
                t[f].lo[d] = fmin(t[f].lo[d], v);
                t[f].hi[d] = fmax(t[f].hi[d], v);
            }
    }
    *n = m->nt;
    return t;
}

static double cross(const double *o, const double *a, const double *b)
{
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

static double pt_seg(const double *p, const double *a, const double *b)
{
    double dx = b[0] - a[0], dy = b[1] - a[1], l2 = dx * dx + dy * dy, t = 0;
    if (l2 > 0) {
        t = ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / l2;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
    }
    return hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy);
}

static double seg_seg(const double *a, const double *b, const double *c, const double *d)
{
    double o1 = cross(a, b, c), o2 = cross(a, b, d), o3 = cross(c, d, a), o4 = cross(c, d, b);
    if (((o1 < 0 && o2 > 0) || (o1 > 0 && o2 < 0)) && ((o3 < 0 && o4 > 0) || (o3 > 0 && o4 < 0)))
        return 0; /* they cross */
    return fmin(fmin(pt_seg(a, c, d), pt_seg(b, c, d)), fmin(pt_seg(c, a, b), pt_seg(d, a, b)));
}

static bool inside(const double *p, const tri2 *t)
{
    double a = cross(t->p[0], t->p[1], p), b = cross(t->p[1], t->p[2], p),
           c = cross(t->p[2], t->p[0], p);
    if (cross(t->p[0], t->p[1], t->p[2]) == 0)
        return false; /* edge-on: its edges say everything */
    return (a >= 0 && b >= 0 && c >= 0) || (a <= 0 && b <= 0 && c <= 0);
}

static double tri_tri(const tri2 *s, const tri2 *t)
{
    for (int k = 0; k < 3; k++)
        if (inside(s->p[k], t) || inside(t->p[k], s))
            return 0;
    double best = INFINITY;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            best = fmin(best, seg_seg(s->p[i], s->p[(i + 1) % 3], t->p[j], t->p[(j + 1) % 3]));
    return best;
}

/* The least distance between the projections of a and b, or a value >= limit when it is
 * at least limit (triangle pairs whose boxes are limit apart are skipped). */
static double footprint_distance(const lw_mesh *a, const lw_mesh *b, double limit)
{
    size_t na, nb;
    tri2 *ta = project(a, &na), *tb = project(b, &nb);
    double best = INFINITY;
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nb; j++) {
            if (ta[i].lo[0] - tb[j].hi[0] >= limit || tb[j].lo[0] - ta[i].hi[0] >= limit ||
                ta[i].lo[1] - tb[j].hi[1] >= limit || tb[j].lo[1] - ta[i].hi[1] >= limit)
                continue;
            best = fmin(best, tri_tri(&ta[i], &tb[j]));
        }
    lw_free(ta);
    lw_free(tb);
    return best;
}

/* ---- the promises, checked on the placed meshes ------------------------------------------ */

static void check_plate(const lw_plate *pl, const lw_plate_part *parts, const lw_plate_opts *o)
{
    size_t placed = 0, too_big = 0, no_room = 0;
    for (size_t i = 0; i < pl->nitems; i++) {
        const lw_plate_item *it = &pl->items[i];
        placed += it->status == LW_PLATE_PLACED;
        too_big += it->status == LW_PLATE_TOO_BIG;
        no_room += it->status == LW_PLATE_NO_ROOM;
        if (it->status != LW_PLATE_PLACED)
            continue;
        lw_mesh m;
        placed_mesh(parts, it, &m);
        lw_bbox b = lw_mesh_bbox(&m);
        double g = o->border + parts[it->part].margin - 1e-9;
        if (b.min[0] < g || b.min[1] < g || b.max[0] > o->bed_w - g || b.max[1] > o->bed_h - g)
            fail_msg("item %zu (%s #%u) leaves the bed: x %.6f..%.6f y %.6f..%.6f", i,
                     parts[it->part].name, it->copy, b.min[0], b.max[0], b.min[1], b.max[1]);
        if (fabs(b.min[2] - o->lift) > 1e-9)
            fail_msg("item %zu: lowest point at z = %.12f, not the lift %g", i, b.min[2],
                     o->lift);
        for (int d = 0; d < 3; d++) {
            assert_true(fabs(b.min[d] - it->box.min[d]) < 1e-9);
            assert_true(fabs(b.max[d] - it->box.max[d]) < 1e-9);
        }
        lw_mesh_clear(&m);
    }
    assert_int_equal(placed, pl->placed);
    assert_int_equal(too_big, pl->too_big);
    assert_int_equal(no_room, pl->no_room);
    assert_int_equal(pl->placed + pl->too_big + pl->no_room + pl->empty, pl->nitems);
}

static void check_gaps(const lw_plate *pl, const lw_plate_part *parts, const lw_plate_opts *o)
{
    for (size_t i = 0; i < pl->nitems; i++) {
        if (pl->items[i].status != LW_PLATE_PLACED)
            continue;
        lw_mesh a;
        placed_mesh(parts, &pl->items[i], &a);
        for (size_t j = i + 1; j < pl->nitems; j++) {
            if (pl->items[j].status != LW_PLATE_PLACED)
                continue;
            lw_mesh b;
            placed_mesh(parts, &pl->items[j], &b);
            double need = o->gap + parts[pl->items[i].part].margin +
                          parts[pl->items[j].part].margin;
            double d = footprint_distance(&a, &b, need + 1);
            if (d < need - 1e-9)
                fail_msg("items %zu and %zu are %.6f mm apart, less than %.6f", i, j, d, need);
            lw_mesh_clear(&b);
        }
        lw_mesh_clear(&a);
    }
}

/* ---- tests ---------------------------------------------------------------------------------- */

static void test_mixed_plate_keeps_gaps_and_bed(void **state)
{
    (void)state;
    lw_mesh box, ring, pin;
    make_box(&box, 100, -40, 3, 20, 12, 5); /* drawn far from the origin on purpose */
    make_ring(&ring, 24, 2);
    lw_mesh_init(&pin);
    assert_int_equal(lw_shape_cylinder(&pin, 4, 8, 12), LW_OK);
    lw_plate_part parts[3] = {
        {&box, "box", 3, 0, 0},
        {&ring, "ring", 4, 35, 0},
        {&pin, "pin", 3, 0, 1.0},
    };
    lw_plate_opts o;
    lw_plate_opts_default(&o, 120, 80);
    o.border = 1.5;
    lw_plate pl;
    lw_err err;
    lw_err_clear(&err);
    if (lw_plate_arrange(parts, 3, &o, &pl, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(pl.nitems, 10);
    assert_int_equal(pl.placed, 10);
    check_plate(&pl, parts, &o);
    check_gaps(&pl, parts, &o);
    /* Items come by part, then copy. */
    const uint32_t want_part[10] = {0, 0, 0, 1, 1, 1, 1, 2, 2, 2};
    const uint32_t want_copy[10] = {1, 2, 3, 1, 2, 3, 4, 1, 2, 3};
    for (int i = 0; i < 10; i++) {
        assert_int_equal(pl.items[i].part, want_part[i]);
        assert_int_equal(pl.items[i].copy, want_copy[i]);
    }
    lw_plate_clear(&pl);

    /* A wider gap and a lift: still kept, on the meshes. */
    o.gap = 4.5;
    o.lift = 5;
    o.rotations = 12;
    if (lw_plate_arrange(parts, 3, &o, &pl, &err))
        fail_msg("%s", err.msg);
    assert_true(pl.placed >= 6);
    check_plate(&pl, parts, &o);
    check_gaps(&pl, parts, &o);
    lw_plate_clear(&pl);
    lw_mesh_clear(&box);
    lw_mesh_clear(&ring);
    lw_mesh_clear(&pin);
}

static void test_tilt_turn_and_lift(void **state)
{
    (void)state;
    lw_mesh box;
    make_box(&box, 0, 0, 0, 10, 4, 2);
    lw_plate_part part = {&box, "bar", 1, 30, 0};
    lw_plate_opts o;
    lw_plate_opts_default(&o, 60, 40);
    o.rotations = 1;
    o.lift = 5;
    lw_plate pl;
    lw_err err;
    lw_err_clear(&err);
    assert_int_equal(lw_plate_arrange(&part, 1, &o, &pl, &err), LW_OK);
    assert_int_equal(pl.placed, 1);
    check_plate(&pl, &part, &o);
    lw_mesh m;
    placed_mesh(&part, &pl.items[0], &m);
    /* Vertex 4 = (0, 0, 2) minus vertex 0 = (0, 0, 0), turned 30 degrees about X:
     * (0, -2 sin 30, 2 cos 30) = (0, -1, 1.7320508...). Vertex 1 - vertex 0 = (10, 0, 0). */
    const double *v0 = m.xyz, *v1 = m.xyz + 3, *v4 = m.xyz + 12;
    assert_true(fabs(v4[0] - v0[0]) < 1e-12);
    assert_true(fabs(v4[1] - v0[1] + 1) < 1e-12);
    assert_true(fabs(v4[2] - v0[2] - 1.7320508075688772) < 1e-12);
    assert_true(fabs(v1[0] - v0[0] - 10) < 1e-12);
    assert_true(fabs(v1[1] - v0[1]) < 1e-12 && fabs(v1[2] - v0[2]) < 1e-12);
    /* The lowest corner: vertex 2 = (0, 4, 0) goes to z = 4 sin 30 = 2 above vertex 0, vertex 4
     * 1.73 above: vertex 0 (and 1) are lowest and sit at the lift. */
    assert_true(fabs(v0[2] - 5) < 1e-12);
    lw_mesh_clear(&m);
    lw_plate_clear(&pl);

    /* On a bed 8 mm deep the 10 mm bar only fits turned a quarter: then vertex 1 - vertex 0 is
     * Rz(90) (10, 0, 0) = (0, 10, 0) and vertex 4 - vertex 0 is Rz(90) (0, -1, 1.732) =
     * (1, 0, 1.732). */
    lw_plate_opts_default(&o, 30, 12);
    o.rotations = 4;
    part.tilt_deg = 30;
    assert_int_equal(lw_plate_arrange(&part, 1, &o, &pl, &err), LW_OK);
    assert_int_equal(pl.placed, 1);
    check_plate(&pl, &part, &o);
    placed_mesh(&part, &pl.items[0], &m);
    v0 = m.xyz, v1 = m.xyz + 3, v4 = m.xyz + 12;
    assert_true(pl.items[0].rot_deg == 90 || pl.items[0].rot_deg == 270);
    double s = pl.items[0].rot_deg == 90 ? 1 : -1;
    assert_true(fabs(v1[0] - v0[0]) < 1e-12 && fabs(v1[1] - v0[1] - 10 * s) < 1e-12);
    assert_true(fabs(v4[0] - v0[0] - s) < 1e-12 && fabs(v4[1] - v0[1]) < 1e-12);
    assert_true(fabs(v4[2] - v0[2] - 1.7320508075688772) < 1e-12);
    lw_mesh_clear(&m);
    lw_plate_clear(&pl);

    /* No tilt, no turns: the part keeps the orientation it was drawn in. */
    part.tilt_deg = 0;
    lw_plate_opts_default(&o, 60, 40);
    o.rotations = 1;
    assert_int_equal(lw_plate_arrange(&part, 1, &o, &pl, &err), LW_OK);
    const double id[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    assert_memory_equal(pl.items[0].a, id, sizeof id);
    lw_plate_clear(&pl);
    lw_mesh_clear(&box);
}

static void test_counts_and_what_did_not_fit(void **state)
{
    (void)state;
    lw_mesh square, plank, empty;
    make_box(&square, 0, 0, 0, 20, 20, 4);
    make_box(&plank, 0, 0, 0, 200, 10, 3); /* longer than the 165 x 71.28 bed's diagonal */
    lw_mesh_init(&empty);
    lw_plate_part parts[3] = {
        {&square, "square", 30, 0, 0},
        {&plank, "plank", 2, 0, 0},
        {&empty, NULL, 1, 0, 0},
    };
    lw_plate_opts o;
    lw_plate_opts_default(&o, 100, 50);
    lw_plate pl;
    lw_err err;
    lw_err_clear(&err);
    assert_int_equal(lw_plate_arrange(parts, 3, &o, &pl, &err), LW_OK);
    /* Inside the border the bed is 98 x 48 mm. 20 mm squares 2 mm apart (plus the grid's
     * rounding, at most a cell diagonal): 4 across (4 x 20 + 3 x 2.15 = 86.5; 5 need 108.6)
     * and 2 up (42.2; 3 need 64.3): 8. */
    assert_int_equal(pl.nitems, 33);
    assert_int_equal(pl.placed, 8);
    assert_int_equal(pl.no_room, 22);
    assert_int_equal(pl.too_big, 2);
    assert_int_equal(pl.empty, 1);
    check_plate(&pl, parts, &o);
    check_gaps(&pl, parts, &o);
    for (uint32_t k = 0; k < 30; k++) {
        assert_int_equal(pl.items[k].part, 0);
        assert_int_equal(pl.items[k].copy, k + 1);
    }
    assert_int_equal(pl.items[30].status, LW_PLATE_TOO_BIG);
    assert_true(pl.items[30].min_w >= 10 && pl.items[30].min_h >= 10);
    assert_true(fmax(pl.items[30].min_w, pl.items[30].min_h) >= 200 - 1e-9);
    assert_int_equal(pl.items[32].status, LW_PLATE_EMPTY);

    lw_buf r;
    lw_buf_init(&r, 0);
    assert_int_equal(lw_plate_report(&pl, parts, 3, &r), LW_OK);
    const char *text = (const char *)r.data;
    print_message("%s", text);
    assert_non_null(strstr(text, "8 of 33 pieces placed; 25 did not fit"));
    assert_non_null(strstr(text, "square: 8 of 30 placed; 22 did not fit: no room left"));
    assert_non_null(strstr(text, "plank: 0 of 2 placed; 2 did not fit: larger than the bed"));
    assert_non_null(strstr(text, "part 3: 0 of 1 placed; 1 did not fit: the mesh has no facets"));
    assert_non_null(strstr(text, "square #8:"));
    assert_null(strstr(text, "square #9:"));
    lw_buf_clear(&r);
    lw_plate_clear(&pl);

    /* The plank on a long bed fits turned a quarter or not at all. */
    lw_plate_opts_default(&o, 30, 220);
    o.rotations = 1;
    assert_int_equal(lw_plate_arrange(&parts[1], 1, &o, &pl, &err), LW_OK);
    assert_int_equal(pl.too_big, 2);
    lw_plate_clear(&pl);
    o.rotations = 4;
    assert_int_equal(lw_plate_arrange(&parts[1], 1, &o, &pl, &err), LW_OK);
    /* Standing along y, two planks need 10 + 2.15 + 10 of the 28 mm: both fit. */
    assert_int_equal(pl.placed, 2);
    check_plate(&pl, &parts[1], &o);
    check_gaps(&pl, &parts[1], &o);
    lw_plate_clear(&pl);
    lw_mesh_clear(&square);
    lw_mesh_clear(&plank);
}

static void test_turning_packs_more(void **state)
{
    (void)state;
    lw_mesh bar;
    make_box(&bar, 0, 0, 0, 50, 10, 3);
    lw_plate_part part = {&bar, "bar", 10, 0, 0};
    lw_plate_opts o;
    lw_plate_opts_default(&o, 100, 60);
    o.rotations = 1;
    lw_plate pl;
    lw_err err;
    lw_err_clear(&err);
    /* 98 x 58 inside the border. Lying along x, one column of bars (two need 102 mm): 4 of them
     * (4 x 10 + 3 x 2.15 = 46.5; 5 need 58.6). Standing along y: 8 side by side (8 x 10 +
     * 7 x 2.15 = 95; 9 need 107), one high (two need 102). */
    assert_int_equal(lw_plate_arrange(&part, 1, &o, &pl, &err), LW_OK);
    assert_int_equal(pl.placed, 4);
    check_plate(&pl, &part, &o);
    check_gaps(&pl, &part, &o);
    lw_plate_clear(&pl);
    o.rotations = 4;
    assert_int_equal(lw_plate_arrange(&part, 1, &o, &pl, &err), LW_OK);
    assert_int_equal(pl.placed, 8);
    check_plate(&pl, &part, &o);
    check_gaps(&pl, &part, &o);
    lw_plate_clear(&pl);
    lw_mesh_clear(&bar);
}

static void test_margin_for_supports(void **state)
{
    (void)state;
    lw_mesh ring;
    make_ring(&ring, 20, 1);
    lw_plate_part parts[2] = {{&ring, "ring", 5, 40, 2.5}, {&ring, "bare", 3, 0, 0}};
    lw_plate_opts o;
    lw_plate_opts_default(&o, 130, 70);
    o.lift = 4;
    lw_plate pl;
    lw_err err;
    lw_err_clear(&err);
    assert_int_equal(lw_plate_arrange(parts, 2, &o, &pl, &err), LW_OK);
    assert_true(pl.placed >= 5);
    check_plate(&pl, parts, &o);
    check_gaps(&pl, parts, &o);
    lw_plate_clear(&pl);
    lw_mesh_clear(&ring);
}

/* How many small pieces sit inside the ring's hole (centre closer to the ring's axis than its
 * inner radius). */
static int nested(const lw_plate *pl)
{
    const double *ring = pl->items[0].a;
    int n = 0;
    for (size_t i = 1; i < pl->nitems; i++) {
        if (pl->items[i].status != LW_PLATE_PLACED)
            continue;
        const lw_bbox *b = &pl->items[i].box;
        double cx = 0.5 * (b->min[0] + b->max[0]), cy = 0.5 * (b->min[1] + b->max[1]);
        n += hypot(cx - ring[9], cy - ring[10]) < 8.65;
    }
    return n;
}

static void test_holes_taken_or_used(void **state)
{
    (void)state;
    lw_mesh ring, pin;
    make_ring(&ring, 32, 2); /* upright: a hole of 17.3 mm inside, 21.3 outside */
    lw_mesh_init(&pin);
    assert_int_equal(lw_shape_cylinder(&pin, 2, 5, 16), LW_OK);
    lw_plate_part parts[2] = {{&ring, "ring", 1, 0, 0}, {&pin, "pin", 3, 0, 0}};
    lw_plate_opts o;
    lw_plate_opts_default(&o, 60, 30);
    lw_plate pl;
    lw_err err;
    lw_err_clear(&err);
    /* The hole is the left-most free room after the ring: the pins go in it. */
    assert_int_equal(lw_plate_arrange(parts, 2, &o, &pl, &err), LW_OK);
    assert_int_equal(pl.placed, 4);
    assert_true(nested(&pl) >= 1);
    check_plate(&pl, parts, &o);
    check_gaps(&pl, parts, &o);
    lw_plate_clear(&pl);
    /* With the ring's holes taken, none may, and all still fit beside it (the bed is 58 mm
     * wide inside its border: 21.3 of ring, then pins 4 mm across). */
    parts[0].fill_holes = true;
    assert_int_equal(lw_plate_arrange(parts, 2, &o, &pl, &err), LW_OK);
    assert_int_equal(pl.placed, 4);
    assert_int_equal(nested(&pl), 0);
    check_plate(&pl, parts, &o);
    check_gaps(&pl, parts, &o);
    lw_plate_clear(&pl);
    lw_mesh_clear(&ring);
    lw_mesh_clear(&pin);
}

static void same_plate(const lw_plate *a, const lw_plate *b)
{
    assert_int_equal(a->nitems, b->nitems);
    assert_int_equal(a->placed, b->placed);
    for (size_t i = 0; i < a->nitems; i++) {
        assert_int_equal(a->items[i].status, b->items[i].status);
        assert_memory_equal(a->items[i].a, b->items[i].a, sizeof a->items[i].a);
        assert_true(a->items[i].rot_deg == b->items[i].rot_deg);
    }
}

static void test_deterministic(void **state)
{
    (void)state;
    lw_mesh ring, box;
    make_ring(&ring, 24, 2);
    make_box(&box, 0, 0, 0, 14, 9, 4);
    lw_plate_part parts[2] = {{&ring, "ring", 6, 35, 0}, {&box, "box", 5, 0, 0.5}};
    lw_plate_opts o;
    lw_plate_opts_default(&o, 165, 71.28);
    lw_plate a, b;
    lw_err err;
    lw_err_clear(&err);
    assert_int_equal(lw_plate_arrange(parts, 2, &o, &a, &err), LW_OK);
    assert_int_equal(lw_plate_arrange(parts, 2, &o, &b, &err), LW_OK);
    same_plate(&a, &b);
    /* Footprints made on two threads: the same arrangement. */
    lw_pool *pool;
    assert_int_equal(lw_pool_new(2, &pool, &err), LW_OK);
    o.pool = pool;
    lw_plate_clear(&b);
    assert_int_equal(lw_plate_arrange(parts, 2, &o, &b, &err), LW_OK);
    same_plate(&a, &b);
    lw_pool_free(pool);
    o.pool = NULL;
    lw_buf x, y;
    lw_buf_init(&x, 0);
    lw_buf_init(&y, 0);
    assert_int_equal(lw_plate_write_3mf(&a, parts, 2, &x, &err), LW_OK);
    assert_int_equal(lw_plate_write_3mf(&b, parts, 2, &y, &err), LW_OK);
    assert_int_equal(x.len, y.len);
    assert_memory_equal(x.data, y.data, x.len);

    /* The plate's 3MF reads back as one part per placed copy, where the items say. */
    lw_import imp;
    lw_import_init(&imp);
    lw_mesh_limits lim;
    lw_mesh_limits_default(&lim);
    if (lw_3mf_parse(x.data, x.len, &lim, &imp, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(imp.nparts, a.placed);
    lw_mesh flat;
    lw_mesh_init(&flat);
    assert_int_equal(lw_plate_mesh(&a, parts, 2, &flat, &err), LW_OK);
    assert_int_equal(flat.nt, imp.mesh.nt);
    size_t k = 0;
    for (size_t i = 0; i < a.nitems; i++) {
        if (a.items[i].status != LW_PLATE_PLACED)
            continue;
        assert_string_equal(imp.part_names[k], parts[a.items[i].part].name);
        lw_bbox got, want = a.items[i].box;
        lw_bbox_empty(&got);
        for (uint32_t f = 0; f < imp.mesh.nt; f++)
            if (lw_mesh_part(&imp.mesh, f) == k)
                for (int c = 0; c < 3; c++)
                    lw_bbox_add(&got, imp.mesh.xyz + 3 * (size_t)imp.mesh.tri[3 * f + c]);
        for (int d = 0; d < 3; d++)
            assert_true(fabs(got.min[d] - want.min[d]) < 1e-9 &&
                        fabs(got.max[d] - want.max[d]) < 1e-9);
        k++;
    }
    lw_mesh_clear(&flat);
    lw_import_clear(&imp);
    lw_buf_clear(&x);
    lw_buf_clear(&y);
    lw_plate_clear(&a);
    lw_plate_clear(&b);
    lw_mesh_clear(&ring);
    lw_mesh_clear(&box);
}

static void test_plate_mesh(void **state)
{
    (void)state;
    lw_mesh box;
    make_box(&box, 0, 0, 0, 10, 10, 10);
    lw_plate_part parts[2] = {{&box, "a", 2, 0, 0}, {&box, "b", 1, 45, 0}};
    lw_plate_opts o;
    lw_plate_opts_default(&o, 80, 40);
    lw_plate pl;
    lw_err err;
    lw_err_clear(&err);
    assert_int_equal(lw_plate_arrange(parts, 2, &o, &pl, &err), LW_OK);
    assert_int_equal(pl.placed, 3);
    lw_mesh all;
    lw_mesh_init(&all);
    assert_int_equal(lw_plate_mesh(&pl, parts, 2, &all, &err), LW_OK);
    assert_int_equal(all.nt, 36);
    for (uint32_t f = 0; f < all.nt; f++)
        assert_int_equal(lw_mesh_part(&all, f), f / 12);
    for (uint32_t i = 0; i < 3; i++) {
        lw_mesh want;
        placed_mesh(parts, &pl.items[i], &want);
        assert_memory_equal(all.xyz + 24 * (size_t)i, want.xyz, 24 * sizeof(double));
        lw_mesh_clear(&want);
    }
    lw_mesh_clear(&all);
    lw_plate_clear(&pl);
    lw_mesh_clear(&box);
}

static void test_bad_input(void **state)
{
    (void)state;
    lw_mesh box;
    make_box(&box, 0, 0, 0, 10, 10, 10);
    lw_plate_part part = {&box, "box", 1, 0, 0};
    lw_plate_opts o;
    lw_plate pl;
    lw_err err;
    lw_plate_opts_default(&o, 0, 40);
    lw_err_clear(&err);
    assert_int_equal(lw_plate_arrange(&part, 1, &o, &pl, &err), LW_EINVAL);
    assert_null(pl.items);
    lw_plate_opts_default(&o, 80, 40);
    o.rotations = 0;
    lw_err_clear(&err);
    assert_int_equal(lw_plate_arrange(&part, 1, &o, &pl, &err), LW_EINVAL);
    lw_plate_opts_default(&o, 80, 40);
    o.gap = NAN;
    lw_err_clear(&err);
    assert_int_equal(lw_plate_arrange(&part, 1, &o, &pl, &err), LW_EINVAL);
    lw_plate_opts_default(&o, 80, 40);
    o.pixel = 0.001; /* 80 000 x 40 000 cells */
    lw_err_clear(&err);
    assert_int_equal(lw_plate_arrange(&part, 1, &o, &pl, &err), LW_ELIMIT);
    assert_null(pl.items);
    lw_plate_opts_default(&o, 80, 40);
    box.xyz[5] = NAN;
    lw_err_clear(&err);
    assert_int_equal(lw_plate_arrange(&part, 1, &o, &pl, &err), LW_EINVAL);
    assert_non_null(strstr(err.msg, "box: vertex 1"));
    box.xyz[5] = 0;
    part.tilt_deg = INFINITY;
    lw_err_clear(&err);
    assert_int_equal(lw_plate_arrange(&part, 1, &o, &pl, &err), LW_EINVAL);
    part.tilt_deg = 0;
    part.copies = 200000;
    lw_err_clear(&err);
    assert_int_equal(lw_plate_arrange(&part, 1, &o, &pl, &err), LW_ELIMIT);
    part.copies = 0;
    assert_int_equal(lw_plate_arrange(&part, 1, &o, &pl, &err), LW_OK);
    assert_int_equal(pl.nitems, 0);
    lw_buf out;
    lw_buf_init(&out, 0);
    lw_err_clear(&err);
    assert_int_equal(lw_plate_write_3mf(&pl, &part, 1, &out, &err), LW_EINVAL);
    lw_buf_clear(&out);
    lw_plate_clear(&pl);
    lw_mesh_clear(&box);
}

/* ---- allocation failures -------------------------------------------------------------------- */

typedef struct torture {
    lw_plate_part parts[2];
} torture;

static int arrange_under_torture(void *ctx)
{
    torture *t = ctx;
    lw_plate_opts o;
    lw_plate_opts_default(&o, 60, 40);
    o.rotations = 4;
    o.pixel = 0.25;
    lw_plate pl;
    lw_rc rc = lw_plate_arrange(t->parts, 2, &o, &pl, NULL);
    if (rc) {
        assert_int_equal(rc, LW_ENOMEM);
        assert_null(pl.items);
        return (int)rc;
    }
    assert_int_equal(pl.placed, 4);
    lw_buf b;
    lw_buf_init(&b, 0);
    lw_mesh m;
    lw_mesh_init(&m);
    if (!(rc = lw_plate_report(&pl, t->parts, 2, &b)) &&
        !(rc = lw_plate_mesh(&pl, t->parts, 2, &m, NULL))) {
        lw_buf_reset(&b);
        if (!(rc = lw_plate_write_3mf(&pl, t->parts, 2, &b, NULL))) {
            lw_plate_png_opts po;
            lw_plate_png_opts_default(&po);
            po.scale = 2;
            lw_buf_reset(&b);
            rc = lw_plate_png(&pl, t->parts, 2, &po, &b, NULL);
        }
    }
    if (rc)
        assert_true(rc == LW_ENOMEM || rc == LW_EIO);
    lw_mesh_clear(&m);
    lw_buf_clear(&b);
    lw_plate_clear(&pl);
    return (int)rc;
}

static void test_allocation_failures(void **state)
{
    (void)state;
    lw_mesh ring, box;
    make_ring(&ring, 12, 1);
    make_box(&box, 0, 0, 0, 8, 5, 3);
    torture t = {{{&ring, "ring", 2, 35, 0.5, true}, {&box, "box", 2, 0, 0}}};
    long points = lwt_alloc_torture(arrange_under_torture, &t);
    print_message("allocation torture: %ld failure points\n", points);
    assert_true(points > 20);
    lw_mesh_clear(&ring);
    lw_mesh_clear(&box);
}

/* ---- the picture -------------------------------------------------------------------------- */

typedef struct reader {
    const uint8_t *p;
    size_t left;
} reader;

static cairo_status_t read_png(void *closure, unsigned char *data, unsigned int len)
{
    reader *r = closure;
    if (len > r->left)
        return CAIRO_STATUS_READ_ERROR;
    memcpy(data, r->p, len);
    r->p += len;
    r->left -= len;
    return CAIRO_STATUS_SUCCESS;
}

static uint32_t pixel_at(cairo_surface_t *s, double x, double y)
{
    int ix = (int)floor(x), iy = (int)floor(y);
    assert_true(ix >= 0 && iy >= 0 && ix < cairo_image_surface_get_width(s) &&
                iy < cairo_image_surface_get_height(s));
    const uint8_t *row = cairo_image_surface_get_data(s) + (size_t)iy * (size_t)
                         cairo_image_surface_get_stride(s);
    uint32_t v;
    memcpy(&v, row + 4 * (size_t)ix, 4);
    return v & 0xFFFFFF;
}

static void test_png_shows_the_plate(void **state)
{
    (void)state;
    lw_mesh box, ring;
    make_box(&box, 0, 0, 0, 20, 20, 3);
    make_ring(&ring, 48, 2);
    lw_plate_part parts[2] = {{&box, "tile", 3, 0, 0}, {&ring, "band \xc3\xa9t\xff", 2, 0, 0}};
    lw_plate_opts o;
    lw_plate_opts_default(&o, 120, 60);
    lw_plate pl;
    lw_err err;
    lw_err_clear(&err);
    assert_int_equal(lw_plate_arrange(parts, 2, &o, &pl, &err), LW_OK);
    assert_int_equal(pl.placed, 5);
    lw_plate_png_opts po;
    lw_plate_png_opts_default(&po);
    lw_buf png;
    lw_buf_init(&png, 0);
    if (lw_plate_png(&pl, parts, 2, &po, &png, &err))
        fail_msg("%s", err.msg);
    reader r = {png.data, png.len};
    cairo_surface_t *s = cairo_image_surface_create_from_png_stream(read_png, &r);
    assert_int_equal(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
    /* 2 x 24 + 120 x 8 wide, 2 x 24 + 60 x 8 + 56 high. */
    assert_int_equal(cairo_image_surface_get_width(s), 1008);
    assert_int_equal(cairo_image_surface_get_height(s), 584);
    uint32_t w, h;
    lw_plate_png_size(&pl, &po, &w, &h);
    assert_int_equal(w, 1008);
    assert_int_equal(h, 584);
    double sc = po.scale, m0 = po.margin;
#define PX(x) (m0 + (x) * sc)
#define PY(y) (m0 + (o.bed_h - (y)) * sc)
    for (size_t i = 0; i < pl.nitems; i++) {
        const lw_plate_item *it = &pl.items[i];
        assert_int_equal(it->status, LW_PLATE_PLACED);
        double x, y;
        if (it->part == 0) {
            /* 4 mm in from a corner of the tile: inside, clear of its centred label. */
            lw_mesh m;
            placed_mesh(parts, it, &m);
            double c[2] = {0, 0};
            for (int k = 0; k < 8; k++)
                for (int d = 0; d < 2; d++)
                    c[d] += m.xyz[3 * k + d] / 8;
            /* corner 0, moved toward the centre by 4 mm along the diagonal */
            double dx = c[0] - m.xyz[0], dy = c[1] - m.xyz[1], l = hypot(dx, dy);
            x = m.xyz[0] + 4 * dx / l;
            y = m.xyz[1] + 4 * dy / l;
            lw_mesh_clear(&m);
        } else {
            /* Halfway through the band's wall, in front of the hole's centre (the label). */
            x = 0.5 * (it->box.min[0] + it->box.max[0]);
            y = 0.5 * (it->box.min[1] + it->box.max[1]) - 9.6;
        }
        uint32_t got = pixel_at(s, PX(x), PY(y));
        if (got != LW_PLATE_PNG_FILL)
            fail_msg("item %zu at (%.2f, %.2f) mm is %06x, not the fill", i, x, y, got);
    }
    /* Bed far from every piece: the first grid point 4 mm clear of all boxes and the border. */
    bool found = false;
    for (double y = 3; y < o.bed_h - 3 && !found; y += 1)
        for (double x = 3; x < o.bed_w - 3 && !found; x += 1) {
            bool clear = fabs(y - 1) > 1 && fabs(x - 1) > 1 && fabs(y - (o.bed_h - 1)) > 1 &&
                         fabs(x - (o.bed_w - 1)) > 1;
            for (size_t i = 0; i < pl.nitems && clear; i++) {
                const lw_bbox *b = &pl.items[i].box;
                if (x > b->min[0] - 4 && x < b->max[0] + 4 && y > b->min[1] - 4 &&
                    y < b->max[1] + 4)
                    clear = false;
            }
            if (clear) {
                found = true;
                assert_int_equal(pixel_at(s, PX(x), PY(y)), LW_PLATE_PNG_BED);
            }
        }
    assert_true(found);
    assert_int_equal(pixel_at(s, 3, 3), LW_PLATE_PNG_PAPER);
    assert_int_equal(pixel_at(s, w - 3.0, m0 + 100), LW_PLATE_PNG_PAPER);
#undef PX
#undef PY
    cairo_surface_destroy(s);

    /* Too large a picture is refused, and out keeps what it had. */
    size_t before = png.len;
    po.scale = 200;
    lw_err_clear(&err);
    assert_int_equal(lw_plate_png(&pl, parts, 2, &po, &png, &err), LW_ELIMIT);
    assert_int_equal(png.len, before);
    lw_buf_clear(&png);
    lw_plate_clear(&pl);
    lw_mesh_clear(&box);
    lw_mesh_clear(&ring);
}

/* Fontconfig, which cairo asks for the label font, loses a few hundred bytes reading its
 * configuration (a leak inside its XML parser, before any of our calls return) and keeps the
 * rest for the life of the process. LeakSanitizer reads this hook at exit; only blocks
 * allocated from inside fontconfig are excused, so a surface or buffer of ours that leaks is
 * still reported. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libfontconfig.so\n"; }

/* ---- the night's rings: time and result --------------------------------------------------- */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void test_24_rings_on_a_mini_8k(void **state)
{
    (void)state;
    lw_mesh ring;
    make_ring(&ring, 256, 64); /* the shared band: 17.3 mm inside, 21.3 outside, 6 wide */
    lw_plate_opts o;
    lw_plate_opts_default(&o, 165, 71.28);
    lw_err err;
    lw_err_clear(&err);
    const double tilts[2] = {0, 35};
    for (int k = 0; k < 2; k++) {
        lw_plate_part part = {&ring, "band", 24, tilts[k], 0};
        lw_plate pl;
        double t0 = now();
        assert_int_equal(lw_plate_arrange(&part, 1, &o, &pl, &err), LW_OK);
        double t1 = now();
        print_message("24 bands (%u facets) tilted %g deg on 165 x 71.28 mm, %u turns, %g mm "
                      "grid: %zu placed, %zu no room, %.3f s\n",
                      ring.nt, tilts[k], o.rotations, o.pixel, pl.placed, pl.no_room, t1 - t0);
        check_plate(&pl, &part, &o);
        assert_int_equal(pl.placed + pl.no_room, 24);
        if (k == 0) {
            /* Upright bands are discs of radius 10.65 (the outer rim's corners): centres must
             * be 2 x 10.65 + gap apart. 3 fit up the 69.28 mm (3 x 21.3 + 2 x 2 = 67.9) and 7
             * along the 163 (7 x 21.3 + 6 x 2 = 161.1): 21 at least. */
            assert_true(pl.placed >= 21);
            double r = 0;
            for (uint32_t v = 0; v < ring.nv; v++)
                r = fmax(r, hypot(ring.xyz[3 * v], ring.xyz[3 * v + 1]));
            for (size_t i = 0; i < pl.nitems; i++)
                for (size_t j = i + 1; j < pl.nitems; j++) {
                    if (pl.items[i].status || pl.items[j].status)
                        continue;
                    double d = hypot(pl.items[i].a[9] - pl.items[j].a[9],
                                     pl.items[i].a[10] - pl.items[j].a[10]);
                    if (d < 2 * r + o.gap - 1e-9)
                        fail_msg("bands %zu and %zu: centres %.4f mm apart", i, j, d);
                }
        }
        lw_plate_clear(&pl);
    }
    lw_mesh_clear(&ring);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mixed_plate_keeps_gaps_and_bed),
        cmocka_unit_test(test_tilt_turn_and_lift),
        cmocka_unit_test(test_counts_and_what_did_not_fit),
        cmocka_unit_test(test_turning_packs_more),
        cmocka_unit_test(test_margin_for_supports),
        cmocka_unit_test(test_holes_taken_or_used),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_plate_mesh),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_allocation_failures),
        cmocka_unit_test(test_png_shows_the_plate),
        cmocka_unit_test(test_24_rings_on_a_mini_8k),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    cairo_debug_reset_static_data(); /* cairo's font caches, so that nothing of it is left */
    return failed;
}
