/* lostwax: is this mesh a solid? Edge topology, shells, holes, orientation, nesting, overlaps.
 *
 * The stages, in order (docs/internals/check.md gives the rules and why):
 *   facets    degenerate facets (a repeated vertex, or a height below the resolution of a double)
 *   edges     every facet side keyed by its lower vertex, bucketed (a counting sort over vertices),
 *             each bucket sorted by the upper vertex: 1 facet = open, 2 = manifold, 3+ = not
 *   shells    union-find with a parity bit across manifold edges, which also orients each
 *             shell: the larger area wins, the rest are flipped facets (rewound when asked)
 *   holes     open edges walked into loops, a loop closing each time the walk meets itself
 *   measure   per shell, after the rewinding
 *   solids    closed shells are tested against each other: surfaces that cross, shells nested
 *             in others (parity of nesting decides cavity or inside-out), shells that overlap
 * The mesh is changed only by the fixes, and every change is undone if a later step fails.
 */
#include "geom/check.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/size.h"
#include "base/vec.h"

#define NONE UINT32_MAX
/* mate[] of a half-edge (3 * facet + corner): the other half-edge of a manifold edge, with
 * MATE_SAME set when both run the same way (their facets disagree on orientation). */
#define MATE_OPEN 0xFFFFFFFFu
#define MATE_NM 0xFFFFFFFEu
#define MATE_SAME 0x80000000u
/* Half-edge ids must stay below MATE_SAME with room for the two markers. */
#define MAX_FACETS 700000000u

enum { F_REPEAT = 1, F_DEGEN = 2, F_PAR = 8, F_CHANGED = 16 };
enum { NKINDS = LW_PROBLEM_OVERLAPPING_SHELLS + 1 };

typedef struct shell_work {
    uint32_t first, nfacets;
    uint32_t count[2], low[2]; /* facets of each winding parity, and the lowest of each */
    double area[2];            /* twice their area */
    uint32_t odd_nm;           /* non-manifold edges where it has an odd number of facets */
    uint8_t minority;          /* parity wound against the majority; 2 = none */
    bool conflict, consistent, sealed;
    uint32_t cv0, cv1, cface;  /* where the orientation conflict was found */
    uint32_t depth, inner;     /* shells enclosing it, and the innermost of them */
    double nest_at[3];         /* a point of it inside the innermost */
} shell_work;

typedef struct plist {
    lw_problem *p;
    size_t n, cap;
} plist;

typedef struct check {
    lw_mesh *m;
    lw_check_opts o;
    uint32_t nt, nv;
    uint8_t *fs;         /* facet state bits */
    uint32_t bad_facet;  /* the first facet with a vertex index out of range */
    uint32_t *mate;      /* 3 nt */
    uint32_t *shell_of;  /* nt; becomes the report's face_shell */
    shell_work *sw;
    size_t sw_cap;
    lw_shell *shells;
    uint32_t nshells;
    uint32_t *nm_he;     /* half-edges of the non-manifold edges, edge by edge */
    size_t nm_n, nm_cap;
    uint32_t *nm_start;  /* nm_count + 1 offsets into nm_he */
    size_t nm_count, nm_start_cap, nm_maxgroup;
    uint32_t *order;     /* facets grouped by shell (only with 2+ shells) */
    uint32_t *order_at;  /* nshells + 1 offsets into order */
    plist kinds[NKINDS];
    lw_mesh_report *r;
} check;

/* ---- small helpers ---------------------------------------------------------------------- */

/* fmax/fmin are library calls on x86-64 (they order NaNs); coordinates here are finite. */
static inline double dmax(double a, double b) { return a > b ? a : b; }
static inline double dmin(double a, double b) { return a < b ? a : b; }

static inline double dot3(const double *a, const double *b)
{
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static void cross3(const double *a, const double *b, double *o)
{
    o[0] = a[1] * b[2] - a[2] * b[1];
    o[1] = a[2] * b[0] - a[0] * b[2];
    o[2] = a[0] * b[1] - a[1] * b[0];
}

static inline const double *vtx(const check *c, uint32_t v) { return c->m->xyz + 3 * (size_t)v; }
static inline uint32_t *tri_of(const check *c, uint32_t f) { return c->m->tri + 3 * (size_t)f; }
static inline uint32_t next_he(uint32_t he) { return he % 3 == 2 ? he - 2 : he + 1; }

static void facet_point(const check *c, uint32_t f, const double w[3], double p[3])
{
    const uint32_t *t = tri_of(c, f);
    const double *a = vtx(c, t[0]), *b = vtx(c, t[1]), *d = vtx(c, t[2]);
    for (int k = 0; k < 3; k++)
        p[k] = w[0] * a[k] + w[1] * b[k] + w[2] * d[k];
}

static void facet_centroid(const check *c, uint32_t f, double p[3])
{
    static const double third[3] = {1.0 / 3, 1.0 / 3, 1.0 / 3};
    facet_point(c, f, third, p);
}

static void edge_mid(const check *c, uint32_t v0, uint32_t v1, double p[3])
{
    const double *a = vtx(c, v0), *b = vtx(c, v1);
    for (int k = 0; k < 3; k++)
        p[k] = 0.5 * (a[k] + b[k]);
}

static void flip_facet(check *c, uint32_t f)
{
    uint32_t *t = tri_of(c, f), s = t[1];
    t[1] = t[2];
    t[2] = s;
    c->fs[f] ^= F_CHANGED;
}

static lw_problem problem(lw_problem_kind kind)
{
    lw_problem p;
    memset(&p, 0, sizeof p);
    p.kind = kind;
    p.shell = p.other_shell = p.face = p.v0 = p.v1 = NONE;
    return p;
}

/* Keeps up to max_problems problems of each kind; the report's counters stay complete. */
static lw_rc add_problem(check *c, const lw_problem *p)
{
    plist *l = &c->kinds[p->kind];
    if (l->n >= c->o.max_problems)
        return LW_OK;
    lw_rc rc = LW_VEC_RESERVE(l->p, l->cap, l->n + 1, c->o.max_problems);
    if (rc)
        return rc;
    l->p[l->n++] = *p;
    return LW_OK;
}

static lw_rc new_shell(check *c, uint32_t first, uint32_t *s)
{
    lw_rc rc = LW_VEC_RESERVE(c->sw, c->sw_cap, (size_t)c->nshells + 1, c->nt);
    if (rc)
        return rc;
    shell_work *w = &c->sw[c->nshells];
    memset(w, 0, sizeof *w);
    w->first = first;
    w->low[0] = w->low[1] = NONE;
    w->minority = 2;
    w->inner = NONE;
    *s = c->nshells++;
    return LW_OK;
}

/* ---- facets ------------------------------------------------------------------------------ */

/* A facet is degenerate when two corners are the same vertex, or when its height over its longest
 * edge is at most 1e-10 of that edge plus the spacing of doubles at the mesh's largest coordinate
 * (8 ulp): then its normal is rounding noise. Thin but real slivers of CAD tessellation (1e-6 and
 * up) pass. (The rounding term uses the whole mesh's largest coordinate, not the facet's: it only
 * matters for facets a thousand times thinner than a micrometre, and one bound for all saves
 * much of this pass's work.) This first pass also checks every vertex index, so later passes can
 * trust them. */
static lw_rc scan_facets(check *c)
{
    double big = 0;
    for (size_t i = 0; i < 3 * (size_t)c->nv; i++)
        big = dmax(big, fabs(c->m->xyz[i]));
    const double e = 8 * DBL_EPSILON * big;
    for (uint32_t f = 0; f < c->nt; f++) {
        const uint32_t *t = tri_of(c, f);
        if (t[0] >= c->nv || t[1] >= c->nv || t[2] >= c->nv) {
            c->bad_facet = f;
            return LW_EINVAL;
        }
        if (t[0] == t[1] || t[1] == t[2] || t[0] == t[2]) {
            c->fs[f] = F_REPEAT | F_DEGEN;
            c->r->degenerate_facets++;
            continue;
        }
        const double *a = vtx(c, t[0]), *b = vtx(c, t[1]), *d = vtx(c, t[2]);
        double u[3], v[3], w[3];
        for (int k = 0; k < 3; k++) {
            u[k] = b[k] - a[k];
            v[k] = d[k] - a[k];
            w[k] = d[k] - b[k];
        }
        double n0 = u[1] * v[2] - u[2] * v[1], n1 = u[2] * v[0] - u[0] * v[2],
               n2 = u[0] * v[1] - u[1] * v[0];
        double cr2 = n0 * n0 + n1 * n1 + n2 * n2;
        double l2 = dmax(u[0] * u[0] + u[1] * u[1] + u[2] * u[2],
                         dmax(v[0] * v[0] + v[1] * v[1] + v[2] * v[2],
                              w[0] * w[0] + w[1] * w[1] + w[2] * w[2]));
        /* The test is cr > l (1e-10 l + 8 eps big). Since (x + y)^2 <= 2 (x^2 + y^2), a cross
         * above the square-free bound passes without taking a root (nearly every facet). */
        if (cr2 > 2 * l2 * (1e-20 * l2 + e * e))
            continue;
        double l = sqrt(l2);
        if (!(sqrt(cr2) > l * (1e-10 * l + e))) {
            c->fs[f] = F_DEGEN;
            c->r->degenerate_facets++;
        }
    }
    return LW_OK;
}

static double facet_area2(const check *c, uint32_t f)
{
    const uint32_t *t = tri_of(c, f);
    const double *a = vtx(c, t[0]), *b = vtx(c, t[1]), *d = vtx(c, t[2]);
    double u[3] = {b[0] - a[0], b[1] - a[1], b[2] - a[2]};
    double v[3] = {d[0] - a[0], d[1] - a[1], d[2] - a[2]}, n[3];
    cross3(u, v, n);
    return sqrt(dot3(n, n));
}

static lw_rc report_degenerate(check *c)
{
    if (!c->r->degenerate_facets)
        return LW_OK;
    for (uint32_t f = 0; f < c->nt; f++) {
        if (!(c->fs[f] & F_DEGEN))
            continue;
        if (c->kinds[LW_PROBLEM_DEGENERATE_FACET].n >= c->o.max_problems)
            break;
        lw_problem p = problem(LW_PROBLEM_DEGENERATE_FACET);
        p.face = f;
        p.shell = c->shell_of[f];
        facet_centroid(c, f, p.where);
        lw_rc rc = add_problem(c, &p);
        if (rc)
            return rc;
    }
    return LW_OK;
}

/* ---- edges ------------------------------------------------------------------------------- */

static void sort_u64(uint64_t *a, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        uint64_t x = a[i];
        size_t j = i;
        while (j > 0 && a[j - 1] > x) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = x;
    }
}

static lw_rc note_nonmanifold(check *c, const uint64_t *e, size_t n)
{
    lw_rc rc;
    if (!c->nm_start) {
        if ((rc = LW_VEC_RESERVE(c->nm_start, c->nm_start_cap, 1, (size_t)3 * c->nt)))
            return rc;
        c->nm_start[0] = 0;
    }
    if ((rc = LW_VEC_RESERVE(c->nm_he, c->nm_cap, c->nm_n + n, (size_t)3 * c->nt)) ||
        (rc = LW_VEC_RESERVE(c->nm_start, c->nm_start_cap, c->nm_count + 2, (size_t)3 * c->nt)))
        return rc;
    for (size_t i = 0; i < n; i++)
        c->nm_he[c->nm_n++] = (uint32_t)e[i];
    c->nm_start[++c->nm_count] = (uint32_t)c->nm_n;
    if (n > c->nm_maxgroup)
        c->nm_maxgroup = n;
    return LW_OK;
}

/* Pairs up the half-edges. Each side (u, v) of a facet is filed under min(u, v) as
 * (max(u, v) << 32 | half-edge): one counting pass over the vertices and one scatter, then tiny
 * per-vertex sorts (about six entries), which beats any general sort of 3 nt keys. */
static lw_rc build_edges(check *c)
{
    const uint32_t *tri = c->m->tri;
    uint32_t *start = lw_calloc((size_t)c->nv + 1, sizeof *start);
    if (!start)
        return LW_ENOMEM;
    size_t nhe = 0;
    for (uint32_t f = 0; f < c->nt; f++) {
        if (c->fs[f] & F_REPEAT)
            continue;
        const uint32_t *t = tri + 3 * (size_t)f;
        uint32_t a = t[0], b = t[1], d = t[2];
        start[(a < b ? a : b) + 1]++;
        start[(b < d ? b : d) + 1]++;
        start[(d < a ? d : a) + 1]++;
        nhe += 3;
    }
    for (uint32_t v = 0; v < c->nv; v++)
        start[v + 1] += start[v];
    size_t bytes;
    uint64_t *e = lw_size_mul(nhe ? nhe : 1, sizeof *e, &bytes) ? lw_malloc(bytes) : NULL;
    if (!e) {
        lw_free(start);
        return LW_ENOMEM;
    }
    for (uint32_t f = 0; f < c->nt; f++) {
        if (c->fs[f] & F_REPEAT)
            continue;
        const uint32_t *t = tri + 3 * (size_t)f;
        for (uint32_t k = 0; k < 3; k++) {
            uint32_t u = t[k], v = t[k == 2 ? 0 : k + 1];
            uint32_t lo = u < v ? u : v, hi = u < v ? v : u;
            e[start[lo]++] = (uint64_t)hi << 32 | (3 * f + k);
        }
    }
    /* start[v] is now the end of bucket v. */
    lw_rc rc = LW_OK;
    size_t b = 0;
    for (uint32_t v = 0; v < c->nv && !rc; v++) {
        size_t end = start[v];
        sort_u64(e + b, end - b);
        for (size_t i = b; i < end;) {
            size_t j = i + 1;
            while (j < end && (e[j] >> 32) == (e[i] >> 32))
                j++;
            uint32_t h0 = (uint32_t)e[i];
            c->r->edges++;
            if (j - i == 1) {
                c->mate[h0] = MATE_OPEN;
                c->r->boundary_edges++;
            } else if (j - i == 2) {
                uint32_t h1 = (uint32_t)e[i + 1];
                uint32_t same = tri[h0] == tri[h1] ? MATE_SAME : 0;
                c->mate[h0] = h1 | same;
                c->mate[h1] = h0 | same;
            } else {
                for (size_t k = i; k < j; k++)
                    c->mate[(uint32_t)e[k]] = MATE_NM;
                c->r->nonmanifold_edges++;
                if ((rc = note_nonmanifold(c, e + i, j - i)))
                    break;
            }
            i = j;
        }
        b = end;
    }
    lw_free(e);
    lw_free(start);
    return rc;
}

/* ---- shells and orientation -------------------------------------------------------------- */

/* Facets with a repeated vertex have no edges of their own; they join the shell of the first
 * facet that touches one of their vertices, or form a shell of their own. Shells are then
 * renumbered in order of their lowest facet. */
static lw_rc attach_repeated(check *c)
{
    uint32_t *vmap = lw_malloc(((size_t)c->nv ? c->nv : 1) * sizeof *vmap);
    if (!vmap)
        return LW_ENOMEM;
    memset(vmap, 0xFF, (size_t)c->nv * sizeof *vmap);
    for (uint32_t f = 0; f < c->nt; f++) {
        if (c->fs[f] & F_REPEAT)
            continue;
        const uint32_t *t = tri_of(c, f);
        for (int k = 0; k < 3; k++)
            if (vmap[t[k]] == NONE)
                vmap[t[k]] = c->shell_of[f];
    }
    lw_rc rc = LW_OK;
    for (uint32_t f = 0; f < c->nt && !rc; f++) {
        if (!(c->fs[f] & F_REPEAT))
            continue;
        const uint32_t *t = tri_of(c, f);
        uint32_t s = NONE;
        for (int k = 0; k < 3; k++)
            if (vmap[t[k]] < s)
                s = vmap[t[k]];
        if (s == NONE && (rc = new_shell(c, f, &s)))
            break;
        for (int k = 0; k < 3; k++)
            if (vmap[t[k]] == NONE)
                vmap[t[k]] = s;
        c->shell_of[f] = s;
        c->sw[s].nfacets++;
        if (f < c->sw[s].first)
            c->sw[s].first = f;
    }
    lw_free(vmap);
    if (rc)
        return rc;

    uint32_t *remap = lw_malloc((size_t)c->nshells * sizeof *remap);
    shell_work *tmp = lw_malloc((size_t)c->nshells * sizeof *tmp);
    if (!remap || !tmp) {
        lw_free(remap);
        lw_free(tmp);
        return LW_ENOMEM;
    }
    memset(remap, 0xFF, (size_t)c->nshells * sizeof *remap);
    uint32_t next = 0;
    for (uint32_t f = 0; f < c->nt; f++) {
        uint32_t s = c->shell_of[f];
        if (remap[s] == NONE)
            remap[s] = next++;
        c->shell_of[f] = remap[s];
    }
    for (uint32_t s = 0; s < c->nshells; s++)
        tmp[remap[s]] = c->sw[s];
    memcpy(c->sw, tmp, (size_t)c->nshells * sizeof *tmp);
    lw_free(tmp);
    lw_free(remap);
    return LW_OK;
}

/* Shells are the sets of facets joined through manifold edges, numbered by their lowest facet.
 * Facets across an edge both run the same way must have opposite windings (F_PAR, the winding
 * relative to the shell's lowest facet, differs across an edge exactly when its MATE_SAME bit is
 * set);
 * when an edge closes a cycle that contradicts this, the shell cannot be oriented. A flood fill
 * from each not yet reached facet, in ascending order, visits every facet and half-edge once. */
static lw_rc find_shells(check *c)
{
    uint32_t *shell = c->shell_of;
    uint8_t *fs = c->fs;
    bool repeated = false, conflict = false;
    uint32_t *stack = lw_malloc(((size_t)c->nt ? c->nt : 1) * sizeof *stack);
    if (!stack)
        return LW_ENOMEM;
    for (uint32_t f = 0; f < c->nt; f++)
        shell[f] = NONE;
    lw_rc rc = LW_OK;
    for (uint32_t f0 = 0; f0 < c->nt; f0++) {
        if (fs[f0] & F_REPEAT) {
            repeated = true;
            continue;
        }
        if (shell[f0] != NONE)
            continue;
        uint32_t s;
        if ((rc = new_shell(c, f0, &s)))
            break;
        shell_work *w = &c->sw[s];
        shell[f0] = s;
        fs[f0] &= (uint8_t)~F_PAR;
        size_t top = 0;
        stack[top++] = f0;
        while (top) {
            uint32_t f = stack[--top], pf = (fs[f] & F_PAR) ? 1 : 0;
            w->nfacets++;
            w->count[pf]++;
            if (f < w->low[pf])
                w->low[pf] = f;
            for (uint32_t k = 0; k < 3; k++) {
                uint32_t h = c->mate[3 * f + k];
                if (h >= MATE_NM)
                    continue;
                uint32_t same = h >> 31, g = (h & ~MATE_SAME) / 3;
                if (shell[g] == NONE) {
                    shell[g] = s;
                    fs[g] = (uint8_t)((fs[g] & ~F_PAR) | ((pf ^ same) ? F_PAR : 0));
                    stack[top++] = g;
                } else if ((((fs[g] & F_PAR) ? 1u : 0u) ^ pf) != same) {
                    conflict = true;
                }
            }
        }
    }
    lw_free(stack);
    if (rc)
        return rc;
    uint32_t *up = shell;
    /* Areas decide between windings: needed only where a shell has both. */
    bool mixed = false;
    for (uint32_t i = 0; i < c->nshells; i++)
        mixed |= c->sw[i].count[0] && c->sw[i].count[1];
    for (uint32_t f = 0; mixed && f < c->nt; f++) {
        shell_work *w = &c->sw[up[f]];
        if (!(fs[f] & F_REPEAT) && w->count[0] && w->count[1])
            w->area[(fs[f] & F_PAR) ? 1 : 0] += facet_area2(c, f);
    }
    /* Where a shell contradicts itself: the first such edge in facet order. */
    for (uint32_t f = 0; conflict && f < c->nt; f++) {
        if (fs[f] & F_REPEAT)
            continue;
        for (uint32_t k = 0; k < 3; k++) {
            uint32_t he = 3 * f + k, h = c->mate[he];
            if (h >= MATE_NM)
                continue;
            uint32_t g = (h & ~MATE_SAME) / 3;
            uint32_t pf = (fs[f] & F_PAR) ? 1 : 0, pg = (fs[g] & F_PAR) ? 1 : 0;
            shell_work *w = &c->sw[up[f]];
            if ((pf ^ pg) != h >> 31 && !w->conflict) {
                w->conflict = true;
                w->cface = f;
                w->cv0 = c->m->tri[he];
                w->cv1 = c->m->tri[next_he(he)];
            }
        }
    }
    if (repeated)
        rc = attach_repeated(c);
    return rc;
}

/* The larger area decides each shell's orientation (ties keep the lowest facet's winding). */
static lw_rc orient(check *c)
{
    bool any = false;
    for (uint32_t s = 0; s < c->nshells; s++) {
        shell_work *w = &c->sw[s];
        if (w->conflict) {
            lw_problem p = problem(LW_PROBLEM_NONORIENTABLE);
            p.shell = s;
            p.face = w->cface;
            p.v0 = w->cv0;
            p.v1 = w->cv1;
            edge_mid(c, w->cv0, w->cv1, p.where);
            lw_rc rc = add_problem(c, &p);
            if (rc)
                return rc;
            continue;
        }
        uint8_t minor = w->area[1] > w->area[0] ? 0 : 1;
        w->consistent = true;
        if (w->count[minor] == 0)
            continue;
        w->minority = minor;
        any = true;
        c->r->flipped_facets += w->count[minor];
        lw_problem p = problem(LW_PROBLEM_FLIPPED_FACETS);
        p.shell = s;
        p.count = w->count[minor];
        p.face = w->low[minor];
        p.fixed = c->o.fix_orientation;
        facet_centroid(c, p.face, p.where);
        lw_rc rc = add_problem(c, &p);
        if (rc)
            return rc;
        w->consistent = c->o.fix_orientation;
    }
    if (any && c->o.fix_orientation) {
        for (uint32_t f = 0; f < c->nt; f++) {
            if (c->fs[f] & F_REPEAT)
                continue;
            uint8_t par = (c->fs[f] & F_PAR) ? 1 : 0;
            if (c->sw[c->shell_of[f]].minority == par)
                flip_facet(c, f);
        }
    }
    return LW_OK;
}

/* ---- open and non-manifold edges per shell, holes ---------------------------------------- */

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static lw_rc edges_per_shell(check *c)
{
    for (uint32_t f = 0; c->r->boundary_edges && f < c->nt; f++) {
        if (c->fs[f] & F_REPEAT)
            continue;
        for (uint32_t k = 0; k < 3; k++)
            if (c->mate[3 * f + k] == MATE_OPEN)
                c->shells[c->shell_of[f]].boundary_edges++;
    }
    if (!c->nm_count)
        return LW_OK;
    uint32_t *tmp = lw_malloc(c->nm_maxgroup * sizeof *tmp);
    if (!tmp)
        return LW_ENOMEM;
    lw_rc rc = LW_OK;
    for (size_t i = 0; i < c->nm_count; i++) {
        const uint32_t *he = c->nm_he + c->nm_start[i];
        size_t n = c->nm_start[i + 1] - c->nm_start[i];
        uint32_t lowf = NONE;
        for (size_t k = 0; k < n; k++) {
            tmp[k] = c->shell_of[he[k] / 3];
            if (he[k] / 3 < lowf)
                lowf = he[k] / 3;
        }
        qsort(tmp, n, sizeof *tmp, cmp_u32);
        for (size_t k = 0; k < n;) {
            size_t j = k + 1;
            while (j < n && tmp[j] == tmp[k])
                j++;
            c->shells[tmp[k]].nonmanifold_edges++;
            if ((j - k) % 2)
                c->sw[tmp[k]].odd_nm++;
            k = j;
        }
        if (c->kinds[LW_PROBLEM_NONMANIFOLD_EDGE].n < c->o.max_problems) {
            lw_problem p = problem(LW_PROBLEM_NONMANIFOLD_EDGE);
            uint32_t a = c->m->tri[he[0]], b = c->m->tri[next_he(he[0])];
            p.v0 = a < b ? a : b;
            p.v1 = a < b ? b : a;
            p.count = (uint32_t)n;
            p.face = lowf;
            p.shell = c->shell_of[lowf];
            edge_mid(c, a, b, p.where);
            if ((rc = add_problem(c, &p)))
                break;
        }
    }
    lw_free(tmp);
    return rc;
}

typedef struct walk {
    uint32_t *bh;    /* open half-edges, ascending */
    uint32_t *vbeg;  /* nv + 1: each vertex's open edges in adj */
    uint32_t *adj;   /* indices into bh */
    uint32_t *cur;   /* per vertex: first adj entry not yet known to be used */
    uint32_t *pos;   /* per vertex: place on the walk's vertex stack, or NONE */
    uint8_t *used;
    uint32_t *vs, *es;
} walk;

static lw_rc emit_hole(check *c, const walk *w, const uint32_t *edges, size_t n)
{
    uint32_t lo = NONE;
    for (size_t i = 0; i < n; i++)
        if (edges[i] < lo)
            lo = edges[i];
    uint32_t he = w->bh[lo], f = he / 3;
    lw_problem p = problem(LW_PROBLEM_HOLE);
    p.face = f;
    p.shell = c->shell_of[f];
    p.v0 = c->m->tri[he];
    p.v1 = c->m->tri[next_he(he)];
    p.count = (uint32_t)n;
    edge_mid(c, p.v0, p.v1, p.where);
    c->r->holes++;
    c->shells[p.shell].holes++;
    return add_problem(c, &p);
}

/* Walks from vertex s along unused open edges. Whenever the walk reaches a vertex already on it,
 * the edges since then form a closed loop and are emitted, so two holes that touch at a vertex
 * stay two holes. A walk that dead-ends (open edges that end at a non-manifold edge) is emitted as
 * one chain. */
static lw_rc walk_from(check *c, walk *w, uint32_t s)
{
    size_t nvs = 1, nes = 0;
    w->vs[0] = s;
    w->pos[s] = 0;
    lw_rc rc = LW_OK;
    for (;;) {
        uint32_t v = w->vs[nvs - 1], e = NONE;
        while (w->cur[v] < w->vbeg[v + 1]) {
            uint32_t x = w->adj[w->cur[v]];
            if (!w->used[x]) {
                e = x;
                break;
            }
            w->cur[v]++;
        }
        if (e == NONE)
            break;
        w->used[e] = 1;
        uint32_t he = w->bh[e], a = c->m->tri[he], b = c->m->tri[next_he(he)];
        uint32_t to = a == v ? b : a;
        w->es[nes++] = e;
        if (w->pos[to] != NONE) {
            size_t p = w->pos[to];
            if ((rc = emit_hole(c, w, w->es + p, nes - p)))
                break;
            for (size_t i = p + 1; i < nvs; i++)
                w->pos[w->vs[i]] = NONE;
            nvs = p + 1;
            nes = p;
        } else {
            w->pos[to] = (uint32_t)nvs;
            w->vs[nvs++] = to;
        }
    }
    if (!rc && nes > 0)
        rc = emit_hole(c, w, w->es, nes);
    for (size_t i = 0; i < nvs; i++)
        w->pos[w->vs[i]] = NONE;
    return rc;
}

static lw_rc find_holes(check *c)
{
    size_t nb = (size_t)c->r->boundary_edges;
    if (nb == 0)
        return LW_OK;
    walk w;
    memset(&w, 0, sizeof w);
    size_t nv1 = (size_t)c->nv + 1;
    w.bh = lw_malloc(nb * sizeof *w.bh);
    w.vbeg = lw_calloc(nv1, sizeof *w.vbeg);
    w.adj = lw_malloc(2 * nb * sizeof *w.adj);
    w.cur = lw_malloc(nv1 * sizeof *w.cur);
    w.pos = lw_malloc(nv1 * sizeof *w.pos);
    w.used = lw_calloc(nb, 1);
    w.vs = lw_malloc((nb + 1) * sizeof *w.vs);
    w.es = lw_malloc((nb + 1) * sizeof *w.es);
    lw_rc rc = LW_OK;
    if (!w.bh || !w.vbeg || !w.adj || !w.cur || !w.pos || !w.used || !w.vs || !w.es) {
        rc = LW_ENOMEM;
        goto done;
    }
    size_t n = 0;
    for (uint32_t f = 0; f < c->nt; f++) {
        if (c->fs[f] & F_REPEAT)
            continue;
        for (uint32_t k = 0; k < 3; k++) {
            uint32_t he = 3 * f + k;
            if (c->mate[he] != MATE_OPEN)
                continue;
            w.bh[n++] = he;
            w.vbeg[c->m->tri[he] + 1]++;
            w.vbeg[c->m->tri[next_he(he)] + 1]++;
        }
    }
    for (uint32_t v = 0; v < c->nv; v++)
        w.vbeg[v + 1] += w.vbeg[v];
    memcpy(w.cur, w.vbeg, nv1 * sizeof *w.cur);
    for (size_t i = 0; i < nb; i++) {
        uint32_t he = w.bh[i];
        w.adj[w.cur[c->m->tri[he]]++] = (uint32_t)i;
        w.adj[w.cur[c->m->tri[next_he(he)]]++] = (uint32_t)i;
    }
    memcpy(w.cur, w.vbeg, nv1 * sizeof *w.cur);
    memset(w.pos, 0xFF, nv1 * sizeof *w.pos);
    /* Chains first, from their ends (vertices with an odd number of open edges), so that one
     * chain is not cut in two; then the closed loops, from their lowest open half-edge. */
    for (uint32_t v = 0; v < c->nv && !rc; v++)
        if ((w.vbeg[v + 1] - w.vbeg[v]) % 2)
            rc = walk_from(c, &w, v);
    for (size_t i = 0; i < nb && !rc; i++)
        if (!w.used[i])
            rc = walk_from(c, &w, c->m->tri[w.bh[i]]);
done:
    lw_free(w.bh);
    lw_free(w.vbeg);
    lw_free(w.adj);
    lw_free(w.cur);
    lw_free(w.pos);
    lw_free(w.used);
    lw_free(w.vs);
    lw_free(w.es);
    return rc;
}

/* ---- measuring shells -------------------------------------------------------------------- */

static lw_rc group_by_shell(check *c)
{
    c->order = lw_malloc((size_t)c->nt * sizeof *c->order);
    c->order_at = lw_calloc((size_t)c->nshells + 1, sizeof *c->order_at);
    if (!c->order || !c->order_at)
        return LW_ENOMEM;
    for (uint32_t f = 0; f < c->nt; f++)
        c->order_at[c->shell_of[f] + 1]++;
    for (uint32_t s = 0; s < c->nshells; s++)
        c->order_at[s + 1] += c->order_at[s];
    for (uint32_t f = 0; f < c->nt; f++)
        c->order[c->order_at[c->shell_of[f]]++] = f;
    for (uint32_t s = c->nshells; s > 0; s--)
        c->order_at[s] = c->order_at[s - 1];
    c->order_at[0] = 0;
    return LW_OK;
}

static void measure_shell(check *c, uint32_t s)
{
    if (c->nshells == 1)
        lw_mesh_measure(c->m, NULL, 0, &c->shells[s].m);
    else
        lw_mesh_measure(c->m, c->order + c->order_at[s], c->order_at[s + 1] - c->order_at[s],
                        &c->shells[s].m);
}

/* A volume this small next to the shell's area times its size is a flat or two-sided surface:
 * it encloses nothing and has no inside or outside. */
static bool has_volume(const lw_measure *me)
{
    double d = 0;
    for (int k = 0; k < 3; k++)
        d = dmax(d, me->bbox.max[k] - me->bbox.min[k]);
    return fabs(me->volume) > 1e-9 * me->area * d;
}

/* ---- solids: grids over facets ----------------------------------------------------------- */

/* A uniform grid of facet ids, 3-D over the facets' boxes, or 2-D over their projections along
 * a direction (basis != NULL: e1, e2, d) for casting rays. */
typedef struct grid {
    double lo[3], inv[3];
    uint32_t dim[3];
    uint32_t *start; /* cells + 1 (entries fit 32 bits: checked when built) */
    uint32_t *items;
    bool built;
} grid;

static void facet_box(const check *c, const double *basis, uint32_t f, double pad, double lo[3],
                      double hi[3])
{
    const uint32_t *t = tri_of(c, f);
    for (int k = 0; k < 3; k++) {
        lo[k] = INFINITY;
        hi[k] = -INFINITY;
    }
    for (int i = 0; i < 3; i++) {
        const double *p = vtx(c, t[i]);
        double q[3] = {p[0], p[1], p[2]};
        if (basis) {
            q[0] = p[0] * basis[0] + p[1] * basis[1] + p[2] * basis[2];
            q[1] = p[0] * basis[3] + p[1] * basis[4] + p[2] * basis[5];
            q[2] = 0;
        }
        for (int k = 0; k < 3; k++) {
            lo[k] = dmin(lo[k], q[k]);
            hi[k] = dmax(hi[k], q[k]);
        }
    }
    for (int k = 0; k < 3; k++) {
        lo[k] -= pad;
        hi[k] += pad;
    }
}

static uint32_t cell_of(const grid *g, int k, double x)
{
    double y = (x - g->lo[k]) * g->inv[k];
    if (!(y > 0))
        return 0;
    if (y >= (double)g->dim[k])
        return g->dim[k] - 1;
    return (uint32_t)y;
}

static void cell_range(const grid *g, const double lo[3], const double hi[3], uint32_t a[3],
                       uint32_t b[3])
{
    for (int k = 0; k < 3; k++) {
        a[k] = cell_of(g, k, lo[k]);
        b[k] = cell_of(g, k, hi[k]);
    }
}

static size_t cell_index(const grid *g, uint32_t x, uint32_t y, uint32_t z)
{
    return ((size_t)z * g->dim[1] + y) * g->dim[0] + x;
}

static bool boxes_meet(const double alo[3], const double ahi[3], const double blo[3],
                       const double bhi[3])
{
    for (int k = 0; k < 3; k++)
        if (!(alo[k] <= bhi[k] && blo[k] <= ahi[k]))
            return false;
    return true;
}

/* The box of b's corners, projected on the basis when there is one, grown by pad. */
static void box_of(const lw_bbox *b, const double *basis, double pad, double lo[3], double hi[3])
{
    for (int k = 0; k < 3; k++) {
        lo[k] = INFINITY;
        hi[k] = -INFINITY;
    }
    for (int i = 0; i < 8; i++) {
        double p[3] = {i & 1 ? b->max[0] : b->min[0], i & 2 ? b->max[1] : b->min[1],
                       i & 4 ? b->max[2] : b->min[2]};
        if (basis) {
            double q0 = dot3(p, basis), q1 = dot3(p, basis + 3);
            p[0] = q0;
            p[1] = q1;
            p[2] = 0;
        }
        for (int k = 0; k < 3; k++) {
            lo[k] = dmin(lo[k], p[k] - pad);
            hi[k] = dmax(hi[k], p[k] + pad);
        }
    }
}

/* Builds a grid of shell s's non-degenerate facets (only those meeting `region`, in projection
 * for a 2-D grid, when region is not NULL) with about one cell per facet (2-D: two), coarsened
 * while facets spanning many cells would make it much larger than the mesh. Each facet's cell
 * range is computed once and kept (16 bits a side: at most 1024 cells per axis); coarsening
 * halves the cell size exactly, so the ranges are halved by a shift. */
static lw_rc grid_build(check *c, grid *g, uint32_t s, const double *basis, double pad,
                        const lw_bbox *region)
{
    const uint32_t *fl = c->order + c->order_at[s];
    size_t nf = c->order_at[s + 1] - c->order_at[s], n = 0;
    memset(g, 0, sizeof *g);
    g->built = true;
    double lo[3], hi[3], ext[3], big = 0;
    box_of(&c->shells[s].m.bbox, basis, pad, lo, hi);
    if (region) {
        double rlo[3], rhi[3];
        box_of(region, basis, pad, rlo, rhi);
        for (int k = 0; k < 3; k++) {
            lo[k] = dmax(lo[k], rlo[k]);
            hi[k] = dmin(hi[k], rhi[k]);
        }
    }
    uint32_t *ids = lw_malloc((nf ? nf : 1) * sizeof *ids);
    if (!ids)
        return LW_ENOMEM;
    for (size_t i = 0; i < nf; i++) {
        uint32_t f = fl[i];
        if (c->fs[f] & F_DEGEN)
            continue;
        if (region) {
            double a[3], b[3];
            facet_box(c, basis, f, pad, a, b);
            if (!boxes_meet(a, b, lo, hi))
                continue;
        }
        ids[n++] = f;
    }
    int dims = basis ? 2 : 3;
    for (int k = 0; k < 3; k++) {
        ext[k] = n ? hi[k] - lo[k] : 0;
        big = dmax(big, ext[k]);
        g->lo[k] = lo[k];
    }
    double target = dmin((double)n * (basis ? 0.5 : 1.0) + 8, (double)(1u << 22)), vol = 1;
    for (int k = 0; k < dims; k++)
        vol *= dmax(ext[k], 1e-6 * big);
    double h = big > 0 ? pow(vol / target, 1.0 / dims) : 1;
    for (int k = 0; k < 3; k++) {
        double d = k < dims && big > 0 ? ceil(ext[k] / h) : 1;
        g->dim[k] = d < 1 ? 1 : d > 1024 ? 1024 : (uint32_t)d;
        g->inv[k] = ext[k] > 0 ? g->dim[k] / ext[k] : 0;
    }
    uint16_t *rg = lw_malloc((n ? n : 1) * 6 * sizeof *rg);
    if (!rg) {
        lw_free(ids);
        return LW_ENOMEM;
    }
    size_t total = 0;
    for (size_t j = 0; j < n; j++) {
        double a[3], b[3];
        uint32_t ca[3], cb[3];
        facet_box(c, basis, ids[j], pad, a, b);
        cell_range(g, a, b, ca, cb);
        for (int k = 0; k < 3; k++) {
            rg[6 * j + k] = (uint16_t)ca[k];
            rg[6 * j + 3 + k] = (uint16_t)cb[k];
        }
        total += (size_t)(cb[0] - ca[0] + 1) * (cb[1] - ca[1] + 1) * (cb[2] - ca[2] + 1);
    }
    while (total > 8 * n + 1024 && (g->dim[0] > 1 || g->dim[1] > 1 || g->dim[2] > 1)) {
        total = 0;
        for (int k = 0; k < 3; k++) {
            g->dim[k] = (g->dim[k] + 1) / 2;
            g->inv[k] /= 2;
        }
        for (size_t i = 0; i < 6 * n; i++)
            rg[i] >>= 1;
        for (size_t i = 0; i < n; i++) {
            const uint16_t *r = rg + 6 * i;
            total += (size_t)(r[3] - r[0] + 1) * (r[4] - r[1] + 1) * (r[5] - r[2] + 1);
        }
    }
    size_t cells = (size_t)g->dim[0] * g->dim[1] * g->dim[2];
    if (total <= UINT32_MAX) {
        g->start = lw_calloc(cells + 1, sizeof *g->start);
        g->items = lw_malloc((total ? total : 1) * sizeof *g->items);
    }
    lw_rc rc = total > UINT32_MAX ? LW_ELIMIT : !g->start || !g->items ? LW_ENOMEM : LW_OK;
    for (int pass = 0; pass < 2 && !rc; pass++) {
        for (size_t j = 0; j < n; j++) {
            const uint16_t *r = rg + 6 * j;
            for (uint32_t z = r[2]; z <= r[5]; z++)
                for (uint32_t y = r[1]; y <= r[4]; y++)
                    for (uint32_t x = r[0]; x <= r[3]; x++) {
                        size_t ci = cell_index(g, x, y, z);
                        if (pass == 0)
                            g->start[ci + 1]++;
                        else
                            g->items[g->start[ci]++] = ids[j];
                    }
        }
        if (pass == 0)
            for (size_t i = 0; i < cells; i++)
                g->start[i + 1] += g->start[i];
    }
    lw_free(rg);
    lw_free(ids);
    if (rc)
        return rc;
    for (size_t i = cells; i > 0; i--)
        g->start[i] = g->start[i - 1];
    g->start[0] = 0;
    return LW_OK;
}

static void grid_free(grid *g)
{
    lw_free(g->start);
    lw_free(g->items);
    memset(g, 0, sizeof *g);
}

/* ---- solids: do two surfaces cross? ------------------------------------------------------ */

/* The segment where triangle x (vertex distances d from the other plane, snapped to 0 within
 * tolerance, with both signs present) meets that plane. */
static void plane_segment(const double x[3][3], const double d[3], double s[2][3])
{
    int n = 0;
    for (int i = 0; i < 3 && n < 2; i++) {
        int j = (i + 1) % 3;
        if (d[i] == 0) {
            memcpy(s[n++], x[i], sizeof s[0]);
        } else if ((d[i] < 0 && d[j] > 0) || (d[i] > 0 && d[j] < 0)) {
            double t = d[i] / (d[i] - d[j]);
            for (int k = 0; k < 3; k++)
                s[n][k] = x[i][k] + t * (x[j][k] - x[i][k]);
            n++;
        }
    }
    if (n < 2)
        memcpy(s[1], s[0], sizeof s[0]);
}

/* Whether the triangles cross properly: each has corners strictly on both sides of the other's
 * plane and the two crossing segments overlap along a stretch longer than the tolerance. Shared
 * faces, edges or corners (touching) are not crossings. *where receives the middle of the
 * overlap, a point on both surfaces. */
static bool tri_cross(const check *c, uint32_t fa, uint32_t fb, double where[3])
{
    const uint32_t *ta = tri_of(c, fa), *tb = tri_of(c, fb);
    const double *o = vtx(c, ta[0]);
    double P[3][3], Q[3][3], size = 0;
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++) {
            P[i][k] = vtx(c, ta[i])[k] - o[k];
            Q[i][k] = vtx(c, tb[i])[k] - o[k];
            size = dmax(size, dmax(fabs(P[i][k]), fabs(Q[i][k])));
        }
    double tol = 1e-9 * size, u[3], v[3], np[3], nq[3];
    for (int k = 0; k < 3; k++) {
        u[k] = P[1][k] - P[0][k];
        v[k] = P[2][k] - P[0][k];
    }
    cross3(u, v, np);
    for (int k = 0; k < 3; k++) {
        u[k] = Q[1][k] - Q[0][k];
        v[k] = Q[2][k] - Q[0][k];
    }
    cross3(u, v, nq);
    double lp = sqrt(dot3(np, np)), lq = sqrt(dot3(nq, nq));
    if (!(lp > 0) || !(lq > 0))
        return false;
    double dp[3], dq[3];
    int pp = 0, pn = 0, qp = 0, qn = 0;
    for (int i = 0; i < 3; i++) {
        double w[3] = {P[i][0] - Q[0][0], P[i][1] - Q[0][1], P[i][2] - Q[0][2]};
        dp[i] = dot3(nq, w) / lq;
        dq[i] = dot3(np, Q[i]) / lp; /* P[0] is the origin */
        if (fabs(dp[i]) <= tol)
            dp[i] = 0;
        if (fabs(dq[i]) <= tol)
            dq[i] = 0;
        pp += dp[i] > 0;
        pn += dp[i] < 0;
        qp += dq[i] > 0;
        qn += dq[i] < 0;
    }
    if (!pp || !pn || !qp || !qn)
        return false;
    double sp[2][3], sq[2][3], dir[3];
    plane_segment((const double(*)[3])P, dp, sp);
    plane_segment((const double(*)[3])Q, dq, sq);
    cross3(np, nq, dir);
    double ld = sqrt(dot3(dir, dir));
    if (!(ld > 0))
        return false;
    double a0 = dot3(sp[0], dir) / ld, a1 = dot3(sp[1], dir) / ld;
    double b0 = dot3(sq[0], dir) / ld, b1 = dot3(sq[1], dir) / ld;
    double lo = dmax(dmin(a0, a1), dmin(b0, b1)), hi = dmin(dmax(a0, a1), dmax(b0, b1));
    if (!(hi - lo > tol))
        return false;
    double mid = 0.5 * (lo + hi), t = a1 != a0 ? (mid - a0) / (a1 - a0) : 0;
    for (int k = 0; k < 3; k++)
        where[k] = o[k] + sp[0][k] + t * (sp[1][k] - sp[0][k]);
    return true;
}

typedef struct solids {
    grid *g3, *g2;     /* per shell: grids of the whole shell, kept once built */
    grid t3[2], t2[2]; /* the current pair's grids over the partner's box only */
    uint32_t *partners;/* per shell: the pairs it is in */
    uint32_t *solid;   /* per shell: its non-degenerate facets */
    uint32_t *stamp;   /* per facet: last query that met it */
    uint32_t tick;
    double basis[9];   /* e1, e2, ray direction */
} solids;

static uint32_t next_tick(check *c, solids *so)
{
    if (++so->tick == 0) {
        memset(so->stamp, 0, (size_t)c->nt * sizeof *so->stamp);
        so->tick = 1;
    }
    return so->tick;
}

static double shell_delta(const check *c, uint32_t s)
{
    const lw_bbox *b = &c->shells[s].m.bbox;
    double d = 0;
    for (int k = 0; k < 3; k++)
        d = dmax(d, b->max[k] - b->min[k]);
    return 1e-9 * d;
}

/* A grid of shell s for its pair with p (`which` = 0 for the pair's first shell, 1 for the
 * second): a shell with several partners, or a small one, gets a grid of all its facets, built
 * once and kept; a big shell with one or two partners (a ring with a cavity or a stone) gets one
 * of only the facets near p, built for this pair, which costs a pass over its facets instead of
 * a grid of a million of them. */
static lw_rc pair_grid(check *c, solids *so, uint32_t s, uint32_t p, int which, bool ray,
                       const grid **out)
{
    const double *basis = ray ? so->basis : NULL;
    double pad = ray ? shell_delta(c, s) : 0;
    grid *g = ray ? &so->g2[s] : &so->g3[s];
    lw_rc rc = LW_OK;
    if (so->partners[s] > 2 || c->sw[s].nfacets <= 20000) {
        if (!g->built)
            rc = grid_build(c, g, s, basis, pad, NULL);
    } else {
        g = ray ? &so->t2[which] : &so->t3[which];
        if (!g->built) {
            lw_bbox r = c->shells[p].m.bbox;
            double grow = shell_delta(c, s) + shell_delta(c, p);
            for (int k = 0; k < 3; k++) {
                r.min[k] -= grow;
                r.max[k] += grow;
            }
            rc = grid_build(c, g, s, basis, pad, &r);
        }
    }
    *out = g;
    return rc;
}

/* Searches for a proper crossing between the surfaces of shells a and b: each facet of a (from
 * its grid ga) inside b's box, against the facets of b (grid gb) near it. */
static void surfaces_cross(check *c, solids *so, uint32_t b, const grid *ga, const grid *gb,
                           bool *hit, double where[3])
{
    *hit = false;
    const lw_bbox *bb = &c->shells[b].m.bbox;
    uint32_t ca[3], cb[3];
    cell_range(ga, bb->min, bb->max, ca, cb);
    uint32_t ta = next_tick(c, so);
    for (uint32_t z = ca[2]; z <= cb[2]; z++)
        for (uint32_t y = ca[1]; y <= cb[1]; y++)
            for (uint32_t x = ca[0]; x <= cb[0]; x++) {
                size_t ci = cell_index(ga, x, y, z);
                for (size_t i = ga->start[ci]; i < ga->start[ci + 1]; i++) {
                    uint32_t f = ga->items[i];
                    if (so->stamp[f] == ta)
                        continue;
                    so->stamp[f] = ta;
                    double flo[3], fhi[3];
                    facet_box(c, NULL, f, 0, flo, fhi);
                    if (!boxes_meet(flo, fhi, bb->min, bb->max))
                        continue;
                    uint32_t da[3], db[3];
                    cell_range(gb, flo, fhi, da, db);
                    for (uint32_t zz = da[2]; zz <= db[2]; zz++)
                        for (uint32_t yy = da[1]; yy <= db[1]; yy++)
                            for (uint32_t xx = da[0]; xx <= db[0]; xx++) {
                                size_t cj = cell_index(gb, xx, yy, zz);
                                for (size_t j = gb->start[cj]; j < gb->start[cj + 1]; j++) {
                                    uint32_t g = gb->items[j];
                                    double glo[3], ghi[3];
                                    facet_box(c, NULL, g, 0, glo, ghi);
                                    if (!boxes_meet(flo, fhi, glo, ghi))
                                        continue;
                                    /* g may sit in several of these cells: test the pair only
                                     * in the cell holding the low corner of the boxes' overlap. */
                                    if (cell_of(gb, 0, dmax(flo[0], glo[0])) != xx ||
                                        cell_of(gb, 1, dmax(flo[1], glo[1])) != yy ||
                                        cell_of(gb, 2, dmax(flo[2], glo[2])) != zz)
                                        continue;
                                    if (tri_cross(c, f, g, where)) {
                                        *hit = true;
                                        return;
                                    }
                                }
                            }
                }
            }
}

/* ---- solids: is a point inside a closed shell? -------------------------------------------- */

enum { RAY_OUT, RAY_IN, RAY_ON, RAY_UNSURE };

/* Casts a ray from q along the generic direction basis[6..8] through a shell's facets (its 2-D
 * grid g) and counts crossings. RAY_ON: q is within delta of the surface; RAY_UNSURE: the ray
 * passes within delta of an edge or corner, where counting could go wrong, so the caller tries
 * another point. Parity, not winding, so it holds whichever way the shell faces. */
static int ray_classify(const check *c, const grid *g, const double *basis, double delta,
                        const double q[3])
{
    const double *e1 = basis, *e2 = basis + 3, *dir = basis + 6;
    double qp[3] = {dot3(q, e1), dot3(q, e2), 0};
    if (qp[0] < g->lo[0] || qp[1] < g->lo[1] || qp[0] > g->lo[0] + g->dim[0] / g->inv[0] ||
        qp[1] > g->lo[1] + g->dim[1] / g->inv[1])
        return RAY_OUT;
    size_t ci = cell_index(g, cell_of(g, 0, qp[0]), cell_of(g, 1, qp[1]), 0);
    unsigned crossings = 0;
    for (size_t i = g->start[ci]; i < g->start[ci + 1]; i++) {
        const uint32_t *t = tri_of(c, g->items[i]);
        double u[3], v[3], w[3];
        for (int j = 0; j < 3; j++) {
            const double *p = vtx(c, t[j]);
            double r[3] = {p[0] - q[0], p[1] - q[1], p[2] - q[2]};
            u[j] = dot3(r, e1);
            v[j] = dot3(r, e2);
            w[j] = dot3(r, dir);
        }
        if (dmax(u[0], dmax(u[1], u[2])) < -delta || dmin(u[0], dmin(u[1], u[2])) > delta ||
            dmax(v[0], dmax(v[1], v[2])) < -delta || dmin(v[0], dmin(v[1], v[2])) > delta)
            continue;
        double d[3], l[3], lmax = 0, sum = 0;
        for (int j = 0; j < 3; j++) {
            int k = (j + 1) % 3;
            d[j] = u[j] * v[k] - v[j] * u[k]; /* q's side of edge j -> k, times its length */
            l[j] = sqrt((u[k] - u[j]) * (u[k] - u[j]) + (v[k] - v[j]) * (v[k] - v[j]));
            lmax = dmax(lmax, l[j]);
            sum += d[j];
        }
        if (fabs(sum) <= delta * lmax) {
            /* Seen edge-on: the ray grazes it only if q is on its line. */
            int j = l[0] == lmax ? 0 : l[1] == lmax ? 1 : 2;
            if (fabs(d[j]) <= delta * l[j])
                return RAY_UNSURE;
            continue;
        }
        double sg = sum > 0 ? 1 : -1;
        bool out = false, in = true;
        for (int j = 0; j < 3; j++) {
            if (d[j] * sg < -delta * l[j])
                out = true;
            if (!(d[j] * sg > delta * l[j]))
                in = false;
        }
        if (out)
            continue;
        if (!in)
            return RAY_UNSURE;
        /* Depth of the facet along the ray at q, from barycentric weights. */
        double depth = (d[1] * w[0] + d[2] * w[1] + d[0] * w[2]) / sum;
        if (fabs(depth) <= delta)
            return RAY_ON;
        if (depth > 0)
            crossings++;
    }
    return crossings % 2 ? RAY_IN : RAY_OUT;
}

enum { ST_OUT, ST_IN, ST_MIXED, ST_ON };

/* Where shell i lies relative to closed shell j, judged from points inside i's facets (from i's
 * grid gi) cast against j (its ray grid gj): all inside (nested), some in and some out (the
 * surfaces meet without a proper crossing: overlap), all on j's surface (a duplicate), or out.
 * *where gets a point of i inside j. */
static void shell_status(check *c, solids *so, uint32_t i, uint32_t j, const grid *gi,
                         const grid *gj, int *status, double where[3])
{
    static const double tries[4][3] = {
        {1.0 / 3, 1.0 / 3, 1.0 / 3}, {0.2, 0.3, 0.5}, {0.45, 0.2, 0.35}, {0.3, 0.55, 0.15}};
    double delta = shell_delta(c, j);
    const lw_bbox *bb = &c->shells[j].m.bbox;
    double lo[3], hi[3];
    for (int k = 0; k < 3; k++) {
        lo[k] = bb->min[k] - delta;
        hi[k] = bb->max[k] + delta;
    }
    uint32_t ca[3], cb[3];
    cell_range(gi, lo, hi, ca, cb);
    uint32_t tk = next_tick(c, so);
    size_t inbox = 0, in = 0, out = 0, on = 0;
    for (uint32_t z = ca[2]; z <= cb[2]; z++)
        for (uint32_t y = ca[1]; y <= cb[1]; y++)
            for (uint32_t x = ca[0]; x <= cb[0]; x++) {
                size_t ci = cell_index(gi, x, y, z);
                for (size_t n = gi->start[ci]; n < gi->start[ci + 1]; n++) {
                    uint32_t f = gi->items[n];
                    if (so->stamp[f] == tk)
                        continue;
                    so->stamp[f] = tk;
                    double p[3];
                    facet_centroid(c, f, p);
                    if (!boxes_meet(p, p, lo, hi))
                        continue;
                    inbox++;
                    int res = RAY_UNSURE;
                    bool seen_on = false;
                    for (int t = 0; t < 4 && (res == RAY_UNSURE || res == RAY_ON); t++) {
                        facet_point(c, f, tries[t], p);
                        res = ray_classify(c, gj, so->basis, delta, p);
                        seen_on |= res == RAY_ON;
                    }
                    if (res == RAY_IN) {
                        if (in++ == 0)
                            memcpy(where, p, 3 * sizeof *p);
                    } else if (res == RAY_OUT) {
                        out++;
                    } else if (seen_on) {
                        on++;
                    }
                    if (in && out)
                        goto decided;
                }
            }
decided:
    out += so->solid[i] - inbox; /* facets whose centre is outside j's box */
    if (in && out)
        *status = ST_MIXED;
    else if (in)
        *status = ST_IN;
    else if (!out && on)
        *status = ST_ON;
    else
        *status = ST_OUT;
    if (*status == ST_ON)
        facet_centroid(c, c->sw[i].first, where);
}

typedef struct pair {
    uint32_t a, b;
} pair;

static int cmp_pair(const void *x, const void *y)
{
    const pair *p = x, *q = y;
    if (p->a != q->a)
        return p->a < q->a ? -1 : 1;
    return p->b < q->b ? -1 : p->b > q->b;
}

static lw_rc add_overlap(check *c, uint32_t a, uint32_t b, const double where[3])
{
    c->r->overlapping_pairs++;
    lw_problem p = problem(LW_PROBLEM_OVERLAPPING_SHELLS);
    p.shell = a;
    p.other_shell = b;
    memcpy(p.where, where, sizeof p.where);
    return add_problem(c, &p);
}

static bool boxes_overlap_open(const lw_bbox *a, const lw_bbox *b)
{
    for (int k = 0; k < 3; k++)
        if (!(a->min[k] < b->max[k] && b->min[k] < a->max[k]))
            return false;
    return true;
}

static void ray_basis(double b[9])
{
    /* A direction with no simple relation to the axes or to regular polygons, so rays from
     * generic points are unlikely to graze edges of CAD or revolved meshes. */
    double d[3] = {0.6071, 0.3917, 0.6913}, z[3] = {0, 0, 1}, e1[3], e2[3];
    double l = sqrt(dot3(d, d));
    for (int k = 0; k < 3; k++)
        d[k] /= l;
    cross3(d, z, e1);
    l = sqrt(dot3(e1, e1));
    for (int k = 0; k < 3; k++)
        e1[k] /= l;
    cross3(d, e1, e2);
    memcpy(b, e1, sizeof e1);
    memcpy(b + 3, e2, sizeof e2);
    memcpy(b + 6, d, sizeof d);
}

/* Pairs of sealed shells whose boxes overlap, by a sweep along x, sorted. */
static lw_rc candidate_pairs(check *c, pair **out, size_t *nout)
{
    uint32_t *sealed = lw_malloc(((size_t)c->nshells ? c->nshells : 1) * sizeof *sealed);
    if (!sealed)
        return LW_ENOMEM;
    size_t ns = 0, np = 0, cap = 0;
    for (uint32_t s = 0; s < c->nshells; s++)
        if (c->sw[s].sealed)
            sealed[ns++] = s;
    for (size_t i = 1; i < ns; i++) { /* insertion sort by box start: few shells in practice */
        uint32_t x = sealed[i];
        size_t j = i;
        while (j > 0 && c->shells[sealed[j - 1]].m.bbox.min[0] > c->shells[x].m.bbox.min[0]) {
            sealed[j] = sealed[j - 1];
            j--;
        }
        sealed[j] = x;
    }
    pair *pairs = NULL;
    lw_rc rc = LW_OK;
    for (size_t i = 0; i < ns && !rc; i++) {
        const lw_bbox *a = &c->shells[sealed[i]].m.bbox;
        for (size_t j = i + 1; j < ns && c->shells[sealed[j]].m.bbox.min[0] < a->max[0]; j++) {
            if (!boxes_overlap_open(a, &c->shells[sealed[j]].m.bbox))
                continue;
            if ((rc = LW_VEC_RESERVE(pairs, cap, np + 1, SIZE_MAX / sizeof *pairs)))
                break;
            uint32_t x = sealed[i], y = sealed[j];
            pairs[np].a = x < y ? x : y;
            pairs[np++].b = x < y ? y : x;
        }
    }
    lw_free(sealed);
    if (rc) {
        lw_free(pairs);
        return rc;
    }
    if (np)
        qsort(pairs, np, sizeof *pairs, cmp_pair);
    *out = pairs;
    *nout = np;
    return LW_OK;
}

/* One pair: crossing surfaces, else how each lies relative to the other. */
static lw_rc judge_pair(check *c, solids *so, uint32_t a, uint32_t b)
{
    const grid *a3, *b3, *a2, *b2;
    lw_rc rc;
    if ((rc = pair_grid(c, so, a, b, 0, false, &a3)) ||
        (rc = pair_grid(c, so, b, a, 1, false, &b3)))
        return rc;
    bool hit;
    double where[3];
    if (c->sw[a].nfacets <= c->sw[b].nfacets)
        surfaces_cross(c, so, b, a3, b3, &hit, where);
    else
        surfaces_cross(c, so, a, b3, a3, &hit, where);
    if (hit)
        return add_overlap(c, a, b, where);
    if ((rc = pair_grid(c, so, a, b, 0, true, &a2)) ||
        (rc = pair_grid(c, so, b, a, 1, true, &b2)))
        return rc;
    int sab, sba;
    double wab[3], wba[3];
    shell_status(c, so, a, b, a3, b2, &sab, wab);
    shell_status(c, so, b, a, b3, a2, &sba, wba);
    bool same_way = (c->shells[a].m.volume > 0) == (c->shells[b].m.volume > 0);
    if (sab == ST_MIXED || (sab == ST_ON && same_way))
        return add_overlap(c, a, b, wab);
    if (sba == ST_MIXED || (sba == ST_ON && same_way))
        return add_overlap(c, a, b, wba);
    if (sab == ST_IN || sba == ST_IN) {
        /* Nested: count the depth; the innermost encloser is the smallest one. */
        uint32_t in = sab == ST_IN ? a : b, outer = sab == ST_IN ? b : a;
        shell_work *w = &c->sw[in];
        w->depth++;
        if (w->inner == NONE ||
            fabs(c->shells[outer].m.volume) < fabs(c->shells[w->inner].m.volume)) {
            w->inner = outer;
            memcpy(w->nest_at, sab == ST_IN ? wab : wba, sizeof w->nest_at);
        }
    }
    return LW_OK;
}

/* Tests every pair of sealed shells whose boxes overlap: crossing surfaces, then nesting.
 * Fills sw[].depth / sw[].inner and records overlaps. */
static lw_rc find_solids(check *c)
{
    pair *pairs = NULL;
    size_t npairs = 0;
    lw_rc rc = candidate_pairs(c, &pairs, &npairs);
    if (rc || npairs == 0)
        return rc;
    solids so;
    memset(&so, 0, sizeof so);
    so.g3 = lw_calloc(c->nshells, sizeof *so.g3);
    so.g2 = lw_calloc(c->nshells, sizeof *so.g2);
    so.partners = lw_calloc(c->nshells, sizeof *so.partners);
    so.solid = lw_calloc(c->nshells, sizeof *so.solid);
    so.stamp = lw_calloc(c->nt, sizeof *so.stamp);
    if (!so.g3 || !so.g2 || !so.partners || !so.solid || !so.stamp) {
        rc = LW_ENOMEM;
        goto done;
    }
    ray_basis(so.basis);
    for (size_t k = 0; k < npairs; k++) {
        so.partners[pairs[k].a]++;
        so.partners[pairs[k].b]++;
    }
    for (uint32_t f = 0; f < c->nt; f++)
        so.solid[c->shell_of[f]] += !(c->fs[f] & F_DEGEN);
    for (size_t k = 0; k < npairs && !rc; k++) {
        rc = judge_pair(c, &so, pairs[k].a, pairs[k].b);
        for (int i = 0; i < 2; i++) {
            grid_free(&so.t3[i]);
            grid_free(&so.t2[i]);
        }
    }
done:
    for (uint32_t s = 0; s < c->nshells; s++) {
        if (so.g3)
            grid_free(&so.g3[s]);
        if (so.g2)
            grid_free(&so.g2[s]);
    }
    lw_free(so.g3);
    lw_free(so.g2);
    lw_free(so.partners);
    lw_free(so.solid);
    lw_free(so.stamp);
    lw_free(pairs);
    return rc;
}

/* ---- verdicts, totals, problems ---------------------------------------------------------- */

static void shell_facets(const check *c, uint32_t s, const uint32_t **list, size_t *n)
{
    if (c->nshells == 1) {
        *list = NULL;
        *n = c->nt;
    } else {
        *list = c->order + c->order_at[s];
        *n = c->order_at[s + 1] - c->order_at[s];
    }
}

/* Without the pairwise tests a shell inside another's box may be a cavity: give it no verdict. */
static bool boxed_by_another(const check *c, uint32_t s)
{
    const lw_bbox *a = &c->shells[s].m.bbox;
    for (uint32_t t = 0; t < c->nshells; t++) {
        const lw_bbox *b = &c->shells[t].m.bbox;
        if (t != s && c->sw[t].sealed && b->min[0] <= a->min[0] && b->min[1] <= a->min[1] &&
            b->min[2] <= a->min[2] && a->max[0] <= b->max[0] && a->max[1] <= b->max[1] &&
            a->max[2] <= b->max[2])
            return true;
    }
    return false;
}

/* Nesting depth decides what a closed shell should be: at even depth (0 = not enclosed) solid
 * metal, facing out; at odd depth a void, facing in. An inward shell at even depth is inside
 * out; an outward one at odd depth is metal inside metal. */
static lw_rc judge_shells(check *c)
{
    for (uint32_t s = 0; s < c->nshells; s++) {
        shell_work *w = &c->sw[s];
        lw_shell *sh = &c->shells[s];
        sh->inside_of = w->inner == NONE ? -1 : (int32_t)w->inner;
        if (!w->sealed)
            continue;
        bool odd = w->depth % 2;
        lw_rc rc;
        if (sh->m.volume > 0) {
            if (odd && (rc = add_overlap(c, s, w->inner, w->nest_at)))
                return rc;
            continue;
        }
        if (odd) {
            sh->cavity = true;
            continue;
        }
        if (!c->o.find_overlaps && boxed_by_another(c, s))
            continue;
        sh->inverted = true;
        c->r->inverted_shells++;
        lw_problem p = problem(LW_PROBLEM_INVERTED_SHELL);
        p.shell = s;
        p.face = w->first;
        p.fixed = c->o.fix_inverted;
        facet_centroid(c, w->first, p.where);
        if ((rc = add_problem(c, &p)))
            return rc;
        if (c->o.fix_inverted) {
            const uint32_t *list;
            size_t n;
            shell_facets(c, s, &list, &n);
            for (size_t i = 0; i < n; i++)
                flip_facet(c, list ? list[i] : (uint32_t)i);
            measure_shell(c, s);
        }
    }
    return LW_OK;
}

static void totals(check *c)
{
    lw_measure *t = &c->r->total;
    memset(t, 0, sizeof *t);
    lw_bbox_empty(&t->bbox);
    if (c->nshells == 1) {
        *t = c->shells[0].m;
        return;
    }
    double vm[3] = {0, 0, 0}, am[3] = {0, 0, 0};
    for (uint32_t s = 0; s < c->nshells; s++) {
        const lw_measure *m = &c->shells[s].m;
        t->volume += m->volume;
        t->area += m->area;
        t->nfaces += m->nfaces;
        for (int k = 0; k < 3; k++) {
            vm[k] += m->volume * m->centroid[k];
            am[k] += m->area * m->centroid[k];
            t->bbox.min[k] = dmin(t->bbox.min[k], m->bbox.min[k]);
            t->bbox.max[k] = dmax(t->bbox.max[k], m->bbox.max[k]);
        }
    }
    for (int k = 0; k < 3; k++)
        t->centroid[k] = has_volume(t) ? vm[k] / t->volume : t->area > 0 ? am[k] / t->area : 0;
}

/* When problems must be capped, every kind present gets its turn, so a thousand degenerate
 * facets cannot hide the one hole. Listed by kind, each kind in the order found. */
static lw_rc gather_problems(check *c)
{
    size_t take[NKINDS] = {0}, total = 0;
    for (bool more = true; more && total < c->o.max_problems;) {
        more = false;
        for (int k = 0; k < NKINDS && total < c->o.max_problems; k++)
            if (take[k] < c->kinds[k].n) {
                take[k]++;
                total++;
                more = true;
            }
    }
    if (!total)
        return LW_OK;
    lw_problem *p = lw_malloc(total * sizeof *p);
    if (!p)
        return LW_ENOMEM;
    size_t n = 0;
    for (int k = 0; k < NKINDS; k++) {
        if (take[k])
            memcpy(p + n, c->kinds[k].p, take[k] * sizeof *p);
        n += take[k];
    }
    c->r->problems = p;
    c->r->nproblems = n;
    return LW_OK;
}

static void free_work(check *c)
{
    lw_free(c->fs);
    lw_free(c->mate);
    lw_free(c->sw);
    lw_free(c->nm_he);
    lw_free(c->nm_start);
    lw_free(c->order);
    lw_free(c->order_at);
    for (int k = 0; k < NKINDS; k++)
        lw_free(c->kinds[k].p);
}

void lw_check_opts_default(lw_check_opts *o)
{
    o->fix_orientation = true;
    o->fix_inverted = true;
    o->find_overlaps = true;
    o->max_problems = 0;
}

static lw_rc run(check *c)
{
    lw_mesh_report *r = c->r;
    size_t nt = c->nt;
    c->fs = lw_calloc(nt, 1); /* zero: the undo after a failure reads F_CHANGED */
    c->mate = lw_malloc(3 * nt * sizeof *c->mate);
    c->shell_of = lw_malloc(nt * sizeof *c->shell_of);
    if (!c->fs || !c->mate || !c->shell_of)
        return LW_ENOMEM;
    lw_rc rc;
    if ((rc = scan_facets(c)) || (rc = build_edges(c)) || (rc = find_shells(c)))
        return rc;
    c->shells = lw_calloc(c->nshells, sizeof *c->shells);
    if (!c->shells)
        return LW_ENOMEM;
    if ((rc = edges_per_shell(c)) || (rc = find_holes(c)) || (rc = report_degenerate(c)))
        return rc;
    if (c->nshells > 1 && (rc = group_by_shell(c)))
        return rc;
    /* The mesh changes from here on: rewinding is the first fix. */
    if ((rc = orient(c)))
        return rc;
    for (uint32_t s = 0; s < c->nshells; s++) {
        lw_shell *sh = &c->shells[s];
        shell_work *w = &c->sw[s];
        measure_shell(c, s);
        sh->part = lw_mesh_part(c->m, w->first);
        sh->closed = sh->boundary_edges == 0 && sh->nonmanifold_edges == 0;
        sh->orientable = !w->conflict;
        sh->inside_of = -1;
        w->sealed = sh->boundary_edges == 0 && w->odd_nm == 0 && w->consistent &&
                    has_volume(&sh->m);
    }
    if (c->o.find_overlaps && c->nshells > 1 && (rc = find_solids(c)))
        return rc;
    if ((rc = judge_shells(c)))
        return rc;
    totals(c);
    if ((rc = gather_problems(c)))
        return rc;
    r->watertight = r->boundary_edges == 0 && r->nonmanifold_edges == 0 &&
                    r->degenerate_facets == 0;
    r->oriented = (r->flipped_facets == 0 || c->o.fix_orientation) &&
                  (r->inverted_shells == 0 || c->o.fix_inverted);
    for (uint32_t s = 0; s < c->nshells; s++)
        r->oriented = r->oriented && c->shells[s].orientable;
    return LW_OK;
}

lw_rc lw_mesh_check(lw_mesh *m, const lw_check_opts *opts, lw_mesh_report *out, lw_err *err)
{
    memset(out, 0, sizeof *out);
    lw_bbox_empty(&out->total.bbox);
    check c;
    memset(&c, 0, sizeof c);
    c.m = m;
    if (opts)
        c.o = *opts;
    else
        lw_check_opts_default(&c.o);
    if (!c.o.max_problems)
        c.o.max_problems = 1000;
    c.nt = m->nt;
    c.nv = m->nv;
    c.r = out;
    if (m->nt > MAX_FACETS)
        return lw_err_set(err, LW_ELIMIT, "check: %u facets, more than the %u it can take",
                          m->nt, MAX_FACETS);
    if (m->nt == 0)
        return LW_OK;
    lw_rc rc = run(&c);
    if (rc) {
        if (c.fs)
            for (uint32_t f = 0; f < c.nt; f++)
                if (c.fs[f] & F_CHANGED)
                    flip_facet(&c, f);
        lw_free(out->problems);
        lw_free(c.shells);
        lw_free(c.shell_of);
        free_work(&c);
        memset(out, 0, sizeof *out);
        lw_bbox_empty(&out->total.bbox);
        if (rc == LW_ENOMEM)
            return lw_err_nomem(err);
        if (rc == LW_EINVAL)
            return lw_err_set(err, rc, "check: facet %u: a vertex index is out of range (%u "
                              "vertices)", c.bad_facet, m->nv);
        return lw_err_set(err, rc, "check: the mesh is too large to compare its shells (%s)",
                          lw_rc_name(rc));
    }
    free_work(&c);
    out->shells = c.shells;
    out->nshells = c.nshells;
    out->face_shell = c.shell_of;
    return LW_OK;
}

void lw_mesh_report_clear(lw_mesh_report *r)
{
    lw_free(r->shells);
    lw_free(r->face_shell);
    lw_free(r->problems);
    memset(r, 0, sizeof *r);
    lw_bbox_empty(&r->total.bbox);
}

const char *lw_problem_kind_name(lw_problem_kind k)
{
    switch (k) {
    case LW_PROBLEM_DEGENERATE_FACET: return "degenerate_facet";
    case LW_PROBLEM_HOLE: return "hole";
    case LW_PROBLEM_NONMANIFOLD_EDGE: return "nonmanifold_edge";
    case LW_PROBLEM_FLIPPED_FACETS: return "flipped_facets";
    case LW_PROBLEM_NONORIENTABLE: return "nonorientable";
    case LW_PROBLEM_INVERTED_SHELL: return "inverted_shell";
    case LW_PROBLEM_OVERLAPPING_SHELLS: return "overlapping_shells";
    }
    return "unknown";
}

void lw_problem_describe(const lw_problem *p, char *buf, size_t size)
{
    if (!size)
        return;
    char at[96];
    snprintf(at, sizeof at, "near (%.2f, %.2f, %.2f) mm", p->where[0], p->where[1], p->where[2]);
    const char *fixed = p->fixed ? " (fixed)" : "";
    switch (p->kind) {
    case LW_PROBLEM_DEGENERATE_FACET:
        snprintf(buf, size, "degenerate facet %u (no area) in shell %u %s", p->face, p->shell, at);
        break;
    case LW_PROBLEM_HOLE:
        snprintf(buf, size, "hole of %u open edge%s in shell %u %s", p->count,
                 p->count == 1 ? "" : "s", p->shell, at);
        break;
    case LW_PROBLEM_NONMANIFOLD_EDGE:
        snprintf(buf, size, "edge between vertices %u and %u shared by %u facets %s", p->v0, p->v1,
                 p->count, at);
        break;
    case LW_PROBLEM_FLIPPED_FACETS:
        snprintf(buf, size, "%u facet%s of shell %u wound against %s neighbours%s, first %s",
                 p->count, p->count == 1 ? "" : "s", p->shell, p->count == 1 ? "its" : "their",
                 fixed, at);
        break;
    case LW_PROBLEM_NONORIENTABLE:
        snprintf(buf, size, "shell %u cannot be oriented (one-sided, like a Moebius strip) %s",
                 p->shell, at);
        break;
    case LW_PROBLEM_INVERTED_SHELL:
        snprintf(buf, size, "shell %u is inside out%s %s", p->shell, fixed, at);
        break;
    case LW_PROBLEM_OVERLAPPING_SHELLS:
        snprintf(buf, size, "shells %u and %u overlap %s: their volumes cannot be added",
                 p->shell, p->other_shell, at);
        break;
    default:
        snprintf(buf, size, "unknown problem %s", at);
        break;
    }
}
