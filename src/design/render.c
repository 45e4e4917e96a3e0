/* lostwax: design previews (see render.h; the method is in docs/internals/render.md).
 *
 * The order of work: check the input and lay the views out; smooth the normals once (corners
 * grouped across soft edges, creases kept); then per view project the vertices to fixed-point
 * sample coordinates, rasterise every facet into a depth + facet-id grid a band of rows at a
 * time, and resolve each pixel's samples through a table of the studio's shading indexed by the
 * normal as the camera sees it (the views are orthographic and the lights move with the camera,
 * so the colour of a polished surface depends on its normal alone). Text goes on last with
 * cairo. Work is proportional to the facets plus the samples; nothing depends on timing or
 * addresses, so the bytes out are a function of the input.
 */
#include "design/render.h"

#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/size.h"
#include "base/text.h"
#include "design/render_int.h"

#define CREASE_COS 0.76604444311897801 /* cos 40 degrees: sharper edges stay sharp */
#define MATCAP 320                     /* shading table, texels a side */
#define LUT_N 8192                     /* linear -> sRGB byte table */
#define BAND_SAMPLES ((size_t)1 << 22) /* samples of one band: 32 MB of depth and id */
#define FALLOFF 0.30                   /* of the light, top left to bottom right of the piece */
#define MARGIN_FRAC 0.06               /* of the cell's smaller side, round the piece */
#define ONE (1 << LW_RSUB)

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* ---- options, names ------------------------------------------------------------------------ */

void lw_render_opts_default(lw_render_opts *o)
{
    memset(o, 0, sizeof *o);
    o->width = 1200;
    o->height = 400;
    o->nviews = 3;
    o->views[0] = LW_VIEW_THREE_QUARTER;
    o->views[1] = LW_VIEW_FRONT;
    o->views[2] = LW_VIEW_TOP;
    o->metal_rgb = 0xE8C15A;
    o->background_rgb = 0xFFFFFF;
    o->supersample = 3;
    o->scale_bar = true;
}

static const char *const k_view_names[LW_VIEW_COUNT] = {"top", "front", "side", "three-quarter"};

const char *lw_render_view_name(lw_render_view v)
{
    return (unsigned)v < LW_VIEW_COUNT ? k_view_names[v] : "?";
}

lw_rc lw_render_views_parse(const char *list, lw_render_opts *o, lw_err *err)
{
    lw_render_view v[LW_RENDER_VIEWS_MAX];
    uint32_t n = 0;
    const char *p = list;
    for (;;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char word[32];
        if (len == 0)
            return lw_err_set(err, LW_EINVAL, "an empty view name in '%s'", list);
        if (n == LW_RENDER_VIEWS_MAX)
            return lw_err_set(err, LW_EINVAL, "more than %u views in '%s'", LW_RENDER_VIEWS_MAX,
                              list);
        snprintf(word, sizeof word, "%.*s", (int)MIN(len, sizeof word - 1), p);
        int found = -1;
        for (int k = 0; k < (int)LW_VIEW_COUNT && found < 0; k++)
            if (len < sizeof word && lw_str_ieq(word, k_view_names[k]))
                found = k;
        if (found < 0 && len < sizeof word && strcmp(word, "3/4") == 0)
            found = LW_VIEW_THREE_QUARTER;
        if (found < 0)
            return lw_err_set(err, LW_EINVAL,
                              "'%.*s' is not a view (top, front, side, three-quarter)",
                              (int)MIN(len, 64), p);
        v[n++] = (lw_render_view)found;
        if (!e)
            break;
        p = e + 1;
    }
    memcpy(o->views, v, n * sizeof *v);
    o->nviews = n;
    return LW_OK;
}

/* ---- checking the input -------------------------------------------------------------------- */

/* Whether s is well-formed UTF-8 (RFC 3629: shortest forms, no surrogates, at most U+10FFFF)
 * without control characters; *bad receives the offset of the first byte that is not. */
static bool text_ok(const char *s, size_t *bad)
{
    const uint8_t *p = (const uint8_t *)s;
    for (size_t i = 0; p[i];) {
        uint8_t c = p[i];
        size_t len = 1;
        uint8_t lo = 0x80, hi = 0xBF;
        if (c < 0x20 || c == 0x7F) {
            *bad = i;
            return false;
        } else if (c < 0x80) {
            len = 1;
        } else if (c >= 0xC2 && c <= 0xDF) {
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
            *bad = i;
            return false;
        }
        for (size_t k = 1; k < len; k++)
            if (p[i + k] < (k == 1 ? lo : 0x80) || p[i + k] > (k == 1 ? hi : 0xBF)) {
                *bad = i;
                return false;
            }
        i += len;
    }
    return true;
}

static lw_rc check_text(const char *what, const char *s, lw_err *err)
{
    if (!s)
        return LW_OK;
    size_t len = strnlen(s, LW_RENDER_TEXT_MAX + 1), bad;
    if (len > LW_RENDER_TEXT_MAX)
        return lw_err_set(err, LW_ELIMIT, "the %s is longer than %d bytes", what,
                          LW_RENDER_TEXT_MAX);
    if (!text_ok(s, &bad))
        return lw_err_set(err, LW_EINVAL,
                          "the %s is not valid UTF-8 text (byte %zu is 0x%02X)", what, bad,
                          (unsigned)(uint8_t)s[bad]);
    return LW_OK;
}

static lw_rc check_opts(const lw_render_opts *o, lw_err *err)
{
    if (o->width == 0 || o->height == 0)
        return lw_err_set(err, LW_EINVAL, "a %u x %u pixel picture has no pixels", o->width,
                          o->height);
    if (o->width > LW_RENDER_SIDE_MAX || o->height > LW_RENDER_SIDE_MAX)
        return lw_err_set(err, LW_ELIMIT, "a %u x %u pixel picture is larger than %u a side",
                          o->width, o->height, LW_RENDER_SIDE_MAX);
    if ((uint64_t)o->width * o->height > LW_RENDER_PIXELS_MAX)
        return lw_err_set(err, LW_ELIMIT,
                          "a %u x %u pixel picture is more than the limit of %u pixels",
                          o->width, o->height, LW_RENDER_PIXELS_MAX);
    if (o->nviews == 0 || o->nviews > LW_RENDER_VIEWS_MAX)
        return lw_err_set(err, LW_EINVAL, "%u views: draw 1 to %u", o->nviews,
                          LW_RENDER_VIEWS_MAX);
    if (o->width < o->nviews)
        return lw_err_set(err, LW_EINVAL, "%u pixels is too narrow for %u views", o->width,
                          o->nviews);
    for (uint32_t i = 0; i < o->nviews; i++)
        if ((unsigned)o->views[i] >= LW_VIEW_COUNT)
            return lw_err_set(err, LW_EINVAL, "view %u is %d, not a view", i,
                              (int)o->views[i]);
    if (o->supersample < 1 || o->supersample > LW_RENDER_SS_MAX)
        return lw_err_set(err, LW_EINVAL, "supersampling %u: use 1 to %u samples a side",
                          o->supersample, LW_RENDER_SS_MAX);
    lw_rc rc = check_text("watermark", o->watermark, err);
    for (uint32_t i = 0; i < o->nviews && !rc; i++)
        rc = check_text("caption", o->captions[i], err);
    return rc;
}

/* ---- views and layout ---------------------------------------------------------------------- */

static void normalize3(double v[3])
{
    double l = sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
    v[0] /= l, v[1] /= l, v[2] /= l;
}

static void cross3(const double a[3], const double b[3], double o[3])
{
    o[0] = a[1] * b[2] - a[2] * b[1];
    o[1] = a[2] * b[0] - a[0] * b[2];
    o[2] = a[0] * b[1] - a[1] * b[0];
}

static double dot3(const double a[3], const double b[3])
{
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static void view_frame(lw_render_view v, lw_render_cell *c)
{
    static const double k_axes[3][9] = {
        {1, 0, 0, 0, 1, 0, 0, 0, 1},  /* top */
        {1, 0, 0, 0, 0, 1, 0, -1, 0}, /* front */
        {0, 1, 0, 0, 0, 1, 1, 0, 0},  /* side */
    };
    if (v != LW_VIEW_THREE_QUARTER) {
        memcpy(c->right, k_axes[v], sizeof c->right);
        memcpy(c->up, k_axes[v] + 3, sizeof c->up);
        memcpy(c->toward, k_axes[v] + 6, sizeof c->toward);
        return;
    }
    /* 35 degrees round from the front toward the right, 30 degrees up. */
    double az = 35 * M_PI / 180, el = 30 * M_PI / 180;
    double d[3] = {sin(az) * cos(el), -cos(az) * cos(el), sin(el)}, z[3] = {0, 0, 1};
    normalize3(d);
    memcpy(c->toward, d, sizeof d);
    cross3(z, d, c->right);
    normalize3(c->right);
    cross3(d, c->right, c->up);
}

static double font_px(uint32_t height)
{
    return fmin(40, fmax(9, height / 28.0));
}

/* The largest 1, 2 or 5 times a power of ten at most `mm`. */
static double round_mm(double mm)
{
    double p = pow(10, floor(log10(mm)));
    return mm >= 5 * p ? 5 * p : mm >= 2 * p ? 2 * p : p;
}

lw_rc lw_render_layout_of(const lw_mesh *m, const lw_render_opts *o, lw_render_layout *out,
                          lw_err *err)
{
    lw_rc rc = check_opts(o, err);
    if (rc)
        return rc;
    if (m->nt == 0)
        return lw_err_set(err, LW_EINVAL, "the mesh has no facets to draw");
    memset(out, 0, sizeof *out);
    out->nviews = o->nviews;
    double lo[LW_RENDER_VIEWS_MAX][2], hi[LW_RENDER_VIEWS_MAX][2];
    for (uint32_t i = 0; i < o->nviews; i++) {
        view_frame(o->views[i], &out->cells[i]);
        out->cells[i].view = o->views[i];
        lo[i][0] = lo[i][1] = INFINITY;
        hi[i][0] = hi[i][1] = -INFINITY;
    }
    /* The projections of the vertices the facets use (a stray vertex must not shrink the
     * picture), checking them on the way. */
    for (uint32_t f = 0; f < m->nt; f++)
        for (int k = 0; k < 3; k++) {
            uint32_t v = m->tri[3 * (size_t)f + k];
            if (v >= m->nv)
                return lw_err_set(err, LW_EINVAL, "facet %u names vertex %u of %u", f, v, m->nv);
            const double *p = m->xyz + 3 * (size_t)v;
            if (!(isfinite(p[0]) && isfinite(p[1]) && isfinite(p[2])))
                return lw_err_set(err, LW_EINVAL,
                                  "facet %u: vertex %u has a non-finite coordinate (%g, %g, %g)",
                                  f, v, p[0], p[1], p[2]);
            for (uint32_t i = 0; i < o->nviews; i++) {
                double r = dot3(p, out->cells[i].right), u = dot3(p, out->cells[i].up);
                lo[i][0] = MIN(lo[i][0], r), hi[i][0] = MAX(hi[i][0], r);
                lo[i][1] = MIN(lo[i][1], u), hi[i][1] = MAX(hi[i][1], u);
            }
        }
    uint32_t W = o->width, H = o->height, n = o->nviews, cw = W / n;
    bool text = o->scale_bar;
    for (uint32_t i = 0; i < n; i++)
        text = text || o->captions[i];
    double fs = font_px(H);
    uint32_t footer = text ? (uint32_t)ceil(2.2 * fs) : 0;
    if (footer * 3 > H)
        footer = 0; /* too small a picture for words: the piece gets the room */
    uint32_t margin = (uint32_t)lround(MARGIN_FRAC * MIN(cw, H - footer));
    if (2 * margin + 1 > MIN(cw, H - footer))
        margin = 0;
    out->margin = margin;
    out->footer = footer;
    double scale = INFINITY;
    for (uint32_t i = 0; i < n; i++) {
        lw_render_cell *c = &out->cells[i];
        c->x = (uint32_t)((uint64_t)W * i / n);
        c->w = (uint32_t)((uint64_t)W * (i + 1) / n) - c->x;
        c->y = 0;
        c->h = H;
        double ew = hi[i][0] - lo[i][0], eh = hi[i][1] - lo[i][1];
        if (!(isfinite(ew) && isfinite(eh)))
            return lw_err_set(err, LW_EINVAL, "the mesh is too large to draw (%g x %g mm)", ew,
                              eh);
        if (ew > 0)
            scale = fmin(scale, (c->w - 2.0 * margin) / ew);
        if (eh > 0)
            scale = fmin(scale, (H - footer - 2.0 * margin) / eh);
    }
    if (!(scale < INFINITY && scale > 0))
        return lw_err_set(err, LW_EINVAL, "the mesh has no extent: every vertex is one point");
    /* Rounded down a little so the piece stays clear of the margin after rounding to pixels. */
    scale *= 1 - 1e-9;
    out->scale = scale;
    for (uint32_t i = 0; i < n; i++) {
        lw_render_cell *c = &out->cells[i];
        double cx = c->x + c->w / 2.0, cy = c->y + (H - footer) / 2.0;
        c->ox = cx - scale * (lo[i][0] + hi[i][0]) / 2;
        c->oy = cy + scale * (lo[i][1] + hi[i][1]) / 2;
        c->bbox[0] = c->ox + scale * lo[i][0];
        c->bbox[1] = c->oy - scale * hi[i][1];
        c->bbox[2] = c->ox + scale * hi[i][0];
        c->bbox[3] = c->oy - scale * lo[i][1];
    }
    if (footer && o->scale_bar) {
        double mm = 0.3 * (cw - 2.0 * margin) / scale;
        out->bar_mm = mm > 0 ? round_mm(mm) : 0;
    }
    return LW_OK;
}

void lw_render_project(const lw_render_layout *l, uint32_t i, const double p[3], double px[2])
{
    const lw_render_cell *c = &l->cells[i];
    px[0] = c->ox + l->scale * dot3(p, c->right);
    px[1] = c->oy - l->scale * dot3(p, c->up);
}

/* ---- smoothed normals ---------------------------------------------------------------------- */

void lw_rnormals_clear(lw_rnormals *n)
{
    lw_free(n->n);
    lw_free(n->corner);
    memset(n, 0, sizeof *n);
}

/* atan2(y, x) for y >= 0 to within 1e-5 radians (a minimax polynomial for atan on [0, 1]):
 * three million corners of a big mesh cost a fraction of what libm's exact atan2 does, and an
 * angle used as a weight needs no more. */
static float angle(double y, double x)
{
    double ax = fabs(x), hi = MAX(ax, y), lo = MIN(ax, y);
    if (hi == 0)
        return 0;
    double a = lo / hi, s = a * a;
    double r = ((-0.0464964749 * s + 0.15931422) * s - 0.327622764) * s * a + a;
    if (y > ax)
        r = M_PI / 2 - r;
    if (x < 0)
        r = M_PI - r;
    return (float)r;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static void sort_u64(uint64_t *k, size_t n)
{
    if (n > 48) {
        qsort(k, n, sizeof *k, cmp_u64);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        uint64_t x = k[i];
        size_t j = i;
        for (; j > 0 && k[j - 1] > x; j--)
            k[j] = k[j - 1];
        k[j] = x;
    }
}

static uint32_t uf_find(uint32_t *parent, uint32_t a)
{
    while (parent[a] != a)
        a = parent[a] = parent[parent[a]];
    return a;
}

/* Scratch for one vertex's fan of corners, grown to the largest valence met. */
typedef struct fan {
    uint64_t *keys;   /* 2 per corner: (other vertex << 32) | corner's place in the fan */
    uint32_t *parent; /* union-find over the fan's corners */
    uint32_t *out;    /* the normal index given to each group's root */
    double *sum;      /* 3 per corner: the group's weighted normal, at its root */
    size_t cap;
} fan;

static lw_rc fan_reserve(fan *s, size_t k)
{
    if (k <= s->cap)
        return LW_OK;
    size_t c = MAX(k, 2 * s->cap);
    void *a = lw_reallocarray(s->keys, c, 2 * sizeof *s->keys);
    if (!a)
        return LW_ENOMEM;
    s->keys = a;
    if (!(a = lw_reallocarray(s->parent, c, sizeof *s->parent)))
        return LW_ENOMEM;
    s->parent = a;
    if (!(a = lw_reallocarray(s->out, c, sizeof *s->out)))
        return LW_ENOMEM;
    s->out = a;
    if (!(a = lw_reallocarray(s->sum, c, 3 * sizeof *s->sum)))
        return LW_ENOMEM;
    s->sum = a;
    s->cap = c;
    return LW_OK;
}

static lw_rc push_normal(lw_rnormals *nr, const double v[3], uint32_t *idx)
{
    if (nr->count == nr->cap) {
        size_t c = (size_t)nr->cap * 2;
        if (c > UINT32_MAX)
            return LW_ENOMEM;
        float *a = lw_reallocarray(nr->n, c, 3 * sizeof *a);
        if (!a)
            return LW_ENOMEM;
        nr->n = a;
        nr->cap = (uint32_t)c;
    }
    float *o = nr->n + 3 * (size_t)nr->count;
    o[0] = (float)v[0], o[1] = (float)v[1], o[2] = (float)v[2];
    *idx = nr->count++;
    return LW_OK;
}

/* What the smoothing reads of a facet, together: a vertex's facets are visited in no useful
 * order, and one cache line a facet is what keeps a million-facet mesh fast. */
typedef struct facet_info {
    float n[3];   /* unit normal (0 for a facet of no area) */
    float area2;  /* twice its area, mm² */
    float ang[3]; /* its angle at each corner, radians */
} facet_info;

/* What the grouping of corners reads. */
typedef struct smooth_in {
    const lw_mesh *m;
    const facet_info *fi;
    double cos_crease, thin;
} smooth_in;

/* Whether the corners of facets fa and fb, which share the edge v-w, belong to one smooth
 * surface: the surface bends less than the crease angle there, or both facets are narrower
 * across the edge than `thin` (a pleat finer than a pixel cannot show as a crease, and drawn
 * as one it breaks into moire: twisted extrusions are made of such slivers). */
static bool soft_edge(const smooth_in *in, uint32_t fa, uint32_t fb, uint32_t v, uint32_t w)
{
    const float *na = in->fi[fa].n, *nb = in->fi[fb].n;
    if ((double)na[0] * nb[0] + (double)na[1] * nb[1] + (double)na[2] * nb[2] >= in->cos_crease)
        return true;
    if (in->thin <= 0)
        return false;
    const double *p = in->m->xyz + 3 * (size_t)v, *q = in->m->xyz + 3 * (size_t)w;
    double e[3] = {q[0] - p[0], q[1] - p[1], q[2] - p[2]}, len = sqrt(dot3(e, e));
    /* height = 2 area / base */
    return in->fi[fa].area2 < in->thin * len && in->fi[fb].area2 < in->thin * len;
}

/* One vertex v: its corners cor[0..k) grouped by soft edges, a normal per group. */
static lw_rc smooth_vertex(const smooth_in *in, uint32_t v, const uint32_t *cor, size_t k,
                           fan *s, lw_rnormals *nr)
{
    const lw_mesh *m = in->m;
    const facet_info *fi = in->fi;
    lw_rc rc = fan_reserve(s, k);
    if (rc)
        return rc;
    for (size_t j = 0; j < k; j++) {
        uint32_t c = cor[j], f = c / 3, i = c % 3;
        const uint32_t *t = m->tri + 3 * (size_t)f;
        s->keys[2 * j] = (uint64_t)t[(i + 1) % 3] << 32 | j;                 /* v -> w */
        s->keys[2 * j + 1] = (uint64_t)t[(i + 2) % 3] << 32 | 1u << 31 | j;  /* w -> v */
        s->parent[j] = (uint32_t)j;
        s->out[j] = UINT32_MAX;
    }
    /* Corners whose facets share an edge (the same other vertex) join when the surface bends
     * less than the crease angle across it. Neighbours in sorted order only: on a manifold
     * edge there are exactly two; on a non-manifold one, a chain is enough. */
    sort_u64(s->keys, 2 * k);
    for (size_t j = 0, run = 1; j < 2 * k; j++, run++) {
        /* Closed and consistently oriented: every edge once each way, nothing else. */
        bool last = j + 1 == 2 * k || s->keys[j + 1] >> 32 != s->keys[j] >> 32;
        if (last) {
            if (run != 2 || (s->keys[j - 1] >> 31 & 1) || !(s->keys[j] >> 31 & 1))
                nr->closed = 0;
            run = 0;
        }
        if (j == 0 || s->keys[j] >> 32 != s->keys[j - 1] >> 32)
            continue;
        uint32_t a = (uint32_t)s->keys[j - 1] & 0x7FFFFFFF, b = (uint32_t)s->keys[j] & 0x7FFFFFFF;
        if (soft_edge(in, cor[a] / 3, cor[b] / 3, v, (uint32_t)(s->keys[j] >> 32))) {
            uint32_t ra = uf_find(s->parent, a), rb = uf_find(s->parent, b);
            if (ra != rb)
                s->parent[MAX(ra, rb)] = MIN(ra, rb);
        }
    }
    for (size_t j = 0; j < k; j++)
        s->sum[3 * j] = s->sum[3 * j + 1] = s->sum[3 * j + 2] = 0;
    for (size_t j = 0; j < k; j++) {
        uint32_t r = uf_find(s->parent, (uint32_t)j);
        const facet_info *f = &fi[cor[j] / 3];
        const float *n = f->n;
        double w = f->ang[cor[j] % 3];
        s->sum[3 * r] += w * n[0], s->sum[3 * r + 1] += w * n[1], s->sum[3 * r + 2] += w * n[2];
    }
    for (size_t j = 0; j < k; j++) {
        uint32_t r = uf_find(s->parent, (uint32_t)j);
        if (s->out[r] == UINT32_MAX) {
            double g[3] = {s->sum[3 * r], s->sum[3 * r + 1], s->sum[3 * r + 2]};
            double l = sqrt(dot3(g, g));
            if (l > 0) {
                g[0] /= l, g[1] /= l, g[2] /= l;
            } else {
                const float *n = fi[cor[j] / 3].n;
                g[0] = n[0], g[1] = n[1], g[2] = n[2];
                if (g[0] == 0 && g[1] == 0 && g[2] == 0)
                    g[2] = 1;
            }
            if ((rc = push_normal(nr, g, &s->out[r])))
                return rc;
        }
        nr->corner[cor[j]] = s->out[r];
    }
    return LW_OK;
}

lw_rc lw_rnormals_build(const lw_mesh *m, double cos_crease, double thin, lw_rnormals *nr,
                        lw_err *err)
{
    memset(nr, 0, sizeof *nr);
    size_t nc = 3 * (size_t)m->nt;
    facet_info *fi = lw_reallocarray(NULL, m->nt, sizeof *fi);
    uint32_t *off = lw_reallocarray(NULL, (size_t)m->nv + 1, sizeof *off);
    uint32_t *cor = lw_reallocarray(NULL, nc, sizeof *cor);
    nr->corner = lw_reallocarray(NULL, nc, sizeof *nr->corner);
    nr->cap = (uint32_t)MIN((size_t)m->nv + m->nv / 4 + 16, UINT32_MAX);
    nr->n = lw_reallocarray(NULL, nr->cap, 3 * sizeof *nr->n);
    fan s = {0};
    lw_rc rc = LW_OK;
    if (!fi || !off || !cor || !nr->corner || !nr->n) {
        rc = LW_ENOMEM;
        goto done;
    }
    /* Six times the signed volume, about the first corner (far from the origin as near). */
    double vol6 = 0;
    const double *ref = m->xyz + 3 * (size_t)m->tri[0];
    for (uint32_t f = 0; f < m->nt; f++) {
        const uint32_t *t = m->tri + 3 * (size_t)f;
        const double *p[3] = {m->xyz + 3 * (size_t)t[0], m->xyz + 3 * (size_t)t[1],
                              m->xyz + 3 * (size_t)t[2]};
        double n[3], a2 = lw_tri_normal(p[0], p[1], p[2], n);
        fi[f].area2 = (float)a2;
        double d[3][3], x[3];
        for (int k = 0; k < 3; k++)
            for (int a = 0; a < 3; a++)
                d[k][a] = p[k][a] - ref[a];
        cross3(d[1], d[2], x);
        vol6 += dot3(d[0], x);
        for (int k = 0; k < 3; k++) {
            fi[f].n[k] = (float)n[k];
            /* The cross product of the edges at every corner is twice the area. */
            const double *a = p[k], *b = p[(k + 1) % 3], *c = p[(k + 2) % 3];
            double e1[3] = {b[0] - a[0], b[1] - a[1], b[2] - a[2]};
            double e2[3] = {c[0] - a[0], c[1] - a[1], c[2] - a[2]};
            fi[f].ang[k] = angle(a2, dot3(e1, e2));
        }
    }
    /* The corners of each vertex, in corner order: a counting sort. */
    memset(off, 0, ((size_t)m->nv + 1) * sizeof *off);
    for (size_t c = 0; c < nc; c++)
        off[m->tri[c] + 1]++;
    for (uint32_t v = 0; v < m->nv; v++)
        off[v + 1] += off[v];
    for (size_t c = 0; c < nc; c++)
        cor[off[m->tri[c]]++] = (uint32_t)c;
    for (uint32_t v = m->nv; v > 0; v--)
        off[v] = off[v - 1];
    off[0] = 0;
    smooth_in in = {m, fi, cos_crease, thin};
    nr->closed = 1;
    for (uint32_t v = 0; v < m->nv && !rc; v++)
        if (off[v + 1] > off[v])
            rc = smooth_vertex(&in, v, cor + off[v], off[v + 1] - off[v], &s, nr);
    if (nr->closed && vol6 < 0)
        nr->closed = -1;
done:
    lw_free(fi);
    lw_free(off);
    lw_free(cor);
    lw_free(s.keys);
    lw_free(s.parent);
    lw_free(s.out);
    lw_free(s.sum);
    if (rc) {
        lw_rnormals_clear(nr);
        return lw_err_nomem(err);
    }
    return LW_OK;
}

/* ---- the rasteriser ------------------------------------------------------------------------ */

/* Floor and ceiling of v / ONE for either sign (C division truncates toward zero). */
static int32_t floor_div_one(int64_t v)
{
    return (int32_t)(v >= 0 ? v / ONE : -((-v + ONE - 1) / ONE));
}
static int32_t ceil_div_one(int64_t v) { return -floor_div_one(-v); }

/* Edge a -> b of a triangle wound so that its inside is where every edge function is >= 0
 * (area > 0). With y down the picture that winding runs clockwise on screen; its top edges
 * run left to right exactly horizontally and its left edges run up. */
static int64_t edge_bias(int64_t ax, int64_t ay, int64_t bx, int64_t by)
{
    int64_t dx = bx - ax, dy = by - ay;
    return (dy < 0 || (dy == 0 && dx > 0)) ? 0 : -1;
}

/* Narrows [*k0, *k1] to the steps k at which w + k dx >= 0. */
static void span(int64_t w, int64_t dx, int64_t *k0, int64_t *k1)
{
    if (dx > 0) {
        if (w < 0)
            *k0 = MAX(*k0, (-w + dx - 1) / dx);
    } else if (dx < 0) {
        *k1 = w < 0 ? -1 : MIN(*k1, w / -dx);
    } else if (w < 0) {
        *k1 = -1;
    }
}

void lw_rgrid_tri(lw_rgrid *g, const int32_t p[6], const float z[3], uint32_t id)
{
    int64_t ax = p[0], ay = p[1], bx = p[2], by = p[3], cx = p[4], cy = p[5];
    int64_t xmin = MIN(ax, MIN(bx, cx)), xmax = MAX(ax, MAX(bx, cx));
    int64_t ymin = MIN(ay, MIN(by, cy)), ymax = MAX(ay, MAX(by, cy));
    int32_t i0 = MAX(0, ceil_div_one(xmin)), i1 = MIN(g->w - 1, floor_div_one(xmax));
    int32_t j0 = MAX(g->y0, ceil_div_one(ymin)), j1 = MIN(g->y0 + g->h - 1, floor_div_one(ymax));
    if (i0 > i1 || j0 > j1)
        return;
    double za = z[0], zb = z[1], zc = z[2];
    int64_t area = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
    if (area == 0 || (g->cull > 0 && area > 0) || (g->cull < 0 && area < 0))
        return;
    if (area < 0) {
        int64_t t = bx;
        bx = cx, cx = t, t = by, by = cy, cy = t;
        double u = zb;
        zb = zc, zc = u;
        area = -area;
    }
    /* Edge functions at the first sample and their steps per sample. e0 (edge b -> c) is the
     * weight of a, e1 (c -> a) of b, e2 (a -> b) of c, each times the area. */
    int64_t px = (int64_t)i0 * ONE, py = (int64_t)j0 * ONE;
    int64_t e0 = (cx - bx) * (py - by) - (cy - by) * (px - bx);
    int64_t e1 = (ax - cx) * (py - cy) - (ay - cy) * (px - cx);
    int64_t e2 = (bx - ax) * (py - ay) - (by - ay) * (px - ax);
    int64_t dx0 = (by - cy) * ONE, dy0 = (cx - bx) * ONE;
    int64_t dx1 = (cy - ay) * ONE, dy1 = (ax - cx) * ONE;
    int64_t dx2 = (ay - by) * ONE, dy2 = (bx - ax) * ONE;
    double inv = 1.0 / (double)area;
    double zr = za + ((zb - za) * (double)e1 + (zc - za) * (double)e2) * inv;
    double dzx = ((zb - za) * (double)dx1 + (zc - za) * (double)dx2) * inv;
    double dzy = ((zb - za) * (double)dy1 + (zc - za) * (double)dy2) * inv;
    e0 += edge_bias(bx, by, cx, cy);
    e1 += edge_bias(cx, cy, ax, ay);
    e2 += edge_bias(ax, ay, bx, by);
    bool narrow = i1 - i0 < 16;
    for (int32_t j = j0; j <= j1; j++) {
        float *zrow = g->z + (size_t)(j - g->y0) * (size_t)g->w;
        uint32_t *irow = g->id + (size_t)(j - g->y0) * (size_t)g->w;
        int64_t w0 = e0, w1 = e1, w2 = e2;
        int64_t k0 = 0, k1 = i1 - i0;
        if (!narrow) {
            /* A long thin facet would waste most of its box: find the row's span exactly, from
             * where each edge function changes sign (integer division: the same samples as
             * testing each one). */
            span(w0, dx0, &k0, &k1);
            span(w1, dx1, &k0, &k1);
            span(w2, dx2, &k0, &k1);
            w0 += k0 * dx0, w1 += k0 * dx1, w2 += k0 * dx2;
        }
        double zz = zr + (double)k0 * dzx;
        for (int32_t i = i0 + (int32_t)k0; i <= i0 + k1; i++) {
            if ((w0 | w1 | w2) >= 0) {
                float zf = (float)zz;
                if (zf > zrow[i]) {
                    zrow[i] = zf;
                    irow[i] = id;
                }
            }
            w0 += dx0, w1 += dx1, w2 += dx2;
            zz += dzx;
        }
        e0 += dy0, e1 += dy1, e2 += dy2;
        zr += dzy;
    }
}

/* ---- the studio ---------------------------------------------------------------------------- */

static double srgb_to_linear(double c)
{
    return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}

static double linear_to_srgb(double c)
{
    return c <= 0.0031308 ? 12.92 * c : 1.055 * pow(c, 1 / 2.4) - 0.055;
}

static void rgb_linear(uint32_t rgb, float out[3])
{
    for (int k = 0; k < 3; k++)
        out[k] = (float)srgb_to_linear(((rgb >> (16 - 8 * k)) & 0xFF) / 255.0);
}

static double smoothstep(double e0, double e1, double x)
{
    double t = fmin(1, fmax(0, (x - e0) / (e1 - e0)));
    return t * t * (3 - 2 * t);
}

/* The studio as the piece reflects it, along the reflected ray r (camera space: x right, y up,
 * z toward the camera), white light in arbitrary units. `lit` is what the lights give, `room`
 * what the dim room, the table and the backdrop give. Lights are smooth shapes in the space of
 * directions (soft boxes have soft edges), so the table of normals needs no filtering. */
static void studio(const double r[3], double *lit, double *room)
{
    static const double key[3] = {LW_RENDER_KEY_X, LW_RENDER_KEY_Y, LW_RENDER_KEY_Z};
    double x = r[0], y = r[1], z = r[2];
    double front = smoothstep(-0.05, 0.35, z);
    /* The room: dim walls, the dark band at the horizon (black cards, which give polished metal
     * its contrast), a pale table below and a pale sweep behind the piece. */
    double rm = 0.035 + 0.10 * smoothstep(-0.1, 0.6, y);
    rm += 0.50 * smoothstep(-0.30, -0.80, y);
    rm += 0.55 * smoothstep(-0.15, -0.95, z);
    /* A white card round the lens: faces turned to the camera are not black. */
    rm += 0.30 * smoothstep(0.2, 1.0, z);
    double l = 1.9 * smoothstep(0.45, 0.85, y); /* the soft box overhead */
    /* Two upright strip lights, the key at the left, a dim fill at the right. */
    double dx = x + 0.78, dy = y - 0.15;
    l += 4.5 * front * exp(-(dx * dx / 0.018 + dy * dy / 0.30));
    dx = x - 0.82, dy = y - 0.05;
    l += 1.3 * front * exp(-(dx * dx / 0.025 + dy * dy / 0.30));
    /* The key's hard spot, for the sparkle a polished surface has. */
    double kl = sqrt(dot3(key, key));
    l += 9.0 * exp(220 * (dot3(r, key) / kl - 1));
    *lit = l;
    *room = rm;
}

/* Per-channel tone curve: close to linear in the shadows, rolling off smoothly to white, so a
 * hot highlight on gold turns pale as it does in a photograph. */
static double tone(double x)
{
    return 1 - exp(-1.35 * x);
}

/* The shading table: MATCAP x MATCAP texels over the normal's x and y in camera space (x right,
 * y up), each the tone-mapped linear colour of polished metal with that normal. Texels outside
 * the unit circle hold the rim's colour. */
static void build_matcap(float *tab, const float metal[3])
{
    for (int j = 0; j < MATCAP; j++)
        for (int i = 0; i < MATCAP; i++) {
            double nx = 2.0 * i / (MATCAP - 1) - 1, ny = 1 - 2.0 * j / (MATCAP - 1);
            double r2 = nx * nx + ny * ny, nz = 0;
            if (r2 > 1) {
                double s = 1 / sqrt(r2);
                nx *= s, ny *= s;
            } else {
                nz = sqrt(1 - r2);
            }
            double r[3] = {2 * nz * nx, 2 * nz * ny, 2 * nz * nz - 1}, lit, room;
            studio(r, &lit, &room);
            double f5 = pow(1 - nz, 5);
            float *t = tab + 3 * ((size_t)j * MATCAP + (size_t)i);
            for (int k = 0; k < 3; k++) {
                /* Schlick's Fresnel, tending at grazing angles to a pale tint of the metal
                 * rather than to white, so the outline stays metal-coloured. The room is seen
                 * after two bounces in the piece's own hollows: its colour is deeper. */
                double f0 = metal[k], edge = 0.5 + 0.5 * f0;
                double fr = f0 + (edge - f0) * f5;
                t[k] = (float)tone(fr * (lit + room * (0.3 + 0.7 * f0)));
            }
        }
}

/* ---- one view ------------------------------------------------------------------------------ */

/* What a render needs besides the mesh, shared by the views. */
typedef struct ctx {
    const lw_mesh *m;
    const lw_render_opts *o;
    const lw_render_layout *l;
    lw_rnormals nr;
    float *vn;         /* nr's normals turned into the current view's camera space */
    float *matcap;
    uint8_t *lut;      /* LUT_N entries: linear [0, 1] -> sRGB byte */
    float bg[3];       /* linear */
    int32_t *vxy;      /* per vertex: fixed-point sample coordinates in the current cell */
    float *vz;         /* per vertex: depth toward the camera */
    lw_rgrid g;
    size_t cap_grid;
    /* Banding: the facets sorted by first band, and those alive in the current band. */
    uint32_t *first, *last, *order, *active, *band_off;
    size_t cap_bands;
} ctx;

/* A facet's shading set up once and reused while its samples come in a row. */
typedef struct shade_tri {
    uint32_t id;
    double ax, ay, kb1, kb2, kc1, kc2; /* barycentrics of b and c from (x - ax, y - ay) */
    float n[9];                        /* corner normals in camera space */
} shade_tri;

#define SHADE_CACHE 64

static void shade_setup(const ctx *c, uint32_t id, shade_tri *s)
{
    const uint32_t *t = c->m->tri + 3 * (size_t)id;
    double x[3], y[3];
    for (int k = 0; k < 3; k++) {
        x[k] = c->vxy[2 * (size_t)t[k]] / (double)ONE;
        y[k] = c->vxy[2 * (size_t)t[k] + 1] / (double)ONE;
    }
    double area = (x[1] - x[0]) * (y[2] - y[0]) - (y[1] - y[0]) * (x[2] - x[0]);
    double inv = 1 / area; /* never 0: a facet of no area covers no sample */
    s->id = id;
    s->ax = x[0], s->ay = y[0];
    s->kb1 = (y[2] - y[0]) * inv, s->kb2 = -(x[2] - x[0]) * inv;
    s->kc1 = -(y[1] - y[0]) * inv, s->kc2 = (x[1] - x[0]) * inv;
    /* Seen from behind (clockwise with y up, so area > 0 with y down): shade the other side. */
    float flip = area > 0 ? -1.0f : 1.0f;
    for (int k = 0; k < 3; k++) {
        const float *n = c->vn + 3 * (size_t)c->nr.corner[3 * (size_t)id + k];
        s->n[3 * k] = flip * n[0], s->n[3 * k + 1] = flip * n[1], s->n[3 * k + 2] = flip * n[2];
    }
}

/* The colour (linear, tone-mapped) at sample coordinates (x, y) on facet s. */
static void shade(const ctx *c, const shade_tri *s, double x, double y, float out[3])
{
    double dx = x - s->ax, dy = y - s->ay;
    float lb = (float)(dx * s->kb1 + dy * s->kb2), lc = (float)(dx * s->kc1 + dy * s->kc2);
    float la = 1 - lb - lc;
    float nx = la * s->n[0] + lb * s->n[3] + lc * s->n[6];
    float ny = la * s->n[1] + lb * s->n[4] + lc * s->n[7];
    float nz = la * s->n[2] + lb * s->n[5] + lc * s->n[8];
    /* Interpolated normals may lean past the silhouette: there the surface is seen edge-on. */
    float len2 = nx * nx + ny * ny + (nz > 0 ? nz * nz : 0);
    float inv = len2 > 0 ? 1 / sqrtf(len2) : 0;
    float u = (nx * inv + 1) * 0.5f * (MATCAP - 1), v = (1 - ny * inv) * 0.5f * (MATCAP - 1);
    const float top_uv = MATCAP - 1.001f;
    u = u > 0 ? (u < top_uv ? u : top_uv) : 0;
    v = v > 0 ? (v < top_uv ? v : top_uv) : 0;
    int iu = (int)u, iv = (int)v;
    float fu = u - iu, fv = v - iv;
    const float *t = c->matcap + 3 * ((size_t)iv * MATCAP + (size_t)iu);
    const float *b = t + 3 * MATCAP;
    for (int k = 0; k < 3; k++) {
        float top = t[k] + (t[3 + k] - t[k]) * fu, bot = b[k] + (b[3 + k] - b[k]) * fu;
        out[k] = top + (bot - top) * fv;
    }
}

static uint8_t encode(const ctx *c, float x)
{
    int i = (int)(x * (LUT_N - 1) + 0.5f);
    return c->lut[i < 0 ? 0 : i >= LUT_N ? LUT_N - 1 : i];
}

/* Turns the samples of the current band (whole pixel rows) into pixels of the picture. */
static void resolve(ctx *c, const lw_render_cell *cell, lw_image *im, shade_tri *cache)
{
    uint32_t ss = c->o->supersample, nss = ss * ss;
    int32_t py0 = c->g.y0 / (int32_t)ss, py1 = (c->g.y0 + c->g.h) / (int32_t)ss;
    /* The light falls off across the set from the top left, as a studio light near the piece
     * does: without it a flat face turned to the camera would be one flat colour. */
    double fx = FALLOFF * 0.4 / fmax(1, cell->bbox[2] - cell->bbox[0]);
    double fy = FALLOFF * 0.6 / fmax(1, cell->bbox[3] - cell->bbox[1]);
    for (int32_t py = py0; py < py1; py++) {
        uint8_t *row = im->rgba + ((size_t)(cell->y + (uint32_t)py) * im->width + cell->x) * 4;
        double ty = 1 + FALLOFF / 2 - (cell->y + py + 0.5 - cell->bbox[1]) * fy;
        for (uint32_t px = 0; px < cell->w; px++) {
            /* The facets seen in the pixel, each shaded once at the centre of its samples
             * (inside the facet: a mean of points of a triangle) and weighted by their count,
             * as multisampling does: a pixel's samples mostly see one or two facets. */
            uint32_t fid[LW_RENDER_SS_MAX * LW_RENDER_SS_MAX], fn[LW_RENDER_SS_MAX *
                                                                  LW_RENDER_SS_MAX];
            int32_t fx_[LW_RENDER_SS_MAX * LW_RENDER_SS_MAX], fy_[LW_RENDER_SS_MAX *
                                                                  LW_RENDER_SS_MAX];
            uint32_t nf = 0, hit = 0;
            for (uint32_t b = 0; b < ss; b++) {
                int32_t j = py * (int32_t)ss + (int32_t)b;
                const uint32_t *ids = c->g.id + (size_t)(j - c->g.y0) * (size_t)c->g.w;
                for (uint32_t a = 0; a < ss; a++) {
                    int32_t i = (int32_t)(px * ss + a);
                    uint32_t id = ids[i], q = 0;
                    if (id == LW_RNONE)
                        continue;
                    while (q < nf && fid[q] != id)
                        q++;
                    if (q == nf) {
                        fid[q] = id, fn[q] = 0, fx_[q] = fy_[q] = 0;
                        nf++;
                    }
                    fn[q]++, fx_[q] += i, fy_[q] += j;
                    hit++;
                }
            }
            float acc[3] = {0, 0, 0};
            for (uint32_t q = 0; q < nf; q++) {
                shade_tri *s = &cache[fid[q] % SHADE_CACHE];
                if (s->id != fid[q])
                    shade_setup(c, fid[q], s);
                float col[3], w = (float)fn[q];
                shade(c, s, (double)fx_[q] / fn[q], (double)fy_[q] / fn[q], col);
                acc[0] += w * col[0], acc[1] += w * col[1], acc[2] += w * col[2];
            }
            uint8_t *o = row + 4 * (size_t)px;
            if (hit) {
                double t = ty - (cell->x + px + 0.5 - cell->bbox[0]) * fx;
                float f = (float)(t < 1 - FALLOFF / 2 ? 1 - FALLOFF / 2
                                  : t > 1 + FALLOFF / 2 ? 1 + FALLOFF / 2 : t);
                acc[0] *= f, acc[1] *= f, acc[2] *= f;
            }
            if (c->o->transparent) {
                if (hit == 0)
                    continue; /* the background already there */
                float k = 1.0f / (float)hit;
                o[0] = encode(c, acc[0] * k), o[1] = encode(c, acc[1] * k);
                o[2] = encode(c, acc[2] * k);
                o[3] = (uint8_t)((255 * hit + nss / 2) / nss);
            } else {
                float k = 1.0f / (float)nss, bgw = (float)(nss - hit);
                o[0] = encode(c, (acc[0] + bgw * c->bg[0]) * k);
                o[1] = encode(c, (acc[1] + bgw * c->bg[1]) * k);
                o[2] = encode(c, (acc[2] + bgw * c->bg[2]) * k);
                o[3] = 255;
            }
        }
    }
}

static lw_rc grow(void **p, size_t *cap, size_t n, size_t elem)
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

static void draw_tri(ctx *c, uint32_t f)
{
    const uint32_t *t = c->m->tri + 3 * (size_t)f;
    int32_t p[6];
    float z[3];
    for (int k = 0; k < 3; k++) {
        p[2 * k] = c->vxy[2 * (size_t)t[k]];
        p[2 * k + 1] = c->vxy[2 * (size_t)t[k] + 1];
        z[k] = c->vz[t[k]];
    }
    lw_rgrid_tri(&c->g, p, z, f);
}

static lw_rc render_view(ctx *c, uint32_t vi, lw_image *im)
{
    const lw_mesh *m = c->m;
    const lw_render_cell *cell = &c->l->cells[vi];
    uint32_t ss = c->o->supersample;
    double s = c->l->scale, zc;
    /* Depth about the middle of the piece, so float depths keep their precision far from the
     * origin. */
    double mid[3] = {0, 0, 0};
    if (m->nv)
        for (int a = 0; a < 3; a++)
            mid[a] = m->xyz[m->tri[0] * 3 + a];
    zc = dot3(mid, cell->toward);
    double bx = cell->ox - cell->x, by = cell->oy - cell->y;
    for (uint32_t v = 0; v < m->nv; v++) {
        const double *p = m->xyz + 3 * (size_t)v;
        /* Unused vertices may lie anywhere: clamp so they cannot overflow. */
        double x = ((bx + s * dot3(p, cell->right)) * ss - 0.5) * ONE;
        double y = ((by - s * dot3(p, cell->up)) * ss - 0.5) * ONE;
        const double lim = 1 << 26;
        x = x > -lim ? (x < lim ? x : lim) : -lim;
        y = y > -lim ? (y < lim ? y : lim) : -lim;
        c->vxy[2 * (size_t)v] = (int32_t)lrint(x);
        c->vxy[2 * (size_t)v + 1] = (int32_t)lrint(y);
        c->vz[v] = (float)(dot3(p, cell->toward) - zc);
    }
    for (uint32_t q = 0; q < c->nr.count; q++) {
        const float *n = c->nr.n + 3 * (size_t)q;
        float *o = c->vn + 3 * (size_t)q;
        o[0] = (float)(n[0] * cell->right[0] + n[1] * cell->right[1] + n[2] * cell->right[2]);
        o[1] = (float)(n[0] * cell->up[0] + n[1] * cell->up[1] + n[2] * cell->up[2]);
        o[2] = (float)(n[0] * cell->toward[0] + n[1] * cell->toward[1] + n[2] * cell->toward[2]);
    }
    /* Bands of whole pixel rows, as many as fit in BAND_SAMPLES. */
    int32_t gw = (int32_t)(cell->w * ss), gh = (int32_t)(cell->h * ss);
    int32_t band = (int32_t)MAX(ss, (BAND_SAMPLES / (size_t)gw) / ss * ss);
    band = MIN(band, gh);
    uint32_t nbands = (uint32_t)((gh + band - 1) / band);
    size_t ng;
    if (!lw_size_mul((size_t)gw, (size_t)band, &ng) ||
        grow((void **)&c->g.z, &c->cap_grid, ng, sizeof *c->g.z))
        return LW_ENOMEM;
    /* id grows with z: one capacity for both. */
    uint32_t *ids = lw_reallocarray(c->g.id, c->cap_grid, sizeof *ids);
    if (!ids)
        return LW_ENOMEM;
    c->g.id = ids;
    c->g.w = gw;
    /* A closed, consistently oriented surface hides its far side: skip it. */
    c->g.cull = c->nr.closed;
    if (nbands > 1) {
        /* Facets sorted by the first band they reach (a counting sort), so each band meets
         * only the facets that reach it. */
        size_t nb = (size_t)nbands + 1;
        if (grow((void **)&c->band_off, &c->cap_bands, nb, sizeof *c->band_off))
            return LW_ENOMEM;
        memset(c->band_off, 0, nb * sizeof *c->band_off);
        for (uint32_t f = 0; f < m->nt; f++) {
            const uint32_t *t = m->tri + 3 * (size_t)f;
            int32_t y0 = c->vxy[2 * (size_t)t[0] + 1], y1 = y0;
            for (int q = 1; q < 3; q++) {
                y0 = MIN(y0, c->vxy[2 * (size_t)t[q] + 1]);
                y1 = MAX(y1, c->vxy[2 * (size_t)t[q] + 1]);
            }
            int32_t r0 = MAX(0, ceil_div_one(y0)), r1 = MIN(gh - 1, floor_div_one(y1));
            if (r0 > r1) {
                c->first[f] = UINT32_MAX;
                continue;
            }
            c->first[f] = (uint32_t)(r0 / band);
            c->last[f] = (uint32_t)(r1 / band);
            c->band_off[c->first[f] + 1]++;
        }
        for (uint32_t b = 0; b < nbands; b++)
            c->band_off[b + 1] += c->band_off[b];
        for (uint32_t f = 0; f < m->nt; f++)
            if (c->first[f] != UINT32_MAX)
                c->order[c->band_off[c->first[f]]++] = f;
        for (uint32_t b = nbands; b > 0; b--)
            c->band_off[b] = c->band_off[b - 1];
        c->band_off[0] = 0;
    }
    shade_tri cache[SHADE_CACHE];
    for (int q = 0; q < SHADE_CACHE; q++)
        cache[q].id = LW_RNONE;
    size_t nactive = 0;
    for (uint32_t b = 0; b < nbands; b++) {
        c->g.y0 = (int32_t)b * band;
        c->g.h = MIN(band, gh - c->g.y0);
        size_t n = (size_t)c->g.w * (size_t)c->g.h;
        for (size_t q = 0; q < n; q++) {
            c->g.z[q] = -INFINITY;
            c->g.id[q] = LW_RNONE;
        }
        if (nbands == 1) {
            for (uint32_t f = 0; f < m->nt; f++)
                draw_tri(c, f);
        } else {
            for (uint32_t q = c->band_off[b]; q < c->band_off[b + 1]; q++)
                c->active[nactive++] = c->order[q];
            size_t keep = 0;
            for (size_t q = 0; q < nactive; q++) {
                uint32_t f = c->active[q];
                draw_tri(c, f);
                if (c->last[f] > b)
                    c->active[keep++] = f;
            }
            nactive = keep;
        }
        resolve(c, cell, im, cache);
    }
    return LW_OK;
}

/* ---- text with cairo ----------------------------------------------------------------------- */

static void set_rgba(cairo_t *cr, uint32_t rgb, double a)
{
    cairo_set_source_rgba(cr, ((rgb >> 16) & 0xFF) / 255.0, ((rgb >> 8) & 0xFF) / 255.0,
                          (rgb & 0xFF) / 255.0, a);
}

/* Shortens buf (valid UTF-8, n bytes of room) to at most w pixels wide, ending it with "..."
 * when cut; whole characters are dropped so it stays valid. */
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

/* The scale bar at the left of the cell's footer and the caption in the middle. */
static void footer(cairo_t *cr, const lw_render_opts *o, const lw_render_layout *l, uint32_t i)
{
    const lw_render_cell *c = &l->cells[i];
    double fs = font_px(o->height);
    double lum = 0.2126 * ((o->background_rgb >> 16) & 0xFF) +
                 0.7152 * ((o->background_rgb >> 8) & 0xFF) + 0.0722 * (o->background_rgb & 0xFF);
    uint32_t ink = lum > 128 ? 0x3A3A3A : 0xE0E0E0;
    double base = c->y + c->h - l->footer * 0.38;
    double left = c->x + MAX(l->margin, fs * 0.8), used = left;
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, fs * 0.85);
    if (l->bar_mm > 0) {
        double len = l->bar_mm * l->scale, y = base - fs * 0.3, tick = fs * 0.3;
        set_rgba(cr, ink, 1);
        cairo_set_line_width(cr, MAX(1, fs / 9));
        cairo_move_to(cr, left, y);
        cairo_line_to(cr, left + len, y);
        cairo_move_to(cr, left, y - tick);
        cairo_line_to(cr, left, y + tick);
        cairo_move_to(cr, left + len, y - tick);
        cairo_line_to(cr, left + len, y + tick);
        cairo_stroke(cr);
        char num[32], text[48];
        lw_fmt_f64(l->bar_mm, num);
        snprintf(text, sizeof text, "%s mm", num);
        cairo_move_to(cr, left + len + fs * 0.4, base);
        cairo_show_text(cr, text);
        cairo_text_extents_t te;
        cairo_text_extents(cr, text, &te);
        used = left + len + fs * 0.4 + te.x_advance + fs * 0.6;
    }
    if (o->captions[i] && o->captions[i][0]) {
        char text[LW_RENDER_TEXT_MAX + 4];
        snprintf(text, sizeof text, "%s", o->captions[i]);
        cairo_set_font_size(cr, fs);
        double right = c->x + c->w - MAX(l->margin, fs * 0.8);
        fit_text(cr, text, sizeof text, right - used);
        cairo_text_extents_t te;
        cairo_text_extents(cr, text, &te);
        double x = fmax(used, fmin(c->x + (c->w - te.x_advance) / 2, right - te.x_advance));
        set_rgba(cr, ink, 1);
        cairo_move_to(cr, x, base);
        cairo_show_text(cr, text);
    }
}

/* The watermark: the text on parallel lines at 30 degrees, repeated across the whole picture
 * with every other line shifted half a step, pale with a dark outline so that it shows on light
 * background and bright metal alike. */
static void watermark(cairo_t *cr, const char *text, uint32_t w, uint32_t h)
{
    double fs = fmin(160, fmax(10, sqrt((double)w * h) / 22));
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    cairo_set_font_size(cr, fs);
    cairo_text_extents_t te;
    cairo_text_extents(cr, text, &te);
    double du = fmax(te.x_advance, fs) + 2.5 * fs, dv = 2.6 * fs;
    double half = 0.5 * hypot(w, h) + du + dv; /* reaches past every corner when rotated */
    cairo_save(cr);
    cairo_translate(cr, w / 2.0, h / 2.0);
    cairo_rotate(cr, -M_PI / 6);
    cairo_set_line_width(cr, fmax(1, fs / 16));
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    long rows = (long)ceil(half / dv), cols = (long)ceil(half / du);
    for (long r = -rows; r <= rows; r++) {
        double shift = (r & 1) ? du / 2 : 0;
        for (long q = -cols - 1; q <= cols; q++) {
            cairo_move_to(cr, q * du + shift - te.x_advance / 2, r * dv + fs * 0.35);
            cairo_text_path(cr, text);
        }
    }
    cairo_set_source_rgba(cr, 1, 1, 1, 0.34);
    cairo_fill_preserve(cr);
    cairo_set_source_rgba(cr, 0.1, 0.1, 0.1, 0.22);
    cairo_stroke(cr);
    cairo_restore(cr);
}

/* Cairo keeps premultiplied alpha in native-endian 32-bit words. */
static void to_cairo(const lw_image *im, uint8_t *buf, int stride)
{
    for (uint32_t y = 0; y < im->height; y++) {
        const uint8_t *s = im->rgba + (size_t)y * im->width * 4;
        uint32_t *d = (uint32_t *)(void *)(buf + (size_t)y * (size_t)stride);
        for (uint32_t x = 0; x < im->width; x++, s += 4) {
            uint32_t a = s[3];
            uint32_t r = (s[0] * a + 127) / 255, g = (s[1] * a + 127) / 255,
                     b = (s[2] * a + 127) / 255;
            d[x] = a << 24 | r << 16 | g << 8 | b;
        }
    }
}

static void from_cairo(const uint8_t *buf, int stride, lw_image *im, uint32_t bg)
{
    for (uint32_t y = 0; y < im->height; y++) {
        uint8_t *d = im->rgba + (size_t)y * im->width * 4;
        const uint32_t *s = (const uint32_t *)(const void *)(buf + (size_t)y * (size_t)stride);
        for (uint32_t x = 0; x < im->width; x++, d += 4) {
            uint32_t p = s[x], a = p >> 24;
            if (a == 0) {
                d[0] = (uint8_t)(bg >> 16), d[1] = (uint8_t)(bg >> 8), d[2] = (uint8_t)bg;
                d[3] = 0;
                continue;
            }
            for (int k = 0; k < 3; k++) {
                uint32_t c = (p >> (16 - 8 * k)) & 0xFF;
                uint32_t v = (c * 255 + a / 2) / a;
                d[k] = (uint8_t)(v > 255 ? 255 : v);
            }
            d[3] = (uint8_t)a;
        }
    }
}

static lw_rc decorate(const lw_render_opts *o, const lw_render_layout *l, lw_image *im,
                      lw_err *err)
{
    int stride = cairo_format_stride_for_width(CAIRO_FORMAT_ARGB32, (int)im->width);
    size_t n;
    if (stride <= 0 || !lw_size_mul((size_t)stride, im->height, &n))
        return lw_err_nomem(err);
    uint8_t *buf = lw_malloc(n);
    if (!buf)
        return lw_err_nomem(err);
    to_cairo(im, buf, stride);
    cairo_surface_t *surf = cairo_image_surface_create_for_data(
        buf, CAIRO_FORMAT_ARGB32, (int)im->width, (int)im->height, stride);
    cairo_t *cr = cairo_create(surf);
    if (l->footer)
        for (uint32_t i = 0; i < l->nviews; i++)
            footer(cr, o, l, i);
    if (o->watermark && o->watermark[0])
        watermark(cr, o->watermark, im->width, im->height);
    cairo_surface_flush(surf);
    cairo_status_t st = cairo_status(cr);
    cairo_destroy(cr);
    cairo_surface_destroy(surf);
    lw_rc rc = LW_OK;
    if (st == CAIRO_STATUS_NO_MEMORY)
        rc = lw_err_nomem(err);
    else if (st != CAIRO_STATUS_SUCCESS)
        rc = lw_err_set(err, LW_EIO, "cairo could not draw the preview's text: %s",
                        cairo_status_to_string(st));
    else
        from_cairo(buf, stride, im, o->background_rgb);
    lw_free(buf);
    return rc;
}

/* ---- the whole picture --------------------------------------------------------------------- */

static void ctx_clear(ctx *c)
{
    lw_rnormals_clear(&c->nr);
    lw_free(c->vn);
    lw_free(c->matcap);
    lw_free(c->lut);
    lw_free(c->vxy);
    lw_free(c->vz);
    lw_free(c->g.z);
    lw_free(c->g.id);
    lw_free(c->first);
    lw_free(c->last);
    lw_free(c->order);
    lw_free(c->active);
    lw_free(c->band_off);
}

lw_rc lw_render(const lw_mesh *m, const lw_render_opts *o, lw_image *out, lw_err *err)
{
    lw_image_clear(out);
    lw_render_layout l;
    lw_rc rc = lw_render_layout_of(m, o, &l, err);
    if (rc)
        return rc;
    ctx c;
    memset(&c, 0, sizeof c);
    c.m = m, c.o = o, c.l = &l;
    size_t npx;
    lw_size_mul((size_t)o->width * o->height, 4, &npx); /* bounded by LW_RENDER_PIXELS_MAX */
    out->rgba = lw_malloc(npx);
    c.matcap = lw_reallocarray(NULL, (size_t)MATCAP * MATCAP, 3 * sizeof *c.matcap);
    c.lut = lw_malloc(LUT_N);
    c.vxy = lw_reallocarray(NULL, m->nv, 2 * sizeof *c.vxy);
    c.vz = lw_reallocarray(NULL, m->nv, sizeof *c.vz);
    if (!out->rgba || !c.matcap || !c.lut || !c.vxy || !c.vz) {
        rc = lw_err_nomem(err);
        goto done;
    }
    out->width = o->width;
    out->height = o->height;
    /* Banding needs its facet lists only when a cell does not fit one band. */
    bool banded = false;
    for (uint32_t i = 0; i < l.nviews; i++)
        banded = banded || (size_t)l.cells[i].w * o->supersample * o->height * o->supersample >
                               BAND_SAMPLES;
    if (banded) {
        c.first = lw_reallocarray(NULL, m->nt, sizeof *c.first);
        c.last = lw_reallocarray(NULL, m->nt, sizeof *c.last);
        c.order = lw_reallocarray(NULL, m->nt, sizeof *c.order);
        c.active = lw_reallocarray(NULL, m->nt, sizeof *c.active);
        if (!c.first || !c.last || !c.order || !c.active) {
            rc = lw_err_nomem(err);
            goto done;
        }
    }
    /* Pleats of facets narrower than two pixels are smoothed (see soft_edge): at three
     * samples a pixel, a pattern that fine would alias into moire. */
    if ((rc = lw_rnormals_build(m, CREASE_COS, 2 / l.scale, &c.nr, err)))
        goto done;
    if (!(c.vn = lw_reallocarray(NULL, c.nr.count, 3 * sizeof *c.vn))) {
        rc = lw_err_nomem(err);
        goto done;
    }
    float metal[3];
    rgb_linear(o->metal_rgb, metal);
    rgb_linear(o->background_rgb, c.bg);
    build_matcap(c.matcap, metal);
    for (int i = 0; i < LUT_N; i++)
        c.lut[i] = (uint8_t)lrint(255 * linear_to_srgb(i / (double)(LUT_N - 1)));
    /* The background everywhere first: the views then write only their own cells. */
    uint8_t bg[4] = {(uint8_t)(o->background_rgb >> 16), (uint8_t)(o->background_rgb >> 8),
                     (uint8_t)o->background_rgb, o->transparent ? 0 : 255};
    for (size_t p = 0; p < npx; p += 4)
        memcpy(out->rgba + p, bg, 4);
    for (uint32_t i = 0; i < l.nviews && !rc; i++)
        if ((rc = render_view(&c, i, out)))
            rc = lw_err_nomem(err);
    if (!rc && (l.footer || (o->watermark && o->watermark[0])))
        rc = decorate(o, &l, out, err);
done:
    ctx_clear(&c);
    if (rc)
        lw_image_clear(out);
    return rc;
}

/* ---- PNG ----------------------------------------------------------------------------------- */

typedef struct png_sink {
    lw_buf *b;
    lw_rc rc;
} png_sink;

static cairo_status_t png_write(void *closure, const unsigned char *data, unsigned int len)
{
    png_sink *s = closure;
    if (!s->rc)
        s->rc = lw_buf_append(s->b, data, len);
    return s->rc ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

lw_rc lw_render_png(const lw_image *im, lw_buf *out, lw_err *err)
{
    if (!im->rgba || im->width == 0 || im->height == 0)
        return lw_err_set(err, LW_EINVAL, "the picture has no pixels");
    if (im->width > LW_RENDER_SIDE_MAX || im->height > LW_RENDER_SIDE_MAX)
        return lw_err_set(err, LW_EINVAL, "a %u x %u picture is larger than %u a side",
                          im->width, im->height, LW_RENDER_SIDE_MAX);
    bool opaque = true;
    size_t npx = (size_t)im->width * im->height;
    for (size_t p = 0; p < npx && opaque; p++)
        opaque = im->rgba[4 * p + 3] == 255;
    cairo_format_t fmt = opaque ? CAIRO_FORMAT_RGB24 : CAIRO_FORMAT_ARGB32;
    int stride = cairo_format_stride_for_width(fmt, (int)im->width);
    size_t n;
    if (stride <= 0 || !lw_size_mul((size_t)stride, im->height, &n))
        return lw_err_nomem(err);
    uint8_t *buf = lw_malloc(n);
    if (!buf)
        return lw_err_nomem(err);
    to_cairo(im, buf, stride); /* RGB24 ignores the top byte */
    cairo_surface_t *surf =
        cairo_image_surface_create_for_data(buf, fmt, (int)im->width, (int)im->height, stride);
    size_t before = out->len;
    png_sink s = {out, LW_OK};
    cairo_status_t st = cairo_surface_write_to_png_stream(surf, png_write, &s);
    cairo_surface_destroy(surf);
    lw_free(buf);
    lw_rc rc = LW_OK;
    if (s.rc == LW_ENOMEM || st == CAIRO_STATUS_NO_MEMORY)
        rc = lw_err_nomem(err);
    else if (s.rc)
        rc = lw_err_set(err, s.rc, "the PNG is larger than the buffer's limit");
    else if (st != CAIRO_STATUS_SUCCESS)
        rc = lw_err_set(err, LW_EIO, "cairo could not write the PNG: %s",
                        cairo_status_to_string(st));
    if (rc) {
        out->len = before;
        if (out->data)
            out->data[before] = 0;
    }
    return rc;
}
