/* Tests of the CTB back-end (src/print/fmt_ctb.c) and the CTB previews (src/print/preview.c).
 *
 * The codec is checked on byte sequences written out by hand from the format's description
 * (docs/internals/ctb-goo.md), the XOR on a key schedule worked out separately, CBDDLP planes on
 * a hand-built file. The writer is checked by reading back what it wrote: random layers and
 * headers, v3 and v4, through lw_print_file_open, with the 7-bit rule (level L reads back as
 * (L >> 1) << 1 | 1 for L > 1, as 0 for L <= 1). Hostile files (every truncation, bit flips,
 * offsets and counts out of range, runs that over- or under-fill) must fail cleanly and say
 * where.
 */
#include "lwtest.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/sink.h"
#include "print/fmt_ctb.h"
#include "print/layer.h"
#include "print/preview.h"
#include "print/printfile.h"

/* ---- helpers -------------------------------------------------------------------------------- */

static uint64_t g_rng = 0x9E3779B97F4A7C15ull;

static uint32_t rnd(uint32_t n)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return n ? (uint32_t)(g_rng % n) : 0;
}

/* A value a float holds exactly, in [0, 64). */
static double rnd_q(void) { return rnd(256) * 0.25; }

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Random layer: blank rows, full rows, random runs, single pixels at both edges. */
static void random_layer(lw_layer_img *img, uint32_t w, uint32_t h)
{
    lw_layer_img_init(img, w, h);
    for (uint32_t y = 0; y < h; y++) {
        uint32_t kind = rnd(6);
        if (kind == 0)
            continue;
        if (kind == 1) {
            assert_int_equal(lw_layer_img_add(img, y, 0, w, (uint8_t)(1 + rnd(255))), LW_OK);
            continue;
        }
        if (kind == 2 && w > 1) {
            assert_int_equal(lw_layer_img_add(img, y, 0, 1, (uint8_t)(1 + rnd(255))), LW_OK);
            assert_int_equal(lw_layer_img_add(img, y, w - 1, 1, (uint8_t)(1 + rnd(255))), LW_OK);
            continue;
        }
        for (uint32_t x = rnd(4); x < w;) {
            uint32_t len = 1 + rnd(w / 3 + 1);
            if (len > w - x)
                len = w - x;
            uint8_t level = kind == 3 ? 255 : (uint8_t)(1 + rnd(255));
            assert_int_equal(lw_layer_img_add(img, y, x, len, level), LW_OK);
            x += len + rnd(5);
        }
    }
}

/* What a layer reads back as after CTB's 7-bit storage. */
static void seven_bit(const lw_layer_img *in, lw_layer_img *out)
{
    lw_layer_img_init(out, in->width, in->height);
    for (size_t i = 0; i < in->nruns; i++) {
        const lw_run *r = &in->runs[i];
        uint8_t l = r->level > 1 ? (uint8_t)((r->level >> 1) << 1 | 1) : 0;
        assert_int_equal(lw_layer_img_add(out, r->y, r->x, r->len, l), LW_OK);
    }
}

static void assert_same_pixels(const lw_layer_img *a, const lw_layer_img *b)
{
    assert_int_equal(a->width, b->width);
    assert_int_equal(a->height, b->height);
    uint64_t differ, beyond;
    lw_layer_img_diff(a, b, 0, &differ, &beyond);
    if (differ)
        fail_msg("%llu pixels differ", (unsigned long long)differ);
    assert_true(a->lit == b->lit);
}

/* Exactly what a float holds of v. */
static void assert_f(double got, double want) { assert_true(got == (double)(float)want); }

static void random_motion(lw_motion *m, bool two_stage)
{
    m->lift_mm = rnd_q();
    m->lift_speed = rnd_q();
    m->lift2_mm = two_stage ? rnd_q() : 0;
    m->lift2_speed = two_stage ? rnd_q() : 0;
    m->retract2_mm = two_stage ? rnd(4) * 0.25 : 0;
    if (m->retract2_mm > m->lift_mm + m->lift2_mm)
        m->retract2_mm = 0;
    /* The plate comes back as far as it went: CTB stores only the total and the second stage. */
    m->retract_mm = m->lift_mm + m->lift2_mm - m->retract2_mm;
    m->retract_speed = rnd_q();
    m->retract2_speed = two_stage ? rnd_q() : 0;
    m->wait_before_cure_s = two_stage ? rnd_q() : 0;
    m->wait_after_cure_s = two_stage ? rnd_q() : 0;
    m->wait_after_lift_s = two_stage ? rnd_q() : 0;
    m->light_off_s = rnd_q();
}

static void assert_motion(const lw_motion *got, const lw_motion *want)
{
    assert_f(got->lift_mm, want->lift_mm);
    assert_f(got->lift_speed, want->lift_speed);
    assert_f(got->lift2_mm, want->lift2_mm);
    assert_f(got->lift2_speed, want->lift2_speed);
    assert_f(got->retract_mm, want->retract_mm);
    assert_f(got->retract_speed, want->retract_speed);
    assert_f(got->retract2_mm, want->retract2_mm);
    assert_f(got->retract2_speed, want->retract2_speed);
    assert_f(got->wait_before_cure_s, want->wait_before_cure_s);
    assert_f(got->wait_after_cure_s, want->wait_after_cure_s);
    assert_f(got->wait_after_lift_s, want->wait_after_lift_s);
    assert_f(got->light_off_s, want->light_off_s);
}

typedef struct job {
    lw_print_header h;
    lw_layer_settings *s;
    lw_layer_img *img;
} job;

static void random_picture(lw_image *im, uint32_t w, uint32_t h)
{
    im->width = w;
    im->height = h;
    im->rgba = lw_malloc(4 * (size_t)w * h);
    assert_non_null(im->rgba);
    for (size_t i = 0; i < (size_t)w * h; i++) {
        /* Stretches of one colour, so the repeat words are used too. */
        uint8_t *p = im->rgba + 4 * i;
        if (i && rnd(3)) {
            memcpy(p, p - 4, 4);
        } else {
            p[0] = (uint8_t)rnd(256);
            p[1] = (uint8_t)rnd(256);
            p[2] = (uint8_t)rnd(256);
            p[3] = 255;
        }
    }
}

static void make_job(job *j, unsigned version, uint32_t w, uint32_t h, uint32_t layers,
                     bool previews)
{
    memset(j, 0, sizeof *j);
    lw_print_header *hd = &j->h;
    hd->format = LW_PFMT_CTB;
    hd->version = version;
    hd->res_x = w;
    hd->res_y = h;
    hd->display_w = 68.0;
    hd->display_h = 120.5;
    hd->machine_z = 150;
    hd->mirror_x = true;
    hd->layer_height = 0.05;
    hd->layer_count = layers;
    hd->bottom_layers = layers > 2 ? 2 : 1;
    hd->transition_layers = 3;
    hd->exposure_s = 2.5;
    hd->bottom_exposure_s = 35;
    random_motion(&hd->normal, version >= 4);
    random_motion(&hd->bottom, version >= 4);
    hd->bottom.light_off_s = 1.5; /* CTB keeps one light-off for each, in two places */
    hd->pwm = 200;
    hd->bottom_pwm = 255;
    hd->aa_level = 8;
    hd->print_time_s = 12345;
    hd->volume_ml = 1.25;
    hd->weight_g = 1.5;
    hd->cost = 0.75;
    snprintf(hd->machine, sizeof hd->machine, "Phrozen Sonic Mini 4K");
    hd->created_unix = 1700000040; /* a whole minute: CTB keeps minutes */
    if (previews) {
        random_picture(&hd->preview_large, 40, 30);
        random_picture(&hd->preview_small, 20, 13);
    }
    j->s = lw_calloc(layers, sizeof *j->s);
    j->img = lw_calloc(layers, sizeof *j->img);
    assert_true(j->s && j->img);
    for (uint32_t i = 0; i < layers; i++) {
        lw_layer_settings *s = &j->s[i];
        s->z = 0.05 * (i + 1);
        s->exposure_s = i < hd->bottom_layers ? 35 : 2.5 + rnd(8) * 0.5;
        if (i == 0)
            s->motion = hd->bottom; /* the bottom waits of a v4 are read from layer 0 */
        else
            random_motion(&s->motion, version >= 4);
        s->pwm = (uint16_t)rnd(256);
        random_layer(&j->img[i], w, h);
    }
}

static void free_job(job *j)
{
    for (uint32_t i = 0; i < j->h.layer_count; i++)
        lw_layer_img_clear(&j->img[i]);
    lw_free(j->img);
    lw_free(j->s);
    lw_print_header_clear(&j->h);
}

static lw_rc write_job(const job *j, lw_buf *out, lw_err *e)
{
    lw_buf_init(out, 0);
    lw_sink sink;
    lw_sink_open_buf(&sink, out);
    lw_print_writer *w;
    lw_rc rc = lw_print_writer_open(&j->h, &sink, &w, e);
    for (uint32_t i = 0; !rc && i < j->h.layer_count; i++)
        rc = lw_print_writer_layer(w, i, &j->s[i], &j->img[i], e);
    if (!rc)
        rc = lw_print_writer_finish(w, e);
    lw_print_writer_free(w);
    lw_sink_abort(&sink);
    return rc;
}

static lw_rc open_buf(const lw_buf *b, lw_print_file *f, lw_err *e)
{
    lw_print_limits lim;
    lw_print_limits_default(&lim);
    lim.max_pixels_x = 65535;
    return lw_print_file_open(b->data, b->len, &lim, f, e);
}

static void assert_picture(const lw_image *got, const lw_image *want)
{
    assert_int_equal(got->width, want->width);
    assert_int_equal(got->height, want->height);
    assert_non_null(got->rgba);
    for (size_t i = 0; i < 4 * (size_t)want->width * want->height; i++) {
        int d = abs((int)got->rgba[i] - (int)((i % 4) == 3 ? 255 : want->rgba[i]));
        if (d > 7) /* five bits a channel: the low three are lost */
            fail_msg("byte %zu: %u for %u", i, got->rgba[i], want->rgba[i]);
    }
}

/* ---- the codec on hand-written bytes ---------------------------------------------------- */

static void decode(const uint8_t *b, size_t n, uint32_t w, uint32_t h, uint32_t seed,
                   lw_layer_img *img, lw_rc want, lw_err *e)
{
    img->width = w; /* img is initialised by the caller, its storage reused */
    img->height = h;
    lw_err_clear(e);
    lw_rc rc = lw_ctb_decode_rle(b, n, seed, 0, img, e);
    if (rc != want)
        fail_msg("rc %s, wanted %s: %s", lw_rc_name(rc), lw_rc_name(want), e->msg);
}

static void test_rle_known_bytes(void **state)
{
    (void)state;
    lw_err e;
    lw_layer_img img, want;
    lw_layer_img_init(&img, 0, 0);
    /* 4 x 3: one black pixel, one 0x7F pixel (255), 3 of 0x20 (65), 7 black. */
    static const uint8_t a[] = {0x00, 0x7F, 0xA0, 0x03, 0x80, 0x07};
    decode(a, sizeof a, 4, 3, 0, &img, LW_OK, &e);
    lw_layer_img_init(&want, 4, 3);
    assert_int_equal(lw_layer_img_add(&want, 0, 1, 1, 255), LW_OK);
    assert_int_equal(lw_layer_img_add(&want, 0, 2, 2, 65), LW_OK);
    assert_int_equal(lw_layer_img_add(&want, 1, 0, 1, 65), LW_OK);
    assert_same_pixels(&img, &want);
    /* ... and the encoder writes exactly those bytes for that picture. */
    lw_buf b;
    lw_buf_init(&b, 0);
    assert_int_equal(lw_ctb_encode_layer(&want, &b, &e), LW_OK);
    assert_int_equal(b.len, sizeof a);
    assert_memory_equal(b.data, a, sizeof a);
    lw_layer_img_clear(&want);

    /* Two- and three-byte lengths: 300 of 0x10 (33), then 19,700 black on 200 x 100. */
    static const uint8_t c[] = {0x90, 0x81, 0x2C, 0x80, 0xC0, 0x4C, 0xF4};
    decode(c, sizeof c, 200, 100, 0, &img, LW_OK, &e);
    assert_int_equal(img.nruns, 2);
    assert_true(img.runs[0].y == 0 && img.runs[0].x == 0 && img.runs[0].len == 200 &&
                img.runs[0].level == 33);
    assert_true(img.runs[1].y == 1 && img.runs[1].x == 0 && img.runs[1].len == 100 &&
                img.runs[1].level == 33);
    lw_buf_reset(&b);
    assert_int_equal(lw_ctb_encode_layer(&img, &b, &e), LW_OK);
    assert_int_equal(b.len, sizeof c);
    assert_memory_equal(b.data, c, sizeof c);

    /* A four-byte length: 5,000,000 pixels of 0x01 (3) on 5000 x 1000. */
    static const uint8_t d[] = {0x81, 0xE0, 0x4C, 0x4B, 0x40};
    decode(d, sizeof d, 5000, 1000, 0, &img, LW_OK, &e);
    assert_int_equal(img.nruns, 1000);
    assert_true(img.lit == 5000000ull * 3);
    lw_buf_reset(&b);
    assert_int_equal(lw_ctb_encode_layer(&img, &b, &e), LW_OK);
    assert_int_equal(b.len, sizeof d);
    assert_memory_equal(b.data, d, sizeof d);

    /* A blank screen is one run however many rows it has. */
    lw_layer_img blank;
    lw_layer_img_init(&blank, 7500, 3240);
    lw_buf_reset(&b);
    assert_int_equal(lw_ctb_encode_layer(&blank, &b, &e), LW_OK);
    static const uint8_t bl[] = {0x80, 0xE1, 0x72, 0xC9, 0xE0}; /* 24,300,000 = 0x172C9E0 */
    assert_int_equal(b.len, sizeof bl);
    assert_memory_equal(b.data, bl, sizeof bl);
    lw_layer_img_clear(&img);
    lw_buf_clear(&b);
}

static void test_rle_errors(void **state)
{
    (void)state;
    lw_err e;
    lw_layer_img img;
    lw_layer_img_init(&img, 0, 0);
    static const uint8_t over[] = {0x80, 0x0D}; /* 13 pixels on 4 x 3 */
    decode(over, sizeof over, 4, 3, 0, &img, LW_EFORMAT, &e);
    assert_non_null(strstr(e.msg, "byte 0: a run of 13 pixels at pixel 0 goes past the 12"));
    assert_int_equal(img.nruns, 0);
    static const uint8_t under[] = {0xFF, 0x0B}; /* 11 lit pixels of 12 */
    decode(under, sizeof under, 4, 3, 0, &img, LW_EFORMAT, &e);
    assert_non_null(strstr(e.msg, "holds 11 pixels, the 4x3 screen 12"));
    assert_int_equal(img.nruns, 0); /* the 11 decoded pixels are dropped */
    static const uint8_t prefix[] = {0x80, 0xF0, 0, 0, 0, 0};
    decode(prefix, sizeof prefix, 4, 3, 0, &img, LW_EFORMAT, &e);
    assert_non_null(strstr(e.msg, "byte 1: 0xF0 does not begin a run length"));
    static const uint8_t cut[] = {0x00, 0x80, 0xC0, 0x01};
    decode(cut, sizeof cut, 4, 3, 0, &img, LW_EFORMAT, &e);
    assert_non_null(strstr(e.msg, "byte 1: a run length cut off"));
    static const uint8_t nolen[] = {0x00, 0x85};
    decode(nolen, sizeof nolen, 4, 3, 0, &img, LW_EFORMAT, &e);
    assert_non_null(strstr(e.msg, "byte 1: a run without its length"));
    decode(NULL, 0, 4, 3, 0, &img, LW_EFORMAT, &e);
    assert_non_null(strstr(e.msg, "holds 0 pixels"));
    lw_layer_img_clear(&img);
}

/* The key schedule worked out by hand for seed 1, layer 0: step = 0x2D83CDAC + 0xD8A83423 =
 * 0x062C01CF; key = 0xEC3D47CD x step = 0x6810DBC3, then 0x6E3CDD92. */
static void test_xor(void **state)
{
    (void)state;
    uint8_t b[8] = {0};
    lw_ctb_xor(b, sizeof b, 1, 0);
    static const uint8_t want[8] = {0xC3, 0xDB, 0x10, 0x68, 0x92, 0xDD, 0x3C, 0x6E};
    assert_memory_equal(b, want, 8);
    lw_ctb_xor(b, sizeof b, 1, 0);
    static const uint8_t zero[8] = {0};
    assert_memory_equal(b, zero, 8);
    lw_ctb_xor(b, sizeof b, 0, 5); /* seed 0: off */
    assert_memory_equal(b, zero, 8);

    /* A masked stream decodes with its seed and layer, not without. */
    uint8_t s[] = {0x00, 0x7F, 0xA0, 0x03, 0x80, 0x07};
    lw_ctb_xor(s, sizeof s, 0x6DB6D66F, 0);
    lw_err e;
    lw_layer_img img;
    lw_layer_img_init(&img, 0, 0);
    decode(s, sizeof s, 4, 3, 0x6DB6D66F, &img, LW_OK, &e);
    assert_true(img.lit == 255 + 3 * 65);
    lw_layer_img_clear(&img);
    decode(s, sizeof s, 4, 3, 0, &img, LW_EFORMAT, &e);
    lw_layer_img_clear(&img);
}

/* ---- writing and reading back ------------------------------------------------------------- */

static void check_round_trip(unsigned version, uint32_t w, uint32_t h, uint32_t layers,
                             bool previews)
{
    job j;
    make_job(&j, version, w, h, layers, previews);
    lw_buf out;
    lw_err e;
    lw_err_clear(&e);
    if (write_job(&j, &out, &e))
        fail_msg("write: %s", e.msg);
    assert_int_equal(get32(out.data), version >= 4 ? 0x12FD0106u : 0x12FD0086u);
    lw_print_file f;
    if (open_buf(&out, &f, &e))
        fail_msg("read: %s", e.msg);
    const lw_print_header *g = &f.h, *x = &j.h;
    assert_int_equal(g->format, LW_PFMT_CTB);
    assert_int_equal(g->version, version);
    assert_int_equal(g->res_x, w);
    assert_int_equal(g->res_y, h);
    assert_f(g->display_w, x->display_w);
    assert_f(g->display_h, x->display_h);
    assert_f(g->machine_z, x->machine_z);
    assert_true(g->mirror_x);
    assert_false(g->mirror_y);
    assert_f(g->layer_height, x->layer_height);
    assert_int_equal(g->layer_count, layers);
    assert_int_equal(g->bottom_layers, x->bottom_layers);
    assert_int_equal(g->transition_layers, 3);
    assert_f(g->exposure_s, x->exposure_s);
    assert_f(g->bottom_exposure_s, x->bottom_exposure_s);
    assert_motion(&g->normal, &x->normal);
    if (version >= 4) {
        assert_motion(&g->bottom, &x->bottom);
    } else {
        /* v3: one retract speed for both. */
        lw_motion b = x->bottom;
        b.retract_speed = x->normal.retract_speed;
        assert_motion(&g->bottom, &b);
    }
    assert_int_equal(g->pwm, 200);
    assert_int_equal(g->bottom_pwm, 255);
    assert_int_equal(g->aa_level, 8);
    assert_f(g->print_time_s, 12345);
    assert_f(g->volume_ml, x->volume_ml);
    assert_f(g->weight_g, x->weight_g);
    assert_f(g->cost, x->cost);
    assert_string_equal(g->machine, x->machine);
    assert_true(g->created_unix == x->created_unix);
    if (previews) {
        assert_picture(&g->preview_large, &x->preview_large);
        assert_picture(&g->preview_small, &x->preview_small);
    } else {
        /* Chitubox's sizes, black. */
        assert_int_equal(g->preview_large.width, 400);
        assert_int_equal(g->preview_large.height, 300);
        assert_int_equal(g->preview_small.width, 200);
        assert_int_equal(g->preview_small.height, 125);
        for (size_t i = 0; i < 4 * 200 * 125; i++)
            assert_int_equal(g->preview_small.rgba[i], i % 4 == 3 ? 255 : 0);
    }
    lw_layer_img back, want;
    lw_layer_img_init(&back, 0, 0);
    for (uint32_t i = 0; i < layers; i++) {
        const lw_layer_settings *s = &f.layers[i], *t = &j.s[i];
        assert_f(s->z, t->z);
        assert_f(s->exposure_s, t->exposure_s);
        assert_int_equal(s->pwm, t->pwm);
        lw_motion m = t->motion;
        if (version < 4) { /* v3 layers carry one-stage lifts and no waits */
            m.lift_mm += m.lift2_mm;
            m.retract_mm += m.retract2_mm;
            m.lift2_mm = m.lift2_speed = m.retract2_mm = m.retract2_speed = 0;
            m.wait_before_cure_s = m.wait_after_cure_s = m.wait_after_lift_s = 0;
        }
        assert_motion(&s->motion, &m);
        if (lw_print_file_layer(&f, i, &back, &e))
            fail_msg("layer %u: %s", i, e.msg);
        seven_bit(&j.img[i], &want);
        assert_same_pixels(&back, &want);
        lw_layer_img_clear(&want);
    }
    lw_layer_img_clear(&back);

    /* Deterministic: the same job gives the same bytes. */
    lw_buf again;
    assert_int_equal(write_job(&j, &again, &e), LW_OK);
    assert_int_equal(again.len, out.len);
    assert_memory_equal(again.data, out.data, out.len);
    lw_buf_clear(&again);
    lw_print_file_clear(&f);
    lw_buf_clear(&out);
    free_job(&j);
}

static void test_round_trip_v3(void **state)
{
    (void)state;
    check_round_trip(3, 97, 61, 9, true);
    check_round_trip(3, 1, 1, 1, false);
    check_round_trip(3, 3000, 200, 3, false);
}

static void test_round_trip_v4(void **state)
{
    (void)state;
    check_round_trip(4, 97, 61, 9, true);
    check_round_trip(4, 64, 5, 40, false);
    check_round_trip(4, 3000, 200, 3, true);
}

/* A v3 header given two-stage motion keeps the whole lift as one stage. */
static void test_v3_one_stage(void **state)
{
    (void)state;
    job j;
    make_job(&j, 3, 16, 8, 1, false);
    j.h.normal.lift_mm = 3;
    j.h.normal.lift2_mm = 2;
    j.h.normal.retract_mm = 5;
    j.h.normal.retract2_mm = 0;
    lw_buf out;
    lw_err e;
    assert_int_equal(write_job(&j, &out, &e), LW_OK);
    lw_print_file f;
    assert_int_equal(open_buf(&out, &f, &e), LW_OK);
    assert_f(f.h.normal.lift_mm, 5);
    assert_f(f.h.normal.lift2_mm, 0);
    assert_f(f.h.normal.retract_mm, 5);
    lw_print_file_clear(&f);
    lw_buf_clear(&out);
    free_job(&j);
}

/* Layers encoded apart (as the job does on its threads) give the same file. */
static void test_encoded_layers(void **state)
{
    (void)state;
    job j;
    make_job(&j, 4, 50, 20, 4, false);
    lw_buf ref, out, rle;
    lw_err e;
    assert_int_equal(write_job(&j, &ref, &e), LW_OK);
    lw_buf_init(&out, 0);
    lw_buf_init(&rle, 0);
    lw_sink sink;
    lw_sink_open_buf(&sink, &out);
    lw_print_writer *w;
    assert_int_equal(lw_print_writer_open(&j.h, &sink, &w, &e), LW_OK);
    for (uint32_t i = 0; i < 4; i++) {
        lw_buf_reset(&rle);
        assert_int_equal(lw_ctb_encode_layer(&j.img[i], &rle, &e), LW_OK);
        assert_int_equal(lw_ctb_writer_layer_encoded(w, i, &j.s[i], rle.data, rle.len, &e),
                         LW_OK);
    }
    lw_err_clear(&e);
    assert_int_equal(lw_ctb_writer_layer_encoded(w, 4, &j.s[0], rle.data, rle.len, &e),
                     LW_EINVAL);
    assert_non_null(strstr(e.msg, "out of order"));
    assert_int_equal(lw_print_writer_finish(w, &e), LW_OK);
    lw_print_writer_free(w);
    assert_int_equal(out.len, ref.len);
    assert_memory_equal(out.data, ref.data, ref.len);

    /* A GOO writer does not take CTB bytes. */
    lw_print_header gh = j.h;
    memset(&gh.preview_large, 0, sizeof gh.preview_large);
    memset(&gh.preview_small, 0, sizeof gh.preview_small);
    gh.format = LW_PFMT_GOO;
    gh.version = 3;
    lw_buf_reset(&out);
    lw_sink_open_buf(&sink, &out);
    assert_int_equal(lw_print_writer_open(&gh, &sink, &w, &e), LW_OK);
    lw_err_clear(&e);
    assert_int_equal(lw_ctb_writer_layer_encoded(w, 0, &j.s[0], rle.data, rle.len, &e),
                     LW_EINVAL);
    assert_non_null(strstr(e.msg, "goo writer"));
    lw_print_writer_free(w);
    lw_buf_clear(&out);
    lw_buf_clear(&ref);
    lw_buf_clear(&rle);
    free_job(&j);
}

/* The estimate comes at the end (lw_print_writer_set_estimate) and lands in the header. */
static void test_estimate_at_the_end(void **state)
{
    (void)state;
    for (unsigned v = 3; v <= 4; v++) {
        job j;
        make_job(&j, v, 20, 9, 2, false);
        j.h.print_time_s = j.h.volume_ml = j.h.weight_g = j.h.cost = 0;
        lw_buf out;
        lw_buf_init(&out, 0);
        lw_sink sink;
        lw_sink_open_buf(&sink, &out);
        lw_print_writer *w;
        lw_err e;
        lw_err_clear(&e);
        assert_int_equal(lw_print_writer_open(&j.h, &sink, &w, &e), LW_OK);
        for (uint32_t i = 0; i < 2; i++)
            assert_int_equal(lw_print_writer_layer(w, i, &j.s[i], &j.img[i], &e), LW_OK);
        lw_print_writer_set_estimate(w, 5000.4, 2.5, 2.75, 3.25);
        assert_int_equal(lw_print_writer_finish(w, &e), LW_OK);
        lw_print_writer_free(w);
        lw_print_file f;
        assert_int_equal(open_buf(&out, &f, &e), LW_OK);
        assert_f(f.h.print_time_s, 5000);
        assert_float_equal(f.h.volume_ml, 2.5, 1e-7);
        assert_f(f.h.weight_g, 2.75);
        assert_f(f.h.cost, 3.25);
        lw_print_file_clear(&f);
        /* A NaN estimate is refused at the end. */
        lw_buf_reset(&out);
        lw_sink_open_buf(&sink, &out);
        assert_int_equal(lw_print_writer_open(&j.h, &sink, &w, &e), LW_OK);
        for (uint32_t i = 0; i < 2; i++)
            assert_int_equal(lw_print_writer_layer(w, i, &j.s[i], &j.img[i], &e), LW_OK);
        lw_print_writer_set_estimate(w, 1, NAN, 1, 1);
        lw_err_clear(&e);
        assert_int_equal(lw_print_writer_finish(w, &e), LW_EINVAL);
        assert_non_null(strstr(e.msg, "volume is nan"));
        lw_print_writer_free(w);
        lw_buf_clear(&out);
        free_job(&j);
    }
}

static void test_writer_refuses(void **state)
{
    (void)state;
    job j;
    make_job(&j, 5, 16, 8, 1, false);
    lw_buf out;
    lw_err e;
    lw_err_clear(&e);
    assert_int_equal(write_job(&j, &out, &e), LW_EINVAL);
    assert_non_null(strstr(e.msg, "CTB version 5"));
    lw_buf_clear(&out);
    j.h.version = 4;
    j.h.normal.lift_speed = NAN;
    lw_err_clear(&e);
    assert_int_equal(write_job(&j, &out, &e), LW_EINVAL);
    assert_non_null(strstr(e.msg, "normal lift speed"));
    lw_buf_clear(&out);
    j.h.normal.lift_speed = 60;
    j.s[0].exposure_s = -1;
    lw_err_clear(&e);
    assert_int_equal(write_job(&j, &out, &e), LW_EINVAL);
    assert_non_null(strstr(e.msg, "layer 0: exposure"));
    lw_buf_clear(&out);
    free_job(&j);
}

/* ---- reading others' files ----------------------------------------------------------------- */

/* A layer XOR-ed as older Chitubox writes it reads back the same. */
static void test_read_xor(void **state)
{
    (void)state;
    job j;
    make_job(&j, 3, 33, 17, 5, false);
    lw_buf out;
    lw_err e;
    assert_int_equal(write_job(&j, &out, &e), LW_OK);
    uint32_t seed = 0x12345678, table = get32(out.data + 0x40);
    put32(out.data + 0x64, seed);
    for (uint32_t i = 0; i < 5; i++) {
        const uint8_t *t = out.data + table + 36 * i;
        lw_ctb_xor(out.data + get32(t + 12), get32(t + 16), seed, i);
    }
    lw_print_file f;
    assert_int_equal(open_buf(&out, &f, &e), LW_OK);
    assert_int_equal(f.xor_seed, seed);
    lw_layer_img back, want;
    lw_layer_img_init(&back, 0, 0);
    for (uint32_t i = 0; i < 5; i++) {
        assert_int_equal(lw_print_file_layer(&f, i, &back, &e), LW_OK);
        seven_bit(&j.img[i], &want);
        assert_same_pixels(&back, &want);
        lw_layer_img_clear(&want);
    }
    lw_layer_img_clear(&back);
    lw_print_file_clear(&f);
    lw_buf_clear(&out);
    free_job(&j);
}

/* A CBDDLP of two 1-bit planes on a 4 x 2 screen, made byte by byte: plane 0 lights pixels
 * 0-2, plane 1 pixels 0-1, so pixels 0-1 are 2/2 (255) and pixel 2 is 1/2 (127). */
static void test_cbddlp(void **state)
{
    (void)state;
    uint8_t f[112 + 72 + 4] = {0};
    put32(f, 0x12FD0019);
    put32(f + 0x04, 2);
    put32(f + 0x34, 4);
    put32(f + 0x38, 2);
    put32(f + 0x40, 112); /* the table: 2 planes x 1 layer */
    put32(f + 0x44, 1);
    put32(f + 0x5C, 2);
    float z = 0.05f;
    memcpy(f + 112, &z, 4);
    put32(f + 112 + 12, 184);
    put32(f + 112 + 16, 2);
    put32(f + 148 + 12, 186);
    put32(f + 148 + 16, 2);
    f[184] = 0x83;
    f[185] = 0x05;
    f[186] = 0x82;
    f[187] = 0x06;
    lw_print_limits lim;
    lw_print_limits_default(&lim);
    lw_print_file pf;
    lw_err e;
    lw_err_clear(&e);
    if (lw_print_file_open(f, sizeof f, &lim, &pf, &e))
        fail_msg("%s", e.msg);
    assert_int_equal(pf.h.version, 2);
    assert_int_equal(pf.h.aa_level, 2);
    assert_f(pf.layers[0].z, 0.05);
    lw_layer_img img, want;
    lw_layer_img_init(&img, 0, 0);
    assert_int_equal(lw_print_file_layer(&pf, 0, &img, &e), LW_OK);
    lw_layer_img_init(&want, 4, 2);
    assert_int_equal(lw_layer_img_add(&want, 0, 0, 2, 255), LW_OK);
    assert_int_equal(lw_layer_img_add(&want, 0, 2, 1, 127), LW_OK);
    assert_same_pixels(&img, &want);
    /* One pixel too many in plane 1, then one too few. */
    f[187] = 0x07;
    assert_int_equal(lw_print_file_layer(&pf, 0, &img, &e), LW_EFORMAT);
    assert_non_null(strstr(e.msg, "plane 1: 1 pixels more"));
    f[187] = 0x05;
    lw_err_clear(&e);
    assert_int_equal(lw_print_file_layer(&pf, 0, &img, &e), LW_EFORMAT);
    assert_non_null(strstr(e.msg, "plane 1: the data ends at row 1, pixel 3"));
    lw_layer_img_clear(&img);
    lw_layer_img_clear(&want);
    lw_print_file_clear(&pf);
}

static void test_encrypted(void **state)
{
    (void)state;
    uint8_t f[112] = {0};
    put32(f, 0x12FD0107);
    lw_print_limits lim;
    lw_print_limits_default(&lim);
    lw_print_file pf;
    lw_err e;
    lw_err_clear(&e);
    assert_int_equal(lw_print_file_open(f, sizeof f, &lim, &pf, &e), LW_EUNSUPPORTED);
    assert_non_null(strstr(e.msg, "encrypted CTB"));
    assert_non_null(strstr(e.msg, "key"));
    assert_null(pf.layers);
}

/* ---- hostile files ------------------------------------------------------------------------- */

/* Opens and decodes everything; any failure must be a format or limit error with a message. */
static lw_rc open_all(const uint8_t *d, size_t n, lw_err *e)
{
    lw_print_limits lim;
    lw_print_limits_default(&lim);
    lim.max_pixels_x = lim.max_pixels_y = 4096;
    lw_print_file f;
    lw_err_clear(e);
    lw_rc rc = lw_print_file_open(d, n, &lim, &f, e);
    if (rc) /* a failed open leaves nothing behind */
        assert_true(!f.layers && !f.layer_off && !f.h.preview_large.rgba);
    lw_layer_img img;
    lw_layer_img_init(&img, 0, 0);
    for (uint32_t i = 0; !rc && i < f.h.layer_count; i++) {
        rc = lw_print_file_layer(&f, i, &img, e);
        if (rc)
            assert_int_equal(img.nruns, 0);
    }
    lw_layer_img_clear(&img);
    if (rc) {
        assert_true(rc == LW_EFORMAT || rc == LW_ELIMIT || rc == LW_EUNSUPPORTED);
        assert_int_equal(e->rc, rc);
        assert_true(e->msg[0] != 0);
    }
    lw_print_file_clear(&f);
    return rc;
}

static void test_truncated_everywhere(void **state)
{
    (void)state;
    for (unsigned version = 3; version <= 4; version++) {
        job j;
        make_job(&j, version, 23, 11, 3, true);
        lw_buf out;
        lw_err e;
        assert_int_equal(write_job(&j, &out, &e), LW_OK);
        assert_int_equal(open_all(out.data, out.len, &e), LW_OK);
        for (size_t n = 0; n < out.len; n++) {
            uint8_t *copy = lw_malloc(n + 1); /* exactly n bytes visible to the reader */
            memcpy(copy, out.data, n);
            lw_rc rc = open_all(copy, n, &e);
            if (rc != LW_EFORMAT)
                fail_msg("truncated to %zu of %zu bytes: %s (%s)", n, out.len, lw_rc_name(rc),
                         e.msg);
            lw_free(copy);
        }
        lw_buf_clear(&out);
        free_job(&j);
    }
}

static void test_bit_flips(void **state)
{
    (void)state;
    /* Small pictures of its own, so each of the thousands of opens is quick. */
    job j;
    make_job(&j, 4, 23, 11, 3, true);
    lw_buf out;
    lw_err e;
    assert_int_equal(write_job(&j, &out, &e), LW_OK);
    uint8_t *copy = lw_malloc(out.len);
    memcpy(copy, out.data, out.len);
    for (size_t i = 0; i < out.len; i++) {
        uint8_t keep = copy[i];
        copy[i] ^= (uint8_t)(1u << (i % 8));
        (void)open_all(copy, out.len, &e);
        copy[i] = 0xFF;
        (void)open_all(copy, out.len, &e);
        copy[i] = keep;
    }
    lw_free(copy);
    lw_buf_clear(&out);
    free_job(&j);
}

static void expect(const lw_buf *b, lw_rc want, const char *says)
{
    lw_err e;
    lw_rc rc = open_all(b->data, b->len, &e);
    if (rc != want || !strstr(e.msg, says))
        fail_msg("got %s \"%s\", wanted %s \"%s\"", lw_rc_name(rc), e.msg, lw_rc_name(want),
                 says);
}

static void test_hostile_fields(void **state)
{
    (void)state;
    job j;
    make_job(&j, 4, 23, 11, 3, false);
    lw_buf out, b;
    lw_err e;
    assert_int_equal(write_job(&j, &out, &e), LW_OK);
    lw_buf_init(&b, 0);
    uint32_t table = get32(out.data + 0x40);
    char says[160];
#define FRESH() (lw_buf_reset(&b), lw_buf_append(&b, out.data, out.len))

    /* The layer table pointing outside the file. */
    FRESH();
    put32(b.data + table + 36 + 12, (uint32_t)out.len - 10);
    snprintf(says, sizeof says, "layer 1: data at offset %zu + %u bytes runs past the end of "
             "the %zu-byte file", out.len - 10, get32(out.data + table + 36 + 16), out.len);
    expect(&b, LW_EFORMAT, says);
    /* A page number sending it 4 GB further. */
    FRESH();
    put32(b.data + table + 20, 1);
    snprintf(says, sizeof says, "layer 0: data at offset %llu + ",
             (1ull << 32) + get32(out.data + table + 12));
    expect(&b, LW_EFORMAT, says);
    /* The table and the record before the data disagreeing. */
    FRESH();
    put32(b.data + table + 16, get32(out.data + table + 16) - 1);
    expect(&b, LW_EFORMAT, "layer 0: the record at offset");
    /* Data not leaving room for its record. */
    FRESH();
    put32(b.data + table + 12, 10);
    put32(b.data + table + 16, 4);
    expect(&b, LW_EFORMAT, "layer 0: data at offset 10 leaves no room for its 84-byte record");
    /* Absurd counts and sizes. */
    FRESH();
    put32(b.data + 0x44, 0xFFFFFFFF);
    expect(&b, LW_ELIMIT, "4294967295 layers is more than the limit of 100000");
    FRESH();
    put32(b.data + 0x44, 90000);
    expect(&b, LW_EFORMAT, "the layer table at offset");
    FRESH();
    put32(b.data + 0x34, 1u << 30);
    expect(&b, LW_ELIMIT, "screen is more than the limit");
    FRESH();
    put32(b.data + 0x38, 0);
    expect(&b, LW_EFORMAT, "23x0 screen");
    FRESH();
    put32(b.data + 0x40, 0xFFFFFF00);
    expect(&b, LW_EFORMAT, "the layer table at offset 4294967040");
    FRESH();
    put32(b.data + 0x3C, (uint32_t)out.len - 4);
    expect(&b, LW_EFORMAT, "the large preview at offset");
    FRESH();
    put32(b.data + get32(out.data + 0x48) + 12, 0xFFFFFFF0);
    expect(&b, LW_EFORMAT, "the small preview at offset");
    FRESH();
    put32(b.data + get32(out.data + 0x48), 2000); /* width: the words no longer fill it */
    expect(&b, LW_EFORMAT, "the small preview (offset");
    FRESH();
    put32(b.data + get32(out.data + 0x68) + 64, 0); /* no v4 block */
    expect(&b, LW_EFORMAT, "without its v4 parameter block");
    FRESH();
    put32(b.data + get32(out.data + 0x68) + 32, 0x7FFFFFFF); /* machine name length */
    expect(&b, LW_EFORMAT, "the machine name at offset");
    FRESH();
    put32(b.data + 0x04, 9);
    expect(&b, LW_EFORMAT, "CTB version 9");
    FRESH();
    put32(b.data + 0x20, 0x7FC00000); /* layer height NaN */
    expect(&b, LW_EFORMAT, "layer height (offset 32) is not a finite number");
    /* Runs that over- and under-fill the screen: the same data on a screen a pixel wider or
     * narrower. */
    FRESH();
    put32(b.data + 0x34, 24);
    expect(&b, LW_EFORMAT, "the 24x11 screen 264");
    FRESH();
    put32(b.data + 0x34, 22);
    expect(&b, LW_EFORMAT, "goes past the 242 pixels of the 22x11 screen");
    /* A layer's data limit. */
    lw_print_limits lim;
    lw_print_limits_default(&lim);
    lim.max_layer_bytes = 2;
    lw_print_file f;
    lw_err_clear(&e);
    assert_int_equal(lw_print_file_open(out.data, out.len, &lim, &f, &e), LW_ELIMIT);
    assert_non_null(strstr(e.msg, "more than the limit of 2"));
#undef FRESH
    lw_buf_clear(&b);
    lw_buf_clear(&out);
    free_job(&j);
}

/* ---- previews ------------------------------------------------------------------------------ */

static void test_preview_words(void **state)
{
    (void)state;
    /* 5 x 1: red, red, red (a repeat: flag word + count 2), green, blue. */
    uint8_t px[5 * 4] = {255, 0, 0, 255, 255, 0, 0, 255, 255, 0, 0, 255,
                         0, 255, 0, 255, 0, 0, 255, 255};
    lw_image im = {5, 1, px};
    lw_buf b;
    lw_buf_init(&b, 0);
    lw_err e;
    assert_int_equal(lw_preview_ctb_encode(&im, &b, &e), LW_OK);
    static const uint8_t want[] = {0x20, 0xF8, 0x02, 0x30, 0xC0, 0x07, 0x1F, 0x00};
    assert_int_equal(b.len, sizeof want);
    assert_memory_equal(b.data, want, sizeof want);
    lw_image back;
    assert_int_equal(lw_preview_ctb_decode(b.data, b.len, 5, 1, &back, &e), LW_OK);
    assert_memory_equal(back.rgba, px, sizeof px);
    lw_image_clear(&back);
    lw_err_clear(&e);
    assert_int_equal(lw_preview_ctb_decode(b.data, b.len, 6, 1, &back, &e), LW_EFORMAT);
    assert_non_null(strstr(e.msg, "holds 5 pixels"));
    assert_null(back.rgba);
    lw_err_clear(&e);
    assert_int_equal(lw_preview_ctb_decode(b.data, 2, 5, 1, &back, &e), LW_EFORMAT);
    assert_non_null(strstr(e.msg, "without its count word"));
    lw_err_clear(&e);
    assert_int_equal(lw_preview_ctb_decode(b.data, b.len, 2, 1, &back, &e), LW_EFORMAT);
    assert_non_null(strstr(e.msg, "goes past"));
    lw_err_clear(&e);
    assert_int_equal(lw_preview_ctb_decode(b.data, b.len, 60000, 60000, &back, &e),
                     LW_EFORMAT);
    assert_non_null(strstr(e.msg, "cannot hold"));
    lw_buf_clear(&b);
}

/* ---- allocation failures -------------------------------------------------------------------- */

static int write_read_once(void *ctx)
{
    const job *j = ctx;
    lw_buf out;
    lw_err e;
    lw_err_clear(&e);
    lw_rc rc = write_job(j, &out, &e);
    if (!rc) {
        lw_print_file f;
        rc = open_buf(&out, &f, &e);
        lw_layer_img img;
        lw_layer_img_init(&img, 0, 0);
        for (uint32_t i = 0; !rc && i < f.h.layer_count; i++)
            rc = lw_print_file_layer(&f, i, &img, &e);
        lw_layer_img_clear(&img);
        if (!rc || f.layers)
            lw_print_file_clear(&f);
    }
    if (rc && (e.rc != rc || !e.msg[0]))
        fail_msg("rc %s with message \"%s\"", lw_rc_name(rc), e.msg);
    lw_buf_clear(&out);
    return (int)rc;
}

static void test_allocation_failures(void **state)
{
    (void)state;
    job j;
    /* Without pictures of its own: lw_print_writer_open frees the caller's large preview when
     * copying the small one fails (printfile.c, reported). The black ones are still made. */
    make_job(&j, 4, 30, 12, 3, false);
    assert_true(lwt_alloc_torture(write_read_once, &j) > 10);
    free_job(&j);
}

/* Fitting a picture into a preview: proportions kept and centred, margins transparent, each
 * pixel the mean of the pixels it covers. A 100 x 50 picture, red on the left half and blue on
 * the right, into 40 x 40 becomes 40 x 20 from row 10; a 2 x 2 checkerboard of black and white
 * halves to mid grey. */
static void test_preview_fit(void **state)
{
    (void)state;
    lw_image src = {100, 50, lw_malloc(100 * 50 * 4)}, out;
    assert_non_null(src.rgba);
    for (uint32_t y = 0; y < 50; y++)
        for (uint32_t x = 0; x < 100; x++) {
            uint8_t *p = src.rgba + (y * 100 + x) * 4;
            bool cell = (x + y) % 2 == 0;
            p[0] = x < 50 ? 255 : 0;
            p[1] = cell ? 255 : 0; /* a checkerboard in green */
            p[2] = x < 50 ? 0 : 255;
            p[3] = 255;
        }
    lw_err err;
    lw_err_clear(&err);
    assert_int_equal(lw_image_fit(&src, 40, 40, &out, &err), LW_OK);
    assert_int_equal(out.width, 40);
    assert_int_equal(out.height, 40);
    for (uint32_t y = 0; y < 40; y++)
        for (uint32_t x = 0; x < 40; x++) {
            const uint8_t *q = out.rgba + (y * 40 + x) * 4;
            if (y < 10 || y >= 30) {
                assert_int_equal(q[0] | q[1] | q[2] | q[3], 0); /* the margin */
                continue;
            }
            assert_int_equal(q[3], 255);
            assert_int_equal(q[0], x < 20 ? 255 : 0);
            assert_int_equal(q[2], x < 20 ? 0 : 255);
            /* 2.5 x 2.5 source pixels per output pixel, taken as 2 or 3 a side: a checkerboard
             * block of 4 averages 127.5, of 6 exactly half, of 9 (5 of one colour) 4/9 or 5/9. */
            assert_in_range(q[1], 113, 142);
        }
    lw_image_clear(&out);
    /* Upscaling repeats pixels; the sizes of each format. */
    uint8_t px[4] = {10, 20, 30, 255}, none[4] = {0};
    lw_image one = {1, 1, px};
    assert_int_equal(lw_image_fit(&one, 3, 2, &out, &err), LW_OK);
    /* 2 x 2 at x 0..1 ((3 - 2) / 2 = 0), the last column margin */
    assert_memory_equal(out.rgba + 2 * 4, none, 4);
    assert_memory_equal(out.rgba + (1 * 3 + 1) * 4, px, 4);
    lw_image_clear(&out);
    assert_int_equal(lw_image_fit(&(lw_image){0, 0, NULL}, 3, 2, &out, &err), LW_EINVAL);
    uint32_t sm[2], lg[2];
    lw_preview_sizes(LW_PFMT_SL1, sm, lg);
    assert_true(sm[0] == 400 && sm[1] == 400 && lg[0] == 800 && lg[1] == 480);
    lw_preview_sizes(LW_PFMT_CTB, sm, lg);
    assert_true(sm[0] == 200 && sm[1] == 125 && lg[0] == 400 && lg[1] == 300);
    lw_free(src.rgba);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rle_known_bytes),
        cmocka_unit_test(test_rle_errors),
        cmocka_unit_test(test_xor),
        cmocka_unit_test(test_round_trip_v3),
        cmocka_unit_test(test_round_trip_v4),
        cmocka_unit_test(test_v3_one_stage),
        cmocka_unit_test(test_encoded_layers),
        cmocka_unit_test(test_estimate_at_the_end),
        cmocka_unit_test(test_writer_refuses),
        cmocka_unit_test(test_read_xor),
        cmocka_unit_test(test_cbddlp),
        cmocka_unit_test(test_encrypted),
        cmocka_unit_test(test_truncated_everywhere),
        cmocka_unit_test(test_bit_flips),
        cmocka_unit_test(test_hostile_fields),
        cmocka_unit_test(test_preview_words),
        cmocka_unit_test(test_preview_fit),
        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
