/* lostwax: the printer files' preview pictures: CTB and GOO encodings, sizes and scaling (see
 * preview.h). */
#include "print/preview.h"

#include <math.h>
#include <string.h>

#include "base/alloc.h"
#include "base/size.h"

#define CTB_REPEAT 0x20u      /* bit 5 of a CTB preview word: a count word follows */
#define CTB_MAX_REPEAT 4095u  /* pixels per flagged word; the count word has 12 bits */

static unsigned expand5(unsigned v) { return v << 3 | v >> 2; }
static unsigned expand6(unsigned v) { return v << 2 | v >> 4; }

/* Allocates a w x h picture; the caller fills every pixel. */
static lw_rc image_new(uint32_t w, uint32_t h, lw_image *out, lw_err *err)
{
    memset(out, 0, sizeof *out);
    size_t px, bytes;
    if (!lw_size_mul(w, h, &px) || !lw_size_mul(px, 4, &bytes))
        return lw_err_set(err, LW_ELIMIT, "a %ux%u picture is too large", w, h);
    out->rgba = lw_malloc(bytes ? bytes : 1);
    if (!out->rgba)
        return lw_err_nomem(err);
    out->width = w;
    out->height = h;
    return LW_OK;
}

/* The pixel of a picture as 15-bit CTB colour (the repeat bit left clear). */
static uint16_t ctb_colour(const lw_image *im, size_t i)
{
    if (!im->rgba)
        return 0;
    const uint8_t *p = im->rgba + 4 * i;
    return (uint16_t)((p[0] >> 3) << 11 | (p[1] >> 3) << 6 | (p[2] >> 3));
}

lw_rc lw_preview_ctb_encode(const lw_image *im, lw_buf *out, lw_err *err)
{
    size_t start = out->len, npx;
    if (!lw_size_mul(im->width, im->height, &npx))
        return lw_err_set(err, LW_ELIMIT, "a %ux%u preview is too large", im->width,
                          im->height);
    uint8_t chunk[4096];
    size_t used = 0;
    lw_rc rc = LW_OK;
    for (size_t i = 0; i < npx && !rc;) {
        uint16_t c = ctb_colour(im, i);
        size_t n = 1;
        while (i + n < npx && n < CTB_MAX_REPEAT && ctb_colour(im, i + n) == c)
            n++;
        i += n;
        /* Two equal pixels cost the same as words either way; a count word pays from three. */
        if (n >= 3) {
            uint16_t cw = (uint16_t)(c | CTB_REPEAT), nw = (uint16_t)(0x3000u | (n - 1));
            chunk[used++] = (uint8_t)cw;
            chunk[used++] = (uint8_t)(cw >> 8);
            chunk[used++] = (uint8_t)nw;
            chunk[used++] = (uint8_t)(nw >> 8);
        } else {
            for (size_t k = 0; k < n; k++) {
                chunk[used++] = (uint8_t)c;
                chunk[used++] = (uint8_t)(c >> 8);
            }
        }
        if (used > sizeof chunk - 8 || i == npx) {
            rc = lw_buf_append(out, chunk, used);
            used = 0;
        }
    }
    if (rc) {
        out->len = start;
        if (out->data)
            out->data[start] = 0;
        return rc == LW_ENOMEM ? lw_err_nomem(err)
                               : lw_err_set(err, rc, "the preview does not fit the output");
    }
    return LW_OK;
}

lw_rc lw_preview_ctb_decode(const uint8_t *data, size_t n, uint32_t w, uint32_t h, lw_image *out,
                            lw_err *err)
{
    memset(out, 0, sizeof *out);
    size_t npx;
    if (!lw_size_mul(w, h, &npx))
        return lw_err_set(err, LW_EFORMAT, "a %ux%u preview is impossibly large", w, h);
    if (n % 2)
        return lw_err_set(err, LW_EFORMAT, "%zu bytes of preview is not a whole number of "
                          "16-bit words", n);
    /* Each word pair covers at most 4096 pixels: a short blob cannot claim a huge picture, so
     * the allocation below is bounded by the file's size. */
    if (npx / 4096 > n / 2)
        return lw_err_set(err, LW_EFORMAT, "%zu bytes cannot hold a %ux%u preview", n, w, h);
    lw_rc rc = image_new(w, h, out, err);
    if (rc)
        return rc;
    size_t px = 0;
    for (size_t i = 0; i < n; i += 2) {
        unsigned word = (unsigned)data[i] | (unsigned)data[i + 1] << 8;
        size_t count = 1;
        if (word & CTB_REPEAT) {
            if (i + 4 > n) {
                lw_image_clear(out);
                return lw_err_set(err, LW_EFORMAT, "preview byte %zu: a repeated colour without "
                                  "its count word", i);
            }
            count += ((unsigned)data[i + 2] | (unsigned)data[i + 3] << 8) & 0xFFFu;
            i += 2;
        }
        if (count > npx - px) {
            lw_image_clear(out);
            return lw_err_set(err, LW_EFORMAT, "preview byte %zu: a run of %zu pixels goes past "
                              "the %zu pixels of the %ux%u picture", i, count, npx, w, h);
        }
        uint8_t r = (uint8_t)expand5(word >> 11 & 31), g = (uint8_t)expand5(word >> 6 & 31),
                b = (uint8_t)expand5(word & 31);
        for (size_t k = 0; k < count; k++, px++) {
            uint8_t *p = out->rgba + 4 * px;
            p[0] = r;
            p[1] = g;
            p[2] = b;
            p[3] = 255;
        }
    }
    if (px != npx) {
        lw_image_clear(out);
        return lw_err_set(err, LW_EFORMAT, "the preview holds %zu pixels, its %ux%u picture %zu",
                          px, w, h, npx);
    }
    return LW_OK;
}

void lw_preview_565be_encode(const lw_image *im, uint32_t w, uint32_t h, uint8_t *out)
{
    bool have = im && im->rgba && im->width && im->height;
    for (uint32_t y = 0; y < h; y++) {
        for (uint32_t x = 0; x < w; x++) {
            unsigned v = 0;
            if (have) {
                size_t sx = (size_t)((uint64_t)x * im->width / w);
                size_t sy = (size_t)((uint64_t)y * im->height / h);
                const uint8_t *p = im->rgba + 4 * (sy * im->width + sx);
                v = (unsigned)(p[0] >> 3) << 11 | (unsigned)(p[1] >> 2) << 5 | p[2] >> 3;
            }
            uint8_t *o = out + 2 * ((size_t)y * w + x);
            o[0] = (uint8_t)(v >> 8);
            o[1] = (uint8_t)v;
        }
    }
}

lw_rc lw_preview_565be_decode(const uint8_t *data, uint32_t w, uint32_t h, lw_image *out,
                              lw_err *err)
{
    lw_rc rc = image_new(w, h, out, err);
    if (rc)
        return rc;
    size_t npx = (size_t)w * h;
    for (size_t i = 0; i < npx; i++) {
        unsigned v = (unsigned)data[2 * i] << 8 | data[2 * i + 1];
        uint8_t *p = out->rgba + 4 * i;
        p[0] = (uint8_t)expand5(v >> 11 & 31);
        p[1] = (uint8_t)expand6(v >> 5 & 63);
        p[2] = (uint8_t)expand5(v & 31);
        p[3] = 255;
    }
    return LW_OK;
}

void lw_preview_sizes(lw_print_format f, uint32_t small[2], uint32_t large[2])
{
    static const uint32_t k[][4] = {
        [LW_PFMT_NONE] = {116, 116, 290, 290}, [LW_PFMT_SL1] = {400, 400, 800, 480},
        [LW_PFMT_CTB] = {200, 125, 400, 300},  [LW_PFMT_GOO] = {116, 116, 290, 290}};
    unsigned i = (unsigned)f < sizeof k / sizeof *k ? (unsigned)f : LW_PFMT_NONE;
    small[0] = k[i][0];
    small[1] = k[i][1];
    large[0] = k[i][2];
    large[1] = k[i][3];
}

lw_rc lw_image_fit(const lw_image *src, uint32_t w, uint32_t h, lw_image *out, lw_err *err)
{
    memset(out, 0, sizeof *out);
    if (!src->rgba || !src->width || !src->height || !w || !h)
        return lw_err_set(err, LW_EINVAL, "no picture to scale");
    lw_rc rc = image_new(w, h, out, err);
    if (rc)
        return rc;
    memset(out->rgba, 0, (size_t)w * h * 4);
    /* The scale that fits both sides; the picture is centred in the other. */
    double s = fmin((double)w / src->width, (double)h / src->height);
    uint32_t fw = (uint32_t)fmax(1, fmin(w, lround(src->width * s)));
    uint32_t fh = (uint32_t)fmax(1, fmin(h, lround(src->height * s)));
    uint32_t ox = (w - fw) / 2, oy = (h - fh) / 2;
    for (uint32_t y = 0; y < fh; y++) {
        /* Source rows [y0, y1) fall in output row y; at least one. */
        uint32_t y0 = (uint32_t)((uint64_t)y * src->height / fh);
        uint32_t y1 = (uint32_t)((uint64_t)(y + 1) * src->height / fh);
        if (y1 <= y0)
            y1 = y0 + 1;
        for (uint32_t x = 0; x < fw; x++) {
            uint32_t x0 = (uint32_t)((uint64_t)x * src->width / fw);
            uint32_t x1 = (uint32_t)((uint64_t)(x + 1) * src->width / fw);
            if (x1 <= x0)
                x1 = x0 + 1;
            uint64_t sum[4] = {0};
            for (uint32_t sy = y0; sy < y1; sy++) {
                const uint8_t *p = src->rgba + ((size_t)sy * src->width + x0) * 4;
                for (uint32_t sx = x0; sx < x1; sx++, p += 4)
                    for (int c = 0; c < 4; c++)
                        sum[c] += p[c];
            }
            uint64_t n = (uint64_t)(y1 - y0) * (x1 - x0);
            uint8_t *q = out->rgba + ((size_t)(oy + y) * w + ox + x) * 4;
            for (int c = 0; c < 4; c++)
                q[c] = (uint8_t)((sum[c] + n / 2) / n);
        }
    }
    return LW_OK;
}
