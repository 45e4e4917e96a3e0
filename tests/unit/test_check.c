/* Tests of geom/check: topology (edges, Euler characteristic, holes, non-manifold edges),
 * degenerate facets, orientation and its repair, inside-out shells, cavities, nested and
 * crossing shells, the problem list, determinism and allocation failures. Expected values come
 * from the construction of each mesh (which facets were removed, flipped or added) and from
 * closed-form volumes, never from the checker's own output. */
#include "lwtest.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "geom/check.h"
#include "geom/measure.h"
#include "geom/mesh.h"
#include "geom/shapes.h"

/* A unit cube's 12 facets, counter-clockwise from outside; vertex index = x + 2y + 4z. */
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

/* The polyhedral volume of lw_shape_sphere: sections are regular n-gons varying linearly
 * between rings, so each band is a prismatoid: dz/6 (A0 + 4 Amid + A1). */
static double sphere_volume(double r, uint32_t n, uint32_t rings)
{
    double k = 0.5 * n * sin(2 * M_PI / n), v = 0;
    for (uint32_t i = 0; i < rings; i++) {
        double p0 = M_PI * i / rings, p1 = M_PI * (i + 1) / rings;
        double r0 = i == 0 ? 0 : r * sin(p0), r1 = i + 1 == rings ? 0 : r * sin(p1);
        double dz = r * (cos(p0) - cos(p1)), rm = 0.5 * (r0 + r1);
        v += dz / 6 * k * (r0 * r0 + 4 * rm * rm + r1 * r1);
    }
    return v;
}

static void add_sphere(lw_mesh *m, double r, uint32_t n, uint32_t rings, double x, double y,
                       double z, bool inward)
{
    lw_mesh s;
    lw_mesh_init(&s);
    assert_int_equal(lw_shape_sphere(&s, r, n, rings), LW_OK);
    lw_mesh_translate(&s, x, y, z);
    if (inward)
        for (uint32_t f = 0; f < s.nt; f++) {
            uint32_t t = s.tri[3 * f + 1];
            s.tri[3 * f + 1] = s.tri[3 * f + 2];
            s.tri[3 * f + 2] = t;
        }
    assert_int_equal(lw_mesh_append(m, &s, UINT32_MAX), LW_OK);
    lw_mesh_clear(&s);
}

static void flip(lw_mesh *m, uint32_t f)
{
    uint32_t t = m->tri[3 * f + 1];
    m->tri[3 * f + 1] = m->tri[3 * f + 2];
    m->tri[3 * f + 2] = t;
}

/* Removes the facets for which drop[f] is set. */
static void remove_facets(lw_mesh *m, const bool *drop)
{
    uint32_t n = 0;
    for (uint32_t f = 0; f < m->nt; f++)
        if (!drop[f]) {
            memmove(m->tri + 3 * (size_t)n, m->tri + 3 * (size_t)f, 3 * sizeof *m->tri);
            n++;
        }
    m->nt = n;
}

static void run_check(lw_mesh *m, const lw_check_opts *o, lw_mesh_report *r)
{
    lw_err err;
    lw_err_clear(&err);
    lw_rc rc = lw_mesh_check(m, o, r, &err);
    if (rc)
        fail_msg("lw_mesh_check: %s", err.msg);
}

static size_t count_kind(const lw_mesh_report *r, lw_problem_kind k)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nproblems; i++)
        n += r->problems[i].kind == k;
    return n;
}

static const lw_problem *first_kind(const lw_mesh_report *r, lw_problem_kind k)
{
    for (size_t i = 0; i < r->nproblems; i++)
        if (r->problems[i].kind == k)
            return &r->problems[i];
    fail_msg("no problem of kind %s", lw_problem_kind_name(k));
    return NULL;
}

static double dist(const double *a, const double *b)
{
    return sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) +
                (a[2] - b[2]) * (a[2] - b[2]));
}

/* ---- closed shells ------------------------------------------------------------------------- */

static void test_closed_sphere(void **state)
{
    (void)state;
    lw_mesh m;
    lw_mesh_init(&m);
    add_sphere(&m, 10, 24, 12, 100, -100, 100, false);
    lw_mesh_report r;
    run_check(&m, NULL, &r);
    assert_true(r.watertight && r.oriented);
    assert_int_equal(r.nshells, 1);
    assert_int_equal(r.holes, 0);
    assert_int_equal(r.boundary_edges, 0);
    assert_int_equal(r.nonmanifold_edges, 0);
    assert_int_equal(r.degenerate_facets, 0);
    assert_int_equal(r.flipped_facets, 0);
    assert_int_equal(r.nproblems, 0);
    /* A closed triangle mesh has 3F/2 edges and, being a sphere, V - E + F = 2. */
    assert_int_equal(r.edges, 3 * (uint64_t)m.nt / 2);
    assert_int_equal((int64_t)m.nv - (int64_t)r.edges + (int64_t)m.nt, 2);
    assert_true(r.shells[0].closed && r.shells[0].orientable);
    assert_false(r.shells[0].inverted || r.shells[0].cavity);
    assert_int_equal(r.shells[0].inside_of, -1);
    assert_true(lwt_rel(r.total.volume, sphere_volume(10, 24, 12)) < 1e-12);
    assert_true(lwt_rel(r.shells[0].m.volume, r.total.volume) == 0);
    for (uint32_t f = 0; f < m.nt; f++)
        assert_int_equal(r.face_shell[f], 0);
    lw_mesh_report_clear(&r);
    lw_mesh_clear(&m);
}

static void test_torus_euler(void **state)
{
    (void)state;
    lw_mesh m;
    lw_mesh_init(&m);
    assert_int_equal(lw_shape_torus(&m, 9, 2, 40, 16), LW_OK);
    lw_mesh_report r;
    run_check(&m, NULL, &r);
    assert_true(r.watertight && r.oriented);
    assert_int_equal(r.edges, 3 * (uint64_t)m.nt / 2);
    assert_int_equal((int64_t)m.nv - (int64_t)r.edges + (int64_t)m.nt, 0); /* genus 1 */
    assert_int_equal(r.nshells, 1);
    lw_mesh_report_clear(&r);
    lw_mesh_clear(&m);
}

/* ---- holes --------------------------------------------------------------------------------- */

static void test_one_facet_removed(void **state)
{
    (void)state;
    lw_mesh m;
    lw_mesh_init(&m);
    add_sphere(&m, 10, 24, 12, 0, 0, 0, false);
    const uint32_t gone = 100;
    uint32_t tv[3];
    memcpy(tv, m.tri + 3 * gone, sizeof tv);
    bool *drop = lw_calloc(m.nt, sizeof *drop);
    assert_non_null(drop);
    drop[gone] = true;
    remove_facets(&m, drop);
    lw_free(drop);
    lw_mesh_report r;
    run_check(&m, NULL, &r);
    assert_false(r.watertight);
    assert_int_equal(r.nshells, 1);
    assert_int_equal(r.holes, 1);
    assert_int_equal(r.boundary_edges, 3);
    assert_int_equal(r.shells[0].holes, 1);
    assert_int_equal(r.shells[0].boundary_edges, 3);
    assert_false(r.shells[0].closed);
    const lw_problem *p = first_kind(&r, LW_PROBLEM_HOLE);
    assert_int_equal(p->count, 3);
    assert_int_equal(p->shell, 0);
    /* The edge it names is a side of the removed facet, and `where` its middle. */
    bool v0 = p->v0 == tv[0] || p->v0 == tv[1] || p->v0 == tv[2];
    bool v1 = p->v1 == tv[0] || p->v1 == tv[1] || p->v1 == tv[2];
    assert_true(v0 && v1 && p->v0 != p->v1);
    double mid[3];
    for (int k = 0; k < 3; k++)
        mid[k] = 0.5 * (m.xyz[3 * p->v0 + k] + m.xyz[3 * p->v1 + k]);
    assert_true(dist(mid, p->where) < 1e-12);
    /* And the facet it names touches that edge. */
    const uint32_t *t = m.tri + 3 * (size_t)p->face;
    int shared = 0;
    for (int k = 0; k < 3; k++)
        shared += t[k] == p->v0 || t[k] == p->v1;
    assert_int_equal(shared, 2);
    char buf[160];
    lw_problem_describe(p, buf, sizeof buf);
    assert_non_null(strstr(buf, "hole of 3 open edges"));
    char at[80];
    snprintf(at, sizeof at, "(%.2f, %.2f, %.2f) mm", mid[0], mid[1], mid[2]);
    assert_non_null(strstr(buf, at));
    lw_mesh_report_clear(&r);
    lw_mesh_clear(&m);
}

static void test_holes_touching_at_a_vertex(void **state)
{
    (void)state;
    /* Two facets that share one corner and no edge: removing both leaves two holes of three
     * edges meeting at that vertex, not one hole of six. */
    lw_mesh m;
    lw_mesh_init(&m);
    add_sphere(&m, 10, 24, 12, 0, 0, 0, false);
    const uint32_t f0 = 200, v = m.tri[3 * f0];
    uint32_t f1 = UINT32_MAX;
    for (uint32_t f = 0; f < m.nt && f1 == UINT32_MAX; f++) {
        int common = 0, has_v = 0;
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                common += m.tri[3 * f + i] == m.tri[3 * f0 + j];
        for (int i = 0; i < 3; i++)
            has_v += m.tri[3 * f + i] == v;
        if (common == 1 && has_v)
            f1 = f;
    }
    assert_true(f1 != UINT32_MAX);
    bool *drop = lw_calloc(m.nt, sizeof *drop);
    assert_non_null(drop);
    drop[f0] = drop[f1] = true;
    remove_facets(&m, drop);
    lw_free(drop);
    lw_mesh_report r;
    run_check(&m, NULL, &r);
    assert_int_equal(r.boundary_edges, 6);
    assert_int_equal(r.holes, 2);
    assert_int_equal(r.problems[0].count, 3);
    assert_int_equal(r.problems[1].count, 3);
    lw_mesh_report_clear(&r);
    lw_mesh_clear(&m);
}

/* Marks the facets of band `ring` (between rings ring and ring+1) from segment k0 for nk
 * segments, picked by their centroids so the test does not depend on the facet order. */
static uint32_t mark_strip(const lw_mesh *m, uint32_t n, uint32_t rings, uint32_t ring,
                           uint32_t k0, uint32_t nk, bool *drop)
{
    double r = 10, z0 = -r * cos(M_PI * ring / rings), z1 = -r * cos(M_PI * (ring + 1) / rings);
    uint32_t count = 0;
    for (uint32_t f = 0; f < m->nt; f++) {
        double c[3] = {0, 0, 0};
        for (int i = 0; i < 3; i++)
            for (int k = 0; k < 3; k++)
                c[k] += m->xyz[3 * m->tri[3 * f + i] + k] / 3;
        double a = atan2(c[1], c[0]);
        if (a < 0)
            a += 2 * M_PI;
        double seg = a / (2 * M_PI / n);
        if (c[2] > z0 && c[2] < z1 && seg > k0 && seg < k0 + nk) {
            drop[f] = true;
            count++;
        }
    }
    return count;
}

static void test_strip_removed(void **state)
{
    (void)state;
    const uint32_t n = 24, rings = 12;
    lw_mesh m;
    lw_mesh_init(&m);
    add_sphere(&m, 10, n, rings, 0, 0, 0, false);
    bool *drop = lw_calloc(m.nt, sizeof *drop);
    assert_non_null(drop);
    /* Five quads of band 4: a hole bounded by 5 + 5 edges along the rings and 2 across. */
    assert_int_equal(mark_strip(&m, n, rings, 4, 3, 5, drop), 10);
    remove_facets(&m, drop);
    lw_mesh_report r;
    run_check(&m, NULL, &r);
    assert_int_equal(r.nshells, 1);
    assert_int_equal(r.holes, 1);
    assert_int_equal(r.boundary_edges, 12);
    assert_int_equal(first_kind(&r, LW_PROBLEM_HOLE)->count, 12);
    lw_mesh_report_clear(&r);
    lw_mesh_clear(&m);

    /* A whole band: two caps, each with a hole of n edges. */
    lw_mesh_init(&m);
    add_sphere(&m, 10, n, rings, 0, 0, 0, false);
    memset(drop, 0, m.nt * sizeof *drop);
    assert_int_equal(mark_strip(&m, n, rings, 6, 0, n, drop), 2 * n);
    remove_facets(&m, drop);
    run_check(&m, NULL, &r);
    assert_int_equal(r.nshells, 2);
    assert_int_equal(r.holes, 2);
    assert_int_equal(r.shells[0].holes, 1);
    assert_int_equal(r.shells[1].holes, 1);
    assert_int_equal(r.boundary_edges, 2 * n);
    assert_int_equal(count_kind(&r, LW_PROBLEM_HOLE), 2);
    assert_int_equal(r.problems[0].count, n);
    assert_int_equal(r.problems[1].count, n);
    /* Open shells are never called inside out or overlapping. */
    assert_int_equal(r.inverted_shells + r.overlapping_pairs, 0);
    lw_mesh_report_clear(&r);
    lw_mesh_clear(&m);
    lw_free(drop);
}

/* ---- orientation ---------------------------------------------------------------------------- */

static void test_flipped_facets(void **state)
{
    (void)state;
    lw_mesh m, orig;
    lw_mesh_init(&m);
    add_sphere(&m, 10, 24, 12, 3, 4, 5, false);
    assert_int_equal(lw_mesh_copy(&orig, &m), LW_OK);
    uint32_t nflip = 0;
    for (uint32_t f = 0; f < m.nt; f += 7, nflip++)
        flip(&m, f);
    lw_mesh keep;
    assert_int_equal(lw_mesh_copy(&keep, &m), LW_OK);

    /* Reported but left alone. */
    lw_check_opts o;
    lw_check_opts_default(&o);
    o.fix_orientation = false;
    lw_mesh_report r;
    run_check(&m, &o, &r);
    assert_int_equal(r.flipped_facets, nflip);
    assert_false(r.oriented);
    assert_memory_equal(m.tri, keep.tri, 3 * sizeof *m.tri * m.nt);
    assert_false(first_kind(&r, LW_PROBLEM_FLIPPED_FACETS)->fixed);
    lw_mesh_report_clear(&r);

    /* Fixed: exactly the flipped facets are rewound, so the mesh is the original again. */
    run_check(&m, NULL, &r);
    assert_int_equal(r.flipped_facets, nflip);
    const lw_problem *p = first_kind(&r, LW_PROBLEM_FLIPPED_FACETS);
    assert_int_equal(p->count, nflip);
    assert_int_equal(p->face, 0);
    assert_true(p->fixed);
    assert_true(r.oriented);
    assert_memory_equal(m.tri, orig.tri, 3 * sizeof *m.tri * m.nt);
    double v = sphere_volume(10, 24, 12);
    assert_true(lwt_rel(r.total.volume, v) < 1e-12);
    lw_mesh_report_clear(&r);

    /* Checking the repaired mesh finds nothing more to do. */
    run_check(&m, NULL, &r);
    assert_int_equal(r.flipped_facets, 0);
    assert_int_equal(r.nproblems, 0);
    lw_mesh_report_clear(&r);
    lw_mesh_clear(&m);
    lw_mesh_clear(&orig);
    lw_mesh_clear(&keep);
}

static void test_majority_by_area(void **state)
{
    (void)state;
    /* A unit cube whose top is cut along its diagonal into 2 (K + 1) thin facets, all wound
     * inward, against the 10 facets of the other five faces. By count the top would win; by
     * area (1 against 5) the 40 top facets are the ones to rewind. */
    const uint32_t K = 19;
    lw_mesh m;
    lw_mesh_init(&m);
    add_box(&m, (double[3]){0, 0, 0}, (double[3]){1, 1, 1});
    m.nt = 0; /* keep the corners, rebuild the facets */
    for (int f = 0; f < 12; f++)
        if (f != 2 && f != 3) /* the top, 4 5 7 and 4 7 6 */
            assert_int_equal(lw_mesh_add_tri(&m, CUBE_TRI[3 * f], CUBE_TRI[3 * f + 1],
                                             CUBE_TRI[3 * f + 2], 0), LW_OK);
    uint32_t prev = 4; /* corner (0, 0, 1); the diagonal runs to 7 = (1, 1, 1) */
    for (uint32_t i = 1; i <= K + 1; i++) {
        uint32_t next = 7;
        if (i <= K)
            assert_int_equal(lw_mesh_add_vertex(&m, (double)i / (K + 1), (double)i / (K + 1), 1,
                                                &next), LW_OK);
        /* Outward would be (prev, 5, next) and (prev, next, 6): add them reversed. */
        assert_int_equal(lw_mesh_add_tri(&m, prev, next, 5, 0), LW_OK);
        assert_int_equal(lw_mesh_add_tri(&m, prev, 6, next, 0), LW_OK);
        prev = next;
    }
    lw_mesh_report r;
    run_check(&m, NULL, &r);
    assert_true(r.watertight);
    assert_int_equal(r.flipped_facets, 2 * (K + 1));
    assert_int_equal(first_kind(&r, LW_PROBLEM_FLIPPED_FACETS)->face, 10);
    assert_int_equal(r.inverted_shells, 0);
    assert_true(lwt_rel(r.total.volume, 1) < 1e-14);
    /* The rewound top now faces up. */
    double n[3];
    lw_mesh_facet_normal(&m, 10, n);
    assert_true(n[2] > 0.999);
    lw_mesh_report_clear(&r);
    lw_mesh_clear(&m);
}

static void test_inverted_shell(void **state)
{
    (void)state;
    lw_mesh m, orig;
    lw_mesh_init(&m);
    add_sphere(&m, 10, 24, 12, 0, 0, 0, false);
    assert_int_equal(lw_mesh_copy(&orig, &m), LW_OK);
    for (uint32_t f = 0; f < m.nt; f++)
        flip(&m, f);
    double v = sphere_volume(10, 24, 12);

    lw_check_opts o;
    lw_check_opts_default(&o);
    o.fix_inverted = false;
    lw_mesh_report r;
    run_check(&m, &o, &r);
    assert_int_equal(r.flipped_facets, 0);
    assert_int_equal(r.inverted_shells, 1);
    assert_true(r.shells[0].inverted);
    assert_false(r.oriented);
    assert_true(lwt_rel(r.total.volume, -v) < 1e-12);
    assert_false(first_kind(&r, LW_PROBLEM_INVERTED_SHELL)->fixed);
    lw_mesh_report_clear(&r);

    run_check(&m, NULL, &r);
    assert_int_equal(r.inverted_shells, 1);
    assert_true(first_kind(&r, LW_PROBLEM_INVERTED_SHELL)->fixed);
    assert_true(r.oriented);
    assert_true(lwt_rel(r.total.volume, v) < 1e-12);
    assert_true(lwt_rel(r.shells[0].m.volume, v) < 1e-12);
    assert_memory_equal(m.tri, orig.tri, 3 * sizeof *m.tri * m.nt);
    lw_mesh_report_clear(&r);
    lw_mesh_clear(&m);
    lw_mesh_clear(&orig);
}

static void test_moebius(void **state)
{
    (void)state;
    const uint32_t n = 16;
    const double R = 5, w = 1;
    lw_mesh m;
    lw_mesh_init(&m);
    for (uint32_t k = 0; k < n; k++) {
        double t = 2 * M_PI * k / n, c = cos(t / 2), s = sin(t / 2);
        double d[3] = {c * cos(t), c * sin(t), s};
        for (int side = 0; side < 2; side++) {
            double g = side ? -w : w;
            assert_int_equal(lw_mesh_add_vertex(&m, R * cos(t) + g * d[0], R * sin(t) + g * d[1],
                                                g * d[2], NULL), LW_OK);
        }
    }
    for (uint32_t k = 0; k < n; k++) {
        uint32_t top = 2 * k, bot = 2 * k + 1;
        /* After a full turn the strip comes back upside down: top meets bottom. */
        uint32_t ntop = k + 1 < n ? 2 * (k + 1) : 1, nbot = k + 1 < n ? 2 * (k + 1) + 1 : 0;
        assert_int_equal(lw_mesh_add_tri(&m, top, bot, nbot, 0), LW_OK);
        assert_int_equal(lw_mesh_add_tri(&m, top, nbot, ntop, 0), LW_OK);
    }
    lw_mesh keep;
    assert_int_equal(lw_mesh_copy(&keep, &m), LW_OK);
    lw_mesh_report r;
    run_check(&m, NULL, &r);
    assert_int_equal(r.nshells, 1);
    assert_false(r.shells[0].orientable);
    assert_false(r.oriented);
    assert_int_equal(count_kind(&r, LW_PROBLEM_NONORIENTABLE), 1);
    assert_int_equal(r.flipped_facets, 0);
    /* Its edge is one boundary loop, twice as long as the strip. */
    assert_int_equal(r.holes, 1);
    assert_int_equal(first_kind(&r, LW_PROBLEM_HOLE)->count, 2 * n);
    /* Nothing is "fixed" on a surface that has no consistent orientation. */
    assert_memory_equal(m.tri, keep.tri, 3 * sizeof *m.tri * m.nt);
    lw_mesh_report_clear(&r);
    lw_mesh_clear(&m);
    lw_mesh_clear(&keep);
}

/* ---- several shells -------------------------------------------------------------------------- */

static void test_cavity(void **state)
{
    (void)state;
    lw_mesh m;
    lw_mesh_init(&m);
    add_sphere(&m, 10, 24, 12, 0, 0, 0, false);
    add_sphere(&m, 3, 16, 8, 1, 0.5, -0.7, true);
    uint32_t nbig = 2 * 24 * 11;
    lw_mesh keep;
    assert_int_equal(lw_mesh_copy(&keep, &m), LW_OK);
    lw_mesh_report r;
    run_check(&m, NULL, &r);
    assert_int_equal(r.nshells, 2);
    assert_true(r.shells[1].cavity);
    assert_false(r.shells[1].inverted);
    assert_int_equal(r.shells[1].inside_of, 0);
    assert_int_equal(r.shells[0].inside_of, -1);
    assert_int_equal(r.inverted_shells, 0);
    assert_int_equal(r.overlapping_pairs, 0);
    assert_true(r.oriented && r.watertight);
    assert_int_equal(r.face_shell[nbig - 1], 0);
    assert_int_equal(r.face_shell[nbig], 1);
    double vb = sphere_volume(10, 24, 12), vs = sphere_volume(3, 16, 8);
    assert_true(lwt_rel(r.shells[1].m.volume, -vs) < 1e-12);
    assert_true(lwt_rel(r.total.volume, vb - vs) < 1e-12);
    assert_memory_equal(m.tri, keep.tri, 3 * sizeof *m.tri * m.nt);
    lw_mesh_report_clear(&r);
    lw_mesh_clear(&m);
    lw_mesh_clear(&keep);
}

static void test_rattle(void **state)
{
    (void)state;
    /* A ball loose in a hollow ball: metal, void, metal. */
    lw_mesh m;
    lw_mesh_init(&m);
    add_sphere(&m, 10, 24, 12, 0, 0, 0, false);
    add_sphere(&m, 7, 20, 10, 0.3, 0, 0, true);
    add_sphere(&m, 3, 16, 8, -0.4, 0.2, 0.1, false);
    lw_mesh_report r;
    run_check(&m, NULL, &r);
    assert_int_equal(r.nshells, 3);
    assert_true(r.shells[1].cavity);
    assert_false(r.shells[2].cavity || r.shells[2].inverted);
    assert_int_equal(r.shells[1].inside_of, 0);
    assert_int_equal(r.shells[2].inside_of, 1);
    assert_int_equal(r.inverted_shells + r.overlapping_pairs, 0);
    double v = sphere_volume(10, 24, 12) - sphere_volume(7, 20, 10) + sphere_volume(3, 16, 8);
    assert_true(lwt_rel(r.total.volume, v) < 1e-12);
    lw_mesh_report_clear(&r);
    lw_mesh_clear(&m);
}

static void test_nested_outward(void **state)
{
    (void)state;
    lw_mesh m;
    lw_mesh_init(&m);
    add_sphere(&m, 10, 24, 12, 0, 0, 0, false);
    add_sphere(&m, 3, 16, 8, 1, 0.5, -0.7, false);
    lw_mesh_report r;
    run_check(&m, NULL, &r);
    assert_int_equal(r.nshells, 2);
    assert_int_equal(r.overlapping_pairs, 1);
    assert_int_equal(r.inverted_shells, 0);
    assert_false(r.shells[1].cavity);
    assert_int_equal(r.shells[1].inside_of, 0);
    const lw_problem *p = first_kind(&r, LW_PROBLEM_OVERLAPPING_SHELLS);
    assert_int_equal(p->shell, 1);
    assert_int_equal(p->other_shell, 0);
    /* A point of the small sphere, so well inside the big one. */
    const double c[3] = {1, 0.5, -0.7}, o[3] = {0, 0, 0};
    assert_true(fabs(dist(p->where, c) - 3) < 0.1);
    assert_true(dist(p->where, o) < 9);
    lw_mesh_report_clear(&r);
    lw_mesh_clear(&m);
}

static void test_crossing_spheres(void **state)
{
    (void)state;
    lw_mesh m;
    lw_mesh_init(&m);
    add_sphere(&m, 1, 32, 16, 0, 0, 0, false);
    add_sphere(&m, 1, 32, 16, 1.5, 0.01, 0.02, false);
    lw_mesh_report r;
    run_check(&m, NULL, &r);
    assert_int_equal(r.nshells, 2);
    assert_int_equal(r.overlapping_pairs, 1);
    assert_int_equal(r.inverted_shells, 0);
    const lw_problem *p = first_kind(&r, LW_PROBLEM_OVERLAPPING_SHELLS);
    assert_int_equal(p->shell, 0);
    assert_int_equal(p->other_shell, 1);
    /* On both surfaces: about 1 from each centre (faceting is within 0.01), so near x = 0.75. */
    const double c0[3] = {0, 0, 0}, c1[3] = {1.5, 0.01, 0.02};
    assert_true(fabs(dist(p->where, c0) - 1) < 0.01);
    assert_true(fabs(dist(p->where, c1) - 1) < 0.01);
    assert_true(p->where[0] > 0.7 && p->where[0] < 0.8);
    char buf[160];
    lw_problem_describe(p, buf, sizeof buf);
    assert_non_null(strstr(buf, "shells 0 and 1 overlap"));
    lw_mesh_report_clear(&r);
    lw_mesh_clear(&m);
}

static void test_disjoint_spheres(void **state)
{
    (void)state;
    lw_mesh m;
    lw_mesh_init(&m);
    add_sphere(&m, 2, 16, 8, 0, 0, 0, false);
    add_sphere(&m, 3, 20, 10, 0, 5.5, 0, false);
    lw_mesh_report r;
    run_check(&m, NULL, &r);
    assert_int_equal(r.nshells, 2);
    assert_int_equal(r.overlapping_pairs + r.inverted_shells, 0);
    assert_int_equal(r.nproblems, 0);
    assert_true(r.shells[0].closed && r.shells[1].closed);
    double v0 = sphere_volume(2, 16, 8), v1 = sphere_volume(3, 20, 10);
    assert_true(lwt_rel(r.shells[0].m.volume, v0) < 1e-12);
    assert_true(lwt_rel(r.shells[1].m.volume, v1) < 1e-12);
    assert_true(lwt_rel(r.total.volume, v0 + v1) < 1e-12);
    assert_int_equal(r.total.nfaces, m.nt);
    /* The total centroid weighs the two centres by volume. */
    assert_true(fabs(r.total.centroid[1] - 5.5 * v1 / (v0 + v1)) < 1e-9);
    assert_true(r.total.bbox.min[1] == -2 && r.total.bbox.max[1] == 8.5);
    lw_mesh_report_clear(&r);
    lw_mesh_clear(&m);
}

static void test_big_shell_partners(void **state)
{
    (void)state;
    /* A shell of 24,320 facets with two partners (a cavity and a sphere through its surface):
     * the pair tests then work on grids of its facets near each partner only. */
    lw_mesh m;
    lw_mesh_init(&m);
    add_sphere(&m, 10, 128, 96, 0, 0, 0, false);
    assert_true(m.nt > 20000);
    add_sphere(&m, 3, 16, 8, 1, 0.5, -0.7, true);
    add_sphere(&m, 2, 16, 8, 0.3, 9.6, 0.2, false);
    lw_mesh_report r;
    run_check(&m, NULL, &r);
    assert_int_equal(r.nshells, 3);
    assert_true(r.shells[1].cavity);
    assert_int_equal(r.shells[1].inside_of, 0);
    assert_int_equal(r.overlapping_pairs, 1);
    const lw_problem *p = first_kind(&r, LW_PROBLEM_OVERLAPPING_SHELLS);
    assert_int_equal(p->shell, 0);
    assert_int_equal(p->other_shell, 2);
    const double o[3] = {0, 0, 0}, c2[3] = {0.3, 9.6, 0.2};
    assert_true(fabs(dist(p->where, o) - 10) < 0.01);
    assert_true(fabs(dist(p->where, c2) - 2) < 0.05);
    lw_mesh_report_clear(&r);
    lw_mesh_clear(&m);
}

static void test_boxes_touch_or_overlap(void **state)
{
    (void)state;
    lw_mesh m;
    lw_mesh_report r;
    /* One box standing on another, faces in contact: touching is not overlapping. */
    lw_mesh_init(&m);
    add_box(&m, (double[3]){0, 0, 0}, (double[3]){1, 1, 1});
    add_box(&m, (double[3]){0.25, 0, 1}, (double[3]){1, 1, 1});
    run_check(&m, NULL, &r);
    assert_int_equal(r.nshells, 2);
    assert_int_equal(r.overlapping_pairs, 0);
    assert_true(lwt_rel(r.total.volume, 2) < 1e-14);
    lw_mesh_report_clear(&r);
    lw_mesh_clear(&m);

    /* Half of one box inside the other, every meeting of the surfaces along edges and shared
     * planes (no facet pierces another): still an overlap. */
    lw_mesh_init(&m);
    add_box(&m, (double[3]){0, 0, 0}, (double[3]){1, 1, 1});
    add_box(&m, (double[3]){0.5, 0, 0}, (double[3]){1, 1, 1});
    run_check(&m, NULL, &r);
    assert_int_equal(r.overlapping_pairs, 1);
    lw_mesh_report_clear(&r);
    lw_mesh_clear(&m);

    /* A small box inside a big one, resting on its floor. */
    lw_mesh_init(&m);
    add_box(&m, (double[3]){0, 0, 0}, (double[3]){4, 4, 4});
    add_box(&m, (double[3]){1, 1, 0}, (double[3]){1, 1, 1});
    run_check(&m, NULL, &r);
    assert_int_equal(r.overlapping_pairs, 1);
    assert_int_equal(r.shells[1].inside_of, 0);
    lw_mesh_report_clear(&r);
    lw_mesh_clear(&m);

    /* The same box twice (a duplicated body): overlap. */
    lw_mesh_init(&m);
    add_box(&m, (double[3]){0, 0, 0}, (double[3]){2, 1, 1});
    add_box(&m, (double[3]){0, 0, 0}, (double[3]){2, 1, 1});
    run_check(&m, NULL, &r);
    assert_int_equal(r.nshells, 2);
    assert_int_equal(r.overlapping_pairs, 1);
    lw_mesh_report_clear(&r);
    lw_mesh_clear(&m);
}

/* ---- non-manifold and degenerate ------------------------------------------------------------ */

/* The tetrahedron (0,0,0) (1,0,0) (0,1,0) (0,0,1), facing out; volume 1/6. */
static void add_tetra(lw_mesh *m)
{
    uint32_t b = m->nv;
    assert_int_equal(lw_mesh_add_vertex(m, 0, 0, 0, NULL), LW_OK);
    assert_int_equal(lw_mesh_add_vertex(m, 1, 0, 0, NULL), LW_OK);
    assert_int_equal(lw_mesh_add_vertex(m, 0, 1, 0, NULL), LW_OK);
    assert_int_equal(lw_mesh_add_vertex(m, 0, 0, 1, NULL), LW_OK);
    assert_int_equal(lw_mesh_add_tri(m, b + 0, b + 2, b + 1, 0), LW_OK);
    assert_int_equal(lw_mesh_add_tri(m, b + 0, b + 1, b + 3, 0), LW_OK);
    assert_int_equal(lw_mesh_add_tri(m, b + 0, b + 3, b + 2, 0), LW_OK);
    assert_int_equal(lw_mesh_add_tri(m, b + 1, b + 2, b + 3, 0), LW_OK);
}

static void test_nonmanifold_edge(void **state)
{
    (void)state;
    lw_mesh m;
    lw_mesh_init(&m);
    add_tetra(&m);
    /* A fin on edge 1-2: three facets share it. */
    assert_int_equal(lw_mesh_add_vertex(&m, 1, 1, -1, NULL), LW_OK);
    assert_int_equal(lw_mesh_add_tri(&m, 1, 2, 4, 0), LW_OK);
    lw_mesh_report r;
    run_check(&m, NULL, &r);
    assert_false(r.watertight);
    assert_int_equal(r.nonmanifold_edges, 1);
    const lw_problem *p = first_kind(&r, LW_PROBLEM_NONMANIFOLD_EDGE);
    assert_int_equal(p->v0, 1);
    assert_int_equal(p->v1, 2);
    assert_int_equal(p->count, 3);
    assert_true(fabs(p->where[0] - 0.5) < 1e-15 && fabs(p->where[1] - 0.5) < 1e-15);
    /* The fin does not join the tetrahedron through that edge: its own shell, whose two free
     * sides form one open chain. */
    assert_int_equal(r.nshells, 2);
    assert_int_equal(r.face_shell[4], 1);
    assert_int_equal(r.shells[0].nonmanifold_edges, 1);
    assert_int_equal(r.shells[1].nonmanifold_edges, 1);
    assert_int_equal(r.shells[0].boundary_edges, 0);
    assert_false(r.shells[0].closed);
    assert_int_equal(r.boundary_edges, 2);
    assert_int_equal(r.holes, 1);
    assert_int_equal(first_kind(&r, LW_PROBLEM_HOLE)->count, 2);
    assert_true(lwt_rel(r.shells[0].m.volume, 1.0 / 6) < 1e-14);
    lw_mesh_report_clear(&r);
    lw_mesh_clear(&m);

    /* Two tetrahedra sharing only an edge: four facets on it, two closed solids. */
    lw_mesh_init(&m);
    add_tetra(&m);
    assert_int_equal(lw_mesh_add_vertex(&m, 1, 1, 0, NULL), LW_OK);
    assert_int_equal(lw_mesh_add_vertex(&m, 1, 1, -1, NULL), LW_OK);
    /* Tetrahedron 1, 2, 4 (=(1,1,0)), 5 (=(1,1,-1)), facing out. */
    const uint32_t t2[12] = {1, 2, 5, 1, 5, 4, 2, 4, 5, 1, 4, 2};
    for (int f = 0; f < 4; f++)
        assert_int_equal(lw_mesh_add_tri(&m, t2[3 * f], t2[3 * f + 1], t2[3 * f + 2], 0), LW_OK);
    run_check(&m, NULL, &r);
    assert_int_equal(r.nshells, 2);
    assert_int_equal(r.nonmanifold_edges, 1);
    assert_int_equal(first_kind(&r, LW_PROBLEM_NONMANIFOLD_EDGE)->count, 4);
    assert_int_equal(r.boundary_edges + r.holes + r.flipped_facets + r.inverted_shells, 0);
    assert_true(lwt_rel(r.shells[0].m.volume, 1.0 / 6) < 1e-14);
    assert_true(lwt_rel(r.shells[1].m.volume, 1.0 / 6) < 1e-14);
    lw_mesh_report_clear(&r);
    lw_mesh_clear(&m);
}

static void test_degenerate(void **state)
{
    (void)state;
    /* A tetrahedron whose edge a-b is split by its midpoint m on one side only (a T-junction)
     * and sealed by the zero-area facet (a, b, m); plus a facet with a repeated vertex. */
    const double a[3] = {0.1, 0.2, 0.3}, b[3] = {1.7, 2.9, 0.5}, c[3] = {2.3, -0.4, 0.9},
                 d[3] = {0.9, 0.8, 2.6};
    lw_mesh m;
    lw_mesh_init(&m);
    assert_int_equal(lw_mesh_add_vertex(&m, a[0], a[1], a[2], NULL), LW_OK);
    assert_int_equal(lw_mesh_add_vertex(&m, b[0], b[1], b[2], NULL), LW_OK);
    assert_int_equal(lw_mesh_add_vertex(&m, c[0], c[1], c[2], NULL), LW_OK);
    assert_int_equal(lw_mesh_add_vertex(&m, d[0], d[1], d[2], NULL), LW_OK);
    assert_int_equal(lw_mesh_add_vertex(&m, (a[0] + b[0]) / 2, (a[1] + b[1]) / 2,
                                        (a[2] + b[2]) / 2, NULL), LW_OK);
    /* Orientation (a, b, c) faces out when d lies on the negative side of its plane. */
    double u[3], v[3], n[3], w[3];
    for (int k = 0; k < 3; k++) {
        u[k] = b[k] - a[k];
        v[k] = c[k] - a[k];
        w[k] = d[k] - a[k];
    }
    n[0] = u[1] * v[2] - u[2] * v[1];
    n[1] = u[2] * v[0] - u[0] * v[2];
    n[2] = u[0] * v[1] - u[1] * v[0];
    double six_v = n[0] * w[0] + n[1] * w[1] + n[2] * w[2];
    /* By hand: n = (1.74, -0.52, -6.9), w = (0.8, 0.6, 2.3), n.w = -14.79: d is behind. */
    assert_true(fabs(six_v + 14.79) < 1e-12);
    const uint32_t A = 0, B = 1, C = 2, D = 3, M = 4;
    const uint32_t tris[][3] = {{A, M, C}, {M, B, C}, {A, D, B}, {B, D, C}, {A, C, D},
                                {A, B, M}, {D, D, C}};
    for (size_t f = 0; f < 7; f++)
        assert_int_equal(lw_mesh_add_tri(&m, tris[f][0], tris[f][1], tris[f][2], 0), LW_OK);
    lw_mesh_report r;
    run_check(&m, NULL, &r);
    assert_int_equal(r.degenerate_facets, 2);
    assert_false(r.watertight);
    assert_int_equal(r.boundary_edges + r.nonmanifold_edges + r.holes + r.flipped_facets, 0);
    assert_int_equal(r.nshells, 1);
    assert_int_equal(r.face_shell[6], 0);
    assert_int_equal(count_kind(&r, LW_PROBLEM_DEGENERATE_FACET), 2);
    assert_int_equal(first_kind(&r, LW_PROBLEM_DEGENERATE_FACET)->face, 5);
    assert_true(lwt_rel(r.total.volume, fabs(six_v) / 6) < 1e-12);
    lw_mesh_report_clear(&r);
    lw_mesh_clear(&m);

    /* A thin but real sliver (height a millionth of its length) is not degenerate. */
    lw_mesh_init(&m);
    assert_int_equal(lw_mesh_add_vertex(&m, 0, 0, 0, NULL), LW_OK);
    assert_int_equal(lw_mesh_add_vertex(&m, 10, 0, 0, NULL), LW_OK);
    assert_int_equal(lw_mesh_add_vertex(&m, 5, 1e-5, 0, NULL), LW_OK);
    assert_int_equal(lw_mesh_add_tri(&m, 0, 1, 2, 0), LW_OK);
    run_check(&m, NULL, &r);
    assert_int_equal(r.degenerate_facets, 0);
    lw_mesh_report_clear(&r);
    /* Exactly collinear is. */
    m.xyz[7] = 0;
    run_check(&m, NULL, &r);
    assert_int_equal(r.degenerate_facets, 1);
    lw_mesh_report_clear(&r);
    lw_mesh_clear(&m);
}

/* ---- the report ------------------------------------------------------------------------------ */

static void test_problem_cap(void **state)
{
    (void)state;
    lw_mesh m;
    lw_mesh_init(&m);
    add_sphere(&m, 10, 24, 12, 0, 0, 0, false);
    m.nt--; /* a hole */
    uint32_t base = m.nv;
    for (uint32_t i = 0; i < 50; i++) {
        assert_int_equal(lw_mesh_add_vertex(&m, 20 + i, 0, 0, NULL), LW_OK);
        assert_int_equal(lw_mesh_add_tri(&m, base + i, base + i, 0, 0), LW_OK);
    }
    lw_check_opts o;
    lw_check_opts_default(&o);
    o.max_problems = 3;
    lw_mesh_report r;
    run_check(&m, &o, &r);
    assert_int_equal(r.degenerate_facets, 50);
    assert_int_equal(r.holes, 1);
    assert_int_equal(r.nproblems, 3);
    assert_int_equal(count_kind(&r, LW_PROBLEM_HOLE), 1);
    assert_int_equal(count_kind(&r, LW_PROBLEM_DEGENERATE_FACET), 2);
    lw_mesh_report_clear(&r);
    lw_mesh_clear(&m);
}

static void test_names_and_errors(void **state)
{
    (void)state;
    assert_string_equal(lw_problem_kind_name(LW_PROBLEM_DEGENERATE_FACET), "degenerate_facet");
    assert_string_equal(lw_problem_kind_name(LW_PROBLEM_HOLE), "hole");
    assert_string_equal(lw_problem_kind_name(LW_PROBLEM_NONMANIFOLD_EDGE), "nonmanifold_edge");
    assert_string_equal(lw_problem_kind_name(LW_PROBLEM_FLIPPED_FACETS), "flipped_facets");
    assert_string_equal(lw_problem_kind_name(LW_PROBLEM_NONORIENTABLE), "nonorientable");
    assert_string_equal(lw_problem_kind_name(LW_PROBLEM_INVERTED_SHELL), "inverted_shell");
    assert_string_equal(lw_problem_kind_name(LW_PROBLEM_OVERLAPPING_SHELLS),
                        "overlapping_shells");
    lw_problem p;
    memset(&p, 0, sizeof p);
    p.kind = LW_PROBLEM_HOLE;
    p.count = 12;
    p.where[0] = 3.1;
    p.where[1] = -8.654;
    p.where[2] = 2;
    char buf[200];
    lw_problem_describe(&p, buf, sizeof buf);
    assert_string_equal(buf, "hole of 12 open edges in shell 0 near (3.10, -8.65, 2.00) mm");
    char tiny[6];
    lw_problem_describe(&p, tiny, sizeof tiny);
    assert_string_equal(tiny, "hole ");

    lw_mesh m;
    lw_mesh_init(&m);
    lw_mesh_report r;
    lw_err err;
    lw_err_clear(&err);
    assert_int_equal(lw_mesh_check(&m, NULL, &r, &err), LW_OK);
    assert_int_equal(r.nshells, 0);
    assert_false(r.watertight);
    lw_mesh_report_clear(&r);
    add_tetra(&m);
    m.tri[5] = 9;
    assert_int_equal(lw_mesh_check(&m, NULL, &r, &err), LW_EINVAL);
    assert_non_null(strstr(err.msg, "facet 1"));
    assert_int_equal(r.nshells, 0);
    assert_null(r.shells);
    lw_mesh_clear(&m);
}

/* Everything of two reports that the contract fixes, compared field by field. */
static void assert_same_report(const lw_mesh_report *a, const lw_mesh_report *b, uint32_t nt)
{
    assert_int_equal(a->nshells, b->nshells);
    assert_int_equal(a->edges, b->edges);
    assert_int_equal(a->holes, b->holes);
    assert_int_equal(a->overlapping_pairs, b->overlapping_pairs);
    assert_int_equal(a->nproblems, b->nproblems);
    assert_memory_equal(a->face_shell, b->face_shell, nt * sizeof *a->face_shell);
    assert_true(a->total.volume == b->total.volume);
    for (size_t i = 0; i < a->nproblems; i++) {
        const lw_problem *p = &a->problems[i], *q = &b->problems[i];
        assert_int_equal(p->kind, q->kind);
        assert_int_equal(p->shell, q->shell);
        assert_int_equal(p->other_shell, q->other_shell);
        assert_int_equal(p->face, q->face);
        assert_int_equal(p->count, q->count);
        assert_memory_equal(p->where, q->where, sizeof p->where);
    }
}

/* A mesh with something of everything: a sphere with a cavity, one with flipped facets, an
 * inside-out one, two that cross, one with a hole, a tetrahedron with a fin, a degenerate
 * facet. */
static void build_zoo(lw_mesh *m)
{
    lw_mesh_init(m);
    add_sphere(m, 10, 12, 6, 0, 0, 0, false);
    add_sphere(m, 3, 10, 5, 0.5, 0.2, 0.1, true);
    uint32_t f0 = m->nt;
    add_sphere(m, 2, 12, 6, 30, 0, 0, false);
    flip(m, f0 + 3);
    flip(m, f0 + 20);
    f0 = m->nt;
    add_sphere(m, 2, 12, 6, 0, 30, 0, false);
    for (uint32_t f = f0; f < m->nt; f++)
        flip(m, f);
    add_sphere(m, 2, 12, 6, 0, -30, 0, false);
    add_sphere(m, 2, 12, 6, 1.5, -30, 0, false);
    add_sphere(m, 2, 12, 6, -30, 0, 0, false);
    m->nt--;
    uint32_t b = m->nv;
    add_tetra(m);
    assert_int_equal(lw_mesh_add_vertex(m, 1, 1, -1, NULL), LW_OK);
    assert_int_equal(lw_mesh_add_tri(m, b + 1, b + 2, b + 4, 0), LW_OK);
    assert_int_equal(lw_mesh_add_tri(m, b, b, b + 1, 0), LW_OK);
}

static void check_zoo_report(const lw_mesh_report *r)
{
    assert_int_equal(r->flipped_facets, 2);
    assert_int_equal(r->inverted_shells, 1);
    assert_int_equal(r->overlapping_pairs, 1);
    assert_int_equal(r->holes, 2); /* the open sphere, and the fin's free sides */
    assert_int_equal(r->nonmanifold_edges, 1);
    assert_int_equal(r->degenerate_facets, 1);
    assert_true(r->shells[1].cavity);
}

static void test_determinism(void **state)
{
    (void)state;
    lw_mesh a, b;
    build_zoo(&a);
    assert_int_equal(lw_mesh_copy(&b, &a), LW_OK);
    lw_mesh_report ra, rb;
    run_check(&a, NULL, &ra);
    check_zoo_report(&ra);
    run_check(&b, NULL, &rb);
    assert_same_report(&ra, &rb, a.nt);
    assert_memory_equal(a.tri, b.tri, 3 * sizeof *a.tri * a.nt);
    lw_mesh_report_clear(&ra);
    lw_mesh_report_clear(&rb);
    lw_mesh_clear(&a);
    lw_mesh_clear(&b);
}

typedef struct torture {
    lw_mesh work, orig;
} torture;

static int torture_step(void *ctx)
{
    torture *t = ctx;
    lw_mesh_report r;
    lw_err err;
    lw_err_clear(&err);
    lw_rc rc = lw_mesh_check(&t->work, NULL, &r, &err);
    if (rc) {
        assert_int_equal(rc, LW_ENOMEM);
        /* The fixes made before the failure are undone; the report is empty. */
        assert_memory_equal(t->work.tri, t->orig.tri, 3 * sizeof *t->work.tri * t->work.nt);
        assert_null(r.shells);
        assert_null(r.problems);
        assert_null(r.face_shell);
        return 1;
    }
    check_zoo_report(&r);
    lw_mesh_report_clear(&r);
    memcpy(t->work.tri, t->orig.tri, 3 * sizeof *t->work.tri * t->work.nt);
    return 0;
}

static void test_alloc_failures(void **state)
{
    (void)state;
    torture t;
    build_zoo(&t.work);
    assert_int_equal(lw_mesh_copy(&t.orig, &t.work), LW_OK);
    long points = lwt_alloc_torture(torture_step, &t);
    assert_true(points > 10);
    lw_mesh_clear(&t.work);
    lw_mesh_clear(&t.orig);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_closed_sphere),
        cmocka_unit_test(test_torus_euler),
        cmocka_unit_test(test_one_facet_removed),
        cmocka_unit_test(test_holes_touching_at_a_vertex),
        cmocka_unit_test(test_strip_removed),
        cmocka_unit_test(test_flipped_facets),
        cmocka_unit_test(test_majority_by_area),
        cmocka_unit_test(test_inverted_shell),
        cmocka_unit_test(test_moebius),
        cmocka_unit_test(test_cavity),
        cmocka_unit_test(test_rattle),
        cmocka_unit_test(test_nested_outward),
        cmocka_unit_test(test_crossing_spheres),
        cmocka_unit_test(test_disjoint_spheres),
        cmocka_unit_test(test_big_shell_partners),
        cmocka_unit_test(test_boxes_touch_or_overlap),
        cmocka_unit_test(test_nonmanifold_edge),
        cmocka_unit_test(test_degenerate),
        cmocka_unit_test(test_problem_cap),
        cmocka_unit_test(test_names_and_errors),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
