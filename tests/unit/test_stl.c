/* Tests of the STL reader and writer (src/geom/stl.c) on files built byte by byte here: a
 * tetrahedron and a box whose corners, facet order and welded indices are worked out by hand,
 * header quirks, stored normals corrupted on purpose, and every error path with its place. */
#include "lwtest.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "geom/import.h"
#include "geom/mesh.h"
#include "geom/shapes.h"
#include "geom/stl.h"
#include "geom/weld.h"

/* ------------------------------------------------------------------------------------------ */
/* Shapes worked out by hand                                                                  */

/* The unit right tetrahedron: V0 origin, V1 +x, V2 +y, V3 +z. Facets counter-clockwise seen from
 * outside (checked by hand with cross products). */
static const float k_tet_v[4][3] = {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
static const int k_tet_t[4][3] = {{0, 2, 1}, {0, 1, 3}, {0, 3, 2}, {1, 2, 3}};
/* After welding, vertices are numbered by first use: V0 V2 V1 V3 -> 0 1 2 3. */
static const uint32_t k_tet_welded[4][3] = {{0, 1, 2}, {0, 2, 3}, {0, 3, 1}, {2, 1, 3}};
static const float k_tet_n[4][3] = {
    {0, 0, -1}, {0, -1, 0}, {-1, 0, 0}, {0.577350269f, 0.577350269f, 0.577350269f}};

/* A 2 x 3 x 4 box; corner i has x = 2*(i&1), y = 3*((i>>1)&1), z = 4*(i>>2). */
static const int k_box_t[12][3] = {{0, 2, 3}, {0, 3, 1}, {4, 5, 7}, {4, 7, 6},
                                   {0, 1, 5}, {0, 5, 4}, {2, 6, 7}, {2, 7, 3},
                                   {0, 4, 6}, {0, 6, 2}, {1, 3, 7}, {1, 7, 5}};
static const float k_box_n[12][3] = {{0, 0, -1}, {0, 0, -1}, {0, 0, 1},  {0, 0, 1},
                                     {0, -1, 0}, {0, -1, 0}, {0, 1, 0},  {0, 1, 0},
                                     {-1, 0, 0}, {-1, 0, 0}, {1, 0, 0},  {1, 0, 0}};

typedef struct facet {
    float n[3];
    float v[9];
} facet;

static void tet_facets(facet f[4])
{
    for (int i = 0; i < 4; i++) {
        memcpy(f[i].n, k_tet_n[i], sizeof f[i].n);
        for (int c = 0; c < 3; c++)
            memcpy(f[i].v + 3 * c, k_tet_v[k_tet_t[i][c]], 3 * sizeof(float));
    }
}

static void box_facets(facet f[12])
{
    for (int i = 0; i < 12; i++) {
        memcpy(f[i].n, k_box_n[i], sizeof f[i].n);
        for (int c = 0; c < 3; c++) {
            int k = k_box_t[i][c];
            f[i].v[3 * c + 0] = 2.0f * (float)(k & 1);
            f[i].v[3 * c + 1] = 3.0f * (float)((k >> 1) & 1);
            f[i].v[3 * c + 2] = 4.0f * (float)(k >> 2);
        }
    }
}

/* ------------------------------------------------------------------------------------------ */
/* File builders                                                                              */

static void put_u32(uint8_t *p, uint32_t u)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(u >> (8 * i));
}

static void put_f32(uint8_t *p, float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    put_u32(p, u);
}

/* A binary STL (free with lw_free): header bytes as given (hn of them), then the facets with the
 * attribute word attr. */
static uint8_t *bin_stl(const void *header, size_t hn, const facet *f, uint32_t n, uint16_t attr,
                        size_t *len)
{
    *len = 84 + 50 * (size_t)n;
    uint8_t *d = lw_calloc(*len, 1);
    assert_non_null(d);
    memcpy(d, header, hn);
    put_u32(d + 80, n);
    for (uint32_t i = 0; i < n; i++) {
        uint8_t *p = d + 84 + 50 * (size_t)i;
        for (int k = 0; k < 3; k++)
            put_f32(p + 4 * k, f[i].n[k]);
        for (int k = 0; k < 9; k++)
            put_f32(p + 12 + 4 * k, f[i].v[k]);
        p[48] = (uint8_t)attr;
        p[49] = (uint8_t)(attr >> 8);
    }
    return d;
}

enum { UPPER = 1, CRLF = 2, TABS = 4, NO_END = 8 };

/* An ASCII STL solid in lw_buf b, in a style: keywords upper case, CRLF, tabs, no endsolid. */
static void ascii_solid(lw_buf *b, const char *name, const facet *f, uint32_t n, int style)
{
    const char *nl = (style & CRLF) ? "\r\n" : "\n";
    const char *in = (style & TABS) ? "\t" : "  ";
    int up = style & UPPER;
    assert_int_equal(lw_buf_printf(b, "%s%s%s%s", up ? "SOLID" : "solid", name ? " " : "",
                                   name ? name : "", nl), LW_OK);
    for (uint32_t i = 0; i < n; i++) {
        assert_int_equal(lw_buf_printf(b, "%s%s %.9g %.9g %.9g%s", up ? "FACET NORMAL" :
                                       "facet normal", in, (double)f[i].n[0], (double)f[i].n[1],
                                       (double)f[i].n[2], nl), LW_OK);
        assert_int_equal(lw_buf_printf(b, "%s%s%s", in, up ? "OUTER LOOP" : "outer loop", nl),
                         LW_OK);
        for (int c = 0; c < 3; c++)
            assert_int_equal(lw_buf_printf(b, "%s%s%s%.9g %.9g\t%.9g%s", in, in,
                                           up ? "VERTEX " : "vertex ", (double)f[i].v[3 * c],
                                           (double)f[i].v[3 * c + 1], (double)f[i].v[3 * c + 2],
                                           nl), LW_OK);
        assert_int_equal(lw_buf_printf(b, "%s%s%s%s", in, up ? "ENDLOOP" : "endloop", nl,
                                       up ? "ENDFACET" : "endfacet"), LW_OK);
        assert_int_equal(lw_buf_puts(b, nl), LW_OK);
    }
    if (!(style & NO_END))
        assert_int_equal(lw_buf_printf(b, "%s%s%s%s", up ? "ENDSOLID" : "endsolid",
                                       name ? " " : "", name ? name : "", nl), LW_OK);
}

/* ------------------------------------------------------------------------------------------ */
/* Parse helpers                                                                              */

static lw_rc parse_lim(const void *d, size_t n, const lw_mesh_limits *lim, lw_import *imp,
                       lw_err *e)
{
    lw_import_init(imp);
    lw_err_clear(e);
    return lw_stl_parse(d, n, lim, imp, e);
}

static lw_rc parse(const void *d, size_t n, lw_import *imp, lw_err *e)
{
    lw_mesh_limits lim;
    lw_mesh_limits_default(&lim);
    return parse_lim(d, n, &lim, imp, e);
}

/* Parses what must fail with rc and a message containing `where`; the import stays empty. */
static void expect_fail_lim(const void *d, size_t n, const lw_mesh_limits *lim, lw_rc rc,
                            const char *where)
{
    lw_import imp;
    lw_err e;
    lw_rc got = parse_lim(d, n, lim, &imp, &e);
    if (got != rc || !strstr(e.msg, where))
        fail_msg("expected %s containing \"%s\", got %s: \"%s\"", lw_rc_name(rc), where,
                 lw_rc_name(got), e.msg);
    assert_int_equal(imp.nparts, 0);
    assert_int_equal(imp.mesh.nt, 0);
    assert_int_equal(imp.mesh.nv, 0);
    assert_null(imp.mesh.xyz);
    assert_null(imp.part_names);
    lw_import_clear(&imp);
}

static void expect_fail(const void *d, size_t n, lw_rc rc, const char *where)
{
    lw_mesh_limits lim;
    lw_mesh_limits_default(&lim);
    expect_fail_lim(d, n, &lim, rc, where);
}

/* Facets first..first+n-1 of the mesh have exactly the corners of f, in order. */
static void assert_facets_at(const lw_mesh *m, uint32_t first, const facet *f, uint32_t n)
{
    assert_true(first + n <= m->nt);
    for (uint32_t i = 0; i < n; i++)
        for (int c = 0; c < 3; c++) {
            uint32_t v = m->tri[3 * (size_t)(first + i) + c];
            assert_true(v < m->nv);
            for (int k = 0; k < 3; k++)
                assert_true(m->xyz[3 * (size_t)v + k] == (double)f[i].v[3 * c + k]);
        }
}

/* The mesh is exactly the facets f, in order. */
static void assert_facets(const lw_mesh *m, const facet *f, uint32_t n)
{
    assert_int_equal(m->nt, n);
    assert_facets_at(m, 0, f, n);
}

/* Welding merged equal corners: no two vertices of the mesh are at the same place. */
static void assert_distinct_vertices(const lw_mesh *m)
{
    for (uint32_t a = 0; a < m->nv; a++)
        for (uint32_t b = a + 1; b < m->nv; b++)
            assert_false(memcmp(m->xyz + 3 * (size_t)a, m->xyz + 3 * (size_t)b,
                                3 * sizeof(double)) == 0);
}

/* ------------------------------------------------------------------------------------------ */
/* Binary                                                                                     */

static void test_binary_tetrahedron(void **state)
{
    (void)state;
    facet f[4];
    tet_facets(f);
    size_t n;
    uint8_t *d = bin_stl("tetra by hand", 13, f, 4, 0, &n);
    assert_int_equal(n, 284);
    /* The float 1.0 is 00 00 80 3F little-endian: V1's x is the second vertex of facet 1. */
    static const uint8_t one[4] = {0x00, 0x00, 0x80, 0x3F};
    assert_memory_equal(d + 84 + 50 + 24, one, 4);
    lw_import imp;
    lw_err e;
    assert_int_equal(parse(d, n, &imp, &e), LW_OK);
    assert_int_equal(imp.format, LW_FORMAT_STL_BINARY);
    assert_string_equal(imp.header, "tetra by hand");
    assert_int_equal(imp.facets_in_file, 4);
    assert_int_equal(imp.nparts, 1);
    assert_null(imp.mesh.part);
    assert_int_equal(imp.mesh.nv, 4);
    assert_facets(&imp.mesh, f, 4);
    assert_memory_equal(imp.mesh.tri, k_tet_welded, sizeof k_tet_welded);
    assert_int_equal(imp.normals_wrong, 0);
    assert_int_equal(imp.normals_zero, 0);
    assert_true(imp.unit_mm == 0);
    lw_import_clear(&imp);
    lw_free(d);
}

static void test_binary_box(void **state)
{
    (void)state;
    facet f[12];
    box_facets(f);
    size_t n;
    uint8_t *d = bin_stl("", 0, f, 12, 0, &n);
    lw_import imp;
    lw_err e;
    assert_int_equal(parse(d, n, &imp, &e), LW_OK);
    assert_int_equal(imp.mesh.nv, 8);
    assert_facets(&imp.mesh, f, 12);
    assert_distinct_vertices(&imp.mesh);
    assert_string_equal(imp.header, "");
    lw_bbox bb = lw_mesh_bbox(&imp.mesh);
    assert_true(bb.min[0] == 0 && bb.min[1] == 0 && bb.min[2] == 0);
    assert_true(bb.max[0] == 2 && bb.max[1] == 3 && bb.max[2] == 4);
    assert_int_equal(imp.normals_wrong, 0);
    lw_import_clear(&imp);
    lw_free(d);
}

/* A binary header that starts with "solid" is still binary when the size matches. */
static void test_binary_solid_header(void **state)
{
    (void)state;
    facet f[4];
    tet_facets(f);
    char header[80];
    memset(header, ' ', sizeof header);
    memcpy(header, "solid tetra exported by a careless CAD", 38);
    size_t n;
    uint8_t *d = bin_stl(header, 80, f, 4, 0, &n);
    lw_import imp;
    lw_err e;
    assert_int_equal(parse(d, n, &imp, &e), LW_OK);
    assert_int_equal(imp.format, LW_FORMAT_STL_BINARY);
    assert_string_equal(imp.header, "solid tetra exported by a careless CAD");
    assert_facets(&imp.mesh, f, 4);
    lw_import_clear(&imp);
    /* The same through detection and lw_mesh_import. */
    lw_mesh_limits lim;
    lw_mesh_limits_default(&lim);
    assert_int_equal(lw_mesh_import(d, n, NULL, &lim, &imp, &e), LW_OK);
    assert_int_equal(imp.format, LW_FORMAT_STL_BINARY);
    assert_int_equal(imp.mesh.nt, 4);
    lw_import_clear(&imp);
    lw_free(d);
}

/* Materialise's "COLOR=" header with colour bytes, and colour in every attribute word. */
static void test_binary_color_header_and_attributes(void **state)
{
    (void)state;
    facet f[12];
    box_facets(f);
    uint8_t header[80];
    memset(header, 0, sizeof header);
    memcpy(header, "COLOR=\xff\x80\x10\x7f MATERIAL=\x01\x02\x03\x04   ", 27);
    size_t n;
    uint8_t *d = bin_stl(header, 80, f, 12, 0x8421, &n);
    lw_import imp;
    lw_err e;
    assert_int_equal(parse(d, n, &imp, &e), LW_OK);
    assert_string_equal(imp.header, "COLOR=???? MATERIAL=????");
    assert_facets(&imp.mesh, f, 12);
    assert_int_equal(imp.mesh.nv, 8);
    assert_int_equal(imp.normals_wrong, 0);
    lw_import_clear(&imp);
    lw_free(d);
}

/* admesh's rule: a stored normal is right when every component is within 0.001 of the unit
 * normal of the vertex order. */
static void corrupt_normals(facet *f)
{
    f[0].n[0] = f[0].n[1] = f[0].n[2] = 0; /* zero */
    f[1].n[0] = -0.0f;                     /* still right: -0 is 0 */
    f[3].n[2] = -f[3].n[2];                /* reversed: wrong */
    f[5].n[0] += 0.0015f;                  /* off by more than 0.001: wrong */
    f[7].n[0] += 0.0009f;                  /* off by less: right */
    f[9].n[0] *= 2;                        /* the right direction, not unit: wrong */
    f[10].n[1] = -0.0f;                    /* still right */
    f[11].n[0] = 0;
    f[11].n[1] = 0;
    f[11].n[2] = -0.0f; /* zero too */
}

static void test_binary_normals_counted(void **state)
{
    (void)state;
    facet f[12];
    box_facets(f);
    corrupt_normals(f);
    size_t n;
    uint8_t *d = bin_stl("", 0, f, 12, 0, &n);
    lw_import imp;
    lw_err e;
    assert_int_equal(parse(d, n, &imp, &e), LW_OK);
    assert_int_equal(imp.normals_zero, 2);
    assert_int_equal(imp.normals_wrong, 3);
    assert_facets(&imp.mesh, f, 12); /* normals never change the geometry */
    lw_import_clear(&imp);
    lw_free(d);
}

static void test_binary_empty_solid(void **state)
{
    (void)state;
    size_t n;
    uint8_t *d = bin_stl("nothing", 7, NULL, 0, 0, &n);
    lw_import imp;
    lw_err e;
    assert_int_equal(parse(d, n, &imp, &e), LW_OK);
    assert_int_equal(imp.mesh.nt, 0);
    assert_int_equal(imp.mesh.nv, 0);
    assert_int_equal(imp.nparts, 1);
    lw_import_clear(&imp);
    lw_free(d);
}

static void test_binary_errors(void **state)
{
    (void)state;
    facet f[4];
    tet_facets(f);
    size_t n;
    uint8_t *d = bin_stl("tetra", 5, f, 4, 0, &n);
    char want[200];

    expect_fail(d, 0, LW_EFORMAT, "empty");
    expect_fail(d, 10, LW_EFORMAT, "the file has 10 bytes, fewer than the 84");
    expect_fail(d, 83, LW_EFORMAT, "the file has 83 bytes");
    size_t cuts[] = {84, 84 + 25, 84 + 50, n - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        snprintf(want, sizeof want, "header claims 4 facets (284 bytes) but the file has %zu "
                 "bytes: truncated or not binary STL", cuts[i]);
        expect_fail(d, cuts[i], LW_EFORMAT, want);
    }
    /* A byte of junk appended. */
    uint8_t *longer = lw_calloc(n + 1, 1);
    memcpy(longer, d, n);
    expect_fail(longer, n + 1, LW_EFORMAT, "header claims 4 facets (284 bytes) but the file has "
                "285 bytes");
    lw_free(longer);

    /* One bit flipped in the count: 4 -> 4 + 256. */
    d[81] ^= 1;
    expect_fail(d, n, LW_EFORMAT, "header claims 260 facets (13084 bytes) but the file has 284");
    d[81] ^= 1;
    /* A count of a billion. */
    put_u32(d + 80, 1000000000u);
    expect_fail(d, n, LW_EFORMAT, "header claims 1000000000 facets (50000000084 bytes) but the "
                "file has 284 bytes");
    put_u32(d + 80, 0xFFFFFFFFu);
    expect_fail(d, n, LW_EFORMAT, "header claims 4294967295 facets (214748364834 bytes)");
    put_u32(d + 80, 4);

    /* NaN as the y of vertex 3 of facet 2 (byte 84 + 100 = 184; the coordinate at 184+12+28). */
    uint8_t keep[4];
    memcpy(keep, d + 184 + 12 + 28, 4);
    put_u32(d + 184 + 12 + 28, 0x7FC00000u);
    expect_fail(d, n, LW_EFORMAT, "facet 2 (byte 184): vertex 3 has a NaN y coordinate "
                "(byte 224)");
    memcpy(d + 184 + 12 + 28, keep, 4);
    /* Minus infinity as the x of vertex 1 of facet 0. */
    put_u32(d + 84 + 12, 0xFF800000u);
    expect_fail(d, n, LW_EFORMAT, "facet 0 (byte 84): vertex 1 has an infinite x coordinate");
    put_f32(d + 84 + 12, 0);
    /* A NaN in a stored normal is only a wrong normal. */
    put_u32(d + 84 + 50 + 4, 0x7FC00000u);
    lw_import imp;
    lw_err e;
    assert_int_equal(parse(d, n, &imp, &e), LW_OK);
    assert_int_equal(imp.normals_wrong, 1);
    lw_import_clear(&imp);

    /* Limits: facets before any allocation, vertices as they appear, file size. */
    lw_mesh_limits lim;
    lw_mesh_limits_default(&lim);
    lim.max_triangles = 3;
    expect_fail_lim(d, n, &lim, LW_ELIMIT, "the file holds 4 facets, more than the limit of 3");
    lw_mesh_limits_default(&lim);
    lim.max_vertices = 3;
    expect_fail_lim(d, n, &lim, LW_ELIMIT, "facet 1 (byte 134): more than 3 vertices");
    lw_mesh_limits_default(&lim);
    lim.max_file_bytes = 283;
    expect_fail_lim(d, n, &lim, LW_ELIMIT, "284 bytes is more than the limit of 283");
    lw_free(d);
}

/* A truncated binary file whose header starts with "solid" is reported as truncated binary,
 * not as broken ASCII. */
static void test_binary_solid_header_truncated(void **state)
{
    (void)state;
    facet f[4];
    tet_facets(f);
    size_t n;
    uint8_t *d = bin_stl("solid tetra", 11, f, 4, 0, &n);
    expect_fail(d, n - 7, LW_EFORMAT, "header claims 4 facets (284 bytes) but the file has 277");
    lw_free(d);
}

/* ------------------------------------------------------------------------------------------ */
/* ASCII                                                                                      */

static void test_ascii_tetrahedron_and_box(void **state)
{
    (void)state;
    facet t[4], b[12];
    tet_facets(t);
    box_facets(b);
    lw_buf buf;
    lw_buf_init(&buf, 0);
    ascii_solid(&buf, "tetra", t, 4, 0);
    lw_import imp;
    lw_err e;
    assert_int_equal(parse(buf.data, buf.len, &imp, &e), LW_OK);
    assert_int_equal(imp.format, LW_FORMAT_STL_ASCII);
    assert_string_equal(imp.header, "tetra");
    assert_int_equal(imp.nparts, 1);
    assert_string_equal(imp.part_names[0], "tetra");
    assert_int_equal(imp.facets_in_file, 4);
    assert_int_equal(imp.mesh.nv, 4);
    assert_facets(&imp.mesh, t, 4);
    assert_memory_equal(imp.mesh.tri, k_tet_welded, sizeof k_tet_welded);
    assert_int_equal(imp.normals_wrong, 0);
    lw_import_clear(&imp);

    lw_buf_reset(&buf);
    ascii_solid(&buf, "box 2x3x4", b, 12, 0);
    assert_int_equal(parse(buf.data, buf.len, &imp, &e), LW_OK);
    assert_string_equal(imp.part_names[0], "box 2x3x4");
    assert_int_equal(imp.mesh.nv, 8);
    assert_facets(&imp.mesh, b, 12);
    assert_distinct_vertices(&imp.mesh);
    lw_import_clear(&imp);
    lw_buf_clear(&buf);
}

/* Upper case, CRLF, tabs, no name, no endsolid, and leading blank lines. */
static void test_ascii_styles(void **state)
{
    (void)state;
    facet b[12];
    box_facets(b);
    int styles[] = {UPPER, CRLF, TABS, UPPER | CRLF | TABS, NO_END, CRLF | NO_END};
    for (size_t i = 0; i < sizeof styles / sizeof styles[0]; i++) {
        lw_buf buf;
        lw_buf_init(&buf, 0);
        assert_int_equal(lw_buf_puts(&buf, "\r\n  \n"), LW_OK);
        ascii_solid(&buf, i % 2 ? NULL : "Box", b, 12, styles[i]);
        lw_import imp;
        lw_err e;
        if (parse(buf.data, buf.len, &imp, &e))
            fail_msg("style %d: %s", styles[i], e.msg);
        assert_int_equal(imp.format, LW_FORMAT_STL_ASCII);
        assert_string_equal(imp.part_names[0], i % 2 ? "" : "Box");
        assert_facets(&imp.mesh, b, 12);
        assert_int_equal(imp.mesh.nv, 8);
        lw_import_clear(&imp);
        lw_buf_clear(&buf);
    }
}

static void test_ascii_two_solids(void **state)
{
    (void)state;
    facet t[4], b[12];
    tet_facets(t);
    box_facets(b);
    for (int i = 0; i < 12; i++)
        for (int c = 0; c < 3; c++)
            b[i].v[3 * c] += 10; /* shares no corner with the tetrahedron */
    lw_buf buf;
    lw_buf_init(&buf, 0);
    ascii_solid(&buf, "stone", t, 4, 0);
    ascii_solid(&buf, "shank \xc3\xa9", b, 12, 0);
    lw_import imp;
    lw_err e;
    assert_int_equal(parse(buf.data, buf.len, &imp, &e), LW_OK);
    assert_int_equal(imp.nparts, 2);
    assert_string_equal(imp.part_names[0], "stone");
    assert_string_equal(imp.part_names[1], "shank \xc3\xa9");
    assert_string_equal(imp.header, "stone");
    assert_int_equal(imp.mesh.nt, 16);
    assert_int_equal(imp.mesh.nv, 12);
    for (uint32_t f = 0; f < 16; f++)
        assert_int_equal(lw_mesh_part(&imp.mesh, f), f < 4 ? 0 : 1);
    assert_facets_at(&imp.mesh, 0, t, 4);
    assert_facets_at(&imp.mesh, 4, b, 12);
    assert_int_equal(imp.facets_in_file, 16);
    lw_import_clear(&imp);
    lw_buf_clear(&buf);
}

static void test_ascii_normals_counted(void **state)
{
    (void)state;
    facet f[12];
    box_facets(f);
    corrupt_normals(f);
    lw_buf buf;
    lw_buf_init(&buf, 0);
    ascii_solid(&buf, "box", f, 12, 0);
    lw_import imp;
    lw_err e;
    assert_int_equal(parse(buf.data, buf.len, &imp, &e), LW_OK);
    assert_int_equal(imp.normals_zero, 2);
    assert_int_equal(imp.normals_wrong, 3);
    lw_import_clear(&imp);
    lw_buf_clear(&buf);
}

static void test_ascii_errors(void **state)
{
    (void)state;
    static const char head[] = "solid t\n"               /* 1 */
                               "facet normal 0 0 -1\n"   /* 2 */
                               "  outer loop\n"          /* 3 */
                               "    vertex 0 0 0\n";     /* 4 */
    char text[512];
#define CASE(tail, rc, where)                                                                      \
    do {                                                                                           \
        int len_ = snprintf(text, sizeof text, "%s%s", head, tail);                              \
        expect_fail(text, (size_t)len_, rc, where);                                              \
    } while (0)
    CASE("    vertx 0 1 0\n", LW_EFORMAT, "line 5: expected 'vertex', found 'vertx'");
    CASE("    vertex 0 1 0\n    vertex 1 0 0\n", LW_EFORMAT,
         "line 6: the file ends inside facet 0");
    CASE("    vertex 0 1\n", LW_EFORMAT, "line 5: the file ends inside facet 0");
    CASE("    vertex 0 1 0\n    vertex 1 nan 0\n", LW_EFORMAT,
         "line 6: vertex 3 of facet 0 has a NaN coordinate");
    CASE("    vertex 0 1 0\n\n    vertex 1 0 -inf\n", LW_EFORMAT,
         "line 7: vertex 3 of facet 0 has an infinite coordinate");
    CASE("    vertex 0 1e999 0\n", LW_EFORMAT, "line 5: vertex 2 of facet 0 has an infinite");
    CASE("    vertex 0 1,5 0\n", LW_EFORMAT, "line 5: expected a number, found '1,5'");
    CASE("    vertex 0 1 0\n    vertex 1 0 0\n  endloop\nendfacet\nfacet normal 0 0 1\nouter "
         "loop\nvertex 0 0 0\nvertex 1 0 0\nvertex 0 1 0\nvertex 1 1 0\n",
         LW_EFORMAT, "line 14: expected 'endloop', found 'vertex'");
    CASE("    vertex 0 1 0\n    vertex 1 0 0\n  endloop\nendfacet\nfacet normal 0 0 1\n"
         "  outer loop\n", LW_EFORMAT, "line 10: the file ends inside facet 1");
    CASE("    vertex 0 1 0\n    vertex 1 0 0\n  endloop\nendfacet\n  bogus\n", LW_EFORMAT,
         "line 9: expected 'facet' or 'endsolid', found 'bogus'");
    CASE("    vertex 0 1 0\n    vertex 1 0 0\n  endloop\nendfacet\nendsolid t\nfacet\n",
         LW_EFORMAT, "line 10: expected 'solid', found 'facet'");
#undef CASE
    static const char ctl[] = "solid x\nfacet normal 0 0 1 outer loop vertex \x01\x02 0 0";
    expect_fail(ctl, sizeof ctl - 1, LW_EFORMAT, "line 2: expected a number, found '?" "?'");
    expect_fail("   \n\t\r\n", 7, LW_EFORMAT, "the file has 7 bytes");

    /* Overlong lines: the limit applies to every line, even inside a facet. */
    lw_mesh_limits lim;
    lw_mesh_limits_default(&lim);
    lim.max_line_bytes = 20;
    int n = snprintf(text, sizeof text, "%s    vertex 0.000000000001 0 0\n", head);
    expect_fail_lim(text, (size_t)n, &lim, LW_ELIMIT, "line 5: longer than the limit of 20 bytes");
    n = snprintf(text, sizeof text, "solid a name far longer than twenty bytes\n");
    expect_fail_lim(text, (size_t)n, &lim, LW_ELIMIT, "line 1: longer than the limit");

    /* Facet, vertex and solid limits. */
    facet t[4];
    tet_facets(t);
    lw_buf buf;
    lw_buf_init(&buf, 0);
    ascii_solid(&buf, "a", t, 4, 0);
    ascii_solid(&buf, "b", t, 4, 0);
    lw_mesh_limits_default(&lim);
    lim.max_triangles = 5;
    expect_fail_lim(buf.data, buf.len, &lim, LW_ELIMIT, "line 39: more than 5 facets");
    lw_mesh_limits_default(&lim);
    lim.max_vertices = 3;
    expect_fail_lim(buf.data, buf.len, &lim, LW_ELIMIT, "line 13: more than 3 vertices");
    lw_mesh_limits_default(&lim);
    lim.max_parts = 1;
    expect_fail_lim(buf.data, buf.len, &lim, LW_ELIMIT, "line 31: more than 1 solids");
    lw_buf_clear(&buf);
}

/* ------------------------------------------------------------------------------------------ */
/* Writer                                                                                     */

/* A torus with coordinates rounded to float32 and welded, so vertex order is first use: what a
 * binary STL of it must read back as, bit for bit. */
static void float_torus(lw_mesh *m)
{
    lw_mesh_init(m);
    assert_int_equal(lw_shape_torus(m, 9.5, 1.25, 48, 16), LW_OK);
    for (size_t i = 0; i < 3 * (size_t)m->nv; i++)
        m->xyz[i] = (float)m->xyz[i];
    assert_int_equal(lw_mesh_weld(m), LW_OK);
}

static void test_write_round_trip(void **state)
{
    (void)state;
    lw_mesh m;
    float_torus(&m);
    lw_buf out;
    lw_buf_init(&out, 0);
    assert_int_equal(lw_buf_puts(&out, "prefix"), LW_OK); /* the writer appends */
    lw_err e;
    lw_err_clear(&e);
    assert_int_equal(lw_stl_write_binary(&m, "torus 9.5 x 1.25", &out, &e), LW_OK);
    assert_int_equal(out.len, 6 + 84 + 50 * (size_t)m.nt);
    const uint8_t *d = out.data + 6;
    assert_memory_equal(d, "torus 9.5 x 1.25    ", 20);
    for (size_t i = 16; i < 80; i++)
        assert_int_equal(d[i], ' ');
    for (uint32_t f = 0; f < m.nt; f++)
        assert_true(d[84 + 50 * (size_t)f + 48] == 0 && d[84 + 50 * (size_t)f + 49] == 0);

    lw_import imp;
    assert_int_equal(parse(d, out.len - 6, &imp, &e), LW_OK);
    assert_int_equal(imp.format, LW_FORMAT_STL_BINARY);
    assert_string_equal(imp.header, "torus 9.5 x 1.25");
    assert_int_equal(imp.mesh.nv, m.nv);
    assert_int_equal(imp.mesh.nt, m.nt);
    assert_memory_equal(imp.mesh.xyz, m.xyz, 3 * (size_t)m.nv * sizeof(double));
    assert_memory_equal(imp.mesh.tri, m.tri, 3 * (size_t)m.nt * sizeof(uint32_t));
    /* The normals written are the recomputed ones. */
    assert_int_equal(imp.normals_wrong, 0);
    assert_int_equal(imp.normals_zero, 0);
    lw_import_clear(&imp);
    lw_buf_clear(&out);
    lw_mesh_clear(&m);
}

static void test_write_header_rules(void **state)
{
    (void)state;
    lw_mesh m;
    lw_mesh_init(&m);
    facet t[4];
    tet_facets(t);
    for (int v = 0; v < 4; v++)
        assert_int_equal(lw_mesh_add_vertex(&m, k_tet_v[v][0], k_tet_v[v][1], k_tet_v[v][2],
                                            NULL), LW_OK);
    for (int f = 0; f < 4; f++)
        assert_int_equal(lw_mesh_add_tri(&m, (uint32_t)k_tet_t[f][0], (uint32_t)k_tet_t[f][1],
                                         (uint32_t)k_tet_t[f][2], 0), LW_OK);
    lw_buf out;
    lw_buf_init(&out, 0);
    lw_err e;
    lw_err_clear(&e);
    assert_int_equal(lw_stl_write_binary(&m, "  Solid tetra", &out, &e), LW_OK);
    assert_int_equal(out.len, 284);
    assert_memory_equal(out.data, "lostwax:   Solid tetra ", 23);
    lw_import imp;
    assert_int_equal(parse(out.data, out.len, &imp, &e), LW_OK);
    assert_int_equal(imp.format, LW_FORMAT_STL_BINARY);
    assert_facets(&imp.mesh, t, 4);
    /* Stored normals are the unit normals of the hand-worked facets. */
    for (int f = 0; f < 4; f++)
        for (int k = 0; k < 3; k++) {
            float x;
            uint32_t u = (uint32_t)out.data[84 + 50 * f + 4 * k] |
                         (uint32_t)out.data[85 + 50 * f + 4 * k] << 8 |
                         (uint32_t)out.data[86 + 50 * f + 4 * k] << 16 |
                         (uint32_t)out.data[87 + 50 * f + 4 * k] << 24;
            memcpy(&x, &u, sizeof x);
            assert_true(fabsf(x - k_tet_n[f][k]) < 1e-7f);
        }
    lw_import_clear(&imp);

    /* A header longer than 80 bytes is cut at 80. */
    lw_buf_reset(&out);
    char longh[120];
    memset(longh, 'h', sizeof longh - 1);
    longh[sizeof longh - 1] = 0;
    assert_int_equal(lw_stl_write_binary(&m, longh, &out, &e), LW_OK);
    assert_int_equal(out.len, 284);
    assert_memory_equal(out.data, longh, 80);

    /* A coordinate beyond float32 is refused and the buffer is left as it was. */
    lw_buf_reset(&out);
    assert_int_equal(lw_buf_puts(&out, "keep"), LW_OK);
    m.xyz[4] = 1e300;
    assert_int_equal(lw_stl_write_binary(&m, NULL, &out, &e), LW_EINVAL);
    assert_non_null(strstr(e.msg, "vertex 1 has a coordinate"));
    assert_int_equal(out.len, 4);
    assert_string_equal((char *)out.data, "keep");

    /* A buffer limit too small: LW_ELIMIT, nothing appended. */
    m.xyz[4] = 0;
    lw_buf small;
    lw_buf_init(&small, 200);
    lw_err_clear(&e);
    assert_int_equal(lw_stl_write_binary(&m, NULL, &small, &e), LW_ELIMIT);
    assert_int_equal(small.len, 0);
    lw_buf_clear(&small);
    lw_buf_clear(&out);
    lw_mesh_clear(&m);
}

/* ------------------------------------------------------------------------------------------ */
/* Allocation failures                                                                        */

typedef struct blob {
    const void *d;
    size_t n;
} blob;

static int parse_once(void *ctx)
{
    blob *b = ctx;
    lw_import imp;
    lw_err e;
    lw_rc rc = parse(b->d, b->n, &imp, &e);
    if (rc) {
        assert_int_equal(rc, LW_ENOMEM);
        assert_int_equal(imp.nparts, 0);
        assert_null(imp.mesh.xyz);
        assert_null(imp.mesh.tri);
    }
    lw_import_clear(&imp);
    return rc;
}

static int write_once(void *ctx)
{
    const lw_mesh *m = ctx;
    lw_buf out;
    lw_buf_init(&out, 0);
    lw_err e;
    lw_err_clear(&e);
    lw_rc rc = lw_stl_write_binary(m, "x", &out, &e);
    if (rc)
        assert_int_equal(rc, LW_ENOMEM);
    lw_buf_clear(&out);
    return rc;
}

static void test_alloc_torture(void **state)
{
    (void)state;
    facet f[12];
    box_facets(f);
    size_t n;
    uint8_t *d = bin_stl("", 0, f, 12, 0, &n);
    blob b = {d, n};
    assert_true(lwt_alloc_torture(parse_once, &b) > 2);
    lw_free(d);

    lw_buf buf;
    lw_buf_init(&buf, 0);
    ascii_solid(&buf, "a", f, 12, 0);
    ascii_solid(&buf, "b", f, 4, 0);
    b.d = buf.data;
    b.n = buf.len;
    assert_true(lwt_alloc_torture(parse_once, &b) > 3);
    lw_buf_clear(&buf);

    lw_mesh m;
    float_torus(&m);
    assert_true(lwt_alloc_torture(write_once, &m) > 0);
    lw_mesh_clear(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_binary_tetrahedron),
        cmocka_unit_test(test_binary_box),
        cmocka_unit_test(test_binary_solid_header),
        cmocka_unit_test(test_binary_color_header_and_attributes),
        cmocka_unit_test(test_binary_normals_counted),
        cmocka_unit_test(test_binary_empty_solid),
        cmocka_unit_test(test_binary_errors),
        cmocka_unit_test(test_binary_solid_header_truncated),
        cmocka_unit_test(test_ascii_tetrahedron_and_box),
        cmocka_unit_test(test_ascii_styles),
        cmocka_unit_test(test_ascii_two_solids),
        cmocka_unit_test(test_ascii_normals_counted),
        cmocka_unit_test(test_ascii_errors),
        cmocka_unit_test(test_write_round_trip),
        cmocka_unit_test(test_write_header_rules),
        cmocka_unit_test(test_alloc_torture),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
