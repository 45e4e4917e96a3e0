/* PrusaSlicer opens what lw_3mf_write writes.
 *
 * Two analytic parts (a torus ring and a washer beside it) are written as one 3MF and handed to
 * `prusa-slicer --info`, which loads the package with its own reader and prints one section per
 * object:
 *     [file.3mf]
 *     ...
 *     number_of_facets = 4608
 *     ...
 *     volume = 289.461792
 * Each object must come back with our facet count and with the volume of the faceted solid that
 * lw_revolve_volume gives in closed form (PrusaSlicer stores floats: 1e-4 relative is ample).
 * Skipped (77) where prusa-slicer is not installed.
 */
#include "lwtest.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/file.h"
#include "geom/mesh.h"
#include "geom/shapes.h"
#include "geom/threemf.h"

#define RING_R 9.5
#define RING_TUBE 1.25
#define RING_SEG 96
#define RING_PROF 24
#define WASHER_SEG 64

/* The torus profile lw_shape_torus revolves: a regular nprof-gon of radius r around (R, 0). */
static void torus_profile(double *rz)
{
    for (int i = 0; i < RING_PROF; i++) {
        double a = 2 * M_PI * i / RING_PROF;
        rz[2 * i] = RING_R + RING_TUBE * cos(a);
        rz[2 * i + 1] = RING_TUBE * sin(a);
    }
}

static const double k_washer[8] = {2, 0, 3, 0, 3, 4, 2, 4}; /* r 2..3 mm, 4 mm tall */

typedef struct section {
    long facets;
    double volume;
} section;

/* Reads prusa-slicer's report: a "[name]" line opens each object's section. */
static int run_info(const char *path, section *out, int max)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "LC_ALL=C prusa-slicer --info '%s' 2>/dev/null", path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[512];
    int n = -1;
    while (fgets(line, sizeof line, p)) {
        if (line[0] == '[' && strstr(line, ".3mf]")) {
            n++;
            if (n < max) {
                out[n].facets = -1;
                out[n].volume = NAN;
            }
            continue;
        }
        if (n < 0 || n >= max)
            continue;
        long f;
        double v;
        if (sscanf(line, "number_of_facets = %ld", &f) == 1)
            out[n].facets = f;
        else if (sscanf(line, "volume = %lf", &v) == 1)
            out[n].volume = v;
    }
    int status = pclose(p);
    if (status != 0)
        fail_msg("prusa-slicer --info %s exited with status %d", path, status);
    return n + 1;
}

static void test_prusaslicer_reads_our_3mf(void **state)
{
    (void)state;
    if (system("command -v prusa-slicer >/dev/null 2>&1") != 0) {
        fprintf(stderr, "SKIP: prusa-slicer is not installed\n");
        exit(77);
    }
    lw_mesh m, washer;
    lw_mesh_init(&m);
    lw_mesh_init(&washer);
    assert_int_equal(lw_shape_torus(&m, RING_R, RING_TUBE, RING_SEG, RING_PROF), LW_OK);
    uint32_t ring_facets = m.nt;
    assert_int_equal(lw_shape_revolve(&washer, k_washer, 4, WASHER_SEG, 0), LW_OK);
    lw_mesh_translate(&washer, 30, 0, 0);
    assert_int_equal(lw_mesh_append(&m, &washer, 1), LW_OK);
    uint32_t washer_facets = washer.nt;
    lw_mesh_clear(&washer);

    lw_buf out;
    lw_buf_init(&out, 0);
    lw_err err;
    lw_err_clear(&err);
    const char *names[] = {"ring", "washer"};
    assert_int_equal(lw_3mf_write(&m, names, 2, &out, &err), LW_OK);
    char path[4096];
    snprintf(path, sizeof path, "%s", lwt_tmp("prusaslicer_two_parts.3mf"));
    if (lw_file_write_atomic(path, out.data, out.len, &err))
        fail_msg("%s", err.msg);
    lw_buf_clear(&out);
    lw_mesh_clear(&m);

    section s[4];
    int n = run_info(path, s, 4);
    assert_int_equal(n, 2);
    double rz[2 * RING_PROF];
    torus_profile(rz);
    double want_ring = lw_revolve_volume(rz, RING_PROF, RING_SEG);
    double want_washer = lw_revolve_volume(k_washer, 4, WASHER_SEG);
    print_message("prusa-slicer: ring %ld facets, %.6f mm3 (analytic %.6f); washer %ld facets, "
                  "%.6f mm3 (analytic %.6f)\n",
                  s[0].facets, s[0].volume, want_ring, s[1].facets, s[1].volume, want_washer);
    assert_int_equal(s[0].facets, ring_facets);
    assert_int_equal(s[1].facets, washer_facets);
    assert_true(lwt_rel(s[0].volume, want_ring) < 1e-4);
    assert_true(lwt_rel(s[1].volume, want_washer) < 1e-4);
    remove(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prusaslicer_reads_our_3mf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
