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
 * Coordinates of neighbouring vertices differ only in low mantissa bits, so a weak hash clusters. */
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
