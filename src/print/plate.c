/* lostwax: arranging pieces on the build plate (see plate.h and docs/internals/plate.md).
 *
 * Everything happens on one grid of `pixel`-sized cells, column-major (u = x, v = y). A part in
 * one turn has three cell sets, each stored as spans of v per column:
 *   bare  the cells its projected triangles touch (conservative: every point of the projection
 *         lies in a bare cell);
 *   grow  bare grown by the part's margin plus half a cell diagonal (just bare when it has no
 *         margin): what it occupies on the bed;
 *   keep  bare grown by gap + margin + one cell diagonal (one and a half when any part has a
 *         margin): where nothing may be when it is placed.
 * A place is free when `keep`, moved there, meets no occupied cell. For cells a of part A and b of
 * part B that makes |a - b| >= gap + mA + mB + one cell diagonal (distances between cell
 * centres), and every point of a projection lies within half a diagonal of a bare cell's centre,
 * so the real footprints keep the gap (the proof is in plate.md).
 *
 * The bed stores, for every cell, the length of the run of equal cells (free: +n, occupied: -n)
 * starting there and going up the column. Checking a span of `keep` is then one lookup, and a
 * blocked span says how far up the next possible place is, so the search jumps over placed parts
 * instead of stepping cell by cell.
 */
#include "print/plate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/size.h"
#include "base/vec.h"
#include "geom/threemf.h"

#define MAX_ITEMS 100000
#define MAX_COORD 1e6           /* mm: a kilometre; beyond it the grid indices would overflow */
#define EPS 1e-9                /* cells: rounding allowance when deciding which cells are hit */
#define SLACK 1e-6              /* cells added to the keep-out radius against rounding */
#define SQRT2 1.4142135623730951
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* The passes: how much a place's height counts against its distance from the left (see
 * place()). 0 is plain bottom-left fill, tried first; the others only when pieces are left
 * over. Leaning keeps copies of a round piece out of the hollows between the pieces of the
 * column before, which on a bed a few pieces deep wastes more than it saves (24 bands on a
 * 71 mm bed: 18 placed nesting, 21 in straight columns). */
static const double k_leans[] = {0, 0.5, 0.25};
#define NPASSES (sizeof k_leans / sizeof k_leans[0])

typedef struct span {
    int32_t lo, hi; /* cells [lo, hi) of one column */
} span;

/* A set of cells: columns u0 .. u0 + nu - 1, column k's spans sp[first[k] .. first[k + 1]). */
typedef struct shape {
    int32_t u0;
    uint32_t nu;
    uint32_t *first;
    span *sp;
    size_t nsp, cap;
} shape;

/* One part in one turn. */
typedef struct turn {
    bool fits;                   /* inside the usable bed when alone */
    double a[12];                /* as drawn -> the turn's frame (centred in x, y; z lifted) */
    int32_t ci0, ci1, cj0, cj1;  /* bare cells' box, [ci0, ci1) x [cj0, cj1) */
    double w, h;                 /* footprint with margins, mm */
    size_t cells;                /* bare cells */
    shape grow, keep;
    int32_t tu_lo, tu_hi, tv_lo, tv_hi; /* moves (in cells) that keep it inside the bed */
    int32_t ru, rv;              /* every move before this one in scan order is known blocked */
    uint32_t hint;               /* the keep column that blocked last: likely to block again */
} turn;

typedef struct part_state {
    turn *turns;
    bool any_fit;
    size_t cells;   /* bare cells in the first turn that fits: the size for largest-first */
    uint32_t *used; /* the vertices facets use, ascending (loose vertices are not printed) */
    uint32_t nused;
} part_state;

typedef struct ctx {
    const lw_plate_opts *o;
    double px;
    bool any_margin;
    int32_t nu, nv;         /* bed cells */
    int32_t ua, ub, va, vb; /* usable cells [ua, ub) x [va, vb) */
    size_t max_spans;
    int32_t *run;           /* nu columns of nv cells: +n free / -n occupied run lengths */
} ctx;

/* One thread's room for making footprints. */
typedef struct scratch {
    double *uv;             /* a part's corners in frame cells */
    size_t cap_uv;
    uint8_t *bits;          /* a footprint's bitmap */
    size_t cap_bits;
    span *tmp;
    size_t cap_tmp;
    int32_t *half;          /* dilation half-heights */
    size_t cap_half;
    uint32_t *stack;        /* hole filling */
    size_t cap_stack;
} scratch;

static void scratch_clear(scratch *w)
{
    lw_free(w->uv);
    lw_free(w->bits);
    lw_free(w->tmp);
    lw_free(w->half);
    lw_free(w->stack);
    memset(w, 0, sizeof *w);
}

void lw_plate_opts_default(lw_plate_opts *o, double bed_w, double bed_h)
{
    memset(o, 0, sizeof *o);
    o->bed_w = bed_w;
    o->bed_h = bed_h;
    o->gap = 2;
    o->border = 1;
    o->lift = 0;
    o->rotations = 16;
    o->pixel = 0.1;
    o->max_cells = (uint64_t)32 << 20;
}

void lw_plate_init(lw_plate *pl) { memset(pl, 0, sizeof *pl); }

void lw_plate_clear(lw_plate *pl)
{
    if (!pl)
        return;
    lw_free(pl->items);
    lw_plate_init(pl);
}

static void shape_clear(shape *s)
{
    lw_free(s->first);
    lw_free(s->sp);
    memset(s, 0, sizeof *s);
}

static const char *part_name(const lw_plate_part *p, size_t i, char fallback[32])
{
    if (p->name && p->name[0])
        return p->name;
    snprintf(fallback, 32, "part %zu", i + 1);
    return fallback;
}

/* sin and cos of an angle in degrees, exact at multiples of 90 so square turns stay square. */
static void sincos_deg(double deg, double *s, double *c)
{
    double q = deg / 90;
    if (q == floor(q) && fabs(q) < 1e9) {
        static const double S[4] = {0, 1, 0, -1}, C[4] = {1, 0, -1, 0};
        long k = ((long)q % 4 + 4) % 4;
        *s = S[k];
        *c = C[k];
        return;
    }
    double r = deg * (M_PI / 180);
    *s = sin(r);
    *c = cos(r);
}

/* ---------------------------------------------------------------------------------------------
 * Footprints
 */

static lw_rc grow_bytes(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return LW_OK;
    void *q = lw_reallocarray(*p, need, elem);
    if (!q)
        return LW_ENOMEM;
    *p = q;
    *cap = need;
    return LW_OK;
}

static lw_rc shape_put(const ctx *c, shape *s, int32_t lo, int32_t hi)
{
    if (LW_VEC_RESERVE(s->sp, s->cap, s->nsp + 1, c->max_spans))
        return s->nsp + 1 > c->max_spans ? LW_ELIMIT : LW_ENOMEM;
    s->sp[s->nsp].lo = lo;
    s->sp[s->nsp].hi = hi;
    s->nsp++;
    return LW_OK;
}

/* Marks in column `col` of the bitmap (height h) the cells the triangle (cell units, relative
 * to the bitmap's corner) touches in the slab u in [i, i + 1]: the clipped triangle is convex, so
 * its extent in v is that of its corners inside the slab and its edges' crossings of the slab's
 * sides. */
static void mark_slab(const double *p[3], int32_t i, uint8_t *col, int32_t h)
{
    double lo = INFINITY, hi = -INFINITY;
    for (int k = 0; k < 3; k++) {
        const double *a = p[k], *b = p[(k + 1) % 3];
        if (a[0] >= i - EPS && a[0] <= i + 1 + EPS) {
            lo = MIN(lo, a[1]);
            hi = MAX(hi, a[1]);
        }
        if (a[0] == b[0])
            continue;
        for (int side = 0; side < 2; side++) {
            double x = i + side;
            if (x < MIN(a[0], b[0]) || x > MAX(a[0], b[0]))
                continue;
            double y = a[1] + (x - a[0]) / (b[0] - a[0]) * (b[1] - a[1]);
            lo = MIN(lo, y);
            hi = MAX(hi, y);
        }
    }
    if (lo > hi)
        return;
    int32_t j0 = (int32_t)floor(lo - EPS), j1 = (int32_t)floor(hi + EPS);
    if (j0 < 0)
        j0 = 0;
    if (j1 > h - 1)
        j1 = h - 1;
    if (j0 <= j1)
        memset(col + j0, 1, (size_t)(j1 - j0 + 1));
}

/* The turn's frame: the part tilted about X, turned about Z, centred on the origin in x and y,
 * lowest corner at z = lift. Fills t->a, the corners in frame cells (w->uv) and their extent. */
static lw_rc frame(const ctx *c, scratch *w, const lw_plate_part *p, const part_state *ps,
                   double turn_deg, turn *t, double ext[2])
{
    const lw_mesh *m = p->mesh;
    size_t n;
    if (!lw_size_mul(m->nv, 2, &n) || grow_bytes((void **)&w->uv, &w->cap_uv, n ? n : 1,
                                                 sizeof *w->uv))
        return LW_ENOMEM;
    double st, ct, sz, cz;
    sincos_deg(p->tilt_deg, &st, &ct);
    sincos_deg(turn_deg, &sz, &cz);
    /* Rz(turn) * Rx(tilt) */
    double *a = t->a;
    a[0] = cz, a[1] = -sz * ct, a[2] = sz * st;
    a[3] = sz, a[4] = cz * ct, a[5] = -cz * st;
    a[6] = 0, a[7] = st, a[8] = ct;
    a[9] = a[10] = a[11] = 0;
    for (int k = 0; k < 9; k++)
        a[k] += 0.0; /* -0 (from sin 0 products) as +0: an untilted, unturned part reads as the
                      * identity, bit for bit */
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY, z0 = INFINITY;
    for (uint32_t k = 0; k < ps->nused; k++) {
        const double *v = m->xyz + 3 * (size_t)ps->used[k];
        double x = a[0] * v[0] + a[1] * v[1] + a[2] * v[2];
        double y = a[3] * v[0] + a[4] * v[1] + a[5] * v[2];
        double z = a[6] * v[0] + a[7] * v[1] + a[8] * v[2];
        x0 = MIN(x0, x), x1 = MAX(x1, x);
        y0 = MIN(y0, y), y1 = MAX(y1, y);
        z0 = MIN(z0, z);
    }
    a[9] = -0.5 * (x0 + x1);
    a[10] = -0.5 * (y0 + y1);
    a[11] = c->o->lift - z0;
    for (uint32_t k = 0; k < ps->nused; k++) {
        size_t i = ps->used[k];
        const double *v = m->xyz + 3 * i;
        w->uv[2 * i] = (a[0] * v[0] + a[1] * v[1] + a[2] * v[2] + a[9]) / c->px;
        w->uv[2 * i + 1] = (a[3] * v[0] + a[4] * v[1] + a[5] * v[2] + a[10]) / c->px;
    }
    ext[0] = x1 - x0;
    ext[1] = y1 - y0;
    return LW_OK;
}

/* The bare footprint of the corners in ws->uv: cells [ci0, ci1) x [cj0, cj1) and the spans. */
/* Marks the holes of the footprint in bits (w columns of h): every cell the outside cannot
 * reach through empty cells, stepping across edges only (so a wall that touches itself at a
 * corner still closes its hole: filling more is always safe). */
static lw_rc fill_holes(scratch *ws, int32_t w, int32_t h)
{
    size_t cells = (size_t)w * (size_t)h;
    lw_rc rc = grow_bytes((void **)&ws->stack, &ws->cap_stack, cells, sizeof *ws->stack);
    if (rc)
        return rc;
    uint8_t *b = ws->bits;
    size_t n = 0;
    for (int32_t i = 0; i < w; i++)
        for (int32_t j = 0; j < h; j++)
            if ((i == 0 || j == 0 || i == w - 1 || j == h - 1) && !b[(size_t)i * h + j]) {
                b[(size_t)i * h + j] = 2;
                ws->stack[n++] = (uint32_t)((size_t)i * h + j);
            }
    while (n) {
        uint32_t k = ws->stack[--n];
        int32_t i = (int32_t)(k / (uint32_t)h), j = (int32_t)(k % (uint32_t)h);
        const int32_t di[4] = {-1, 1, 0, 0}, dj[4] = {0, 0, -1, 1};
        for (int d = 0; d < 4; d++) {
            int32_t a = i + di[d], e = j + dj[d];
            if (a < 0 || e < 0 || a >= w || e >= h || b[(size_t)a * h + e])
                continue;
            b[(size_t)a * h + e] = 2; /* each cell is pushed once: the stack never overflows */
            ws->stack[n++] = (uint32_t)((size_t)a * h + e);
        }
    }
    for (size_t k = 0; k < cells; k++)
        b[k] = b[k] != 2;
    return LW_OK;
}

static lw_rc rasterise(const ctx *c, scratch *ws, const lw_plate_part *pp, const part_state *ps,
                       turn *t, shape *bare)
{
    double u0 = INFINITY, u1 = -INFINITY, v0 = INFINITY, v1 = -INFINITY;
    for (uint32_t k = 0; k < ps->nused; k++) {
        const double *q = ws->uv + 2 * (size_t)ps->used[k];
        u0 = MIN(u0, q[0]), u1 = MAX(u1, q[0]);
        v0 = MIN(v0, q[1]), v1 = MAX(v1, q[1]);
    }
    /* Cells are closed: a corner on a cell's edge lies in the cell below it as well, so a part
     * that ends on a grid line takes no cell beyond it. */
    t->ci0 = (int32_t)floor(u0);
    t->ci1 = (int32_t)ceil(u1);
    t->cj0 = (int32_t)floor(v0);
    t->cj1 = (int32_t)ceil(v1);
    if (t->ci1 == t->ci0)
        t->ci1++;
    if (t->cj1 == t->cj0)
        t->cj1++;
    const lw_mesh *m = pp->mesh;
    int32_t w = t->ci1 - t->ci0, h = t->cj1 - t->cj0;
    size_t cells;
    if (!lw_size_mul((size_t)w, (size_t)h, &cells) || cells > c->o->max_cells ||
        cells > UINT32_MAX)
        return LW_ELIMIT;
    lw_rc rc = grow_bytes((void **)&ws->bits, &ws->cap_bits, cells, 1);
    if (rc)
        return rc;
    memset(ws->bits, 0, cells);
    for (uint32_t f = 0; f < m->nt; f++) {
        double q[3][2];
        const double *p[3];
        double lo = INFINITY, hi = -INFINITY;
        for (int k = 0; k < 3; k++) {
            const double *s = ws->uv + 2 * (size_t)m->tri[3 * (size_t)f + k];
            q[k][0] = s[0] - t->ci0;
            q[k][1] = s[1] - t->cj0;
            p[k] = q[k];
            lo = MIN(lo, q[k][0]);
            hi = MAX(hi, q[k][0]);
        }
        int32_t i0 = (int32_t)floor(lo - EPS), i1 = (int32_t)floor(hi + EPS);
        if (i0 < 0)
            i0 = 0;
        if (i1 > w - 1)
            i1 = w - 1;
        if (i0 == i1) { /* most facets of a fine mesh: one column, no clipping needed */
            double vlo = MIN(MIN(q[0][1], q[1][1]), q[2][1]);
            double vhi = MAX(MAX(q[0][1], q[1][1]), q[2][1]);
            int32_t j0 = MAX((int32_t)floor(vlo - EPS), 0);
            int32_t j1 = MIN((int32_t)floor(vhi + EPS), h - 1);
            uint8_t *col = ws->bits + (size_t)i0 * (size_t)h;
            for (int32_t j = j0; j <= j1; j++)
                col[j] = 1;
            continue;
        }
        for (int32_t i = i0; i <= i1; i++)
            mark_slab(p, i, ws->bits + (size_t)i * (size_t)h, h);
    }
    if (pp->fill_holes && (rc = fill_holes(ws, w, h)))
        return rc;
    bare->u0 = t->ci0;
    bare->nu = (uint32_t)w;
    if (!(bare->first = lw_malloc(((size_t)w + 1) * sizeof *bare->first)))
        return LW_ENOMEM;
    bare->first[0] = 0;
    t->cells = 0;
    for (int32_t i = 0; i < w; i++) {
        const uint8_t *col = ws->bits + (size_t)i * (size_t)h;
        for (int32_t j = 0; j < h;) {
            if (!col[j]) {
                j++;
                continue;
            }
            int32_t k = j;
            while (k < h && col[k])
                k++;
            if ((rc = shape_put(c, bare, t->cj0 + j, t->cj0 + k)))
                return rc;
            t->cells += (size_t)(k - j);
            j = k;
        }
        if (bare->nsp > UINT32_MAX)
            return LW_ELIMIT;
        bare->first[i + 1] = (uint32_t)bare->nsp;
    }
    return LW_OK;
}

static int span_cmp(const void *pa, const void *pb)
{
    const span *a = pa, *b = pb;
    if (a->lo != b->lo)
        return a->lo < b->lo ? -1 : 1;
    return (a->hi > b->hi) - (a->hi < b->hi);
}

/* out = the cells whose centres lie within r cells of a cell of in (the Minkowski sum with a
 * disc): column d away contributes in's spans widened by floor(sqrt(r^2 - d^2)). */
static lw_rc dilate(const ctx *c, scratch *w, const shape *in, double r, shape *out)
{
    int32_t R = (int32_t)floor(r);
    lw_rc rc = grow_bytes((void **)&w->half, &w->cap_half, 2 * (size_t)R + 1, sizeof *w->half);
    if (!rc)
        rc = grow_bytes((void **)&w->tmp, &w->cap_tmp, in->nsp ? in->nsp : 1, sizeof *w->tmp);
    if (rc)
        return rc;
    for (int32_t d = -R; d <= R; d++)
        w->half[d + R] = (int32_t)floor(sqrt(r * r - (double)d * d));
    out->u0 = in->u0 - R;
    out->nu = in->nu + 2 * (uint32_t)R;
    if (!(out->first = lw_malloc(((size_t)out->nu + 1) * sizeof *out->first)))
        return LW_ENOMEM;
    out->first[0] = 0;
    for (uint32_t oc = 0; oc < out->nu; oc++) {
        int64_t col = (int64_t)out->u0 + oc;
        size_t n = 0;
        for (int32_t d = -R; d <= R; d++) {
            int64_t ic = col - d - in->u0;
            if (ic < 0 || ic >= (int64_t)in->nu)
                continue;
            int32_t hh = w->half[d + R];
            for (uint32_t s = in->first[ic]; s < in->first[ic + 1]; s++) {
                w->tmp[n].lo = in->sp[s].lo - hh;
                w->tmp[n].hi = in->sp[s].hi + hh;
                n++;
            }
        }
        qsort(w->tmp, n, sizeof *w->tmp, span_cmp);
        for (size_t s = 0; s < n;) {
            int32_t lo = w->tmp[s].lo, hi = w->tmp[s].hi;
            for (s++; s < n && w->tmp[s].lo <= hi; s++)
                if (w->tmp[s].hi > hi)
                    hi = w->tmp[s].hi;
            if ((rc = shape_put(c, out, lo, hi)))
                return rc;
        }
        if (out->nsp > UINT32_MAX)
            return LW_ELIMIT;
        out->first[oc + 1] = (uint32_t)out->nsp;
    }
    return LW_OK;
}

/* Prepares one turn of one part: frame, footprints, the moves that keep it on the bed. */
static lw_rc prepare_turn(const ctx *c, scratch *w, const lw_plate_part *p, const part_state *ps,
                          double turn_deg, turn *t)
{
    double ext[2];
    lw_rc rc = frame(c, w, p, ps, turn_deg, t, ext);
    if (rc)
        return rc;
    double m = p->margin, px = c->px;
    t->w = ext[0] + 2 * m;
    t->h = ext[1] + 2 * m;
    t->fits = false;
    /* Too large already in millimetres: do not rasterise what cannot be placed. */
    if (t->w > (c->ub - c->ua + 1) * px || t->h > (c->vb - c->va + 1) * px)
        return LW_OK;
    shape bare;
    memset(&bare, 0, sizeof bare);
    if ((rc = rasterise(c, w, p, ps, t, &bare)))
        goto done;
    int32_t k = (int32_t)ceil(m / px - EPS); /* margin in whole cells, for the bed's edges */
    t->tu_lo = c->ua - t->ci0 + k;
    t->tu_hi = c->ub - t->ci1 - k;
    t->tv_lo = c->va - t->cj0 + k;
    t->tv_hi = c->vb - t->cj1 - k;
    t->fits = t->tu_lo <= t->tu_hi && t->tv_lo <= t->tv_hi;
    t->ru = t->tu_lo;
    t->rv = t->tv_lo;
    if (!t->fits)
        goto done;
    double diag_half = c->any_margin ? SQRT2 / 2 : 0;
    double r_keep = (c->o->gap + m) / px + SQRT2 + diag_half + SLACK;
    /* Past the bed's diagonal a wider keep-out changes nothing: it already covers the bed. */
    double diag = hypot(c->nu, c->nv) + 2;
    if (r_keep > diag)
        r_keep = diag;
    if ((rc = dilate(c, w, &bare, r_keep, &t->keep)))
        goto done;
    if (m > 0) {
        rc = dilate(c, w, &bare, m / px + SQRT2 / 2, &t->grow);
    } else {
        t->grow = bare; /* the bare footprint is what it occupies */
        memset(&bare, 0, sizeof bare);
    }
done:
    shape_clear(&bare);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * The bed
 */

/* Rebuilds column u's run lengths from their signs. */
static void bed_column(ctx *c, int32_t u)
{
    int32_t *col = c->run + (size_t)u * (size_t)c->nv;
    int32_t next = 0;
    for (int32_t v = c->nv - 1; v >= 0; v--) {
        if (col[v] < 0)
            next = next < 0 ? next - 1 : -1;
        else
            next = next > 0 ? next + 1 : 1;
        col[v] = next;
    }
}

static void bed_mark(ctx *c, const shape *s, int32_t tu, int32_t tv)
{
    for (uint32_t k = 0; k < s->nu; k++) {
        int64_t u = (int64_t)s->u0 + k + tu;
        if (u < 0 || u >= c->nu || s->first[k] == s->first[k + 1])
            continue;
        int32_t *col = c->run + (size_t)u * (size_t)c->nv;
        for (uint32_t i = s->first[k]; i < s->first[k + 1]; i++) {
            int64_t lo = (int64_t)s->sp[i].lo + tv, hi = (int64_t)s->sp[i].hi + tv;
            for (int64_t v = lo < 0 ? 0 : lo; v < hi && v < c->nv; v++)
                col[v] = -1;
        }
        bed_column(c, (int32_t)u);
    }
}

/* Whether keep, moved by (tu, tv), meets nothing placed. When it does, *next_tv is the least tv
 * at which the blocking run no longer meets the blocked span; *hint remembers the column, which
 * is likely to block the next try as well. */
static bool bed_free(const ctx *c, const shape *keep, int32_t tu, int32_t tv, int32_t *next_tv,
                     uint32_t *hint)
{
    uint32_t n = keep->nu;
    for (uint32_t t = 0; t < n; t++) {
        uint32_t k = *hint + t;
        if (k >= n)
            k -= n;
        int64_t u = (int64_t)keep->u0 + k + tu;
        if (u < 0 || u >= c->nu)
            continue;
        const int32_t *col = c->run + (size_t)u * (size_t)c->nv;
        for (uint32_t i = keep->first[k]; i < keep->first[k + 1]; i++) {
            int64_t lo = (int64_t)keep->sp[i].lo + tv, hi = (int64_t)keep->sp[i].hi + tv;
            if (lo < 0)
                lo = 0;
            if (hi > c->nv)
                hi = c->nv;
            if (lo >= hi || col[lo] >= hi - lo)
                continue;
            int64_t occ = col[lo] > 0 ? lo + col[lo] : lo; /* first occupied cell */
            *next_tv = (int32_t)(occ - col[occ] - keep->sp[i].lo);
            *hint = k;
            return false;
        }
    }
    return true;
}

/* The lowest free move of turn t in column tu from tv up to vmax, or false. */
static bool column_first(const ctx *c, turn *t, int32_t tu, int32_t tv, int32_t vmax,
                         int32_t *fv)
{
    while (tv <= vmax) {
        int32_t next;
        if (bed_free(c, &t->keep, tu, tv, &next, &t->hint)) {
            *fv = tv;
            return true;
        }
        tv = next;
    }
    return false;
}

/* The first free move of turn t in scan order (u, then v) from its resume point, trying no
 * column past lu. Moves it proves blocked are never tried again (the bed only fills up). */
static bool search(const ctx *c, turn *t, int32_t lu, int32_t *fu, int32_t *fv)
{
    for (int32_t tu = t->ru, tv = t->rv; tu <= t->tu_hi; tu++, tv = t->tv_lo) {
        if (tu > lu) {
            t->ru = tu;
            t->rv = tv;
            return false;
        }
        if (column_first(c, t, tu, tv, t->tv_hi, fv)) {
            t->ru = *fu = tu;
            t->rv = *fv;
            return true;
        }
    }
    t->ru = t->tu_hi + 1;
    t->rv = t->tv_lo;
    return false;
}

/* ---------------------------------------------------------------------------------------------
 * lw_plate_arrange
 */

static lw_rc check_inputs(const lw_plate_part *parts, size_t nparts, const lw_plate_opts *o,
                          size_t *nitems, lw_err *err)
{
    if (!(isfinite(o->bed_w) && isfinite(o->bed_h) && o->bed_w > 0 && o->bed_h > 0 &&
          o->bed_w <= 1e5 && o->bed_h <= 1e5))
        return lw_err_set(err, LW_EINVAL, "the bed must be from 0 to 100 m each way (%g x %g mm)",
                          o->bed_w, o->bed_h);
    if (!(isfinite(o->gap) && o->gap >= 0 && o->gap <= 1000))
        return lw_err_set(err, LW_EINVAL, "the gap must be from 0 to 1000 mm (%g)", o->gap);
    if (!(isfinite(o->border) && o->border >= 0 && o->border <= 1000))
        return lw_err_set(err, LW_EINVAL, "the border must be from 0 to 1000 mm (%g)", o->border);
    if (!(isfinite(o->lift) && o->lift >= 0 && o->lift <= 1000))
        return lw_err_set(err, LW_EINVAL, "the lift must be from 0 to 1000 mm (%g)", o->lift);
    if (o->rotations < 1 || o->rotations > 360)
        return lw_err_set(err, LW_EINVAL, "the turns tried must be from 1 to 360 (%u)",
                          o->rotations);
    if (!(isfinite(o->pixel) && o->pixel >= 0.001 && o->pixel <= 10))
        return lw_err_set(err, LW_EINVAL, "the grid step must be from 0.001 to 10 mm (%g)",
                          o->pixel);
    size_t n = 0;
    for (size_t i = 0; i < nparts; i++) {
        const lw_plate_part *p = &parts[i];
        char fb[32];
        const char *name = part_name(p, i, fb);
        if (!p->mesh)
            return lw_err_set(err, LW_EINVAL, "%s: no mesh", name);
        if (!(isfinite(p->tilt_deg) && fabs(p->tilt_deg) <= 360))
            return lw_err_set(err, LW_EINVAL, "%s: the tilt must be from -360 to 360 degrees",
                              name);
        if (!(isfinite(p->margin) && p->margin >= 0 && p->margin <= 1000))
            return lw_err_set(err, LW_EINVAL, "%s: the margin must be from 0 to 1000 mm", name);
        for (size_t k = 0; k < 3 * (size_t)p->mesh->nt; k++)
            if (p->mesh->tri[k] >= p->mesh->nv)
                return lw_err_set(err, LW_EINVAL, "%s: facet %zu refers to vertex %u of %u",
                                  name, k / 3, p->mesh->tri[k], p->mesh->nv);
        for (size_t k = 0; k < 3 * (size_t)p->mesh->nv; k++)
            if (!(fabs(p->mesh->xyz[k]) <= MAX_COORD))
                return lw_err_set(err, LW_EINVAL,
                                  "%s: vertex %zu is not finite or lies beyond a kilometre", name,
                                  k / 3);
        if (p->copies > MAX_ITEMS || (n += p->copies) > MAX_ITEMS)
            return lw_err_set(err, LW_ELIMIT, "more than %d pieces for one plate", MAX_ITEMS);
    }
    *nitems = n;
    return LW_OK;
}

typedef struct rank {
    size_t cells, part, first; /* size, index, its first item */
} rank;

static int rank_cmp(const void *pa, const void *pb)
{
    const rank *a = pa, *b = pb;
    if (a->cells != b->cells)
        return a->cells > b->cells ? -1 : 1;
    return (a->part > b->part) - (a->part < b->part);
}

/* The best free place of one turn for a leaning pass: the least right + lean x bottom (bare
 * footprint's right edge and bottom row, in cells), then the lowest, against *best so far.
 * Columns further right cannot beat the best once their lowest possible score does not. */
typedef struct choice {
    uint32_t turn;
    int32_t tu, tv;
    double score;
    int32_t bottom;
} choice;

static void lean_search(const ctx *c, turn *t, uint32_t k, double lean, choice *best)
{
    for (int32_t tu = t->ru; tu <= t->tu_hi; tu++) {
        double right = (double)tu + t->ci1;
        int32_t tv0 = tu == t->ru ? t->rv : t->tv_lo;
        if (right + lean * ((double)t->tv_lo + t->cj0) > best->score)
            break; /* nor can any column further right */
        double vcap = floor((best->score - right) / lean) - t->cj0; /* >= tv_lo, or +inf */
        if (vcap < tv0)
            continue;
        int32_t vmax = vcap < t->tv_hi ? (int32_t)vcap : t->tv_hi;
        int32_t fv;
        if (!column_first(c, t, tu, tv0, vmax, &fv)) {
            if (tu == t->ru && vmax == t->tv_hi) { /* the whole column is blocked for good */
                t->ru = tu + 1;
                t->rv = t->tv_lo;
            }
            continue;
        }
        double score = right + lean * ((double)fv + t->cj0);
        int32_t bottom = fv + t->cj0;
        if (score < best->score || (score == best->score && bottom < best->bottom)) {
            best->turn = k;
            best->tu = tu;
            best->tv = fv;
            best->score = score;
            best->bottom = bottom;
        }
    }
}

/* Places one copy of part p. With lean 0, bottom-left fill: the left-most free place over all
 * turns (the right edge of its bare footprint), then the lowest, then the earlier turn. With a
 * lean, the least right edge + lean x bottom: a piece may go a little right to sit lower, which
 * keeps copies of a round piece in straight columns instead of the hollows between them. */
static void place(ctx *c, const lw_plate_part *p, part_state *ps, double lean,
                  lw_plate_item *it, int32_t *right_edge)
{
    uint32_t nt = c->o->rotations;
    choice best = {UINT32_MAX, 0, 0, INFINITY, INT32_MAX};
    if (lean > 0) {
        for (uint32_t k = 0; k < nt; k++)
            if (ps->turns[k].fits)
                lean_search(c, &ps->turns[k], k, lean, &best);
    } else {
        int32_t rmin = INT32_MAX, fu, fv;
        for (uint32_t k = 0; k < nt; k++) {
            turn *t = &ps->turns[k];
            if (t->fits && search(c, t, rmin == INT32_MAX ? INT32_MAX : rmin - t->ci1, &fu, &fv))
                rmin = MIN(rmin, fu + t->ci1);
        }
        /* Every turn has searched up to rmin: the lowest of its places there. */
        for (uint32_t k = 0; k < nt && rmin != INT32_MAX; k++) {
            turn *t = &ps->turns[k];
            if (!t->fits || t->ru != rmin - t->ci1)
                continue;
            int32_t vmax = MIN(best.bottom == INT32_MAX ? INT32_MAX : best.bottom - t->cj0 - 1,
                               t->tv_hi);
            if (column_first(c, t, t->ru, t->rv, vmax, &fv)) {
                best.turn = k;
                best.tu = t->ru;
                best.tv = fv;
                best.bottom = fv + t->cj0;
            }
        }
    }
    if (best.turn == UINT32_MAX) {
        it->status = LW_PLATE_NO_ROOM;
        return;
    }
    turn *t = &ps->turns[best.turn];
    bed_mark(c, &t->grow, best.tu, best.tv);
    *right_edge = MAX(*right_edge, best.tu + t->ci1);
    it->status = LW_PLATE_PLACED;
    it->rot_deg = 360.0 * best.turn / nt;
    memcpy(it->a, t->a, sizeof it->a);
    it->a[9] += best.tu * c->px;
    it->a[10] += best.tv * c->px;
    lw_bbox_empty(&it->box);
    const lw_mesh *m = p->mesh;
    for (uint32_t k = 0; k < ps->nused; k++) {
        const double *v = m->xyz + 3 * (size_t)ps->used[k], *a = it->a;
        double q[3] = {a[0] * v[0] + a[1] * v[1] + a[2] * v[2] + a[9],
                       a[3] * v[0] + a[4] * v[1] + a[5] * v[2] + a[10],
                       a[6] * v[0] + a[7] * v[1] + a[8] * v[2] + a[11]};
        for (int d = 0; d < 3; d++) {
            it->box.min[d] = MIN(it->box.min[d], q[d]);
            it->box.max[d] = MAX(it->box.max[d], q[d]);
        }
    }
}

static void states_clear(part_state *ps, size_t nparts, uint32_t nturns)
{
    if (!ps)
        return;
    for (size_t i = 0; i < nparts; i++) {
        if (ps[i].turns)
            for (uint32_t k = 0; k < nturns; k++) {
                shape_clear(&ps[i].turns[k].grow);
                shape_clear(&ps[i].turns[k].keep);
            }
        lw_free(ps[i].turns);
        lw_free(ps[i].used);
    }
    lw_free(ps);
}

/* The vertices m's facets use, ascending, into ps->used. */
static lw_rc used_vertices(const lw_mesh *m, part_state *ps)
{
    uint8_t *seen = lw_calloc(m->nv ? m->nv : 1, 1);
    if (!seen)
        return LW_ENOMEM;
    uint32_t n = 0;
    for (size_t k = 0; k < 3 * (size_t)m->nt; k++)
        if (!seen[m->tri[k]]++)
            n++;
    ps->used = lw_malloc((n ? n : 1) * sizeof *ps->used);
    if (ps->used) {
        for (uint32_t v = 0; v < m->nv; v++)
            if (seen[v])
                ps->used[ps->nused++] = v;
    }
    lw_free(seen);
    return ps->used ? LW_OK : LW_ENOMEM;
}

/* Footprint work: one (part, turn) per item of the pool's loop, each writing only its own turn,
 * so the footprints are the same with any number of threads. */
typedef struct job {
    uint32_t part, turn;
} job;

typedef struct prep {
    const ctx *c;
    scratch *w; /* one per worker */
    const lw_plate_part *parts;
    part_state *ps;
    const job *jobs;
} prep;

static lw_rc prepare_job(void *vp, size_t i, unsigned worker, lw_err *err)
{
    prep *p = vp;
    const job *j = &p->jobs[i];
    part_state *ps = &p->ps[j->part];
    lw_rc rc = prepare_turn(p->c, &p->w[worker], &p->parts[j->part], ps,
                            360.0 * j->turn / p->c->o->rotations, &ps->turns[j->turn]);
    if (rc == LW_ENOMEM)
        return lw_err_nomem(err);
    if (rc) {
        char fb[32];
        return lw_err_set(err, rc,
                          "%s: a footprint needs more than %llu grid cells or spans: use a "
                          "coarser grid step than %g mm",
                          part_name(&p->parts[j->part], j->part, fb),
                          (unsigned long long)p->c->o->max_cells, p->c->px);
    }
    return LW_OK;
}

/* Every turn of every part that has copies and facets, then what largest-first ranks them by. */
static lw_rc prepare_parts(const ctx *c, const lw_plate_part *parts, size_t nparts,
                           part_state *ps, lw_err *err)
{
    uint32_t nturns = c->o->rotations;
    size_t njobs = 0;
    for (size_t i = 0; i < nparts; i++) {
        if (parts[i].copies == 0 || parts[i].mesh->nt == 0)
            continue;
        if (used_vertices(parts[i].mesh, &ps[i]) ||
            !(ps[i].turns = lw_calloc(nturns, sizeof *ps[i].turns)))
            return lw_err_nomem(err);
        njobs += nturns; /* nparts x 360 at most: the inputs are bounded by MAX_ITEMS copies */
    }
    unsigned nw = c->o->pool ? lw_pool_threads(c->o->pool) : 1;
    job *jobs = lw_malloc((njobs ? njobs : 1) * sizeof *jobs);
    scratch *w = lw_calloc(nw ? nw : 1, sizeof *w);
    lw_rc rc = LW_OK;
    if (!jobs || !w) {
        rc = lw_err_nomem(err);
        goto done;
    }
    size_t n = 0;
    for (size_t i = 0; i < nparts; i++)
        for (uint32_t k = 0; ps[i].turns && k < nturns; k++)
            jobs[n++] = (job){(uint32_t)i, k};
    prep p = {c, w, parts, ps, jobs};
    if (c->o->pool) {
        rc = lw_pool_for(c->o->pool, njobs, prepare_job, &p, err);
    } else {
        for (size_t i = 0; i < njobs && !rc; i++)
            rc = prepare_job(&p, i, 0, err);
    }
    for (size_t i = 0; i < nparts && !rc; i++)
        for (uint32_t k = 0; ps[i].turns && k < nturns; k++) {
            const turn *t = &ps[i].turns[k];
            if (t->fits && !ps[i].any_fit) {
                ps[i].any_fit = true;
                ps[i].cells = t->cells;
            }
        }
done:
    for (unsigned k = 0; w && k < nw; k++)
        scratch_clear(&w[k]);
    lw_free(w);
    lw_free(jobs);
    return rc;
}

static void items_reset(lw_plate_item *items, const lw_plate_part *parts, size_t nparts)
{
    size_t n = 0;
    for (size_t i = 0; i < nparts; i++)
        for (uint32_t k = 0; k < parts[i].copies; k++) {
            lw_plate_item *it = &items[n++];
            memset(it, 0, sizeof *it);
            it->part = (uint32_t)i;
            it->copy = k + 1;
            lw_affine_identity(it->a);
            lw_bbox_empty(&it->box);
        }
}

/* One pass over the pieces, largest first, on an empty bed, placing with `lean`. Returns the
 * pieces placed; *extent is the right-most cell they reach. */
static size_t run_pass(ctx *c, const lw_plate_part *parts, size_t nparts, part_state *ps,
                       const rank *order, double lean, lw_plate_item *items, int32_t *extent)
{
    for (int32_t u = 0; u < c->nu; u++)
        for (int32_t v = 0; v < c->nv; v++)
            c->run[(size_t)u * (size_t)c->nv + (size_t)v] = c->nv - v;
    for (size_t i = 0; i < nparts; i++)
        for (uint32_t k = 0; ps[i].turns && k < c->o->rotations; k++) {
            ps[i].turns[k].ru = ps[i].turns[k].tu_lo;
            ps[i].turns[k].rv = ps[i].turns[k].tv_lo;
        }
    items_reset(items, parts, nparts);
    size_t placed = 0;
    *extent = INT32_MIN;
    for (size_t r = 0; r < nparts; r++) {
        size_t i = order[r].part;
        const lw_plate_part *p = &parts[i];
        for (uint32_t k = 0; k < p->copies; k++) {
            lw_plate_item *it = &items[order[r].first + k];
            if (p->mesh->nt == 0) {
                it->status = LW_PLATE_EMPTY;
            } else if (!ps[i].any_fit) {
                it->status = LW_PLATE_TOO_BIG;
                double best = INFINITY;
                for (uint32_t q = 0; q < c->o->rotations; q++) {
                    const turn *t = &ps[i].turns[q];
                    if (t->w * t->h < best) {
                        best = t->w * t->h;
                        it->min_w = t->w;
                        it->min_h = t->h;
                    }
                }
            } else {
                place(c, p, &ps[i], lean, it, extent);
                placed += it->status == LW_PLATE_PLACED;
            }
        }
    }
    return placed;
}

lw_rc lw_plate_arrange(const lw_plate_part *parts, size_t nparts, const lw_plate_opts *o,
                       lw_plate *out, lw_err *err)
{
    lw_plate_init(out);
    size_t nitems = 0;
    lw_rc rc = check_inputs(parts, nparts, o, &nitems, err);
    if (rc)
        return rc;
    uint64_t max_cells = o->max_cells ? o->max_cells : (uint64_t)32 << 20;
    lw_plate_opts oc = *o;
    oc.max_cells = max_cells;
    ctx c;
    memset(&c, 0, sizeof c);
    c.o = &oc;
    c.px = o->pixel;
    c.max_spans = max_cells > SIZE_MAX / 2 ? SIZE_MAX / 2 : (size_t)max_cells;
    double nu = floor(o->bed_w / c.px + EPS), nv = floor(o->bed_h / c.px + EPS);
    if (nu < 1 || nv < 1 || nu * nv > (double)max_cells)
        return lw_err_set(err, LW_ELIMIT,
                          "a %g x %g mm bed in %g mm steps is %.0f cells, more than the limit "
                          "of %llu",
                          o->bed_w, o->bed_h, c.px, nu * nv, (unsigned long long)max_cells);
    c.nu = (int32_t)nu;
    c.nv = (int32_t)nv;
    c.ua = (int32_t)ceil(o->border / c.px - EPS);
    c.ub = (int32_t)floor((o->bed_w - o->border) / c.px + EPS);
    c.va = (int32_t)ceil(o->border / c.px - EPS);
    c.vb = (int32_t)floor((o->bed_h - o->border) / c.px + EPS);
    for (size_t i = 0; i < nparts; i++)
        if (parts[i].margin > 0 && parts[i].copies > 0)
            c.any_margin = true;
    uint32_t nturns = o->rotations;
    part_state *ps = lw_calloc(nparts ? nparts : 1, sizeof *ps);
    rank *order = lw_calloc(nparts ? nparts : 1, sizeof *order);
    lw_plate_item *trial = NULL;
    out->items = lw_calloc(nitems ? nitems : 1, sizeof *out->items);
    c.run = lw_malloc((size_t)c.nu * (size_t)c.nv * sizeof *c.run);
    if (!ps || !order || !out->items || !c.run) {
        rc = LW_ENOMEM;
        goto done;
    }
    if ((rc = prepare_parts(&c, parts, nparts, ps, err)))
        goto done;
    size_t placeable = 0;
    for (size_t i = 0, first = 0; i < nparts; first += parts[i].copies, i++) {
        order[i].part = i;
        order[i].first = first;
        order[i].cells = ps[i].cells;
        if (ps[i].any_fit)
            placeable += parts[i].copies;
    }
    qsort(order, nparts, sizeof *order, rank_cmp);
    /* Plain bottom-left fill first; while pieces are left over, leaning passes, keeping
     * the one that places the most (then reaches least far right, then came first). */
    int32_t extent;
    size_t placed = run_pass(&c, parts, nparts, ps, order, k_leans[0], out->items, &extent);
    for (size_t pass = 1; pass < NPASSES && placed < placeable; pass++) {
        if (!trial && !(trial = lw_calloc(nitems, sizeof *trial))) {
            rc = LW_ENOMEM;
            goto done;
        }
        int32_t ext;
        size_t n = run_pass(&c, parts, nparts, ps, order, k_leans[pass], trial, &ext);
        if (n > placed || (n == placed && ext < extent)) {
            lw_plate_item *swap = out->items;
            out->items = trial;
            trial = swap;
            placed = n;
            extent = ext;
        }
    }
    out->nitems = nitems;
    for (size_t i = 0; i < nitems; i++)
        switch (out->items[i].status) {
        case LW_PLATE_PLACED: out->placed++; break;
        case LW_PLATE_TOO_BIG: out->too_big++; break;
        case LW_PLATE_NO_ROOM: out->no_room++; break;
        case LW_PLATE_EMPTY: out->empty++; break;
        }
    out->bed_w = o->bed_w;
    out->bed_h = o->bed_h;
    out->gap = o->gap;
    out->border = o->border;
done:
    states_clear(ps, nparts, nturns);
    lw_free(order);
    lw_free(trial);
    lw_free(c.run);
    if (rc) {
        lw_plate_clear(out);
        if (rc == LW_ENOMEM)
            return lw_err_nomem(err); /* does nothing when a message is already there */
        return rc;
    }
    return LW_OK;
}

/* ---------------------------------------------------------------------------------------------
 * What was done with it
 */

static const char *why(lw_plate_status s)
{
    switch (s) {
    case LW_PLATE_PLACED: return "placed";
    case LW_PLATE_TOO_BIG: return "larger than the bed in every turn tried";
    case LW_PLATE_NO_ROOM: return "no room left on the plate";
    case LW_PLATE_EMPTY: return "the mesh has no facets";
    }
    return "?";
}

lw_rc lw_plate_report(const lw_plate *pl, const lw_plate_part *parts, size_t nparts,
                      lw_buf *out)
{
    size_t before = out->len;
    size_t not_placed = pl->nitems - pl->placed;
    lw_rc rc = lw_buf_printf(out, "plate %g x %g mm, gap %g mm, border %g mm: %zu of %zu "
                                  "piece%s placed",
                             pl->bed_w, pl->bed_h, pl->gap, pl->border, pl->placed, pl->nitems,
                             pl->nitems == 1 ? "" : "s");
    if (!rc && not_placed)
        rc = lw_buf_printf(out, "; %zu did not fit", not_placed);
    if (!rc)
        rc = lw_buf_puts(out, "\n");
    size_t first = 0;
    for (size_t i = 0; i < nparts && !rc; first += parts[i].copies, i++) {
        char fb[32];
        const char *name = part_name(&parts[i], i, fb);
        size_t placed = 0;
        const lw_plate_item *miss = NULL;
        for (uint32_t k = 0; k < parts[i].copies; k++) {
            const lw_plate_item *it = &pl->items[first + k];
            if (it->status == LW_PLATE_PLACED)
                placed++;
            else if (!miss)
                miss = it;
        }
        rc = lw_buf_printf(out, "%s: %zu of %u placed", name, placed, parts[i].copies);
        if (!rc && miss) {
            rc = lw_buf_printf(out, "; %zu did not fit: %s", parts[i].copies - placed,
                               why(miss->status));
            if (!rc && miss->status == LW_PLATE_TOO_BIG)
                rc = lw_buf_printf(out, " (it needs %.1f x %.1f mm at best; the bed offers "
                                        "%.1f x %.1f mm inside its border)",
                                   miss->min_w, miss->min_h, pl->bed_w - 2 * pl->border,
                                   pl->bed_h - 2 * pl->border);
        }
        if (!rc)
            rc = lw_buf_puts(out, "\n");
    }
    for (size_t i = 0; i < pl->nitems && !rc; i++) {
        const lw_plate_item *it = &pl->items[i];
        if (it->status != LW_PLATE_PLACED)
            continue;
        char fb[32];
        const char *name = it->part < nparts ? part_name(&parts[it->part], it->part, fb) : "?";
        rc = lw_buf_printf(out, "  %s #%u: x %.2f to %.2f, y %.2f to %.2f, z %.2f to %.2f mm, "
                                "turned %g deg\n",
                           name, it->copy, it->box.min[0], it->box.max[0], it->box.min[1],
                           it->box.max[1], it->box.min[2], it->box.max[2], it->rot_deg);
    }
    if (rc) {
        out->len = before;
        if (out->data)
            out->data[before] = 0;
    }
    return rc;
}

lw_rc lw_plate_mesh(const lw_plate *pl, const lw_plate_part *parts, size_t nparts, lw_mesh *out,
                    lw_err *err)
{
    for (size_t i = 0; i < pl->nitems; i++)
        if (pl->items[i].status == LW_PLATE_PLACED && pl->items[i].part >= nparts)
            return lw_err_set(err, LW_EINVAL, "item %zu names part %u of %zu", i,
                              pl->items[i].part, nparts);
    uint32_t nv0 = out->nv, nt0 = out->nt;
    lw_mesh one;
    lw_mesh_init(&one);
    lw_rc rc = LW_OK;
    for (size_t i = 0; i < pl->nitems && !rc; i++) {
        const lw_plate_item *it = &pl->items[i];
        if (it->status != LW_PLATE_PLACED)
            continue;
        lw_mesh_clear(&one);
        if (!(rc = lw_mesh_copy(&one, parts[it->part].mesh))) {
            lw_mesh_transform(&one, it->a);
            rc = lw_mesh_append(out, &one, (uint32_t)i);
        }
    }
    lw_mesh_clear(&one);
    if (rc) {
        out->nv = nv0;
        out->nt = nt0;
        if (rc == LW_ENOMEM)
            return lw_err_nomem(err);
        return lw_err_set(err, rc, "the plate's mesh is larger than its limits");
    }
    return LW_OK;
}

lw_rc lw_plate_write_3mf(const lw_plate *pl, const lw_plate_part *parts, size_t nparts,
                         lw_buf *out, lw_err *err)
{
    if (pl->placed == 0)
        return lw_err_set(err, LW_EINVAL, "nothing is placed on the plate: no 3MF to write");
    lw_3mf_object *objs = lw_calloc(nparts ? nparts : 1, sizeof *objs);
    uint32_t *obj_of = lw_malloc((nparts ? nparts : 1) * sizeof *obj_of);
    lw_3mf_item *items = lw_calloc(pl->placed, sizeof *items);
    char (*names)[32] = lw_calloc(nparts ? nparts : 1, sizeof *names);
    lw_rc rc = LW_OK;
    if (!objs || !obj_of || !items || !names) {
        rc = lw_err_nomem(err);
        goto done;
    }
    for (size_t i = 0; i < nparts; i++)
        obj_of[i] = UINT32_MAX;
    size_t nobjs = 0, nitems = 0;
    for (size_t i = 0; i < pl->nitems; i++) {
        const lw_plate_item *it = &pl->items[i];
        if (it->status != LW_PLATE_PLACED)
            continue;
        if (it->part >= nparts) {
            rc = lw_err_set(err, LW_EINVAL, "item %zu names part %u of %zu", i, it->part,
                            nparts);
            goto done;
        }
        if (obj_of[it->part] == UINT32_MAX) {
            obj_of[it->part] = (uint32_t)nobjs;
            objs[nobjs].mesh = parts[it->part].mesh;
            objs[nobjs].name = part_name(&parts[it->part], it->part, names[it->part]);
            nobjs++;
        }
        items[nitems].object = obj_of[it->part];
        memcpy(items[nitems].a, it->a, sizeof it->a);
        nitems++;
    }
    rc = lw_3mf_write_items(objs, nobjs, items, nitems, out, err);
done:
    lw_free(objs);
    lw_free(obj_of);
    lw_free(items);
    lw_free(names);
    return rc;
}
