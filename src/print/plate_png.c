/* lostwax: the plate's picture (see plate_png.h).
 *
 * Each footprint is one cairo path made of the piece's projected triangles, every one turned
 * counter-clockwise and filled with the non-zero rule, so the path fills exactly the union of
 * the triangles (a closed mesh's top and bottom facets project with opposite windings and would
 * cancel under plain winding or even-odd filling) and shows no seams between them.
 */
#include "print/plate_png.h"

#include <cairo.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/size.h"

#define LABEL_PX 13.0  /* label text size */
#define SS 4           /* footprint samples per pixel, each way: 17 levels at the edges */
#define STRIP 64       /* pixel rows of a footprint sampled at a time */
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define CAPTION_PX 14.0

void lw_plate_png_opts_default(lw_plate_png_opts *o)
{
    o->scale = 8;
    o->margin = 24;
    o->caption = 56;
    o->max_side = 8192;
}

static double side(uint32_t margin, double mm, double scale)
{
    return 2.0 * margin + ceil(mm * scale);
}

void lw_plate_png_size(const lw_plate *pl, const lw_plate_png_opts *o, uint32_t *width,
                       uint32_t *height)
{
    double w = side(o->margin, pl->bed_w, o->scale);
    double h = side(o->margin, pl->bed_h, o->scale) + o->caption;
    *width = w < UINT32_MAX ? (uint32_t)w : UINT32_MAX;
    *height = h < UINT32_MAX ? (uint32_t)h : UINT32_MAX;
}

static void set_rgb(cairo_t *cr, uint32_t rgb)
{
    cairo_set_source_rgb(cr, ((rgb >> 16) & 0xFF) / 255.0, ((rgb >> 8) & 0xFF) / 255.0,
                         (rgb & 0xFF) / 255.0);
}

/* Copies s into buf (size n) as valid UTF-8, every byte that does not start a well-formed
 * sequence (RFC 3629) replaced by '?', cut at a character boundary: cairo refuses bad text by
 * putting the whole drawing into an error state. */
static void clean_utf8(const char *s, char *buf, size_t n)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t o = 0;
    while (*p) {
        size_t len = 1;
        uint8_t c = *p;
        if (c >= 0x80) {
            uint8_t lo = 0x80, hi = 0xBF;
            if (c >= 0xC2 && c <= 0xDF) {
                len = 2;
            } else if (c >= 0xE0 && c <= 0xEF) {
                len = 3;
                lo = c == 0xE0 ? 0xA0 : 0x80;
                hi = c == 0xED ? 0x9F : 0xBF;
            } else if (c >= 0xF0 && c <= 0xF4) {
                len = 4;
                lo = c == 0xF0 ? 0x90 : 0x80;
                hi = c == 0xF4 ? 0x8F : 0xBF;
            } else {
                len = 0;
            }
            for (size_t k = 1; k < len; k++)
                if (p[k] < (k == 1 ? lo : 0x80) || p[k] > (k == 1 ? hi : 0xBF))
                    len = 0;
        } else if (c < 0x20 || c == 0x7F) {
            len = 0;
        }
        size_t take = len ? len : 1;
        if (o + take + 1 > n)
            break;
        if (len)
            memcpy(buf + o, p, len);
        else
            buf[o] = '?';
        o += take;
        p += len ? len : 1;
    }
    buf[o] = 0;
}

typedef struct view {
    double scale, x0, y0, bed_h; /* plate mm -> pixels */
} view;

static void to_px(const view *v, double x, double y, double *px, double *py)
{
    *px = v->x0 + x * v->scale;
    *py = v->y0 + (v->bed_h - y) * v->scale;
}

/* Room for drawing footprints, reused piece after piece. */
typedef struct fp_buf {
    double *q; /* the piece's triangles in pixels, 6 numbers each */
    size_t cap_q;
    uint8_t *samples, *mask;
    size_t cap_s, cap_m;
} fp_buf;

static lw_rc reserve(void **p, size_t *cap, size_t n, size_t elem)
{
    if (n <= *cap)
        return LW_OK;
    void *q = lw_reallocarray(*p, n, elem);
    if (!q)
        return LW_ENOMEM;
    *p = q;
    *cap = n;
    return LW_OK;
}

/* Marks the samples of one sample row (at pixel height y, SS samples a pixel from column ox)
 * that lie in the triangle t, edges included so that neighbours leave no seam. */
static void sample_row(const double *t, double y, double ox, uint8_t *row, int32_t n)
{
    double lo = INFINITY, hi = -INFINITY;
    for (int k = 0; k < 3; k++) {
        const double *p = t + 2 * k, *q = t + 2 * ((k + 1) % 3);
        if ((y < p[1] && y < q[1]) || (y > p[1] && y > q[1]))
            continue;
        if (p[1] == q[1]) {
            lo = MIN(lo, MIN(p[0], q[0]));
            hi = MAX(hi, MAX(p[0], q[0]));
            continue;
        }
        double x = p[0] + (y - p[1]) / (q[1] - p[1]) * (q[0] - p[0]);
        lo = MIN(lo, x);
        hi = MAX(hi, x);
    }
    if (lo > hi)
        return;
    double c0 = ceil((lo - ox) * SS - 0.5), c1 = floor((hi - ox) * SS - 0.5);
    if (c0 < 0)
        c0 = 0;
    if (c1 > n - 1)
        c1 = n - 1;
    if (c0 <= c1)
        memset(row + (size_t)c0, 1, (size_t)(c1 - c0) + 1);
}

/* The footprint of one placed piece: the union of its projected triangles, sampled SS x SS times
 * a pixel (so the fill has smooth edges and no seams between facets), laid on the picture as a
 * coverage mask in strips of STRIP rows. The union needs no winding: facets seen from above
 * and from below, overlapping, simply cover the same samples. */
static lw_rc footprint(cairo_t *cr, const view *v, const lw_mesh *m, const double a[12],
                       int img_w, int img_h, fp_buf *fb)
{
    size_t nq;
    if (!lw_size_mul(m->nt, 6, &nq) || reserve((void **)&fb->q, &fb->cap_q, nq ? nq : 1,
                                               sizeof *fb->q))
        return LW_ENOMEM;
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    for (uint32_t f = 0; f < m->nt; f++) {
        double *q = fb->q + 6 * (size_t)f;
        for (int k = 0; k < 3; k++) {
            const double *p = m->xyz + 3 * (size_t)m->tri[3 * (size_t)f + k];
            double x = a[0] * p[0] + a[1] * p[1] + a[2] * p[2] + a[9];
            double y = a[3] * p[0] + a[4] * p[1] + a[5] * p[2] + a[10];
            to_px(v, x, y, &q[2 * k], &q[2 * k + 1]);
            x0 = MIN(x0, q[2 * k]), x1 = MAX(x1, q[2 * k]);
            y0 = MIN(y0, q[2 * k + 1]), y1 = MAX(y1, q[2 * k + 1]);
        }
    }
    int ox = (int)fmax(0, floor(x0)), oy = (int)fmax(0, floor(y0));
    int ex = (int)fmin(img_w, ceil(x1) + 1), ey = (int)fmin(img_h, ceil(y1) + 1);
    if (ex <= ox || ey <= oy)
        return LW_OK;
    int pw = ex - ox, stride = cairo_format_stride_for_width(CAIRO_FORMAT_A8, pw);
    int32_t sw = pw * SS;
    if (stride <= 0 ||
        reserve((void **)&fb->samples, &fb->cap_s, (size_t)sw * STRIP * SS, 1) ||
        reserve((void **)&fb->mask, &fb->cap_m, (size_t)stride * STRIP, 1))
        return LW_ENOMEM;
    set_rgb(cr, LW_PLATE_PNG_FILL);
    for (int sy = oy; sy < ey; sy += STRIP) {
        int rows = ey - sy < STRIP ? ey - sy : STRIP;
        memset(fb->samples, 0, (size_t)sw * (size_t)rows * SS);
        for (uint32_t f = 0; f < m->nt; f++) {
            const double *t = fb->q + 6 * (size_t)f;
            double area = (t[2] - t[0]) * (t[5] - t[1]) - (t[4] - t[0]) * (t[3] - t[1]);
            if (area == 0)
                continue; /* an upright facet seen edge-on covers nothing */
            double lo = MIN(MIN(t[1], t[3]), t[5]), hi = MAX(MAX(t[1], t[3]), t[5]);
            if (hi < sy || lo > sy + rows)
                continue;
            double r0 = MAX(0, ceil((lo - sy) * SS - 0.5));
            double r1 = MIN(rows * SS - 1, floor((hi - sy) * SS - 0.5));
            for (double r = r0; r <= r1; r++)
                sample_row(t, sy + (r + 0.5) / SS, ox,
                           fb->samples + (size_t)r * (size_t)sw, sw);
        }
        for (int y = 0; y < rows; y++)
            for (int x = 0; x < pw; x++) {
                unsigned n = 0;
                for (int j = 0; j < SS; j++)
                    for (int i = 0; i < SS; i++)
                        n += fb->samples[(size_t)(y * SS + j) * (size_t)sw + (size_t)(x * SS + i)];
                fb->mask[(size_t)y * (size_t)stride + (size_t)x] =
                    (uint8_t)((n * 255 + SS * SS / 2) / (SS * SS));
            }
        cairo_surface_t *mk = cairo_image_surface_create_for_data(fb->mask, CAIRO_FORMAT_A8, pw,
                                                                  rows, stride);
        cairo_mask_surface(cr, mk, ox, sy);
        cairo_surface_destroy(mk);
    }
    return LW_OK;
}

typedef struct rect {
    double x, y, w, h;
} rect;

static bool overlaps(const rect *a, const rect *b)
{
    return a->x < b->x + b->w && b->x < a->x + a->w && a->y < b->y + b->h && b->y < a->y + a->h;
}

/* Text on a pale box, so it reads over the fill and over the bed alike, centred on (cx, cy) or,
 * when a label drawn before is there (a small piece set in a ring's hole has the ring's
 * centre), on the nearest free place straight above or below. done[0..n) are the boxes drawn
 * so far; the new one is stored in done[n]. */
static void label(cairo_t *cr, const char *text, double cx, double cy, rect *done, size_t n)
{
    cairo_text_extents_t te;
    cairo_text_extents(cr, text, &te);
    double pad = 3;
    rect r = {floor(cx - te.width / 2 - pad), 0, ceil(te.width + 2 * pad), LABEL_PX + 2 * pad};
    static const int k_steps[] = {0, 1, -1, 2, -2, 3, -3};
    for (size_t s = 0; s < sizeof k_steps / sizeof k_steps[0]; s++) {
        r.y = floor(cy - r.h / 2 + k_steps[s] * (r.h + 1));
        bool clash = false;
        for (size_t i = 0; i < n && !clash; i++)
            clash = overlaps(&r, &done[i]);
        if (!clash)
            break;
        if (s + 1 == sizeof k_steps / sizeof k_steps[0])
            r.y = floor(cy - r.h / 2); /* crowded everywhere: the centre after all */
    }
    done[n] = r;
    cairo_rectangle(cr, r.x, r.y, r.w, r.h);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.88);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0.08, 0.08, 0.08);
    cairo_move_to(cr, r.x + pad - te.x_bearing, r.y + r.h / 2 + LABEL_PX * 0.36);
    cairo_show_text(cr, text);
}

/* Shortens the text in buf (n bytes) to at most w pixels wide, ending it with "..." when cut.
 * Characters are dropped whole, so the text stays valid UTF-8. */
static void fit_text(cairo_t *cr, char *buf, size_t n, double w)
{
    cairo_text_extents_t te;
    cairo_text_extents(cr, buf, &te);
    size_t len = strlen(buf);
    while (te.x_advance > w && len > 0) {
        do
            len--;
        while (len > 0 && ((uint8_t)buf[len] & 0xC0) == 0x80);
        if (len + 4 > n)
            continue;
        memcpy(buf + len, "...", 4);
        cairo_text_extents(cr, buf, &te);
    }
}

static const char *part_label(const lw_plate_part *parts, uint32_t i, char *buf, size_t n)
{
    if (parts[i].name && parts[i].name[0])
        clean_utf8(parts[i].name, buf, n);
    else
        snprintf(buf, n, "part %u", i + 1);
    return buf;
}

static void caption(cairo_t *cr, const lw_plate *pl, const lw_plate_part *parts, double x,
                    double y, double w)
{
    char line[1024];
    size_t missing = pl->nitems - pl->placed;
    snprintf(line, sizeof line, "%zu of %zu piece%s placed on %g x %g mm (gap %g mm)%s",
             pl->placed, pl->nitems, pl->nitems == 1 ? "" : "s", pl->bed_w, pl->bed_h, pl->gap,
             missing ? "" : ": everything fits");
    cairo_set_font_size(cr, CAPTION_PX);
    cairo_set_source_rgb(cr, 0.08, 0.08, 0.08);
    fit_text(cr, line, sizeof line, w);
    cairo_move_to(cr, x, y);
    cairo_show_text(cr, line);
    if (!missing)
        return;
    int o = snprintf(line, sizeof line, "did not fit (%zu):", missing);
    const char *sep = " ";
    for (size_t i = 0; i < pl->nitems && o > 0 && (size_t)o < sizeof line - 1; i++) {
        const lw_plate_item *it = &pl->items[i];
        if (it->status == LW_PLATE_PLACED)
            continue;
        char name[160];
        part_label(parts, it->part, name, sizeof name);
        const char *why = it->status == LW_PLATE_TOO_BIG ? "too big"
                          : it->status == LW_PLATE_EMPTY ? "empty"
                                                         : "no room";
        int k = snprintf(line + o, sizeof line - (size_t)o, "%s%s #%u (%s)", sep, name, it->copy,
                         why);
        if (k < 0 || (size_t)k >= sizeof line - (size_t)o)
            break;
        o += k;
        sep = ", ";
    }
    fit_text(cr, line, sizeof line, w);
    cairo_move_to(cr, x, y + CAPTION_PX * 1.5);
    cairo_show_text(cr, line);
}

/* Ten millimetres, to scale, at the caption's right. */
static void scale_bar(cairo_t *cr, double right, double y, double scale)
{
    double len = 10 * scale;
    cairo_set_source_rgb(cr, 0.08, 0.08, 0.08);
    cairo_set_line_width(cr, 2);
    cairo_move_to(cr, right - len, y);
    cairo_line_to(cr, right, y);
    cairo_move_to(cr, right - len, y - 4);
    cairo_line_to(cr, right - len, y + 4);
    cairo_move_to(cr, right, y - 4);
    cairo_line_to(cr, right, y + 4);
    cairo_stroke(cr);
    cairo_set_font_size(cr, 11);
    cairo_move_to(cr, right - len, y - 7);
    cairo_show_text(cr, "10 mm");
}

typedef struct sink {
    lw_buf *b;
    lw_rc rc;
} sink;

static cairo_status_t write_png(void *closure, const unsigned char *data, unsigned int len)
{
    sink *s = closure;
    if (!s->rc)
        s->rc = lw_buf_append(s->b, data, len);
    return s->rc ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

lw_rc lw_plate_png(const lw_plate *pl, const lw_plate_part *parts, size_t nparts,
                   const lw_plate_png_opts *o, lw_buf *out, lw_err *err)
{
    if (!(isfinite(o->scale) && o->scale > 0))
        return lw_err_set(err, LW_EINVAL, "the picture's scale must be positive (%g px/mm)",
                          o->scale);
    for (size_t i = 0; i < pl->nitems; i++)
        if (pl->items[i].part >= nparts)
            return lw_err_set(err, LW_EINVAL, "item %zu names part %u of %zu", i,
                              pl->items[i].part, nparts);
    double wd = side(o->margin, pl->bed_w, o->scale);
    double hd = side(o->margin, pl->bed_h, o->scale) + o->caption;
    if (!(wd <= o->max_side && hd <= o->max_side && wd >= 1 && hd >= 1))
        return lw_err_set(err, LW_ELIMIT,
                          "a %.0f x %.0f pixel picture is larger than the limit of %u a side",
                          wd, hd, o->max_side);
    int w = (int)wd, h = (int)hd;
    size_t nplaced = 0;
    for (size_t i = 0; i < pl->nitems; i++)
        nplaced += pl->items[i].status == LW_PLATE_PLACED;
    rect *labels = lw_malloc((nplaced ? nplaced : 1) * sizeof *labels);
    if (!labels)
        return lw_err_nomem(err);
    cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    cairo_t *cr = cairo_create(surf);
    view v = {o->scale, o->margin, o->margin, pl->bed_h};
    double bw = pl->bed_w * o->scale, bh = pl->bed_h * o->scale;

    set_rgb(cr, LW_PLATE_PNG_PAPER);
    cairo_paint(cr);
    cairo_rectangle(cr, v.x0, v.y0, bw, bh);
    set_rgb(cr, LW_PLATE_PNG_BED);
    cairo_fill(cr);
    /* The border kept free, dashed, inside the bed's outline. */
    if (pl->border > 0 && 2 * pl->border < pl->bed_w && 2 * pl->border < pl->bed_h) {
        double dash = 4;
        cairo_set_dash(cr, &dash, 1, 0);
        cairo_set_line_width(cr, 1);
        cairo_set_source_rgb(cr, 0.62, 0.60, 0.55);
        cairo_rectangle(cr, v.x0 + pl->border * o->scale, v.y0 + pl->border * o->scale,
                        bw - 2 * pl->border * o->scale, bh - 2 * pl->border * o->scale);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
    }
    fp_buf fb;
    memset(&fb, 0, sizeof fb);
    lw_rc rc = LW_OK;
    for (size_t i = 0; i < pl->nitems && !rc; i++)
        if (pl->items[i].status == LW_PLATE_PLACED)
            rc = footprint(cr, &v, parts[pl->items[i].part].mesh, pl->items[i].a, w, h, &fb);
    lw_free(fb.q);
    lw_free(fb.samples);
    lw_free(fb.mask);
    cairo_set_line_width(cr, 2);
    cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
    cairo_rectangle(cr, v.x0 - 1, v.y0 - 1, bw + 2, bh + 2);
    cairo_stroke(cr);

    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    cairo_set_font_size(cr, LABEL_PX);
    size_t nlabels = 0;
    for (size_t i = 0; i < pl->nitems && labels; i++) {
        const lw_plate_item *it = &pl->items[i];
        if (it->status != LW_PLATE_PLACED)
            continue;
        char name[96], text[128];
        part_label(parts, it->part, name, sizeof name);
        snprintf(text, sizeof text, "%s #%u", name, it->copy);
        double cx, cy;
        to_px(&v, 0.5 * (it->box.min[0] + it->box.max[0]),
              0.5 * (it->box.min[1] + it->box.max[1]), &cx, &cy);
        label(cr, text, cx, cy, labels, nlabels++);
    }
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    double cap_y = v.y0 + bh + o->margin * 0.5 + CAPTION_PX;
    double bar = 10 * o->scale + 16;
    caption(cr, pl, parts, v.x0, cap_y, bw - bar);
    scale_bar(cr, v.x0 + bw, cap_y, o->scale);

    cairo_status_t st = cairo_status(cr);
    size_t before = out->len;
    sink s = {out, LW_OK};
    if (rc) {
        s.rc = rc;
    } else if (st == CAIRO_STATUS_SUCCESS) {
        cairo_surface_flush(surf);
        st = cairo_surface_write_to_png_stream(surf, write_png, &s);
    }
    cairo_destroy(cr);
    cairo_surface_destroy(surf);
    lw_free(labels);
    if (s.rc == LW_ENOMEM || st == CAIRO_STATUS_NO_MEMORY)
        rc = lw_err_nomem(err);
    else if (s.rc)
        rc = lw_err_set(err, s.rc, "the plate's picture is larger than the buffer's limit");
    else if (st != CAIRO_STATUS_SUCCESS)
        rc = lw_err_set(err, LW_EIO, "cairo could not draw the plate: %s",
                        cairo_status_to_string(st));
    if (rc) {
        out->len = before;
        if (out->data)
            out->data[before] = 0;
    }
    return rc;
}
