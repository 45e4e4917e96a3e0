/* The print job end to end: analytic shapes placed on a screen, sliced, drawn and written in
 * each format, then read back: every layer's lit area equals the exact cross-section within the
 * bound anti-aliasing allows, the pieces' spans of layers are right, a piece floating above the
 * plate is an island exactly at its first layer, and the bytes do not depend on the threads. */
#include "lwtest.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/pool.h"
#include "base/sink.h"
#include "geom/shapes.h"
#include "print/estimate.h"
#include "print/job.h"
#include "print/printer.h"
#include "print/printfile.h"

/* A small unmirrored screen so the test is quick: 600 x 400 px of 0.1 mm, 0.1 mm layers. */
static const char k_profile[] =
    "name = test screen\n"
    "display_pixels_x = 600\n"
    "display_pixels_y = 400\n"
    "display_width = 60\n"
    "display_height = 40\n"
    "max_z = 50\n"
    "formats = sl1, ctb, goo\n"
    "layer_heights = 0.1\n"
    "layer_height = 0.1\n"
    "bottom_layers = 2\n"
    "exposure = 3\n"
    "bottom_exposure = 20\n"
    "lift_height = 5\n"
    "lift_speed = 60\n"
    "retract_speed = 150\n"
    "aa_levels = 1, 2, 4, 8, 16\n"
    "aa_default = 16\n";

#define NSEG 64
#define R 4.0

typedef struct fixture {
    lw_printer pr;
    lw_print_settings s;
    lw_mesh cyl, sph, cube;
} fixture;

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

static int setup(void **state)
{
    static fixture fx;
    lw_err e;
    lw_err_clear(&e);
    if (lw_printer_parse(k_profile, strlen(k_profile), "test.ini", &fx.pr, &e) ||
        lw_print_settings_make(&fx.pr, NULL, NULL, &fx.s, &e))
        return -1;
    lw_mesh_init(&fx.cyl);
    lw_mesh_init(&fx.sph);
    lw_mesh_init(&fx.cube);
    /* A cylinder 3.05 mm tall (31 layers: its top reaches past half of the 31st), a sphere
     * 2.04 mm across... and a cube floating from 2.0 to 3.0 mm. */
    if (lw_shape_cylinder(&fx.cyl, R, 3.05, NSEG) || lw_shape_sphere(&fx.sph, 2.02, NSEG, 32))
        return -1;
    lw_mesh_translate(&fx.cyl, 10, 10, 0);
    lw_mesh_translate(&fx.sph, 30, 20, 2.02);
    add_box(&fx.cube, 45, 25, 2.0, 50, 30, 3.0);
    *state = &fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    lw_mesh_clear(&fx->cyl);
    lw_mesh_clear(&fx->sph);
    lw_mesh_clear(&fx->cube);
    return 0;
}

/* The exact section area at z: the cylinder's n-gon, the sphere's n-gon between its vertex
 * rings (radius linear in z between them), the cube's square. Also the length of the outline,
 * for the anti-aliasing bound. */
static double exact_area(double z, double *outline)
{
    double a = 0, len = 0, k = NSEG / 2.0 * sin(2 * M_PI / NSEG), side = 2 * sin(M_PI / NSEG);
    if (z < 3.05) {
        a += k * R * R;
        len += NSEG * side * R;
    }
    double zc = z - 2.02; /* the sphere: rings at -r cos(pi i / 32) */
    if (fabs(zc) < 2.02) {
        int i = 0;
        while (i < 32 && -2.02 * cos(M_PI * (i + 1) / 32) <= zc)
            i++;
        double z0 = -2.02 * cos(M_PI * i / 32), z1 = -2.02 * cos(M_PI * (i + 1) / 32);
        double r0 = 2.02 * sin(M_PI * i / 32), r1 = 2.02 * sin(M_PI * (i + 1) / 32);
        double r = r0 + (r1 - r0) * (zc - z0) / (z1 - z0);
        a += k * r * r;
        len += NSEG * side * r;
    }
    if (z > 2.0 && z < 3.0) {
        a += 25;
        len += 20;
    }
    *outline = len;
    return a;
}

static void run_job(fixture *fx, lw_print_format fmt, unsigned threads, lw_buf *out,
                    lw_job_result *res)
{
    const lw_mesh *parts[3] = {&fx->cyl, &fx->sph, &fx->cube};
    lw_job job = {.printer = &fx->pr, .settings = &fx->s, .format = fmt, .aa_level = 16,
                  .job_name = "test", .created_unix = 1700000000, .parts = parts, .nparts = 3};
    lw_pool *pool;
    lw_err e;
    lw_err_clear(&e);
    assert_int_equal(lw_pool_new(threads, &pool, &e), LW_OK);
    lw_sink sink;
    lw_sink_open_buf(&sink, out);
    if (lw_job_run(&job, pool, &sink, res, &e))
        fail_msg("job: %s", e.msg);
    assert_int_equal(lw_sink_commit(&sink, &e), LW_OK);
    lw_pool_free(pool);
}

static void check_format(fixture *fx, lw_print_format fmt)
{
    lw_buf out;
    lw_buf_init(&out, 0);
    lw_job_result res;
    run_job(fx, fmt, 2, &out, &res);
    /* The tallest piece is the sphere, 4.04 mm: 40.4 layers, the 41st's middle above it. */
    assert_int_equal(res.layers, 40);
    assert_int_equal(res.spans[0].first, 0); /* cylinder 0 .. 3.05: layers 0 to 30 */
    assert_int_equal(res.spans[0].last, 30);
    assert_int_equal(res.spans[2].first, 20); /* cube 2.0 .. 3.0: layers 20 to 29 */
    assert_int_equal(res.spans[2].last, 29);
    /* The floating cube is the only island, at its first layer. */
    assert_int_equal(res.islands_total, 1);
    assert_int_equal(res.islands[20], 1);

    lw_print_limits lim;
    lw_print_limits_default(&lim);
    lw_print_file f;
    lw_err e;
    lw_err_clear(&e);
    if (lw_print_file_open(out.data, out.len, &lim, &f, &e))
        fail_msg("%s: %s", lw_print_format_name(fmt), e.msg);
    assert_int_equal(f.h.layer_count, 40);
    lw_layer_img img;
    lw_layer_img_init(&img, 600, 400);
    /* Per edge pixel, quantisation to 16 steps errs at most half a step (1/32 pixel); CTB keeps
     * 7 bits (another 1/255). The outline crosses about len/pitch x 4/pi... count |dx|+|dy|
     * generously as 1.5 len / pitch pixels. */
    double step = fmt == LW_PFMT_CTB ? 1.0 / 32 + 1.0 / 255 : 1.0 / 32;
    for (uint32_t i = 0; i < 40; i++) {
        assert_int_equal(lw_print_file_layer(&f, i, &img, &e), LW_OK);
        double len, exact = exact_area((i + 0.5) * 0.1, &len);
        double got = lw_layer_img_area(&img, 0.1, 0.1);
        double bound = (1.5 * len / 0.1 + 8) * step * 0.01;
        if (fabs(got - exact) > bound)
            fail_msg("%s layer %u: lit %.4f mm2, exact %.4f, more than %.4f apart",
                     lw_print_format_name(fmt), i, got, exact, bound);
        /* The job's own record of the area is what the file holds (CTB: before its 7 bits). */
        if (fmt != LW_PFMT_CTB)
            assert_true(fabs(res.area_mm2[i] - got) < 1e-9);
    }
    lw_layer_img_clear(&img);
    lw_print_file_clear(&f);
    lw_job_result_clear(&res);
    lw_buf_clear(&out);
}

static void test_sl1(void **state) { check_format(*state, LW_PFMT_SL1); }
static void test_ctb(void **state) { check_format(*state, LW_PFMT_CTB); }
static void test_goo(void **state) { check_format(*state, LW_PFMT_GOO); }

static void test_same_bytes_on_any_threads(void **state)
{
    fixture *fx = *state;
    lw_buf a, b;
    lw_buf_init(&a, 0);
    lw_buf_init(&b, 0);
    lw_job_result ra, rb;
    run_job(fx, LW_PFMT_GOO, 1, &a, &ra);
    run_job(fx, LW_PFMT_GOO, 3, &b, &rb);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    assert_memory_equal(ra.islands, rb.islands, ra.layers * sizeof *ra.islands);
    lw_job_result_clear(&ra);
    lw_job_result_clear(&rb);
    lw_buf_clear(&a);
    lw_buf_clear(&b);
}

static void test_refusals(void **state)
{
    fixture *fx = *state;
    lw_mesh off;
    lw_mesh_init(&off);
    add_box(&off, 55, 35, 0, 65, 45, 1); /* beyond the 60 x 40 mm screen */
    const lw_mesh *parts[1] = {&off};
    const char *names[1] = {"stray"};
    lw_job job = {.printer = &fx->pr, .settings = &fx->s, .format = LW_PFMT_GOO, .aa_level = 16,
                  .parts = parts, .names = names, .nparts = 1};
    lw_pool *pool;
    lw_err e;
    lw_err_clear(&e);
    assert_int_equal(lw_pool_new(1, &pool, &e), LW_OK);
    lw_buf out;
    lw_buf_init(&out, 0);
    lw_sink sink;
    lw_sink_open_buf(&sink, &out);
    lw_job_result res;
    assert_int_equal(lw_job_run(&job, pool, &sink, &res, &e), LW_EINVAL);
    assert_non_null(strstr(e.msg, "stray"));
    assert_non_null(strstr(e.msg, "outside"));
    job.nparts = 0;
    lw_err_clear(&e);
    assert_int_equal(lw_job_run(&job, pool, &sink, &res, &e), LW_EINVAL);
    lw_sink_abort(&sink);
    lw_buf_clear(&out);
    lw_pool_free(pool);
    lw_mesh_clear(&off);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sl1),
        cmocka_unit_test(test_ctb),
        cmocka_unit_test(test_goo),
        cmocka_unit_test(test_same_bytes_on_any_threads),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
