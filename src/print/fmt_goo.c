/* lostwax: Elegoo GOO V3.0 files (Phrozen's .prz is the same layout). Big-endian: a fixed
 * 195,477-byte header with two raw RGB565 previews, then per layer a 70-byte record, the RLE and
 * CR LF, then an 11-byte footer. The writer streams; it goes back only to put in an estimate
 * (print time, resin, cost) that lw_print_writer_set_estimate changed after the header was
 * written. Layout facts and their sources: docs/internals/ctb-goo.md.
 */
#include "print/fmt_goo.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "print/preview.h"
#include "print/printfile_int.h"

#ifndef LW_VERSION
#define LW_VERSION "0"
#endif

/* ---- layout ---------------------------------------------------------------------------------- */

static const uint8_t k_magic[8] = {0x07, 0x00, 0x00, 0x00, 0x44, 0x4C, 0x50, 0x00};

#define G_VERSION 0u          /* "V3.0" */
#define G_MAGIC 4u
#define G_SOFTWARE 12u        /* 32 bytes */
#define G_SOFTWARE_VERSION 44u /* 24 */
#define G_CREATED 68u         /* 24: "YYYY-MM-DD HH:MM:SS" */
#define G_MACHINE 92u         /* 32 */
#define G_MACHINE_TYPE 124u   /* 32 */
#define G_PROFILE 156u        /* 32: the resin profile's name */
#define G_AA 188u             /* u16 */
#define G_GREY 190u
#define G_BLUR 192u
#define G_SMALL 194u          /* 116 x 116 x 2, then CR LF */
#define SMALL_W 116u
#define G_BIG (G_SMALL + SMALL_W * SMALL_W * 2 + 2)
#define BIG_W 290u
#define G_S (G_BIG + BIG_W * BIG_W * 2 + 2) /* the settings follow */
#define G_LAYER_COUNT (G_S + 0)
#define G_RES_X (G_S + 4)     /* u16 */
#define G_RES_Y (G_S + 6)
#define G_MIRROR_X (G_S + 8)  /* u8 */
#define G_MIRROR_Y (G_S + 9)
#define G_DISPLAY_W (G_S + 10)
#define G_DISPLAY_H (G_S + 14)
#define G_MACHINE_Z (G_S + 18)
#define G_LAYER_HEIGHT (G_S + 22)
#define G_EXPOSURE (G_S + 26)
#define G_DELAY_MODE (G_S + 30) /* u8: 0 light-off delay, 1 waits */
#define G_LIGHT_OFF (G_S + 31)
#define G_BOTTOM_WAIT_AFTER_CURE (G_S + 35)
#define G_BOTTOM_WAIT_AFTER_LIFT (G_S + 39)
#define G_BOTTOM_WAIT_BEFORE_CURE (G_S + 43)
#define G_WAIT_AFTER_CURE (G_S + 47)
#define G_WAIT_AFTER_LIFT (G_S + 51)
#define G_WAIT_BEFORE_CURE (G_S + 55)
#define G_BOTTOM_EXPOSURE (G_S + 59)
#define G_BOTTOM_LAYERS (G_S + 63) /* u32 */
#define G_MOTION (G_S + 67)   /* 16 floats: see k_motion_fields */
#define G_BOTTOM_PWM (G_S + 131) /* u16 */
#define G_PWM (G_S + 133)
#define G_PER_LAYER (G_S + 135) /* u8 */
#define G_PRINT_TIME (G_S + 136) /* u32 */
#define G_VOLUME (G_S + 140)  /* mm³ */
#define G_WEIGHT (G_S + 144)
#define G_COST (G_S + 148)
#define G_CURRENCY (G_S + 152) /* 8 */
#define G_LAYER_DEF (G_S + 160) /* u32 */
#define G_GREY_SCALE (G_S + 164) /* u8: 1 = 8-bit levels */
#define G_TRANSITION (G_S + 165) /* u16 */
#define HEADER_SIZE (G_S + 167)
_Static_assert(HEADER_SIZE == 195477, "the GOO V3.0 header is 195,477 bytes");

#define RECORD_SIZE 70u
#define L_PAUSE 0u            /* u16 */
#define L_PAUSE_Z 2u
#define L_Z 6u
#define L_EXPOSURE 10u
#define L_LIGHT_OFF 14u
#define L_WAIT_AFTER_CURE 18u
#define L_WAIT_AFTER_LIFT 22u
#define L_WAIT_BEFORE_CURE 26u
#define L_LIFT 30u            /* then lift speed, lift2, lift2 speed, retract, retract speed, */
#define L_PWM 62u             /* retract2, retract2 speed; u16 PWM */
#define L_CRLF 64u
#define L_DATA_LEN 66u        /* u32: 0x55 to checksum */

#define FOOTER_SIZE 11u       /* three zero bytes and the magic */
#define RUN_MAX 0x0FFFFFFFu   /* 4 bits + 3 bytes of run length */
#define LAYER_MAGIC 0x55u

/* ---- bytes ---------------------------------------------------------------------------------- */

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void putf(uint8_t *p, double v)
{
    float f = (float)v;
    uint32_t u;
    memcpy(&u, &f, 4);
    put32(p, u);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* A string field of `size` bytes: as much of s as fits with a NUL after it, zeros after. */
static void put_str(uint8_t *p, size_t size, const char *s)
{
    size_t n = strnlen(s, size - 1);
    memcpy(p, s, n);
    memset(p + n, 0, size - n);
}

/* ---- dates: the header stores its creation time as text in UTC ----------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (the era arithmetic of Hinnant's
 * "chrono-compatible low-level date algorithms"). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static void format_time(int64_t t, char *out, size_t size)
{
    int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400), y;
    int64_t s = t - days * 86400;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    snprintf(out, size, "%04lld-%02u-%02u %02u:%02u:%02u", (long long)y, m, d,
             (unsigned)(s / 3600), (unsigned)(s / 60 % 60), (unsigned)(s % 60));
}

/* "YYYY-MM-DD HH:MM:SS" to seconds since 1970; 0 if the text is not that. */
static int64_t parse_time(const uint8_t *p, size_t n)
{
    static const char shape[] = "dddd-dd-dd dd:dd:dd";
    if (n < sizeof shape - 1)
        return 0;
    for (size_t i = 0; i < sizeof shape - 1; i++)
        if (shape[i] == 'd' ? p[i] < '0' || p[i] > '9' : p[i] != (uint8_t)shape[i])
            return 0;
#define NUM2(i) ((unsigned)(p[i] - '0') * 10 + (unsigned)(p[(i) + 1] - '0'))
    int64_t y = NUM2(0) * 100 + NUM2(2);
    unsigned mo = NUM2(5), d = NUM2(8), hh = NUM2(11), mi = NUM2(14), ss = NUM2(17);
#undef NUM2
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || hh > 23 || mi > 59 || ss > 60)
        return 0;
    return days_from_civil(y, mo, d) * 86400 + hh * 3600 + mi * 60 + ss;
}

/* ---- the RLE ------------------------------------------------------------------------------- */

/* Output gathered in a block and appended to the buffer in pieces; the hot loop keeps its write
 * position, and all it reads, in locals (byte stores may alias anything). */
#define BLOCK 8192
typedef struct rle_out {
    lw_buf *buf;
    unsigned sum; /* of every byte after the 0x55 */
    lw_rc rc;
    uint8_t block[BLOCK];
} rle_out;

static uint8_t *out_flush(rle_out *o, uint8_t *p)
{
    size_t n = (size_t)(p - o->block);
    unsigned sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += o->block[i];
    o->sum += sum;
    if (!o->rc && n)
        o->rc = lw_buf_append(o->buf, o->block, n);
    return o->block;
}

/* One chunk of k (1 to RUN_MAX) pixels of `level`: 0x00 and 0xFF runs say their level in the
 * chunk type, others in the byte after; the length's low 4 bits ride in the first byte, 0-3
 * more bytes (counted in bits 5-4) hold the rest, high first. */
static inline uint8_t *put_chunk(uint8_t *p, unsigned level, uint32_t k)
{
    unsigned ext = k <= 0xF ? 0 : k <= 0xFFF ? 1 : k <= 0xFFFFF ? 2 : 3;
    unsigned type = level == 0 ? 0x00 : level == 255 ? 0xC0 : 0x40;
    *p++ = (uint8_t)(type | ext << 4 | (k & 0xF));
    if (type == 0x40)
        *p++ = (uint8_t)level;
    for (unsigned e = ext; e > 0; e--)
        *p++ = (uint8_t)(k >> (4 + 8 * (e - 1)));
    return p;
}

static inline uint8_t *put_run(rle_out *o, uint8_t *p, unsigned level, uint64_t n)
{
    while (n) {
        uint32_t k = n > RUN_MAX ? RUN_MAX : (uint32_t)n;
        n -= k;
        if (p > o->block + BLOCK - 5)
            p = out_flush(o, p);
        p = put_chunk(p, level, k);
    }
    return p;
}

lw_rc lw_goo_encode_layer(const lw_layer_img *img, lw_buf *out, lw_err *err)
{
    size_t start = out->len;
    rle_out *o = lw_malloc(sizeof *o);
    if (!o)
        return lw_err_nomem(err);
    o->buf = out;
    o->sum = 0;
    uint8_t magic = LAYER_MAGIC;
    o->rc = lw_buf_append(out, &magic, 1);
    uint8_t *p = o->block;
    const lw_run *runs = img->runs;
    const size_t nruns = img->nruns;
    const uint32_t width = img->width, height = img->height;
    const uint64_t w = width, total = w * height;
    uint64_t pos = 0, pend = 0;
    unsigned level = 0; /* of the pending stretch of `pend` pixels */
    lw_rc bad = LW_OK;
    for (size_t i = 0; i < nruns; i++) {
        const lw_run r = runs[i];
        uint64_t at = (uint64_t)r.y * w + r.x;
        if (r.y >= height || r.x >= width || r.len > width - r.x || at < pos) {
            bad = lw_err_set(err, LW_EINVAL, "run %zu (row %u, x %u, %u pixels) is out of order "
                             "or off the %ux%u screen", i, r.y, r.x, r.len, width, height);
            break;
        }
        if (at > pos) {
            if (level) {
                p = put_run(o, p, level, pend);
                level = 0;
                pend = 0;
            }
            pend += at - pos;
        }
        if (r.level != level) {
            p = put_run(o, p, level, pend);
            level = r.level;
            pend = 0;
        }
        pend += r.len;
        pos = at + r.len;
    }
    if (!bad && !o->rc) {
        if (total > pos) {
            if (level) {
                p = put_run(o, p, level, pend);
                level = 0;
                pend = 0;
            }
            pend += total - pos;
        }
        p = put_run(o, p, level, pend);
        out_flush(o, p);
        uint8_t check = (uint8_t)~o->sum;
        if (!o->rc)
            o->rc = lw_buf_append(out, &check, 1);
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
    return rc == LW_ENOMEM ? lw_err_nomem(err) : rc;
}

lw_rc lw_goo_decode_rle(const uint8_t *data, size_t n, lw_layer_img *img, lw_err *err)
{
    lw_layer_img_reset(img);
    if (n < 2)
        return lw_err_set(err, LW_EFORMAT, "%zu bytes cannot hold the 0x55 and the checksum", n);
    if (data[0] != LAYER_MAGIC)
        return lw_err_set(err, LW_EFORMAT, "byte 0: 0x%02X where 0x55 begins a layer", data[0]);
    unsigned sum = 0;
    size_t end = n - 1;
    for (size_t i = 1; i < end; i++)
        sum += data[i];
    if ((uint8_t)~sum != data[end])
        return lw_err_set(err, LW_EFORMAT, "byte %zu: checksum 0x%02X, the data sums to 0x%02X",
                          end, data[end], (unsigned)(uint8_t)~sum);
    uint64_t total = (uint64_t)img->width * img->height, px = 0;
    unsigned level = 0;
    for (size_t i = 1; i < end;) {
        size_t at = i;
        unsigned b = data[i++], type = b >> 6;
        uint64_t len;
        if (type == 2) {
            /* A delta from the previous chunk's level: bit 5 down, bit 4 a length byte. */
            int next = (b & 0x20) ? (int)level - (int)(b & 0xF) : (int)level + (int)(b & 0xF);
            if (next < 0 || next > 255)
                return decode_fail(img, lw_err_set(err, LW_EFORMAT, "byte %zu: a delta of %s%u "
                                                   "from level %u leaves 0-255", at,
                                                   (b & 0x20) ? "-" : "+", b & 0xF, level), err);
            level = (unsigned)next;
            len = 1;
            if (b & 0x10) {
                if (i >= end)
                    return decode_fail(img, lw_err_set(err, LW_EFORMAT, "byte %zu: a delta run "
                                                       "without its length", at), err);
                len = data[i++];
            }
        } else {
            if (type == 1) {
                if (i >= end)
                    return decode_fail(img, lw_err_set(err, LW_EFORMAT, "byte %zu: a grey run "
                                                       "without its level", at), err);
                level = data[i++];
            } else {
                level = type == 3 ? 255 : 0;
            }
            unsigned ext = b >> 4 & 3;
            if (ext > end - i)
                return decode_fail(img, lw_err_set(err, LW_EFORMAT, "byte %zu: a run length cut "
                                                   "off by the checksum", at), err);
            uint64_t hi = 0;
            for (unsigned k = 0; k < ext; k++)
                hi = hi << 8 | data[i++];
            len = hi << 4 | (b & 0xF);
        }
        if (len > total - px)
            return decode_fail(img, lw_err_set(err, LW_EFORMAT, "byte %zu: a run of %llu pixels "
                                               "at pixel %llu goes past the %llu pixels of the "
                                               "%ux%u screen", at, (unsigned long long)len,
                                               (unsigned long long)px,
                                               (unsigned long long)total, img->width,
                                               img->height), err);
        if (level) {
            lw_rc rc = add_pixels(img, px, len, (uint8_t)level);
            if (rc)
                return decode_fail(img, rc, err);
        }
        px += len;
    }
    if (px != total)
        return decode_fail(img, lw_err_set(err, LW_EFORMAT, "the data holds %llu pixels, the "
                                           "%ux%u screen %llu", (unsigned long long)px,
                                           img->width, img->height, (unsigned long long)total),
                           err);
    return LW_OK;
}

/* ---- writing -------------------------------------------------------------------------------- */

typedef struct goo_writer {
    lw_buf rle;             /* the layer being written */
    uint8_t estimate[16];   /* print time, volume, weight, cost as the header has them */
} goo_writer;

static const lw_print_writer_ops k_goo_ops;

/* The 16 motion floats of the header, bottom and normal interleaved as the format orders them:
 * lift, lift speed (bottom then normal), retract, retract speed, then the second stages. */
static void put_motion(uint8_t *p, const lw_motion *b, const lw_motion *n)
{
    const double v[16] = {b->lift_mm,     b->lift_speed,     n->lift_mm,     n->lift_speed,
                          b->retract_mm,  b->retract_speed,  n->retract_mm,  n->retract_speed,
                          b->lift2_mm,    b->lift2_speed,    n->lift2_mm,    n->lift2_speed,
                          b->retract2_mm, b->retract2_speed, n->retract2_mm, n->retract2_speed};
    for (int i = 0; i < 16; i++)
        putf(p + 4 * i, v[i]);
}

static lw_rc check_value(double v, const char *what, lw_err *err)
{
    if (!(v >= 0 && v <= 1e9))
        return lw_err_set(err, LW_EINVAL, "%s is %g: a GOO needs a number from 0 to 1e9", what,
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
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        if (!(v[i] >= 0 && v[i] <= 1e9)) {
            char what[64];
            snprintf(what, sizeof what, "%s %s", which, names[i]);
            return check_value(v[i], what, err);
        }
    }
    return LW_OK;
}

static uint32_t clamp_u32(double v)
{
    if (!(v > 0))
        return 0;
    if (v >= 4294967295.0)
        return UINT32_MAX;
    return (uint32_t)(v + 0.5);
}

/* Print time, volume, weight and cost: 16 bytes from G_PRINT_TIME. */
_Static_assert(G_VOLUME == G_PRINT_TIME + 4 && G_COST == G_PRINT_TIME + 12,
               "the estimate is one block");
static void put_estimate(uint8_t *p, const lw_print_header *h)
{
    put32(p, clamp_u32(h->print_time_s));
    putf(p + 4, h->volume_ml * 1000.0);
    putf(p + 8, h->weight_g);
    putf(p + 12, h->cost);
}

static bool has_waits(const lw_motion *m)
{
    return m->wait_before_cure_s > 0 || m->wait_after_cure_s > 0 || m->wait_after_lift_s > 0;
}

static void goo_free_state(lw_print_writer *w)
{
    goo_writer *st = w->state;
    if (!st)
        return;
    lw_buf_clear(&st->rle);
    lw_free(st);
    w->state = NULL;
}

lw_rc lw_goo_writer_begin(lw_print_writer *w, lw_err *err)
{
    const lw_print_header *h = &w->h;
    if (h->version != 3)
        return lw_err_set(err, LW_EINVAL, "GOO version %u: lostwax writes version 3",
                          h->version);
    if (h->res_x > 0xFFFF || h->res_y > 0xFFFF)
        return lw_err_set(err, LW_EINVAL, "a %ux%u screen: GOO holds at most 65535 pixels a side",
                          h->res_x, h->res_y);
    if (h->transition_layers > 0xFFFF)
        return lw_err_set(err, LW_EINVAL, "%u transition layers: GOO holds at most 65535",
                          h->transition_layers);
    lw_rc rc = LW_OK;
    const double hv[] = {h->display_w, h->display_h, h->machine_z, h->layer_height,
                         h->exposure_s, h->bottom_exposure_s, h->print_time_s,
                         h->volume_ml, h->weight_g, h->cost};
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
    goo_writer *st = lw_calloc(1, sizeof *st);
    if (!st)
        return lw_err_nomem(err);
    lw_buf_init(&st->rle, 0);
    w->state = st;
    w->ops = &k_goo_ops;

    uint8_t *b = lw_calloc(1, HEADER_SIZE);
    if (!b)
        return lw_err_nomem(err);
    memcpy(b + G_VERSION, "V3.0", 4);
    memcpy(b + G_MAGIC, k_magic, sizeof k_magic);
    put_str(b + G_SOFTWARE, 32, "lostwax");
    put_str(b + G_SOFTWARE_VERSION, 24, LW_VERSION);
    char when[64]; /* the field keeps 23 characters; room here for any year */
    format_time(h->created_unix, when, sizeof when);
    put_str(b + G_CREATED, 24, when);
    put_str(b + G_MACHINE, 32, h->machine);
    put_str(b + G_MACHINE_TYPE, 32, "DLP");
    put_str(b + G_PROFILE, 32, h->material);
    put16(b + G_AA, (uint16_t)h->aa_level);
    put16(b + G_GREY, 1);
    put16(b + G_BLUR, 0);
    lw_preview_565be_encode(&h->preview_small, SMALL_W, SMALL_W, b + G_SMALL);
    memcpy(b + G_BIG - 2, "\r\n", 2);
    lw_preview_565be_encode(&h->preview_large, BIG_W, BIG_W, b + G_BIG);
    memcpy(b + G_S - 2, "\r\n", 2);
    put32(b + G_LAYER_COUNT, h->layer_count);
    put16(b + G_RES_X, (uint16_t)h->res_x);
    put16(b + G_RES_Y, (uint16_t)h->res_y);
    b[G_MIRROR_X] = h->mirror_x;
    b[G_MIRROR_Y] = h->mirror_y;
    putf(b + G_DISPLAY_W, h->display_w);
    putf(b + G_DISPLAY_H, h->display_h);
    putf(b + G_MACHINE_Z, h->machine_z);
    putf(b + G_LAYER_HEIGHT, h->layer_height);
    putf(b + G_EXPOSURE, h->exposure_s);
    /* Waits if there are any; a light-off delay alone otherwise (both are always written). */
    b[G_DELAY_MODE] = has_waits(&h->normal) || has_waits(&h->bottom) ||
                      !(h->normal.light_off_s > 0);
    putf(b + G_LIGHT_OFF, h->normal.light_off_s);
    putf(b + G_BOTTOM_WAIT_AFTER_CURE, h->bottom.wait_after_cure_s);
    putf(b + G_BOTTOM_WAIT_AFTER_LIFT, h->bottom.wait_after_lift_s);
    putf(b + G_BOTTOM_WAIT_BEFORE_CURE, h->bottom.wait_before_cure_s);
    putf(b + G_WAIT_AFTER_CURE, h->normal.wait_after_cure_s);
    putf(b + G_WAIT_AFTER_LIFT, h->normal.wait_after_lift_s);
    putf(b + G_WAIT_BEFORE_CURE, h->normal.wait_before_cure_s);
    putf(b + G_BOTTOM_EXPOSURE, h->bottom_exposure_s);
    put32(b + G_BOTTOM_LAYERS, h->bottom_layers);
    put_motion(b + G_MOTION, &h->bottom, &h->normal);
    put16(b + G_BOTTOM_PWM, h->bottom_pwm);
    put16(b + G_PWM, h->pwm);
    b[G_PER_LAYER] = 1; /* every layer record carries the layer's own settings */
    put_estimate(b + G_PRINT_TIME, h);
    memcpy(st->estimate, b + G_PRINT_TIME, sizeof st->estimate);
    put_str(b + G_CURRENCY, 8, h->currency);
    put32(b + G_LAYER_DEF, HEADER_SIZE);
    b[G_GREY_SCALE] = 1;
    put16(b + G_TRANSITION, (uint16_t)h->transition_layers);
    rc = lw_sink_write(w->sink, b, HEADER_SIZE, err);
    lw_free(b);
    return rc;
}

static lw_rc write_layer(lw_print_writer *w, uint32_t index, const lw_layer_settings *s,
                         const uint8_t *data, size_t n, lw_err *err)
{
    const lw_motion *m = &s->motion;
    lw_rc rc = check_value(s->z, "z", err);
    if (!rc)
        rc = check_value(s->exposure_s, "exposure", err);
    if (!rc)
        rc = check_motion(m, "motion:", err);
    if (!rc && n > UINT32_MAX)
        rc = lw_err_set(err, LW_ELIMIT, "%zu bytes of RLE is more than GOO's 32-bit sizes hold",
                        n);
    if (rc) {
        lw_err_prefix(err, "layer %u", index);
        return rc;
    }
    uint8_t r[RECORD_SIZE] = {0};
    put16(r + L_PAUSE, 0);
    putf(r + L_PAUSE_Z, w->h.machine_z);
    putf(r + L_Z, s->z);
    putf(r + L_EXPOSURE, s->exposure_s);
    putf(r + L_LIGHT_OFF, m->light_off_s);
    putf(r + L_WAIT_AFTER_CURE, m->wait_after_cure_s);
    putf(r + L_WAIT_AFTER_LIFT, m->wait_after_lift_s);
    putf(r + L_WAIT_BEFORE_CURE, m->wait_before_cure_s);
    const double v[8] = {m->lift_mm,    m->lift_speed,    m->lift2_mm,    m->lift2_speed,
                         m->retract_mm, m->retract_speed, m->retract2_mm, m->retract2_speed};
    for (int i = 0; i < 8; i++)
        putf(r + L_LIFT + 4 * i, v[i]);
    put16(r + L_PWM, s->pwm);
    memcpy(r + L_CRLF, "\r\n", 2);
    put32(r + L_DATA_LEN, (uint32_t)n);
    rc = lw_sink_write(w->sink, r, sizeof r, err);
    if (!rc)
        rc = lw_sink_write(w->sink, data, n, err);
    if (!rc)
        rc = lw_sink_write(w->sink, "\r\n", 2, err);
    return rc;
}

lw_rc lw_goo_writer_layer_encoded(lw_print_writer *w, uint32_t index, const lw_layer_settings *s,
                                  const uint8_t *data, size_t n, lw_err *err)
{
    lw_rc rc = lw_print_writer_accepts(w, &k_goo_ops, "GOO", index, err);
    if (rc)
        return rc;
    rc = write_layer(w, index, s, data, n, err);
    if (!rc)
        w->next++;
    return rc;
}

static lw_rc goo_layer(lw_print_writer *w, uint32_t index, const lw_layer_settings *s,
                       const lw_layer_img *img, lw_err *err)
{
    goo_writer *st = w->state;
    lw_buf_reset(&st->rle);
    lw_rc rc = lw_goo_encode_layer(img, &st->rle, err);
    if (rc) {
        lw_err_prefix(err, "layer %u", index);
        return rc;
    }
    return write_layer(w, index, s, st->rle.data, st->rle.len, err);
}

/* The footer; and the estimate if lw_print_writer_set_estimate changed it since the header was
 * written (only then does the writer seek, so a job that knows its estimate up front can still
 * stream to standard output). */
static lw_rc goo_finish(lw_print_writer *w, lw_err *err)
{
    const lw_print_header *h = &w->h;
    goo_writer *st = w->state;
    lw_rc rc = check_value(h->print_time_s, "print time", err);
    if (!rc)
        rc = check_value(h->volume_ml, "volume", err);
    if (!rc)
        rc = check_value(h->weight_g, "weight", err);
    if (!rc)
        rc = check_value(h->cost, "cost", err);
    if (rc)
        return rc;
    uint8_t f[FOOTER_SIZE] = {0};
    memcpy(f + 3, k_magic, sizeof k_magic);
    rc = lw_sink_write(w->sink, f, sizeof f, err);
    uint8_t e[16];
    put_estimate(e, h);
    if (rc || memcmp(e, st->estimate, sizeof e) == 0)
        return rc;
    uint64_t end = lw_sink_tell(w->sink);
    rc = lw_sink_seek(w->sink, G_PRINT_TIME, err);
    if (!rc)
        rc = lw_sink_write(w->sink, e, sizeof e, err);
    if (!rc)
        rc = lw_sink_seek(w->sink, end, err);
    return rc;
}

static const lw_print_writer_ops k_goo_ops = {goo_layer, goo_finish, goo_free_state};

/* ---- reading -------------------------------------------------------------------------------- */

typedef struct reader {
    const uint8_t *d;
    size_t len;
    lw_err *err;
    lw_rc rc;
} reader;

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

static void copy_name(char *dst, size_t cap, const uint8_t *src, size_t n)
{
    size_t k = 0;
    for (; k < n && k + 1 < cap && src[k]; k++)
        dst[k] = src[k] < 0x20 || src[k] == 0x7F ? '?' : (char)src[k];
    dst[k] = 0;
}

static void get_motion(reader *r, uint64_t at, lw_motion *b, lw_motion *n)
{
    double *v[16] = {&b->lift_mm,     &b->lift_speed,     &n->lift_mm,     &n->lift_speed,
                     &b->retract_mm,  &b->retract_speed,  &n->retract_mm,  &n->retract_speed,
                     &b->lift2_mm,    &b->lift2_speed,    &n->lift2_mm,    &n->lift2_speed,
                     &b->retract2_mm, &b->retract2_speed, &n->retract2_mm, &n->retract2_speed};
    for (int i = 0; i < 16; i++)
        *v[i] = fl(r, at + 4 * (uint64_t)i, "header motion");
}

lw_rc lw_goo_read(lw_print_file *f, const lw_print_limits *lim, lw_err *err)
{
    reader rd = {f->data, f->len, err, LW_OK};
    reader *r = &rd;
    const uint8_t *d = f->data;
    lw_print_header *h = &f->h;
    if (f->len >= 12 && memcmp(d + G_MAGIC, k_magic, sizeof k_magic) == 0 &&
        memcmp(d, "V3.0", 4) != 0)
        return lw_err_set(err, LW_EUNSUPPORTED, "GOO version \"%c%c%c%c\": lostwax reads V3.0; "
                          "V5 (Elegoo Satellite, Jupiter 2) is another layout (index tables, "
                          "split panels, a new codec)", d[0] >= 0x20 && d[0] < 0x7F ? d[0] : '?',
                          d[1] >= 0x20 && d[1] < 0x7F ? d[1] : '?',
                          d[2] >= 0x20 && d[2] < 0x7F ? d[2] : '?',
                          d[3] >= 0x20 && d[3] < 0x7F ? d[3] : '?');
    if (!span(r, 0, HEADER_SIZE, "the GOO header"))
        return r->rc;
    if (memcmp(d, "V3.0", 4) != 0 || memcmp(d + G_MAGIC, k_magic, sizeof k_magic) != 0)
        return lw_err_set(err, LW_EFORMAT, "no GOO V3.0 signature (\"V3.0\" and 07 00 00 00 44 "
                          "4C 50 00) at the start");
    copy_name(h->machine, sizeof h->machine, d + G_MACHINE, 32);
    if (strcmp(h->machine, "ELEGOO Jupiter 2") == 0)
        return lw_err_set(err, LW_EUNSUPPORTED, "a GOO for the ELEGOO Jupiter 2, which stores "
                          "it little-endian with other records: lostwax reads the big-endian "
                          "V3.0 layout");
    h->format = LW_PFMT_GOO;
    h->version = 3;
    copy_name(h->material, sizeof h->material, d + G_PROFILE, 32);
    h->created_unix = parse_time(d + G_CREATED, 24);
    h->aa_level = get16(d + G_AA);
    if (!h->aa_level)
        h->aa_level = 1;
    h->layer_count = get32(d + G_LAYER_COUNT);
    h->res_x = get16(d + G_RES_X);
    h->res_y = get16(d + G_RES_Y);
    h->mirror_x = d[G_MIRROR_X] != 0;
    h->mirror_y = d[G_MIRROR_Y] != 0;
    h->display_w = fl(r, G_DISPLAY_W, "display width");
    h->display_h = fl(r, G_DISPLAY_H, "display height");
    h->machine_z = fl(r, G_MACHINE_Z, "machine Z");
    h->layer_height = fl(r, G_LAYER_HEIGHT, "layer height");
    h->exposure_s = fl(r, G_EXPOSURE, "exposure");
    h->normal.light_off_s = h->bottom.light_off_s = fl(r, G_LIGHT_OFF, "light-off delay");
    h->bottom.wait_after_cure_s = fl(r, G_BOTTOM_WAIT_AFTER_CURE, "bottom wait after cure");
    h->bottom.wait_after_lift_s = fl(r, G_BOTTOM_WAIT_AFTER_LIFT, "bottom wait after lift");
    h->bottom.wait_before_cure_s = fl(r, G_BOTTOM_WAIT_BEFORE_CURE, "bottom wait before cure");
    h->normal.wait_after_cure_s = fl(r, G_WAIT_AFTER_CURE, "wait after cure");
    h->normal.wait_after_lift_s = fl(r, G_WAIT_AFTER_LIFT, "wait after lift");
    h->normal.wait_before_cure_s = fl(r, G_WAIT_BEFORE_CURE, "wait before cure");
    h->bottom_exposure_s = fl(r, G_BOTTOM_EXPOSURE, "bottom exposure");
    h->bottom_layers = get32(d + G_BOTTOM_LAYERS);
    get_motion(r, G_MOTION, &h->bottom, &h->normal);
    h->bottom_pwm = get16(d + G_BOTTOM_PWM);
    h->pwm = get16(d + G_PWM);
    h->print_time_s = get32(d + G_PRINT_TIME);
    h->volume_ml = fl(r, G_VOLUME, "volume") / 1000.0;
    h->weight_g = fl(r, G_WEIGHT, "weight");
    h->cost = fl(r, G_COST, "cost");
    copy_name(h->currency, sizeof h->currency, d + G_CURRENCY, 8);
    h->transition_layers = get16(d + G_TRANSITION);
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
    if (d[G_SMALL + SMALL_W * SMALL_W * 2] != '\r' || d[G_BIG - 1] != '\n' ||
        d[G_S - 2] != '\r' || d[G_S - 1] != '\n')
        return lw_err_set(err, LW_EFORMAT, "the previews are not followed by CR LF (offsets %u "
                          "and %u)", G_BIG - 2, G_S - 2);
    lw_rc rc = lw_preview_565be_decode(d + G_SMALL, SMALL_W, SMALL_W, &h->preview_small, err);
    if (!rc)
        rc = lw_preview_565be_decode(d + G_BIG, BIG_W, BIG_W, &h->preview_large, err);
    if (rc)
        return rc;

    /* Each record says how long its data is, so the layers are found by walking them. Every
     * record takes at least 72 bytes, so the count is bounded by the file before allocating. */
    uint64_t off = get32(d + G_LAYER_DEF);
    if (off < HEADER_SIZE)
        return lw_err_set(err, LW_EFORMAT, "the layers start at offset %llu, inside the "
                          "%u-byte header", (unsigned long long)off, HEADER_SIZE);
    if (!span(r, off, 0, "the first layer"))
        return r->rc;
    if ((uint64_t)h->layer_count * (RECORD_SIZE + 2) > f->len - off)
        return lw_err_set(err, LW_EFORMAT, "%u layers of at least %u bytes cannot fit the %llu "
                          "bytes after offset %llu", h->layer_count, RECORD_SIZE + 2,
                          (unsigned long long)(f->len - off), (unsigned long long)off);
    size_t count = h->layer_count;
    f->layers = lw_calloc(count ? count : 1, sizeof *f->layers);
    f->layer_off = lw_calloc(count ? count : 1, sizeof *f->layer_off);
    f->layer_len = lw_calloc(count ? count : 1, sizeof *f->layer_len);
    if (!f->layers || !f->layer_off || !f->layer_len)
        return lw_err_nomem(err);
    for (uint32_t i = 0; i < h->layer_count; i++) {
        if (!span(r, off, RECORD_SIZE, "record")) {
            lw_err_prefix(err, "layer %u", i);
            return r->rc;
        }
        const uint8_t *p = d + off;
        if (p[L_CRLF] != '\r' || p[L_CRLF + 1] != '\n')
            return lw_err_set(err, LW_EFORMAT, "layer %u: the record at offset %llu lacks its "
                              "CR LF (offset %llu)", i, (unsigned long long)off,
                              (unsigned long long)(off + L_CRLF));
        uint32_t n = get32(p + L_DATA_LEN);
        if (!span(r, off + RECORD_SIZE, (uint64_t)n + 2, "data")) {
            lw_err_prefix(err, "layer %u", i);
            return r->rc;
        }
        if (n > lim->max_layer_bytes)
            return lw_err_set(err, LW_ELIMIT, "layer %u: %u bytes of data is more than the limit "
                              "of %zu", i, n, lim->max_layer_bytes);
        uint64_t end = off + RECORD_SIZE + n;
        if (d[end] != '\r' || d[end + 1] != '\n')
            return lw_err_set(err, LW_EFORMAT, "layer %u: no CR LF after its %u bytes of data "
                              "(offset %llu)", i, n, (unsigned long long)end);
        lw_layer_settings *s = &f->layers[i];
        lw_motion *m = &s->motion;
        s->z = fl(r, off + L_Z, "z");
        s->exposure_s = fl(r, off + L_EXPOSURE, "exposure");
        m->light_off_s = fl(r, off + L_LIGHT_OFF, "light-off delay");
        m->wait_after_cure_s = fl(r, off + L_WAIT_AFTER_CURE, "wait after cure");
        m->wait_after_lift_s = fl(r, off + L_WAIT_AFTER_LIFT, "wait after lift");
        m->wait_before_cure_s = fl(r, off + L_WAIT_BEFORE_CURE, "wait before cure");
        double *v[8] = {&m->lift_mm,    &m->lift_speed,    &m->lift2_mm,    &m->lift2_speed,
                        &m->retract_mm, &m->retract_speed, &m->retract2_mm, &m->retract2_speed};
        for (int k = 0; k < 8; k++)
            *v[k] = fl(r, off + L_LIFT + 4 * (uint64_t)k, "motion");
        s->pwm = get16(p + L_PWM);
        if (r->rc) {
            lw_err_prefix(err, "layer %u (record at offset %llu)", i, (unsigned long long)off);
            return r->rc;
        }
        f->layer_off[i] = off + RECORD_SIZE;
        f->layer_len[i] = n;
        off = end + 2;
    }
    if (!span(r, off, FOOTER_SIZE, "the footer"))
        return r->rc;
    if (memcmp(d + off + 3, k_magic, sizeof k_magic) != 0)
        return lw_err_set(err, LW_EFORMAT, "the footer at offset %llu lacks the GOO magic",
                          (unsigned long long)off);
    return LW_OK;
}

lw_rc lw_goo_decode(const lw_print_file *f, uint32_t i, lw_layer_img *img, lw_err *err)
{
    lw_rc rc = lw_goo_decode_rle(f->data + f->layer_off[i], (size_t)f->layer_len[i], img, err);
    if (rc)
        lw_err_prefix(err, "layer %u (%llu bytes at offset %llu)", i,
                      (unsigned long long)f->layer_len[i], (unsigned long long)f->layer_off[i]);
    return rc;
}
