/* lostwax: the anti-aliased rasteriser (see raster.h; docs/internals/raster.md has the method,
 * its precision and its measured speed).
 *
 * Contours become edges in fixed point (16 fractional bits), clipped to the screen. Rows are
 * walked top to bottom with an active edge list; each active edge adds, in the row's cells it
 * crosses, its signed height (cover) and that height times twice its mean offset in the cell
 * (area). Summing cover along the row gives each pixel's integral of the winding number. The
 * per-row sums live in one dense row of cells that is only read and zeroed where edges wrote,
 * and the stretches between those places come out as single runs, so the work follows the
 * outline and the runs, never the screen's size.
 *
 * Every crossing of an edge with a row or column boundary is the exact rational point of the
 * fixed-point edge rounded half to even, stepped along the edge with integer remainders (no
 * division per crossing). So the image is a function of the fixed-point polygon alone:
 * reversing a contour, starting it elsewhere, mirroring it or moving it by whole pixels changes
 * the runs exactly as it should, and all sums are exact integers.
 */
#include "print/raster.h"

#include <math.h>
#include <string.h>

#include "base/alloc.h"
#include "base/size.h"
#include "base/vec.h"

#define SUB 16                             /* fractional bits of a coordinate */
#define ONE ((int64_t)1 << SUB)            /* one pixel */
#define FULL ((int64_t)1 << (2 * SUB + 1)) /* a whole pixel's (doubled) area */

/* Screen sides up to 2^15 keep in-screen coordinates below 2^31 and every product the walk
 * forms below 2^62; the largest printer screens are under 16k pixels. */
#define MAX_SIDE 32768u
/* Contour points further than 2^24 pixels (370 m at 22 um) from the origin are a caller's bug;
 * the bound keeps the clipping products within 128 bits. */
#define MAX_COORD 16777216.0
#define MAX_EDGES ((size_t)1 << 26)

__extension__ typedef __int128 i128;

/* A piece of a contour inside the screen, drawn downward. */
typedef struct line {
    int64_t x0, y0, x1, y1; /* top and bottom ends (fixed point), y0 < y1 */
    int32_t dir;            /* winding: +1 drawn downward, -1 upward */
    uint32_t row;           /* first row */
} line;

/* A line being walked down the rows. The walkers live in a small pool of slots reused as lines
 * start and finish, so the state of the few dozen lines crossing a row stays in the first-level
 * cache however many lines the layer has. */
typedef struct edge {
    int64_t x0, y0, x1, y1; /* the line's ends */
    int64_t x, y;           /* the point the walk has reached */
    int64_t dy, adx;        /* y1 - y0 > 0, |x1 - x0| */
    /* |x - x0| at the next row boundary is rq + rr / dy; each row adds rqs + rrs / dy. */
    int64_t rq, rr, rqs, rrs;
    /* bx is the next column boundary the edge meets; y - y0 there is cq + cr / adx, and each
     * column adds cqs + crs / adx. */
    int64_t bx, cq, cr, cqs, crs;
    int32_t dir; /* the line's winding */
    int32_t sx;  /* -1, 0, +1: the way x goes */
} edge;

typedef struct cell {
    int64_t cover, area;
} cell;

typedef struct span {
    uint64_t key; /* cells [a, b] of the row that edge e wrote: a << 32 | b */
    uint32_t e;
} span;

static inline uint32_t span_a(span s) { return (uint32_t)(s.key >> 32); }
static inline uint32_t span_b(span s) { return (uint32_t)s.key; }

struct lw_rasterizer {
    lw_pixel_grid g;
    cell *cells; /* g.width, all zero between rows */
    line *lines;
    size_t nlines, cap_lines;
    uint32_t *order;  /* lines by first row */
    edge *walk;       /* walker slots */
    uint32_t *active, *spare; /* the slots walking the current row; free slots */
    size_t cap_order, cap_walk, cap_active, cap_spare;
    span *spans, *spans2; /* a row's spans; scratch for sorting them */
    size_t cap_spans, cap_spans2;
    uint32_t *rows; /* counting sort of the lines by first row */
    size_t cap_rows;
    uint8_t lut[257]; /* quantised step k -> level */
};

/* v rounded to the nearest whole number, ties to even (|v| < 2^51): adding and removing 1.5 x
 * 2^52 leaves no fraction bits, and the default rounding mode breaks ties to even. */
static inline int64_t round_even(double v)
{
    return (int64_t)((v + 0x1.8p52) - 0x1.8p52);
}

/* q = floor(n / d), r = n - q d for 0 <= n < 2^53, d > 0: the double quotient is within one of
 * the true one and the remainder corrects it. */
static inline void divmod(int64_t n, int64_t d, int64_t *q, int64_t *r)
{
    int64_t qq = (int64_t)((double)n / (double)d);
    int64_t rr = n - qq * d;
    if (rr < 0) {
        qq--;
        rr += d;
    } else if (rr >= d) {
        qq++;
        rr -= d;
    }
    *q = qq;
    *r = rr;
}

/* base + a * b / d rounded half to even (of the result), exactly; for clipping, where the
 * operands may reach 2^41. */
static int64_t lerp_round128(int64_t base, int64_t a, int64_t b, int64_t d)
{
    i128 n = (i128)a * b;
    if (d < 0) {
        n = -n;
        d = -d;
    }
    i128 q = n / d, r = n % d;
    if (r < 0) {
        q--;
        r += d;
    }
    if (2 * r > d || (2 * r == d && ((base + (int64_t)q) & 1)))
        q++;
    return base + (int64_t)q;
}

lw_rc lw_rasterizer_new(const lw_pixel_grid *g, lw_rasterizer **out, lw_err *err)
{
    *out = NULL;
    if (!(g->pitch_x > 0 && g->pitch_y > 0 && isfinite(g->pitch_x) && isfinite(g->pitch_y)))
        return lw_err_set(err, LW_EINVAL, "pixel pitch %g x %g mm is not a positive size",
                          g->pitch_x, g->pitch_y);
    if (g->width == 0 || g->height == 0)
        return lw_err_set(err, LW_EINVAL, "screen of %u x %u pixels is empty", g->width,
                          g->height);
    if (g->width > MAX_SIDE || g->height > MAX_SIDE)
        return lw_err_set(err, LW_ELIMIT, "screen of %u x %u pixels: at most %u a side",
                          g->width, g->height, MAX_SIDE);
    lw_rasterizer *r = lw_calloc(1, sizeof *r);
    if (!r)
        return lw_err_nomem(err);
    r->g = *g;
    r->cells = lw_calloc(g->width, sizeof *r->cells);
    if (!r->cells) {
        lw_free(r);
        return lw_err_nomem(err);
    }
    *out = r;
    return LW_OK;
}

void lw_rasterizer_free(lw_rasterizer *r)
{
    if (!r)
        return;
    lw_free(r->cells);
    lw_free(r->lines);
    lw_free(r->order);
    lw_free(r->walk);
    lw_free(r->active);
    lw_free(r->spare);
    lw_free(r->spans);
    lw_free(r->spans2);
    lw_free(r->rows);
    lw_free(r);
}

/* ---- Edges ------------------------------------------------------------------------------ */

/* Stores the downward piece (ax, ay)-(bx, by), ay < by, inside the screen. Room was reserved. */
static void push_line(lw_rasterizer *r, int64_t ax, int64_t ay, int64_t bx, int64_t by,
                      int32_t dir)
{
    line *e = &r->lines[r->nlines++];
    e->x0 = ax;
    e->y0 = ay;
    e->x1 = bx;
    e->y1 = by;
    e->dir = dir;
    e->row = (uint32_t)(ay >> SUB);
}

/* Adds the segment (ax, ay)-(bx, by) (fixed point, anywhere): clipped to the rows of the
 * screen, its parts left of the screen moved onto x = 0 (they still change the winding of
 * everything to their right) and its parts right of it dropped (they change nothing on it).
 * At most three pieces; room for them was reserved. */
static void add_segment(lw_rasterizer *r, int64_t ax, int64_t ay, int64_t bx, int64_t by)
{
    if (ay == by)
        return; /* horizontal: crosses no row, changes no cover */
    int32_t dir = 1;
    if (ay > by) {
        int64_t t = ax;
        ax = bx;
        bx = t;
        t = ay;
        ay = by;
        by = t;
        dir = -1;
    }
    const int64_t wf = (int64_t)r->g.width << SUB, hf = (int64_t)r->g.height << SUB;
    if (by <= 0 || ay >= hf || (ax >= wf && bx >= wf))
        return;
    if (ay >= 0 && by <= hf && ax >= 0 && bx >= 0 && ax <= wf && bx <= wf) {
        push_line(r, ax, ay, bx, by, dir); /* the usual case: wholly on the screen */
        return;
    }
    const int64_t dx = bx - ax, dy = by - ay;
    /* Points along the segment, top to bottom: its ends within the rows, then crossings of the
     * screen's sides, each on the exact line through the original ends. */
    int64_t px[4], py[4];
    int n = 0;
    px[n] = ay < 0 ? lerp_round128(ax, 0 - ay, dx, dy) : ax;
    py[n++] = ay < 0 ? 0 : ay;
    int64_t qx = by > hf ? lerp_round128(ax, hf - ay, dx, dy) : bx;
    int64_t qy = by > hf ? hf : by;
    const int64_t sides[2] = {dx > 0 ? 0 : wf, dx > 0 ? wf : 0}; /* in the order met */
    for (int k = 0; k < 2 && dx != 0; k++) {
        int64_t c = sides[k];
        int64_t lo = px[0] < qx ? px[0] : qx, hi = px[0] < qx ? qx : px[0];
        if (c <= lo || c >= hi)
            continue;
        int64_t cy = lerp_round128(ay, c - ax, dy, dx);
        cy = cy < py[n - 1] ? py[n - 1] : cy > qy ? qy : cy;
        px[n] = c;
        py[n++] = cy;
    }
    px[n] = qx;
    py[n++] = qy;
    for (int k = 0; k + 1 < n; k++) {
        int64_t x0 = px[k], y0 = py[k], x1 = px[k + 1], y1 = py[k + 1];
        if (y0 == y1 || (x0 >= wf && x1 >= wf))
            continue;
        if (x0 <= 0 && x1 <= 0)
            x0 = x1 = 0;
        push_line(r, x0, y0, x1, y1, dir);
    }
}

/* Maps, checks and adds every edge of every contour. */
static lw_rc build_edges(lw_rasterizer *r, const lw_contours *c, lw_err *err)
{
    r->nlines = 0;
    size_t need;
    if (!lw_size_mul(c->npoints, 3, &need) || need > MAX_EDGES)
        return lw_err_set(err, LW_ELIMIT, "layer of %u points: at most %zu", c->npoints,
                          MAX_EDGES / 3);
    if (LW_VEC_RESERVE(r->lines, r->cap_lines, need, MAX_EDGES))
        return lw_err_nomem(err);
    for (uint32_t k = 0; k < c->ncontours; k++) {
        uint32_t a = c->start[k], b = c->start[k + 1];
        if (b - a < 3)
            continue;
        int64_t fx = 0, fy = 0, lx = 0, ly = 0;
        for (uint32_t i = a; i < b; i++) {
            double u, v;
            lw_grid_to_pixel(&r->g, c->xy[2 * (size_t)i], c->xy[2 * (size_t)i + 1], &u, &v);
            if (!(fabs(u) <= MAX_COORD && fabs(v) <= MAX_COORD))
                return lw_err_set(err, LW_EINVAL,
                                  "contour %u, point %u: (%g, %g) mm is not on any plate", k,
                                  i - a, c->xy[2 * (size_t)i], c->xy[2 * (size_t)i + 1]);
            /* Ties to even commute with mirroring (w - u). */
            int64_t x = round_even(u * (double)ONE), y = round_even(v * (double)ONE);
            if (i == a) {
                fx = x;
                fy = y;
            } else {
                add_segment(r, lx, ly, x, y);
            }
            lx = x;
            ly = y;
        }
        add_segment(r, lx, ly, fx, fy);
    }
    return LW_OK;
}

/* Sets up the walk of line l from its top. */
static void start_edge(edge *e, const line *l)
{
    e->x0 = l->x0;
    e->y0 = l->y0;
    e->x1 = l->x1;
    e->y1 = l->y1;
    e->dir = l->dir;
    e->x = e->x0;
    e->y = e->y0;
    e->dy = e->y1 - e->y0;
    e->adx = e->x1 > e->x0 ? e->x1 - e->x0 : e->x0 - e->x1;
    e->sx = (e->x1 > e->x0) - (e->x1 < e->x0);
    e->rq = e->rr = e->rqs = e->rrs = 0;
    e->cq = e->cr = e->cqs = e->crs = 0;
    int64_t yb = ((e->y0 >> SUB) + 1) << SUB;
    if (e->adx && yb < e->y1) {
        divmod((yb - e->y0) * e->adx, e->dy, &e->rq, &e->rr);
        divmod(ONE * e->adx, e->dy, &e->rqs, &e->rrs);
    }
    if (e->sx) {
        e->bx = e->sx > 0 ? ((e->x0 >> SUB) + 1) << SUB : ((e->x0 - 1) >> SUB) << SUB;
        int64_t off = e->sx > 0 ? e->bx - e->x0 : e->x0 - e->bx;
        if (off < e->adx) {
            divmod(off * e->dy, e->adx, &e->cq, &e->cr);
            divmod(ONE * e->dy, e->adx, &e->cqs, &e->crs);
        }
    }
}

static inline void add_cell(cell *restrict cl, int64_t c, int64_t dy, int64_t fxsum)
{
    cl[c].cover += dy;
    cl[c].area += dy * fxsum;
}

/* Walks edge e through the row whose bottom is yb: adds its piece to the cells it crosses and
 * returns the span of cells written. w = screen width. The state is copied into locals and
 * back, which keeps it in registers (cl and e could otherwise alias).
 *
 * The crossings need no clamping into the piece: a column boundary bx strictly inside the
 * piece lies at least a unit before the rounded row crossing xe, so more than half a unit before
 * the exact one, and the exact y there is short of the row boundary; rounding keeps it within.
 * Likewise after the piece's start, and both ends of the edge are exact. So crossings are
 * monotone and within the row, and the pieces chain exactly. */
static inline span walk_row(cell *restrict cl, edge *restrict e, int64_t yb, int64_t w)
{
    int64_t x = e->x, y = e->y, xe, ye;
    const int64_t sx = e->sx, dir = e->dir;
    if (e->y1 <= yb) {
        xe = e->x1;
        ye = e->y1;
    } else {
        int64_t rq = e->rq, rr = e->rr, dy = e->dy;
        int64_t up = (2 * rr > dy) | ((2 * rr == dy) & ((e->x0 + sx * rq) & 1));
        xe = e->x0 + sx * (rq + up);
        ye = yb;
        rq += e->rqs;
        rr += e->rrs;
        if (rr >= dy) {
            rr -= dy;
            rq++;
        }
        e->rq = rq;
        e->rr = rr;
    }
    e->x = xe;
    e->y = ye;
    span s;
    if (sx == 0) {
        int64_t c = x >> SUB; /* < w: clipping dropped vertical lines on the right side */
        add_cell(cl, c, dir * (ye - y), 2 * (x - (c << SUB)));
        s.key = (uint64_t)c << 32 | (uint64_t)c;
        return s;
    }
    int64_t bx = e->bx, cq = e->cq, cr = e->cr;
    const int64_t adx = e->adx, cqs = e->cqs, crs = e->crs, y0 = e->y0, step = sx * ONE;
#define NEXT_COLUMN()                                                                              \
    do {                                                                                           \
        bx += step;                                                                                \
        cq += cqs;                                                                                 \
        cr += crs;                                                                                 \
        if (cr >= adx) {                                                                           \
            cr -= adx;                                                                             \
            cq++;                                                                                  \
        }                                                                                          \
    } while (0)
#define CROSS()                                                                                    \
    do {                                                                                           \
        int64_t up_ = (2 * cr > adx) | ((2 * cr == adx) & ((y0 + cq) & 1));                      \
        int64_t by_ = y0 + cq + up_;                                                               \
        add_cell(cl, c, dir * (by_ - y), (x - (c << SUB)) + (bx - (c << SUB)));                   \
        x = bx;                                                                                    \
        y = by_;                                                                                   \
        c += sx;                                                                                   \
        NEXT_COLUMN();                                                                             \
    } while (0)
    int64_t c, c0;
    if (sx > 0) {
        if (bx <= x) /* the row crossing fell on a column boundary */
            NEXT_COLUMN();
        c = x >> SUB;
        c -= c == w;
        c0 = c;
        while (bx < xe)
            CROSS();
    } else {
        if (bx >= x)
            NEXT_COLUMN();
        c = (x - 1) >> SUB;
        c += c < 0;
        c0 = c;
        while (bx > xe)
            CROSS();
    }
#undef CROSS
#undef NEXT_COLUMN
    add_cell(cl, c, dir * (ye - y), (x - (c << SUB)) + (xe - (c << SUB)));
    e->bx = bx;
    e->cq = cq;
    e->cr = cr;
    s.key = (uint64_t)(c < c0 ? c : c0) << 32 | (uint64_t)(c < c0 ? c0 : c);
    return s;
}

/* ---- Rows ------------------------------------------------------------------------------- */

/* Merges the sorted s[lo, mid) and s[mid, hi) through tmp. */
static void merge_spans(span *s, span *tmp, size_t lo, size_t mid, size_t hi)
{
    size_t p = lo, q = mid, k = lo;
    while (p < mid && q < hi)
        tmp[k++] = s[q].key < s[p].key ? s[q++] : s[p++];
    while (p < mid)
        tmp[k++] = s[p++];
    while (q < hi)
        tmp[k++] = s[q++];
    memcpy(s + lo, tmp + lo, (hi - lo) * sizeof *s);
}

/* Sorts s[0, n) by key: an insertion sort, linear on nearly sorted input; if it has to move too
 * much (thousands of tiny edges along one row), a bottom-up merge sort finishes the job. */
static void sort_part(span *s, span *tmp, size_t n)
{
    size_t i = 1;
    while (i < n && s[i - 1].key <= s[i].key)
        i++;
    size_t budget = 8 * n + 64;
    for (; i < n && budget; i++) {
        span t = s[i];
        size_t j = i;
        for (; j > 0 && t.key < s[j - 1].key && budget; j--, budget--)
            s[j] = s[j - 1];
        s[j] = t;
    }
    if (i >= n && budget)
        return;
    for (size_t width = 1; width < n; width *= 2)
        for (size_t lo = 0; lo + width < n; lo += 2 * width)
            merge_spans(s, tmp, lo, lo + width, lo + 2 * width < n ? lo + 2 * width : n);
}

/* Sorts the row's spans by first cell, then last (spans with equal keys are alike to the
 * emission, whose sums are exact: their order does not matter). The first `old` come from the
 * walkers of the last row, in its order, so they are nearly sorted; the rest from walkers that
 * start on this row. Each part is sorted, then the two are merged: linear in the usual case. */
static void sort_spans(span *s, span *tmp, size_t n, size_t old)
{
    sort_part(s, tmp, old);
    sort_part(s + old, tmp + old, n - old);
    if (old && old < n && s[old].key < s[old - 1].key)
        merge_spans(s, tmp, 0, old, n);
}

/* Coverage (in FULL units, any sign, any winding) to a level: |winding area| is clamped to one
 * pixel, which is the non-zero rule, then rounded to the nearest of n = 2^shift steps, ties up:
 * step k = floor(c n + 1/2) for c = coverage in pixels. */
static inline uint8_t quantise(const uint8_t *lut, int64_t v, int64_t half, int sh)
{
    v = v < 0 ? -v : v;
    v = v > FULL ? FULL : v;
    return lut[(v + half) >> sh];
}

/* Turns the cells of the row's sorted spans into runs appended to img, and zeroes them. Room
 * for the row's runs was reserved. */
static void emit_row(lw_rasterizer *r, uint32_t y, const span *s, size_t n, int shift,
                     lw_layer_img *img)
{
    cell *cl = r->cells;
    const uint8_t *lut = r->lut;
    const int64_t half = FULL >> (shift + 1); /* half a step */
    const int sh = 2 * SUB + 1 - shift;
    const uint32_t w = r->g.width;
    lw_run *out = img->runs + img->nruns;
    uint32_t cx = 0, cend = 0; /* the run being built: [cx, cend) at clev */
    uint8_t clev = 0;
    uint64_t lit = 0;
    int64_t acc = 0;
#define PUT(x, end, level)                                                                         \
    do {                                                                                           \
        if ((level) != clev || (x) != cend) {                                                      \
            if (clev) {                                                                            \
                *out++ = (lw_run){y, cx, cend - cx, clev};                                         \
                lit += (uint64_t)(cend - cx) * clev;                                               \
            }                                                                                      \
            cx = (x);                                                                              \
            clev = (level);                                                                        \
        }                                                                                          \
        cend = (end);                                                                              \
    } while (0)
    for (size_t i = 0; i < n;) {
        uint32_t a = span_a(s[i]), e = span_b(s[i]);
        for (i++; i < n && span_a(s[i]) <= e + 1; i++)
            e = span_b(s[i]) > e ? span_b(s[i]) : e;
        for (uint32_t x = a; x <= e; x++) {
            acc += cl[x].cover;
            uint8_t level = quantise(lut, acc * (2 * ONE) - cl[x].area, half, sh);
            cl[x].cover = cl[x].area = 0;
            PUT(x, x + 1, level);
        }
        /* Between written cells the coverage does not change. */
        uint32_t next = i < n ? span_a(s[i]) : w;
        if (next > e + 1) {
            uint8_t level = quantise(lut, acc * (2 * ONE), half, sh);
            PUT(e + 1, next, level);
        }
    }
    if (clev) {
        *out++ = (lw_run){y, cx, cend - cx, clev};
        lit += (uint64_t)(cend - cx) * clev;
    }
#undef PUT
    img->nruns = (size_t)(out - img->runs);
    img->lit += lit;
}

/* Orders the lines by first row (counting sort, stable: ties keep input order) and makes room
 * for the walk. */
static lw_rc order_lines(lw_rasterizer *r, uint32_t *rmin, uint32_t *rmax)
{
    size_t ne = r->nlines;
    uint32_t lo = UINT32_MAX, hi = 0;
    for (size_t i = 0; i < ne; i++) {
        const line *e = &r->lines[i];
        uint32_t last = (uint32_t)((e->y1 - 1) >> SUB);
        lo = e->row < lo ? e->row : lo;
        hi = last > hi ? last : hi;
    }
    size_t nrows = (size_t)(hi - lo) + 2;
    if (LW_VEC_RESERVE(r->rows, r->cap_rows, nrows, (size_t)MAX_SIDE + 2) ||
        LW_VEC_RESERVE(r->order, r->cap_order, ne, MAX_EDGES) ||
        LW_VEC_RESERVE(r->walk, r->cap_walk, ne, MAX_EDGES) ||
        LW_VEC_RESERVE(r->active, r->cap_active, ne, MAX_EDGES) ||
        LW_VEC_RESERVE(r->spare, r->cap_spare, ne, MAX_EDGES) ||
        LW_VEC_RESERVE(r->spans, r->cap_spans, ne, MAX_EDGES) ||
        LW_VEC_RESERVE(r->spans2, r->cap_spans2, ne, MAX_EDGES))
        return LW_ENOMEM;
    memset(r->rows, 0, nrows * sizeof *r->rows);
    for (size_t i = 0; i < ne; i++)
        r->rows[r->lines[i].row - lo + 1]++;
    for (size_t k = 1; k < nrows; k++)
        r->rows[k] += r->rows[k - 1];
    for (size_t i = 0; i < ne; i++)
        r->order[r->rows[r->lines[i].row - lo]++] = (uint32_t)i;
    *rmin = lo;
    *rmax = hi;
    return LW_OK;
}

static lw_rc scan(lw_rasterizer *r, int shift, lw_layer_img *img)
{
    uint32_t rmin, rmax;
    lw_rc rc = order_lines(r, &rmin, &rmax);
    if (rc)
        return rc;
    size_t next = 0, nact = 0, nspare = 0, nslots = 0;
    const size_t ne = r->nlines;
    const int64_t w = r->g.width;
    const line *lines = r->lines;
    edge *walk = r->walk;
    uint32_t *active = r->active, *spare = r->spare;
    for (uint32_t row = rmin; row <= rmax && (nact || next < ne); row++) {
        if (nact == 0)
            row = lines[r->order[next]].row; /* skip rows nothing crosses */
        const size_t old = nact;
        while (next < ne && lines[r->order[next]].row == row) {
            uint32_t slot = nspare ? spare[--nspare] : (uint32_t)nslots++;
            start_edge(&walk[slot], &lines[r->order[next++]]);
            active[nact++] = slot;
        }
        const int64_t yb = ((int64_t)row + 1) << SUB;
        size_t cells = 0;
        for (size_t i = 0; i < nact; i++) {
            span sp = walk_row(r->cells, &walk[active[i]], yb, w);
            sp.e = active[i];
            cells += span_b(sp) - span_a(sp) + 1;
            r->spans[i] = sp;
        }
        sort_spans(r->spans, r->spans2, nact, old);
        /* A row gives at most a run per written cell and one per gap between them. */
        size_t need = img->nruns + cells + nact + 1;
        if (need > img->cap &&
            LW_VEC_RESERVE(img->runs, img->cap, need, SIZE_MAX / sizeof(lw_run))) {
            memset(r->cells, 0, r->g.width * sizeof *r->cells);
            return LW_ENOMEM;
        }
        emit_row(r, row, r->spans, nact, shift, img);
        /* The next row's active list in this row's order; finished walkers free their slots. */
        size_t k = 0;
        for (size_t i = 0; i < nact; i++) {
            uint32_t slot = r->spans[i].e;
            if (walk[slot].y < walk[slot].y1)
                active[k++] = slot;
            else
                spare[nspare++] = slot;
        }
        nact = k;
    }
    return LW_OK;
}

lw_rc lw_rasterize(lw_rasterizer *r, const lw_contours *c, unsigned aa_levels,
                   lw_layer_img *img, lw_err *err)
{
    lw_layer_img_reset(img);
    img->width = r->g.width;
    img->height = r->g.height;
    if (aa_levels == 0 || (aa_levels > 16 && aa_levels != 256) ||
        (aa_levels & (aa_levels - 1)))
        return lw_err_set(err, LW_EINVAL, "anti-aliasing %u: must be 1, 2, 4, 8, 16 (or 256 "
                          "to measure)", aa_levels);
    int shift = 0;
    while ((1u << shift) < aa_levels)
        shift++;
    for (unsigned k = 0; k <= aa_levels; k++)
        r->lut[k] = (uint8_t)((2 * 255 * k + aa_levels) / (2 * aa_levels));
    lw_rc rc = build_edges(r, c, err);
    if (!rc && r->nlines) {
        rc = scan(r, shift, img);
        if (rc)
            lw_err_nomem(err);
    }
    if (rc)
        lw_layer_img_reset(img);
    return rc;
}
