/* libFuzzer target for the SL1 reader (src/print/fmt_sl1.c through lw_print_file_open): the zip,
 * the INI files, the layer index, the thumbnails and the layer PNGs, under limits small enough
 * that every input finishes quickly.
 *
 * Two kinds of input: a zip (starting "PK") is read as it is; anything else is text, packed
 * (stored) as config.ini, with whatever follows a line "--" as prusaslicer.ini, beside two
 * fixed 8x6 layers x00000.png and x00001.png. Mutating a zip rarely yields a readable INI, so the
 * second kind is what explores the settings; the first explores libzip's side and our limits.
 * Whatever the bytes, opening must return cleanly, leak nothing and explain every failure; an
 * opened file must have a consistent header, and each of its layers must decode to the screen's
 * size or fail with a reason.
 * Seeds: tests/fuzz/corpus/sl1/ (tiny SL1s written by lostwax, one in PrusaSlicer's shape, and
 * INI texts).
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "base/alloc.h"
#include "print/layer.h"
#include "print/png.h"
#include "print/printfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int add(zip_t *za, const char *name, const void *data, size_t len)
{
    zip_source_t *s = zip_source_buffer(za, data, len, 0);
    zip_int64_t idx = s ? zip_file_add(za, name, s, 0) : -1;
    if (idx < 0) {
        zip_source_free(s);
        return -1;
    }
    zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_STORE, 0);
    return 0;
}

/* An SL1 holding the text as its INI files and two small layers. NULL if libzip fails. */
static uint8_t *pack(const uint8_t *text, size_t size, const uint8_t *png, size_t plen,
                     size_t *len)
{
    const uint8_t *ps = NULL;
    size_t cfg_len = size, ps_len = 0;
    for (size_t i = 0; i + 4 <= size; i++)
        if (memcmp(text + i, "\n--\n", 4) == 0) {
            cfg_len = i + 1;
            ps = text + i + 4;
            ps_len = size - i - 4;
            break;
        }
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *mem = zip_source_buffer_create(NULL, 0, 0, &ze);
    zip_error_fini(&ze);
    if (!mem)
        return NULL;
    zip_source_keep(mem);
    zip_t *za = zip_open_from_source(mem, ZIP_TRUNCATE, NULL);
    uint8_t *out = NULL;
    if (!za) {
        zip_source_free(mem);
        zip_source_free(mem);
        return NULL;
    }
    if (add(za, "config.ini", text, cfg_len) || (ps && add(za, "prusaslicer.ini", ps, ps_len)) ||
        add(za, "x00000.png", png, plen) || add(za, "x00001.png", png, plen) ||
        zip_close(za) != 0) {
        zip_discard(za);
        zip_source_free(mem);
        return NULL;
    }
    zip_stat_t st;
    if (zip_source_open(mem) == 0) {
        if (zip_source_stat(mem, &st) == 0 && (st.valid & ZIP_STAT_SIZE) &&
            (out = lw_malloc(st.size ? st.size : 1)) &&
            zip_source_read(mem, out, st.size) != (zip_int64_t)st.size) {
            lw_free(out);
            out = NULL;
        }
        *len = out ? st.size : 0;
        zip_source_close(mem);
    }
    zip_source_free(mem);
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lw_print_limits lim;
    lw_print_limits_default(&lim);
    lim.max_file_bytes = (size_t)1 << 20;
    lim.max_layers = 64;
    lim.max_pixels_x = 256;
    lim.max_pixels_y = 256;
    lim.max_layer_bytes = (size_t)1 << 16;
    if (size > lim.max_file_bytes)
        return 0;
    uint8_t *packed = NULL;
    size_t len = size;
    lw_png_enc enc;
    lw_png_enc_init(&enc);
    if (size < 2 || data[0] != 'P' || data[1] != 'K') {
        lw_layer_img img;
        lw_layer_img_init(&img, 8, 6);
        const uint8_t *png;
        size_t plen;
        lw_err e;
        if (lw_layer_img_add(&img, 2, 1, 5, 255) || lw_layer_img_add(&img, 3, 2, 1, 90) ||
            lw_png_encode_layer(&enc, &img, &png, &plen, &e))
            abort();
        lw_layer_img_clear(&img);
        packed = pack(data, size, png, plen, &len);
        if (!packed) {
            lw_png_enc_clear(&enc);
            return 0;
        }
        data = packed;
    }
    lw_print_file f;
    lw_err err;
    lw_err_clear(&err);
    lw_rc rc = lw_print_file_open(data, len, &lim, &f, &err);
    if (rc == LW_OK) {
        const lw_print_header *h = &f.h;
        if (h->format != LW_PFMT_SL1 || h->layer_count == 0 || h->layer_count > lim.max_layers ||
            h->res_x == 0 || h->res_x > lim.max_pixels_x || h->res_y == 0 ||
            h->res_y > lim.max_pixels_y || !(h->layer_height > 0) ||
            h->bottom_layers + h->transition_layers > h->layer_count || !f.layers)
            abort();
        for (uint32_t i = 0; i < h->layer_count; i++)
            if (!isfinite(f.layers[i].exposure_s) || !isfinite(f.layers[i].z))
                abort();
        lw_layer_img img;
        lw_layer_img_init(&img, 0, 0);
        for (uint32_t i = 0; i < h->layer_count; i++) {
            lw_err_clear(&err);
            lw_rc lr = lw_print_file_layer(&f, i, &img, &err);
            if (lr == LW_OK) {
                if (img.width != h->res_x || img.height != h->res_y)
                    abort();
            } else if (err.rc != lr || !err.msg[0] || img.nruns) {
                abort();
            }
        }
        lw_layer_img_clear(&img);
    } else if (err.rc != rc || !err.msg[0] || f.priv || f.layers || f.h.layer_count) {
        abort(); /* every failure explains itself and leaves the file empty */
    }
    lw_print_file_clear(&f);
    lw_png_enc_clear(&enc);
    lw_free(packed);
    return 0;
}
