/* Tests of the 3MF reader and writer (src/geom/threemf.c).
 *
 * Packages are made here: hand-written model XML zipped with libzip, so every expected count,
 * coordinate and line number below is worked out from the text of the test itself. Hostile
 * packages (bombs, DOCTYPEs, deep nesting, bad references) must fail with the right code and say
 * where; the writer's output must read back bit for bit and be the same bytes every time.
 */
#include "lwtest.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zip.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "geom/import.h"
#include "geom/mesh.h"
#include "geom/shapes.h"
#include "geom/threemf.h"

#define NS "http://schemas.microsoft.com/3dmanufacturing/core/2015/02"
#define MODEL_ENTRY "3D/3dmodel.model"

static const char k_rels[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Target=\"/3D/3dmodel.model\" Id=\"rel0\" "
    "Type=\"http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel\"/></Relationships>";

static const char k_types[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
    "<Default Extension=\"rels\" "
    "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
    "<Default Extension=\"model\" "
    "ContentType=\"application/vnd.ms-package.3dmanufacturing-3dmodel+xml\"/></Types>";

/* ---- making packages ------------------------------------------------------------------------ */

typedef struct entry {
    const char *name;
    const void *data;
    size_t len; /* 0: strlen(data) */
} entry;

/* Zips the entries (deflated) into a fresh lw_malloc'd buffer. */
static uint8_t *zip_entries(const entry *e, size_t n, size_t *len)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *mem = zip_source_buffer_create(NULL, 0, 0, &ze);
    assert_non_null(mem);
    zip_source_keep(mem);
    zip_t *za = zip_open_from_source(mem, ZIP_TRUNCATE, &ze);
    assert_non_null(za);
    for (size_t i = 0; i < n; i++) {
        size_t l = e[i].len ? e[i].len : strlen(e[i].data);
        zip_source_t *s = zip_source_buffer(za, e[i].data, l, 0);
        assert_non_null(s);
        zip_int64_t idx = zip_file_add(za, e[i].name, s, 0);
        assert_true(idx >= 0);
        assert_int_equal(zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_DEFLATE, 9), 0);
    }
    assert_int_equal(zip_close(za), 0);
    assert_int_equal(zip_source_open(mem), 0);
    zip_stat_t st;
    assert_int_equal(zip_source_stat(mem, &st), 0);
    uint8_t *out = lw_malloc(st.size ? st.size : 1);
    assert_non_null(out);
    assert_int_equal(zip_source_read(mem, out, st.size), (zip_int64_t)st.size);
    zip_source_close(mem);
    zip_source_free(mem);
    zip_error_fini(&ze);
    *len = st.size;
    return out;
}

/* A package with the usual content types and relationships and this model text. */
static uint8_t *package(const char *model, size_t *len)
{
    entry e[] = {{"[Content_Types].xml", k_types, 0},
                 {"_rels/.rels", k_rels, 0},
                 {MODEL_ENTRY, model, 0}};
    return zip_entries(e, 3, len);
}

static lw_rc parse_with(const uint8_t *d, size_t n, const lw_mesh_limits *lim, lw_import *imp,
                        lw_err *err)
{
    lw_import_init(imp);
    lw_err_clear(err);
    return lw_3mf_parse(d, n, lim, imp, err);
}

/* Parses the model text zipped as a package with default limits. */
static lw_rc parse_model_text(const char *model, lw_import *imp, lw_err *err)
{
    size_t n;
    uint8_t *d = package(model, &n);
    lw_mesh_limits lim;
    lw_mesh_limits_default(&lim);
    lw_rc rc = parse_with(d, n, &lim, imp, err);
    lw_free(d);
    return rc;
}

/* Asserts that the model fails with rc and that the message holds every one of the substrings
 * (NULL-terminated list), and that the import was left empty. */
static void expect_failure(const char *model, lw_rc want, ...)
{
    lw_import imp;
    lw_err err;
    lw_rc rc = parse_model_text(model, &imp, &err);
    if (rc != want)
        fail_msg("expected %s, got %s: %s", lw_rc_name(want), lw_rc_name(rc), err.msg);
    if (getenv("LWT_VERBOSE"))
        print_message("%s: %s\n", lw_rc_name(rc), err.msg);
    va_list ap;
    va_start(ap, want);
    for (const char *s; (s = va_arg(ap, const char *));)
        if (!strstr(err.msg, s))
            fail_msg("message \"%s\" lacks \"%s\"", err.msg, s);
    va_end(ap);
    assert_int_equal(imp.mesh.nt, 0);
    assert_int_equal(imp.nparts, 0);
    lw_import_clear(&imp);
}

/* ---- models ---------------------------------------------------------------------------------- */

/* A unit right tetrahedron (volume 1/6), outward facets. Line numbers: <model> is line 2, vertex
 * k is line 7 + k, triangle k is line 13 + k, the item line 22. %s slots: model attributes,
 * build item attributes. */
static const char k_tetra_fmt[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<model %s xml:lang=\"en-US\" xmlns=\"" NS "\">\n"
    " <resources>\n"
    "  <object id=\"1\" type=\"model\" name=\"tetra\">\n"
    "   <mesh>\n"
    "    <vertices>\n"
    "     <vertex x=\"0\" y=\"0\" z=\"0\"/>\n"
    "     <vertex x=\"1\" y=\"0\" z=\"0\"/>\n"
    "     <vertex x=\"0\" y=\"1\" z=\"0\"/>\n"
    "     <vertex x=\"0\" y=\"0\" z=\"1\"/>\n"
    "    </vertices>\n"
    "    <triangles>\n"
    "     <triangle v1=\"0\" v2=\"2\" v3=\"1\"/>\n"
    "     <triangle v1=\"0\" v2=\"1\" v3=\"3\"/>\n"
    "     <triangle v1=\"0\" v2=\"3\" v3=\"2\"/>\n"
    "     <triangle v1=\"1\" v2=\"2\" v3=\"3\"/>\n"
    "    </triangles>\n"
    "   </mesh>\n"
    "  </object>\n"
    " </resources>\n"
    " <build>\n"
    "  <item objectid=\"1\" %s/>\n"
    " </build>\n"
    "</model>\n";

static const double k_tetra_xyz[4][3] = {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
static const uint32_t k_tetra_tri[4][3] = {{0, 2, 1}, {0, 1, 3}, {0, 3, 2}, {1, 2, 3}};

static char g_text[1 << 16];

static const char *tetra(const char *model_attrs, const char *item_attrs)
{
    snprintf(g_text, sizeof g_text, k_tetra_fmt, model_attrs, item_attrs);
    return g_text;
}

/* Signed volume by the divergence theorem, written here independently of measure.c. */
static double signed_volume(const lw_mesh *m, uint32_t part)
{
    double v = 0;
    for (uint32_t f = 0; f < m->nt; f++) {
        if (lw_mesh_part(m, f) != part)
            continue;
        const double *a = m->xyz + 3 * (size_t)m->tri[3 * f];
        const double *b = m->xyz + 3 * (size_t)m->tri[3 * f + 1];
        const double *c = m->xyz + 3 * (size_t)m->tri[3 * f + 2];
        v += a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0]) +
             a[2] * (b[0] * c[1] - b[1] * c[0]);
    }
    return v / 6;
}

/* Each facet's corners of part `part` (facets in file order) sit exactly at want[tri[f][k]];
 * a mirrored placement swaps corners 1 and 2 (winding reversed to stay outward). */
static void expect_placed(const lw_mesh *m, uint32_t part, const double want[][3],
                          const uint32_t tri[][3], uint32_t ntri, int mirrored)
{
    uint32_t f = 0;
    for (uint32_t g = 0; g < m->nt; g++) {
        if (lw_mesh_part(m, g) != part)
            continue;
        assert_true(f < ntri);
        for (int k = 0; k < 3; k++) {
            int src = mirrored && k ? 3 - k : k;
            const double *p = m->xyz + 3 * (size_t)m->tri[3 * g + k];
            const double *q = want[tri[f][src]];
            if (p[0] != q[0] || p[1] != q[1] || p[2] != q[2])
                fail_msg("part %u facet %u corner %d at (%g %g %g), expected (%g %g %g)", part,
                         f, k, p[0], p[1], p[2], q[0], q[1], q[2]);
        }
        f++;
    }
    assert_int_equal(f, ntri);
}

/* ---- reading -------------------------------------------------------------------------------- */

static void test_tetrahedron(void **state)
{
    (void)state;
    lw_import imp;
    lw_err err;
    assert_int_equal(parse_model_text(tetra("", ""), &imp, &err), LW_OK);
    assert_int_equal(imp.format, LW_FORMAT_3MF);
    assert_int_equal(imp.mesh.nv, 4);
    assert_int_equal(imp.mesh.nt, 4);
    assert_int_equal(imp.nparts, 1);
    assert_string_equal(imp.part_names[0], "tetra");
    assert_int_equal(imp.facets_in_file, 4);
    assert_int_equal(imp.build_items, 1);
    assert_true(imp.unit_mm == 1.0); /* no unit attribute: the specification's millimetre */
    assert_string_equal(imp.unit_decl, "millimeter");
    expect_placed(&imp.mesh, 0, k_tetra_xyz, k_tetra_tri, 4, 0);
    assert_true(fabs(signed_volume(&imp.mesh, 0) - 1.0 / 6) < 1e-15);
    lw_import_clear(&imp);
}

static void test_cube_through_import(void **state)
{
    (void)state;
    /* An axis-aligned 2 x 3 x 4 box, 8 corners, 12 outward triangles, no name, object id 7. */
    static const char cube[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<model unit=\"millimeter\" xmlns=\"" NS "\">\n"
        "<metadata name=\"Title\">box</metadata>\n"
        "<resources><object id=\"7\"><mesh><vertices>\n"
        "<vertex x=\"0\" y=\"0\" z=\"0\"/><vertex x=\"2\" y=\"0\" z=\"0\"/>\n"
        "<vertex x=\"2\" y=\"3\" z=\"0\"/><vertex x=\"0\" y=\"3\" z=\"0\"/>\n"
        "<vertex x=\"0\" y=\"0\" z=\"4\"/><vertex x=\"2\" y=\"0\" z=\"4\"/>\n"
        "<vertex x=\"2\" y=\"3\" z=\"4\"/><vertex x=\"0\" y=\"3\" z=\"4\"/>\n"
        "</vertices><triangles>\n"
        "<triangle v1=\"0\" v2=\"2\" v3=\"1\"/><triangle v1=\"0\" v2=\"3\" v3=\"2\"/>\n"
        "<triangle v1=\"4\" v2=\"5\" v3=\"6\"/><triangle v1=\"4\" v2=\"6\" v3=\"7\"/>\n"
        "<triangle v1=\"0\" v2=\"1\" v3=\"5\"/><triangle v1=\"0\" v2=\"5\" v3=\"4\"/>\n"
        "<triangle v1=\"1\" v2=\"2\" v3=\"6\"/><triangle v1=\"1\" v2=\"6\" v3=\"5\"/>\n"
        "<triangle v1=\"2\" v2=\"3\" v3=\"7\"/><triangle v1=\"2\" v2=\"7\" v3=\"6\"/>\n"
        "<triangle v1=\"3\" v2=\"0\" v3=\"4\"/><triangle v1=\"3\" v2=\"4\" v3=\"7\"/>\n"
        "</triangles></mesh></object></resources>\n"
        "<build><item objectid=\"7\"/></build></model>\n";
    size_t n;
    uint8_t *d = package(cube, &n);
    lw_mesh_limits lim;
    lw_mesh_limits_default(&lim);
    lw_import imp;
    lw_err err;
    lw_err_clear(&err);
    assert_int_equal(lw_mesh_detect(d, n, NULL), LW_FORMAT_3MF);
    lw_rc rc = lw_mesh_import(d, n, NULL, &lim, &imp, &err);
    lw_free(d);
    if (rc)
        fail_msg("%s", err.msg);
    assert_int_equal(imp.mesh.nv, 8);
    assert_int_equal(imp.mesh.nt, 12);
    assert_int_equal(imp.facets_in_file, 12);
    assert_string_equal(imp.part_names[0], "object 7");
    assert_true(fabs(signed_volume(&imp.mesh, 0) - 24.0) < 1e-12);
    lw_bbox bb = lw_mesh_bbox(&imp.mesh);
    assert_true(bb.min[0] == 0 && bb.min[1] == 0 && bb.min[2] == 0);
    assert_true(bb.max[0] == 2 && bb.max[1] == 3 && bb.max[2] == 4);
    lw_import_clear(&imp);
}

static void test_units(void **state)
{
    (void)state;
    static const struct {
        const char *unit;
        double mm;
    } cases[] = {{"micron", 0.001}, {"millimeter", 1},  {"centimeter", 10},
                 {"inch", 25.4},    {"foot", 304.8},    {"meter", 1000}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char attrs[64];
        snprintf(attrs, sizeof attrs, "unit=\"%s\"", cases[i].unit);
        lw_import imp;
        lw_err err;
        assert_int_equal(parse_model_text(tetra(attrs, ""), &imp, &err), LW_OK);
        assert_true(imp.unit_mm == cases[i].mm);
        assert_string_equal(imp.unit_decl, cases[i].unit);
        /* Coordinates stay in file units: the caller scales. */
        expect_placed(&imp.mesh, 0, k_tetra_xyz, k_tetra_tri, 4, 0);
        lw_import_clear(&imp);
    }
    expect_failure(tetra("unit=\"furlong\"", ""), LW_EFORMAT, MODEL_ENTRY ": line 2, column",
                   "furlong", NULL);
}

static void test_build_transforms(void **state)
{
    (void)state;
    lw_import imp;
    lw_err err;
    /* Translation: the last row of 3MF's row-vector matrix. */
    static const double moved[4][3] = {{10, 20, 30}, {11, 20, 30}, {10, 21, 30}, {10, 20, 31}};
    assert_int_equal(parse_model_text(tetra("", "transform=\"1 0 0 0 1 0 0 0 1 10 20 30\""),
                                      &imp, &err), LW_OK);
    expect_placed(&imp.mesh, 0, moved, k_tetra_tri, 4, 0);
    lw_import_clear(&imp);

    /* A quarter turn about +Z takes (x, y) to (-y, x). As row vectors [x y z] M that is
     * m00 = 0, m01 = 1, m10 = -1, m11 = 0; reading it untransposed would turn the other way. */
    static const double turned[4][3] = {{0, 0, 0}, {0, 1, 0}, {-1, 0, 0}, {0, 0, 1}};
    assert_int_equal(parse_model_text(tetra("", "transform=\"0 1 0 -1 0 0 0 0 1 0 0 0\""),
                                      &imp, &err), LW_OK);
    expect_placed(&imp.mesh, 0, turned, k_tetra_tri, 4, 0);
    assert_true(fabs(signed_volume(&imp.mesh, 0) - 1.0 / 6) < 1e-15);
    lw_import_clear(&imp);

    /* A mirror in X: corners land at (-x, y, z) and the winding flips so the volume stays
     * positive. Scale 2 along Y at the same time: volume 2/6. */
    static const double mirrored[4][3] = {{0, 0, 0}, {-1, 0, 0}, {0, 2, 0}, {0, 0, 1}};
    assert_int_equal(parse_model_text(tetra("", "transform=\"-1 0 0 0 2 0 0 0 1 0 0 0\""),
                                      &imp, &err), LW_OK);
    expect_placed(&imp.mesh, 0, mirrored, k_tetra_tri, 4, 1);
    assert_true(fabs(signed_volume(&imp.mesh, 0) - 2.0 / 6) < 1e-15);
    lw_import_clear(&imp);
}

/* Object 1 the tetrahedron; object 2 = object 1 moved +10 in X; object 3 = object 2 scaled by 2
 * plus object 1 as it is; the item lifts object 3 by 5 in Z. So the first copy is at
 * 2 (p + (10,0,0)) + (0,0,5) = 2p + (20,0,5) and the second at p + (0,0,5). */
static const char k_components[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<model unit=\"millimeter\" xmlns=\"" NS "\">\n"
    "<resources>\n"
    "<object id=\"1\"><mesh><vertices>\n"
    "<vertex x=\"0\" y=\"0\" z=\"0\"/><vertex x=\"1\" y=\"0\" z=\"0\"/>\n"
    "<vertex x=\"0\" y=\"1\" z=\"0\"/><vertex x=\"0\" y=\"0\" z=\"1\"/>\n"
    "</vertices><triangles>\n"
    "<triangle v1=\"0\" v2=\"2\" v3=\"1\"/><triangle v1=\"0\" v2=\"1\" v3=\"3\"/>\n"
    "<triangle v1=\"0\" v2=\"3\" v3=\"2\"/><triangle v1=\"1\" v2=\"2\" v3=\"3\"/>\n"
    "</triangles></mesh></object>\n"
    "<object id=\"2\"><components>\n"
    "<component objectid=\"1\" transform=\"1 0 0 0 1 0 0 0 1 10 0 0\"/>\n"
    "</components></object>\n"
    "<object id=\"3\" name=\"pair\"><components>\n"
    "<component objectid=\"2\" transform=\"2 0 0 0 2 0 0 0 2 0 0 0\"/>\n"
    "<component objectid=\"1\"/>\n"
    "</components></object>\n"
    "</resources>\n"
    "<build><item objectid=\"3\" transform=\"1 0 0 0 1 0 0 0 1 0 0 5\"/></build>\n"
    "</model>\n";

static void test_components(void **state)
{
    (void)state;
    lw_import imp;
    lw_err err;
    lw_rc rc = parse_model_text(k_components, &imp, &err);
    if (rc)
        fail_msg("%s", err.msg);
    assert_int_equal(imp.nparts, 1);
    assert_string_equal(imp.part_names[0], "pair");
    assert_int_equal(imp.mesh.nt, 8);
    assert_int_equal(imp.mesh.nv, 8);
    assert_int_equal(imp.facets_in_file, 4); /* stored once, placed twice */
    assert_int_equal(imp.build_items, 1);
    double want[8][3];
    uint32_t tri[8][3];
    for (int i = 0; i < 4; i++) {
        for (int k = 0; k < 3; k++) {
            want[i][k] = 2 * k_tetra_xyz[i][k] + (k == 0 ? 20 : k == 2 ? 5 : 0);
            want[4 + i][k] = k_tetra_xyz[i][k] + (k == 2 ? 5 : 0);
            tri[i][k] = k_tetra_tri[i][k];
            tri[4 + i][k] = k_tetra_tri[i][k] + 4;
        }
    }
    expect_placed(&imp.mesh, 0, (const double(*)[3])want, (const uint32_t(*)[3])tri, 8, 0);
    assert_true(fabs(signed_volume(&imp.mesh, 0) - (8.0 + 1.0) / 6) < 1e-14);
    lw_import_clear(&imp);
}

static void test_two_items_two_parts(void **state)
{
    (void)state;
    char model[sizeof k_tetra_fmt + 128];
    snprintf(model, sizeof model, k_tetra_fmt, "",
             "/>\n  <item objectid=\"1\" transform=\"1 0 0 0 1 0 0 0 1 5 0 0\"");
    lw_import imp;
    lw_err err;
    assert_int_equal(parse_model_text(model, &imp, &err), LW_OK);
    assert_int_equal(imp.nparts, 2);
    assert_int_equal(imp.build_items, 2);
    assert_int_equal(imp.facets_in_file, 4);
    assert_int_equal(imp.mesh.nt, 8);
    assert_int_equal(imp.mesh.nv, 8); /* items never share vertices */
    assert_string_equal(imp.part_names[0], "tetra");
    assert_string_equal(imp.part_names[1], "tetra");
    static const double moved[4][3] = {{5, 0, 0}, {6, 0, 0}, {5, 1, 0}, {5, 0, 1}};
    expect_placed(&imp.mesh, 0, k_tetra_xyz, k_tetra_tri, 4, 0);
    expect_placed(&imp.mesh, 1, moved, k_tetra_tri, 4, 0);
    for (uint32_t f = 0; f < 4; f++)
        for (int k = 0; k < 3; k++)
            assert_true(imp.mesh.tri[3 * f + k] < 4 && imp.mesh.tri[3 * (f + 4) + k] >= 4);
    lw_import_clear(&imp);
}

static void test_rels_target_and_fallback(void **state)
{
    (void)state;
    const char *model = tetra("", "");
    static const char rels[] =
        "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        "<Relationship Target=\"/3D/Ring.model\" Id=\"r\" "
        "Type=\"http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel\"/>"
        "</Relationships>";
    lw_mesh_limits lim;
    lw_mesh_limits_default(&lim);
    lw_import imp;
    lw_err err;
    size_t n;
    /* The relationship wins over the conventional name (which holds a broken model here). */
    entry named[] = {{"_rels/.rels", rels, 0}, {"3D/Ring.model", model, 0},
                     {MODEL_ENTRY, "not xml", 0}};
    uint8_t *d = zip_entries(named, 3, &n);
    assert_int_equal(parse_with(d, n, &lim, &imp, &err), LW_OK);
    assert_int_equal(imp.mesh.nt, 4);
    lw_import_clear(&imp);
    lw_free(d);
    /* No relationships part at all: the conventional name. */
    entry bare[] = {{MODEL_ENTRY, model, 0}};
    d = zip_entries(bare, 1, &n);
    assert_int_equal(parse_with(d, n, &lim, &imp, &err), LW_OK);
    assert_int_equal(imp.mesh.nt, 4);
    lw_import_clear(&imp);
    lw_free(d);
    /* A relationship to a part that is not there. */
    entry dangling[] = {{"_rels/.rels", rels, 0}, {MODEL_ENTRY, model, 0}};
    d = zip_entries(dangling, 2, &n);
    assert_int_equal(parse_with(d, n, &lim, &imp, &err), LW_EFORMAT);
    assert_non_null(strstr(err.msg, "/3D/Ring.model, which is not in the archive"));
    lw_import_clear(&imp);
    lw_free(d);
    /* No model anywhere. */
    entry none[] = {{"[Content_Types].xml", k_types, 0}};
    d = zip_entries(none, 1, &n);
    assert_int_equal(parse_with(d, n, &lim, &imp, &err), LW_EFORMAT);
    assert_non_null(strstr(err.msg, "no 3D model"));
    lw_import_clear(&imp);
    lw_free(d);
}

/* ---- hostile packages ----------------------------------------------------------------------- */

static void test_not_a_zip_and_truncated(void **state)
{
    (void)state;
    lw_mesh_limits lim;
    lw_mesh_limits_default(&lim);
    lw_import imp;
    lw_err err;
    static const uint8_t junk[] = "PK\3\4 this is not really a zip archive at all";
    assert_int_equal(parse_with(junk, sizeof junk - 1, &lim, &imp, &err), LW_EFORMAT);
    assert_non_null(strstr(err.msg, "zip"));
    lw_import_clear(&imp);
    assert_int_equal(parse_with(junk, 0, &lim, &imp, &err), LW_EFORMAT);
    lw_import_clear(&imp);

    size_t n;
    uint8_t *d = package(tetra("", ""), &n);
    /* Every truncation must fail cleanly (most lose the central directory; some cut an entry). */
    for (size_t cut = 0; cut < n; cut += 7) {
        lw_rc rc = parse_with(d, cut, &lim, &imp, &err);
        assert_int_not_equal(rc, LW_OK);
        assert_int_equal(rc, LW_EFORMAT);
        assert_int_equal(imp.mesh.nt, 0);
        lw_import_clear(&imp);
    }
    /* A flipped byte inside the compressed model: a CRC or inflate error, never a crash. */
    for (size_t i = 0; i < n; i += 3) {
        d[i] ^= 0x55;
        lw_rc rc = parse_with(d, n, &lim, &imp, &err);
        assert_true(rc == LW_OK || rc == LW_EFORMAT || rc == LW_EUNSUPPORTED || rc == LW_ELIMIT);
        lw_import_clear(&imp);
        d[i] ^= 0x55;
    }
    lw_free(d);
}

/* Finds entry `name` in the package and overwrites its stated uncompressed size (local header
 * and central directory), so the archive lies about how much it inflates to. */
static void lie_about_size(uint8_t *d, size_t n, const char *name, uint32_t size)
{
    size_t nl = strlen(name);
    int patched = 0;
    for (size_t i = 0; i + 46 + nl <= n; i++) {
        if (d[i] == 'P' && d[i + 1] == 'K' && d[i + 2] == 3 && d[i + 3] == 4 &&
            d[i + 26] == nl && memcmp(d + i + 30, name, nl) == 0) {
            for (int k = 0; k < 4; k++)
                d[i + 22 + k] = (uint8_t)(size >> (8 * k));
            patched++;
        }
        if (d[i] == 'P' && d[i + 1] == 'K' && d[i + 2] == 1 && d[i + 3] == 2 &&
            d[i + 28] == nl && memcmp(d + i + 46, name, nl) == 0) {
            for (int k = 0; k < 4; k++)
                d[i + 24 + k] = (uint8_t)(size >> (8 * k));
            patched++;
        }
    }
    assert_int_equal(patched, 2);
}

static void test_zip_bombs(void **state)
{
    (void)state;
    /* A valid model followed by 4 MiB of XML whitespace: deflate squeezes that ~1000 times. */
    const char *model = tetra("", "");
    size_t ml = strlen(model), pad = (size_t)4 << 20;
    char *bomb = lw_malloc(ml + pad + 1);
    assert_non_null(bomb);
    memcpy(bomb, model, ml);
    memset(bomb + ml, ' ', pad);
    bomb[ml + pad] = 0;
    entry e[] = {{"_rels/.rels", k_rels, 0}, {MODEL_ENTRY, bomb, ml + pad}};
    size_t n;
    uint8_t *d = zip_entries(e, 2, &n);
    lw_free(bomb);
    assert_true(n < ml + pad / 200); /* it really is a bomb */

    lw_mesh_limits lim;
    lw_mesh_limits_default(&lim);
    lw_import imp;
    lw_err err;
    /* The ratio, as stated by the archive. */
    assert_int_equal(parse_with(d, n, &lim, &imp, &err), LW_ELIMIT);
    assert_non_null(strstr(err.msg, MODEL_ENTRY ": "));
    assert_non_null(strstr(err.msg, "ratio"));
    lw_import_clear(&imp);
    /* The total, as stated. */
    lim.max_zip_ratio = 100000;
    lim.max_unzipped_bytes = 1 << 20;
    assert_int_equal(parse_with(d, n, &lim, &imp, &err), LW_ELIMIT);
    assert_non_null(strstr(err.msg, MODEL_ENTRY ": "));
    assert_non_null(strstr(err.msg, "limit of 1048576 bytes"));
    lw_import_clear(&imp);
    /* Both allowed: it is a valid, if padded, model. */
    lim.max_unzipped_bytes = 16 << 20;
    assert_int_equal(parse_with(d, n, &lim, &imp, &err), LW_OK);
    assert_int_equal(imp.mesh.nt, 4);
    lw_import_clear(&imp);

    /* The headers lie: they claim 1000 bytes. Counting what inflation really produces still
     * stops it, by ratio and by total. */
    lie_about_size(d, n, MODEL_ENTRY, 1000);
    lw_mesh_limits_default(&lim);
    lw_rc rc = parse_with(d, n, &lim, &imp, &err);
    if (getenv("LWT_VERBOSE"))
        print_message("lying sizes: %s: %s\n", lw_rc_name(rc), err.msg);
    assert_int_equal(rc, LW_ELIMIT); /* libzip itself inflates past the stated size */
    assert_non_null(strstr(err.msg, MODEL_ENTRY ": "));
    assert_non_null(strstr(err.msg, "ratio"));
    lw_import_clear(&imp);
    lw_free(d);

    /* Too many entries. */
    entry many[] = {{"a", "1", 0}, {"b", "2", 0}, {"c", "3", 0}, {MODEL_ENTRY, model, 0}};
    d = zip_entries(many, 4, &n);
    lim.max_zip_entries = 3;
    assert_int_equal(parse_with(d, n, &lim, &imp, &err), LW_ELIMIT);
    assert_non_null(strstr(err.msg, "4 entries"));
    lw_import_clear(&imp);
    lw_free(d);
}

static void test_doctype_and_laughs(void **state)
{
    (void)state;
    static const char laughs[] =
        "<?xml version=\"1.0\"?>\n"
        "<!DOCTYPE model [\n"
        " <!ENTITY a \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\">\n"
        " <!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"
        " <!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n"
        "]>\n"
        "<model xmlns=\"" NS "\"><metadata name=\"Title\">&c;</metadata></model>\n";
    expect_failure(laughs, LW_EFORMAT, MODEL_ENTRY ": line 2, column", "DOCTYPE", NULL);
    static const char external[] =
        "<?xml version=\"1.0\"?>\n<!DOCTYPE model SYSTEM \"file:///etc/passwd\">\n"
        "<model xmlns=\"" NS "\"/>\n";
    expect_failure(external, LW_EFORMAT, "line 2", "DOCTYPE", NULL);
}

static void test_malformed_xml(void **state)
{
    (void)state;
    /* The document stops inside <object>. */
    char cut[sizeof k_tetra_fmt + 64];
    const char *whole = tetra("", "");
    snprintf(cut, sizeof cut, "%.*s", (int)(strstr(whole, "   </mesh>") - whole), whole);
    expect_failure(cut, LW_EFORMAT, MODEL_ENTRY ": line", "malformed XML", NULL);
    /* Mismatched tags on line 3. */
    static const char mismatch[] = "<?xml version=\"1.0\"?>\n<model xmlns=\"" NS "\">\n"
                                   "<resources></build>\n</model>\n";
    expect_failure(mismatch, LW_EFORMAT, MODEL_ENTRY ": line 3, column", "mismatched", NULL);
    /* Not the 3MF namespace. */
    static const char wrong_ns[] = "<?xml version=\"1.0\"?>\n<model><resources/></model>\n";
    expect_failure(wrong_ns, LW_EFORMAT, "line 2", "root element <model> has no namespace", NULL);
    /* An empty model part. */
    expect_failure("", LW_EFORMAT, MODEL_ENTRY ": line 1", NULL);
}

/* The tetrahedron with one line replaced (line numbers stay as in k_tetra_fmt). */
static const char *tetra_with(const char *line, const char *replacement)
{
    char *base = lw_strdup(tetra("", ""));
    assert_non_null(base);
    char *at = strstr(base, line);
    assert_non_null(at);
    snprintf(g_text, sizeof g_text, "%.*s%s%s", (int)(at - base), base, replacement,
             at + strlen(line));
    lw_free(base);
    return g_text;
}

static void test_bad_numbers_and_indices(void **state)
{
    (void)state;
    expect_failure(tetra_with("<vertex x=\"0\" y=\"1\" z=\"0\"/>",
                              "<vertex x=\"0\" y=\"NaN\" z=\"0\"/>"),
                   LW_EFORMAT, MODEL_ENTRY ": line 9, column 6", "vertex 2 of object 1",
                   "not a finite number", NULL);
    expect_failure(tetra_with("<vertex x=\"1\" y=\"0\" z=\"0\"/>",
                              "<vertex x=\"1e999\" y=\"0\" z=\"0\"/>"),
                   LW_EFORMAT, "line 8", "vertex 1", "finite", NULL);
    expect_failure(tetra_with("<vertex x=\"1\" y=\"0\" z=\"0\"/>",
                              "<vertex x=\"1,5\" y=\"0\" z=\"0\"/>"),
                   LW_EFORMAT, "line 8", "is not a number", NULL);
    expect_failure(tetra_with("<vertex x=\"1\" y=\"0\" z=\"0\"/>", "<vertex x=\"1\" y=\"0\"/>"),
                   LW_EFORMAT, "line 8", "has no z", NULL);
    expect_failure(tetra_with("<triangle v1=\"0\" v2=\"1\" v3=\"3\"/>",
                              "<triangle v1=\"0\" v2=\"9\" v3=\"3\"/>"),
                   LW_EFORMAT, MODEL_ENTRY ": line 14, column 6",
                   "triangle 1 refers to vertex 9 of object 1, which has 4 vertices", NULL);
    expect_failure(tetra_with("<triangle v1=\"0\" v2=\"1\" v3=\"3\"/>",
                              "<triangle v1=\"0\" v2=\"-1\" v3=\"3\"/>"),
                   LW_EFORMAT, "line 14", "not a vertex index", NULL);
    expect_failure(tetra_with("<triangle v1=\"1\" v2=\"2\" v3=\"3\"/>",
                              "<triangle v1=\"1\" v2=\"2\" v3=\"2\"/>"),
                   LW_EFORMAT, "line 16", "triangle 3 of object 1 uses vertex 2 twice", NULL);
    expect_failure(tetra("", "transform=\"1 0 0 0 1 0 0 0 1 0 0\""), LW_EFORMAT,
                   MODEL_ENTRY ": line 22", "not 12 finite numbers", NULL);
    expect_failure(tetra("", "transform=\"1 0 0 0 1 0 0 0 1 0 0 inf\""), LW_EFORMAT,
                   "line 22", "not 12 finite numbers", NULL);
    expect_failure(tetra("", "transform=\"1 0 0 0 1 0 0 0 1 0 0 0 0\""), LW_EFORMAT,
                   "line 22", "not 12 finite numbers", NULL);
    /* Finite numbers, but x' = 1e308 x + 1e308 overflows at x = 1. */
    expect_failure(tetra("", "transform=\"1e308 0 0 0 1 0 0 0 1 1e308 0 0\""), LW_EFORMAT,
                   MODEL_ENTRY ": line 22, column 3", "build item 0 places object 1",
                   "finite", NULL);
}

static void test_bad_references(void **state)
{
    (void)state;
    expect_failure(tetra_with("<item objectid=\"1\" />", "<item objectid=\"7\"/>"),
                   LW_EFORMAT, MODEL_ENTRY ": line 22, column 3", "object 7",
                   "not defined", NULL);
    expect_failure(tetra_with("<item objectid=\"1\" />", "<item/>"), LW_EFORMAT, "line 22",
                   "needs an objectid", NULL);
    expect_failure(tetra_with("<item objectid=\"1\" />", ""), LW_EFORMAT, "nothing to print",
                   NULL);
    /* The same id twice. */
    expect_failure(tetra_with(" </resources>",
                              "<object id=\"1\"><components/></object></resources>"),
                   LW_EFORMAT, "line 20", "a second object with id 1", NULL);
    /* A component pointing at the object that holds it. */
    expect_failure(tetra_with(" </resources>",
                              "<object id=\"2\"><components><component objectid=\"2\"/>"
                              "</components></object></resources>"),
                   LW_EFORMAT, "line 20", "refers to object 2 itself", NULL);
    /* A forward reference is an undefined object at that point (objects precede their use). */
    expect_failure(tetra_with(" </resources>",
                              "<object id=\"2\"><components><component objectid=\"3\"/>"
                              "</components></object></resources>"),
                   LW_EFORMAT, "line 20", "object 3, which is not defined", NULL);
    /* Another model part (production extension): not read, and said so. */
    expect_failure(tetra_with("<item objectid=\"1\" />",
                              "<item xmlns:p=\"http://schemas.microsoft.com/3dmanufacturing/"
                              "production/2015/06\" p:path=\"/3D/other.model\" objectid=\"1\"/>"),
                   LW_EUNSUPPORTED, "line 22", "/3D/other.model", NULL);
    /* A required extension we do not read. */
    expect_failure(tetra("xmlns:b=\"http://schemas.microsoft.com/3dmanufacturing/beamlattice/"
                         "2017/02\" requiredextensions=\"b\"", ""),
                   LW_EUNSUPPORTED, "line 2", "beamlattice", NULL);
    /* An object of type "other" must not be printed. */
    expect_failure(tetra_with("type=\"model\"", "type=\"other\""), LW_EFORMAT, "line 22",
                   "\"other\"", NULL);
    /* An object whose shape is only in an extension. */
    expect_failure(tetra_with("<object id=\"1\" type=\"model\" name=\"tetra\">",
                              "<object id=\"2\"><bl:beams xmlns:bl=\"urn:x\"/></object>"
                              "<object id=\"1\" type=\"model\" name=\"tetra\">"),
                   LW_EUNSUPPORTED, "line 4", "object 2", "<beams> of namespace urn:x", NULL);
    /* A vertex outside <vertices>. */
    expect_failure(tetra_with("<vertices>", "<vertex x=\"0\" y=\"0\" z=\"0\"/><vertices>"),
                   LW_EFORMAT, "line 6", "<vertex> is out of place inside <mesh>", NULL);
}

static void test_depth_bombs(void **state)
{
    (void)state;
    /* XML nesting: 100 levels of an unknown element inside <model>. */
    lw_buf b;
    lw_buf_init(&b, 0);
    assert_int_equal(lw_buf_puts(&b, "<?xml version=\"1.0\"?>\n<model xmlns=\"" NS "\">\n"), 0);
    for (int i = 0; i < 100; i++)
        assert_int_equal(lw_buf_puts(&b, "<x>"), 0);
    for (int i = 0; i < 100; i++)
        assert_int_equal(lw_buf_puts(&b, "</x>"), 0);
    assert_int_equal(lw_buf_puts(&b, "</model>\n"), 0);
    expect_failure((const char *)b.data, LW_ELIMIT, MODEL_ENTRY ": line 3",
                   "nested more than 64 deep", NULL);
    lw_buf_clear(&b);

    /* Component nesting: object k+1 holds object k, 20 deep, over the default limit of 16. */
    lw_buf_init(&b, 0);
    const char *t = tetra("", "");
    const char *cut = strstr(t, " </resources>");
    assert_int_equal(lw_buf_append(&b, t, (size_t)(cut - t)), 0);
    for (int k = 2; k <= 21; k++)
        assert_int_equal(lw_buf_printf(&b, "<object id=\"%d\"><components><component "
                                           "objectid=\"%d\"/></components></object>\n",
                                       k, k - 1), 0);
    assert_int_equal(lw_buf_puts(&b, "</resources><build><item objectid=\"21\"/></build>"
                                     "</model>\n"), 0);
    /* Object 18 is the first 17 levels deep; it sits on line 20 + (18 - 2). */
    expect_failure((const char *)b.data, LW_ELIMIT, MODEL_ENTRY ": line 36",
                   "object 18: components nested 17 deep, more than the limit of 16", NULL);
    lw_buf_clear(&b);

    /* Instancing: 10 copies of 10 copies of 10 copies of the tetrahedron = 4000 triangles from
     * 4 stored, past a limit of 1000. */
    lw_buf_init(&b, 0);
    assert_int_equal(lw_buf_append(&b, t, (size_t)(cut - t)), 0);
    for (int k = 2; k <= 4; k++) {
        assert_int_equal(lw_buf_printf(&b, "<object id=\"%d\"><components>", k), 0);
        for (int i = 0; i < 10; i++)
            assert_int_equal(lw_buf_printf(&b, "<component objectid=\"%d\"/>", k - 1), 0);
        assert_int_equal(lw_buf_puts(&b, "</components></object>\n"), 0);
    }
    assert_int_equal(lw_buf_puts(&b, "</resources><build><item objectid=\"4\"/></build>"
                                     "</model>\n"), 0);
    size_t n;
    uint8_t *d = package((const char *)b.data, &n);
    lw_buf_clear(&b);
    lw_mesh_limits lim;
    lw_mesh_limits_default(&lim);
    lim.max_triangles = 1000;
    lw_import imp;
    lw_err err;
    assert_int_equal(parse_with(d, n, &lim, &imp, &err), LW_ELIMIT);
    assert_non_null(strstr(err.msg, "line 23"));
    assert_non_null(strstr(err.msg, "4000 triangles"));
    lw_import_clear(&imp);
    lim.max_triangles = 4000; /* exactly enough */
    assert_int_equal(parse_with(d, n, &lim, &imp, &err), LW_OK);
    assert_int_equal(imp.mesh.nt, 4000);
    assert_int_equal(imp.facets_in_file, 4);
    /* All 1000 copies sit at the same place and weld into one set of 4 corners. */
    assert_int_equal(imp.mesh.nv, 4);
    lw_import_clear(&imp);
    lw_free(d);
}

/* Parses the text under the limits and checks the code and message substrings. */
static void expect_limit(const char *model, const lw_mesh_limits *lim, const char *where,
                         const char *what)
{
    size_t n;
    uint8_t *d = package(model, &n);
    lw_import imp;
    lw_err err;
    lw_rc rc = parse_with(d, n, lim, &imp, &err);
    lw_free(d);
    if (rc != LW_ELIMIT || !strstr(err.msg, where) || !strstr(err.msg, what))
        fail_msg("expected ELIMIT with \"%s\" and \"%s\", got %s: %s", where, what,
                 lw_rc_name(rc), err.msg);
    assert_int_equal(imp.mesh.nt, 0);
    lw_import_clear(&imp);
}

static void test_count_limits(void **state)
{
    (void)state;
    lw_mesh_limits lim;
    lw_mesh_limits_default(&lim);
    lim.max_vertices = 3;
    expect_limit(tetra("", ""), &lim, "line 10", "more than 3 vertices in the file");
    lw_mesh_limits_default(&lim);
    lim.max_triangles = 3;
    expect_limit(tetra("", ""), &lim, "line 16", "more than 3 triangles in the file");
    lw_mesh_limits_default(&lim);
    lim.max_parts = 1;
    expect_limit(tetra("", "/>\n  <item objectid=\"1\""), &lim, "line 23",
                 "more than 1 build items"); /* the second item is on line 23 */
    expect_limit(tetra_with(" </resources>", "<object id=\"2\"><components><component "
                                             "objectid=\"1\"/></components></object>"
                                             "</resources>"),
                 &lim, "line 20", "more than 1 objects");
    /* Placing 2 x 4 vertices when 7 are allowed (the file itself stores only 4). */
    lw_mesh_limits_default(&lim);
    lim.max_vertices = 7;
    expect_limit(tetra("", "/>\n  <item objectid=\"1\""), &lim, "line 23",
                 "8 vertices in all, more than the limit of 7");
    /* Components count against the triangle limit (each places at least one triangle): an
     * object of one triangle, then an object of two components of it, limit 1. */
    static const char one_tri[] =
        "<?xml version=\"1.0\"?>\n<model xmlns=\"" NS "\"><resources>\n"
        "<object id=\"1\"><mesh><vertices><vertex x=\"0\" y=\"0\" z=\"0\"/>"
        "<vertex x=\"1\" y=\"0\" z=\"0\"/><vertex x=\"0\" y=\"1\" z=\"0\"/></vertices>"
        "<triangles><triangle v1=\"0\" v2=\"1\" v3=\"2\"/></triangles></mesh></object>\n"
        "<object id=\"2\"><components><component objectid=\"1\"/>\n"
        "<component objectid=\"1\"/></components></object>\n"
        "</resources><build><item objectid=\"1\"/></build></model>\n";
    lw_mesh_limits_default(&lim);
    lim.max_triangles = 1;
    expect_limit(one_tri, &lim, "line 5", "more than 1 components");
}

/* ---- writing -------------------------------------------------------------------------------- */

/* A torus (part 0) and a tetrahedron shifted to the side (part 1). */
static void two_part_mesh(lw_mesh *m)
{
    lw_mesh_init(m);
    assert_int_equal(lw_shape_torus(m, 9.5, 1.25, 48, 12), LW_OK);
    uint32_t base = m->nv;
    for (int i = 0; i < 4; i++)
        assert_int_equal(lw_mesh_add_vertex(m, k_tetra_xyz[i][0] + 1.0 / 3, k_tetra_xyz[i][1],
                                            k_tetra_xyz[i][2] - 0.1, NULL), LW_OK);
    for (int f = 0; f < 4; f++)
        assert_int_equal(lw_mesh_add_tri(m, base + k_tetra_tri[f][0], base + k_tetra_tri[f][1],
                                         base + k_tetra_tri[f][2], 1), LW_OK);
}

static void test_write_read_round_trip(void **state)
{
    (void)state;
    lw_mesh m;
    two_part_mesh(&m);
    const char *names[] = {"ring & <band> \"18k\"", "stone\tseat\xff"};
    lw_buf out;
    lw_buf_init(&out, 0);
    lw_err err;
    lw_err_clear(&err);
    assert_int_equal(lw_3mf_write(&m, names, 2, &out, &err), LW_OK);

    lw_mesh_limits lim;
    lw_mesh_limits_default(&lim);
    lw_import imp;
    lw_rc rc = parse_with(out.data, out.len, &lim, &imp, &err);
    if (rc)
        fail_msg("%s", err.msg);
    assert_int_equal(imp.nparts, 2);
    assert_int_equal(imp.build_items, 2);
    assert_string_equal(imp.part_names[0], names[0]);
    assert_string_equal(imp.part_names[1], "stone\tseat?"); /* invalid UTF-8 becomes '?' */
    assert_int_equal(imp.mesh.nt, m.nt);
    assert_int_equal(imp.facets_in_file, m.nt);
    assert_true(imp.unit_mm == 1.0);
    /* Same facets in the same order, each corner bit for bit (weld renumbers vertices). */
    for (uint32_t f = 0; f < m.nt; f++) {
        assert_int_equal(lw_mesh_part(&imp.mesh, f), lw_mesh_part(&m, f));
        for (int k = 0; k < 3; k++)
            assert_memory_equal(imp.mesh.xyz + 3 * (size_t)imp.mesh.tri[3 * f + k],
                                m.xyz + 3 * (size_t)m.tri[3 * f + k], 3 * sizeof(double));
    }
    assert_int_equal(imp.mesh.nv, m.nv);
    lw_import_clear(&imp);

    /* The package holds the three parts under their standard names. */
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(out.data, out.len, 0, &ze);
    zip_t *za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
    assert_non_null(za);
    assert_int_equal(zip_get_num_entries(za, 0), 3);
    assert_string_equal(zip_get_name(za, 0, 0), "[Content_Types].xml");
    assert_string_equal(zip_get_name(za, 1, 0), "_rels/.rels");
    assert_string_equal(zip_get_name(za, 2, 0), "3D/3dmodel.model");
    zip_discard(za);
    zip_error_fini(&ze);

    lw_buf_clear(&out);
    lw_mesh_clear(&m);
}

static void test_write_is_deterministic(void **state)
{
    (void)state;
    lw_mesh m;
    two_part_mesh(&m);
    lw_buf a, b;
    lw_buf_init(&a, 0);
    lw_buf_init(&b, 0);
    lw_err err;
    lw_err_clear(&err);
    assert_int_equal(lw_3mf_write(&m, NULL, 0, &a, &err), LW_OK);
    /* Another time zone and a later clock must not change a byte. */
    setenv("TZ", "Pacific/Chatham", 1);
    tzset();
    struct timespec ts = {2, 100000000}; /* past a DOS time step of 2 s */
    nanosleep(&ts, NULL);
    assert_int_equal(lw_3mf_write(&m, NULL, 0, &b, &err), LW_OK);
    unsetenv("TZ");
    tzset();
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    /* Unnamed parts read back as "object <id>". */
    lw_mesh_limits lim;
    lw_mesh_limits_default(&lim);
    lw_import imp;
    assert_int_equal(parse_with(a.data, a.len, &lim, &imp, &err), LW_OK);
    assert_string_equal(imp.part_names[0], "object 1");
    assert_string_equal(imp.part_names[1], "object 2");
    lw_import_clear(&imp);
    lw_buf_clear(&a);
    lw_buf_clear(&b);
    lw_mesh_clear(&m);
}

static void test_write_refuses_bad_meshes(void **state)
{
    (void)state;
    lw_mesh m;
    lw_mesh_init(&m);
    lw_buf out;
    lw_buf_init(&out, 0);
    lw_err err;
    lw_err_clear(&err);
    assert_int_equal(lw_3mf_write(&m, NULL, 0, &out, &err), LW_EINVAL);
    two_part_mesh(&m);
    lw_err_clear(&err);
    assert_int_equal(lw_3mf_write(&m, NULL, 1, &out, &err), LW_EINVAL); /* part 1 of 1 */
    assert_non_null(strstr(err.msg, "part id 1"));
    m.xyz[5] = NAN;
    lw_err_clear(&err);
    assert_int_equal(lw_3mf_write(&m, NULL, 0, &out, &err), LW_EINVAL);
    assert_non_null(strstr(err.msg, "vertex 1"));
    assert_int_equal(out.len, 0);
    /* A buffer too small: the limit, and the buffer left as it was. */
    m.xyz[5] = 0;
    lw_buf small;
    lw_buf_init(&small, 1000);
    assert_int_equal(lw_buf_puts(&small, "keep"), LW_OK);
    lw_err_clear(&err);
    assert_int_equal(lw_3mf_write(&m, NULL, 0, &small, &err), LW_ELIMIT);
    assert_int_equal(small.len, 4);
    assert_string_equal((const char *)small.data, "keep");
    lw_buf_clear(&small);
    lw_buf_clear(&out);
    lw_mesh_clear(&m);
}

/* ---- allocation failures -------------------------------------------------------------------- */

typedef struct torture_ctx {
    const uint8_t *data;
    size_t len;
    const lw_mesh *mesh;
} torture_ctx;

static int parse_once(void *ctx)
{
    torture_ctx *t = ctx;
    lw_mesh_limits lim;
    lw_mesh_limits_default(&lim);
    lw_import imp;
    lw_err err;
    lw_rc rc = parse_with(t->data, t->len, &lim, &imp, &err);
    if (rc == LW_OK && (imp.mesh.nt != 8 || imp.nparts != 1))
        fail_msg("a successful parse must be complete");
    if (rc != LW_OK && rc != LW_ENOMEM)
        fail_msg("unexpected %s under allocation failure: %s", lw_rc_name(rc), err.msg);
    if (rc != LW_OK && imp.mesh.nt != 0)
        fail_msg("a failed parse left facets behind");
    lw_import_clear(&imp);
    return (int)rc;
}

static int write_once(void *ctx)
{
    torture_ctx *t = ctx;
    lw_buf out;
    lw_buf_init(&out, 0);
    lw_err err;
    lw_err_clear(&err);
    lw_rc rc = lw_3mf_write(t->mesh, NULL, 0, &out, &err);
    if (rc != LW_OK && rc != LW_ENOMEM)
        fail_msg("unexpected %s under allocation failure: %s", lw_rc_name(rc), err.msg);
    lw_buf_clear(&out);
    return (int)rc;
}

static void test_allocation_failures(void **state)
{
    (void)state;
    size_t n;
    uint8_t *d = package(k_components, &n);
    torture_ctx t = {d, n, NULL};
    long points = lwt_alloc_torture(parse_once, &t);
    assert_true(points > 10); /* expat, the pools, the weld and the parts all allocate */
    lw_free(d);

    lw_mesh m;
    lw_mesh_init(&m);
    for (int i = 0; i < 4; i++)
        assert_int_equal(lw_mesh_add_vertex(&m, k_tetra_xyz[i][0], k_tetra_xyz[i][1],
                                            k_tetra_xyz[i][2], NULL), LW_OK);
    for (int f = 0; f < 4; f++)
        assert_int_equal(lw_mesh_add_tri(&m, k_tetra_tri[f][0], k_tetra_tri[f][1],
                                         k_tetra_tri[f][2], 0), LW_OK);
    t.mesh = &m;
    assert_true(lwt_alloc_torture(write_once, &t) > 3);
    lw_mesh_clear(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tetrahedron),
        cmocka_unit_test(test_cube_through_import),
        cmocka_unit_test(test_units),
        cmocka_unit_test(test_build_transforms),
        cmocka_unit_test(test_components),
        cmocka_unit_test(test_two_items_two_parts),
        cmocka_unit_test(test_rels_target_and_fallback),
        cmocka_unit_test(test_not_a_zip_and_truncated),
        cmocka_unit_test(test_zip_bombs),
        cmocka_unit_test(test_doctype_and_laughs),
        cmocka_unit_test(test_malformed_xml),
        cmocka_unit_test(test_bad_numbers_and_indices),
        cmocka_unit_test(test_bad_references),
        cmocka_unit_test(test_depth_bombs),
        cmocka_unit_test(test_count_limits),
        cmocka_unit_test(test_write_read_round_trip),
        cmocka_unit_test(test_write_is_deterministic),
        cmocka_unit_test(test_write_refuses_bad_meshes),
        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
