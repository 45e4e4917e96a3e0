/* lostwax: the Wavefront OBJ reader and writer (see obj.h and docs/internals/stl-obj.md).
 *
 * The reader walks the text one statement at a time: a physical line, or several joined by
 * trailing backslashes. Vertices and triangles go straight into the import's mesh; n-gons are
 * fanned from their first corner; the mesh is welded at the end, because OBJ files from different
 * exporters repeat positions in ways STL's one-corner-per-facet-vertex rule does not predict.
 * Parts are created at the first face of a group, so the "g default" lines exporters scatter
 * before vertex blocks do not leave empty parts behind.
 */
#include "geom/obj.h"

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/size.h"
#include "base/text.h"
#include "base/vec.h"
#include "geom/weld.h"

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static int lower(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

/* Is [s, s+n) the word w (lower case), ignoring ASCII case? */
static bool word_eq(const char *s, size_t n, const char *w)
{
    size_t i = 0;
    for (; i < n; i++)
        if (!w[i] || lower((unsigned char)s[i]) != w[i])
            return false;
    return w[i] == 0;
}

/* The next blank-delimited word of [*s, e) into [*w, *we); empty at the end. */
static void next_word(const char **s, const char *e, const char **w, const char **we)
{
    const char *p = *s;
    while (p < e && is_blank(*p))
        p++;
    *w = p;
    while (p < e && !is_blank(*p))
        p++;
    *we = p;
    *s = p;
}

/* A word made safe to quote in a message: at most 24 bytes, non-printables as '?'. */
static const char *quote(const char *s, const char *e, char buf[32])
{
    size_t n = (size_t)(e - s), k = n > 24 ? 24 : n;
    for (size_t i = 0; i < k; i++)
        buf[i] = ((unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7F) ? s[i] : '?';
    if (k < n) {
        memcpy(buf + k, "...", 3);
        k += 3;
    }
    buf[k] = 0;
    return buf;
}

/* ------------------------------------------------------------------------------------------ */
/* Reader                                                                                     */

typedef struct obj_state {
    lw_import *out;
    const lw_mesh_limits *lim;
    lw_err *err;
    size_t line;       /* first physical line of the statement being read */
    bool have_part;    /* cur_part is the part of the group in force */
    uint32_t cur_part;
    char *pending;     /* owned: name of the last o/g, turned into a part at its first face */
    size_t pending_len, pending_cap;
    uint32_t *table;   /* owned: part-name hash, part id + 1 per slot, 0 = empty */
    size_t table_mask;
    char *join;        /* owned: a statement continued over lines with backslashes */
    size_t join_len, join_cap;
    bool saw_data;     /* at least one v or f statement */
} obj_state;

static uint64_t name_hash(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ull;
    }
    return h ^ (h >> 29);
}

static void table_put(uint32_t *table, size_t mask, uint64_t h, uint32_t id)
{
    size_t i = (size_t)h & mask;
    while (table[i])
        i = (i + 1) & mask;
    table[i] = id + 1;
}

static lw_rc table_grow(obj_state *o, size_t slots)
{
    uint32_t *t = lw_calloc(slots, sizeof *t);
    if (!t)
        return LW_ENOMEM;
    for (uint32_t id = 0; id < o->out->nparts; id++) {
        const char *nm = o->out->part_names[id];
        table_put(t, slots - 1, name_hash(nm, strlen(nm)), id);
    }
    lw_free(o->table);
    o->table = t;
    o->table_mask = slots - 1;
    return LW_OK;
}

/* The part named by the pending o/g name (or "" before any), created at its first use. */
static lw_rc resolve_part(obj_state *o)
{
    const char *nm = o->pending ? o->pending : "";
    size_t n = o->pending_len;
    const char *nul = memchr(nm, 0, n);
    if (nul) /* part names are C strings: a NUL byte ends the name */
        n = (size_t)(nul - nm);
    uint64_t h = name_hash(nm, n);
    if (!o->table && table_grow(o, 64))
        return lw_err_nomem(o->err);
    for (size_t i = (size_t)h & o->table_mask; o->table[i]; i = (i + 1) & o->table_mask) {
        uint32_t id = o->table[i] - 1;
        const char *have = o->out->part_names[id];
        if (strlen(have) == n && memcmp(have, nm, n) == 0) {
            o->cur_part = id;
            o->have_part = true;
            return LW_OK;
        }
    }
    uint32_t id;
    lw_rc rc = lw_import_add_part(o->out, nm, n, o->lim->max_parts, &id);
    if (rc == LW_ENOMEM)
        return lw_err_nomem(o->err);
    if (rc)
        return lw_err_set(o->err, rc, "line %zu: more than %" PRIu32 " objects and groups "
                          "(the limit)", o->line, o->lim->max_parts);
    if (((size_t)o->out->nparts + 1) * 2 > o->table_mask + 1) {
        if (table_grow(o, (o->table_mask + 1) * 2))
            return lw_err_nomem(o->err);
    } else {
        table_put(o->table, o->table_mask, h, id);
    }
    o->cur_part = id;
    o->have_part = true;
    return LW_OK;
}

/* "o name" / "g name": the rest of the statement, trimmed, names the part of the faces after it. */
static lw_rc read_group(obj_state *o, const char *s, const char *e)
{
    while (s < e && is_blank(*s))
        s++;
    while (e > s && is_blank(e[-1]))
        e--;
    size_t n = (size_t)(e - s);
    if (LW_VEC_RESERVE(o->pending, o->pending_cap, n + 1, (size_t)o->lim->max_line_bytes + 1))
        return lw_err_nomem(o->err);
    memcpy(o->pending, s, n);
    o->pending[n] = 0;
    o->pending_len = n;
    o->have_part = false;
    return LW_OK;
}

static lw_rc read_vertex(obj_state *o, const char *s, const char *e)
{
    double x[3];
    for (int k = 0; k < 3; k++) {
        const char *w, *we, *stop;
        next_word(&s, e, &w, &we);
        if (w == we || *w == '#')
            return lw_err_set(o->err, LW_EFORMAT, "line %zu: a vertex needs 3 coordinates, "
                              "this one has %d", o->line, k);
        char q[32];
        if (!lw_parse_f64(w, we, &x[k], &stop) || stop != we)
            return lw_err_set(o->err, LW_EFORMAT, "line %zu: coordinate %d of the vertex is "
                              "not a number: '%s'", o->line, k + 1, quote(w, we, q));
        if (!isfinite(x[k]))
            return lw_err_set(o->err, LW_EFORMAT, "line %zu: coordinate %d of the vertex is %s",
                              o->line, k + 1, isnan(x[k]) ? "NaN" : "infinite");
    }
    lw_rc rc = lw_mesh_add_vertex(&o->out->mesh, x[0], x[1], x[2], NULL);
    if (rc == LW_ENOMEM)
        return lw_err_nomem(o->err);
    if (rc)
        return lw_err_set(o->err, rc, "line %zu: more than %" PRIu32 " vertices (the limit)",
                          o->line, o->lim->max_vertices);
    return LW_OK;
}

/* Corner `k` (1-based) of a face, "i", "i/t", "i//n" or "i/t/n", as a 0-based vertex index. */
static lw_rc read_corner(obj_state *o, const char *w, const char *we, uint32_t k, uint32_t *v)
{
    char q[32];
    int64_t i, ignored;
    const char *p;
    bool ok = lw_parse_i64(w, we, &i, &p);
    /* The texture and normal references are checked for form only: lostwax uses neither. */
    for (int slash = 0; ok && p < we && slash < 2; slash++) {
        if (*p != '/') {
            ok = false;
            break;
        }
        p++;
        if (p < we && *p != '/' && !lw_parse_i64(p, we, &ignored, &p))
            ok = false;
    }
    if (!ok || p != we)
        return lw_err_set(o->err, LW_EFORMAT, "line %zu: face corner %" PRIu32 " ('%s') is not "
                          "a vertex reference", o->line, k, quote(w, we, q));
    uint32_t nv = o->out->mesh.nv;
    if (i == 0)
        return lw_err_set(o->err, LW_EFORMAT, "line %zu: face corner %" PRIu32 " refers to "
                          "vertex 0, but OBJ numbers vertices from 1", o->line, k);
    if (i > 0 && i > (int64_t)nv)
        return lw_err_set(o->err, LW_EFORMAT, "line %zu: face corner %" PRIu32 " refers to "
                          "vertex %" PRId64 ", but only %" PRIu32 " vertices are defined",
                          o->line, k, i, nv);
    if (i < 0 && -i > (int64_t)nv)
        return lw_err_set(o->err, LW_EFORMAT, "line %zu: face corner %" PRIu32 " refers to "
                          "vertex %" PRId64 " (counted back), but only %" PRIu32 " vertices "
                          "are defined", o->line, k, i, nv);
    *v = i > 0 ? (uint32_t)(i - 1) : (uint32_t)((int64_t)nv + i);
    return LW_OK;
}

static lw_rc read_face(obj_state *o, const char *s, const char *e)
{
    lw_mesh *m = &o->out->mesh;
    lw_rc rc;
    if (!o->have_part && (rc = resolve_part(o)))
        return rc;
    uint32_t k = 0, first = 0, prev = 0;
    for (;;) {
        const char *w, *we;
        next_word(&s, e, &w, &we);
        if (w == we || *w == '#')
            break;
        uint32_t v = 0;
        if (k == UINT32_MAX)
            return lw_err_set(o->err, LW_ELIMIT, "line %zu: too many corners", o->line);
        if ((rc = read_corner(o, w, we, k + 1, &v)))
            return rc;
        if (k == 0) {
            first = v;
        } else if (k >= 2) {
            if (m->nt >= o->lim->max_triangles)
                return lw_err_set(o->err, LW_ELIMIT, "line %zu: more than %" PRIu32
                                  " triangles (the limit)", o->line, o->lim->max_triangles);
            if ((rc = lw_mesh_add_tri(m, first, prev, v, o->cur_part)))
                return rc == LW_ENOMEM ? lw_err_nomem(o->err)
                                       : lw_err_set(o->err, rc, "line %zu: more than %" PRIu32
                                                    " triangles", o->line, m->max_t);
        }
        prev = v;
        k++;
    }
    if (k < 3)
        return lw_err_set(o->err, LW_EFORMAT, "line %zu: a face needs at least 3 corners, this "
                          "one has %" PRIu32, o->line, k);
    o->out->facets_in_file++;
    if (k > 3)
        o->out->ngons_split++;
    return LW_OK;
}

static double unit_mm(const char *w, size_t n)
{
    static const struct {
        const char *name;
        double mm;
    } units[] = {
        {"mm", 1},          {"millimeter", 1},       {"millimeters", 1},
        {"millimetre", 1},  {"millimetres", 1},      {"cm", 10},
        {"centimeter", 10}, {"centimeters", 10},     {"centimetre", 10},
        {"centimetres", 10},{"m", 1000},             {"meter", 1000},
        {"meters", 1000},   {"metre", 1000},         {"metres", 1000},
        {"um", 0.001},      {"micron", 0.001},       {"microns", 0.001},
        {"micrometer", 0.001}, {"micrometers", 0.001}, {"micrometre", 0.001},
        {"micrometres", 0.001}, {"in", 25.4},        {"inch", 25.4},
        {"inches", 25.4},   {"ft", 304.8},           {"foot", 304.8},
        {"feet", 304.8},
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (word_eq(w, n, units[i].name))
            return units[i].mm;
    return 0;
}

/* A comment that declares units: "units: cm", "Units millimeters", "unit=inch", "File units mm".
 * The word "unit" or "units" must be among the first three words, and the word after it a unit
 * lostwax knows. The first declaration in a file wins. */
static void read_units_comment(lw_import *out, const char *s, const char *e)
{
    if (out->unit_decl[0])
        return;
    const char *w[4];
    size_t wn[4];
    int n = 0;
    while (n < 4) {
        while (s < e && (is_blank(*s) || *s == ':' || *s == '='))
            s++;
        if (s >= e)
            break;
        w[n] = s;
        while (s < e && !is_blank(*s) && *s != ':' && *s != '=')
            s++;
        wn[n] = (size_t)(s - w[n]);
        n++;
    }
    for (int i = 0; i + 1 < n && i < 3; i++) {
        if (!word_eq(w[i], wn[i], "unit") && !word_eq(w[i], wn[i], "units"))
            continue;
        size_t k = wn[i + 1];
        while (k && (w[i + 1][k - 1] == '.' || w[i + 1][k - 1] == ',' || w[i + 1][k - 1] == ';'))
            k--;
        double mm = unit_mm(w[i + 1], k);
        if (mm > 0 && k < sizeof out->unit_decl) {
            out->unit_mm = mm;
            memcpy(out->unit_decl, w[i + 1], k);
            out->unit_decl[k] = 0;
        }
        return;
    }
}

static lw_rc read_statement(obj_state *o, const char *s, const char *e)
{
    const char *w, *we;
    next_word(&s, e, &w, &we);
    size_t n = (size_t)(we - w);
    if (n == 1 && *w == 'v') {
        o->saw_data = true;
        return read_vertex(o, s, e);
    }
    if (n == 1 && *w == 'f') {
        o->saw_data = true;
        return read_face(o, s, e);
    }
    if (n == 1 && (*w == 'o' || *w == 'g'))
        return read_group(o, s, e);
    return LW_OK; /* vt, vn, usemtl, mtllib, s, l, p and anything else: not geometry we use */
}

/* Adds [s, e) to the statement being joined from continued lines. */
static lw_rc join_append(obj_state *o, const char *s, size_t n)
{
    size_t max = o->lim->max_line_bytes, need;
    if (!lw_size_add(o->join_len, n, &need) || need > max)
        return lw_err_set(o->err, LW_ELIMIT, "line %zu: a statement continued with backslashes "
                          "is longer than the limit of %zu bytes", o->line, max);
    if (LW_VEC_RESERVE(o->join, o->join_cap, need + 1, max + 1))
        return lw_err_nomem(o->err);
    memcpy(o->join + o->join_len, s, n);
    o->join_len += n;
    return LW_OK;
}

static lw_rc parse_text(obj_state *o, const char *p, const char *end)
{
    size_t phys = 0, max = o->lim->max_line_bytes;
    lw_rc rc;
    while (p < end) {
        phys++;
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end, *next = nl ? nl + 1 : end;
        if ((size_t)(le - p) > max)
            return lw_err_set(o->err, LW_ELIMIT, "line %zu: longer than the limit of %zu bytes",
                              phys, max);
        const char *e = le;
        if (e > p && e[-1] == '\r')
            e--;
        if (o->join_len == 0) {
            o->line = phys;
            const char *s = p;
            while (s < e && is_blank(*s))
                s++;
            /* Comments end at the line's end: a Windows path ending in '\' must not swallow the
             * next statement. */
            if (s < e && *s == '#') {
                read_units_comment(o->out, s + 1, e);
                p = next;
                continue;
            }
        }
        if (e > p && e[-1] == '\\') {
            if ((rc = join_append(o, p, (size_t)(e - 1 - p))) || (rc = join_append(o, " ", 1)))
                return rc;
        } else if (o->join_len) {
            if ((rc = join_append(o, p, (size_t)(e - p))))
                return rc;
            if ((rc = read_statement(o, o->join, o->join + o->join_len)))
                return rc;
            o->join_len = 0;
        } else if ((rc = read_statement(o, p, e))) {
            return rc;
        }
        p = next;
    }
    if (o->join_len) /* the file ended on a backslash */
        return read_statement(o, o->join, o->join + o->join_len);
    return LW_OK;
}

lw_rc lw_obj_parse(const uint8_t *data, size_t len, const lw_mesh_limits *lim, lw_import *out,
                   lw_err *err)
{
    if (len == 0)
        return lw_err_set(err, LW_EFORMAT, "the file is empty");
    if (len > lim->max_file_bytes)
        return lw_err_set(err, LW_ELIMIT, "%zu bytes is more than the limit of %zu bytes", len,
                          lim->max_file_bytes);
    out->format = LW_FORMAT_OBJ;
    out->mesh.max_v = lim->max_vertices;
    out->mesh.max_t = lim->max_triangles;
    obj_state o;
    memset(&o, 0, sizeof o);
    o.out = out;
    o.lim = lim;
    o.err = err;
    lw_rc rc = parse_text(&o, (const char *)data, (const char *)data + len);
    if (!rc && !o.saw_data)
        rc = lw_err_set(err, LW_EFORMAT, "no vertex ('v') or face ('f') statements: not OBJ");
    if (!rc && (rc = lw_mesh_weld(&out->mesh)))
        lw_err_nomem(err);
    lw_free(o.pending);
    lw_free(o.table);
    lw_free(o.join);
    if (rc)
        lw_import_clear(out);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Writer                                                                                     */

typedef struct writer {
    lw_buf *out;
    lw_rc rc;
    size_t used;
    char buf[16384];
} writer;

static void flush(writer *w)
{
    if (!w->rc && w->used)
        w->rc = lw_buf_append(w->out, w->buf, w->used);
    w->used = 0;
}

static void put(writer *w, const char *s, size_t n)
{
    if (w->rc)
        return;
    if (n > sizeof w->buf - w->used) {
        flush(w);
        if (n > sizeof w->buf) {
            if (!w->rc)
                w->rc = lw_buf_append(w->out, s, n);
            return;
        }
    }
    memcpy(w->buf + w->used, s, n);
    w->used += n;
}

static void put_u32(writer *w, uint32_t v)
{
    char tmp[12];
    int i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    put(w, tmp + i, sizeof tmp - (size_t)i);
}

static void put_name(writer *w, const char *const *names, uint32_t nparts, uint32_t part)
{
    const char *nm = (names && part < nparts) ? names[part] : NULL;
    if (!nm || !nm[0]) {
        put(w, "o part-", 7);
        put_u32(w, part);
        put(w, "\n", 1);
        return;
    }
    put(w, "o ", 2);
    size_t n = strlen(nm);
    for (size_t i = 0; i < n; i++) {
        /* A line break would end the statement and a final backslash would continue it. */
        char c = nm[i];
        if (c == '\n' || c == '\r' || (c == '\\' && i + 1 == n))
            c = '_';
        put(w, &c, 1);
    }
    put(w, "\n", 1);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

lw_rc lw_obj_write(const lw_mesh *m, const char *const *part_names, uint32_t nparts, lw_buf *out,
                   lw_err *err)
{
    for (uint32_t v = 0; v < m->nv; v++)
        for (int k = 0; k < 3; k++)
            if (!isfinite(m->xyz[3 * (size_t)v + k]))
                return lw_err_set(err, LW_EINVAL, "vertex %" PRIu32 " has a non-finite "
                                  "coordinate", v);
    for (size_t i = 0; i < 3 * (size_t)m->nt; i++)
        if (m->tri[i] >= m->nv)
            return lw_err_set(err, LW_EINVAL, "facet %zu refers to vertex %" PRIu32 " of %"
                              PRIu32, i / 3, m->tri[i], m->nv);
    /* Facets in part order (then file order), as (part << 32 | facet) keys: one sort, no
     * dependence on how large the part ids are. */
    uint64_t *order = NULL;
    if (m->part) {
        order = lw_malloc(((size_t)m->nt ? m->nt : 1) * sizeof *order);
        if (!order)
            return lw_err_nomem(err);
        for (uint32_t f = 0; f < m->nt; f++)
            order[f] = (uint64_t)m->part[f] << 32 | f;
        qsort(order, m->nt, sizeof *order, cmp_u64);
    }
    writer *w = lw_malloc(sizeof *w);
    if (!w) {
        lw_free(order);
        return lw_err_nomem(err);
    }
    w->out = out;
    w->rc = LW_OK;
    w->used = 0;
    size_t start = out->len;
    static const char head[] = "# lostwax\n# units: mm\n";
    put(w, head, sizeof head - 1);
    for (uint32_t v = 0; v < m->nv && !w->rc; v++) {
        put(w, "v", 1);
        for (int k = 0; k < 3; k++) {
            char num[32];
            int n = lw_fmt_f64(m->xyz[3 * (size_t)v + k], num);
            put(w, " ", 1);
            put(w, num, (size_t)n);
        }
        put(w, "\n", 1);
    }
    uint32_t part = UINT32_MAX;
    for (uint32_t i = 0; i < m->nt && !w->rc; i++) {
        uint32_t f = order ? (uint32_t)order[i] : i;
        uint32_t p = lw_mesh_part(m, f);
        if (i == 0 || p != part) {
            part = p;
            put_name(w, part_names, nparts, p);
        }
        put(w, "f", 1);
        for (int c = 0; c < 3; c++) {
            put(w, " ", 1);
            put_u32(w, m->tri[3 * (size_t)f + c] + 1);
        }
        put(w, "\n", 1);
    }
    flush(w);
    lw_rc rc = w->rc;
    lw_free(w);
    lw_free(order);
    if (!rc)
        return LW_OK;
    out->len = start;
    if (out->data)
        out->data[start] = 0;
    if (rc == LW_ENOMEM)
        return lw_err_nomem(err);
    return lw_err_set(err, rc, "the OBJ text does not fit the buffer's limit");
}
