/* lostwax: islands of a layer (see islands.h).
 *
 * The counting runs of a row are first joined into segments (maximal stretches of counting
 * pixels, whatever their levels). Segments of neighbouring rows that share a column belong to
 * one part: a two-pointer walk over the two rows finds every such pair and a union-find joins
 * them, with the smaller index as the root so that the root is the part's first segment and the
 * numbering does not depend on the order of the unions. A second two-pointer walk, over the
 * segments and the runs of the layer below, marks the segments standing on something. Each
 * part's marks then gather at its root, and the unmarked parts are the islands.
 */
#include "print/islands.h"

#include <string.h>

#include "base/alloc.h"
#include "base/vec.h"

struct lw_island_seg {
    uint32_t y, x0, x1; /* pixels [x0, x1) of row y */
};

/* Island numbers share index[] with the SUPPORTED mark, hence 31 bits (a 32768-pixel square
 * screen holds at most 2^29 segments). */
#define MAX_SEGS ((size_t)0x7ffffffe)
#define NONE UINT32_MAX
#define SUPPORTED 0x80000000u /* in index[] of a root, before islands are numbered */

void lw_islands_init(lw_islands *is) { memset(is, 0, sizeof *is); }

void lw_islands_clear(lw_islands *is)
{
    lw_free(is->items);
    lw_free(is->seg);
    lw_free(is->parent);
    lw_free(is->index);
    lw_islands_init(is);
}

static uint32_t find(uint32_t *p, uint32_t i)
{
    while (p[i] != i) {
        p[i] = p[p[i]]; /* path halving */
        i = p[i];
    }
    return i;
}

static void unite(uint32_t *p, uint32_t a, uint32_t b)
{
    a = find(p, a);
    b = find(p, b);
    if (a < b)
        p[b] = a;
    else if (b < a)
        p[a] = b;
}

/* Joins the counting runs of img into segments. */
static lw_rc segments(lw_islands *is, const lw_layer_img *img, uint8_t th)
{
    is->nseg = 0;
    for (size_t i = 0; i < img->nruns; i++) {
        const lw_run *r = &img->runs[i];
        if (r->level < th)
            continue;
        if (is->nseg) {
            struct lw_island_seg *last = &is->seg[is->nseg - 1];
            if (last->y == r->y && last->x1 == r->x) {
                last->x1 += r->len;
                continue;
            }
        }
        lw_rc rc = LW_VEC_RESERVE(is->seg, is->cap_seg, is->nseg + 1, MAX_SEGS);
        if (rc)
            return rc;
        is->seg[is->nseg++] = (struct lw_island_seg){r->y, r->x, r->x + r->len};
    }
    return LW_OK;
}

/* Unites the segments [a, b) of row y with the segments [b, c) of row y + 1 that share a
 * column with them. Both rows are sorted and their segments disjoint, so one pass suffices. */
static void join_rows(lw_islands *is, size_t a, size_t b, size_t c)
{
    const struct lw_island_seg *s = is->seg;
    size_t i = a, j = b;
    while (i < b && j < c) {
        uint32_t lo = s[i].x0 > s[j].x0 ? s[i].x0 : s[j].x0;
        uint32_t hi = s[i].x1 < s[j].x1 ? s[i].x1 : s[j].x1;
        if (lo < hi)
            unite(is->parent, (uint32_t)i, (uint32_t)j);
        if (s[i].x1 < s[j].x1)
            i++;
        else
            j++;
    }
}

/* Marks (index[i] = SUPPORTED) the segments with a counting pixel of `below` under them. */
static void mark_support(lw_islands *is, const lw_layer_img *below, uint8_t th)
{
    const lw_run *r = below->runs;
    size_t k = 0, n = below->nruns;
    for (size_t i = 0; i < is->nseg; i++) {
        const struct lw_island_seg *s = &is->seg[i];
        /* Runs wholly before this segment are before every later one too. */
        while (k < n && (r[k].y < s->y || (r[k].y == s->y && r[k].x + r[k].len <= s->x0)))
            k++;
        for (size_t j = k; j < n && r[j].y == s->y && r[j].x < s->x1; j++) {
            if (r[j].level >= th) {
                is->index[i] = SUPPORTED;
                break;
            }
        }
    }
}

lw_rc lw_islands_find(lw_islands *is, const lw_layer_img *below, const lw_layer_img *img,
                      uint8_t threshold, lw_err *err)
{
    is->n = 0;
    if (threshold == 0)
        return lw_err_set(err, LW_EINVAL, "island threshold 0 would count unlit pixels");
    if (!below)
        return LW_OK; /* the first layer rests on the plate */
    if (below->width != img->width || below->height != img->height)
        return lw_err_set(err, LW_EINVAL, "layer of %u x %u pixels over one of %u x %u",
                          img->width, img->height, below->width, below->height);
    lw_rc rc = segments(is, img, threshold);
    if (!rc)
        rc = LW_VEC_RESERVE(is->parent, is->cap_parent, is->nseg, MAX_SEGS);
    if (!rc)
        rc = LW_VEC_RESERVE(is->index, is->cap_index, is->nseg, MAX_SEGS);
    if (rc)
        return rc == LW_ELIMIT ? lw_err_set(err, rc, "layer has more than %zu stretches of lit "
                                                     "pixels", MAX_SEGS)
                               : lw_err_nomem(err);
    const size_t ns = is->nseg;
    for (size_t i = 0; i < ns; i++) {
        is->parent[i] = (uint32_t)i;
        is->index[i] = NONE;
    }
    /* Rows of segments, each joined to the one before when they are neighbours. */
    size_t prev = 0, cur = 0;
    while (cur < ns) {
        size_t end = cur;
        while (end < ns && is->seg[end].y == is->seg[cur].y)
            end++;
        if (cur > 0 && is->seg[prev].y + 1 == is->seg[cur].y)
            join_rows(is, prev, cur, end);
        prev = cur;
        cur = end;
    }
    mark_support(is, below, threshold);
    /* Gather the marks at the roots, then number the unmarked roots in segment order; the
     * root of a part is its first segment, so parts come out by their first pixel. */
    for (size_t i = 0; i < ns; i++) {
        uint32_t root = find(is->parent, (uint32_t)i);
        is->parent[i] = root;
        if (is->index[i] == SUPPORTED)
            is->index[root] = SUPPORTED;
    }
    size_t nisl = 0;
    for (size_t i = 0; i < ns; i++)
        if (is->parent[i] == i && is->index[i] != SUPPORTED)
            is->index[i] = (uint32_t)nisl++;
    rc = LW_VEC_RESERVE(is->items, is->cap, nisl, MAX_SEGS);
    if (rc)
        return lw_err_nomem(err);
    for (size_t k = 0; k < nisl; k++)
        is->items[k] = (lw_island){0, UINT32_MAX, UINT32_MAX, 0, 0, 0, 0};
    for (size_t i = 0; i < ns; i++) {
        uint32_t k = is->index[is->parent[i]];
        if (k == SUPPORTED)
            continue;
        const struct lw_island_seg *s = &is->seg[i];
        lw_island *isl = &is->items[k];
        uint64_t len = s->x1 - s->x0;
        isl->pixels += len;
        isl->x0 = s->x0 < isl->x0 ? s->x0 : isl->x0;
        isl->y0 = s->y < isl->y0 ? s->y : isl->y0;
        isl->x1 = s->x1 - 1 > isl->x1 ? s->x1 - 1 : isl->x1;
        isl->y1 = s->y > isl->y1 ? s->y : isl->y1;
        /* Twice the sums of the centres, whole numbers below 2^53: exact in a double. */
        isl->cx += (double)(len * (2 * (uint64_t)s->x0 + len));
        isl->cy += (double)(len * (2 * (uint64_t)s->y + 1));
    }
    for (size_t k = 0; k < nisl; k++) {
        is->items[k].cx /= 2.0 * (double)is->items[k].pixels;
        is->items[k].cy /= 2.0 * (double)is->items[k].pixels;
    }
    is->n = nisl;
    return LW_OK;
}
