/* lostwax: the STL reader (binary and ASCII) and the binary STL writer (see stl.h).
 *
 * Corners are welded while they are read (weld.h: exact positions), so a million-facet file never
 * exists as a soup of three million corners and the result is already the indexed mesh the rest
 * of lostwax wants. Stored normals are judged against the vertex order with admesh's tolerance and
 * counted, never kept. docs/internals/stl-obj.md explains the choices.
 */
#include "geom/stl.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "base/alloc.h"
#include "base/size.h"
#include "base/text.h"
#include "geom/weld.h"

_Static_assert(sizeof(float) == 4, "binary STL stores IEEE-754 binary32 floats");

#define STL_HEADER 80
#define STL_PREFIX 84 /* header + facet count */
#define STL_FACET 50

/* admesh calls a stored normal right when each component is within this of the unit normal of
 * the vertex order (normals.c, stl_check_normal_vector); we count the same facets as wrong. */
#define NORMAL_TOL 0.001
/* Below this length admesh treats the computed normal as the zero vector (degenerate facet). */
#define NORMAL_MIN_LEN 1e-12

/* ------------------------------------------------------------------------------------------ */
/* Shared pieces                                                                              */

static uint32_t get_u32le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static double get_f32le(const uint8_t *p)
{
    uint32_t u = get_u32le(p);
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static void put_u32le(uint8_t *p, uint32_t u)
{
    p[0] = (uint8_t)u;
    p[1] = (uint8_t)(u >> 8);
    p[2] = (uint8_t)(u >> 16);
    p[3] = (uint8_t)(u >> 24);
}

static void put_f32le(uint8_t *p, float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    put_u32le(p, u);
}

/* Counts the stored normal s of the facet with corners v[0..8] as zero, wrong or neither. The
 * test |n/len - s| < tol is done as |n - s len| < tol len: no division on the hot path. */
static void judge_normal(lw_import *out, const double s[3], const double v[9])
{
    if (s[0] == 0 && s[1] == 0 && s[2] == 0) {
        out->normals_zero++;
        return;
    }
    double u[3] = {v[3] - v[0], v[4] - v[1], v[5] - v[2]};
    double w[3] = {v[6] - v[0], v[7] - v[1], v[8] - v[2]};
    double n[3] = {u[1] * w[2] - u[2] * w[1], u[2] * w[0] - u[0] * w[2],
                   u[0] * w[1] - u[1] * w[0]};
    double len = sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
    if (!(len >= NORMAL_MIN_LEN)) { /* degenerate: its normal is the zero vector */
        n[0] = n[1] = n[2] = 0;
        len = 1;
    }
    double tol = NORMAL_TOL * len;
    /* Written so that a NaN stored component counts as wrong. */
    if (!(fabs(n[0] - s[0] * len) < tol && fabs(n[1] - s[1] * len) < tol &&
          fabs(n[2] - s[2] * len) < tol))
        out->normals_wrong++;
}

/* Copies text into imp->header: printable ASCII kept, other bytes '?', trailing blanks and NULs
 * dropped, at most 80 bytes. */
static void set_header(lw_import *imp, const uint8_t *s, size_t n)
{
    if (n > STL_HEADER)
        n = STL_HEADER;
    while (n && (s[n - 1] == ' ' || s[n - 1] == 0 || s[n - 1] == '\t' || s[n - 1] == '\r'))
        n--;
    for (size_t i = 0; i < n; i++)
        imp->header[i] = (s[i] >= 0x20 && s[i] < 0x7F) ? (char)s[i] : '?';
    imp->header[n] = 0;
}

static bool is_blank(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static int lower(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

/* Is [s, s+n) the keyword kw (lower case), ignoring ASCII case? */
static bool kw_eq(const char *s, size_t n, const char *kw)
{
    size_t i = 0;
    for (; i < n; i++)
        if (!kw[i] || lower((unsigned char)s[i]) != kw[i])
            return false;
    return kw[i] == 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Binary                                                                                     */

/* Facets go to the welder a block at a time, so it can have the slots of many corners in flight
 * (see lw_welder32). */
#define FACET_BLOCK 256

static lw_rc parse_binary(const uint8_t *data, size_t len, const lw_mesh_limits *lim,
                          lw_import *out, lw_err *err)
{
    out->format = LW_FORMAT_STL_BINARY;
    if (len < STL_PREFIX)
        return lw_err_set(err, LW_EFORMAT,
                          "the file has %zu bytes, fewer than the 84 bytes of a binary STL header "
                          "and facet count: truncated or not STL",
                          len);
    uint32_t count = get_u32le(data + STL_HEADER);
    size_t need;
    bool fits = lw_size_mul(count, STL_FACET, &need) && lw_size_add(need, STL_PREFIX, &need);
    if (!fits || need != len)
        return lw_err_set(err, LW_EFORMAT,
                          "header claims %" PRIu32 " facets (%" PRIu64 " bytes) but the file has "
                          "%zu bytes: truncated or not binary STL",
                          count, (uint64_t)count * STL_FACET + STL_PREFIX, len);
    if (count > lim->max_triangles)
        return lw_err_set(err, LW_ELIMIT,
                          "the file holds %" PRIu32 " facets, more than the limit of %" PRIu32,
                          count, lim->max_triangles);
    set_header(out, data, STL_HEADER);
    out->facets_in_file = count;

    lw_mesh *m = &out->mesh;
    m->max_v = lim->max_vertices;
    m->max_t = lim->max_triangles;
    uint32_t part;
    lw_rc rc = lw_import_add_part(out, "", 0, lim->max_parts, &part);
    if (rc)
        return rc == LW_ENOMEM ? lw_err_nomem(err)
                               : lw_err_set(err, LW_ELIMIT, "the part limit is zero");
    /* A closed mesh has about half as many vertices as facets; the mesh grows past the guess for
     * soups. */
    size_t guess = (size_t)count / 2 + 8;
    if (lim->max_vertices && guess > lim->max_vertices)
        guess = lim->max_vertices;
    if ((rc = lw_mesh_reserve(m, guess, count)))
        return rc == LW_ENOMEM ? lw_err_nomem(err)
                               : lw_err_set(err, LW_ELIMIT, "%" PRIu32 " facets: over a limit",
                                            count);
    lw_welder32 w;
    if ((rc = lw_welder32_init(&w, m, guess)))
        return lw_err_nomem(err);

    uint32_t keys[9 * FACET_BLOCK];
    for (uint32_t first = 0; first < count; first += FACET_BLOCK) {
        uint32_t nb = count - first < FACET_BLOCK ? count - first : FACET_BLOCK;
        const uint8_t *f = data + STL_PREFIX + (size_t)first * STL_FACET;
        for (uint32_t j = 0; j < nb; j++, f += STL_FACET) {
            uint32_t i = first + j, *bits = keys + 9 * (size_t)j;
            double s[3], v[9];
            for (int k = 0; k < 3; k++)
                s[k] = get_f32le(f + 4 * k);
            for (int k = 0; k < 9; k++) {
                bits[k] = get_u32le(f + 12 + 4 * k);
                float x;
                memcpy(&x, &bits[k], sizeof x);
                v[k] = x;
                if (!isfinite(v[k])) {
                    size_t at = STL_PREFIX + (size_t)i * STL_FACET;
                    rc = lw_err_set(err, LW_EFORMAT,
                                    "facet %" PRIu32 " (byte %zu): vertex %d has %s %c coordinate "
                                    "(byte %zu)",
                                    i, at, k / 3 + 1, isnan(v[k]) ? "a NaN" : "an infinite",
                                    "xyz"[k % 3], at + 12 + 4 * (size_t)k);
                    goto done;
                }
            }
            judge_normal(out, s, v);
        }
        size_t bad = 0;
        if ((rc = lw_welder32_add(&w, keys, 3 * (size_t)nb, m->tri + 3 * (size_t)first, &bad))) {
            uint32_t i = first + (uint32_t)(bad / 3);
            if (rc == LW_ENOMEM)
                lw_err_nomem(err);
            else
                lw_err_set(err, rc, "facet %" PRIu32 " (byte %zu): more than %" PRIu32
                           " vertices", i, STL_PREFIX + (size_t)i * STL_FACET, lim->max_vertices);
            goto done;
        }
    }
    m->nt = count;
done:
    lw_welder32_clear(&w);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* ASCII                                                                                      */

/* A token stream over text that knows its line number and enforces the line length limit. */
typedef struct cursor {
    const char *p, *end;
    const char *line_end; /* the '\n' ending the current line, or end */
    size_t line;          /* 1-based number of the current line */
    size_t tok_line;      /* line of the last token returned */
    size_t max_line;
    lw_err *err;
} cursor;

static lw_rc start_line(cursor *c)
{
    c->line++;
    const char *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
    c->line_end = nl ? nl : c->end;
    if ((size_t)(c->line_end - c->p) > c->max_line)
        return lw_err_set(c->err, LW_ELIMIT, "line %zu: longer than the limit of %zu bytes",
                          c->line, c->max_line);
    return LW_OK;
}

/* Next whitespace-delimited token into *tok / *n; *tok = NULL at the end of the text. */
static lw_rc next_token(cursor *c, const char **tok, size_t *n)
{
    for (;;) {
        while (c->p < c->line_end && is_blank((uint8_t)*c->p))
            c->p++;
        if (c->p < c->line_end)
            break;
        if (c->line_end >= c->end) {
            c->p = c->end;
            *tok = NULL;
            *n = 0;
            return LW_OK;
        }
        c->p = c->line_end + 1;
        lw_rc rc = start_line(c);
        if (rc)
            return rc;
    }
    *tok = c->p;
    while (c->p < c->line_end && !is_blank((uint8_t)*c->p))
        c->p++;
    *n = (size_t)(c->p - *tok);
    c->tok_line = c->line;
    return LW_OK;
}

/* A token made safe to quote in a message: at most 24 bytes, non-printables as '?'. */
static const char *quote(const char *s, size_t n, char buf[32])
{
    size_t k = n > 24 ? 24 : n;
    for (size_t i = 0; i < k; i++)
        buf[i] = ((uint8_t)s[i] >= 0x20 && (uint8_t)s[i] < 0x7F) ? s[i] : '?';
    if (k < n) {
        memcpy(buf + k, "...", 3);
        k += 3;
    }
    buf[k] = 0;
    return buf;
}

typedef struct ascii_state {
    cursor c;
    lw_import *out;
    const lw_mesh_limits *lim;
    lw_welder w;
    uint32_t facet; /* index of the facet being read, counted over the whole file */
    uint32_t part;
} ascii_state;

static lw_rc ends_inside(ascii_state *a)
{
    return lw_err_set(a->c.err, LW_EFORMAT, "line %zu: the file ends inside facet %" PRIu32,
                      a->c.tok_line, a->facet);
}

/* Reads the keyword kw (lower case; matched ignoring case). */
static lw_rc expect(ascii_state *a, const char *kw)
{
    const char *t;
    size_t n;
    lw_rc rc = next_token(&a->c, &t, &n);
    if (rc)
        return rc;
    if (!t)
        return ends_inside(a);
    if (!kw_eq(t, n, kw)) {
        char q[32];
        return lw_err_set(a->c.err, LW_EFORMAT, "line %zu: expected '%s', found '%s'",
                          a->c.tok_line, kw, quote(t, n, q));
    }
    return LW_OK;
}

static lw_rc expect_number(ascii_state *a, double *v)
{
    const char *t, *stop;
    size_t n;
    lw_rc rc = next_token(&a->c, &t, &n);
    if (rc)
        return rc;
    if (!t)
        return ends_inside(a);
    if (!lw_parse_f64(t, t + n, v, &stop) || stop != t + n) {
        char q[32];
        return lw_err_set(a->c.err, LW_EFORMAT, "line %zu: expected a number, found '%s'",
                          a->c.tok_line, quote(t, n, q));
    }
    return LW_OK;
}

/* Reads one facet after its "facet" keyword. */
static lw_rc read_facet(ascii_state *a)
{
    lw_mesh *m = &a->out->mesh;
    if (a->facet >= a->lim->max_triangles)
        return lw_err_set(a->c.err, LW_ELIMIT, "line %zu: more than %" PRIu32 " facets (the limit)",
                          a->c.tok_line, a->lim->max_triangles);
    double s[3], v[9];
    lw_rc rc = expect(a, "normal");
    for (int k = 0; k < 3 && !rc; k++)
        rc = expect_number(a, &s[k]);
    if (!rc)
        rc = expect(a, "outer");
    if (!rc)
        rc = expect(a, "loop");
    size_t vline[3] = {0, 0, 0};
    for (int k = 0; k < 3 && !rc; k++) {
        rc = expect(a, "vertex");
        vline[k] = a->c.tok_line;
        for (int j = 0; j < 3 && !rc; j++) {
            if ((rc = expect_number(a, &v[3 * k + j])))
                break;
            if (!isfinite(v[3 * k + j]))
                return lw_err_set(a->c.err, LW_EFORMAT,
                                  "line %zu: vertex %d of facet %" PRIu32 " has %s coordinate",
                                  a->c.tok_line, k + 1, a->facet,
                                  isnan(v[3 * k + j]) ? "a NaN" : "an infinite");
        }
    }
    if (!rc)
        rc = expect(a, "endloop");
    if (!rc)
        rc = expect(a, "endfacet");
    if (rc)
        return rc;
    judge_normal(a->out, s, v);
    uint32_t idx[3];
    for (int k = 0; k < 3; k++) {
        if ((rc = lw_welder_add(&a->w, v + 3 * k, &idx[k]))) {
            if (rc == LW_ENOMEM)
                return lw_err_nomem(a->c.err);
            return lw_err_set(a->c.err, rc, "line %zu: more than %" PRIu32 " vertices",
                              vline[k], a->lim->max_vertices);
        }
    }
    if ((rc = lw_mesh_add_tri(m, idx[0], idx[1], idx[2], a->part)))
        return rc == LW_ENOMEM ? lw_err_nomem(a->c.err)
                               : lw_err_set(a->c.err, rc, "line %zu: more than %" PRIu32
                                            " facets", a->c.tok_line, a->lim->max_triangles);
    a->facet++;
    return LW_OK;
}

/* After "solid": the rest of the line, trimmed, names the solid and its part. */
static lw_rc begin_solid(ascii_state *a)
{
    const char *s = a->c.p, *e = a->c.line_end;
    while (s < e && is_blank((uint8_t)*s))
        s++;
    while (e > s && is_blank((uint8_t)e[-1]))
        e--;
    a->c.p = a->c.line_end;
    if (a->out->nparts == 0)
        set_header(a->out, (const uint8_t *)s, (size_t)(e - s));
    lw_rc rc = lw_import_add_part(a->out, s, (size_t)(e - s), a->lim->max_parts, &a->part);
    if (rc == LW_ENOMEM)
        return lw_err_nomem(a->c.err);
    if (rc)
        return lw_err_set(a->c.err, rc, "line %zu: more than %" PRIu32 " solids (the limit)",
                          a->c.tok_line, a->lim->max_parts);
    return LW_OK;
}

static lw_rc parse_ascii(const uint8_t *data, size_t len, const lw_mesh_limits *lim,
                         lw_import *out, lw_err *err)
{
    out->format = LW_FORMAT_STL_ASCII;
    lw_mesh *m = &out->mesh;
    m->max_v = lim->max_vertices;
    m->max_t = lim->max_triangles;
    ascii_state a;
    memset(&a, 0, sizeof a);
    a.c.p = (const char *)data;
    a.c.end = a.c.p + len;
    a.c.max_line = lim->max_line_bytes;
    a.c.err = err;
    a.out = out;
    a.lim = lim;
    lw_rc rc = start_line(&a.c);
    if (rc)
        return rc;
    /* About 250 bytes of text per facet and half as many vertices as facets. */
    size_t guess = len / 500 + 8;
    if (lim->max_vertices && guess > lim->max_vertices)
        guess = lim->max_vertices;
    if ((rc = lw_welder_init(&a.w, m, guess)))
        return lw_err_nomem(err);
    bool in_solid = false;
    for (;;) {
        const char *t;
        size_t n;
        char q[32];
        if ((rc = next_token(&a.c, &t, &n)))
            break;
        if (!t)
            break;
        if (!in_solid) {
            if (!kw_eq(t, n, "solid")) {
                rc = lw_err_set(err, LW_EFORMAT, "line %zu: expected 'solid', found '%s'",
                                a.c.tok_line, quote(t, n, q));
                break;
            }
            if ((rc = begin_solid(&a)))
                break;
            in_solid = true;
        } else if (kw_eq(t, n, "facet")) {
            if ((rc = read_facet(&a)))
                break;
        } else if (kw_eq(t, n, "endsolid")) {
            a.c.p = a.c.line_end; /* the name repeated after endsolid is not checked */
            in_solid = false;
        } else {
            rc = lw_err_set(err, LW_EFORMAT, "line %zu: expected 'facet' or 'endsolid', found '%s'",
                            a.c.tok_line, quote(t, n, q));
            break;
        }
    }
    if (!rc && out->nparts == 0)
        rc = lw_err_set(err, LW_EFORMAT, "the file holds only whitespace, no 'solid'");
    /* A missing last "endsolid" is accepted: every facet read was complete. */
    out->facets_in_file = a.facet;
    lw_welder_clear(&a.w);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Entry points                                                                               */

/* ASCII when the text starts (after blanks) with the word "solid" in any case and has no NUL in
 * its first kilobyte: text never holds NULs, while a binary header beginning with "solid" is
 * nearly always followed by NUL padding or a small facet count. An exactly sized binary file is
 * binary whatever its header says. */
static bool is_ascii(const uint8_t *data, size_t len)
{
    if (len >= STL_PREFIX && (uint64_t)get_u32le(data + STL_HEADER) * STL_FACET + STL_PREFIX == len)
        return false;
    size_t i = 0;
    while (i < len && (is_blank(data[i]) || data[i] == '\n'))
        i++;
    if (len - i < 5 || !kw_eq((const char *)data + i, 5, "solid"))
        return false;
    if (len - i > 5 && !is_blank(data[i + 5]) && data[i + 5] != '\n')
        return false;
    return memchr(data, 0, len < 1024 ? len : 1024) == NULL;
}

lw_rc lw_stl_parse(const uint8_t *data, size_t len, const lw_mesh_limits *lim, lw_import *out,
                   lw_err *err)
{
    lw_rc rc;
    if (len == 0)
        rc = lw_err_set(err, LW_EFORMAT, "the file is empty");
    else if (len > lim->max_file_bytes)
        rc = lw_err_set(err, LW_ELIMIT, "%zu bytes is more than the limit of %zu bytes", len,
                        lim->max_file_bytes);
    else if (is_ascii(data, len))
        rc = parse_ascii(data, len, lim, out, err);
    else
        rc = parse_binary(data, len, lim, out, err);
    if (rc)
        lw_import_clear(out);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Writer                                                                                     */

/* The 80 header bytes: the caller's text, unless it would make the file look like ASCII STL. */
static void make_header(const char *text, uint8_t h[STL_HEADER])
{
    static const char prefix[] = "lostwax: ";
    memset(h, ' ', STL_HEADER);
    if (!text)
        text = "lostwax binary STL";
    size_t at = 0, i = 0;
    while (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n')
        i++;
    if (lw_str_iprefix(text + i, "solid")) {
        memcpy(h, prefix, sizeof prefix - 1);
        at = sizeof prefix - 1;
    }
    for (i = 0; text[i] && at < STL_HEADER; i++)
        h[at++] = (uint8_t)text[i];
}

lw_rc lw_stl_write_binary(const lw_mesh *m, const char *header, lw_buf *out, lw_err *err)
{
    size_t start = out->len, total;
    if (!lw_size_mul(m->nt, STL_FACET, &total) || !lw_size_add(total, STL_PREFIX, &total) ||
        total > out->max - out->len)
        return lw_err_set(err, LW_ELIMIT, "a binary STL of %" PRIu32 " facets does not fit the "
                          "buffer's limit", m->nt);
    uint8_t chunk[STL_FACET * 128];
    make_header(header, chunk);
    put_u32le(chunk + STL_HEADER, m->nt);
    lw_rc rc = lw_buf_append(out, chunk, STL_PREFIX);
    size_t used = 0;
    for (uint32_t f = 0; f < m->nt && !rc; f++) {
        const uint32_t *t = m->tri + 3 * (size_t)f;
        double v[9];
        for (int c = 0; c < 3; c++) {
            if (t[c] >= m->nv) {
                rc = lw_err_set(err, LW_EINVAL, "facet %" PRIu32 " refers to vertex %" PRIu32
                                " of %" PRIu32, f, t[c], m->nv);
                goto fail;
            }
            for (int k = 0; k < 3; k++) {
                double d = m->xyz[3 * (size_t)t[c] + k];
                if (!(fabs(d) <= FLT_MAX)) {
                    rc = lw_err_set(err, LW_EINVAL, "vertex %" PRIu32 " has a coordinate (%g) "
                                    "that is not a finite float32", t[c], d);
                    goto fail;
                }
                /* Round first, so the normal written is the normal of what a reader gets. */
                v[3 * c + k] = (float)d;
            }
        }
        double n[3];
        lw_tri_normal(v, v + 3, v + 6, n);
        uint8_t *p = chunk + used;
        for (int k = 0; k < 3; k++)
            put_f32le(p + 4 * k, (float)n[k]);
        for (int k = 0; k < 9; k++)
            put_f32le(p + 12 + 4 * k, (float)v[k]);
        p[48] = p[49] = 0;
        used += STL_FACET;
        if (used == sizeof chunk || f + 1 == m->nt) {
            rc = lw_buf_append(out, chunk, used);
            used = 0;
        }
    }
    if (!rc)
        return LW_OK;
    if (rc == LW_ENOMEM)
        lw_err_nomem(err);
    else
        lw_err_set(err, rc, "the binary STL does not fit the buffer's limit");
fail:
    out->len = start;
    if (out->data)
        out->data[start] = 0;
    return rc;
}
