/* libFuzzer target: the GOO reader and layer codec. A GOO header is 195,477 bytes, more than a
 * fuzzer's inputs, so most inputs are spliced behind a valid header the target writes itself
 * (lostwax's own writer, 16 x 8 screen): the fuzzer then drives the layer records, the RLE and
 * the footer. Limits are small so no input can make a run slow or large. Whatever the bytes:
 * failures carry their code and a message and leave the file empty; decoded layers lie on the
 * screen, in order; a decoded layer encodes and decodes back to the same pixels.
 * Input: byte 0 picks the mode (% 3): 0 = a raw layer on a (byte 1 % 64 + 1) x (byte 2 % 64 + 1)
 * screen; 1 = a header with byte 1 % 8 layers and a (byte 2 % 64 + 1) x (byte 3 % 64 + 1)
 * screen, then bytes 4.. as the layers and footer; 2 = a whole file (bytes 1..).
 * Seeds: tests/fuzz/corpus/goo/ (made by lostwax's writer: records and footers, raw layers). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/sink.h"
#include "print/fmt_goo.h"
#include "print/layer.h"
#include "print/printfile.h"

#define HEADER 195477u
#define G_S (HEADER - 167u) /* where the settings after the previews begin */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *g_header; /* made once */

static const uint8_t *header(void)
{
    if (g_header)
        return g_header;
    lw_print_header h;
    memset(&h, 0, sizeof h);
    h.format = LW_PFMT_GOO;
    h.version = 3;
    h.res_x = 16;
    h.res_y = 8;
    h.layer_height = 0.05;
    h.aa_level = 1;
    lw_buf b;
    lw_buf_init(&b, 0);
    lw_sink s;
    lw_sink_open_buf(&s, &b);
    lw_print_writer *w;
    lw_err e;
    if (lw_print_writer_open(&h, &s, &w, &e) || b.len != HEADER)
        __builtin_trap();
    lw_print_writer_free(w);
    g_header = lw_buf_steal(&b, &(size_t){0});
    return g_header;
}

static void check_layer(const lw_layer_img *img)
{
    uint64_t lit = 0;
    for (size_t i = 0; i < img->nruns; i++) {
        const lw_run *r = &img->runs[i];
        if (r->y >= img->height || r->x >= img->width || r->len == 0 || r->level == 0 ||
            r->len > img->width - r->x)
            __builtin_trap();
        if (i && (r->y < img->runs[i - 1].y ||
                  (r->y == img->runs[i - 1].y && r->x < img->runs[i - 1].x + img->runs[i - 1].len)))
            __builtin_trap();
        lit += (uint64_t)r->len * r->level;
    }
    if (lit != img->lit)
        __builtin_trap();
    lw_buf b;
    lw_buf_init(&b, 0);
    lw_err e;
    lw_err_clear(&e);
    if (lw_goo_encode_layer(img, &b, &e))
        __builtin_trap();
    lw_layer_img back;
    lw_layer_img_init(&back, img->width, img->height);
    if (lw_goo_decode_rle(b.data, b.len, &back, &e))
        __builtin_trap();
    uint64_t differ, beyond;
    lw_layer_img_diff(img, &back, 0, &differ, &beyond);
    if (differ)
        __builtin_trap();
    lw_layer_img_clear(&back);
    lw_buf_clear(&b);
}

static void read_file(const uint8_t *d, size_t n)
{
    lw_print_limits lim;
    lw_print_limits_default(&lim);
    lim.max_file_bytes = (size_t)1 << 21;
    lim.max_layers = 64;
    lim.max_pixels_x = lim.max_pixels_y = 256;
    lim.max_layer_bytes = (size_t)1 << 20;
    lw_print_file f;
    lw_err e;
    lw_err_clear(&e);
    lw_rc rc = lw_print_file_open(d, n, &lim, &f, &e);
    if (rc) {
        if (e.rc != rc || !e.msg[0] || f.layers || f.layer_off || f.h.preview_large.rgba)
            __builtin_trap();
        return;
    }
    if (f.h.format != LW_PFMT_GOO || !f.h.preview_small.rgba || !f.h.preview_large.rgba)
        __builtin_trap();
    lw_layer_img img;
    lw_layer_img_init(&img, 0, 0);
    for (uint32_t i = 0; i < f.h.layer_count; i++) {
        lw_err_clear(&e);
        rc = lw_print_file_layer(&f, i, &img, &e);
        if (rc && (rc != LW_EFORMAT || e.rc != rc || !e.msg[0] || img.nruns))
            __builtin_trap();
        if (!rc)
            check_layer(&img);
    }
    lw_layer_img_clear(&img);
    lw_print_file_clear(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    unsigned mode = data[0] % 3;
    if (mode == 0) {
        lw_layer_img img;
        lw_layer_img_init(&img, data[1] % 64u + 1, data[2] % 64u + 1);
        lw_err e;
        lw_err_clear(&e);
        lw_rc rc = lw_goo_decode_rle(data + 3, size - 3, &img, &e);
        if (rc && (rc != LW_EFORMAT || e.rc != rc || !e.msg[0] || img.nruns))
            __builtin_trap();
        if (!rc)
            check_layer(&img);
        lw_layer_img_clear(&img);
    } else if (mode == 1) {
        size_t n = HEADER + size - 4;
        uint8_t *f = lw_malloc(n);
        if (!f)
            return 0;
        memcpy(f, header(), HEADER);
        memcpy(f + HEADER, data + 4, size - 4);
        f[G_S + 3] = data[1] % 8;  /* layer count (big-endian u32: its low byte) */
        f[G_S + 5] = (uint8_t)(data[2] % 64 + 1); /* screen width, low byte */
        f[G_S + 7] = (uint8_t)(data[3] % 64 + 1);
        read_file(f, n);
        lw_free(f);
    } else {
        read_file(data + 1, size - 1);
    }
    return 0;
}
