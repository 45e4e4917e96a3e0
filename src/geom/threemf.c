/* lostwax: reading and writing 3MF packages (see threemf.h and docs/internals/3mf.md).
 *
 * Reading: libzip opens the package from memory; _rels/.rels names the model part; the model
 * entry is inflated in chunks straight into expat's buffer, so the XML is never held whole. The
 * handlers collect each object's vertices and triangles into shared pools, components and build
 * items with their transforms, then every build item is instanced, transformed, welded and
 * appended as one part. Everything the file claims is checked against lw_mesh_limits before it is
 * believed: entry sizes and ratios as stored, then the bytes that actually come out of inflation.
 *
 * Writing: one object per part, one build item each, zipped in memory with fixed timestamps so
 * the same mesh always gives the same bytes. lw_3mf_write_items writes each object once and
 * places it with as many transformed build items as asked (a plate of copies).
 */
#include "geom/threemf.h"

#include <expat.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <zip.h>

#include "base/alloc.h"
#include "base/size.h"
#include "base/text.h"
#include "base/vec.h"
#include "geom/weld.h"

#define NS_CORE "http://schemas.microsoft.com/3dmanufacturing/core/2015/02"
#define NS_PROD "http://schemas.microsoft.com/3dmanufacturing/production/2015/06"
#define NS_RELS "http://schemas.openxmlformats.org/package/2006/relationships"
#define NS_TYPES "http://schemas.openxmlformats.org/package/2006/content-types"
#define REL_MODEL "http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel"
#define DEFAULT_MODEL "3D/3dmodel.model"
#define NS_SEP '|' /* expat joins "namespace|local"; namespaces holding '|' are refused */
#define CHUNK 65536
#define NONE UINT32_MAX

/* Extensions a model may require that leave the core geometry complete (we read the geometry and
 * ignore their additions). A required extension not listed here changes the geometry (beam
 * lattices, slices, booleans, encryption...), so such a model is refused rather than misread. */
static const char *const k_harmless_ns[] = {
    "http://schemas.microsoft.com/3dmanufacturing/material/2015/02",
    NS_PROD, /* UUIDs; paths into other parts are refused where they occur */
    "http://schemas.microsoft.com/3dmanufacturing/trianglesets/2021/07",
    "http://schemas.slic3r.org/3mf/2017/06",
};

/* ---------------------------------------------------------------------------------------------
 * XML plumbing shared by the relationships part and the model part
 */

enum kind {
    K_SKIP, /* an element we ignore, and everything inside it */
    K_MODEL,
    K_RESOURCES,
    K_OBJECT,
    K_MESH,
    K_VERTICES,
    K_TRIANGLES,
    K_COMPONENTS,
    K_BUILD,
    K_LEAF, /* vertex, triangle, component, item: no children of interest */
    K_RELS,
};

typedef struct xml_base {
    XML_Parser p;
    lw_err *err;
    lw_rc rc;       /* first error a handler raised (the parser is stopped then) */
    uint8_t *kinds; /* the open elements, innermost last */
    size_t depth, cap;
    uint32_t max_depth;
} xml_base;

static const XML_Memory_Handling_Suite k_xml_mem = {lw_malloc, lw_realloc, lw_free};

/* Records an error at an explicit place in the XML and stops the parser. */
__attribute__((format(printf, 5, 6))) static void fail_at(xml_base *b, lw_rc rc,
                                                           unsigned long line, unsigned long col,
                                                           const char *fmt, ...)
{
    if (b->rc)
        return;
    b->rc = rc;
    if (rc == LW_ENOMEM) {
        lw_err_nomem(b->err);
    } else {
        char msg[LW_ERR_MSG_MAX];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        lw_err_set(b->err, rc, "line %lu, column %lu: %s", line, col, msg);
    }
    XML_StopParser(b->p, XML_FALSE);
}

static unsigned long cur_line(const xml_base *b) { return XML_GetCurrentLineNumber(b->p); }
static unsigned long cur_col(const xml_base *b) { return XML_GetCurrentColumnNumber(b->p) + 1; }

/* Records an error at the element being handled. */
#define FAIL(b, rc, ...) fail_at((b), (rc), cur_line(b), cur_col(b), __VA_ARGS__)

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal_subset)
{
    (void)sysid;
    (void)pubid;
    (void)has_internal_subset;
    FAIL((xml_base *)ud, LW_EFORMAT,
         "a DOCTYPE declaration (<!DOCTYPE %.64s>) is not allowed: 3MF forbids DTDs, whose "
         "entities can expand without bound",
         name);
}

static void XMLCALL on_entity(void *ud, const XML_Char *name, int is_param,
                              const XML_Char *value, int value_len, const XML_Char *base,
                              const XML_Char *sysid, const XML_Char *pubid,
                              const XML_Char *notation)
{
    (void)is_param;
    (void)value;
    (void)value_len;
    (void)base;
    (void)sysid;
    (void)pubid;
    (void)notation;
    FAIL((xml_base *)ud, LW_EFORMAT, "an entity declaration (%.64s) is not allowed", name);
}

/* Pushes an element of the given kind, enforcing the depth limit. false when the parse stops. */
static bool push_kind(xml_base *b, uint8_t kind)
{
    if (b->depth >= b->max_depth) {
        FAIL(b, LW_ELIMIT, "elements nested more than %u deep", b->max_depth);
        return false;
    }
    if (b->depth >= b->cap && LW_VEC_RESERVE(b->kinds, b->cap, b->depth + 1, b->max_depth)) {
        FAIL(b, LW_ENOMEM, "out of memory");
        return false;
    }
    b->kinds[b->depth++] = kind;
    return true;
}

static uint8_t parent_kind(const xml_base *b)
{
    return b->depth ? b->kinds[b->depth - 1] : K_SKIP;
}

/* A parser that reports "namespace|local" names and allocates through lw_malloc. */
static lw_rc xml_base_init(xml_base *b, lw_err *err, uint32_t max_depth, void *ud)
{
    memset(b, 0, sizeof *b);
    b->err = err;
    b->max_depth = max_depth ? max_depth : 1;
    const XML_Char sep[2] = {NS_SEP, 0};
    b->p = XML_ParserCreate_MM(NULL, &k_xml_mem, sep);
    if (!b->p)
        return lw_err_nomem(err);
    XML_SetUserData(b->p, ud);
    XML_SetStartDoctypeDeclHandler(b->p, on_doctype);
    XML_SetEntityDeclHandler(b->p, on_entity);
    return LW_OK;
}

static void xml_base_clear(xml_base *b)
{
    if (b->p)
        XML_ParserFree(b->p);
    lw_free(b->kinds);
    memset(b, 0, sizeof *b);
}

/* "ns|local" -> local when the name is in namespace ns, else NULL. */
static const char *in_ns_n(const char *name, const char *ns, size_t n)
{
    if (strncmp(name, ns, n) == 0 && name[n] == NS_SEP)
        return name + n + 1;
    return NULL;
}
#define in_ns(name, ns) in_ns_n((name), (ns), sizeof(ns) - 1) /* ns: a string literal */

static const char *attr(const XML_Char **atts, const char *name)
{
    for (size_t i = 0; atts[i]; i += 2)
        if (strcmp(atts[i], name) == 0)
            return atts[i + 1];
    return NULL;
}

static bool is_xml_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* A whole attribute value as one number (surrounding spaces allowed: xs:double collapses them).
 * Returns false on junk; the value may be NaN or infinite (the caller says which attribute). */
static bool parse_number(const char *s, double *v)
{
    const char *end = s + strlen(s);
    while (s < end && is_xml_space(*s))
        s++;
    while (end > s && is_xml_space(end[-1]))
        end--;
    const char *stop;
    return lw_parse_f64(s, end, v, &stop) && stop == end;
}

/* An ST_ResourceID / ST_ResourceIndex: a whole non-negative decimal below 2^31. */
static bool parse_index(const char *s, uint32_t *v)
{
    const char *end = s + strlen(s);
    while (s < end && is_xml_space(*s))
        s++;
    while (end > s && is_xml_space(end[-1]))
        end--;
    int64_t i;
    const char *stop;
    if (s == end || *s == '-' || !lw_parse_i64(s, end, &i, &stop) || stop != end || i < 0 ||
        i > INT32_MAX)
        return false;
    *v = (uint32_t)i;
    return true;
}

/* ---------------------------------------------------------------------------------------------
 * Reading zip entries with limits
 */

typedef struct zreader {
    zip_t *za;
    size_t archive_len;
    const lw_mesh_limits *lim;
    uint64_t inflated; /* bytes actually produced by inflation so far, all entries */
    lw_err *err;
} zreader;

static lw_rc zip_failure(lw_err *err, const char *what, zip_error_t *ze)
{
    if (zip_error_code_zip(ze) == ZIP_ER_MEMORY)
        return lw_err_nomem(err);
    return lw_err_set(err, LW_EFORMAT, "%s (libzip: %s)", what, zip_error_strerror(ze));
}

/* Streams entry idx through the XML parser of b. Errors are prefixed with the entry's name. */
static lw_rc parse_entry(zreader *zr, zip_uint64_t idx, const char *name, xml_base *b)
{
    const lw_mesh_limits *lim = zr->lim;
    lw_err *err = zr->err;
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(zr->za, idx, 0, &st) != 0)
        return lw_err_set(err, LW_EFORMAT, "%s: unreadable zip entry (libzip: %s)", name,
                          zip_strerror(zr->za));
    /* First the sizes the archive states: a cheap refusal of an honest bomb. */
    uint64_t comp = (st.valid & ZIP_STAT_COMP_SIZE) ? st.comp_size : zr->archive_len;
    if (comp > zr->archive_len)
        comp = zr->archive_len;
    uint64_t ratio_cap; /* the most this entry may inflate to */
    if (__builtin_mul_overflow(comp, (uint64_t)lim->max_zip_ratio, &ratio_cap))
        ratio_cap = UINT64_MAX;
    if (st.valid & ZIP_STAT_SIZE) {
        if (st.size > lim->max_unzipped_bytes - zr->inflated)
            return lw_err_set(err, LW_ELIMIT,
                              "%s: inflates to %llu bytes, more than the limit of %llu bytes "
                              "unzipped",
                              name, (unsigned long long)st.size,
                              (unsigned long long)lim->max_unzipped_bytes);
        if (st.size > ratio_cap)
            return lw_err_set(err, LW_ELIMIT,
                              "%s: %llu bytes compressed into %llu, a ratio above the limit of "
                              "%u (a zip bomb?)",
                              name, (unsigned long long)st.size, (unsigned long long)comp,
                              lim->max_zip_ratio);
    }
    zip_file_t *zf = zip_fopen_index(zr->za, idx, 0);
    if (!zf) {
        zip_error_t *ze = zip_get_error(zr->za);
        int code = zip_error_code_zip(ze);
        if (code == ZIP_ER_MEMORY)
            return lw_err_nomem(err);
        return lw_err_set(err, code == ZIP_ER_NOPASSWD || code == ZIP_ER_ENCRNOTSUPP
                                   ? LW_EUNSUPPORTED : LW_EFORMAT,
                          "%s: cannot open the zip entry (libzip: %s)", name,
                          zip_error_strerror(ze));
    }
    /* Then the bytes that really come out: the headers may lie. */
    uint64_t got = 0;
    lw_rc rc = LW_OK;
    for (;;) {
        void *buf = XML_GetBuffer(b->p, CHUNK);
        if (!buf) {
            rc = lw_err_nomem(err);
            break;
        }
        zip_int64_t n = zip_fread(zf, buf, CHUNK);
        if (n < 0) {
            zip_error_t *ze = zip_file_get_error(zf);
            rc = zip_error_code_zip(ze) == ZIP_ER_MEMORY
                     ? lw_err_nomem(err)
                     : lw_err_set(err, LW_EFORMAT, "corrupt zip data (libzip: %s)",
                                  zip_error_strerror(ze));
            break;
        }
        got += (uint64_t)n;
        zr->inflated += (uint64_t)n;
        if (zr->inflated > lim->max_unzipped_bytes) {
            rc = lw_err_set(err, LW_ELIMIT,
                            "inflates to more than the limit of %llu bytes unzipped",
                            (unsigned long long)lim->max_unzipped_bytes);
            break;
        }
        if (got > ratio_cap) {
            rc = lw_err_set(err, LW_ELIMIT,
                            "inflates to more than %u times its %llu compressed bytes "
                            "(the ratio limit; a zip bomb?)",
                            lim->max_zip_ratio, (unsigned long long)comp);
            break;
        }
        if (XML_ParseBuffer(b->p, (int)n, n == 0) != XML_STATUS_OK) {
            if (b->rc) {
                rc = b->rc;
            } else {
                enum XML_Error code = XML_GetErrorCode(b->p);
                rc = code == XML_ERROR_NO_MEMORY
                         ? lw_err_nomem(err)
                         : lw_err_set(err, LW_EFORMAT, "line %lu, column %lu: malformed XML: %s",
                                      (unsigned long)XML_GetCurrentLineNumber(b->p),
                                      (unsigned long)XML_GetCurrentColumnNumber(b->p) + 1,
                                      XML_ErrorString(code));
            }
            break;
        }
        if (b->rc) { /* stopped by a handler on the last chunk */
            rc = b->rc;
            break;
        }
        if (n == 0)
            break;
    }
    zip_fclose(zf);
    if (rc)
        lw_err_prefix(err, "%s", name);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * _rels/.rels: which part is the 3D model
 */

typedef struct rparse {
    xml_base b;
    char *target; /* owned; first 3D model relationship's target */
} rparse;

static void XMLCALL r_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    rparse *r = ud;
    if (r->b.rc)
        return;
    const char *local = in_ns(name, NS_RELS);
    uint8_t kind = K_SKIP;
    if (r->b.depth == 0) {
        if (!local || strcmp(local, "Relationships") != 0) {
            FAIL(&r->b, LW_EFORMAT, "the root element is <%.80s>, not <Relationships>", name);
            return;
        }
        kind = K_RELS;
    } else if (parent_kind(&r->b) == K_RELS && local && strcmp(local, "Relationship") == 0) {
        const char *type = attr(atts, "Type"), *target = attr(atts, "Target");
        if (type && strcmp(type, REL_MODEL) == 0 && !r->target) {
            if (!target || !*target) {
                FAIL(&r->b, LW_EFORMAT, "the 3D model relationship has no Target");
                return;
            }
            r->target = lw_strdup(target);
            if (!r->target) {
                FAIL(&r->b, LW_ENOMEM, "out of memory");
                return;
            }
        }
    }
    push_kind(&r->b, kind);
}

static void XMLCALL x_end(void *ud, const XML_Char *name)
{
    (void)name;
    xml_base *b = ud; /* the first member of rparse and mparse */
    if (b->depth)
        b->depth--;
}

/* ---------------------------------------------------------------------------------------------
 * The model part
 */

enum geo { GEO_NONE, GEO_MESH, GEO_COMPS };

typedef struct obj3 {
    uint32_t id;
    uint8_t geo;          /* enum geo */
    bool open;            /* between <object> and </object> */
    bool other;           /* type "other", itself or through a component: never printed */
    bool foreign;         /* holds elements of an extension namespace */
    uint32_t depth;       /* component levels below this object (0 for a mesh) */
    size_t v0, nv, t0, nt, c0, nc; /* its slices of the vertex, triangle and component pools */
    uint64_t inst_v, inst_t;       /* vertices and triangles once its components are expanded */
    unsigned long line, col;
    char *name; /* owned, or NULL */
} obj3;

typedef struct xform3 {
    uint32_t obj; /* index into objs */
    bool ident;
    double a[12];
    unsigned long line, col;
} xform3;

typedef struct nsdecl {
    char prefix[48];
    char uri[160];
} nsdecl;

#define MAX_NSDECL 32

typedef struct mparse {
    xml_base b;
    const lw_mesh_limits *lim;
    lw_import *out;
    obj3 *objs;
    size_t nobj, cap_obj;
    uint64_t *ids; /* open addressing: id << 32 | (index + 1); 0 = empty */
    size_t id_mask;
    double *xyz; /* all objects' vertices */
    size_t nv, cap_xyz;
    uint32_t *tri; /* all objects' triangles, indices local to their object */
    size_t nt, cap_tri;
    xform3 *comps;
    size_t ncomp, cap_comp;
    xform3 *items;
    size_t nitem, cap_item;
    uint64_t item_v, item_t; /* instanced by the build items so far (saturating) */
    uint32_t cur;            /* index of the object being defined, or NONE */
    uint8_t mesh_stage;      /* 0 nothing yet, 1 after <vertices>, 2 after <triangles> */
    uint32_t deepest;        /* greatest object depth seen */
    nsdecl ns[MAX_NSDECL];   /* declarations on the root element */
    size_t nns;
    char foreign[128];/* first extension element in the current object, for messages */
} mparse;

static uint64_t sat_add(uint64_t a, uint64_t b) { return a + b < a ? UINT64_MAX : a + b; }

static size_t id_slot(uint32_t id, size_t mask)
{
    return (size_t)(((uint64_t)id * 0x9E3779B97F4A7C15ull) >> 17) & mask;
}

/* Index of the object with this id, or NONE. */
static uint32_t find_obj(const mparse *m, uint32_t id)
{
    if (!m->ids)
        return NONE;
    for (size_t i = id_slot(id, m->id_mask);; i = (i + 1) & m->id_mask) {
        uint64_t s = m->ids[i];
        if (!s)
            return NONE;
        if ((uint32_t)(s >> 32) == id)
            return (uint32_t)(s & 0xFFFFFFFFu) - 1;
    }
}

static lw_rc index_obj(mparse *m, uint32_t id, uint32_t idx)
{
    if (!m->ids || (m->nobj + 1) * 2 > m->id_mask + 1) {
        size_t n = m->ids ? (m->id_mask + 1) * 2 : 64;
        uint64_t *t = lw_calloc(n, sizeof *t);
        if (!t)
            return LW_ENOMEM;
        for (size_t j = 0; m->ids && j <= m->id_mask; j++) {
            if (!m->ids[j])
                continue;
            size_t i = id_slot((uint32_t)(m->ids[j] >> 32), n - 1);
            while (t[i])
                i = (i + 1) & (n - 1);
            t[i] = m->ids[j];
        }
        lw_free(m->ids);
        m->ids = t;
        m->id_mask = n - 1;
    }
    size_t i = id_slot(id, m->id_mask);
    while (m->ids[i])
        i = (i + 1) & m->id_mask;
    m->ids[i] = (uint64_t)id << 32 | ((uint64_t)idx + 1);
    return LW_OK;
}

static void XMLCALL on_ns(void *ud, const XML_Char *prefix, const XML_Char *uri)
{
    mparse *m = ud;
    /* Only the root's declarations matter (requiredextensions names prefixes declared there). */
    if (m->b.depth != 0 || m->nns >= MAX_NSDECL || !prefix || !uri)
        return;
    nsdecl *d = &m->ns[m->nns++];
    snprintf(d->prefix, sizeof d->prefix, "%s", prefix);
    snprintf(d->uri, sizeof d->uri, "%s", uri);
}

static const struct {
    const char *name;
    double mm;
} k_units[] = {
    {"micron", 0.001}, {"millimeter", 1}, {"centimeter", 10},
    {"inch", 25.4},    {"foot", 304.8},   {"meter", 1000},
};

static void model_start(mparse *m, const XML_Char **atts)
{
    const char *unit = attr(atts, "unit");
    if (!unit)
        unit = "millimeter"; /* the default the specification sets */
    double mm = 0;
    for (size_t i = 0; i < sizeof k_units / sizeof k_units[0]; i++)
        if (strcmp(unit, k_units[i].name) == 0)
            mm = k_units[i].mm;
    if (mm == 0) {
        FAIL(&m->b, LW_EFORMAT,
             "unit \"%.40s\" is not one of micron, millimeter, centimeter, inch, foot, meter",
             unit);
        return;
    }
    m->out->unit_mm = mm;
    snprintf(m->out->unit_decl, sizeof m->out->unit_decl, "%s", unit);

    /* A consumer must not process a model requiring an extension it does not support. */
    const char *req = attr(atts, "requiredextensions");
    while (req && *req) {
        while (is_xml_space(*req))
            req++;
        size_t n = 0;
        while (req[n] && !is_xml_space(req[n]))
            n++;
        if (n == 0)
            break;
        const char *uri = NULL;
        for (size_t i = 0; i < m->nns; i++)
            if (strlen(m->ns[i].prefix) == n && memcmp(m->ns[i].prefix, req, n) == 0)
                uri = m->ns[i].uri;
        bool harmless = false;
        for (size_t i = 0; uri && i < sizeof k_harmless_ns / sizeof k_harmless_ns[0]; i++)
            harmless |= strcmp(uri, k_harmless_ns[i]) == 0;
        if (!harmless) {
            FAIL(&m->b, LW_EUNSUPPORTED,
                 "the model requires the extension \"%.*s\" (%.160s), which lostwax does not "
                 "read",
                 (int)(n > 48 ? 48 : n), req, uri ? uri : "namespace not declared");
            return;
        }
        req += n;
    }
}

static void object_start(mparse *m, const XML_Char **atts)
{
    const char *sid = attr(atts, "id"), *type = attr(atts, "type"), *name = attr(atts, "name");
    uint32_t id;
    if (!sid || !parse_index(sid, &id) || id == 0) {
        FAIL(&m->b, LW_EFORMAT, "<object> needs an id, a whole number from 1 (id=\"%.40s\")",
             sid ? sid : "");
        return;
    }
    bool other = false;
    if (type) {
        static const char *const types[] = {"model", "solidsupport", "support", "surface"};
        bool known = false;
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            known |= strcmp(type, types[i]) == 0;
        other = strcmp(type, "other") == 0;
        if (!known && !other) {
            FAIL(&m->b, LW_EFORMAT, "object %u has the unknown type \"%.40s\"", id, type);
            return;
        }
    }
    if (find_obj(m, id) != NONE) {
        uint32_t first = find_obj(m, id);
        FAIL(&m->b, LW_EFORMAT, "a second object with id %u (the first is at line %lu)", id,
             m->objs[first].line);
        return;
    }
    if (m->nobj >= m->lim->max_parts) {
        FAIL(&m->b, LW_ELIMIT, "more than %u objects", m->lim->max_parts);
        return;
    }
    if (LW_VEC_RESERVE(m->objs, m->cap_obj, m->nobj + 1, m->lim->max_parts) ||
        index_obj(m, id, (uint32_t)m->nobj)) {
        FAIL(&m->b, LW_ENOMEM, "out of memory");
        return;
    }
    obj3 *o = &m->objs[m->nobj];
    memset(o, 0, sizeof *o);
    o->id = id;
    o->open = true;
    o->other = other;
    o->line = cur_line(&m->b);
    o->col = cur_col(&m->b);
    m->cur = (uint32_t)m->nobj++;
    m->foreign[0] = 0;
    if (name && *name && !(o->name = lw_strdup(name)))
        FAIL(&m->b, LW_ENOMEM, "out of memory");
}

/* At </object>: the object must hold geometry we can read. */
static void object_end(mparse *m)
{
    obj3 *o = &m->objs[m->cur];
    o->open = false;
    m->cur = NONE;
    const char *what = NULL;
    if (o->geo == GEO_NONE)
        what = "has neither a <mesh> nor <components>";
    else if (o->geo == GEO_MESH && o->nt == 0)
        what = "has a mesh without triangles";
    else if (o->geo == GEO_COMPS && o->nc == 0)
        what = "has an empty <components>";
    if (what && o->foreign)
        fail_at(&m->b, LW_EUNSUPPORTED, o->line, o->col,
                "object %u %s, only %s, an extension lostwax does not read", o->id, what,
                m->foreign);
    else if (what)
        fail_at(&m->b, LW_EFORMAT, o->line, o->col, "object %u %s", o->id, what);
    if (o->geo == GEO_MESH) {
        o->inst_v = o->nv;
        o->inst_t = o->nt;
    }
}

static void vertex(mparse *m, const XML_Char **atts)
{
    obj3 *o = &m->objs[m->cur];
    double p[3];
    static const char *const axes[3] = {"x", "y", "z"};
    for (int k = 0; k < 3; k++) {
        const char *s = attr(atts, axes[k]);
        if (!s) {
            FAIL(&m->b, LW_EFORMAT, "vertex %zu of object %u has no %s", o->nv, o->id, axes[k]);
            return;
        }
        if (!parse_number(s, &p[k])) {
            FAIL(&m->b, LW_EFORMAT, "vertex %zu of object %u: %s=\"%.40s\" is not a number",
                 o->nv, o->id, axes[k], s);
            return;
        }
        if (!isfinite(p[k])) {
            FAIL(&m->b, LW_EFORMAT, "vertex %zu of object %u: %s is not a finite number (%.40s)",
                 o->nv, o->id, axes[k], s);
            return;
        }
    }
    if (m->nv >= m->lim->max_vertices) {
        FAIL(&m->b, LW_ELIMIT, "more than %u vertices in the file", m->lim->max_vertices);
        return;
    }
    if (LW_VEC_RESERVE(m->xyz, m->cap_xyz, 3 * (m->nv + 1), 3 * (size_t)m->lim->max_vertices)) {
        FAIL(&m->b, LW_ENOMEM, "out of memory");
        return;
    }
    memcpy(m->xyz + 3 * m->nv, p, sizeof p);
    m->nv++;
    o->nv++;
}

static void triangle(mparse *m, const XML_Char **atts)
{
    obj3 *o = &m->objs[m->cur];
    uint32_t v[3];
    static const char *const names[3] = {"v1", "v2", "v3"};
    for (int k = 0; k < 3; k++) {
        const char *s = attr(atts, names[k]);
        if (!s) {
            FAIL(&m->b, LW_EFORMAT, "triangle %zu of object %u has no %s", o->nt, o->id,
                 names[k]);
            return;
        }
        if (!parse_index(s, &v[k])) {
            FAIL(&m->b, LW_EFORMAT,
                 "triangle %zu of object %u: %s=\"%.40s\" is not a vertex index", o->nt, o->id,
                 names[k], s);
            return;
        }
        if (v[k] >= o->nv) {
            FAIL(&m->b, LW_EFORMAT,
                 "triangle %zu refers to vertex %u of object %u, which has %zu vertices", o->nt,
                 v[k], o->id, o->nv);
            return;
        }
    }
    if (v[0] == v[1] || v[1] == v[2] || v[0] == v[2]) {
        FAIL(&m->b, LW_EFORMAT, "triangle %zu of object %u uses vertex %u twice", o->nt, o->id,
             v[0] == v[1] || v[0] == v[2] ? v[0] : v[1]);
        return;
    }
    if (m->nt >= m->lim->max_triangles) {
        FAIL(&m->b, LW_ELIMIT, "more than %u triangles in the file", m->lim->max_triangles);
        return;
    }
    if (LW_VEC_RESERVE(m->tri, m->cap_tri, 3 * (m->nt + 1), 3 * (size_t)m->lim->max_triangles)) {
        FAIL(&m->b, LW_ENOMEM, "out of memory");
        return;
    }
    memcpy(m->tri + 3 * m->nt, v, sizeof v);
    m->nt++;
    o->nt++;
}

/* Twelve numbers "m00 m01 m02 m10 m11 m12 m20 m21 m22 m30 m31 m32" (row vectors) into lw's
 * column-vector a[12] (see mesh.h). false if malformed or not finite. */
static bool parse_transform(const char *s, double a[12], bool *ident)
{
    double m[12];
    const char *end = s + strlen(s);
    for (int i = 0; i < 12; i++) {
        while (s < end && is_xml_space(*s))
            s++;
        const char *stop;
        if (!lw_parse_f64(s, end, &m[i], &stop) || !isfinite(m[i]))
            return false;
        if (stop < end && !is_xml_space(*stop))
            return false;
        s = stop;
    }
    while (s < end && is_xml_space(*s))
        s++;
    if (s != end)
        return false;
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 3; c++)
            a[3 * r + c] = m[3 * c + r];
    a[9] = m[9];
    a[10] = m[10];
    a[11] = m[11];
    static const double id[12] = {1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0};
    *ident = memcmp(a, id, sizeof id) == 0; /* bitwise: -0 is not the identity's +0 */
    return true;
}

/* The shared part of <component> and <item>: objectid, p:path, transform. what = "component" or
 * "build item". false when the parse stops. */
static bool placement(mparse *m, const XML_Char **atts, const char *what, xform3 *x)
{
    const char *sid = attr(atts, "objectid");
    const char *path = attr(atts, NS_PROD "|path");
    const char *tr = attr(atts, "transform");
    uint32_t id;
    if (!sid || !parse_index(sid, &id) || id == 0) {
        FAIL(&m->b, LW_EFORMAT, "%s needs an objectid, a whole number from 1 (objectid=\"%.40s\")",
             what, sid ? sid : "");
        return false;
    }
    if (path && *path) {
        FAIL(&m->b, LW_EUNSUPPORTED,
             "%s refers to object %u in another model part (%.200s), which lostwax does not "
             "read",
             what, id, path);
        return false;
    }
    uint32_t idx = find_obj(m, id);
    if (idx == NONE) {
        FAIL(&m->b, LW_EFORMAT,
             "%s refers to object %u, which is not defined before it (objectid is undefined)",
             what, id);
        return false;
    }
    if (m->objs[idx].open) {
        FAIL(&m->b, LW_EFORMAT, "a component of object %u refers to object %u itself", id, id);
        return false;
    }
    memset(x, 0, sizeof *x);
    x->obj = idx;
    x->line = cur_line(&m->b);
    x->col = cur_col(&m->b);
    lw_affine_identity(x->a);
    x->ident = true;
    if (tr && !parse_transform(tr, x->a, &x->ident)) {
        FAIL(&m->b, LW_EFORMAT, "%s transform=\"%.120s\" is not 12 finite numbers", what, tr);
        return false;
    }
    return true;
}

static void component(mparse *m, const XML_Char **atts)
{
    xform3 x;
    if (!placement(m, atts, "component", &x))
        return;
    obj3 *o = &m->objs[m->cur];
    const obj3 *child = &m->objs[x.obj];
    uint32_t depth = child->depth + 1;
    if (depth > m->lim->max_component_depth) {
        FAIL(&m->b, LW_ELIMIT, "object %u: components nested %u deep, more than the limit of %u",
             o->id, depth, m->lim->max_component_depth);
        return;
    }
    if (m->ncomp >= m->lim->max_triangles) {
        FAIL(&m->b, LW_ELIMIT, "more than %u components", m->lim->max_triangles);
        return;
    }
    if (LW_VEC_RESERVE(m->comps, m->cap_comp, m->ncomp + 1, m->lim->max_triangles)) {
        FAIL(&m->b, LW_ENOMEM, "out of memory");
        return;
    }
    m->comps[m->ncomp++] = x;
    o->nc++;
    if (depth > o->depth)
        o->depth = depth;
    if (depth > m->deepest)
        m->deepest = depth;
    o->other |= child->other;
    o->inst_v = sat_add(o->inst_v, child->inst_v);
    o->inst_t = sat_add(o->inst_t, child->inst_t);
}

static void item(mparse *m, const XML_Char **atts)
{
    xform3 x;
    if (!placement(m, atts, "build item", &x))
        return;
    const obj3 *o = &m->objs[x.obj];
    if (o->other) {
        FAIL(&m->b, LW_EFORMAT,
             "build item places object %u, which is (or contains) an object of type \"other\" "
             "that must not be printed",
             o->id);
        return;
    }
    if (m->nitem >= m->lim->max_parts) {
        FAIL(&m->b, LW_ELIMIT, "more than %u build items", m->lim->max_parts);
        return;
    }
    uint64_t t = sat_add(m->item_t, o->inst_t), v = sat_add(m->item_v, o->inst_v);
    if (t > m->lim->max_triangles) {
        FAIL(&m->b, LW_ELIMIT,
             "build item %zu places object %u (%llu triangles with its components), %llu "
             "triangles in all, more than the limit of %u",
             m->nitem, o->id, (unsigned long long)o->inst_t, (unsigned long long)t,
             m->lim->max_triangles);
        return;
    }
    if (v > m->lim->max_vertices) {
        FAIL(&m->b, LW_ELIMIT,
             "build item %zu places object %u (%llu vertices with its components), %llu "
             "vertices in all, more than the limit of %u",
             m->nitem, o->id, (unsigned long long)o->inst_v, (unsigned long long)v,
             m->lim->max_vertices);
        return;
    }
    if (LW_VEC_RESERVE(m->items, m->cap_item, m->nitem + 1, m->lim->max_parts)) {
        FAIL(&m->b, LW_ENOMEM, "out of memory");
        return;
    }
    m->items[m->nitem++] = x;
    m->item_t = t;
    m->item_v = v;
}

/* Which core element may appear where. Core elements we do not use (metadata, basematerials...)
 * and any element of another namespace are skipped with their contents. */
static void XMLCALL m_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    mparse *m = ud;
    xml_base *b = &m->b;
    if (b->rc)
        return;
    uint8_t parent = parent_kind(b);
    bool root = b->depth == 0;
    const char *local = in_ns(name, NS_CORE);
    if (!push_kind(b, K_SKIP))
        return;
    uint8_t *kind = &b->kinds[b->depth - 1];
    if (root) {
        if (!local || strcmp(local, "model") != 0) {
            const char *bar = strchr(name, NS_SEP);
            if (bar)
                FAIL(b, LW_EFORMAT, "the root element <%.60s> is in the namespace %.*s, not "
                     "<model> of the 3MF core namespace " NS_CORE, bar + 1,
                     (int)((bar - name) > 120 ? 120 : bar - name), name);
            else
                FAIL(b, LW_EFORMAT, "the root element <%.60s> has no namespace: a 3MF model is "
                     "<model xmlns=\"" NS_CORE "\">", name);
            return;
        }
        *kind = K_MODEL;
        model_start(m, atts);
        return;
    }
    if (parent == K_SKIP || parent == K_LEAF)
        return;
    if (!local) {
        /* Extension content: harmless unless it is where an object's shape would be. */
        if (m->cur != NONE && (parent == K_OBJECT || parent == K_MESH)) {
            obj3 *o = &m->objs[m->cur];
            const char *bar = strchr(name, NS_SEP);
            if (!o->foreign && bar)
                snprintf(m->foreign, sizeof m->foreign, "<%.30s> of namespace %.*s", bar + 1,
                         (int)((bar - name) > 60 ? 60 : bar - name), name);
            else if (!o->foreign)
                snprintf(m->foreign, sizeof m->foreign, "<%.60s>", name);
            o->foreign = true;
        }
        return;
    }
    /* The core grammar we read: which element may appear in which, and what it does. */
    enum act { A_NONE, A_OBJECT, A_MESH, A_COMPS, A_VERTICES, A_TRIANGLES, A_VERTEX, A_TRIANGLE,
               A_COMPONENT, A_ITEM };
    static const struct {
        uint8_t parent;
        const char *name;
        uint8_t kind;
        uint8_t act;
    } k_grammar[] = {
        {K_MODEL, "resources", K_RESOURCES, A_NONE},
        {K_MODEL, "build", K_BUILD, A_NONE},
        {K_RESOURCES, "object", K_OBJECT, A_OBJECT},
        {K_OBJECT, "mesh", K_MESH, A_MESH},
        {K_OBJECT, "components", K_COMPONENTS, A_COMPS},
        {K_MESH, "vertices", K_VERTICES, A_VERTICES},
        {K_MESH, "triangles", K_TRIANGLES, A_TRIANGLES},
        {K_VERTICES, "vertex", K_LEAF, A_VERTEX},
        {K_TRIANGLES, "triangle", K_LEAF, A_TRIANGLE},
        {K_COMPONENTS, "component", K_LEAF, A_COMPONENT},
        {K_BUILD, "item", K_LEAF, A_ITEM},
    };
    size_t ng = sizeof k_grammar / sizeof k_grammar[0], g = ng;
    for (size_t i = 0; i < ng && g == ng; i++) /* the parent first: one strcmp per vertex */
        if (k_grammar[i].parent == parent && strcmp(local, k_grammar[i].name) == 0)
            g = i;
    if (g == ng) {
        bool known = strcmp(local, "model") == 0;
        for (size_t i = 0; i < ng; i++)
            known |= strcmp(local, k_grammar[i].name) == 0;
        static const char *const k_kind_names[] = {
            "", "model", "resources", "object", "mesh", "vertices", "triangles", "components",
            "build", "", ""};
        if (known)
            FAIL(b, LW_EFORMAT, "<%s> is out of place inside <%s>", local,
                 k_kind_names[parent]);
        return; /* metadata, basematerials, a newer core element: skipped with its contents */
    }
    *kind = k_grammar[g].kind;
    switch (k_grammar[g].act) {
    case A_OBJECT: object_start(m, atts); break;
    case A_MESH:
    case A_COMPS: {
        obj3 *o = &m->objs[m->cur];
        if (o->geo != GEO_NONE) {
            FAIL(b, LW_EFORMAT, "object %u has more than one <mesh> or <components>", o->id);
            return;
        }
        o->geo = k_grammar[g].act == A_MESH ? GEO_MESH : GEO_COMPS;
        o->v0 = m->nv;
        o->t0 = m->nt;
        o->c0 = m->ncomp;
        m->mesh_stage = 0;
        break;
    }
    case A_VERTICES:
    case A_TRIANGLES: {
        uint8_t want = k_grammar[g].act == A_VERTICES ? 0 : 1;
        if (m->mesh_stage != want) {
            FAIL(b, LW_EFORMAT, "object %u: a mesh holds one <vertices> then one <triangles>",
                 m->objs[m->cur].id);
            return;
        }
        m->mesh_stage = (uint8_t)(want + 1);
        break;
    }
    case A_VERTEX: vertex(m, atts); break;
    case A_TRIANGLE: triangle(m, atts); break;
    case A_COMPONENT: component(m, atts); break;
    case A_ITEM: item(m, atts); break;
    default: break;
    }
}

static void XMLCALL m_end(void *ud, const XML_Char *name)
{
    (void)name;
    mparse *m = ud;
    if (!m->b.depth)
        return;
    uint8_t kind = m->b.kinds[--m->b.depth];
    if (!m->b.rc && kind == K_OBJECT)
        object_end(m);
}

static void mparse_clear(mparse *m)
{
    xml_base_clear(&m->b);
    for (size_t i = 0; i < m->nobj; i++)
        lw_free(m->objs[i].name);
    lw_free(m->objs);
    lw_free(m->ids);
    lw_free(m->xyz);
    lw_free(m->tri);
    lw_free(m->comps);
    lw_free(m->items);
}

/* ---------------------------------------------------------------------------------------------
 * Placing the build items
 */

typedef struct frame {
    uint32_t obj;
    size_t next; /* next component to visit */
    bool ident;
    double a[12];
} frame;

/* Appends object o's own mesh, mapped by a, to dst (through a scratch mesh so that
 * lw_mesh_transform reverses the winding of mirrored copies). */
static lw_rc place_mesh(const mparse *m, const obj3 *o, const frame *f, lw_mesh *scratch,
                        lw_mesh *dst)
{
    scratch->nv = scratch->nt = 0;
    lw_rc rc = lw_mesh_reserve(scratch, o->nv, o->nt);
    if (rc)
        return rc;
    memcpy(scratch->xyz, m->xyz + 3 * o->v0, 3 * o->nv * sizeof *scratch->xyz);
    memcpy(scratch->tri, m->tri + 3 * o->t0, 3 * o->nt * sizeof *scratch->tri);
    scratch->nv = (uint32_t)o->nv;
    scratch->nt = (uint32_t)o->nt;
    if (!f->ident) {
        lw_mesh_transform(scratch, f->a);
        /* Finite numbers can multiply past the double range (1e200 scaled by 1e200). */
        for (size_t i = 0; i < 3 * o->nv; i++)
            if (!isfinite(scratch->xyz[i]))
                return LW_EFORMAT;
    }
    return lw_mesh_append(dst, scratch, 0);
}

/* Expands build item x (its object, its components' objects recursively) into dst. */
static lw_rc place_item(const mparse *m, const xform3 *x, frame *stack, lw_mesh *scratch,
                        lw_mesh *dst)
{
    size_t sp = 0;
    stack[sp].obj = x->obj;
    stack[sp].next = 0;
    stack[sp].ident = x->ident;
    memcpy(stack[sp].a, x->a, sizeof x->a);
    sp++;
    while (sp) {
        frame *f = &stack[sp - 1];
        const obj3 *o = &m->objs[f->obj];
        if (o->geo == GEO_MESH) {
            lw_rc rc = place_mesh(m, o, f, scratch, dst);
            if (rc)
                return rc;
            sp--;
            continue;
        }
        if (f->next == o->nc) {
            sp--;
            continue;
        }
        const xform3 *c = &m->comps[o->c0 + f->next++];
        frame *g = &stack[sp++]; /* depth <= m->deepest + 1: the stack is that tall */
        g->obj = c->obj;
        g->next = 0;
        g->ident = f->ident && c->ident;
        if (c->ident)
            memcpy(g->a, f->a, sizeof f->a);
        else
            lw_affine_compose(g->a, f->a, c->a); /* the item's map after the component's */
    }
    return LW_OK;
}

static lw_rc build_parts(const mparse *m, lw_import *out, lw_err *err)
{
    frame *stack = lw_calloc((size_t)m->deepest + 2, sizeof *stack);
    if (!stack)
        return lw_err_nomem(err);
    lw_mesh scratch, one;
    lw_mesh_init(&scratch);
    lw_mesh_init(&one);
    one.max_v = m->lim->max_vertices;
    one.max_t = m->lim->max_triangles;
    out->mesh.max_v = m->lim->max_vertices;
    out->mesh.max_t = m->lim->max_triangles;
    lw_rc rc = LW_OK;
    size_t i;
    for (i = 0; i < m->nitem && !rc; i++) {
        const xform3 *x = &m->items[i];
        const obj3 *o = &m->objs[x->obj];
        one.nv = one.nt = 0;
        if ((rc = place_item(m, x, stack, &scratch, &one)) || (rc = lw_mesh_weld(&one)))
            break;
        char fallback[32];
        const char *name = o->name;
        if (!name) {
            snprintf(fallback, sizeof fallback, "object %u", o->id);
            name = fallback;
        }
        uint32_t part;
        if ((rc = lw_import_add_part(out, name, strlen(name), m->lim->max_parts, &part)))
            break;
        rc = lw_mesh_append(&out->mesh, &one, part);
    }
    lw_mesh_clear(&scratch);
    lw_mesh_clear(&one);
    lw_free(stack);
    if (rc == LW_ENOMEM)
        return lw_err_nomem(err);
    if (rc == LW_EFORMAT)
        return lw_err_set(err, rc,
                          "line %lu, column %lu: build item %zu places object %u with transforms "
                          "that take its vertices beyond the range of finite numbers",
                          m->items[i].line, m->items[i].col, i, m->objs[m->items[i].obj].id);
    if (rc) /* the counts were checked while parsing; a limit here is a limit all the same */
        return lw_err_set(err, rc, "placing the build items exceeds a limit (%s)",
                          lw_rc_name(rc));
    return LW_OK;
}

/* ---------------------------------------------------------------------------------------------
 * lw_3mf_parse
 */

/* The model part's name from _rels/.rels, or the conventional one. *name is owned. */
static lw_rc find_model(zreader *zr, char **name, zip_int64_t *idx)
{
    *name = NULL;
    *idx = -1;
    zip_int64_t ri = zip_name_locate(zr->za, "_rels/.rels", ZIP_FL_NOCASE);
    char *target = NULL;
    if (ri >= 0) {
        rparse r;
        memset(&r, 0, sizeof r);
        lw_rc rc = xml_base_init(&r.b, zr->err, zr->lim->max_xml_depth, &r);
        if (rc)
            return rc;
        XML_SetElementHandler(r.b.p, r_start, x_end);
        rc = parse_entry(zr, (zip_uint64_t)ri, "_rels/.rels", &r.b);
        xml_base_clear(&r.b);
        if (rc) {
            lw_free(r.target);
            return rc;
        }
        target = r.target;
    }
    if (target) {
        const char *t = target[0] == '/' ? target + 1 : target;
        *idx = zip_name_locate(zr->za, t, ZIP_FL_NOCASE);
        if (*idx < 0) {
            lw_err_set(zr->err, LW_EFORMAT,
                       "_rels/.rels names the 3D model part %.200s, which is not in the archive",
                       target);
            lw_free(target);
            return LW_EFORMAT;
        }
        *name = lw_strdup(t);
        lw_free(target);
    } else {
        *idx = zip_name_locate(zr->za, DEFAULT_MODEL, ZIP_FL_NOCASE);
        if (*idx < 0)
            return lw_err_set(zr->err, LW_EFORMAT,
                              "no 3D model in the package: _rels/.rels names none and there is "
                              "no " DEFAULT_MODEL);
        *name = lw_strdup(DEFAULT_MODEL);
    }
    return *name ? LW_OK : lw_err_nomem(zr->err);
}

static lw_rc parse_model(zreader *zr, zip_uint64_t idx, const char *name, lw_import *out)
{
    mparse m;
    memset(&m, 0, sizeof m);
    m.lim = zr->lim;
    m.out = out;
    m.cur = NONE;
    lw_rc rc = xml_base_init(&m.b, zr->err, zr->lim->max_xml_depth, &m);
    if (rc)
        return rc;
    XML_SetElementHandler(m.b.p, m_start, m_end);
    XML_SetStartNamespaceDeclHandler(m.b.p, on_ns);
    rc = parse_entry(zr, idx, name, &m.b);
    if (!rc && m.nitem == 0)
        rc = lw_err_set(zr->err, LW_EFORMAT, "%s: nothing to print: the model has no build items",
                        name);
    if (!rc && (rc = build_parts(&m, out, zr->err)))
        lw_err_prefix(zr->err, "%s", name);
    if (!rc) {
        out->facets_in_file = m.nt;
        out->build_items = (uint32_t)m.nitem;
    }
    mparse_clear(&m);
    return rc;
}

lw_rc lw_3mf_parse(const uint8_t *data, size_t len, const lw_mesh_limits *lim, lw_import *out,
                   lw_err *err)
{
    if (len > lim->max_file_bytes)
        return lw_err_set(err, LW_ELIMIT, "%zu bytes is more than the limit of %zu bytes", len,
                          lim->max_file_bytes);
    zip_error_t ze;
    zip_error_init(&ze);
    /* libzip wants a non-NULL buffer even for zero bytes. */
    static const uint8_t empty[1];
    zip_source_t *src = zip_source_buffer_create(len ? data : empty, len, 0, &ze);
    if (!src) {
        lw_rc rc = zip_failure(err, "cannot read the zip archive", &ze);
        zip_error_fini(&ze);
        return rc;
    }
    zip_t *za = zip_open_from_source(src, ZIP_RDONLY, &ze);
    if (!za) {
        zip_source_free(src);
        lw_rc rc = zip_failure(err, "not a readable zip archive, so not a 3MF package", &ze);
        zip_error_fini(&ze);
        return rc;
    }
    zip_error_fini(&ze);
    lw_rc rc = LW_OK;
    zip_int64_t n = zip_get_num_entries(za, 0);
    if (n < 0 || (uint64_t)n > lim->max_zip_entries)
        rc = lw_err_set(err, LW_ELIMIT, "the archive has %lld entries, more than the limit of %u",
                        (long long)n, lim->max_zip_entries);
    zreader zr = {za, len, lim, 0, err};
    char *name = NULL;
    zip_int64_t idx = -1;
    if (!rc)
        rc = find_model(&zr, &name, &idx);
    if (!rc)
        rc = parse_model(&zr, (zip_uint64_t)idx, name, out);
    lw_free(name);
    zip_discard(za); /* also frees src */
    if (rc) {
        lw_import_clear(out);
        return rc;
    }
    out->format = LW_FORMAT_3MF;
    return LW_OK;
}

/* ---------------------------------------------------------------------------------------------
 * lw_3mf_write
 */

/* Appends s as XML attribute text: & < > " escaped, tab/newline/CR as character references,
 * other control characters and invalid UTF-8 (which no XML parser accepts) as '?'. */
static lw_rc put_attr_text(lw_buf *b, const char *s)
{
    const uint8_t *p = (const uint8_t *)s;
    lw_rc rc = LW_OK;
    while (*p && !rc) {
        uint8_t c = *p;
        const char *esc = NULL;
        char num[8];
        size_t n = 1; /* bytes of a valid UTF-8 sequence to copy */
        if (c == '&') {
            esc = "&amp;";
        } else if (c == '<') {
            esc = "&lt;";
        } else if (c == '>') {
            esc = "&gt;";
        } else if (c == '"') {
            esc = "&quot;";
        } else if (c == '\t' || c == '\n' || c == '\r') {
            snprintf(num, sizeof num, "&#%d;", c);
            esc = num;
        } else if (c < 0x20 || c == 0x7F) {
            esc = "?";
        } else if (c >= 0x80) {
            /* Lengths and second-byte ranges of well-formed UTF-8 (RFC 3629, no surrogates). */
            uint8_t lo = 0x80, hi = 0xBF;
            if (c >= 0xC2 && c <= 0xDF) {
                n = 2;
            } else if (c >= 0xE0 && c <= 0xEF) {
                n = 3;
                lo = c == 0xE0 ? 0xA0 : 0x80;
                hi = c == 0xED ? 0x9F : 0xBF;
            } else if (c >= 0xF0 && c <= 0xF4) {
                n = 4;
                lo = c == 0xF0 ? 0x90 : 0x80;
                hi = c == 0xF4 ? 0x8F : 0xBF;
            } else {
                n = 0;
            }
            for (size_t k = 1; k < n; k++)
                if (p[k] < (k == 1 ? lo : 0x80) || p[k] > (k == 1 ? hi : 0xBF))
                    n = 0;
            /* U+FFFE and U+FFFF are not XML characters either. */
            if (n == 3 && c == 0xEF && p[1] == 0xBF && p[2] >= 0xBE)
                n = 0;
            if (n == 0)
                esc = "?";
        }
        if (esc) {
            rc = lw_buf_puts(b, esc);
            p++;
        } else {
            rc = lw_buf_append(b, p, n);
            p += n;
        }
    }
    return rc;
}

static lw_rc put_coord(lw_buf *b, const char *pre, double v)
{
    char num[32];
    int n = lw_fmt_f64(v, num);
    lw_rc rc = lw_buf_puts(b, pre);
    if (!rc)
        rc = lw_buf_append(b, num, (size_t)n);
    return rc;
}

static lw_rc put_u32(lw_buf *b, const char *pre, uint32_t v)
{
    char num[16];
    int n = snprintf(num, sizeof num, "%u", v);
    lw_rc rc = lw_buf_puts(b, pre);
    if (!rc)
        rc = lw_buf_append(b, num, (size_t)n);
    return rc;
}

/* The model XML: objects 1..k for the parts that have facets, in part order. */
static lw_rc model_xml(const lw_mesh *m, const char *const *names, uint32_t nparts,
                       const uint32_t *order, const size_t *start, uint32_t *map, lw_buf *x)
{
    lw_rc rc = lw_buf_puts(x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                              "<model unit=\"millimeter\" xml:lang=\"en-US\" xmlns=\"" NS_CORE
                              "\">\n"
#ifdef LW_VERSION
                              " <metadata name=\"Application\">lostwax " LW_VERSION
                              "</metadata>\n"
#endif
                              " <resources>\n");
    uint32_t id = 0;
    for (uint32_t p = 0; p < nparts && !rc; p++) {
        if (start[p] == start[p + 1])
            continue;
        id++;
        rc = put_u32(x, "  <object id=\"", id);
        if (!rc)
            rc = lw_buf_puts(x, "\" type=\"model\"");
        if (!rc && names && names[p] && names[p][0]) {
            rc = lw_buf_puts(x, " name=\"");
            if (!rc)
                rc = put_attr_text(x, names[p]);
            if (!rc)
                rc = lw_buf_puts(x, "\"");
        }
        if (!rc)
            rc = lw_buf_puts(x, ">\n   <mesh>\n    <vertices>\n");
        /* Vertices in order of first use by the part's facets: what a reader's weld gives. */
        uint32_t nv = 0;
        for (size_t i = start[p]; i < start[p + 1] && !rc; i++) {
            const uint32_t *t = m->tri + 3 * (size_t)order[i];
            for (int k = 0; k < 3 && !rc; k++) {
                if (map[t[k]] != UINT32_MAX)
                    continue;
                map[t[k]] = nv++;
                const double *v = m->xyz + 3 * (size_t)t[k];
                rc = put_coord(x, "     <vertex x=\"", v[0]);
                if (!rc)
                    rc = put_coord(x, "\" y=\"", v[1]);
                if (!rc)
                    rc = put_coord(x, "\" z=\"", v[2]);
                if (!rc)
                    rc = lw_buf_puts(x, "\"/>\n");
            }
        }
        if (!rc)
            rc = lw_buf_puts(x, "    </vertices>\n    <triangles>\n");
        for (size_t i = start[p]; i < start[p + 1] && !rc; i++) {
            const uint32_t *t = m->tri + 3 * (size_t)order[i];
            rc = put_u32(x, "     <triangle v1=\"", map[t[0]]);
            if (!rc)
                rc = put_u32(x, "\" v2=\"", map[t[1]]);
            if (!rc)
                rc = put_u32(x, "\" v3=\"", map[t[2]]);
            if (!rc)
                rc = lw_buf_puts(x, "\"/>\n");
        }
        /* Forget this part's numbering; the next part starts from 0 again. */
        for (size_t i = start[p]; i < start[p + 1]; i++)
            for (int k = 0; k < 3; k++)
                map[m->tri[3 * (size_t)order[i] + k]] = UINT32_MAX;
        if (!rc)
            rc = lw_buf_puts(x, "    </triangles>\n   </mesh>\n  </object>\n");
    }
    if (!rc)
        rc = lw_buf_puts(x, " </resources>\n <build>\n");
    for (uint32_t i = 1; i <= id && !rc; i++) {
        rc = put_u32(x, "  <item objectid=\"", i);
        if (!rc)
            rc = lw_buf_puts(x, "\"/>\n");
    }
    if (!rc)
        rc = lw_buf_puts(x, " </build>\n</model>\n");
    return rc;
}

static const char k_content_types[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<Types xmlns=\"" NS_TYPES "\">"
    "<Default Extension=\"rels\" "
    "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
    "<Default Extension=\"model\" "
    "ContentType=\"application/vnd.ms-package.3dmanufacturing-3dmodel+xml\"/>"
    "</Types>\n";

static const char k_rels[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<Relationships xmlns=\"" NS_RELS "\">"
    "<Relationship Target=\"/" DEFAULT_MODEL "\" Id=\"rel0\" Type=\"" REL_MODEL "\"/>"
    "</Relationships>\n";

/* Zips the three parts in memory. Timestamps are a fixed DOS date (1 January 2000, 00:00) set
 * directly, not through time_t, so the bytes do not depend on the clock or the time zone. */
static lw_rc zip_parts(const char *model, size_t model_len, lw_buf *out, lw_err *err)
{
    const struct {
        const char *name;
        const void *data;
        size_t len;
    } parts[] = {
        {"[Content_Types].xml", k_content_types, sizeof k_content_types - 1},
        {"_rels/.rels", k_rels, sizeof k_rels - 1},
        {DEFAULT_MODEL, model, model_len},
    };
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *mem = zip_source_buffer_create(NULL, 0, 0, &ze);
    if (!mem) {
        zip_error_fini(&ze);
        return lw_err_nomem(err);
    }
    zip_source_keep(mem); /* survives zip_close, which writes the archive into it */
    zip_t *za = zip_open_from_source(mem, ZIP_TRUNCATE, &ze);
    zip_error_fini(&ze);
    if (!za) {
        zip_source_free(mem);
        zip_source_free(mem);
        return lw_err_set(err, LW_EIO, "cannot create a zip archive in memory");
    }
    const zip_uint16_t dos_time = 0, dos_date = (2000 - 1980) << 9 | 1 << 5 | 1;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        zip_source_t *s = zip_source_buffer(za, parts[i].data, parts[i].len, 0);
        zip_int64_t idx = s ? zip_file_add(za, parts[i].name, s, ZIP_FL_ENC_UTF_8) : -1;
        if (idx < 0) {
            zip_source_free(s);
        } else if (zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_DEFLATE, 6) == 0 &&
                   zip_file_set_dostime(za, (zip_uint64_t)idx, dos_time, dos_date, 0) == 0) {
            continue;
        }
        lw_err_set(err, LW_EIO, "cannot add %s to the zip archive (libzip: %s)", parts[i].name,
                   zip_strerror(za));
        zip_discard(za);
        zip_source_free(mem);
        return LW_EIO;
    }
    if (zip_close(za) != 0) {
        lw_err_set(err, LW_EIO, "cannot write the zip archive (libzip: %s)", zip_strerror(za));
        zip_discard(za);
        zip_source_free(mem);
        return LW_EIO;
    }
    lw_rc rc = LW_OK;
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_source_open(mem) != 0) {
        zip_source_free(mem);
        return lw_err_set(err, LW_EIO, "cannot read back the zip archive");
    }
    if (zip_source_stat(mem, &st) != 0 || !(st.valid & ZIP_STAT_SIZE)) {
        rc = lw_err_set(err, LW_EIO, "cannot read back the zip archive");
    } else {
        size_t before = out->len;
        uint8_t chunk[CHUNK];
        for (;;) {
            zip_int64_t n = zip_source_read(mem, chunk, sizeof chunk);
            if (n < 0) {
                rc = lw_err_set(err, LW_EIO, "cannot read back the zip archive");
                break;
            }
            if (n == 0)
                break;
            if ((rc = lw_buf_append(out, chunk, (size_t)n))) {
                if (rc == LW_ENOMEM)
                    lw_err_nomem(err);
                else
                    lw_err_set(err, rc, "the 3MF package is larger than the buffer's limit");
                break;
            }
        }
        if (rc) {
            out->len = before;
            if (out->data)
                out->data[before] = 0;
        }
    }
    zip_source_close(mem);
    zip_source_free(mem);
    return rc;
}

lw_rc lw_3mf_write(const lw_mesh *m, const char *const *part_names, uint32_t nparts, lw_buf *out,
                   lw_err *err)
{
    if (m->nt == 0)
        return lw_err_set(err, LW_EINVAL, "the mesh has no facets: nothing to write");
    uint32_t need = 0; /* parts the facets use */
    for (uint32_t f = 0; f < m->nt; f++) {
        uint32_t p = lw_mesh_part(m, f);
        if (p >= UINT32_MAX - 1 || (nparts && p >= nparts))
            return lw_err_set(err, LW_EINVAL, "facet %u has part id %u, but there are %u parts",
                              f, p, nparts);
        if (p + 1 > need)
            need = p + 1;
        for (int k = 0; k < 3; k++)
            if (m->tri[3 * (size_t)f + k] >= m->nv)
                return lw_err_set(err, LW_EINVAL, "facet %u refers to vertex %u of %u", f,
                                  m->tri[3 * (size_t)f + k], m->nv);
    }
    for (size_t i = 0; i < 3 * (size_t)m->nv; i++)
        if (!isfinite(m->xyz[i]))
            return lw_err_set(err, LW_EINVAL, "vertex %zu has a coordinate that is not finite",
                              i / 3);
    if (!nparts)
        part_names = NULL; /* names without a count cannot be trusted to be that long */
    nparts = need;         /* parts past the last one used would be empty objects: none */
    /* Facets grouped by part (a counting sort keeps their order within a part). */
    size_t *start = lw_calloc((size_t)nparts + 1, sizeof *start);
    uint32_t *order = lw_malloc((size_t)m->nt * sizeof *order);
    uint32_t *map = lw_malloc(((size_t)m->nv ? m->nv : 1) * sizeof *map);
    lw_buf x;
    lw_buf_init(&x, 0);
    lw_rc rc = LW_OK;
    if (!start || !order || !map) {
        rc = lw_err_nomem(err);
        goto done;
    }
    for (uint32_t f = 0; f < m->nt; f++)
        start[lw_mesh_part(m, f) + 1]++;
    for (uint32_t p = 0; p < nparts; p++)
        start[p + 1] += start[p];
    {
        size_t *fill = lw_malloc(((size_t)nparts ? nparts : 1) * sizeof *fill);
        if (!fill) {
            rc = lw_err_nomem(err);
            goto done;
        }
        memcpy(fill, start, (size_t)nparts * sizeof *fill);
        for (uint32_t f = 0; f < m->nt; f++)
            order[fill[lw_mesh_part(m, f)]++] = f;
        lw_free(fill);
    }
    memset(map, 0xFF, (size_t)m->nv * sizeof *map);
    rc = model_xml(m, part_names, nparts, order, start, map, &x);
    if (rc) {
        rc = rc == LW_ENOMEM ? lw_err_nomem(err)
                             : lw_err_set(err, rc, "the model XML is too large to build");
        goto done;
    }
    rc = zip_parts((const char *)x.data, x.len, out, err);
done:
    lw_buf_clear(&x);
    lw_free(start);
    lw_free(order);
    lw_free(map);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * lw_3mf_write_items
 */

/* One <object> with all of m's facets; map (m->nv slots, all UINT32_MAX) is left as it was. */
static lw_rc object_xml(const lw_mesh *m, uint32_t id, const char *name, uint32_t *map,
                        lw_buf *x)
{
    lw_rc rc = put_u32(x, "  <object id=\"", id);
    if (!rc)
        rc = lw_buf_puts(x, "\" type=\"model\"");
    if (!rc && name && name[0]) {
        rc = lw_buf_puts(x, " name=\"");
        if (!rc)
            rc = put_attr_text(x, name);
        if (!rc)
            rc = lw_buf_puts(x, "\"");
    }
    if (!rc)
        rc = lw_buf_puts(x, ">\n   <mesh>\n    <vertices>\n");
    uint32_t nv = 0;
    for (size_t i = 0; i < 3 * (size_t)m->nt && !rc; i++) {
        uint32_t v = m->tri[i];
        if (map[v] != UINT32_MAX)
            continue;
        map[v] = nv++;
        const double *p = m->xyz + 3 * (size_t)v;
        rc = put_coord(x, "     <vertex x=\"", p[0]);
        if (!rc)
            rc = put_coord(x, "\" y=\"", p[1]);
        if (!rc)
            rc = put_coord(x, "\" z=\"", p[2]);
        if (!rc)
            rc = lw_buf_puts(x, "\"/>\n");
    }
    if (!rc)
        rc = lw_buf_puts(x, "    </vertices>\n    <triangles>\n");
    for (uint32_t f = 0; f < m->nt && !rc; f++) {
        const uint32_t *t = m->tri + 3 * (size_t)f;
        rc = put_u32(x, "     <triangle v1=\"", map[t[0]]);
        if (!rc)
            rc = put_u32(x, "\" v2=\"", map[t[1]]);
        if (!rc)
            rc = put_u32(x, "\" v3=\"", map[t[2]]);
        if (!rc)
            rc = lw_buf_puts(x, "\"/>\n");
    }
    for (size_t i = 0; i < 3 * (size_t)m->nt; i++)
        map[m->tri[i]] = UINT32_MAX;
    if (!rc)
        rc = lw_buf_puts(x, "    </triangles>\n   </mesh>\n  </object>\n");
    return rc;
}

/* <item objectid="k" transform="m00 m01 m02 m10 ... m32"/>: 3MF multiplies row vectors, so its
 * 3 x 3 part is the transpose of lw's A and its last row is t. */
static lw_rc item_xml(const lw_3mf_item *it, lw_buf *x)
{
    lw_rc rc = put_u32(x, "  <item objectid=\"", it->object + 1);
    double ident[12];
    lw_affine_identity(ident);
    if (!rc && memcmp(it->a, ident, sizeof ident) != 0) {
        const double *a = it->a;
        const double m[12] = {a[0], a[3], a[6], a[1], a[4], a[7],
                              a[2], a[5], a[8], a[9], a[10], a[11]};
        for (int i = 0; i < 12 && !rc; i++)
            rc = put_coord(x, i ? " " : "\" transform=\"", m[i]);
    }
    if (!rc)
        rc = lw_buf_puts(x, "\"/>\n");
    return rc;
}

lw_rc lw_3mf_write_items(const lw_3mf_object *objs, size_t nobjs, const lw_3mf_item *items,
                         size_t nitems, lw_buf *out, lw_err *err)
{
    if (nobjs == 0 || nitems == 0)
        return lw_err_set(err, LW_EINVAL, "a 3MF package needs an object and a build item");
    if (nobjs >= UINT32_MAX)
        return lw_err_set(err, LW_EINVAL, "%zu objects are more than a 3MF id can number",
                          nobjs);
    uint32_t max_nv = 1;
    for (size_t k = 0; k < nobjs; k++) {
        const lw_mesh *m = objs[k].mesh;
        if (!m || m->nt == 0)
            return lw_err_set(err, LW_EINVAL, "object %zu has no facets: nothing to write", k);
        for (size_t i = 0; i < 3 * (size_t)m->nt; i++)
            if (m->tri[i] >= m->nv)
                return lw_err_set(err, LW_EINVAL, "object %zu: facet %zu refers to vertex %u of %u",
                                  k, i / 3, m->tri[i], m->nv);
        for (size_t i = 0; i < 3 * (size_t)m->nv; i++)
            if (!isfinite(m->xyz[i]))
                return lw_err_set(err, LW_EINVAL,
                                  "object %zu: vertex %zu has a coordinate that is not finite", k,
                                  i / 3);
        if (m->nv > max_nv)
            max_nv = m->nv;
    }
    for (size_t i = 0; i < nitems; i++) {
        if (items[i].object >= nobjs)
            return lw_err_set(err, LW_EINVAL, "build item %zu places object %u of %zu", i,
                              items[i].object, nobjs);
        for (int k = 0; k < 12; k++)
            if (!isfinite(items[i].a[k]))
                return lw_err_set(err, LW_EINVAL, "build item %zu: the transform is not finite",
                                  i);
        /* A flat map squashes the part into a plane: no slicer can print that. */
        if (lw_affine_det(items[i].a) == 0)
            return lw_err_set(err, LW_EINVAL, "build item %zu: the transform is singular", i);
    }
    uint32_t *map = lw_malloc((size_t)max_nv * sizeof *map);
    if (!map)
        return lw_err_nomem(err);
    memset(map, 0xFF, (size_t)max_nv * sizeof *map);
    lw_buf x;
    lw_buf_init(&x, 0);
    lw_rc rc = lw_buf_puts(&x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                               "<model unit=\"millimeter\" xml:lang=\"en-US\" xmlns=\"" NS_CORE
                               "\">\n"
#ifdef LW_VERSION
                               " <metadata name=\"Application\">lostwax " LW_VERSION
                               "</metadata>\n"
#endif
                               " <resources>\n");
    for (size_t k = 0; k < nobjs && !rc; k++)
        rc = object_xml(objs[k].mesh, (uint32_t)k + 1, objs[k].name, map, &x);
    if (!rc)
        rc = lw_buf_puts(&x, " </resources>\n <build>\n");
    for (size_t i = 0; i < nitems && !rc; i++)
        rc = item_xml(&items[i], &x);
    if (!rc)
        rc = lw_buf_puts(&x, " </build>\n</model>\n");
    lw_free(map);
    if (rc)
        rc = rc == LW_ENOMEM ? lw_err_nomem(err)
                             : lw_err_set(err, rc, "the model XML is too large to build");
    else
        rc = zip_parts((const char *)x.data, x.len, out, err);
    lw_buf_clear(&x);
    return rc;
}
