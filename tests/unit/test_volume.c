/* The metal of overlapping shells: the union volume, measured by fine layers, against unions
 * known exactly. Each result must lie within the error lw_union_volume_measure states, and the
 * stated error must be small. */
#include "lwtest.h"

#include <math.h>
#include <stdio.h>

#include "base/pool.h"
#include "geom/mesh.h"
#include "geom/shapes.h"
#include "print/volume.h"

/* An axis-aligned box as 12 facets, outward. */
static void add_box(lw_mesh *m, double x0, double y0, double z0, double x1, double y1, double z1)
{
    uint32_t b = m->nv;
    for (int i = 0; i < 8; i++)
        assert_int_equal(lw_mesh_add_vertex(m, i & 1 ? x1 : x0, i & 2 ? y1 : y0, i & 4 ? z1 : z0,
                                            NULL),
                         LW_OK);
    const uint32_t f[12][3] = {{0, 2, 1}, {1, 2, 3}, {4, 5, 6}, {5, 7, 6}, {0, 1, 4}, {1, 5, 4},
                               {2, 6, 3}, {3, 6, 7}, {0, 4, 2}, {2, 4, 6}, {1, 3, 5}, {3, 7, 5}};
    for (int i = 0; i < 12; i++)
        assert_int_equal(lw_mesh_add_tri(m, b + f[i][0], b + f[i][1], b + f[i][2], 0), LW_OK);
}

static void check(const lw_mesh *m, double exact, double max_rel_bound, const char *what)
{
    lw_pool *pool;
    lw_err e;
    lw_err_clear(&e);
    assert_int_equal(lw_pool_new(2, &pool, &e), LW_OK);
    lw_union_volume u;
    if (lw_union_volume_measure(m, 0.02, 0.01, pool, &u, &e))
        fail_msg("%s: %s", what, e.msg);
    fprintf(stderr, "%s: %.4f mm3, exact %.4f, error %.4f, stated bound %.4f (%u layers)\n",
            what, u.volume, exact, u.volume - exact, u.bound, u.layers);
    if (fabs(u.volume - exact) > u.bound + 1e-9 * exact)
        fail_msg("%s: off by %.5f mm3, more than the stated %.5f", what, u.volume - exact,
                 u.bound);
    if (u.bound > max_rel_bound * exact)
        fail_msg("%s: the stated error %.5f is more than %.3f %% of the volume", what, u.bound,
                 100 * max_rel_bound);
    lw_pool_free(pool);
}

static void test_overlapping_boxes(void **state)
{
    (void)state;
    lw_mesh m;
    lw_mesh_init(&m);
    add_box(&m, 0, 0, 0, 10, 10, 5);
    add_box(&m, 5.003, 5.007, 2, 15.003, 15.007, 7);
    /* 500 + 500 less the overlap 4.997 x 4.993 x 3. */
    /* Faces on layer boundaries make the area jump inside a layer: the bound is cautious there. */
    check(&m, 1000 - 4.997 * 4.993 * 3, 0.002, "two boxes");
    lw_mesh_clear(&m);
}

static void test_single_torus_is_its_volume(void **state)
{
    (void)state;
    lw_mesh m;
    lw_mesh_init(&m);
    assert_int_equal(lw_shape_torus(&m, 9, 1.5, 128, 32), LW_OK);
    lw_mesh_translate(&m, 0, 0, 1.5);
    double rz[64];
    for (int i = 0; i < 32; i++) {
        rz[2 * i] = 9 + 1.5 * cos(2 * M_PI * i / 32);
        rz[2 * i + 1] = 1.5 * sin(2 * M_PI * i / 32);
    }
    check(&m, lw_revolve_volume(rz, 32, 128), 0.002, "torus");
    lw_mesh_clear(&m);
}

/* Two coincident copies of a sphere: the hardest case for the non-zero rule, every outline
 * running on top of another. The union is one sphere. */
static void test_duplicated_sphere_counts_once(void **state)
{
    (void)state;
    lw_mesh m;
    lw_mesh_init(&m);
    assert_int_equal(lw_shape_sphere(&m, 3, 96, 48), LW_OK);
    lw_mesh one;
    assert_int_equal(lw_mesh_copy(&one, &m), LW_OK);
    assert_int_equal(lw_mesh_append(&m, &one, 1), LW_OK);
    lw_mesh_translate(&m, 0, 0, 3);
    double rz[2 * 49];
    for (int i = 0; i <= 48; i++) {
        double phi = M_PI * i / 48;
        rz[2 * i] = (i == 0 || i == 48) ? 0 : 3 * sin(phi);
        rz[2 * i + 1] = -3 * cos(phi);
    }
    check(&m, lw_revolve_volume(rz, 49, 96), 0.005, "sphere twice");
    lw_mesh_clear(&m);
    lw_mesh_clear(&one);
}

static void test_bad_input(void **state)
{
    (void)state;
    lw_mesh m;
    lw_mesh_init(&m);
    lw_union_volume u;
    lw_err e;
    lw_err_clear(&e);
    assert_int_equal(lw_union_volume_measure(&m, 0.02, 0.01, NULL, &u, &e), LW_EINVAL);
    add_box(&m, 0, 0, 0, 1, 1, 1);
    lw_err_clear(&e);
    assert_int_equal(lw_union_volume_measure(&m, 0, 0.01, NULL, &u, &e), LW_EINVAL);
    lw_mesh_clear(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_overlapping_boxes),
        cmocka_unit_test(test_single_torus_is_its_volume),
        cmocka_unit_test(test_duplicated_sphere_counts_once),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
