/* Welding: the float32 welder used for binary STL gives exactly the vertices and numbering of the
 * general welder (first use order, -0 = +0), whatever the order and repetition of corners, across
 * table growth and memo evictions; lw_mesh_weld merges and renumbers as documented. */
#include "lwtest.h"

#include <math.h>
#include <string.h>

#include "base/alloc.h"
#include "geom/mesh.h"
#include "geom/weld.h"

/* A small deterministic generator (xorshift), so the test is the same on every run. */
static uint32_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return (uint32_t)(*s >> 16);
}

static uint32_t fbits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

/* n corners drawn from `distinct` points: integer-valued coordinates (their float bits share long
 * runs of zero low bits, the worst case for a weak hash), a few at -0.0, and mostly recent
 * repeats as in real files plus some from far back. */
static uint32_t *make_corners(size_t n, uint32_t distinct, uint64_t seed)
{
    uint32_t *k = lw_malloc(3 * n * sizeof *k);
    assert_non_null(k);
    uint64_t s = seed;
    for (size_t i = 0; i < n; i++) {
        uint32_t r = rnd(&s), p;
        if (i > 8 && r % 4)
            p = (uint32_t)(i - 1 - rnd(&s) % 8) % distinct; /* a recent neighbour */
        else
            p = rnd(&s) % distinct;
        float x = (float)(p % 64), y = (float)((p / 64) % 64), z = (float)(p / 4096);
        if (x == 0 && (r & 1))
            x = -0.0f;
        k[3 * i] = fbits(x);
        k[3 * i + 1] = fbits(y);
        k[3 * i + 2] = fbits(z);
    }
    return k;
}

static void test_welder32_matches_welder(void **state)
{
    (void)state;
    const size_t n = 300000;
    uint32_t *keys = make_corners(n, 40000, 12345);
    lw_mesh a, b;
    lw_mesh_init(&a);
    lw_mesh_init(&b);
    lw_welder32 w32;
    lw_welder w;
    /* Start both tables far too small so they grow many times. */
    assert_int_equal(lw_welder32_init(&w32, &a, 10), LW_OK);
    assert_int_equal(lw_welder_init(&w, &b, 10), LW_OK);
    uint32_t *ia = lw_malloc(n * sizeof *ia), *ib = lw_malloc(n * sizeof *ib);
    assert_int_equal(lw_welder32_add(&w32, keys, n, ia, NULL), LW_OK);
    for (size_t i = 0; i < n; i++) {
        double p[3];
        for (int k = 0; k < 3; k++) {
            float f;
            memcpy(&f, &keys[3 * i + k], sizeof f);
            p[k] = f;
        }
        assert_int_equal(lw_welder_add(&w, p, &ib[i]), LW_OK);
    }
    assert_int_equal(a.nv, b.nv);
    assert_true(a.nv <= 40000 && a.nv > 30000);
    assert_memory_equal(ia, ib, n * sizeof *ia);
    for (size_t i = 0; i < 3 * (size_t)a.nv; i++)
        assert_true(a.xyz[i] == b.xyz[i]); /* -0 and +0 compare equal: one vertex */
    lw_welder32_clear(&w32);
    lw_welder_clear(&w);
    lw_free(ia);
    lw_free(ib);
    lw_free(keys);
    lw_mesh_clear(&a);
    lw_mesh_clear(&b);
}

static void test_welder32_limit_names_the_corner(void **state)
{
    (void)state;
    uint32_t keys[12];
    for (int i = 0; i < 12; i++)
        keys[i] = fbits((float)i); /* four distinct corners */
    lw_mesh m;
    lw_mesh_init(&m);
    m.max_v = 3;
    lw_welder32 w;
    assert_int_equal(lw_welder32_init(&w, &m, 4), LW_OK);
    uint32_t idx[4];
    size_t bad = 99;
    assert_int_equal(lw_welder32_add(&w, keys, 4, idx, &bad), LW_ELIMIT);
    assert_int_equal(bad, 3);
    assert_int_equal(m.nv, 3);
    lw_welder32_clear(&w);
    lw_mesh_clear(&m);
}

typedef struct torture {
    uint32_t *keys;
    size_t n;
} torture;

static int weld32_once(void *ctx)
{
    torture *t = ctx;
    lw_mesh m;
    lw_mesh_init(&m);
    lw_welder32 w;
    uint32_t idx[600];
    lw_rc rc = lw_welder32_init(&w, &m, 2);
    if (!rc) {
        rc = lw_welder32_add(&w, t->keys, t->n, idx, NULL);
        lw_welder32_clear(&w);
    }
    lw_mesh_clear(&m);
    return rc;
}

static void test_welder32_allocation_failures(void **state)
{
    (void)state;
    torture t = {make_corners(600, 300, 7), 600};
    assert_true(lwt_alloc_torture(weld32_once, &t) > 2);
    lw_free(t.keys);
}

static void test_mesh_weld_merges_and_renumbers(void **state)
{
    (void)state;
    /* Two triangles written as a soup of six corners, sharing an edge, plus an unused vertex. */
    lw_mesh m;
    lw_mesh_init(&m);
    const double p[7][3] = {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {9, 9, 9},
                            {1, 0, 0}, {1, 1, 0}, {0, 1, -0.0}};
    for (int i = 0; i < 7; i++)
        assert_int_equal(lw_mesh_add_vertex(&m, p[i][0], p[i][1], p[i][2], NULL), LW_OK);
    assert_int_equal(lw_mesh_add_tri(&m, 0, 1, 2, 0), LW_OK);
    assert_int_equal(lw_mesh_add_tri(&m, 4, 5, 6, 0), LW_OK);
    assert_int_equal(lw_mesh_weld(&m), LW_OK);
    assert_int_equal(m.nv, 4); /* the unused vertex is gone, the shared two merged */
    const uint32_t want[6] = {0, 1, 2, 1, 3, 2};
    assert_memory_equal(m.tri, want, sizeof want);
    assert_true(m.xyz[9] == 1 && m.xyz[10] == 1 && m.xyz[11] == 0);
    lw_mesh_clear(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_welder32_matches_welder),
        cmocka_unit_test(test_welder32_limit_names_the_corner),
        cmocka_unit_test(test_welder32_allocation_failures),
        cmocka_unit_test(test_mesh_weld_merges_and_renumbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
