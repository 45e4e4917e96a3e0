/* The CTB reader on real Chitubox files from ../shared/data (skipped when absent): two CTB v3
 * files from the mariner project, both with the layer XOR switched on. The figures checked come
 * from outside lostwax: the data README, mariner's own tests of stairs.ctb (printer name, print
 * time, where each layer's data ends), and pyramid.stl's geometry (a square pyramid with a
 * 10 mm diagonal base, 2.5 mm high, 41.67 mm³). */
#include "lwtest.h"

#include <math.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/file.h"
#include "base/sink.h"
#include "print/printfile.h"

typedef struct loaded {
    uint8_t *data;
    size_t len;
    lw_print_file f;
} loaded;

static void load(const char *rel, loaded *l)
{
    const char *path = lwt_shared(rel);
    lw_err e;
    lw_err_clear(&e);
    if (lw_file_read(path, (size_t)1 << 26, &l->data, &l->len, &e))
        fail_msg("%s: %s", rel, e.msg);
    lw_print_limits lim;
    lw_print_limits_default(&lim);
    if (lw_print_file_open(l->data, l->len, &lim, &l->f, &e))
        fail_msg("%s: %s", rel, e.msg);
}

static void unload(loaded *l)
{
    lw_print_file_clear(&l->f);
    lw_free(l->data);
}

/* The README's figures: CTB v3, 1440 x 2560 px, bed 68.04 x 120.96 x 150 mm, 0.05 mm layers. */
static void assert_mars_screen(const lw_print_header *h, uint32_t layers)
{
    assert_int_equal(h->format, LW_PFMT_CTB);
    assert_int_equal(h->version, 3);
    assert_int_equal(h->res_x, 1440);
    assert_int_equal(h->res_y, 2560);
    assert_int_equal(h->layer_count, layers);
    assert_float_equal(h->display_w, 68.04, 1e-5);
    assert_float_equal(h->display_h, 120.96, 1e-5);
    assert_float_equal(h->machine_z, 150.0, 1e-9);
    assert_float_equal(h->layer_height, 0.05, 1e-7);
}

/* Decodes every layer; the decoder itself refuses any layer that is not exactly 1440 x 2560
 * pixels, so a pass means every layer filled the screen. Returns the lit areas, mm². */
static double *decode_all(const lw_print_file *f)
{
    double *area = lw_calloc(f->h.layer_count, sizeof *area);
    assert_non_null(area);
    lw_layer_img img;
    lw_layer_img_init(&img, 0, 0);
    double pitch_x = f->h.display_w / f->h.res_x, pitch_y = f->h.display_h / f->h.res_y;
    for (uint32_t i = 0; i < f->h.layer_count; i++) {
        lw_err e;
        lw_err_clear(&e);
        if (lw_print_file_layer(f, i, &img, &e))
            fail_msg("layer %u: %s", i, e.msg);
        assert_int_equal(img.width, 1440);
        assert_int_equal(img.height, 2560);
        uint64_t lit = 0;
        for (size_t k = 0; k < img.nruns; k++) {
            const lw_run *r = &img.runs[k];
            assert_true(r->x + r->len <= 1440 && r->y < 2560);
            /* 7-bit grey stored: every level read back is odd (v << 1 | 1). */
            assert_true(r->level & 1);
            lit += (uint64_t)r->len * r->level;
        }
        assert_true(lit == img.lit);
        area[i] = lw_layer_img_area(&img, pitch_x, pitch_y);
    }
    lw_layer_img_clear(&img);
    return area;
}

static void test_pyramid(void **state)
{
    (void)state;
    loaded l;
    load("printer-files/mit-mariner/pyramid.ctb", &l);
    const lw_print_header *h = &l.f.h;
    assert_mars_screen(h, 50);
    assert_non_null(h->preview_large.rgba);
    assert_int_equal(h->preview_large.width, 400);
    assert_int_equal(h->preview_large.height, 300);
    assert_int_equal(h->preview_small.width, 200);
    assert_int_equal(h->preview_small.height, 125);
    assert_true(l.f.xor_seed != 0); /* the layers are XOR-ed: decoding proves the key schedule */
    /* The resin Chitubox states is the model's volume: 41.67 mm³ by the STL. */
    assert_float_equal(h->volume_ml * 1000.0, 41.67, 0.1);
    assert_float_equal(l.f.layers[49].z, 2.5, 1e-6);
    for (uint32_t i = 0; i < 50; i++)
        assert_float_equal(l.f.layers[i].z, 0.05 * (i + 1), 1e-6);

    double *area = decode_all(&l.f);
    /* A square pyramid's cross-section at height t is 50 (1 - t / 2.5)² mm². Layer k (top at
     * z_k = 0.05 (k + 1)) is the section somewhere in [z_k - 0.05, z_k]; rasterising moves the
     * edge by under a pixel, so the area is off by less than perimeter x pitch. */
    double pitch = h->display_w / h->res_x, vol = 0;
    for (uint32_t k = 0; k < 50; k++) {
        double top = 0.05 * (k + 1), bottom = top - 0.05;
        double lo = 50 * pow(1 - top / 2.5, 2), hi = 50 * pow(1 - bottom / 2.5, 2);
        double perimeter = 4 * sqrt(hi);
        if (area[k] < lo - perimeter * pitch || area[k] > hi + perimeter * pitch)
            fail_msg("layer %u: %.3f mm² outside [%.3f, %.3f] +- %.3f", k, area[k], lo, hi,
                     perimeter * pitch);
        if (k > 0 && !(area[k] < area[k - 1] || area[k] == 0))
            fail_msg("layer %u: %.3f mm², not less than the %.3f below", k, area[k],
                     area[k - 1]);
        vol += area[k] * 0.05;
    }
    /* Layer 0: the 50 mm² base. */
    assert_true(area[0] > 46.0 && area[0] < 51.4);
    /* Summed up, the layers hold the pyramid's 41.67 mm³. The sections above only bound the sum
     * to +-1.25 mm³; sampled mid-layer (as Chitubox does) the sum is within 0.01 mm³ of the
     * solid's, and pixel errors along straight edges cancel, so 1 % is asked. */
    assert_float_equal(vol, 41.67, 0.42);
    lw_free(area);
    unload(&l);
}

static void test_stairs(void **state)
{
    (void)state;
    loaded l;
    load("printer-files/mit-mariner/stairs.ctb", &l);
    const lw_print_header *h = &l.f.h;
    assert_mars_screen(h, 400);
    /* mariner's test_ctb.py: printer, print time, height, preview size, where layers end. */
    assert_string_equal(h->machine, "ELEGOO MARS Pro");
    assert_float_equal(h->print_time_s, 5621, 0);
    assert_float_equal(l.f.layers[399].z, 20.0, 1e-6);
    assert_int_equal(h->preview_large.width, 400);
    assert_int_equal(h->preview_large.height, 300);
    static const uint64_t first[5] = {26272, 28057, 29842, 31627, 33412};
    static const uint64_t last[5] = {822027, 824704, 827383, 830061, 832745};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(l.f.layer_off[i] + l.f.layer_len[i], first[i]);
        assert_int_equal(l.f.layer_off[395 + i] + l.f.layer_len[395 + i], last[i]);
    }
    double *area = decode_all(&l.f);
    /* Stairs: every layer has something lit. */
    for (uint32_t i = 0; i < 400; i++)
        assert_true(area[i] > 0);
    lw_free(area);
    unload(&l);
}

/* Reading a real file and writing it again as CTB v4 and GOO gives the same pixels (7-bit
 * levels survive both) and the same settings. */
static void test_rewrite(void **state)
{
    (void)state;
    loaded l;
    load("printer-files/mit-mariner/pyramid.ctb", &l);
    lw_print_format fmts[2] = {LW_PFMT_CTB, LW_PFMT_GOO};
    for (int t = 0; t < 2; t++) {
        lw_print_header h = l.f.h;
        h.format = fmts[t];
        h.version = t == 0 ? 4 : 3;
        memset(&h.preview_large, 0, sizeof h.preview_large);
        memset(&h.preview_small, 0, sizeof h.preview_small);
        lw_buf out;
        lw_buf_init(&out, 0);
        lw_sink sink;
        lw_sink_open_buf(&sink, &out);
        lw_print_writer *w;
        lw_err e;
        lw_err_clear(&e);
        if (lw_print_writer_open(&h, &sink, &w, &e))
            fail_msg("%s", e.msg);
        lw_layer_img img;
        lw_layer_img_init(&img, 0, 0);
        for (uint32_t i = 0; i < h.layer_count; i++) {
            assert_int_equal(lw_print_file_layer(&l.f, i, &img, &e), LW_OK);
            if (lw_print_writer_layer(w, i, &l.f.layers[i], &img, &e))
                fail_msg("%s", e.msg);
        }
        assert_int_equal(lw_print_writer_finish(w, &e), LW_OK);
        lw_print_writer_free(w);
        lw_print_limits lim;
        lw_print_limits_default(&lim);
        lw_print_file g;
        if (lw_print_file_open(out.data, out.len, &lim, &g, &e))
            fail_msg("%s", e.msg);
        assert_int_equal(g.h.layer_count, 50);
        lw_layer_img back;
        lw_layer_img_init(&back, 0, 0);
        for (uint32_t i = 0; i < h.layer_count; i++) {
            assert_int_equal(lw_print_file_layer(&l.f, i, &img, &e), LW_OK);
            assert_int_equal(lw_print_file_layer(&g, i, &back, &e), LW_OK);
            uint64_t differ, beyond;
            lw_layer_img_diff(&img, &back, 0, &differ, &beyond);
            assert_int_equal(differ, 0);
            assert_float_equal(g.layers[i].z, l.f.layers[i].z, 0);
            assert_float_equal(g.layers[i].exposure_s, l.f.layers[i].exposure_s, 0);
        }
        lw_layer_img_clear(&back);
        lw_layer_img_clear(&img);
        lw_print_file_clear(&g);
        lw_buf_clear(&out);
    }
    unload(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pyramid),
        cmocka_unit_test(test_stairs),
        cmocka_unit_test(test_rewrite),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
