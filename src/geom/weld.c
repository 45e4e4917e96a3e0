/* lostwax: exact-position vertex welding (see weld.h). */
#include "geom/weld.h"

#include <string.h>

#include "base/alloc.h"

static uint64_t bits(double d)
{
    uint64_t u;
    if (d == 0)
        d = 0; /* -0.0 and +0.0 are the same corner */
    memcpy(&u, &d, sizeof u);
    return u;
}

/* A strong 64-bit mix (the finaliser of MurmurHash3) of the three coordinates' bit patterns.
 * Coordinates of neighbouring vertices differ only in low mantissa bits, so a weak hash
 * clusters. */
static uint64_t hash3(const double p[3])
{
    uint64_t h = bits(p[0]) * 0x9E3779B97F4A7C15ull;
    h ^= bits(p[1]) * 0xC2B2AE3D27D4EB4Full + (h << 6) + (h >> 2);
    h ^= bits(p[2]) * 0x165667B19E3779F9ull + (h << 6) + (h >> 2);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

static int same(const double *a, const double *b)
{
    return bits(a[0]) == bits(b[0]) && bits(a[1]) == bits(b[1]) && bits(a[2]) == bits(b[2]);
}

static void insert_slot(uint64_t *slots, size_t mask, uint64_t h, uint32_t idx)
{
    size_t i = (size_t)h & mask;
    while (slots[i])
        i = (i + 1) & mask;
    slots[i] = (h & 0xFFFFFFFF00000000ull) | ((uint64_t)idx + 1);
}

static lw_rc rehash(lw_welder *w, size_t nslots)
{
    uint64_t *slots = lw_calloc(nslots, sizeof *slots);
    if (!slots)
        return LW_ENOMEM;
    for (uint32_t v = 0; v < w->mesh->nv; v++)
        insert_slot(slots, nslots - 1, hash3(w->mesh->xyz + 3 * (size_t)v), v);
    lw_free(w->slots);
    w->slots = slots;
    w->mask = nslots - 1;
    return LW_OK;
}

lw_rc lw_welder_init(lw_welder *w, lw_mesh *mesh, size_t expected_vertices)
{
    w->mesh = mesh;
    w->slots = NULL;
    w->mask = 0;
    size_t want = expected_vertices > mesh->nv ? expected_vertices : mesh->nv;
    size_t n = 64;
    while (n < want * 2 && n < ((size_t)1 << 40))
        n <<= 1;
    return rehash(w, n);
}

void lw_welder_clear(lw_welder *w)
{
    lw_free(w->slots);
    w->slots = NULL;
    w->mask = 0;
}

lw_rc lw_welder_add(lw_welder *w, const double p[3], uint32_t *idx)
{
    uint64_t h = hash3(p);
    uint64_t tag = h & 0xFFFFFFFF00000000ull;
    size_t i = (size_t)h & w->mask;
    for (;;) {
        uint64_t s = w->slots[i];
        if (!s)
            break;
        if ((s & 0xFFFFFFFF00000000ull) == tag) {
            uint32_t v = (uint32_t)(s & 0xFFFFFFFFu) - 1;
            if (same(w->mesh->xyz + 3 * (size_t)v, p)) {
                *idx = v;
                return LW_OK;
            }
        }
        i = (i + 1) & w->mask;
    }
    /* New vertex. Keep the load factor at or below one half so probes stay short. */
    if (((size_t)w->mesh->nv + 1) * 2 > w->mask + 1) {
        lw_rc rc = rehash(w, (w->mask + 1) * 2);
        if (rc)
            return rc;
        i = (size_t)h & w->mask;
        while (w->slots[i])
            i = (i + 1) & w->mask;
    }
    uint32_t v;
    lw_rc rc = lw_mesh_add_vertex(w->mesh, p[0], p[1], p[2], &v);
    if (rc)
        return rc;
    w->slots[i] = tag | ((uint64_t)v + 1);
    *idx = v;
    return LW_OK;
}

/* ---- float32 corners ---------------------------------------------------------------------- */

static uint32_t canon32(uint32_t b) { return (b & 0x7FFFFFFFu) ? b : 0; }

static uint64_t hash32(uint32_t x, uint32_t y, uint32_t z)
{
    uint64_t h = (uint64_t)x * 0x9E3779B97F4A7C15ull ^ (uint64_t)y * 0xC2B2AE3D27D4EB4Full ^
                 (uint64_t)z * 0x165667B19E3779F9ull;
    h ^= h >> 32;
    h *= 0xD6E8FEB86659FD93ull;
    return h ^ (h >> 32);
}

static lw_rc rehash32(lw_welder32 *w, size_t nslots)
{
    uint32_t *slots = lw_calloc(nslots, 4 * sizeof *slots);
    if (!slots)
        return LW_ENOMEM;
    size_t mask = nslots - 1;
    for (size_t i = 0; w->slots && i <= w->mask; i++) {
        const uint32_t *s = w->slots + 4 * i;
        if (!s[3])
            continue;
        size_t j = (size_t)hash32(s[0], s[1], s[2]) & mask;
        while (slots[4 * j + 3])
            j = (j + 1) & mask;
        memcpy(slots + 4 * j, s, 4 * sizeof *s);
    }
    lw_free(w->slots);
    w->slots = slots;
    w->mask = mask;
    return LW_OK;
}

lw_rc lw_welder32_init(lw_welder32 *w, lw_mesh *mesh, size_t expected_vertices)
{
    w->mesh = mesh;
    w->slots = NULL;
    w->used = 0;
    /* The memo: about two entries per expected corner for small meshes, at most 4096 sets of two
     * (128 KiB), which stays in the L2 cache. */
    w->memo_bits = 4;
    while (w->memo_bits < 12 && ((size_t)1 << w->memo_bits) < 6 * expected_vertices)
        w->memo_bits++;
    w->memo = lw_calloc((size_t)8 << w->memo_bits, sizeof *w->memo);
    if (!w->memo)
        return LW_ENOMEM;
    size_t n = 64;
    while (n < expected_vertices + expected_vertices / 2 && n < ((size_t)1 << 40))
        n <<= 1;
    lw_rc rc = rehash32(w, n);
    if (rc) {
        lw_free(w->memo);
        w->memo = NULL;
    }
    return rc;
}

void lw_welder32_clear(lw_welder32 *w)
{
    lw_free(w->slots);
    lw_free(w->memo);
    w->slots = w->memo = NULL;
    w->mask = 0;
}

#define BLOCK32 256 /* corners classified, then resolved, at a time */

/* Finds or adds the vertex of one canonical key whose hash is h. */
static lw_rc resolve32(lw_welder32 *w, uint32_t x, uint32_t y, uint32_t z, uint64_t h,
                       uint32_t *out)
{
    size_t j = (size_t)h & w->mask;
    uint32_t *s;
    for (;;) {
        s = w->slots + 4 * j;
        if (!s[3] || (s[0] == x && s[1] == y && s[2] == z))
            break;
        j = (j + 1) & w->mask;
    }
    if (s[3]) {
        *out = s[3] - 1;
        return LW_OK;
    }
    /* A new vertex; keep the load at or below 2/3 so probe runs stay short. */
    if ((w->used + 1) * 3 > (w->mask + 1) * 2) {
        lw_rc rc = rehash32(w, (w->mask + 1) * 2);
        if (rc)
            return rc;
        j = (size_t)h & w->mask;
        while (w->slots[4 * j + 3])
            j = (j + 1) & w->mask;
        s = w->slots + 4 * j;
    }
    float f[3];
    memcpy(&f[0], &x, 4);
    memcpy(&f[1], &y, 4);
    memcpy(&f[2], &z, 4);
    uint32_t v;
    lw_rc rc = lw_mesh_add_vertex(w->mesh, f[0], f[1], f[2], &v);
    if (rc)
        return rc;
    s[0] = x;
    s[1] = y;
    s[2] = z;
    s[3] = v + 1;
    w->used++;
    *out = v;
    return LW_OK;
}

/* Each vertex of a closed mesh is a corner of about six facets and exporters write facets in a
 * coherent order, so most corners were resolved a few hundred corners earlier: a small memo of
 * recent corners answers those from the L2 cache. The rest (mostly first sightings) go to the big
 * table, their slots prefetched as a batch so the misses overlap. Corners are still resolved in
 * their order, so vertices are numbered exactly as one-at-a-time welding would number them; and
 * the memo only repeats answers the table gave, so it never changes a result. */
lw_rc lw_welder32_add(lw_welder32 *w, const uint32_t *keys, size_t n, uint32_t *idx,
                      size_t *failed)
{
    const unsigned shift = 64 - w->memo_bits;
    for (size_t b = 0; b < n; b += BLOCK32) {
        size_t e = n - b < BLOCK32 ? n - b : BLOCK32, nmiss = 0;
        uint32_t miss[BLOCK32];
        uint64_t h[BLOCK32];
        for (size_t i = 0; i < e; i++) {
            const uint32_t *k = keys + 3 * (b + i);
            uint32_t x = canon32(k[0]), y = canon32(k[1]), z = canon32(k[2]);
            uint64_t hh = hash32(x, y, z);
            uint32_t *set = w->memo + 8 * (size_t)(hh >> shift);
            if (set[3] && set[0] == x && set[1] == y && set[2] == z) {
                idx[b + i] = set[3] - 1;
            } else if (set[7] && set[4] == x && set[5] == y && set[6] == z) {
                idx[b + i] = set[7] - 1;
            } else {
                h[nmiss] = hh;
                miss[nmiss++] = (uint32_t)i;
                __builtin_prefetch(w->slots + 4 * ((size_t)hh & w->mask));
            }
        }
        for (size_t m = 0; m < nmiss; m++) {
            size_t i = miss[m];
            const uint32_t *k = keys + 3 * (b + i);
            uint32_t x = canon32(k[0]), y = canon32(k[1]), z = canon32(k[2]);
            lw_rc rc = resolve32(w, x, y, z, h[m], &idx[b + i]);
            if (rc) {
                if (failed)
                    *failed = b + i;
                return rc;
            }
            /* Most recent first in the set; the older entry moves to the second way. */
            uint32_t *set = w->memo + 8 * (size_t)(h[m] >> shift);
            memmove(set + 4, set, 4 * sizeof *set);
            set[0] = x;
            set[1] = y;
            set[2] = z;
            set[3] = idx[b + i] + 1;
        }
    }
    return LW_OK;
}

lw_rc lw_mesh_weld(lw_mesh *m)
{
    lw_mesh out;
    lw_mesh_init(&out);
    out.max_v = m->max_v;
    lw_rc rc = lw_mesh_reserve(&out, m->nv, 0);
    if (rc)
        return rc;
    lw_welder w;
    if ((rc = lw_welder_init(&w, &out, m->nv))) {
        lw_mesh_clear(&out);
        return rc;
    }
    /* Map each old vertex once (vertices shared by many facets are looked up once), in order of
     * first use by the facets so the result does not depend on unused vertices. */
    uint32_t *map = lw_malloc(((size_t)m->nv ? m->nv : 1) * sizeof *map);
    if (!map) {
        lw_welder_clear(&w);
        lw_mesh_clear(&out);
        return LW_ENOMEM;
    }
    memset(map, 0xFF, (size_t)m->nv * sizeof *map);
    for (size_t i = 0; i < 3 * (size_t)m->nt; i++) {
        uint32_t v = m->tri[i];
        if (map[v] == UINT32_MAX && (rc = lw_welder_add(&w, m->xyz + 3 * (size_t)v, &map[v])))
            break;
    }
    lw_welder_clear(&w);
    if (rc) { /* the input mesh is untouched */
        lw_free(map);
        lw_mesh_clear(&out);
        return rc;
    }
    for (size_t i = 0; i < 3 * (size_t)m->nt; i++)
        m->tri[i] = map[m->tri[i]];
    lw_free(map);
    lw_free(m->xyz);
    m->xyz = out.xyz;
    m->nv = out.nv;
    m->cap_v = out.cap_v;
    return LW_OK;
}
