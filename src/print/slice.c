/* lostwax: cutting placed meshes into layers (see slice.h and docs/internals/slicing.md).
 *
 * Preparation files every facet under the planes it crosses in an implicit interval tree over
 * the plane indices, so a layer finds exactly its facets in O(log planes + facets crossed) and
 * the slicer holds O(facets + planes) memory whatever the layer count. A layer then makes one
 * segment per crossed facet, named by the two mesh edges where the plane enters and leaves it,
 * and chains segments into loops through a hash of those edge names: endpoints are never
 * compared as numbers, and each crossing point is computed once per edge, from the edge alone.
 */
#include "print/slice.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "base/alloc.h"
#include "base/size.h"
#include "base/vec.h"

#define NONE UINT32_MAX

/* Plane indices are stored 1-based in uint32 tree values; far beyond any print's layer count. */
#define MAX_PLANES ((size_t)1 << 30)

/* A facet filed in a tree node with the plane bound (1-based) that queries compare against. */
typedef struct entry {
    uint32_t key, facet;
} entry;

struct lw_slicer {
    const lw_mesh *m;
    double *z;
    size_t n;
    bool uniform;  /* heights close enough to z0 + i dz that a division finds the plane */
    double z0, dz;
    uint32_t top;  /* the tree's root value, a power of two; node values run 1 .. 2 top - 1 */
    uint32_t *off; /* 2 top + 1 offsets: node u's facets are [off[u], off[u + 1]) */
    entry *by_lo;  /* each node's facets by first plane, ascending */
    entry *by_hi;  /* the same facets by last plane, descending */
};

/* The number of planes at or below height v: the index of the first plane above v. With
 * near-uniform heights a division lands within a step or two and a short walk makes it exact,
 * so the answer never depends on how the division rounded. */
static size_t planes_upto(const lw_slicer *s, double v)
{
    const double *z = s->z;
    size_t n = s->n, g;
    if (s->uniform) {
        double f = (v - s->z0) / s->dz;
        g = f < 0 ? 0 : f >= (double)n ? n : (size_t)f + 1;
        while (g < n && z[g] <= v)
            g++;
        while (g > 0 && z[g - 1] > v)
            g--;
        return g;
    }
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (z[mid] <= v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The tree node owning planes lo..hi (1-based, inclusive): the value in that range with the
 * most trailing zero bits, the highest node whose centre the range contains. Every node on
 * the path from the root to any value in the range passes through it. */
static uint32_t node_of(uint32_t lo, uint32_t hi)
{
    if (lo == hi)
        return lo;
    int d = 31 - __builtin_clz((lo - 1) ^ hi);
    return hi & ~((1u << d) - 1);
}

static bool heights_ok(const double *z, size_t n, lw_err *err)
{
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(z[i])) {
            lw_err_set(err, LW_EINVAL, "plane %zu: height is not finite", i);
            return false;
        }
        if (i && z[i] < z[i - 1]) {
            lw_err_set(err, LW_EINVAL, "plane %zu: height %g is below the previous plane's %g",
                       i, z[i], z[i - 1]);
            return false;
        }
    }
    return true;
}

static bool mesh_ok(const lw_mesh *m, lw_err *err)
{
    for (size_t k = 0; k < 3 * (size_t)m->nv; k++)
        if (!isfinite(m->xyz[k])) {
            lw_err_set(err, LW_EINVAL, "vertex %zu: coordinate is not finite", k / 3);
            return false;
        }
    for (size_t k = 0; k < 3 * (size_t)m->nt; k++)
        if (m->tri[k] >= m->nv) {
            lw_err_set(err, LW_EINVAL, "facet %zu: vertex index %u is not below %u", k / 3,
                       m->tri[k], m->nv);
            return false;
        }
    return true;
}

static void *alloc_array(size_t count, size_t size)
{
    size_t bytes;
    if (!lw_size_mul(count ? count : 1, size, &bytes))
        return NULL;
    return lw_malloc(bytes);
}

void lw_slicer_free(lw_slicer *s)
{
    if (!s)
        return;
    lw_free(s->z);
    lw_free(s->off);
    lw_free(s->by_lo);
    lw_free(s->by_hi);
    lw_free(s);
}

/* Files the facets: lo[f], hi[f] are facet f's first and last plane, 1-based, lo = 0 for a
 * facet no plane crosses. Within a node, by_lo is ordered by lo and by_hi by hi descending
 * (ties by facet number), by two counting sorts over the plane indices: O(facets + planes). */
static lw_rc file_facets(lw_slicer *s, const uint32_t *lo, const uint32_t *hi, uint32_t nact)
{
    uint32_t nt = s->m->nt, nodes = 2 * s->top;
    size_t nb = s->n + 2;
    uint32_t *cnt = lw_calloc(nb, sizeof *cnt), *cur = alloc_array(nodes + 1, sizeof *cur);
    uint32_t *order = alloc_array(nact, sizeof *order);
    s->off = lw_calloc((size_t)nodes + 1, sizeof *s->off);
    s->by_lo = alloc_array(nact, sizeof *s->by_lo);
    s->by_hi = alloc_array(nact, sizeof *s->by_hi);
    lw_rc rc = LW_ENOMEM;
    if (!cnt || !cur || !order || !s->off || !s->by_lo || !s->by_hi)
        goto done;

    for (uint32_t f = 0; f < nt; f++)
        if (lo[f])
            s->off[node_of(lo[f], hi[f]) + 1]++;
    for (uint32_t u = 0; u < nodes; u++)
        s->off[u + 1] += s->off[u];

    for (int pass = 0; pass < 2; pass++) {
        const uint32_t *key = pass ? hi : lo;
        entry *dst = pass ? s->by_hi : s->by_lo;
        memset(cnt, 0, nb * sizeof *cnt);
        for (uint32_t f = 0; f < nt; f++)
            if (lo[f])
                cnt[key[f]]++;
        /* Bucket starts: ascending keys for by_lo, descending for by_hi. */
        uint32_t acc = 0;
        for (size_t b = 0; b < nb; b++) {
            size_t k = pass ? nb - 1 - b : b;
            uint32_t c = cnt[k];
            cnt[k] = acc;
            acc += c;
        }
        for (uint32_t f = 0; f < nt; f++)
            if (lo[f])
                order[cnt[key[f]]++] = f;
        memcpy(cur, s->off, ((size_t)nodes + 1) * sizeof *cur);
        for (uint32_t k = 0; k < nact; k++) {
            uint32_t f = order[k];
            dst[cur[node_of(lo[f], hi[f])]++] = (entry){key[f], f};
        }
    }
    rc = LW_OK;
done:
    lw_free(cnt);
    lw_free(cur);
    lw_free(order);
    return rc;
}

lw_rc lw_slicer_new(const lw_mesh *m, const double *z, size_t n, lw_slicer **out, lw_err *err)
{
    *out = NULL;
    if (n > MAX_PLANES)
        return lw_err_set(err, LW_ELIMIT, "%zu planes: the slicer takes at most %zu", n,
                          MAX_PLANES);
    if (!heights_ok(z, n, err) || !mesh_ok(m, err))
        return LW_EINVAL;

    lw_slicer *s = lw_calloc(1, sizeof *s);
    uint32_t *lo = NULL, *hi = NULL;
    if (!s)
        return lw_err_nomem(err);
    s->m = m;
    s->n = n;
    s->z = alloc_array(n, sizeof *s->z);
    lo = alloc_array(m->nt, sizeof *lo);
    hi = alloc_array(m->nt, sizeof *hi);
    if (!s->z || !lo || !hi)
        goto nomem;
    if (n)
        memcpy(s->z, z, n * sizeof *z);

    /* A division is trusted as a first guess when every height is within a quarter step of
     * the straight line through the first and last: a print's layers, however computed. */
    if (n >= 2 && z[n - 1] > z[0]) {
        s->z0 = z[0];
        s->dz = (z[n - 1] - z[0]) / (double)(n - 1);
        s->uniform = true;
        for (size_t i = 0; i < n && s->uniform; i++)
            s->uniform = fabs(z[i] - (s->z0 + (double)i * s->dz)) <= 0.25 * s->dz;
    }
    s->top = 1;
    while ((size_t)2 * s->top <= n)
        s->top *= 2;

    /* Facet f crosses plane i when some corner is below it and some at or above it (a corner
     * on the plane counts as above): zmin < z[i] <= zmax. Facets with a repeated corner have
     * no area and enter and leave by the same edge; they are left out. */
    uint32_t nact = 0;
    const double *xyz = m->xyz;
    for (uint32_t f = 0; f < m->nt; f++) {
        const uint32_t *t = m->tri + 3 * (size_t)f;
        lo[f] = hi[f] = 0;
        if (t[0] == t[1] || t[1] == t[2] || t[2] == t[0])
            continue;
        double a = xyz[3 * (size_t)t[0] + 2], b = xyz[3 * (size_t)t[1] + 2];
        double c = xyz[3 * (size_t)t[2] + 2];
        double zmin = a < b ? a : b, zmax = a < b ? b : a;
        zmin = c < zmin ? c : zmin;
        zmax = c > zmax ? c : zmax;
        /* Most facets span a plane or two: walk up from the first before searching again. */
        size_t first = planes_upto(s, zmin), end = first;
        while (end < n && end - first < 4 && z[end] <= zmax)
            end++;
        if (end - first == 4)
            end = planes_upto(s, zmax);
        if (first < end) {
            lo[f] = (uint32_t)first + 1;
            hi[f] = (uint32_t)end;
            nact++;
        }
    }
    lw_rc rc = file_facets(s, lo, hi, nact);
    if (rc)
        goto nomem;
    lw_free(lo);
    lw_free(hi);
    *out = s;
    return LW_OK;
nomem:
    lw_free(lo);
    lw_free(hi);
    lw_slicer_free(s);
    return lw_err_nomem(err);
}

/* ---- one layer ------------------------------------------------------------------------------ */

/* A facet's piece of the section, from the edge where the plane enters the facet to the edge
 * where it leaves. An edge is named (above << 32 | below) by its corners on either side of the
 * plane, which both facets sharing the edge agree on. */
typedef struct seg {
    uint64_t from, to;
    uint32_t next; /* the successor: a segment entering by `to`, or NONE */
    uint32_t dup;  /* the next segment entering by the same edge (non-manifold edges) */
    uint8_t flags;
} seg;

enum { HAS_PREV = 1, VISITED = 2 };

/* A hash slot: an edge and the first segment entering by it (+ 1; 0 = empty slot). The key is
 * kept here so that probing does not touch the segments. */
typedef struct slot {
    uint64_t key;
    uint32_t head;
} slot;

typedef struct scratch {
    seg *seg;
    size_t nseg, cap_seg;
    slot *slot;
    size_t nslot;
    double *xy;
    size_t cap_xy;
} scratch;

static void scratch_clear(scratch *sc)
{
    lw_free(sc->seg);
    lw_free(sc->slot);
    lw_free(sc->xy);
}

static inline uint64_t edge_key(uint32_t above, uint32_t below)
{
    return (uint64_t)above << 32 | below;
}

/* Orientation: walking a facet's corners in order (counter-clockwise from outside), the edge
 * that goes from above the plane to below is where the section enters, the one going back up
 * is where it leaves. The outward normal n then gives the direction z x n, counter-clockwise
 * around a solid seen from above. Indexed by which corners are above (bit k for corner k):
 * the corner starting the entering edge, and the corner starting the leaving edge (edge k runs
 * from corner k to corner k + 1 mod 3). */
static const uint8_t ENTER[8] = {0, 0, 1, 1, 2, 0, 2, 0}, LEAVE[8] = {0, 2, 0, 2, 1, 1, 0, 0};

static lw_rc add_facet(const lw_mesh *m, uint32_t f, double zp, scratch *sc)
{
    const uint32_t *t = m->tri + 3 * (size_t)f;
    const double *xyz = m->xyz;
    unsigned up = (unsigned)(xyz[3 * (size_t)t[0] + 2] >= zp) |
                  (unsigned)(xyz[3 * (size_t)t[1] + 2] >= zp) << 1 |
                  (unsigned)(xyz[3 * (size_t)t[2] + 2] >= zp) << 2;
    if (up == 0 || up == 7)
        return LW_OK; /* cannot happen for a facet filed under this plane; harmless if it did */
    unsigned e = ENTER[up], l = LEAVE[up];
    unsigned e1 = e == 2 ? 0 : e + 1, l1 = l == 2 ? 0 : l + 1;
    if (sc->nseg == sc->cap_seg) {
        lw_rc rc = LW_VEC_RESERVE(sc->seg, sc->cap_seg, sc->nseg + 1, (size_t)NONE - 1);
        if (rc)
            return rc;
    }
    sc->seg[sc->nseg++] = (seg){edge_key(t[e], t[e1]), edge_key(t[l1], t[l]), NONE, NONE, 0};
    return LW_OK;
}

static inline size_t hash_key(uint64_t k, size_t mask)
{
    return (size_t)((k * 0x9E3779B97F4A7C15u) >> 32) & mask;
}

/* Indexes segments by the edge they enter by. Inserting in reverse and prepending leaves each
 * edge's list in segment order, so which pairing a non-manifold edge gets is fixed. */
static lw_rc index_segments(scratch *sc)
{
    size_t want = 16;
    while (want < 2 * sc->nseg)
        want *= 2;
    sc->slot = lw_calloc(want, sizeof *sc->slot);
    if (!sc->slot)
        return LW_ENOMEM;
    sc->nslot = want;
    size_t mask = want - 1;
    for (size_t i = sc->nseg; i-- > 0;) {
        uint64_t k = sc->seg[i].from;
        size_t h = hash_key(k, mask);
        while (sc->slot[h].head && sc->slot[h].key != k)
            h = (h + 1) & mask;
        sc->seg[i].dup = sc->slot[h].head ? sc->slot[h].head - 1 : NONE;
        sc->slot[h] = (slot){k, (uint32_t)i + 1};
    }
    return LW_OK;
}

/* The first segment entering by edge k that has no predecessor yet, or NONE. */
static uint32_t take_entering(scratch *sc, uint64_t k)
{
    size_t mask = sc->nslot - 1, h = hash_key(k, mask);
    while (sc->slot[h].head && sc->slot[h].key != k)
        h = (h + 1) & mask;
    if (!sc->slot[h].head)
        return NONE;
    for (uint32_t t = sc->slot[h].head - 1; t != NONE; t = sc->seg[t].dup)
        if (!(sc->seg[t].flags & HAS_PREV)) {
            sc->seg[t].flags |= HAS_PREV;
            return t;
        }
    return NONE;
}

/* Where the plane crosses the edge named k: the corner itself when it lies on the plane (the
 * perturbed plane passes just below it), else interpolated from the lower-numbered corner to
 * the other, so the bits depend on the edge and the plane only. */
static void crossing(const double *xyz, uint64_t k, double zp, double *x, double *y)
{
    uint32_t ia = (uint32_t)(k >> 32), ib = (uint32_t)k;
    const double *a = xyz + 3 * (size_t)ia, *b = xyz + 3 * (size_t)ib;
    if (a[2] == zp) {
        *x = a[0];
        *y = a[1];
        return;
    }
    const double *p = ia < ib ? a : b, *q = ia < ib ? b : a;
    double t = (zp - p[2]) / (q[2] - p[2]);
    *x = p[0] + t * (q[0] - p[0]);
    *y = p[1] + t * (q[1] - p[1]);
}

/* Emits the loop through segment s0, dropping points equal to the one before (edges meeting
 * at a corner on the plane all cross at that corner). */
static lw_rc emit_loop(const lw_slicer *s, scratch *sc, uint32_t s0, double zp, lw_contours *out,
                       bool *closed)
{
    size_t np = 0;
    uint32_t t = s0;
    do {
        seg *g = &sc->seg[t];
        g->flags |= VISITED;
        double x, y;
        crossing(s->m->xyz, g->from, zp, &x, &y);
        if (!np || x != sc->xy[2 * np - 2] || y != sc->xy[2 * np - 1]) {
            if (2 * np + 2 > sc->cap_xy) {
                lw_rc rc = LW_VEC_RESERVE(sc->xy, sc->cap_xy, 2 * np + 2, (size_t)UINT32_MAX);
                if (rc)
                    return rc;
            }
            sc->xy[2 * np] = x;
            sc->xy[2 * np + 1] = y;
            np++;
        }
        t = g->next;
    } while (t != NONE && !(sc->seg[t].flags & VISITED));
    *closed = t == s0;
    if (!*closed)
        return LW_OK;
    while (np > 1 && sc->xy[2 * np - 2] == sc->xy[0] && sc->xy[2 * np - 1] == sc->xy[1])
        np--;
    return lw_contours_add(out, sc->xy, (uint32_t)np);
}

static lw_rc collect(const lw_slicer *s, size_t i, scratch *sc)
{
    uint32_t v = (uint32_t)i + 1;
    double zp = s->z[i];
    for (uint32_t half = s->top; half; half >>= 1) {
        uint32_t base = v & ~(2 * half - 1);
        if (base == v)
            continue; /* v sits on a higher level: this level's node there does not cover it */
        uint32_t u = base | half;
        uint32_t a = s->off[u], b = s->off[u + 1];
        if (v == u) {
            for (uint32_t k = a; k < b; k++) {
                lw_rc rc = add_facet(s->m, s->by_lo[k].facet, zp, sc);
                if (rc)
                    return rc;
            }
        } else if (v < u) {
            for (uint32_t k = a; k < b && s->by_lo[k].key <= v; k++) {
                lw_rc rc = add_facet(s->m, s->by_lo[k].facet, zp, sc);
                if (rc)
                    return rc;
            }
        } else {
            for (uint32_t k = a; k < b && s->by_hi[k].key >= v; k++) {
                lw_rc rc = add_facet(s->m, s->by_hi[k].facet, zp, sc);
                if (rc)
                    return rc;
            }
        }
    }
    return LW_OK;
}

lw_rc lw_slicer_layer(const lw_slicer *s, size_t i, lw_contours *out, size_t *open_chains,
                      lw_err *err)
{
    if (open_chains)
        *open_chains = 0;
    if (i >= s->n)
        return lw_err_set(err, LW_EINVAL, "plane %zu: the slicer has %zu planes", i, s->n);
    uint32_t nc0 = out->ncontours, np0 = out->npoints;
    scratch sc = {0};
    size_t nopen = 0;
    lw_rc rc = collect(s, i, &sc);
    if (!rc && sc.nseg)
        rc = index_segments(&sc);
    if (rc)
        goto done;
    for (size_t k = 0; k < sc.nseg; k++)
        sc.seg[k].next = take_entering(&sc, sc.seg[k].to);

    /* Each segment has at most one successor and one predecessor, so chains starting at a
     * segment without predecessor are the open ones, and what remains is disjoint loops. */
    for (size_t k = 0; k < sc.nseg; k++) {
        if (sc.seg[k].flags & (HAS_PREV | VISITED))
            continue;
        for (uint32_t t = (uint32_t)k; t != NONE && !(sc.seg[t].flags & VISITED);
             t = sc.seg[t].next)
            sc.seg[t].flags |= VISITED;
        nopen++;
    }
    for (size_t k = 0; k < sc.nseg && !rc; k++) {
        if (sc.seg[k].flags & VISITED)
            continue;
        bool closed = true;
        rc = emit_loop(s, &sc, (uint32_t)k, s->z[i], out, &closed);
        nopen += !closed;
    }
done:
    scratch_clear(&sc);
    if (rc) {
        /* Leave out as it was: the contours of this call go, the caller's stay. */
        out->ncontours = nc0;
        out->npoints = np0;
        if (out->start)
            out->start[nc0] = np0;
        return rc == LW_ENOMEM ? lw_err_nomem(err)
                               : lw_err_set(err, rc, "plane %zu: too many segments", i);
    }
    if (open_chains)
        *open_chains = nopen;
    return LW_OK;
}
