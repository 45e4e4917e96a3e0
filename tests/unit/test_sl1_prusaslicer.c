/* lostwax reads the SL1 files PrusaSlicer writes, and PrusaSlicer takes the settings lostwax
 * writes.
 *
 * A cylinder (lw_shape_cylinder, r 4 mm, 1.2 mm tall, 128 sides) is written as a binary STL and
 * sliced by `prusa-slicer --export-sla` on a small screen described by a profile made here
 * (800 x 600 px over 40 x 30 mm, 0.05 mm layers, no supports or pad, so it runs in about a
 * second). Our reader must find the profile's settings in the file (layer count 1.2 / 0.05 = 24,
 * exposures, fade, screen) and PrusaSlicer's own printTime by its 2.5 formula (printing.md 2.3),
 * decode every layer, measure the middle layer's lit area as the 128-gon's area within 1 % and
 * the pixels' volume as PrusaSlicer's usedMaterial within 1 %.
 * Then the file goes through our writer, and the prusaslicer.ini we wrote is handed back to
 * PrusaSlicer with --load: it must slice the same cylinder into the same 24 layers on the same
 * screen. Skipped (77) where prusa-slicer is not installed.
 */
#include "lwtest.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/file.h"
#include "base/sink.h"
#include "geom/mesh.h"
#include "geom/shapes.h"
#include "geom/stl.h"
#include "print/printfile.h"

#define CYL_R 4.0
#define CYL_H 1.2
#define CYL_SEG 128
#define LAYERS 24

static const char k_profile[] =
    "printer_technology = SLA\n"
    "display_width = 40\n"
    "display_height = 30\n"
    "display_pixels_x = 800\n"
    "display_pixels_y = 600\n"
    "display_orientation = landscape\n"
    "display_mirror_x = 0\n"
    "display_mirror_y = 0\n"
    "bed_shape = 0x0,40x0,40x30,0x30\n"
    "max_print_height = 100\n"
    "gamma_correction = 1\n"
    "fast_tilt_time = 5\n"
    "slow_tilt_time = 8\n"
    "area_fill = 50\n"
    "layer_height = 0.05\n"
    "faded_layers = 4\n"
    "initial_layer_height = 0.05\n"
    "exposure_time = 2.5\n"
    "initial_exposure_time = 25\n"
    "material_density = 1.1\n"
    "supports_enable = 0\n"
    "pad_enable = 0\n";

static void write_file(const char *path, const void *data, size_t n)
{
    lw_err err;
    if (lw_file_write_atomic(path, data, n, &err))
        fail_msg("%s: %s", path, err.msg);
}

static void slice(const char *ini, const char *stl, const char *out)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "LC_ALL=C prusa-slicer --loglevel 1 --load '%s' --export-sla -o '%s' '%s' "
             ">/dev/null 2>&1", ini, out, stl);
    int status = system(cmd);
    if (status != 0)
        fail_msg("prusa-slicer failed (status %d): %s", status, cmd);
}

/* Opens an SL1 file with our reader; the bytes stay in *data until the caller frees them. */
static void open_sl1(const char *path, uint8_t **data, lw_print_file *f)
{
    lw_err err;
    size_t len;
    if (lw_file_read(path, (size_t)1 << 30, data, &len, &err))
        fail_msg("%s: %s", path, err.msg);
    lw_print_limits lim;
    lw_print_limits_default(&lim);
    if (lw_print_file_open(*data, len, &lim, f, &err))
        fail_msg("%s: %s", path, err.msg);
}

static void check_profile(const lw_print_file *f)
{
    const lw_print_header *h = &f->h;
    assert_int_equal(h->format, LW_PFMT_SL1);
    assert_int_equal(h->res_x, 800);
    assert_int_equal(h->res_y, 600);
    assert_true(h->display_w == 40 && h->display_h == 30);
    assert_true(h->layer_height == 0.05);
    assert_int_equal(h->layer_count, LAYERS);
    assert_true(h->exposure_s == 2.5 && h->bottom_exposure_s == 25);
    assert_int_equal(h->transition_layers, 4);
    assert_true(h->machine_z == 100);
}

static void test_read_prusaslicer_sl1(void **state)
{
    (void)state;
    if (system("command -v prusa-slicer >/dev/null 2>&1") != 0) {
        fprintf(stderr, "SKIP: prusa-slicer is not installed\n");
        exit(77);
    }
    char stl[4096], ini[4096], sl1[4096], ours[4096], ours_ini[4096], again[4096];
    snprintf(stl, sizeof stl, "%s", lwt_tmp("sl1ps_cylinder.stl"));
    snprintf(ini, sizeof ini, "%s", lwt_tmp("sl1ps_profile.ini"));
    snprintf(sl1, sizeof sl1, "%s", lwt_tmp("sl1ps_cylinder.sl1"));
    snprintf(ours, sizeof ours, "%s", lwt_tmp("sl1ps_ours.sl1"));
    snprintf(ours_ini, sizeof ours_ini, "%s", lwt_tmp("sl1ps_ours.ini"));
    snprintf(again, sizeof again, "%s", lwt_tmp("sl1ps_again.sl1"));

    lw_mesh m;
    lw_mesh_init(&m);
    assert_int_equal(lw_shape_cylinder(&m, CYL_R, CYL_H, CYL_SEG), LW_OK);
    lw_buf b;
    lw_buf_init(&b, 0);
    lw_err err;
    assert_int_equal(lw_stl_write_binary(&m, "lostwax sl1 test cylinder", &b, &err), LW_OK);
    write_file(stl, b.data, b.len);
    lw_buf_clear(&b);
    lw_mesh_clear(&m);
    write_file(ini, k_profile, sizeof k_profile - 1);
    slice(ini, stl, sl1);

    uint8_t *data;
    lw_print_file f;
    open_sl1(sl1, &data, &f);
    check_profile(&f);
    assert_int_equal(f.h.bottom_layers, 3);
    assert_int_equal(f.h.aa_level, 16);
    /* PrusaSlicer 2.5's estimate: exposures (3 at 25, 4 fading by 22.5 / 5, then 2.5), a fast
     * tilt of 5 s and 5 s per mm of tower each layer. */
    double want = 3 * 25 + (20.5 + 16 + 11.5 + 7) + (LAYERS - 7) * 2.5 + LAYERS * (5 + 5 * 0.05);
    print_message("PrusaSlicer printTime %.6f s, formula %.6f s\n", f.h.print_time_s, want);
    assert_true(fabs(f.h.print_time_s - want) < 1e-3);
    static const double fade[7] = {25, 25, 25, 20.5, 16, 11.5, 7};
    double area_poly = 0.5 * CYL_SEG * CYL_R * CYL_R * sin(2 * M_PI / CYL_SEG);
    double pitch = 40.0 / 800;
    lw_layer_img img;
    lw_layer_img_init(&img, 0, 0);
    double volume = 0;
    for (uint32_t i = 0; i < LAYERS; i++) {
        assert_true(fabs(f.layers[i].exposure_s - (i < 7 ? fade[i] : 2.5)) < 1e-9);
        assert_true(fabs(f.layers[i].z - (i + 1) * 0.05) < 1e-9);
        if (lw_print_file_layer(&f, i, &img, &err))
            fail_msg("layer %u: %s", i, err.msg);
        double area = lw_layer_img_area(&img, pitch, pitch);
        if (i == LAYERS / 2) {
            print_message("middle layer: %zu runs, lit area %.4f mm2, 128-gon %.4f mm2 "
                          "(%.3f %%)\n", img.nruns, area, area_poly,
                          100 * (area - area_poly) / area_poly);
            assert_true(fabs(area - area_poly) < 0.01 * area_poly);
        }
        assert_true(img.nruns > 0);
        volume += area * 0.05 / 1000;
    }
    /* The resin PrusaSlicer states is what its pixels add up to. */
    print_message("usedMaterial %.6f ml, from the pixels %.6f ml\n", f.h.volume_ml, volume);
    assert_true(fabs(volume - f.h.volume_ml) < 0.01 * f.h.volume_ml);

    /* Through our writer: the same layers come back, and PrusaSlicer loads our settings. */
    lw_sink sink;
    assert_int_equal(lw_sink_open_file(&sink, ours, &err), LW_OK);
    lw_print_writer *w;
    if (lw_print_writer_open(&f.h, &sink, &w, &err))
        fail_msg("%s", err.msg);
    for (uint32_t i = 0; i < LAYERS; i++) {
        assert_int_equal(lw_print_file_layer(&f, i, &img, &err), LW_OK);
        assert_int_equal(lw_print_writer_layer(w, i, &f.layers[i], &img, &err), LW_OK);
    }
    assert_int_equal(lw_print_writer_finish(w, &err), LW_OK);
    lw_print_writer_free(w);
    assert_int_equal(lw_sink_commit(&sink, &err), LW_OK);
    uint8_t *data2;
    lw_print_file g;
    open_sl1(ours, &data2, &g);
    check_profile(&g);
    assert_true(g.h.print_time_s == f.h.print_time_s);
    lw_layer_img img2;
    lw_layer_img_init(&img2, 0, 0);
    for (uint32_t i = 0; i < LAYERS; i++) {
        assert_int_equal(lw_print_file_layer(&f, i, &img, &err), LW_OK);
        assert_int_equal(lw_print_file_layer(&g, i, &img2, &err), LW_OK);
        uint64_t d, bd;
        lw_layer_img_diff(&img, &img2, 0, &d, &bd);
        assert_int_equal(d, 0);
    }
    lw_layer_img_clear(&img2);

    /* Our prusaslicer.ini, as PrusaSlicer's --load takes it. */
    zip_t *za = zip_open(ours, ZIP_RDONLY, NULL);
    assert_non_null(za);
    zip_stat_t st;
    assert_int_equal(zip_stat(za, "prusaslicer.ini", 0, &st), 0);
    char *text = lw_malloc(st.size + 1);
    assert_non_null(text);
    zip_file_t *zf = zip_fopen(za, "prusaslicer.ini", 0);
    assert_int_equal(zip_fread(zf, text, st.size), (zip_int64_t)st.size);
    zip_fclose(zf);
    zip_discard(za);
    write_file(ours_ini, text, st.size);
    lw_free(text);
    slice(ours_ini, stl, again);
    uint8_t *data3;
    lw_print_file k;
    open_sl1(again, &data3, &k);
    check_profile(&k);
    assert_int_equal(k.h.bottom_layers, 3);
    assert_int_equal(lw_print_file_layer(&k, LAYERS / 2, &img, &err), LW_OK);
    assert_true(fabs(lw_layer_img_area(&img, pitch, pitch) - area_poly) < 0.01 * area_poly);

    lw_layer_img_clear(&img);
    lw_print_file_clear(&f);
    lw_print_file_clear(&g);
    lw_print_file_clear(&k);
    lw_free(data);
    lw_free(data2);
    lw_free(data3);
    remove(stl);
    remove(ini);
    remove(sl1);
    remove(ours);
    remove(ours_ini);
    remove(again);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_prusaslicer_sl1),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
