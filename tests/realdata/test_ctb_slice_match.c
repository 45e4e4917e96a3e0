/* lostwax against Chitubox on Chitubox's own file: pyramid.ctb (in ../shared/data) was sliced by
 * Chitubox from pyramid.stl; slicing that STL with the file's settings (screen, layer height,
 * the part centred on the plate as Chitubox placed it) must give the same layers, up to
 * anti-aliasing: a pixel may differ only where an outline crosses it.
 *
 * The comparison is of lit versus dark at half brightness (Chitubox's anti-aliasing levels map
 * coverage to grey in its own way, which the file does not record). Only an edge pixel, one the
 * outline passes through, can flip: inside and outside pixels are fully lit or dark in both. So
 * the differing pixels of a layer are at most the pixels the outline crosses (for each segment
 * |dx| / pitch_x + |dy| / pitch_y, plus its ends); the test asserts no more than that on every
 * layer, and over all layers fewer than a tenth of it: a pixel flips only when the two programs'
 * edges straddle its half-covered point, which takes them apart by a good part of a pixel.
 * Measured: 428 of 21,590 edge pixels (2 %) over the 50 layers. */
#include "lwtest.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/file.h"
#include "print/contour.h"
#include "print/layer.h"
#include "print/printfile.h"
#include "print/raster.h"
#include "print/slice.h"

/* Lit/dark at half brightness, compared pixel by pixel: how many differ. */
static uint64_t binary_diff(const lw_layer_img *a, const lw_layer_img *b)
{
    uint8_t *ra = lw_malloc(a->width), *rb = lw_malloc(a->width);
    assert_non_null(ra);
    assert_non_null(rb);
    uint64_t d = 0;
    size_t ca = 0, cb = 0;
    for (uint32_t y = 0; y < a->height; y++) {
        lw_layer_img_row(a, y, ra, &ca);
        lw_layer_img_row(b, y, rb, &cb);
        for (uint32_t x = 0; x < a->width; x++)
            d += (ra[x] >= 128) != (rb[x] >= 128);
    }
    lw_free(ra);
    lw_free(rb);
    return d;
}

static void test_pyramid_matches_chitubox(void **state)
{
    (void)state;
    char ctb_path[4096];
    snprintf(ctb_path, sizeof ctb_path, "%s", lwt_shared("printer-files/mit-mariner/pyramid.ctb"));
    lw_import stl;
    lwt_load(lwt_shared("printer-files/mit-mariner/pyramid.stl"), &stl);

    lw_err e;
    lw_err_clear(&e);
    lw_print_limits lim;
    lw_print_limits_default(&lim);
    lw_file_view view;
    lw_print_file f;
    assert_int_equal(lw_file_view_open(ctb_path, lim.max_file_bytes, &view, &e), LW_OK);
    assert_int_equal(lw_print_file_open(view.data, view.len, &lim, &f, &e), LW_OK);
    const lw_print_header *h = &f.h;

    /* Centre the pyramid on the plate, base on it. */
    lw_bbox b = lw_mesh_bbox(&stl.mesh);
    lw_mesh_translate(&stl.mesh, h->display_w / 2 - (b.min[0] + b.max[0]) / 2,
                      h->display_h / 2 - (b.min[1] + b.max[1]) / 2, -b.min[2]);
    double *z = lw_malloc(h->layer_count * sizeof *z);
    assert_non_null(z);
    for (uint32_t i = 0; i < h->layer_count; i++)
        z[i] = (i + 0.5) * h->layer_height;
    lw_slicer *s;
    assert_int_equal(lw_slicer_new(&stl.mesh, z, h->layer_count, &s, &e), LW_OK);
    lw_pixel_grid g = {h->res_x, h->res_y, h->display_w / h->res_x, h->display_h / h->res_y,
                       h->mirror_x, h->mirror_y};
    lw_rasterizer *r;
    assert_int_equal(lw_rasterizer_new(&g, &r, &e), LW_OK);
    lw_contours c;
    lw_contours_init(&c);
    lw_layer_img mine, theirs;
    lw_layer_img_init(&mine, h->res_x, h->res_y);
    lw_layer_img_init(&theirs, h->res_x, h->res_y);
    uint64_t total_diff = 0, total_edge = 0;
    for (uint32_t i = 0; i < h->layer_count; i++) {
        lw_contours_reset(&c);
        assert_int_equal(lw_slicer_layer(s, i, &c, NULL, &e), LW_OK);
        assert_int_equal(lw_rasterize(r, &c, 16, &mine, &e), LW_OK);
        assert_int_equal(lw_print_file_layer(&f, i, &theirs, &e), LW_OK);
        /* The pixels the outline can cross: a segment enters a new pixel at every column and
         * every row line it crosses, |dx| / pitch_x + |dy| / pitch_y of them, plus its first. */
        double crossings = 0;
        for (uint32_t k = 0; k < c.ncontours; k++)
            for (uint32_t p = c.start[k]; p < c.start[k + 1]; p++) {
                uint32_t q = p + 1 < c.start[k + 1] ? p + 1 : c.start[k];
                crossings += fabs(c.xy[2 * q] - c.xy[2 * p]) / g.pitch_x +
                             fabs(c.xy[2 * q + 1] - c.xy[2 * p + 1]) / g.pitch_y;
            }
        uint64_t edge = (uint64_t)ceil(crossings) + 2 * c.npoints;
        uint64_t d = binary_diff(&mine, &theirs);
        if (d > edge)
            fail_msg("layer %u: %llu pixels differ, more than the %llu an outline can cross", i,
                     (unsigned long long)d, (unsigned long long)edge);
        total_diff += d;
        total_edge += edge;
    }
    fprintf(stderr, "pyramid: %u layers, %llu pixels differ of %llu edge pixels (%.1f %%)\n",
            h->layer_count, (unsigned long long)total_diff, (unsigned long long)total_edge,
            100.0 * (double)total_diff / (double)total_edge);
    assert_true(total_diff * 10 < total_edge);
    lw_layer_img_clear(&mine);
    lw_layer_img_clear(&theirs);
    lw_contours_clear(&c);
    lw_rasterizer_free(r);
    lw_slicer_free(s);
    lw_free(z);
    lw_print_file_clear(&f);
    lw_file_view_close(&view);
    lw_import_clear(&stl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pyramid_matches_chitubox),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
