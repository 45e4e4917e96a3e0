/* Tests of the PNG encoders and decoder (src/print/png.c).
 *
 * Every layer PNG we write is read back by decoders we did not write: libspng for the pixels,
 * libdeflate's zlib decompressor for the deflate stream (checked against the raw rows built here
 * from lw_layer_img_row), and the chunk layout is walked by hand with its CRCs. Shapes cover the
 * edges of the encoder's arithmetic: 1-pixel images, widths around deflate's 258-byte match,
 * blank and fully lit screens, random anti-aliased runs, and symbol counts in a Fibonacci series
 * that force the Huffman tree past 15 levels. The decoder reads PNGs made by libspng's encoder in
 * every colour type and depth, an Adam7 image built by hand, and broken files.
 */
#include "lwtest.h"

#include <libdeflate.h>
#include <spng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "print/layer.h"
#include "print/png.h"

/* ---- helpers ------------------------------------------------------------------------------- */

static uint64_t g_rng = 0x9E3779B97F4A7C15ull;

static uint32_t rnd(void)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return (uint32_t)(g_rng >> 16);
}

/* Random rows of runs: gaps up to maxgap, runs up to maxlen, grey levels when aa. */
static void random_layer(lw_layer_img *img, uint32_t w, uint32_t h, uint32_t maxgap,
                         uint32_t maxlen, int aa)
{
    lw_layer_img_init(img, w, h);
    for (uint32_t y = 0; y < h; y++) {
        uint32_t x = rnd() % (maxgap + 1);
        while (x < w) {
            uint32_t len = 1 + rnd() % maxlen;
            if (len > w - x)
                len = w - x;
            uint8_t level = aa ? (uint8_t)(1 + rnd() % 255) : 255;
            assert_int_equal(lw_layer_img_add(img, y, x, len, level), LW_OK);
            x += len + rnd() % (maxgap + 1);
        }
    }
}

/* The layer as a full frame, from layer.c's own row expansion. */
static uint8_t *frame_of(const lw_layer_img *img)
{
    uint8_t *f = lw_malloc((size_t)img->width * img->height + 1);
    assert_non_null(f);
    size_t cursor = 0;
    for (uint32_t y = 0; y < img->height; y++)
        lw_layer_img_row(img, y, f + (size_t)y * img->width, &cursor);
    return f;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* libspng (not our decoder) decodes the PNG to grey; checks it matches the frame. */
static void spng_matches(const uint8_t *png, size_t len, const lw_layer_img *img)
{
    spng_ctx *ctx = spng_ctx_new(0);
    assert_non_null(ctx);
    assert_int_equal(spng_set_png_buffer(ctx, png, len), 0);
    struct spng_ihdr ihdr;
    assert_int_equal(spng_get_ihdr(ctx, &ihdr), 0);
    assert_int_equal(ihdr.width, img->width);
    assert_int_equal(ihdr.height, img->height);
    assert_int_equal(ihdr.bit_depth, 8);
    assert_int_equal(ihdr.color_type, SPNG_COLOR_TYPE_GRAYSCALE);
    size_t n;
    assert_int_equal(spng_decoded_image_size(ctx, SPNG_FMT_G8, &n), 0);
    assert_int_equal(n, (size_t)img->width * img->height);
    uint8_t *got = lw_malloc(n);
    assert_non_null(got);
    int e = spng_decode_image(ctx, got, n, SPNG_FMT_G8, 0);
    if (e)
        fail_msg("libspng: %s", spng_strerror(e));
    spng_ctx_free(ctx);
    uint8_t *want = frame_of(img);
    assert_memory_equal(got, want, n);
    lw_free(got);
    lw_free(want);
}

/* Walks the chunks by hand: signature, IHDR, IDATs, IEND, every CRC; inflates the zlib stream
 * with libdeflate and compares it to the raw rows (filter byte 0 + pixels). */
static void stream_matches(const uint8_t *png, size_t len, const lw_layer_img *img)
{
    static const uint8_t sig[8] = {137, 80, 78, 71, 13, 10, 26, 10};
    assert_true(len > 8 + 25 + 12);
    assert_memory_equal(png, sig, 8);
    size_t at = 8, zlen = 0;
    uint8_t *z = lw_malloc(len);
    assert_non_null(z);
    int saw_end = 0, chunks = 0;
    while (at < len) {
        assert_true(len - at >= 12);
        uint32_t n = be32(png + at);
        assert_true(n <= len - at - 12);
        uint32_t crc = (uint32_t)libdeflate_crc32(0, png + at + 4, 4 + (size_t)n);
        assert_int_equal(crc, be32(png + at + 8 + n));
        if (chunks == 0) {
            assert_memory_equal(png + at + 4, "IHDR", 4);
            assert_int_equal(n, 13);
            assert_int_equal(be32(png + at + 8), img->width);
            assert_int_equal(be32(png + at + 12), img->height);
            assert_int_equal(png[at + 16], 8);
            assert_int_equal(png[at + 17], 0);
            assert_int_equal(png[at + 20], 0);
        } else if (memcmp(png + at + 4, "IDAT", 4) == 0) {
            memcpy(z + zlen, png + at + 8, n);
            zlen += n;
        } else {
            assert_memory_equal(png + at + 4, "IEND", 4);
            assert_int_equal(n, 0);
            saw_end = 1;
        }
        chunks++;
        at += 12 + (size_t)n;
    }
    assert_true(saw_end);
    assert_int_equal(at, len);
    size_t raw_len = ((size_t)img->width + 1) * img->height;
    uint8_t *raw = lw_malloc(raw_len + 1), *want = lw_malloc(raw_len + 1);
    assert_non_null(raw);
    assert_non_null(want);
    size_t cursor = 0;
    for (uint32_t y = 0; y < img->height; y++) {
        uint8_t *r = want + (size_t)y * (img->width + 1);
        r[0] = 0;
        lw_layer_img_row(img, y, r + 1, &cursor);
    }
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    assert_non_null(d);
    size_t got = 0;
    enum libdeflate_result res = libdeflate_zlib_decompress(d, z, zlen, raw, raw_len, &got);
    libdeflate_free_decompressor(d);
    assert_int_equal(res, LIBDEFLATE_SUCCESS);
    assert_int_equal(got, raw_len);
    assert_memory_equal(raw, want, raw_len);
    /* The Adler-32 computed in closed form equals the library's over the bytes. */
    assert_int_equal(be32(z + zlen - 4), (uint32_t)libdeflate_adler32(1, want, raw_len));
    lw_free(raw);
    lw_free(want);
    lw_free(z);
}

static void roundtrip(const lw_layer_img *img)
{
    lw_png_enc e;
    lw_png_enc_init(&e);
    const uint8_t *png;
    size_t len;
    lw_err err;
    lw_err_clear(&err);
    if (lw_png_encode_layer(&e, img, &png, &len, &err))
        fail_msg("encode %ux%u: %s", img->width, img->height, err.msg);
    spng_matches(png, len, img);
    stream_matches(png, len, img);
    /* Our decoder gives back the same runs. */
    lw_layer_img back;
    lw_layer_img_init(&back, img->width, img->height);
    lw_png_limits lim = {img->width, img->height, (size_t)1 << 28, (size_t)1 << 24};
    if (lw_png_decode_layer(png, len, &lim, &back, &err))
        fail_msg("decode %ux%u: %s", img->width, img->height, err.msg);
    uint64_t differ, beyond;
    lw_layer_img_diff(img, &back, 0, &differ, &beyond);
    assert_int_equal(differ, 0);
    assert_int_equal(back.nruns, img->nruns);
    assert_int_equal(back.lit, img->lit);
    lw_layer_img_clear(&back);
    lw_png_enc_clear(&e);
}

/* ---- the layer encoder ----------------------------------------------------------------------- */

static void test_tiny_and_blank(void **state)
{
    (void)state;
    static const uint32_t dims[][2] = {{1, 1},     {1, 2},   {2, 1},   {3, 1},    {1, 300},
                                       {257, 1},   {258, 1}, {259, 1}, {260, 1},  {261, 2},
                                       {515, 3},   {516, 2}, {517, 1}, {1000, 7}, {7, 1000},
                                       {4096, 64}, {33, 33}};
    for (size_t i = 0; i < sizeof dims / sizeof dims[0]; i++) {
        lw_layer_img img;
        lw_layer_img_init(&img, dims[i][0], dims[i][1]);
        roundtrip(&img); /* blank */
        /* fully lit, then one lit pixel in each corner */
        for (uint32_t y = 0; y < img.height; y++)
            assert_int_equal(lw_layer_img_add(&img, y, 0, img.width, 255), LW_OK);
        roundtrip(&img);
        lw_layer_img_reset(&img);
        assert_int_equal(lw_layer_img_add(&img, 0, 0, 1, 7), LW_OK);
        if (img.width > 1)
            assert_int_equal(lw_layer_img_add(&img, 0, img.width - 1, 1, 200), LW_OK);
        if (img.height > 1) {
            assert_int_equal(lw_layer_img_add(&img, img.height - 1, 0, 1, 255), LW_OK);
            if (img.width > 2)
                assert_int_equal(lw_layer_img_add(&img, img.height - 1, img.width - 1, 1, 1),
                                 LW_OK);
        }
        roundtrip(&img);
        lw_layer_img_clear(&img);
    }
}

static void test_random_shapes(void **state)
{
    (void)state;
    for (int k = 0; k < 60; k++) {
        uint32_t w = 1 + rnd() % 700, h = 1 + rnd() % 120;
        uint32_t gap = rnd() % 3 == 0 ? 2 : 1 + rnd() % 900;
        uint32_t len = 1 + rnd() % (rnd() % 2 ? 4 : 600);
        lw_layer_img img;
        random_layer(&img, w, h, gap, len, (int)(k % 3 != 0));
        roundtrip(&img);
        lw_layer_img_clear(&img);
    }
}

/* Levels 1..24 with Fibonacci counts (each pixel isolated, so each is a literal): an
 * unconstrained Huffman tree would be 23 levels deep; deflate allows 15. */
static void test_deep_huffman(void **state)
{
    (void)state;
    lw_layer_img img;
    lw_layer_img_init(&img, 1001, 300);
    uint32_t y = 0, x = 0;
    uint64_t a = 1, b = 1;
    for (unsigned level = 1; level <= 24; level++) {
        for (uint64_t i = 0; i < a; i++) {
            assert_int_equal(lw_layer_img_add(&img, y, x, 1, (uint8_t)level), LW_OK);
            x += 2;
            if (x >= img.width) {
                x = 0;
                y++;
            }
        }
        uint64_t c = a + b;
        a = b;
        b = c;
    }
    assert_true(y < img.height);
    roundtrip(&img);
    lw_layer_img_clear(&img);
}

/* A screen of the size the issue names, with a ring (a few thousand runs) and a busy plate. */
static void test_screen_sized(void **state)
{
    (void)state;
    lw_layer_img img;
    lw_layer_img_init(&img, 7500, 3240);
    roundtrip(&img);
    for (uint32_t y = 1400; y < 1800; y++) { /* an annulus, anti-aliased edges */
        double dy = y - 1600.0;
        double ro = 200.0 * 200.0 - dy * dy, ri = 160.0 * 160.0 - dy * dy;
        if (ro <= 0)
            continue;
        uint32_t xo = (uint32_t)(sqrt(ro)), xi = ri > 0 ? (uint32_t)sqrt(ri) : 0;
        uint32_t cx = 3000;
        assert_int_equal(lw_layer_img_add(&img, y, cx - xo - 1, 1, 90), LW_OK);
        if (ri > 0) {
            assert_int_equal(lw_layer_img_add(&img, y, cx - xo, xo - xi, 255), LW_OK);
            assert_int_equal(lw_layer_img_add(&img, y, cx - xi, 1, 30), LW_OK);
            assert_int_equal(lw_layer_img_add(&img, y, cx + xi, 1, 30), LW_OK);
            assert_int_equal(lw_layer_img_add(&img, y, cx + xi + 1, xo - xi - 1, 255), LW_OK);
        } else {
            assert_int_equal(lw_layer_img_add(&img, y, cx - xo, 2 * xo, 255), LW_OK);
        }
        assert_int_equal(lw_layer_img_add(&img, y, cx + xo + 1, 1, 90), LW_OK);
    }
    roundtrip(&img);
    lw_layer_img_clear(&img);
}

static void test_deterministic_and_reuse(void **state)
{
    (void)state;
    lw_layer_img a, b;
    random_layer(&a, 640, 80, 50, 30, 1);
    random_layer(&b, 300, 500, 10, 300, 1);
    lw_png_enc e;
    lw_png_enc_init(&e);
    lw_err err;
    const uint8_t *p;
    size_t n1, n2;
    assert_int_equal(lw_png_encode_layer(&e, &a, &p, &n1, &err), LW_OK);
    uint8_t *first = lw_malloc(n1);
    assert_non_null(first);
    memcpy(first, p, n1);
    assert_int_equal(lw_png_encode_layer(&e, &b, &p, &n2, &err), LW_OK); /* reuse scratch */
    spng_matches(p, n2, &b);
    assert_int_equal(lw_png_encode_layer(&e, &a, &p, &n2, &err), LW_OK);
    assert_int_equal(n1, n2);
    assert_memory_equal(first, p, n1);
    lw_free(first);
    lw_png_enc_clear(&e);
    lw_layer_img_clear(&a);
    lw_layer_img_clear(&b);
}

static void test_bad_runs(void **state)
{
    (void)state;
    lw_png_enc e;
    lw_png_enc_init(&e);
    lw_err err;
    const uint8_t *p;
    size_t n;
    lw_run runs[2] = {{2, 5, 3, 255}, {1, 0, 2, 255}}; /* row 2 then row 1 */
    lw_layer_img img = {10, 4, runs, 2, 2, 0};
    lw_err_clear(&err);
    assert_int_equal(lw_png_encode_layer(&e, &img, &p, &n, &err), LW_EINVAL);
    assert_non_null(strstr(err.msg, "out of order"));
    runs[1] = (lw_run){2, 7, 5, 255}; /* past the right edge */
    lw_err_clear(&err);
    assert_int_equal(lw_png_encode_layer(&e, &img, &p, &n, &err), LW_EINVAL);
    runs[1] = (lw_run){4, 0, 1, 255}; /* below the image */
    lw_err_clear(&err);
    assert_int_equal(lw_png_encode_layer(&e, &img, &p, &n, &err), LW_EINVAL);
    runs[1] = (lw_run){2, 6, 1, 255}; /* overlapping */
    lw_err_clear(&err);
    assert_int_equal(lw_png_encode_layer(&e, &img, &p, &n, &err), LW_EINVAL);
    lw_layer_img empty = {0, 5, NULL, 0, 0, 0};
    lw_err_clear(&err);
    assert_int_equal(lw_png_encode_layer(&e, &empty, &p, &n, &err), LW_EINVAL);
    lw_png_enc_clear(&e);
}

/* ---- thumbnails ------------------------------------------------------------------------------ */

static void test_rgba(void **state)
{
    (void)state;
    static const uint32_t dims[][2] = {{1, 1}, {2, 3}, {400, 400}, {800, 480}, {37, 5}};
    for (size_t k = 0; k < sizeof dims / sizeof dims[0]; k++) {
        lw_image im = {dims[k][0], dims[k][1], NULL};
        size_t n = 4 * (size_t)im.width * im.height;
        im.rgba = lw_malloc(n);
        assert_non_null(im.rgba);
        for (size_t i = 0; i < n; i++) /* gradients with noise: every filter gets chosen */
            im.rgba[i] = (uint8_t)(k % 2 ? rnd() : (i / 4 % im.width) * 3 + (i % 4) * 50 +
                                                      (rnd() % 4));
        lw_buf out;
        lw_buf_init(&out, 0);
        lw_err err;
        assert_int_equal(lw_png_encode_rgba(&im, &out, &err), LW_OK);
        spng_ctx *ctx = spng_ctx_new(0);
        assert_non_null(ctx);
        assert_int_equal(spng_set_png_buffer(ctx, out.data, out.len), 0);
        uint8_t *got = lw_malloc(n);
        assert_non_null(got);
        assert_int_equal(spng_decode_image(ctx, got, n, SPNG_FMT_RGBA8, 0), 0);
        spng_ctx_free(ctx);
        assert_memory_equal(got, im.rgba, n);
        /* and through our decoder */
        lw_image back;
        lw_png_limits lim = {4096, 4096, (size_t)1 << 26, 0};
        if (lw_png_decode_rgba(out.data, out.len, &lim, &back, &err))
            fail_msg("%s", err.msg);
        assert_int_equal(back.width, im.width);
        assert_int_equal(back.height, im.height);
        assert_memory_equal(back.rgba, im.rgba, n);
        lw_image_clear(&back);
        lw_free(got);
        lw_buf_clear(&out);
        lw_image_clear(&im);
    }
}

/* ---- the decoder on other encoders' PNGs ----------------------------------------------------- */

/* PNG bytes from libspng's encoder (pixels in PNG's own layout); lw_free them. */
static uint8_t *spng_encode(uint32_t w, uint32_t h, uint8_t ctype, uint8_t depth,
                            const void *px, size_t pxlen, const struct spng_plte *plte,
                            const struct spng_trns *trns, size_t *len)
{
    struct spng_alloc a = {lw_malloc, lw_realloc, lw_calloc, lw_free};
    spng_ctx *ctx = spng_ctx_new2(&a, SPNG_CTX_ENCODER);
    assert_non_null(ctx);
    assert_int_equal(spng_set_option(ctx, SPNG_ENCODE_TO_BUFFER, 1), 0);
    struct spng_ihdr ihdr = {w, h, depth, ctype, 0, 0, 0};
    assert_int_equal(spng_set_ihdr(ctx, &ihdr), 0);
    if (plte)
        assert_int_equal(spng_set_plte(ctx, (struct spng_plte *)plte), 0);
    if (trns)
        assert_int_equal(spng_set_trns(ctx, (struct spng_trns *)trns), 0);
    int e = spng_encode_image(ctx, px, pxlen, SPNG_FMT_PNG, SPNG_ENCODE_FINALIZE);
    if (e)
        fail_msg("libspng encode: %s", spng_strerror(e));
    int err = 0;
    uint8_t *out = spng_get_png_buffer(ctx, len, &err);
    assert_int_equal(err, 0);
    assert_non_null(out);
    spng_ctx_free(ctx);
    return out;
}

static void decode_expect(const uint8_t *png, size_t len, const uint8_t *want, uint32_t w,
                          uint32_t h)
{
    lw_layer_img img;
    lw_layer_img_init(&img, 0, 0);
    lw_png_limits lim = {4096, 4096, (size_t)1 << 24, (size_t)1 << 20};
    lw_err err;
    lw_err_clear(&err);
    if (lw_png_decode_layer(png, len, &lim, &img, &err))
        fail_msg("decode: %s", err.msg);
    assert_int_equal(img.width, w);
    assert_int_equal(img.height, h);
    uint8_t *got = frame_of(&img);
    assert_memory_equal(got, want, (size_t)w * h);
    lw_free(got);
    lw_layer_img_clear(&img);
}

static void test_decode_other_types(void **state)
{
    (void)state;
    enum { W = 19, H = 7 };
    uint8_t want[W * H], px[W * H * 8];
    size_t len;
    /* grey at depths 1, 2, 4: packed rows, values scaled to 0-255 */
    static const unsigned depths[] = {1, 2, 4};
    for (size_t d = 0; d < 3; d++) {
        unsigned depth = depths[d], maxv = (1u << depth) - 1, per = 8 / depth;
        size_t stride = (W + per - 1) / per;
        memset(px, 0, sizeof px);
        for (uint32_t y = 0; y < H; y++)
            for (uint32_t x = 0; x < W; x++) {
                unsigned v = rnd() % (maxv + 1);
                want[y * W + x] = (uint8_t)(v * (255 / maxv));
                unsigned shift = 8 - depth * (x % per + 1);
                px[y * stride + x / per] |= (uint8_t)(v << shift);
            }
        uint8_t *png = spng_encode(W, H, SPNG_COLOR_TYPE_GRAYSCALE, (uint8_t)depth, px,
                                   stride * H, NULL, NULL, &len);
        decode_expect(png, len, want, W, H);
        lw_free(png);
    }
    /* 16-bit grey: both bytes equal, so byte order does not matter; the top byte counts */
    for (size_t i = 0; i < W * H; i++) {
        uint8_t v = (uint8_t)rnd();
        px[2 * i] = px[2 * i + 1] = v;
        want[i] = v;
    }
    uint8_t *png = spng_encode(W, H, SPNG_COLOR_TYPE_GRAYSCALE, 16, px, 2 * W * H, NULL, NULL,
                               &len);
    decode_expect(png, len, want, W, H);
    lw_free(png);
    /* RGB and RGBA: luma 77/150/29 over 256, scaled by alpha */
    for (int alpha = 0; alpha < 2; alpha++) {
        size_t ch = alpha ? 4 : 3;
        for (size_t i = 0; i < W * H; i++) {
            uint8_t *p = px + ch * i;
            for (size_t c = 0; c < ch; c++)
                p[c] = (uint8_t)rnd();
            unsigned l = (77u * p[0] + 150u * p[1] + 29u * p[2] + 128u) >> 8;
            unsigned a = alpha ? p[3] : 255;
            want[i] = (uint8_t)((l * a + 127) / 255);
        }
        png = spng_encode(W, H, alpha ? SPNG_COLOR_TYPE_TRUECOLOR_ALPHA : SPNG_COLOR_TYPE_TRUECOLOR,
                          8, px, ch * W * H, NULL, NULL, &len);
        decode_expect(png, len, want, W, H);
        lw_free(png);
    }
    /* grey + alpha */
    for (size_t i = 0; i < W * H; i++) {
        px[2 * i] = (uint8_t)rnd();
        px[2 * i + 1] = (uint8_t)rnd();
        want[i] = (uint8_t)((px[2 * i] * (unsigned)px[2 * i + 1] + 127) / 255);
    }
    png = spng_encode(W, H, SPNG_COLOR_TYPE_GRAYSCALE_ALPHA, 8, px, 2 * W * H, NULL, NULL, &len);
    decode_expect(png, len, want, W, H);
    lw_free(png);
    /* palette with transparency */
    struct spng_plte plte = {0};
    struct spng_trns trns = {0};
    plte.n_entries = 16;
    trns.n_type3_entries = 16;
    for (unsigned i = 0; i < 16; i++) {
        plte.entries[i].red = (uint8_t)(i * 16);
        plte.entries[i].green = (uint8_t)(255 - i * 9);
        plte.entries[i].blue = (uint8_t)(i * 3);
        trns.type3_alpha[i] = (uint8_t)(i * 17);
    }
    for (size_t i = 0; i < W * H; i++) {
        unsigned k = rnd() % 16;
        px[i] = (uint8_t)k;
        const struct spng_plte_entry *e = &plte.entries[k];
        unsigned l = (77u * e->red + 150u * e->green + 29u * e->blue + 128u) >> 8;
        want[i] = (uint8_t)((l * trns.type3_alpha[k] + 127) / 255);
    }
    png = spng_encode(W, H, SPNG_COLOR_TYPE_INDEXED, 8, px, W * H, &plte, &trns, &len);
    decode_expect(png, len, want, W, H);
    lw_free(png);
}

/* An Adam7-interlaced 8-bit grey PNG built by hand (PNG 8.2): the seven passes' sub-images, each
 * row with filter byte 0, deflated by libdeflate. */
static void test_decode_interlaced(void **state)
{
    (void)state;
    enum { W = 13, H = 11 };
    static const int x0[7] = {0, 4, 0, 2, 0, 1, 0}, y0[7] = {0, 0, 4, 0, 2, 0, 1};
    static const int dx[7] = {8, 8, 4, 4, 2, 2, 1}, dy[7] = {8, 8, 8, 4, 4, 2, 2};
    uint8_t want[W * H], raw[4096];
    for (size_t i = 0; i < sizeof want; i++)
        want[i] = rnd() % 3 ? 0 : (uint8_t)rnd();
    size_t n = 0;
    for (int p = 0; p < 7; p++) {
        for (int y = y0[p]; y < H; y += dy[p]) {
            if (x0[p] >= W)
                break;
            raw[n++] = 0;
            for (int x = x0[p]; x < W; x += dx[p])
                raw[n++] = want[y * W + x];
        }
    }
    struct libdeflate_compressor *c = libdeflate_alloc_compressor(6);
    assert_non_null(c);
    uint8_t z[8192];
    size_t zl = libdeflate_zlib_compress(c, raw, n, z, sizeof z);
    libdeflate_free_compressor(c);
    assert_true(zl > 0);
    uint8_t png[9000];
    size_t at = 0;
    static const uint8_t sig[8] = {137, 80, 78, 71, 13, 10, 26, 10};
    memcpy(png, sig, 8);
    at = 8;
    uint8_t ihdr[13] = {0, 0, 0, W, 0, 0, 0, H, 8, 0, 0, 0, 1};
    const struct { const char *t; const uint8_t *d; size_t n; } ch[3] = {
        {"IHDR", ihdr, 13}, {"IDAT", z, zl}, {"IEND", NULL, 0}};
    for (int k = 0; k < 3; k++) {
        png[at] = (uint8_t)(ch[k].n >> 24);
        png[at + 1] = (uint8_t)(ch[k].n >> 16);
        png[at + 2] = (uint8_t)(ch[k].n >> 8);
        png[at + 3] = (uint8_t)ch[k].n;
        memcpy(png + at + 4, ch[k].t, 4);
        if (ch[k].n)
            memcpy(png + at + 8, ch[k].d, ch[k].n);
        uint32_t crc = (uint32_t)libdeflate_crc32(0, png + at + 4, 4 + ch[k].n);
        png[at + 8 + ch[k].n] = (uint8_t)(crc >> 24);
        png[at + 9 + ch[k].n] = (uint8_t)(crc >> 16);
        png[at + 10 + ch[k].n] = (uint8_t)(crc >> 8);
        png[at + 11 + ch[k].n] = (uint8_t)crc;
        at += 12 + ch[k].n;
    }
    decode_expect(png, at, want, W, H);
    /* the whole-image path has a limit */
    lw_layer_img img;
    lw_layer_img_init(&img, 0, 0);
    lw_png_limits lim = {4096, 4096, W * H - 1, 1000};
    lw_err err;
    lw_err_clear(&err);
    assert_int_equal(lw_png_decode_layer(png, at, &lim, &img, &err), LW_ELIMIT);
    lw_layer_img_clear(&img);
}

/* ---- the decoder on broken and oversized PNGs ------------------------------------------------ */

static lw_rc try_decode(const uint8_t *png, size_t len, uint32_t w, uint32_t h,
                        const lw_png_limits *lim, lw_err *err)
{
    lw_layer_img img;
    lw_layer_img_init(&img, w, h);
    lw_err_clear(err);
    lw_rc rc = lw_png_decode_layer(png, len, lim, &img, err);
    if (rc) {
        assert_int_equal(img.nruns, 0);
        assert_int_equal(img.lit, 0);
        assert_true(err->msg[0] != '\0');
        assert_int_equal(err->rc, rc);
    }
    lw_layer_img_clear(&img);
    return rc;
}

static void test_decode_hostile(void **state)
{
    (void)state;
    lw_layer_img img;
    random_layer(&img, 300, 40, 20, 20, 1);
    lw_png_enc e;
    lw_png_enc_init(&e);
    const uint8_t *p;
    size_t n;
    lw_err err;
    assert_int_equal(lw_png_encode_layer(&e, &img, &p, &n, &err), LW_OK);
    uint8_t *png = lw_malloc(n);
    assert_non_null(png);
    lw_png_limits lim = {1000, 1000, 1 << 20, 100000};

    assert_int_equal(try_decode(p, n, 300, 40, &lim, &err), LW_OK);
    assert_int_equal(try_decode(p, n, 301, 40, &lim, &err), LW_EFORMAT); /* wrong size */
    assert_non_null(strstr(err.msg, "300x40"));
    assert_int_equal(try_decode((const uint8_t *)"GIF89a", 6, 0, 0, &lim, &err), LW_EFORMAT);
    assert_int_equal(try_decode(p, 0, 0, 0, &lim, &err), LW_EFORMAT);
    for (size_t cut = 1; cut < n; cut += n / 17 + 1) /* truncated anywhere */
        assert_int_not_equal(try_decode(p, cut, 0, 0, &lim, &err), LW_OK);
    memcpy(png, p, n);
    png[n / 2] ^= 0x10; /* a bit flipped in the IDAT: the CRC catches it */
    assert_int_equal(try_decode(png, n, 0, 0, &lim, &err), LW_EFORMAT);
    memcpy(png, p, n);
    png[n - 12 - 4 - 2] ^= 0x01; /* the Adler-32 (CRC fixed up so only Adler is wrong) */
    uint32_t zl = be32(png + 33);
    uint32_t crc = (uint32_t)libdeflate_crc32(0, png + 37, 4 + (size_t)zl);
    png[41 + zl] = (uint8_t)(crc >> 24);
    png[42 + zl] = (uint8_t)(crc >> 16);
    png[43 + zl] = (uint8_t)(crc >> 8);
    png[44 + zl] = (uint8_t)crc;
    assert_int_equal(try_decode(png, n, 0, 0, &lim, &err), LW_EFORMAT);
    /* limits */
    lw_png_limits small = {299, 1000, 1 << 20, 100000};
    assert_int_equal(try_decode(p, n, 0, 0, &small, &err), LW_ELIMIT);
    small = (lw_png_limits){1000, 39, 1 << 20, 100000};
    assert_int_equal(try_decode(p, n, 0, 0, &small, &err), LW_ELIMIT);
    small = (lw_png_limits){1000, 1000, 1 << 20, img.nruns - 1};
    assert_int_equal(try_decode(p, n, 0, 0, &small, &err), LW_ELIMIT);
    /* a header claiming 2^31-1 x 2^31-1 pixels */
    memcpy(png, p, n);
    png[16] = png[20] = 0x7F;
    png[17] = png[18] = png[19] = png[21] = png[22] = png[23] = 0xFF;
    crc = (uint32_t)libdeflate_crc32(0, png + 12, 17);
    png[29] = (uint8_t)(crc >> 24);
    png[30] = (uint8_t)(crc >> 16);
    png[31] = (uint8_t)(crc >> 8);
    png[32] = (uint8_t)crc;
    assert_int_equal(try_decode(png, n, 0, 0, &lim, &err), LW_ELIMIT);
    lw_free(png);
    lw_png_enc_clear(&e);
    lw_layer_img_clear(&img);
}

/* ---- allocation failures --------------------------------------------------------------------- */

typedef struct torture_ctx {
    const lw_layer_img *img;
    const uint8_t *png;
    size_t len;
} torture_ctx;

static int torture_encode_decode(void *vctx)
{
    torture_ctx *t = vctx;
    lw_png_enc e;
    lw_png_enc_init(&e);
    const uint8_t *p;
    size_t n;
    lw_err err;
    lw_err_clear(&err);
    lw_rc rc = lw_png_encode_layer(&e, t->img, &p, &n, &err);
    if (!rc) {
        lw_layer_img back;
        lw_layer_img_init(&back, 0, 0);
        lw_png_limits lim = {4096, 4096, 1 << 24, 1 << 20};
        rc = lw_png_decode_layer(p, n, &lim, &back, &err);
        if (rc)
            assert_int_equal(back.nruns, 0);
        lw_layer_img_clear(&back);
    }
    lw_png_enc_clear(&e);
    if (!rc) {
        lw_image im = {3, 2, NULL};
        uint8_t px[24] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18};
        im.rgba = px;
        lw_buf out;
        lw_buf_init(&out, 0);
        rc = lw_png_encode_rgba(&im, &out, &err);
        if (!rc) {
            lw_image back;
            lw_png_limits lim = {16, 16, 4096, 0};
            rc = lw_png_decode_rgba(out.data, out.len, &lim, &back, &err);
            lw_image_clear(&back);
        }
        lw_buf_clear(&out);
    }
    if (rc)
        assert_int_equal(err.rc, rc);
    return rc;
}

static void test_alloc_torture(void **state)
{
    (void)state;
    lw_layer_img img;
    random_layer(&img, 120, 30, 10, 10, 1);
    torture_ctx t = {&img, NULL, 0};
    long points = lwt_alloc_torture(torture_encode_decode, &t);
    assert_true(points > 5);
    lw_layer_img_clear(&img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tiny_and_blank),
        cmocka_unit_test(test_random_shapes),
        cmocka_unit_test(test_deep_huffman),
        cmocka_unit_test(test_screen_sized),
        cmocka_unit_test(test_deterministic_and_reuse),
        cmocka_unit_test(test_bad_runs),
        cmocka_unit_test(test_rgba),
        cmocka_unit_test(test_decode_other_types),
        cmocka_unit_test(test_decode_interlaced),
        cmocka_unit_test(test_decode_hostile),
        cmocka_unit_test(test_alloc_torture),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
