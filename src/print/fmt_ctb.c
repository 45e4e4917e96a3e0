/* lostwax: Chitubox CTB files. Writes CTB v3 and v4 (never encrypted, XOR seed 0); reads CTB
 * v2-v5 with or without the layer XOR, CBDDLP/.photon (1-bit planes, summed) and the GKtwo
 * variant, and refuses encrypted CTB with the reason. Every layout fact used here, and where it
 * comes from, is in docs/internals/ctb-goo.md; the field offsets below are named after it.
 *
 * The writer streams: header space, previews, the parameter blocks and an empty layer table
 * first, then each layer as its 84-byte record and its RLE, and at the end it goes back to fill
 * in the header (the print's height, the time estimate), the print parameters (resin, cost: the
 * estimate may come only at the end) and the table.
 */
#include "print/fmt_ctb.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "print/preview.h"
#include "print/printfile_int.h"

/* ---- layout ---------------------------------------------------------------------------------- */

#define MAGIC_CBDDLP 0x12FD0019u
#define MAGIC_CTB 0x12FD0086u     /* v2, v3 */
#define MAGIC_CTB4 0x12FD0106u    /* v4, v5 */
#define MAGIC_ENCRYPTED 0x12FD0107u
#define MAGIC_GKTWO 0xFF220810u   /* UniFormation GKtwo: v4 layout, longer notice */

#define HEADER_SIZE 112u
#define H_VERSION 0x04u
#define H_BED_X 0x08u
#define H_BED_Y 0x0Cu
#define H_BED_Z 0x10u
#define H_TOTAL_HEIGHT 0x1Cu
#define H_LAYER_HEIGHT 0x20u
#define H_EXPOSURE 0x24u
#define H_BOTTOM_EXPOSURE 0x28u
#define H_LIGHT_OFF 0x2Cu
#define H_BOTTOM_LAYERS 0x30u
#define H_RES_X 0x34u
#define H_RES_Y 0x38u
#define H_PREVIEW_LARGE 0x3Cu
#define H_TABLE 0x40u
#define H_LAYER_COUNT 0x44u
#define H_PREVIEW_SMALL 0x48u
#define H_PRINT_TIME 0x4Cu
#define H_PROJECTOR 0x50u
#define H_PARAMS 0x54u
#define H_PARAMS_SIZE 0x58u
#define H_AA 0x5Cu
#define H_PWM 0x60u
#define H_BOTTOM_PWM 0x62u
#define H_SEED 0x64u
#define H_SLICER 0x68u
#define H_SLICER_SIZE 0x6Cu

#define PREVIEW_HEADER 32u /* u32 width, height, data offset, data length; 16 bytes unused */

#define PARAMS_SIZE 60u
#define P_BOTTOM_LIFT 0u
#define P_BOTTOM_LIFT_SPEED 4u
#define P_LIFT 8u
#define P_LIFT_SPEED 12u
#define P_RETRACT_SPEED 16u
#define P_VOLUME 20u
#define P_WEIGHT 24u
#define P_COST 28u
#define P_BOTTOM_LIGHT_OFF 32u
#define P_LIGHT_OFF 36u
#define P_BOTTOM_LAYERS 40u
#define PARAMS_READ 44u /* what the reader needs of the block */

#define SLICER_SIZE 76u
#define S_BOTTOM_LIFT2 0u
#define S_BOTTOM_LIFT2_SPEED 4u
#define S_LIFT2 8u
#define S_LIFT2_SPEED 12u
#define S_RETRACT2 16u
#define S_RETRACT2_SPEED 20u
#define S_REST_AFTER_LIFT 24u
#define S_MACHINE_OFF 28u
#define S_MACHINE_LEN 32u
#define S_AA_FLAG 36u       /* u8: 0x07 no AA, 0x0F AA */
#define S_PER_LAYER 39u     /* u8: 0x10 x version when layers carry their own settings */
#define S_MINUTES 40u       /* minutes since 1970 UTC */
#define S_AA_LEVEL 44u
#define S_SOFTWARE 48u
#define S_REST_AFTER_RETRACT 52u
#define S_REST_AFTER_LIFT2 56u
#define S_TRANSITION 60u
#define S_V4_BLOCK 64u

#define NOTICE_SIZE 320u
#define V4_SIZE 464u
#define V_BOTTOM_RETRACT_SPEED 0u
#define V_BOTTOM_RETRACT2_SPEED 4u
#define V_FOUR1 12u
#define V_FOUR2 20u
#define V_REST_AFTER_RETRACT 24u /* = wait before cure */
#define V_REST_AFTER_LIFT 28u
#define V_REST_BEFORE_LIFT 32u   /* = wait after cure */
#define V_BOTTOM_RETRACT2 36u
#define V_UNKNOWN3 48u
#define V_LAST_LAYER 52u
#define V_NOTICE_OFF 72u
#define V_NOTICE_LEN 76u
#define V_RESIN 80u
#define V4_READ 84u

#define RESIN_SIZE 40u
#define RS_NAME_LEN 20u
#define RS_NAME_OFF 24u

#define ENTRY_SIZE 36u
#define E_Z 0u
#define E_EXPOSURE 4u
#define E_LIGHT_OFF 8u
#define E_ADDR 12u
#define E_SIZE 16u
#define E_PAGE 20u
#define E_TABLE_SIZE 24u

#define RECORD_SIZE 84u /* the entry again, then: */
#define R_TOTAL 36u
#define R_LIFT 40u      /* both stages together */
#define R_LIFT_SPEED 44u
#define R_LIFT2 48u
#define R_LIFT2_SPEED 52u
#define R_RETRACT_SPEED 56u
#define R_RETRACT2 60u
#define R_RETRACT2_SPEED 64u
#define R_REST_BEFORE_LIFT 68u
#define R_REST_AFTER_LIFT 72u
#define R_REST_AFTER_RETRACT 76u
#define R_PWM 80u       /* a float */

#define SOFTWARE_V3 0x01060300u /* the Chitubox versions that write v3 and v4 */
#define SOFTWARE_V4 0x01090000u

#define RUN_MAX 0x0FFFFFFFu /* a run length has at most 28 bits */

/* The v4 layout reserves a 320-byte text block that Chitubox fills with its own notice; readers
 * find it through the v4 block's offset and length. lostwax does not copy that text: it fills the
 * block with a statement of its own of the same length, space-padded. No public description says
 * that firmware reads the block; if a printer ever refused such a file, CTB v3 (the default,
 * which has no block) is the way round it (docs/internals/ctb-goo.md). */
static const char k_notice[] = "Written by lostwax, software for custom-jewellery studios. "
                               "This block holds no data for the printer.";
_Static_assert(sizeof k_notice - 1 <= NOTICE_SIZE, "the v4 text block is 320 bytes");

/* ---- bytes ---------------------------------------------------------------------------------- */

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

/* Values reach here checked (finite, within float range). */
static void putf(uint8_t *p, double v)
{
    float f = (float)v;
    uint32_t u;
    memcpy(&u, &f, 4);
    put32(p, u);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

/* A CBDDLP's number of 1-bit planes (version 1 files have one whatever the field says). */
static unsigned cbddlp_planes(const uint8_t *header)
{
    uint32_t aa = get32(header + H_AA);
    return get32(header + H_VERSION) == 1 || aa == 0 ? 1 : aa;
}

/* ---- the RLE ------------------------------------------------------------------------------- */

/* Output gathered in a block and appended to the buffer in pieces. The hot loop keeps its write
 * position in a local pointer: stores through a byte pointer may alias anything, so anything
 * else it needs is in locals too. */
#define BLOCK 8192
typedef struct rle_out {
    lw_buf *buf;
    lw_rc rc;
    uint8_t block[BLOCK];
} rle_out;

/* Appends the block up to p; returns where the next bytes go. */
static uint8_t *out_flush(rle_out *o, uint8_t *p)
{
    if (!o->rc && p > o->block)
        o->rc = lw_buf_append(o->buf, o->block, (size_t)(p - o->block));
    return o->block;
}

/* One code for k (1 to RUN_MAX) pixels of 7-bit value v: the value alone for one pixel, else
 * the value with bit 7 and the length in 1-4 bytes, its first byte's top bits saying how many. */
static inline uint8_t *put_code(uint8_t *p, unsigned v, uint32_t k)
{
    if (k == 1) {
        *p++ = (uint8_t)v;
        return p;
    }
    *p++ = (uint8_t)(v | 0x80);
    if (k <= 0x7F) {
        *p++ = (uint8_t)k;
    } else if (k <= 0x3FFF) {
        *p++ = (uint8_t)(0x80 | k >> 8);
        *p++ = (uint8_t)k;
    } else if (k <= 0x1FFFFF) {
        *p++ = (uint8_t)(0xC0 | k >> 16);
        *p++ = (uint8_t)(k >> 8);
        *p++ = (uint8_t)k;
    } else {
        *p++ = (uint8_t)(0xE0 | k >> 24);
        *p++ = (uint8_t)(k >> 16);
        *p++ = (uint8_t)(k >> 8);
        *p++ = (uint8_t)k;
    }
    return p;
}

/* n pixels of value v, as many codes as 28-bit lengths need. */
static inline uint8_t *put_run(rle_out *o, uint8_t *p, unsigned v, uint64_t n)
{
    while (n) {
        uint32_t k = n > RUN_MAX ? RUN_MAX : (uint32_t)n;
        n -= k;
        if (p > o->block + BLOCK - 5)
            p = out_flush(o, p);
        p = put_code(p, v, k);
    }
    return p;
}

lw_rc lw_ctb_encode_layer(const lw_layer_img *img, lw_buf *out, lw_err *err)
{
    size_t start = out->len;
    rle_out *o = lw_malloc(sizeof *o);
    if (!o)
        return lw_err_nomem(err);
    o->buf = out;
    o->rc = LW_OK;
    uint8_t *p = o->block;
    const lw_run *runs = img->runs;
    const size_t nruns = img->nruns;
    const uint32_t width = img->width, height = img->height;
    const uint64_t w = width, total = w * height;
    uint64_t pos = 0, pend = 0;
    unsigned code = 0; /* the value of the pending stretch of `pend` pixels */
    lw_rc bad = LW_OK;
    for (size_t i = 0; i < nruns; i++) {
        const lw_run r = runs[i];
        uint64_t at = (uint64_t)r.y * w + r.x;
        if (r.y >= height || r.x >= width || r.len > width - r.x || at < pos) {
            bad = lw_err_set(err, LW_EINVAL, "run %zu (row %u, x %u, %u pixels) is out of order "
                             "or off the %ux%u screen", i, r.y, r.x, r.len, width, height);
            break;
        }
        if (at > pos) { /* unlit pixels since the last run, across rows if need be */
            if (code) {
                p = put_run(o, p, code, pend);
                code = 0;
                pend = 0;
            }
            pend += at - pos;
        }
        unsigned v = r.level >> 1u;
        if (v != code) {
            p = put_run(o, p, code, pend);
            code = v;
            pend = 0;
        }
        pend += r.len;
        pos = at + r.len;
    }
    if (!bad) {
        if (total > pos) {
            if (code) {
                p = put_run(o, p, code, pend);
                code = 0;
                pend = 0;
            }
            pend += total - pos;
        }
        p = put_run(o, p, code, pend);
        out_flush(o, p);
    }
    lw_rc rc = bad ? bad : o->rc;
    lw_free(o);
    if (rc) {
        out->len = start;
        if (out->data)
            out->data[start] = 0;
        if (rc == LW_ENOMEM)
            return lw_err_nomem(err);
        if (rc != bad)
            return lw_err_set(err, rc, "the layer's RLE does not fit its buffer");
    }
    return rc;
}

/* The XOR keystream: a 32-bit key whose bytes, least significant first, mask four data bytes,
 * then grows by a per-file step. */
typedef struct xor_key {
    uint32_t step, key;
    unsigned k; /* which byte of the key masks the next data byte */
} xor_key;

static void xor_init(xor_key *x, uint32_t seed, uint32_t layer)
{
    x->step = seed * 0x2D83CDACu + 0xD8A83423u;
    x->key = (layer * 0x1E1530CDu + 0xEC3D47CDu) * x->step;
    x->k = 0;
}

static inline uint8_t xor_next(xor_key *x)
{
    uint8_t m = (uint8_t)(x->key >> (8 * x->k));
    if (++x->k == 4) {
        x->k = 0;
        x->key += x->step;
    }
    return m;
}

void lw_ctb_xor(uint8_t *data, size_t n, uint32_t seed, uint32_t layer)
{
    if (!seed)
        return;
    xor_key x;
    xor_init(&x, seed, layer);
    for (size_t i = 0; i < n; i++)
        data[i] ^= xor_next(&x);
}

/* Adds n pixels of `level` starting at pixel p of the screen, one run per row touched. */
static lw_rc add_pixels(lw_layer_img *img, uint64_t p, uint64_t n, uint8_t level)
{
    uint32_t w = img->width;
    uint32_t y = (uint32_t)(p / w), x = (uint32_t)(p % w);
    while (n) {
        uint32_t k = n < w - x ? (uint32_t)n : w - x;
        lw_rc rc = lw_layer_img_add(img, y, x, k, level);
        if (rc)
            return rc;
        n -= k;
        x = 0;
        y++;
    }
    return LW_OK;
}

static lw_rc decode_fail(lw_layer_img *img, lw_rc rc, lw_err *err)
{
    lw_layer_img_reset(img);
    if (rc == LW_ENOMEM)
        return lw_err_nomem(err);
    return rc;
}

lw_rc lw_ctb_decode_rle(const uint8_t *rle, size_t n, uint32_t seed, uint32_t layer,
                        lw_layer_img *img, lw_err *err)
{
    lw_layer_img_reset(img);
    uint64_t total = (uint64_t)img->width * img->height, px = 0;
    xor_key x;
    xor_init(&x, seed, layer);
    bool masked = seed != 0;
    size_t i = 0;
#define NEXT() ((uint8_t)(rle[i++] ^ (masked ? xor_next(&x) : 0)))
    while (i < n) {
        size_t at = i;
        unsigned code = NEXT();
        uint64_t len = 1;
        if (code & 0x80) {
            code &= 0x7F;
            if (i >= n)
                return decode_fail(img, lw_err_set(err, LW_EFORMAT, "byte %zu: a run without "
                                                   "its length", at), err);
            unsigned b = NEXT();
            unsigned extra = !(b & 0x80) ? 0 : (b & 0xC0) == 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2
                             : (b & 0xF0) == 0xE0 ? 3 : 4;
            if (extra == 4)
                return decode_fail(img, lw_err_set(err, LW_EFORMAT, "byte %zu: 0x%02X does not "
                                                   "begin a run length", i - 1, b), err);
            if (extra > n - i)
                return decode_fail(img, lw_err_set(err, LW_EFORMAT, "byte %zu: a run length "
                                                   "cut off by the end of the data", at), err);
            len = b & (0x7Fu >> extra);
            for (unsigned k = 0; k < extra; k++)
                len = len << 8 | NEXT();
        }
        if (len > total - px)
            return decode_fail(img, lw_err_set(err, LW_EFORMAT, "byte %zu: a run of %llu pixels "
                                               "at pixel %llu goes past the %llu pixels of the "
                                               "%ux%u screen", at, (unsigned long long)len,
                                               (unsigned long long)px,
                                               (unsigned long long)total, img->width,
                                               img->height), err);
        if (code) {
            lw_rc rc = add_pixels(img, px, len, (uint8_t)(code << 1 | 1));
            if (rc)
                return decode_fail(img, rc, err);
        }
        px += len;
    }
#undef NEXT
    if (px != total)
        return decode_fail(img, lw_err_set(err, LW_EFORMAT, "the data holds %llu pixels, the "
                                           "%ux%u screen %llu", (unsigned long long)px,
                                           img->width, img->height, (unsigned long long)total),
                           err);
    return LW_OK;
}

/* CBDDLP: `planes` 1-bit layers (bit 7 lit, 7-bit count), summed pixel by pixel; the sum s of N
 * planes is level s * 256 / N - 1. Walked row by row with one cursor per plane, so only a row of
 * sums is ever held. */
typedef struct plane {
    const uint8_t *d;
    size_t n, i;
    uint32_t left; /* pixels left in the current code */
    bool lit;
} plane;

static lw_rc decode_cbddlp(const lw_print_file *f, uint32_t layer, unsigned planes,
                           lw_layer_img *img, lw_err *err)
{
    uint32_t w = img->width, h = img->height;
    uint8_t *row = lw_malloc(w);
    if (!row)
        return lw_err_nomem(err);
    plane pl[16];
    for (unsigned p = 0; p < planes; p++) {
        size_t k = (size_t)p * f->h.layer_count + layer;
        pl[p] = (plane){f->data + f->layer_off[k], (size_t)f->layer_len[k], 0, 0, false};
    }
    lw_rc rc = LW_OK;
    for (uint32_t y = 0; y < h && !rc; y++) {
        memset(row, 0, w);
        for (unsigned p = 0; p < planes && !rc; p++) {
            plane *q = &pl[p];
            for (uint32_t x = 0; x < w;) {
                if (!q->left) {
                    if (q->i >= q->n) {
                        rc = lw_err_set(err, LW_EFORMAT, "layer %u, plane %u: the data ends at "
                                        "row %u, pixel %u of the %ux%u screen", layer, p, y, x,
                                        w, h);
                        break;
                    }
                    q->left = q->d[q->i] & 0x7Fu;
                    q->lit = q->d[q->i] & 0x80u;
                    q->i++;
                    continue;
                }
                uint32_t k = q->left < w - x ? q->left : w - x;
                if (q->lit)
                    for (uint32_t j = x; j < x + k; j++)
                        row[j]++;
                x += k;
                q->left -= k;
            }
        }
        for (uint32_t x = 0; x < w && !rc;) {
            uint32_t e = x + 1;
            while (e < w && row[e] == row[x])
                e++;
            if (row[x])
                rc = lw_layer_img_add(img, y, x, e - x,
                                      (uint8_t)(row[x] * 256u / planes - 1));
            x = e;
        }
        if (rc == LW_ENOMEM)
            rc = lw_err_nomem(err);
    }
    for (unsigned p = 0; p < planes && !rc; p++) {
        plane *q = &pl[p];
        uint64_t more = q->left;
        for (size_t i = q->i; i < q->n; i++)
            more += q->d[i] & 0x7Fu;
        if (more)
            rc = lw_err_set(err, LW_EFORMAT, "layer %u, plane %u: %llu pixels more than the "
                            "%ux%u screen", layer, p, (unsigned long long)more, w, h);
    }
    lw_free(row);
    if (rc)
        lw_layer_img_reset(img);
    return rc;
}

/* ---- writing -------------------------------------------------------------------------------- */

typedef struct ctb_writer {
    uint8_t *table;      /* ENTRY_SIZE bytes per layer, written at the end */
    uint64_t table_off;
    uint32_t preview_large, preview_small, params, slicer;
    double height;       /* the highest layer's z */
    lw_buf rle;          /* the layer being written */
} ctb_writer;

static const lw_print_writer_ops k_ctb_ops;

/* Every number a CTB holds is a 32-bit float or integer; settings must be finite and sensible. */
static lw_rc check_value(double v, const char *what, lw_err *err)
{
    if (!(v >= 0 && v <= 1e9))
        return lw_err_set(err, LW_EINVAL, "%s is %g: a CTB needs a number from 0 to 1e9", what,
                          v);
    return LW_OK;
}

static lw_rc check_motion(const lw_motion *m, const char *which, lw_err *err)
{
    const double v[] = {m->lift_mm, m->lift_speed, m->lift2_mm, m->lift2_speed, m->retract_mm,
                        m->retract_speed, m->retract2_mm, m->retract2_speed,
                        m->wait_before_cure_s, m->wait_after_cure_s, m->wait_after_lift_s,
                        m->light_off_s};
    static const char *const names[] = {"lift", "lift speed", "second lift", "second lift speed",
                                        "retract", "retract speed", "second retract",
                                        "second retract speed", "wait before cure",
                                        "wait after cure", "wait after lift", "light-off delay"};
    char what[64];
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        if (!(v[i] >= 0 && v[i] <= 1e9)) {
            snprintf(what, sizeof what, "%s %s", which, names[i]);
            return check_value(v[i], what, err);
        }
    }
    return LW_OK;
}

/* The figures lw_print_writer_set_estimate may have changed since begin. */
static lw_rc check_estimate(const lw_print_header *h, lw_err *err)
{
    lw_rc rc = check_value(h->print_time_s, "print time", err);
    if (!rc)
        rc = check_value(h->volume_ml, "volume", err);
    if (!rc)
        rc = check_value(h->weight_g, "weight", err);
    if (!rc)
        rc = check_value(h->cost, "cost", err);
    return rc;
}

static uint32_t clamp_u32(double v)
{
    if (!(v > 0))
        return 0;
    if (v >= 4294967295.0)
        return UINT32_MAX;
    return (uint32_t)(v + 0.5);
}

static lw_rc sink_block(lw_print_writer *w, const uint8_t *b, size_t n, lw_err *err)
{
    return lw_sink_write(w->sink, b, n, err);
}

/* A preview's 32-byte header and its words, at the sink's position. */
static lw_rc write_preview(lw_print_writer *w, const lw_image *im, uint32_t dw, uint32_t dh,
                           uint32_t *at, lw_err *err)
{
    lw_image black = {dw, dh, NULL};
    const lw_image *p = im->width && im->height && im->rgba ? im : &black;
    lw_buf b;
    lw_buf_init(&b, 0);
    lw_rc rc = lw_preview_ctb_encode(p, &b, err);
    uint64_t pos = lw_sink_tell(w->sink);
    if (!rc && (pos + PREVIEW_HEADER + b.len > UINT32_MAX))
        rc = lw_err_set(err, LW_ELIMIT, "the previews do not fit CTB's 32-bit offsets");
    if (!rc) {
        uint8_t hd[PREVIEW_HEADER] = {0};
        put32(hd, p->width);
        put32(hd + 4, p->height);
        put32(hd + 8, (uint32_t)(pos + PREVIEW_HEADER));
        put32(hd + 12, (uint32_t)b.len);
        *at = (uint32_t)pos;
        rc = sink_block(w, hd, sizeof hd, err);
        if (!rc)
            rc = sink_block(w, b.data, b.len, err);
    }
    lw_buf_clear(&b);
    return rc;
}

/* Both stages of a lift, as CTB's "lift height" holds it from v4 (v3 has one stage). */
static double lift_total(const lw_motion *m) { return m->lift_mm + m->lift2_mm; }

static lw_rc write_params(lw_print_writer *w, lw_err *err)
{
    const lw_print_header *h = &w->h;
    uint8_t b[PARAMS_SIZE] = {0};
    putf(b + P_BOTTOM_LIFT, lift_total(&h->bottom));
    putf(b + P_BOTTOM_LIFT_SPEED, h->bottom.lift_speed);
    putf(b + P_LIFT, lift_total(&h->normal));
    putf(b + P_LIFT_SPEED, h->normal.lift_speed);
    putf(b + P_RETRACT_SPEED, h->normal.retract_speed);
    putf(b + P_VOLUME, h->volume_ml);
    putf(b + P_WEIGHT, h->weight_g);
    putf(b + P_COST, h->cost);
    putf(b + P_BOTTOM_LIGHT_OFF, h->bottom.light_off_s);
    putf(b + P_LIGHT_OFF, h->normal.light_off_s);
    put32(b + P_BOTTOM_LAYERS, h->bottom_layers);
    return sink_block(w, b, sizeof b, err);
}

static lw_rc write_slicer(lw_print_writer *w, uint32_t v4_at, lw_err *err)
{
    const lw_print_header *h = &w->h;
    bool v4 = h->version >= 4;
    uint32_t at = (uint32_t)lw_sink_tell(w->sink);
    size_t name = strnlen(h->machine, sizeof h->machine);
    uint8_t b[SLICER_SIZE] = {0};
    if (v4) {
        putf(b + S_BOTTOM_LIFT2, h->bottom.lift2_mm);
        putf(b + S_BOTTOM_LIFT2_SPEED, h->bottom.lift2_speed);
        putf(b + S_LIFT2, h->normal.lift2_mm);
        putf(b + S_LIFT2_SPEED, h->normal.lift2_speed);
        putf(b + S_RETRACT2, h->normal.retract2_mm);
        putf(b + S_RETRACT2_SPEED, h->normal.retract2_speed);
        putf(b + S_REST_AFTER_LIFT, h->normal.wait_after_lift_s);
        putf(b + S_REST_AFTER_RETRACT, h->normal.wait_before_cure_s);
        putf(b + S_REST_AFTER_LIFT2, h->normal.wait_after_lift_s);
        put32(b + S_V4_BLOCK, v4_at);
    }
    put32(b + S_MACHINE_OFF, at + SLICER_SIZE);
    put32(b + S_MACHINE_LEN, (uint32_t)name);
    b[S_AA_FLAG] = h->aa_level > 1 ? 0x0F : 0x07;
    b[S_PER_LAYER] = (uint8_t)(0x10 * h->version);
    put32(b + S_MINUTES, h->created_unix > 0 ? clamp_u32((double)(h->created_unix / 60)) : 0);
    put32(b + S_AA_LEVEL, h->aa_level);
    put32(b + S_SOFTWARE, v4 ? SOFTWARE_V4 : SOFTWARE_V3);
    put32(b + S_TRANSITION, h->transition_layers);
    lw_rc rc = sink_block(w, b, sizeof b, err);
    if (!rc)
        rc = sink_block(w, (const uint8_t *)h->machine, name, err);
    return rc;
}

static lw_rc write_v4(lw_print_writer *w, uint32_t notice_at, lw_err *err)
{
    const lw_print_header *h = &w->h;
    uint8_t b[V4_SIZE] = {0};
    putf(b + V_BOTTOM_RETRACT_SPEED, h->bottom.retract_speed);
    putf(b + V_BOTTOM_RETRACT2_SPEED, h->bottom.retract2_speed);
    putf(b + V_FOUR1, 4.0);
    putf(b + V_FOUR2, 4.0);
    putf(b + V_REST_AFTER_RETRACT, h->normal.wait_before_cure_s);
    putf(b + V_REST_AFTER_LIFT, h->normal.wait_after_lift_s);
    putf(b + V_REST_BEFORE_LIFT, h->normal.wait_after_cure_s);
    putf(b + V_BOTTOM_RETRACT2, h->bottom.retract2_mm);
    put32(b + V_UNKNOWN3, 5);
    put32(b + V_LAST_LAYER, h->layer_count ? h->layer_count - 1 : 0);
    put32(b + V_NOTICE_OFF, notice_at);
    put32(b + V_NOTICE_LEN, NOTICE_SIZE);
    return sink_block(w, b, sizeof b, err);
}

static void ctb_free_state(lw_print_writer *w)
{
    ctb_writer *st = w->state;
    if (!st)
        return;
    lw_free(st->table);
    lw_buf_clear(&st->rle);
    lw_free(st);
    w->state = NULL;
}

lw_rc lw_ctb_writer_begin(lw_print_writer *w, lw_err *err)
{
    const lw_print_header *h = &w->h;
    if (h->version != 3 && h->version != 4)
        return lw_err_set(err, LW_EINVAL, "CTB version %u: lostwax writes versions 3 and 4",
                          h->version);
    lw_rc rc = LW_OK;
    const double hv[] = {h->display_w, h->display_h, h->machine_z, h->layer_height,
                         h->exposure_s, h->bottom_exposure_s, h->print_time_s, h->volume_ml,
                         h->weight_g, h->cost};
    static const char *const hn[] = {"display width", "display height", "machine Z",
                                     "layer height", "exposure", "bottom exposure", "print time",
                                     "volume", "weight", "cost"};
    for (size_t i = 0; i < sizeof hv / sizeof hv[0] && !rc; i++)
        rc = check_value(hv[i], hn[i], err);
    if (!rc)
        rc = check_motion(&h->normal, "normal", err);
    if (!rc)
        rc = check_motion(&h->bottom, "bottom", err);
    if (rc)
        return rc;
    ctb_writer *st = lw_calloc(1, sizeof *st);
    if (!st)
        return lw_err_nomem(err);
    w->state = st;
    w->ops = &k_ctb_ops;
    lw_buf_init(&st->rle, 0);
    st->table = lw_calloc(h->layer_count ? h->layer_count : 1, ENTRY_SIZE);
    if (!st->table)
        return lw_err_nomem(err);

    /* Room for the header, filled in at the end. */
    rc = lw_sink_zeros(w->sink, HEADER_SIZE, err);
    if (!rc)
        rc = write_preview(w, &h->preview_large, 400, 300, &st->preview_large, err);
    if (!rc)
        rc = write_preview(w, &h->preview_small, 200, 125, &st->preview_small, err);
    if (rc)
        return rc;
    size_t name = strnlen(h->machine, sizeof h->machine);
    uint64_t params = lw_sink_tell(w->sink), slicer = params + PARAMS_SIZE;
    uint64_t notice = slicer + SLICER_SIZE + name, v4 = notice + NOTICE_SIZE;
    uint64_t table = h->version >= 4 ? v4 + V4_SIZE : notice;
    if (table > UINT32_MAX)
        return lw_err_set(err, LW_ELIMIT, "the header blocks do not fit CTB's 32-bit offsets");
    st->params = (uint32_t)params;
    st->slicer = (uint32_t)slicer;
    st->table_off = table;
    rc = write_params(w, err);
    if (!rc)
        rc = write_slicer(w, (uint32_t)v4, err);
    if (!rc && h->version >= 4) {
        uint8_t text[NOTICE_SIZE];
        memset(text, ' ', sizeof text);
        memcpy(text, k_notice, sizeof k_notice - 1);
        rc = sink_block(w, text, NOTICE_SIZE, err);
        if (!rc)
            rc = write_v4(w, (uint32_t)notice, err);
    }
    if (!rc)
        rc = lw_sink_zeros(w->sink, (size_t)h->layer_count * ENTRY_SIZE, err);
    return rc;
}

/* Writes a layer's record and RLE at the end of the file and notes its table entry. */
static lw_rc write_layer(lw_print_writer *w, uint32_t index, const lw_layer_settings *s,
                         const uint8_t *rle, size_t n, lw_err *err)
{
    ctb_writer *st = w->state;
    const lw_motion *m = &s->motion;
    lw_rc rc = check_value(s->z, "z", err);
    if (!rc)
        rc = check_value(s->exposure_s, "exposure", err);
    if (!rc)
        rc = check_motion(m, "motion:", err);
    if (!rc && n > UINT32_MAX - RECORD_SIZE)
        rc = lw_err_set(err, LW_ELIMIT, "%zu bytes of RLE is more than CTB's 32-bit sizes hold",
                        n);
    if (rc) {
        lw_err_prefix(err, "layer %u", index);
        return rc;
    }
    bool v4 = w->h.version >= 4;
    uint64_t data = lw_sink_tell(w->sink) + RECORD_SIZE;
    uint8_t *e = st->table + (size_t)index * ENTRY_SIZE;
    putf(e + E_Z, s->z);
    putf(e + E_EXPOSURE, s->exposure_s);
    putf(e + E_LIGHT_OFF, m->light_off_s);
    put32(e + E_ADDR, (uint32_t)data);
    put32(e + E_SIZE, (uint32_t)n);
    put32(e + E_PAGE, (uint32_t)(data >> 32));
    put32(e + E_TABLE_SIZE, RECORD_SIZE);
    uint8_t r[RECORD_SIZE] = {0};
    memcpy(r, e, ENTRY_SIZE);
    put32(r + R_TOTAL, (uint32_t)(RECORD_SIZE + n));
    putf(r + R_LIFT, lift_total(m));
    putf(r + R_LIFT_SPEED, m->lift_speed);
    putf(r + R_RETRACT_SPEED, m->retract_speed);
    if (v4) {
        putf(r + R_LIFT2, m->lift2_mm);
        putf(r + R_LIFT2_SPEED, m->lift2_speed);
        putf(r + R_RETRACT2, m->retract2_mm);
        putf(r + R_RETRACT2_SPEED, m->retract2_speed);
        putf(r + R_REST_BEFORE_LIFT, m->wait_after_cure_s);
        putf(r + R_REST_AFTER_LIFT, m->wait_after_lift_s);
        putf(r + R_REST_AFTER_RETRACT, m->wait_before_cure_s);
    }
    putf(r + R_PWM, s->pwm);
    rc = sink_block(w, r, sizeof r, err);
    if (!rc)
        rc = sink_block(w, rle, n, err);
    if (!rc && s->z > st->height)
        st->height = s->z;
    return rc;
}

lw_rc lw_ctb_writer_layer_encoded(lw_print_writer *w, uint32_t index, const lw_layer_settings *s,
                                  const uint8_t *rle, size_t n, lw_err *err)
{
    lw_rc rc = lw_print_writer_accepts(w, &k_ctb_ops, "CTB", index, err);
    if (rc)
        return rc;
    rc = write_layer(w, index, s, rle, n, err);
    if (!rc)
        w->next++;
    return rc;
}

static lw_rc ctb_layer(lw_print_writer *w, uint32_t index, const lw_layer_settings *s,
                       const lw_layer_img *img, lw_err *err)
{
    ctb_writer *st = w->state;
    lw_buf_reset(&st->rle);
    lw_rc rc = lw_ctb_encode_layer(img, &st->rle, err);
    if (rc) {
        lw_err_prefix(err, "layer %u", index);
        return rc;
    }
    return write_layer(w, index, s, st->rle.data, st->rle.len, err);
}

static lw_rc ctb_finish(lw_print_writer *w, lw_err *err)
{
    const lw_print_header *h = &w->h;
    ctb_writer *st = w->state;
    lw_rc rc = check_estimate(h, err);
    if (rc)
        return rc;
    uint8_t b[HEADER_SIZE] = {0};
    put32(b, h->version >= 4 ? MAGIC_CTB4 : MAGIC_CTB);
    put32(b + H_VERSION, h->version);
    putf(b + H_BED_X, h->display_w);
    putf(b + H_BED_Y, h->display_h);
    putf(b + H_BED_Z, h->machine_z);
    putf(b + H_TOTAL_HEIGHT, st->height);
    putf(b + H_LAYER_HEIGHT, h->layer_height);
    putf(b + H_EXPOSURE, h->exposure_s);
    putf(b + H_BOTTOM_EXPOSURE, h->bottom_exposure_s);
    putf(b + H_LIGHT_OFF, h->normal.light_off_s);
    put32(b + H_BOTTOM_LAYERS, h->bottom_layers);
    put32(b + H_RES_X, h->res_x);
    put32(b + H_RES_Y, h->res_y);
    put32(b + H_PREVIEW_LARGE, st->preview_large);
    put32(b + H_TABLE, (uint32_t)st->table_off);
    put32(b + H_LAYER_COUNT, h->layer_count);
    put32(b + H_PREVIEW_SMALL, st->preview_small);
    put32(b + H_PRINT_TIME, clamp_u32(h->print_time_s));
    put32(b + H_PROJECTOR, h->mirror_x ? 1 : 0);
    put32(b + H_PARAMS, st->params);
    put32(b + H_PARAMS_SIZE, PARAMS_SIZE);
    put32(b + H_AA, 1); /* CTB keeps its AA level in the slicer block; 1 here means "not planes" */
    put16(b + H_PWM, h->pwm);
    put16(b + H_BOTTOM_PWM, h->bottom_pwm);
    put32(b + H_SEED, 0);
    put32(b + H_SLICER, st->slicer);
    put32(b + H_SLICER_SIZE, SLICER_SIZE);
    uint64_t end = lw_sink_tell(w->sink);
    /* The print parameters again: the estimate (volume, weight, cost) may have come since. */
    rc = lw_sink_seek(w->sink, st->params, err);
    if (!rc)
        rc = write_params(w, err);
    if (!rc)
        rc = lw_sink_seek(w->sink, st->table_off, err);
    if (!rc)
        rc = sink_block(w, st->table, (size_t)h->layer_count * ENTRY_SIZE, err);
    if (!rc)
        rc = lw_sink_seek(w->sink, 0, err);
    if (!rc)
        rc = sink_block(w, b, sizeof b, err);
    if (!rc)
        rc = lw_sink_seek(w->sink, end, err);
    return rc;
}

static const lw_print_writer_ops k_ctb_ops = {ctb_layer, ctb_finish, ctb_free_state};

/* ---- reading -------------------------------------------------------------------------------- */

typedef struct reader {
    const uint8_t *d;
    size_t len;
    lw_err *err;
    lw_rc rc; /* the first problem; later ones are not recorded */
} reader;

/* Whether [off, off + n) lies in the file; records the error naming `what` if not. */
static bool span(reader *r, uint64_t off, uint64_t n, const char *what)
{
    if (off <= r->len && n <= r->len - off)
        return true;
    if (!r->rc)
        r->rc = lw_err_set(r->err, LW_EFORMAT, "%s at offset %llu + %llu bytes runs past the end "
                           "of the %zu-byte file", what, (unsigned long long)off,
                           (unsigned long long)n, r->len);
    return false;
}

/* A float field (already known to be in the file); not-a-number and infinity are corrupt. */
static double fl(reader *r, uint64_t off, const char *what)
{
    uint32_t u = get32(r->d + off);
    float f;
    memcpy(&f, &u, 4);
    if (!isfinite(f)) {
        if (!r->rc)
            r->rc = lw_err_set(r->err, LW_EFORMAT, "%s (offset %llu) is not a finite number",
                               what, (unsigned long long)off);
        return 0;
    }
    return f;
}

static double nonneg(double v) { return v > 0 ? v : 0; }

/* A name stored as bytes: up to the first NUL, control bytes shown as '?'. */
static void copy_name(char *dst, size_t cap, const uint8_t *src, size_t n)
{
    size_t k = 0;
    for (; k < n && k + 1 < cap && src[k]; k++)
        dst[k] = src[k] < 0x20 || src[k] == 0x7F ? '?' : (char)src[k];
    dst[k] = 0;
}

static void read_preview(reader *r, uint32_t at, const char *what, lw_image *out)
{
    if (!at || r->rc || !span(r, at, PREVIEW_HEADER, what))
        return;
    const uint8_t *p = r->d + at;
    uint32_t w = get32(p), h = get32(p + 4), off = get32(p + 8), n = get32(p + 12);
    if (!span(r, off, n, what))
        return;
    lw_rc rc = lw_preview_ctb_decode(r->d + off, n, w, h, out, r->err);
    if (rc) {
        lw_err_prefix(r->err, "%s (offset %u)", what, at);
        r->rc = rc;
    }
}

/* The settings of layer i from the record before its data (CTB v3 on). */
static void read_record(reader *r, uint64_t at, unsigned version, lw_layer_settings *s)
{
    lw_motion *m = &s->motion;
    double total = nonneg(fl(r, at + R_LIFT, "layer record: lift"));
    m->lift_speed = fl(r, at + R_LIFT_SPEED, "layer record: lift speed");
    m->retract_speed = fl(r, at + R_RETRACT_SPEED, "layer record: retract speed");
    if (version >= 4) {
        /* v3 leaves these words unused (real files hold leftovers there). */
        m->lift2_mm = fl(r, at + R_LIFT2, "layer record: second lift");
        m->lift2_speed = fl(r, at + R_LIFT2_SPEED, "layer record: second lift speed");
        m->retract2_mm = fl(r, at + R_RETRACT2, "layer record: second retract");
        m->retract2_speed = fl(r, at + R_RETRACT2_SPEED, "layer record: second retract speed");
        m->wait_after_cure_s = fl(r, at + R_REST_BEFORE_LIFT, "layer record: rest before lift");
        m->wait_after_lift_s = fl(r, at + R_REST_AFTER_LIFT, "layer record: rest after lift");
        m->wait_before_cure_s = fl(r, at + R_REST_AFTER_RETRACT,
                                   "layer record: rest after retract");
    } else {
        m->lift2_mm = m->lift2_speed = m->retract2_mm = m->retract2_speed = 0;
        m->wait_after_cure_s = m->wait_after_lift_s = m->wait_before_cure_s = 0;
    }
    m->lift_mm = nonneg(total - m->lift2_mm);
    m->retract_mm = nonneg(total - m->retract2_mm);
    double pwm = fl(r, at + R_PWM, "layer record: light PWM");
    s->pwm = pwm <= 0 ? 0 : pwm >= 65535 ? 65535 : (uint16_t)(pwm + 0.5);
}

lw_rc lw_ctb_read(lw_print_file *f, const lw_print_limits *lim, lw_err *err)
{
    reader rd = {f->data, f->len, err, LW_OK};
    reader *r = &rd;
    lw_print_header *h = &f->h;
    if (!span(r, 0, HEADER_SIZE, "the CTB header"))
        return r->rc;
    const uint8_t *d = f->data;
    uint32_t magic = get32(d), version = get32(d + H_VERSION);
    if (magic == MAGIC_ENCRYPTED)
        return lw_err_set(err, LW_EUNSUPPORTED, "an encrypted CTB (magic 0x12FD0107, Chitubox "
                          "1.9 and later for newer ChiTu boards): its settings are AES-encrypted "
                          "and signed with a key that belongs to Chitu Systems, which lostwax "
                          "does not hold; export CTB v4 or GOO instead, or convert with the "
                          "printer maker's tool");
    bool cbddlp = magic == MAGIC_CBDDLP;
    if (version < 1 || version > 5 || (cbddlp && version > 2))
        return lw_err_set(err, LW_EFORMAT, "CTB version %u (magic 0x%08X) is not one lostwax "
                          "knows (CBDDLP 1-2, CTB 2-5)", version, magic);
    bool records = !cbddlp && version >= 3;
    h->format = LW_PFMT_CTB;
    h->version = version;
    h->display_w = fl(r, H_BED_X, "display width");
    h->display_h = fl(r, H_BED_Y, "display height");
    h->machine_z = fl(r, H_BED_Z, "machine Z");
    h->layer_height = fl(r, H_LAYER_HEIGHT, "layer height");
    h->exposure_s = fl(r, H_EXPOSURE, "exposure");
    h->bottom_exposure_s = fl(r, H_BOTTOM_EXPOSURE, "bottom exposure");
    h->normal.light_off_s = fl(r, H_LIGHT_OFF, "light-off delay");
    h->bottom.light_off_s = h->normal.light_off_s;
    h->bottom_layers = get32(d + H_BOTTOM_LAYERS);
    h->res_x = get32(d + H_RES_X);
    h->res_y = get32(d + H_RES_Y);
    h->layer_count = get32(d + H_LAYER_COUNT);
    h->print_time_s = get32(d + H_PRINT_TIME);
    h->mirror_x = get32(d + H_PROJECTOR) != 0;
    h->pwm = get16(d + H_PWM);
    h->bottom_pwm = get16(d + H_BOTTOM_PWM);
    f->xor_seed = cbddlp ? 0 : get32(d + H_SEED);
    if (r->rc)
        return r->rc;
    if (!h->res_x || !h->res_y)
        return lw_err_set(err, LW_EFORMAT, "the header gives a %ux%u screen", h->res_x, h->res_y);
    if (h->res_x > lim->max_pixels_x || h->res_y > lim->max_pixels_y)
        return lw_err_set(err, LW_ELIMIT, "a %ux%u screen is more than the limit of %ux%u",
                          h->res_x, h->res_y, lim->max_pixels_x, lim->max_pixels_y);
    if (h->layer_count > lim->max_layers)
        return lw_err_set(err, LW_ELIMIT, "%u layers is more than the limit of %u",
                          h->layer_count, lim->max_layers);
    /* CBDDLP stores anti-aliasing as that many 1-bit copies of the table; CTB keeps the level in
     * the slicer block and one table. */
    unsigned planes = cbddlp ? cbddlp_planes(d) : 1;
    if (planes > 16)
        return lw_err_set(err, LW_EFORMAT, "CBDDLP with %u anti-aliasing planes (at most 16)",
                          planes);
    h->aa_level = cbddlp ? planes : 1;

    read_preview(r, get32(d + H_PREVIEW_LARGE), "the large preview", &h->preview_large);
    read_preview(r, get32(d + H_PREVIEW_SMALL), "the small preview", &h->preview_small);
    if (r->rc)
        return r->rc;

    uint32_t params = get32(d + H_PARAMS), params_size = get32(d + H_PARAMS_SIZE);
    bool have_params = version >= 2 && params;
    if (have_params) {
        if (params_size < PARAMS_READ)
            return lw_err_set(err, LW_EFORMAT, "print parameters of %u bytes (at least %u)",
                              params_size, PARAMS_READ);
        if (!span(r, params, PARAMS_READ, "the print parameters"))
            return r->rc;
    }
    uint32_t slicer = get32(d + H_SLICER);
    bool have_slicer = !cbddlp && slicer;
    if (have_slicer && !span(r, slicer, SLICER_SIZE, "the slicer block"))
        return r->rc;
    bool v4 = !cbddlp && version >= 4;
    uint32_t v4_at = 0;
    if (v4) {
        v4_at = have_slicer ? get32(d + slicer + S_V4_BLOCK) : 0;
        if (!v4_at)
            return lw_err_set(err, LW_EFORMAT, "a CTB v%u without its v4 parameter block",
                              version);
        if (!span(r, v4_at, V4_READ, "the v4 parameter block"))
            return r->rc;
    }
    double lift = 0, bottom_lift = 0, retract_speed = 0;
    if (have_params) {
        const uint64_t p = params;
        bottom_lift = nonneg(fl(r, p + P_BOTTOM_LIFT, "bottom lift"));
        h->bottom.lift_speed = fl(r, p + P_BOTTOM_LIFT_SPEED, "bottom lift speed");
        lift = nonneg(fl(r, p + P_LIFT, "lift"));
        h->normal.lift_speed = fl(r, p + P_LIFT_SPEED, "lift speed");
        retract_speed = fl(r, p + P_RETRACT_SPEED, "retract speed");
        h->volume_ml = fl(r, p + P_VOLUME, "volume");
        h->weight_g = fl(r, p + P_WEIGHT, "weight");
        h->cost = fl(r, p + P_COST, "cost");
        h->bottom.light_off_s = fl(r, p + P_BOTTOM_LIGHT_OFF, "bottom light-off delay");
    }
    h->normal.retract_speed = h->bottom.retract_speed = retract_speed;
    if (have_slicer) {
        const uint8_t *s = d + slicer;
        uint32_t moff = get32(s + S_MACHINE_OFF), mlen = get32(s + S_MACHINE_LEN);
        if (moff && mlen) {
            if (!span(r, moff, mlen, "the machine name"))
                return r->rc;
            copy_name(h->machine, sizeof h->machine, d + moff, mlen);
        }
        uint32_t level = get32(s + S_AA_LEVEL);
        if (level > 16)
            return lw_err_set(err, LW_EFORMAT, "slicer block (offset %u): anti-aliasing level %u "
                              "(at most 16)", slicer, level);
        h->aa_level = level ? level : 1;
        h->created_unix = (int64_t)get32(s + S_MINUTES) * 60;
        h->transition_layers = get32(s + S_TRANSITION);
        if (v4) {
            uint64_t at = slicer;
            h->bottom.lift2_mm = nonneg(fl(r, at + S_BOTTOM_LIFT2, "bottom second lift"));
            h->bottom.lift2_speed = fl(r, at + S_BOTTOM_LIFT2_SPEED, "bottom second lift speed");
            h->normal.lift2_mm = nonneg(fl(r, at + S_LIFT2, "second lift"));
            h->normal.lift2_speed = fl(r, at + S_LIFT2_SPEED, "second lift speed");
            h->normal.retract2_mm = nonneg(fl(r, at + S_RETRACT2, "second retract"));
            h->normal.retract2_speed = fl(r, at + S_RETRACT2_SPEED, "second retract speed");
        }
    }
    if (v4) {
        uint64_t at = v4_at;
        h->bottom.retract_speed = fl(r, at + V_BOTTOM_RETRACT_SPEED, "bottom retract speed");
        h->bottom.retract2_speed = fl(r, at + V_BOTTOM_RETRACT2_SPEED,
                                      "bottom second retract speed");
        h->bottom.retract2_mm = nonneg(fl(r, at + V_BOTTOM_RETRACT2, "bottom second retract"));
        h->normal.wait_before_cure_s = fl(r, at + V_REST_AFTER_RETRACT, "rest after retract");
        h->normal.wait_after_lift_s = fl(r, at + V_REST_AFTER_LIFT, "rest after lift");
        h->normal.wait_after_cure_s = fl(r, at + V_REST_BEFORE_LIFT, "rest before lift");
        uint32_t resin = get32(d + at + V_RESIN);
        if (version >= 5 && resin) {
            if (!span(r, resin, RESIN_SIZE, "the resin block"))
                return r->rc;
            uint32_t nlen = get32(d + resin + RS_NAME_LEN), noff = get32(d + resin + RS_NAME_OFF);
            if (nlen && noff) {
                if (!span(r, noff, nlen, "the resin name"))
                    return r->rc;
                copy_name(h->material, sizeof h->material, d + noff, nlen);
            }
        }
    }
    if (r->rc)
        return r->rc;
    /* The two stages of a v4 lift are stored as their total and the second; the plate comes
     * back as far as it went, so the first retract stage is the rest of the way. */
    h->normal.lift_mm = nonneg(lift - h->normal.lift2_mm);
    h->bottom.lift_mm = nonneg(bottom_lift - h->bottom.lift2_mm);
    h->normal.retract_mm = nonneg(lift - h->normal.retract2_mm);
    h->bottom.retract_mm = nonneg(bottom_lift - h->bottom.retract2_mm);

    /* The layer table, then each layer's data (and record) checked against it. */
    uint32_t table = get32(d + H_TABLE);
    uint64_t nent = (uint64_t)planes * h->layer_count;
    if (!span(r, table, nent * ENTRY_SIZE, "the layer table"))
        return r->rc;
    size_t count = h->layer_count;
    f->layers = lw_calloc(count ? count : 1, sizeof *f->layers);
    f->layer_off = lw_calloc(nent ? (size_t)nent : 1, sizeof *f->layer_off);
    f->layer_len = lw_calloc(nent ? (size_t)nent : 1, sizeof *f->layer_len);
    if (!f->layers || !f->layer_off || !f->layer_len)
        return lw_err_nomem(err);
    char what[64];
    for (uint64_t k = 0; k < nent; k++) {
        uint32_t i = (uint32_t)(k % count);
        const uint8_t *e = d + table + k * ENTRY_SIZE;
        uint64_t off = (uint64_t)get32(e + E_PAGE) << 32 | get32(e + E_ADDR);
        uint32_t n = get32(e + E_SIZE);
        if (planes > 1)
            snprintf(what, sizeof what, "layer %u, plane %u: data", i, (unsigned)(k / count));
        else
            snprintf(what, sizeof what, "layer %u: data", i);
        if (!span(r, off, n, what))
            return r->rc;
        if (n > lim->max_layer_bytes)
            return lw_err_set(err, LW_ELIMIT, "layer %u: %u bytes of data is more than the limit "
                              "of %zu", i, n, lim->max_layer_bytes);
        f->layer_off[k] = off;
        f->layer_len[k] = n;
        if (k >= count)
            continue;
        lw_layer_settings *s = &f->layers[i];
        snprintf(what, sizeof what, "table entry %llu", (unsigned long long)k);
        s->z = fl(r, table + k * ENTRY_SIZE + E_Z, what);
        s->exposure_s = fl(r, table + k * ENTRY_SIZE + E_EXPOSURE, what);
        bool bottom = i < h->bottom_layers;
        s->motion = bottom ? h->bottom : h->normal;
        s->motion.light_off_s = fl(r, table + k * ENTRY_SIZE + E_LIGHT_OFF, what);
        s->pwm = bottom ? h->bottom_pwm : h->pwm;
        if (records) {
            if (off < RECORD_SIZE)
                return lw_err_set(err, LW_EFORMAT, "layer %u: data at offset %llu leaves no room "
                                  "for its %u-byte record", i, (unsigned long long)off,
                                  RECORD_SIZE);
            const uint8_t *rec = d + off - RECORD_SIZE;
            if (get32(rec + E_ADDR) != get32(e + E_ADDR) ||
                get32(rec + E_PAGE) != get32(e + E_PAGE) || get32(rec + E_SIZE) != n)
                return lw_err_set(err, LW_EFORMAT, "layer %u: the record at offset %llu says "
                                  "%u bytes at offset %llu, the layer table %u at %llu", i,
                                  (unsigned long long)(off - RECORD_SIZE), get32(rec + E_SIZE),
                                  (unsigned long long)get32(rec + E_PAGE) << 32 |
                                      get32(rec + E_ADDR),
                                  n, (unsigned long long)off);
            read_record(r, off - RECORD_SIZE, version, s);
            s->motion.light_off_s = fl(r, table + k * ENTRY_SIZE + E_LIGHT_OFF, what);
        }
        if (r->rc) {
            lw_err_prefix(err, "layer %u", i);
            return r->rc;
        }
    }
    /* v4 keeps no bottom waits in its header: the bottom layers carry them. */
    if (v4 && h->bottom_layers && count) {
        h->bottom.wait_before_cure_s = f->layers[0].motion.wait_before_cure_s;
        h->bottom.wait_after_cure_s = f->layers[0].motion.wait_after_cure_s;
        h->bottom.wait_after_lift_s = f->layers[0].motion.wait_after_lift_s;
    }
    return LW_OK;
}

lw_rc lw_ctb_decode(const lw_print_file *f, uint32_t i, lw_layer_img *img, lw_err *err)
{
    lw_rc rc;
    if (get32(f->data) == MAGIC_CBDDLP) {
        rc = decode_cbddlp(f, i, cbddlp_planes(f->data), img, err);
    } else {
        rc = lw_ctb_decode_rle(f->data + f->layer_off[i], (size_t)f->layer_len[i], f->xor_seed,
                               i, img, err);
        if (rc)
            lw_err_prefix(err, "layer %u (%llu bytes at offset %llu)", i,
                          (unsigned long long)f->layer_len[i],
                          (unsigned long long)f->layer_off[i]);
    }
    return rc;
}
