/* Tests of the SL1 / SL1S back-end (src/print/fmt_sl1.c) through the print-file interface.
 *
 * A header and random anti-aliased layers go into an SL1 in a memory sink and come back through
 * lw_print_file_open: every setting and every pixel must survive. libzip and libspng, which we did
 * not write, also read the archive directly (names, methods, config.ini's exact text, a layer's
 * pixels). Archives in PrusaSlicer's shape are made here with libzip to pin the reading rules
 * (the first three layers and numFade, portrait screens, no prusaslicer.ini), and broken ones
 * (not a zip, missing or extra layers, wrong-size or corrupt PNGs, absurd sizes, a bomb) must fail
 * cleanly with the right code.
 */
#include "lwtest.h"

#include <libdeflate.h>
#include <math.h>
#include <spng.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/sink.h"
#include "print/layer.h"
#include "print/png.h"
#include "print/printfile.h"

static uint64_t g_rng = 0xDEADBEEFCAFEF00Dull;

static uint32_t rnd(void)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return (uint32_t)(g_rng >> 16);
}

static void random_layer(lw_layer_img *img, uint32_t w, uint32_t h)
{
    lw_layer_img_init(img, w, h);
    for (uint32_t y = 0; y < h; y++) {
        uint32_t x = rnd() % w;
        while (x < w) {
            uint32_t len = 1 + rnd() % 40;
            if (len > w - x)
                len = w - x;
            assert_int_equal(lw_layer_img_add(img, y, x, len, (uint8_t)(1 + rnd() % 255)), LW_OK);
            x += len + rnd() % 60;
        }
    }
}

static void make_header(lw_print_header *h, uint32_t w, uint32_t hh, uint32_t layers)
{
    memset(h, 0, sizeof *h);
    h->format = LW_PFMT_SL1;
    h->version = 1;
    h->res_x = w;
    h->res_y = hh;
    h->display_w = w * 0.022;
    h->display_h = hh * 0.022;
    h->machine_z = 170;
    h->mirror_x = true;
    h->layer_height = 0.03;
    h->layer_count = layers;
    h->bottom_layers = 4;
    h->transition_layers = 5;
    h->exposure_s = 3.5;
    h->bottom_exposure_s = 30;
    h->normal = (lw_motion){5, 80, 1.5, 200, 5.5, 150, 1, 60, 2.5, 1, 0.5, 0.25};
    h->bottom = (lw_motion){7, 60, 2, 100, 8, 120, 1, 30, 3, 3, 1, 0.75};
    h->pwm = 200;
    h->bottom_pwm = 255;
    h->aa_level = 8;
    h->print_time_s = 12345.5;
    h->volume_ml = 1.234567;
    h->weight_g = 1.358;
    h->cost = 0.62;
    snprintf(h->currency, sizeof h->currency, "EUR");
    snprintf(h->machine, sizeof h->machine, "Phrozen Sonic Mini 8K S");
    snprintf(h->material, sizeof h->material, "Castable Wax 40");
    snprintf(h->job_name, sizeof h->job_name, "ring_7-b");
    h->created_unix = 1718900000; /* 2024-06-20 16:13:20 UTC */
}

static void set_preview(lw_image *im, uint32_t w, uint32_t h)
{
    im->width = w;
    im->height = h;
    im->rgba = lw_malloc(4 * (size_t)w * h);
    assert_non_null(im->rgba);
    for (size_t i = 0; i < 4 * (size_t)w * h; i++)
        im->rgba[i] = (uint8_t)(i % 4 == 3 ? 255 : rnd());
}

/* Writes an SL1 of the header and layers into out. */
static lw_rc write_sl1(const lw_print_header *h, const lw_layer_img *layers, lw_buf *out,
                       lw_err *err)
{
    lw_sink sink;
    lw_sink_open_buf(&sink, out);
    lw_print_writer *w = NULL;
    lw_rc rc = lw_print_writer_open(h, &sink, &w, err);
    for (uint32_t i = 0; !rc && i < h->layer_count; i++) {
        lw_layer_settings s = {(i + 1) * h->layer_height, h->exposure_s, h->normal, h->pwm};
        rc = lw_print_writer_layer(w, i, &s, &layers[i], err);
    }
    if (!rc)
        rc = lw_print_writer_finish(w, err);
    if (!rc)
        rc = lw_sink_commit(&sink, err);
    else
        lw_sink_abort(&sink);
    lw_print_writer_free(w);
    return rc;
}

static void assert_motion_equal(const lw_motion *a, const lw_motion *b)
{
    assert_true(a->lift_mm == b->lift_mm && a->lift_speed == b->lift_speed);
    assert_true(a->lift2_mm == b->lift2_mm && a->lift2_speed == b->lift2_speed);
    assert_true(a->retract_mm == b->retract_mm && a->retract_speed == b->retract_speed);
    assert_true(a->retract2_mm == b->retract2_mm && a->retract2_speed == b->retract2_speed);
    assert_true(a->wait_before_cure_s == b->wait_before_cure_s);
    assert_true(a->wait_after_cure_s == b->wait_after_cure_s);
    assert_true(a->wait_after_lift_s == b->wait_after_lift_s);
    assert_true(a->light_off_s == b->light_off_s);
}

/* The exposure PrusaSlicer 2.5's rule gives layer i (see printing.md 2.3). */
static double want_exposure(const lw_print_header *h, uint32_t i)
{
    if (i < h->bottom_layers)
        return h->bottom_exposure_s;
    if (i < h->bottom_layers + h->transition_layers)
        return h->bottom_exposure_s - (i - h->bottom_layers + 1.0) *
                                          (h->bottom_exposure_s - h->exposure_s) /
                                          (h->transition_layers + 1.0);
    return h->exposure_s;
}

static char *entry_text(zip_t *za, const char *name)
{
    zip_stat_t st;
    assert_int_equal(zip_stat(za, name, 0, &st), 0);
    char *t = lw_malloc(st.size + 1);
    assert_non_null(t);
    zip_file_t *zf = zip_fopen(za, name, 0);
    assert_non_null(zf);
    assert_int_equal(zip_fread(zf, t, st.size), (zip_int64_t)st.size);
    zip_fclose(zf);
    t[st.size] = '\0';
    return t;
}

static void test_roundtrip(void **state)
{
    (void)state;
    enum { W = 333, H = 120, N = 14 };
    lw_print_header h;
    make_header(&h, W, H, N);
    set_preview(&h.preview_small, 40, 30);
    set_preview(&h.preview_large, 800, 480); /* random: a PNG over 1 MiB */
    lw_layer_img layers[N];
    for (int i = 0; i < N; i++)
        random_layer(&layers[i], W, H);
    lw_layer_img_clear(&layers[3]); /* a blank layer */
    lw_layer_img_init(&layers[3], W, H);
    lw_layer_img_reset(&layers[N - 2]);
    for (uint32_t y = 0; y < H; y++) /* and one lit over half the screen: a slow layer */
        assert_int_equal(lw_layer_img_add(&layers[N - 2], y, 0, W, 255), LW_OK);
    lw_buf buf;
    lw_buf_init(&buf, 0);
    lw_err err;
    lw_err_clear(&err);
    if (write_sl1(&h, layers, &buf, &err))
        fail_msg("%s", err.msg);

    lw_print_limits lim;
    lw_print_limits_default(&lim);
    lw_print_file f;
    if (lw_print_file_open(buf.data, buf.len, &lim, &f, &err))
        fail_msg("%s", err.msg);
    const lw_print_header *g = &f.h;
    assert_int_equal(g->format, LW_PFMT_SL1);
    assert_int_equal(g->version, 1);
    assert_int_equal(g->res_x, W);
    assert_int_equal(g->res_y, H);
    assert_true(g->display_w == h.display_w && g->display_h == h.display_h);
    assert_true(g->machine_z == 170);
    assert_true(g->mirror_x && !g->mirror_y);
    assert_true(g->layer_height == 0.03);
    assert_int_equal(g->layer_count, N);
    assert_int_equal(g->bottom_layers, 4);
    assert_int_equal(g->transition_layers, 5);
    assert_true(g->exposure_s == 3.5 && g->bottom_exposure_s == 30);
    assert_motion_equal(&g->normal, &h.normal);
    assert_motion_equal(&g->bottom, &h.bottom);
    assert_int_equal(g->pwm, 200);
    assert_int_equal(g->bottom_pwm, 255);
    assert_int_equal(g->aa_level, 8);
    assert_true(g->print_time_s == 12345.5);
    assert_true(g->volume_ml == 1.234567);
    assert_true(fabs(g->weight_g - 1.358) < 1e-9);
    assert_true(fabs(g->cost - 0.62) < 1e-9);
    assert_string_equal(g->currency, "EUR");
    assert_string_equal(g->machine, "Phrozen Sonic Mini 8K S");
    assert_string_equal(g->material, "Castable Wax 40");
    assert_string_equal(g->job_name, "ring_7-b");
    assert_int_equal(g->created_unix, 1718900000);
    /* thumbnails back, pixel for pixel */
    assert_int_equal(g->preview_small.width, 40);
    assert_int_equal(g->preview_large.height, 480);
    assert_memory_equal(g->preview_small.rgba, h.preview_small.rgba, 4 * 40 * 30);
    assert_memory_equal(g->preview_large.rgba, h.preview_large.rgba, 4 * 800 * 480);
    lw_layer_img back;
    lw_layer_img_init(&back, 0, 0);
    for (uint32_t i = 0; i < N; i++) {
        const lw_layer_settings *s = &f.layers[i];
        assert_true(fabs(s->z - (i + 1) * 0.03) < 1e-12);
        assert_true(fabs(s->exposure_s - want_exposure(&h, i)) < 1e-12);
        assert_int_equal(s->pwm, i < 4 ? 255 : 200);
        assert_motion_equal(&s->motion, i < 4 ? &h.bottom : &h.normal);
        if (lw_print_file_layer(&f, i, &back, &err))
            fail_msg("layer %u: %s", i, err.msg);
        uint64_t differ, beyond;
        lw_layer_img_diff(&layers[i], &back, 0, &differ, &beyond);
        assert_int_equal(differ, 0);
        assert_int_equal(back.lit, layers[i].lit);
    }
    lw_layer_img_clear(&back);

    /* libzip's view: entries, methods, config.ini word for word */
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(buf.data, buf.len, 0, &ze);
    zip_t *za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
    assert_non_null(za);
    assert_int_equal(zip_get_num_entries(za, 0), N + 4);
    zip_stat_t st;
    assert_int_equal(zip_stat(za, "ring_7-b00013.png", 0, &st), 0);
    assert_int_equal(st.comp_method, ZIP_CM_STORE);
    assert_int_equal(zip_stat(za, "thumbnail/thumbnail800x480.png", 0, &st), 0);
    assert_true(st.size > ((size_t)1 << 20));
    assert_int_equal(zip_stat(za, "config.ini", 0, &st), 0);
    assert_int_equal(st.comp_method, ZIP_CM_DEFLATE);
    char *cfg = entry_text(za, "config.ini");
    char want[1024];
    snprintf(want, sizeof want,
             "action = print\nexpTime = 3.5\nexpTimeFirst = 30\nexpUserProfile = 0\n"
             "fileCreationTimestamp = 2024-06-20 at 16:13:20 UTC\nhollow = 0\n"
             "jobDir = ring_7-b\nlayerHeight = 0.03\nmaterialName = Castable Wax 40\n"
             "numFade = 5\nnumFast = %d\nnumSlow = 1\nprintProfile = \n"
             "printTime = 12345.500000\nprinterModel = \n"
             "printerProfile = Phrozen Sonic Mini 8K S\nprinterVariant = default\n"
             "prusaSlicerVersion = lostwax-%s\nusedMaterial = 1.234567\n",
             N - 1, LW_VERSION);
    assert_string_equal(cfg, want);
    lw_free(cfg);
    char *ps = entry_text(za, "prusaslicer.ini");
    assert_non_null(strstr(ps, "\ndisplay_pixels_x = 333\ndisplay_pixels_y = 120\n"));
    assert_non_null(strstr(ps, "\ndisplay_width = 7.326\n"));
    assert_non_null(strstr(ps, "\nprinter_technology = SLA\n"));
    assert_non_null(strstr(ps, "printer_notes = LOSTWAX\\nBottomLayerCount_4\\n"));
    assert_non_null(strstr(ps, "\\nLiftHeight_5\\nLiftSpeed_80\\n"));
    lw_free(ps);
    /* libspng decodes a layer's PNG to the same pixels */
    zip_file_t *zf = zip_fopen(za, "ring_7-b00007.png", 0);
    assert_int_equal(zip_stat(za, "ring_7-b00007.png", 0, &st), 0);
    uint8_t *png = lw_malloc(st.size);
    assert_non_null(png);
    assert_int_equal(zip_fread(zf, png, st.size), (zip_int64_t)st.size);
    zip_fclose(zf);
    spng_ctx *ctx = spng_ctx_new(0);
    assert_int_equal(spng_set_png_buffer(ctx, png, st.size), 0);
    uint8_t *px = lw_malloc(W * H), *want_px = lw_malloc(W * H);
    assert_int_equal(spng_decode_image(ctx, px, W * H, SPNG_FMT_G8, 0), 0);
    spng_ctx_free(ctx);
    size_t cursor = 0;
    for (uint32_t y = 0; y < H; y++)
        lw_layer_img_row(&layers[7], y, want_px + y * W, &cursor);
    assert_memory_equal(px, want_px, W * H);
    lw_free(px);
    lw_free(want_px);
    lw_free(png);
    zip_discard(za);

    lw_print_file_clear(&f);
    for (int i = 0; i < N; i++)
        lw_layer_img_clear(&layers[i]);
    lw_print_header_clear(&h);
    lw_buf_clear(&buf);
}

static void test_deterministic(void **state)
{
    (void)state;
    enum { W = 97, H = 61, N = 5 };
    lw_print_header h;
    make_header(&h, W, H, N);
    set_preview(&h.preview_large, 16, 16);
    lw_layer_img layers[N];
    for (int i = 0; i < N; i++)
        random_layer(&layers[i], W, H);
    lw_buf a, b, c;
    lw_buf_init(&a, 0);
    lw_buf_init(&b, 0);
    lw_buf_init(&c, 0);
    lw_err err;
    assert_int_equal(write_sl1(&h, layers, &a, &err), LW_OK);
    assert_int_equal(write_sl1(&h, layers, &b, &err), LW_OK);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    h.created_unix += 3600; /* another hour: the zip times and config.ini change, nothing else */
    assert_int_equal(write_sl1(&h, layers, &c, &err), LW_OK);
    assert_true(c.len == a.len ? memcmp(c.data, a.data, a.len) != 0 : true);
    for (int i = 0; i < N; i++)
        lw_layer_img_clear(&layers[i]);
    lw_print_header_clear(&h);
    lw_buf_clear(&a);
    lw_buf_clear(&b);
    lw_buf_clear(&c);
}

static void test_writer_refuses(void **state)
{
    (void)state;
    lw_print_header h;
    lw_layer_img layer;
    lw_layer_img_init(&layer, 10, 10);
    lw_buf buf;
    lw_buf_init(&buf, 0);
    lw_err err;
    make_header(&h, 10, 10, 1);
    snprintf(h.job_name, sizeof h.job_name, "ring 7");
    lw_err_clear(&err);
    assert_int_equal(write_sl1(&h, &layer, &buf, &err), LW_EINVAL);
    assert_non_null(strstr(err.msg, "ring 7"));
    make_header(&h, 10, 10, 1);
    h.display_w = 0;
    lw_err_clear(&err);
    assert_int_equal(write_sl1(&h, &layer, &buf, &err), LW_EINVAL);
    make_header(&h, 10, 10, 1);
    h.exposure_s = NAN;
    lw_err_clear(&err);
    assert_int_equal(write_sl1(&h, &layer, &buf, &err), LW_EINVAL);
    make_header(&h, 10, 10, 1);
    h.bottom.lift_speed = -1;
    lw_err_clear(&err);
    assert_int_equal(write_sl1(&h, &layer, &buf, &err), LW_EINVAL);
    /* an estimate set at the end is checked at the end */
    make_header(&h, 10, 10, 1);
    lw_sink sink;
    lw_sink_open_buf(&sink, &buf);
    lw_print_writer *w;
    assert_int_equal(lw_print_writer_open(&h, &sink, &w, &err), LW_OK);
    lw_layer_settings s = {0.03, 3.5, h.normal, 255};
    assert_int_equal(lw_print_writer_layer(w, 0, &s, &layer, &err), LW_OK);
    lw_print_writer_set_estimate(w, 100, NAN, 1, 1);
    lw_err_clear(&err);
    assert_int_equal(lw_print_writer_finish(w, &err), LW_EINVAL);
    lw_print_writer_free(w);
    lw_sink_abort(&sink);
    /* no job name: "lostwax" names the layers */
    make_header(&h, 10, 10, 1);
    h.job_name[0] = '\0';
    buf.len = 0;
    assert_int_equal(write_sl1(&h, &layer, &buf, &err), LW_OK);
    lw_print_limits lim;
    lw_print_limits_default(&lim);
    lw_print_file f;
    assert_int_equal(lw_print_file_open(buf.data, buf.len, &lim, &f, &err), LW_OK);
    assert_string_equal(f.h.job_name, "lostwax");
    lw_print_file_clear(&f);
    lw_layer_img_clear(&layer);
    lw_buf_clear(&buf);
}

/* ---- archives made here, in PrusaSlicer's shape or broken --------------------------------- */

typedef struct zentry {
    const char *name;
    const void *data;
    size_t len; /* 0: strlen */
} zentry;

static uint8_t *zip_entries(const zentry *e, size_t n, size_t *len)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *mem = zip_source_buffer_create(NULL, 0, 0, &ze);
    assert_non_null(mem);
    zip_source_keep(mem);
    zip_t *za = zip_open_from_source(mem, ZIP_TRUNCATE, &ze);
    assert_non_null(za);
    for (size_t i = 0; i < n; i++) {
        size_t l = e[i].len ? e[i].len : strlen(e[i].data);
        zip_source_t *s = zip_source_buffer(za, e[i].data, l, 0);
        assert_non_null(s);
        assert_true(zip_file_add(za, e[i].name, s, 0) >= 0);
    }
    assert_int_equal(zip_close(za), 0);
    zip_stat_t st;
    assert_int_equal(zip_source_open(mem), 0);
    assert_int_equal(zip_source_stat(mem, &st), 0);
    uint8_t *out = lw_malloc(st.size);
    assert_non_null(out);
    assert_int_equal(zip_source_read(mem, out, st.size), (zip_int64_t)st.size);
    zip_source_close(mem);
    zip_source_free(mem);
    *len = st.size;
    return out;
}

/* PNG bytes of a random layer (copied out of the encoder). */
static uint8_t *layer_png(uint32_t w, uint32_t h, size_t *len, lw_layer_img *keep)
{
    lw_layer_img img;
    random_layer(&img, w, h);
    lw_png_enc e;
    lw_png_enc_init(&e);
    const uint8_t *p;
    lw_err err;
    assert_int_equal(lw_png_encode_layer(&e, &img, &p, len, &err), LW_OK);
    uint8_t *out = lw_malloc(*len);
    assert_non_null(out);
    memcpy(out, p, *len);
    lw_png_enc_clear(&e);
    if (keep)
        *keep = img;
    else
        lw_layer_img_clear(&img);
    return out;
}

/* config.ini as PrusaSlicer 2.5.0 wrote it for a 40-layer cylinder (copied from a real export). */
static const char k_ps_config[] =
    "action = print\nexpTime = 3\nexpTimeFirst = 30\nexpUserProfile = 0\n"
    "fileCreationTimestamp = 2026-11-27 at 23:20:56 UTC\nhollow = 0\njobDir = cyl\n"
    "layerHeight = 0.05\nmaterialName = \nnumFade = 5\nnumFast = 12\nnumSlow = 0\n"
    "printProfile = \nprintTime = 478.500000\nprinterModel = \nprinterProfile = \n"
    "printerVariant = \nprusaSlicerVersion = PrusaSlicer-2.5.0+UNKNOWN\n"
    "usedMaterial = 0.156827\n";

static const char k_ps_ini[] =
    "bottle_cost = 50\nbottle_volume = 1000\ndisplay_height = 3.6\ndisplay_mirror_x = 0\n"
    "display_mirror_y = 1\ndisplay_orientation = landscape\ndisplay_pixels_x = 30\n"
    "display_pixels_y = 18\ndisplay_width = 6\ngamma_correction = 1\nmaterial_density = 1.1\n"
    "max_print_height = 180\nprinter_settings_id = Custom SLA\n";

static void test_prusaslicer_shape(void **state)
{
    (void)state;
    enum { N = 12 };
    zentry e[N + 2];
    uint8_t *pngs[N];
    char names[N][32];
    lw_layer_img imgs[N];
    e[0] = (zentry){"config.ini", k_ps_config, 0};
    e[1] = (zentry){"prusaslicer.ini", k_ps_ini, 0};
    for (int i = 0; i < N; i++) {
        size_t len;
        pngs[i] = layer_png(30, 18, &len, &imgs[i]);
        snprintf(names[i], sizeof names[i], "cyl%05d.png", i);
        /* zip order need not be layer order */
        e[2 + (i * 5) % N] = (zentry){names[i], pngs[i], len};
    }
    size_t len;
    uint8_t *zip = zip_entries(e, N + 2, &len);
    lw_print_limits lim;
    lw_print_limits_default(&lim);
    lw_print_file f;
    lw_err err;
    if (lw_print_file_open(zip, len, &lim, &f, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(f.h.res_x, 30);
    assert_int_equal(f.h.res_y, 18);
    assert_true(f.h.display_w == 6 && f.h.display_h == 3.6);
    assert_true(!f.h.mirror_x && f.h.mirror_y);
    assert_int_equal(f.h.layer_count, N);
    assert_int_equal(f.h.bottom_layers, 3); /* PrusaSlicer 2.5's first layers */
    assert_int_equal(f.h.transition_layers, 5);
    assert_int_equal(f.h.aa_level, 16);
    assert_true(f.h.print_time_s == 478.5);
    assert_true(fabs(f.h.weight_g - 0.156827 * 1.1) < 1e-12);
    assert_true(fabs(f.h.cost - 0.156827 * 0.05) < 1e-12);
    assert_string_equal(f.h.machine, "Custom SLA");
    assert_int_equal(f.h.created_unix, 1795821656); /* 2026-11-27 23:20:56 UTC */
    static const double want[N] = {30, 30, 30, 25.5, 21, 16.5, 12, 7.5, 3, 3, 3, 3};
    for (int i = 0; i < N; i++) {
        assert_true(fabs(f.layers[i].exposure_s - want[i]) < 1e-12);
        assert_int_equal(f.layers[i].pwm, 255);
        lw_layer_img back;
        lw_layer_img_init(&back, 0, 0);
        assert_int_equal(lw_print_file_layer(&f, (uint32_t)i, &back, &err), LW_OK);
        uint64_t d, b;
        lw_layer_img_diff(&imgs[i], &back, 0, &d, &b);
        assert_int_equal(d, 0);
        lw_layer_img_clear(&back);
    }
    lw_print_file_clear(&f);
    lw_free(zip);

    /* Portrait: the images are display_pixels_y wide; the header describes them as stored. */
    char portrait[600];
    snprintf(portrait, sizeof portrait, "%s",
             "display_height = 3.6\ndisplay_orientation = portrait\ndisplay_pixels_x = 30\n"
             "display_pixels_y = 18\ndisplay_width = 6\n");
    e[1] = (zentry){"prusaslicer.ini", portrait, 0};
    for (int i = 0; i < N; i++) {
        lw_free(pngs[i]);
        lw_layer_img_clear(&imgs[i]);
        size_t l;
        pngs[i] = layer_png(18, 30, &l, NULL);
        e[2 + i] = (zentry){names[i], pngs[i], l};
    }
    zip = zip_entries(e, N + 2, &len);
    assert_int_equal(lw_print_file_open(zip, len, &lim, &f, &err), LW_OK);
    assert_int_equal(f.h.res_x, 18);
    assert_int_equal(f.h.res_y, 30);
    assert_true(f.h.display_w == 3.6 && f.h.display_h == 6);
    lw_layer_img back;
    lw_layer_img_init(&back, 0, 0);
    assert_int_equal(lw_print_file_layer(&f, 5, &back, &err), LW_OK);
    lw_layer_img_clear(&back);
    lw_print_file_clear(&f);
    lw_free(zip);

    /* No prusaslicer.ini: an SL1's first layer gives the pixels, the model the pitch. */
    char cfg[1024];
    snprintf(cfg, sizeof cfg, "%s", k_ps_config);
    char *model = strstr(cfg, "printerModel = \n");
    memcpy(model, "printerModel = SL1\n", 19);
    snprintf(model + 19, sizeof cfg - (size_t)(model + 19 - cfg), "%s",
             strstr(k_ps_config, "printerProfile"));
    e[0] = (zentry){"config.ini", cfg, 0};
    e[1] = e[N + 1];
    zip = zip_entries(e, N + 1, &len);
    assert_int_equal(lw_print_file_open(zip, len, &lim, &f, &err), LW_OK);
    assert_int_equal(f.h.res_x, 18);
    assert_int_equal(f.h.res_y, 30);
    assert_true(fabs(f.h.display_w - 18 * 0.04725) < 1e-12);
    assert_string_equal(f.h.machine, "SL1");
    lw_print_file_clear(&f);
    lw_free(zip);
    for (int i = 0; i < N; i++)
        lw_free(pngs[i]);
}

/* Opens bytes that must fail with rc; the message must be there and the file left empty. */
static void expect_open_fails(const uint8_t *data, size_t len, const lw_print_limits *lim,
                              lw_rc rc, const char *needle)
{
    lw_print_file f;
    lw_err err;
    lw_err_clear(&err);
    lw_rc got = lw_print_file_open(data, len, lim, &f, &err);
    if (got != rc)
        fail_msg("expected %s, got %s: %s", lw_rc_name(rc), lw_rc_name(got), err.msg);
    if (needle && !strstr(err.msg, needle))
        fail_msg("'%s' not in: %s", needle, err.msg);
    assert_null(f.priv);
    assert_null(f.layers);
    assert_int_equal(f.h.layer_count, 0);
}

static void test_hostile(void **state)
{
    (void)state;
    lw_print_limits lim;
    lw_print_limits_default(&lim);
    size_t plen, plen2, len;
    uint8_t *png = layer_png(30, 18, &plen, NULL);
    uint8_t *png_wide = layer_png(31, 18, &plen2, NULL);
    const char *cfg2 = "jobDir = x\nexpTime = 2\nlayerHeight = 0.05\nnumFast = 2\n";
    const char *ini = "display_pixels_x = 30\ndisplay_pixels_y = 18\ndisplay_width = 6\n"
                      "display_height = 3.6\n";
    uint8_t *zip;

    static const uint8_t not_zip[] = "PK\x03\x04 this is not a zip at all, only its magic";
    expect_open_fails(not_zip, sizeof not_zip, &lim, LW_EFORMAT, "zip");
    expect_open_fails(not_zip, 4, &lim, LW_EFORMAT, NULL);

    zentry none[] = {{"readme.txt", "hello", 0}};
    zip = zip_entries(none, 1, &len);
    expect_open_fails(zip, len, &lim, LW_EFORMAT, "config.ini");
    lw_free(zip);

    zentry nojob[] = {{"config.ini", "expTime = 2\nlayerHeight = 0.05\nnumFast = 1\n", 0},
                      {"prusaslicer.ini", ini, 0}, {"x00000.png", png, plen}};
    zip = zip_entries(nojob, 3, &len);
    expect_open_fails(zip, len, &lim, LW_EFORMAT, "jobDir");
    lw_free(zip);

    zentry nonum[] = {{"config.ini", "jobDir = x\nexpTime = 2\nlayerHeight = 0.05\n", 0},
                      {"x00000.png", png, plen}};
    zip = zip_entries(nonum, 2, &len);
    expect_open_fails(zip, len, &lim, LW_EFORMAT, "numFast");
    lw_free(zip);

    zentry badnum[] = {{"config.ini", "jobDir = x\nexpTime = fast\nlayerHeight = 0.05\n"
                                      "numFast = 1\n", 0},
                       {"x00000.png", png, plen}};
    zip = zip_entries(badnum, 2, &len);
    expect_open_fails(zip, len, &lim, LW_EFORMAT, "expTime 'fast'");
    lw_free(zip);

    zentry missing[] = {{"config.ini", cfg2, 0}, {"prusaslicer.ini", ini, 0},
                        {"x00000.png", png, plen}};
    zip = zip_entries(missing, 3, &len);
    expect_open_fails(zip, len, &lim, LW_EFORMAT, "x00001.png");
    lw_free(zip);

    zentry extra[] = {{"config.ini", cfg2, 0}, {"prusaslicer.ini", ini, 0},
                      {"x00000.png", png, plen}, {"x00001.png", png, plen},
                      {"x00002.png", png, plen}};
    zip = zip_entries(extra, 5, &len);
    expect_open_fails(zip, len, &lim, LW_EFORMAT, "x00002.png");
    lw_free(zip);

    zentry dup[] = {{"config.ini", cfg2, 0}, {"prusaslicer.ini", ini, 0},
                    {"x00000.png", png, plen}, {"x00001.png", png, plen}, {"x001.png", png, plen}};
    zip = zip_entries(dup, 5, &len);
    expect_open_fails(zip, len, &lim, LW_EFORMAT, "two images");
    lw_free(zip);

    zentry huge_screen[] = {{"config.ini", cfg2, 0},
                            {"prusaslicer.ini", "display_pixels_x = 999999\n"
                                                "display_pixels_y = 18\n", 0},
                            {"x00000.png", png, plen}, {"x00001.png", png, plen}};
    zip = zip_entries(huge_screen, 4, &len);
    expect_open_fails(zip, len, &lim, LW_ELIMIT, "999999");
    lw_free(zip);

    zentry many[] = {{"config.ini", "jobDir = x\nexpTime = 2\nlayerHeight = 0.05\n"
                                    "numFast = 4000000000\nnumSlow = 4000000000\n", 0},
                     {"x00000.png", png, plen}};
    zip = zip_entries(many, 2, &len);
    expect_open_fails(zip, len, &lim, LW_ELIMIT, "layers");
    lw_free(zip);

    /* A config.ini that inflates to 4 MiB: refused before it is read. */
    size_t blen = (size_t)4 << 20;
    char *bomb = lw_malloc(blen + 1);
    assert_non_null(bomb);
    memset(bomb, '#', blen);
    bomb[blen] = '\0';
    zentry bombz[] = {{"config.ini", bomb, blen}, {"x00000.png", png, plen}};
    zip = zip_entries(bombz, 2, &len);
    assert_true(len < 100000);
    expect_open_fails(zip, len, &lim, LW_ELIMIT, "config.ini");
    lw_free(zip);
    lw_free(bomb);

    /* Opens, but the layers are wrong: the wrong size, garbage, too big. */
    static const char junk[] = "\x89PNG\r\n\x1a\n and then nothing sensible";
    zentry badlayers[] = {{"config.ini", "jobDir = x\nexpTime = 2\nlayerHeight = 0.05\n"
                                         "numFast = 3\n", 0},
                          {"prusaslicer.ini", ini, 0}, {"x00000.png", png_wide, plen2},
                          {"x00001.png", junk, sizeof junk}, {"x00002.png", png, plen}};
    zip = zip_entries(badlayers, 5, &len);
    lw_print_file f;
    lw_err err;
    assert_int_equal(lw_print_file_open(zip, len, &lim, &f, &err), LW_OK);
    lw_layer_img img;
    lw_layer_img_init(&img, 0, 0);
    lw_err_clear(&err);
    assert_int_equal(lw_print_file_layer(&f, 0, &img, &err), LW_EFORMAT);
    assert_non_null(strstr(err.msg, "31x18"));
    assert_non_null(strstr(err.msg, "layer 0"));
    assert_int_equal(img.nruns, 0);
    lw_err_clear(&err);
    assert_int_equal(lw_print_file_layer(&f, 1, &img, &err), LW_EFORMAT);
    assert_non_null(strstr(err.msg, "x00001.png"));
    assert_int_equal(lw_print_file_layer(&f, 2, &img, &err), LW_OK);
    lw_err_clear(&err);
    assert_int_equal(lw_print_file_layer(&f, 3, &img, &err), LW_EINVAL);
    lw_print_file_clear(&f);
    lw_print_limits tight = lim;
    tight.max_layer_bytes = plen - 1;
    assert_int_equal(lw_print_file_open(zip, len, &tight, &f, &err), LW_OK);
    lw_err_clear(&err);
    assert_int_equal(lw_print_file_layer(&f, 2, &img, &err), LW_ELIMIT);
    lw_print_file_clear(&f);
    lw_layer_img_clear(&img);
    lw_free(zip);
    lw_free(png);
    lw_free(png_wide);
}

/* ---- allocation failures --------------------------------------------------------------------- */

enum { TW = 50, TH = 20, TN = 3 };

static int torture(void *ctx)
{
    const lw_layer_img *layers = ctx;
    lw_print_header h;
    make_header(&h, TW, TH, TN);
    lw_err err;
    lw_err_clear(&err);
    h.preview_small.width = 4;
    h.preview_small.height = 4;
    uint8_t px[64] = {1, 2, 3, 255};
    h.preview_small.rgba = px; /* the writer copies it */
    lw_buf buf;
    lw_buf_init(&buf, 0);
    lw_rc rc = write_sl1(&h, layers, &buf, &err);
    if (!rc) {
        lw_print_limits lim;
        lw_print_limits_default(&lim);
        lw_print_file f;
        rc = lw_print_file_open(buf.data, buf.len, &lim, &f, &err);
        lw_layer_img back;
        lw_layer_img_init(&back, 0, 0);
        for (uint32_t i = 0; !rc && i < TN; i++)
            rc = lw_print_file_layer(&f, i, &back, &err);
        lw_layer_img_clear(&back);
        lw_print_file_clear(&f);
    }
    if (rc)
        assert_int_equal(err.rc, rc);
    lw_buf_clear(&buf);
    return rc;
}

static void test_alloc_torture(void **state)
{
    (void)state;
    lw_layer_img layers[TN];
    for (int i = 0; i < TN; i++)
        random_layer(&layers[i], TW, TH);
    assert_true(lwt_alloc_torture(torture, layers) > 10);
    for (int i = 0; i < TN; i++)
        lw_layer_img_clear(&layers[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_writer_refuses),
        cmocka_unit_test(test_prusaslicer_shape),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_alloc_torture),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
