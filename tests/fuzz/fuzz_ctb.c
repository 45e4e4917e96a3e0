/* libFuzzer target: the CTB reader (lw_print_file_open on CTB/CBDDLP bytes, then every layer
 * decoded) and the CTB layer codec on its own. Limits are small (256 x 256 screens, 64 layers,
 * 1 MiB) so no input can make a run slow or large. Whatever the bytes: failures carry their
 * code and a message and leave the file empty; decoded layers lie on the screen, in order, with
 * odd (7-bit) levels; and a decoded layer encodes and decodes back to the same pixels.
 * Input: byte 0 picks the mode: even = a whole file (the rest of the bytes), odd = a raw layer
 * on a screen of (byte 1 % 64 + 1) x (byte 2 % 64 + 1) with XOR seed bytes 3-6 (0 = off).
 * Seeds: tests/fuzz/corpus/ctb/ (tiny files lostwax wrote, one CBDDLP, raw layers). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/buf.h"
#include "print/fmt_ctb.h"
#include "print/layer.h"
#include "print/printfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Runs in bounds and in order, lit consistent; for CTB data also levels odd (7-bit) and the
 * layer re-encoded decodes to the same pixels. */
static void check_layer(const lw_layer_img *img, bool seven_bit)
{
    uint64_t lit = 0;
    for (size_t i = 0; i < img->nruns; i++) {
        const lw_run *r = &img->runs[i];
        if (r->y >= img->height || r->x >= img->width || r->len == 0 ||
            r->len > img->width - r->x || (seven_bit && !(r->level & 1)))
            __builtin_trap();
        if (i && (r->y < img->runs[i - 1].y ||
                  (r->y == img->runs[i - 1].y && r->x < img->runs[i - 1].x + img->runs[i - 1].len)))
            __builtin_trap();
        lit += (uint64_t)r->len * r->level;
    }
    if (lit != img->lit)
        __builtin_trap();
    if (!seven_bit)
        return;
    lw_buf b;
    lw_buf_init(&b, 0);
    lw_err e;
    lw_err_clear(&e);
    if (lw_ctb_encode_layer(img, &b, &e))
        __builtin_trap();
    lw_layer_img back;
    lw_layer_img_init(&back, img->width, img->height);
    if (lw_ctb_decode_rle(b.data, b.len, 0, 0, &back, &e))
        __builtin_trap();
    uint64_t differ, beyond;
    lw_layer_img_diff(img, &back, 0, &differ, &beyond);
    if (differ)
        __builtin_trap();
    lw_layer_img_clear(&back);
    lw_buf_clear(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    lw_err e;
    lw_err_clear(&e);
    if (data[0] & 1) {
        if (size < 7)
            return 0;
        uint32_t seed = (uint32_t)data[3] | (uint32_t)data[4] << 8 | (uint32_t)data[5] << 16 |
                        (uint32_t)data[6] << 24;
        lw_layer_img img;
        lw_layer_img_init(&img, data[1] % 64u + 1, data[2] % 64u + 1);
        lw_rc rc = lw_ctb_decode_rle(data + 7, size - 7, seed, data[0] >> 1, &img, &e);
        if (rc && (rc != LW_EFORMAT || e.rc != rc || !e.msg[0] || img.nruns))
            __builtin_trap();
        if (!rc)
            check_layer(&img, true);
        lw_layer_img_clear(&img);
        return 0;
    }
    lw_print_limits lim;
    lw_print_limits_default(&lim);
    lim.max_file_bytes = (size_t)1 << 20;
    lim.max_layers = 64;
    lim.max_pixels_x = lim.max_pixels_y = 256;
    lim.max_layer_bytes = (size_t)1 << 20;
    lw_print_file f;
    lw_rc rc = lw_print_file_open(data + 1, size - 1, &lim, &f, &e);
    if (rc) {
        if (e.rc != rc || !e.msg[0] || f.layers || f.layer_off || f.h.preview_large.rgba ||
            f.h.preview_small.rgba)
            __builtin_trap();
        return 0;
    }
    if (f.h.format != LW_PFMT_CTB || !f.layers || f.h.res_x > 256 || f.h.res_y > 256)
        __builtin_trap();
    lw_layer_img img;
    lw_layer_img_init(&img, 0, 0);
    for (uint32_t i = 0; i < f.h.layer_count; i++) {
        lw_err_clear(&e);
        rc = lw_print_file_layer(&f, i, &img, &e);
        if (rc && (rc != LW_EFORMAT || e.rc != rc || !e.msg[0] || img.nruns))
            __builtin_trap();
        if (!rc) {
            if (img.width != f.h.res_x || img.height != f.h.res_y)
                __builtin_trap();
            /* CBDDLP levels are s * 256 / N - 1 for N planes, not 7-bit values. */
            check_layer(&img, memcmp(data + 1, "\x19\x00\xFD\x12", 4) != 0);
        }
    }
    lw_layer_img_clear(&img);
    lw_print_file_clear(&f);
    return 0;
}
