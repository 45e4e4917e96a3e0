/* lostwax: the indexed triangle mesh (see mesh.h). */
#include "geom/mesh.h"

#include <math.h>
#include <string.h>

#include "base/alloc.h"
#include "base/vec.h"

void lw_mesh_limits_default(lw_mesh_limits *lim)
{
    lim->max_file_bytes = (size_t)1 << 30;
    lim->max_triangles = 20u * 1000 * 1000;
    lim->max_vertices = 20u * 1000 * 1000;
    lim->max_parts = 100000;
    lim->max_unzipped_bytes = (uint64_t)2 << 30;
    /* XML full of repeated vertex tags compresses 10-30x; bombs 1000x and more. */
    lim->max_zip_ratio = 400;
    lim->max_zip_entries = 10000;
    lim->max_xml_depth = 64;
    lim->max_component_depth = 16;
    lim->max_line_bytes = 1u << 20;
}

void lw_mesh_init(lw_mesh *m) { memset(m, 0, sizeof *m); }

void lw_mesh_clear(lw_mesh *m)
{
    uint32_t max_v = m->max_v, max_t = m->max_t;
    lw_free(m->xyz);
    lw_free(m->tri);
    lw_free(m->part);
    lw_mesh_init(m);
    m->max_v = max_v;
    m->max_t = max_t;
}

static size_t limit_v(const lw_mesh *m) { return m->max_v ? m->max_v : UINT32_MAX - 1; }
static size_t limit_t(const lw_mesh *m) { return m->max_t ? m->max_t : UINT32_MAX - 1; }

lw_rc lw_mesh_reserve(lw_mesh *m, size_t nv, size_t nt)
{
    if (nv > limit_v(m) || nt > limit_t(m))
        return LW_ELIMIT;
    /* Coordinates are stored three to an element of the growth policy. */
    size_t cap3 = m->cap_v * 3, capt3 = m->cap_t * 3;
    lw_rc rc;
    if (nv > m->cap_v) {
        double *xyz = m->xyz;
        if ((rc = lw_vec_reserve((void **)&xyz, &cap3, nv * 3, sizeof *xyz, limit_v(m) * 3)))
            return rc;
        m->xyz = xyz;
        m->cap_v = cap3 / 3;
    }
    if (nt > m->cap_t) {
        uint32_t *tri = m->tri;
        if ((rc = lw_vec_reserve((void **)&tri, &capt3, nt * 3, sizeof *tri, limit_t(m) * 3)))
            return rc;
        m->tri = tri;
        m->cap_t = capt3 / 3;
    }
    if (m->part && nt > m->cap_p) {
        if ((rc = lw_vec_reserve((void **)&m->part, &m->cap_p, nt, sizeof *m->part, limit_t(m))))
            return rc;
    }
    return LW_OK;
}

lw_rc lw_mesh_add_vertex(lw_mesh *m, double x, double y, double z, uint32_t *idx)
{
    if (m->nv >= m->cap_v) {
        lw_rc rc = lw_mesh_reserve(m, (size_t)m->nv + 1, m->nt);
        if (rc)
            return rc;
    }
    double *p = m->xyz + 3 * (size_t)m->nv;
    p[0] = x;
    p[1] = y;
    p[2] = z;
    if (idx)
        *idx = m->nv;
    m->nv++;
    return LW_OK;
}

lw_rc lw_mesh_add_tri(lw_mesh *m, uint32_t a, uint32_t b, uint32_t c, uint32_t part)
{
    if (part && !m->part) {
        /* First facet of a second part: from now on every facet carries its id. */
        size_t cap = m->cap_t > m->nt ? m->cap_t : (size_t)m->nt + 1;
        m->part = lw_calloc(cap, sizeof *m->part);
        if (!m->part)
            return LW_ENOMEM;
        m->cap_p = cap;
    }
    if (m->nt >= m->cap_t || (m->part && m->nt >= m->cap_p)) {
        lw_rc rc = lw_mesh_reserve(m, m->nv, (size_t)m->nt + 1);
        if (rc)
            return rc;
    }
    uint32_t *t = m->tri + 3 * (size_t)m->nt;
    t[0] = a;
    t[1] = b;
    t[2] = c;
    if (m->part)
        m->part[m->nt] = part;
    m->nt++;
    return LW_OK;
}

lw_rc lw_mesh_copy(lw_mesh *dst, const lw_mesh *src)
{
    lw_mesh_init(dst);
    dst->max_v = src->max_v;
    dst->max_t = src->max_t;
    return lw_mesh_append(dst, src, UINT32_MAX);
}

lw_rc lw_mesh_append(lw_mesh *dst, const lw_mesh *src, uint32_t part)
{
    size_t nv = (size_t)dst->nv + src->nv, nt = (size_t)dst->nt + src->nt;
    if (nv > limit_v(dst) || nt > limit_t(dst))
        return LW_ELIMIT;
    bool need_parts = dst->part || (part != UINT32_MAX ? part != 0 : src->part != NULL);
    if (need_parts && !dst->part) {
        size_t cap = nt ? nt : 1;
        dst->part = lw_calloc(cap, sizeof *dst->part);
        if (!dst->part)
            return LW_ENOMEM;
        dst->cap_p = cap;
    }
    lw_rc rc = lw_mesh_reserve(dst, nv, nt);
    if (rc)
        return rc;
    uint32_t base = dst->nv;
    memcpy(dst->xyz + 3 * (size_t)dst->nv, src->xyz, 3 * (size_t)src->nv * sizeof *src->xyz);
    for (size_t i = 0; i < 3 * (size_t)src->nt; i++)
        dst->tri[3 * (size_t)dst->nt + i] = src->tri[i] + base;
    if (dst->part)
        for (uint32_t f = 0; f < src->nt; f++)
            dst->part[dst->nt + f] = part != UINT32_MAX ? part : lw_mesh_part(src, f);
    dst->nv += src->nv;
    dst->nt += src->nt;
    return LW_OK;
}

lw_rc lw_mesh_extract_part(const lw_mesh *src, uint32_t part, lw_mesh *dst)
{
    lw_mesh_init(dst);
    dst->max_v = src->max_v;
    dst->max_t = src->max_t;
    uint32_t *map = lw_malloc(((size_t)src->nv ? src->nv : 1) * sizeof *map);
    if (!map)
        return LW_ENOMEM;
    memset(map, 0xFF, (size_t)src->nv * sizeof *map);
    lw_rc rc = LW_OK;
    for (uint32_t f = 0; f < src->nt && !rc; f++) {
        if (lw_mesh_part(src, f) != part)
            continue;
        uint32_t t[3];
        for (int k = 0; k < 3 && !rc; k++) {
            uint32_t v = src->tri[3 * (size_t)f + k];
            if (map[v] == UINT32_MAX) {
                const double *p = src->xyz + 3 * (size_t)v;
                rc = lw_mesh_add_vertex(dst, p[0], p[1], p[2], &map[v]);
            }
            t[k] = map[v];
        }
        if (!rc)
            rc = lw_mesh_add_tri(dst, t[0], t[1], t[2], 0);
    }
    lw_free(map);
    if (rc)
        lw_mesh_clear(dst);
    return rc;
}

void lw_affine_identity(double a[12])
{
    static const double id[12] = {1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0};
    memcpy(a, id, sizeof id);
}

void lw_affine_compose(double out[12], const double a[12], const double b[12])
{
    double r[12];
    for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 3; j++)
            r[3 * i + j] = a[3 * i] * b[j] + a[3 * i + 1] * b[3 + j] + a[3 * i + 2] * b[6 + j];
        r[9 + i] = a[3 * i] * b[9] + a[3 * i + 1] * b[10] + a[3 * i + 2] * b[11] + a[9 + i];
    }
    memcpy(out, r, sizeof r);
}

double lw_affine_det(const double a[12])
{
    return a[0] * (a[4] * a[8] - a[5] * a[7]) - a[1] * (a[3] * a[8] - a[5] * a[6]) +
           a[2] * (a[3] * a[7] - a[4] * a[6]);
}

void lw_mesh_transform(lw_mesh *m, const double a[12])
{
    for (uint32_t i = 0; i < m->nv; i++) {
        double *p = m->xyz + 3 * (size_t)i;
        double x = p[0], y = p[1], z = p[2];
        p[0] = a[0] * x + a[1] * y + a[2] * z + a[9];
        p[1] = a[3] * x + a[4] * y + a[5] * z + a[10];
        p[2] = a[6] * x + a[7] * y + a[8] * z + a[11];
    }
    if (lw_affine_det(a) < 0) {
        for (uint32_t f = 0; f < m->nt; f++) {
            uint32_t *t = m->tri + 3 * (size_t)f, s = t[1];
            t[1] = t[2];
            t[2] = s;
        }
    }
}

void lw_mesh_scale(lw_mesh *m, double s)
{
    for (size_t i = 0; i < 3 * (size_t)m->nv; i++)
        m->xyz[i] *= s;
}

void lw_mesh_translate(lw_mesh *m, double dx, double dy, double dz)
{
    for (uint32_t i = 0; i < m->nv; i++) {
        m->xyz[3 * (size_t)i] += dx;
        m->xyz[3 * (size_t)i + 1] += dy;
        m->xyz[3 * (size_t)i + 2] += dz;
    }
}

void lw_bbox_empty(lw_bbox *b)
{
    for (int k = 0; k < 3; k++) {
        b->min[k] = INFINITY;
        b->max[k] = -INFINITY;
    }
}

void lw_bbox_add(lw_bbox *b, const double p[3])
{
    for (int k = 0; k < 3; k++) {
        if (p[k] < b->min[k])
            b->min[k] = p[k];
        if (p[k] > b->max[k])
            b->max[k] = p[k];
    }
}

lw_bbox lw_mesh_bbox(const lw_mesh *m)
{
    lw_bbox b;
    lw_bbox_empty(&b);
    for (uint32_t i = 0; i < m->nv; i++)
        lw_bbox_add(&b, m->xyz + 3 * (size_t)i);
    return b;
}

double lw_tri_normal(const double *a, const double *b, const double *c, double n[3])
{
    double u[3] = {b[0] - a[0], b[1] - a[1], b[2] - a[2]};
    double v[3] = {c[0] - a[0], c[1] - a[1], c[2] - a[2]};
    n[0] = u[1] * v[2] - u[2] * v[1];
    n[1] = u[2] * v[0] - u[0] * v[2];
    n[2] = u[0] * v[1] - u[1] * v[0];
    double len = sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
    if (len > 0) {
        n[0] /= len;
        n[1] /= len;
        n[2] /= len;
    } else {
        n[0] = n[1] = n[2] = 0;
    }
    return len;
}

double lw_mesh_facet_normal(const lw_mesh *m, uint32_t f, double n[3])
{
    const uint32_t *t = m->tri + 3 * (size_t)f;
    return lw_tri_normal(m->xyz + 3 * (size_t)t[0], m->xyz + 3 * (size_t)t[1],
                         m->xyz + 3 * (size_t)t[2], n);
}
