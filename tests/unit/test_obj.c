/* Tests of the OBJ reader and writer (src/geom/obj.c) on text written here: a tetrahedron and a
 * box whose welded indices are worked out by hand, every face-corner form, relative indices,
 * n-gons, groups with non-UTF-8 names, line continuation, unit comments, each error with its
 * line, and bit-exact round trips through the writer. */
#include "lwtest.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "geom/import.h"
#include "geom/mesh.h"
#include "geom/obj.h"
#include "geom/shapes.h"
#include "geom/weld.h"

/* The unit right tetrahedron (V1 +x, V2 +y, V3 +z), faces counter-clockwise from outside. After
 * welding vertices are numbered by first use, V0 V2 V1 V3 -> 0 1 2 3. */
static const double k_tet_v[4][3] = {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
static const uint32_t k_tet_welded[4][3] = {{0, 1, 2}, {0, 2, 3}, {0, 3, 1}, {2, 1, 3}};
#define TET_V "v 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\n"
#define TET_F "f 1 3 2\nf 1 2 4\nf 1 4 3\nf 2 3 4\n"

static lw_rc parse_lim(const char *text, size_t n, const lw_mesh_limits *lim, lw_import *imp,
                       lw_err *e)
{
    lw_import_init(imp);
    lw_err_clear(e);
    return lw_obj_parse((const uint8_t *)text, n, lim, imp, e);
}

static lw_rc parse_n(const char *text, size_t n, lw_import *imp, lw_err *e)
{
    lw_mesh_limits lim;
    lw_mesh_limits_default(&lim);
    return parse_lim(text, n, &lim, imp, e);
}

static lw_rc parse(const char *text, lw_import *imp, lw_err *e)
{
    return parse_n(text, strlen(text), imp, e);
}

static void expect_fail_lim(const char *text, size_t n, const lw_mesh_limits *lim, lw_rc rc,
                            const char *where)
{
    lw_import imp;
    lw_err e;
    lw_rc got = parse_lim(text, n, lim, &imp, &e);
    if (got != rc || !strstr(e.msg, where))
        fail_msg("expected %s containing \"%s\", got %s: \"%s\"", lw_rc_name(rc), where,
                 lw_rc_name(got), e.msg);
    assert_int_equal(imp.nparts, 0);
    assert_int_equal(imp.mesh.nv, 0);
    assert_int_equal(imp.mesh.nt, 0);
    assert_null(imp.mesh.xyz);
    assert_null(imp.part_names);
    lw_import_clear(&imp);
}

static void expect_fail(const char *text, lw_rc rc, const char *where)
{
    lw_mesh_limits lim;
    lw_mesh_limits_default(&lim);
    expect_fail_lim(text, strlen(text), &lim, rc, where);
}

/* The import is the hand-welded tetrahedron. */
static void assert_tetra(const lw_import *imp)
{
    assert_int_equal(imp->mesh.nv, 4);
    assert_int_equal(imp->mesh.nt, 4);
    assert_memory_equal(imp->mesh.tri, k_tet_welded, sizeof k_tet_welded);
    static const int order[4] = {0, 2, 1, 3}; /* welded vertex i is file vertex order[i] */
    for (int v = 0; v < 4; v++)
        for (int k = 0; k < 3; k++)
            assert_true(imp->mesh.xyz[3 * v + k] == k_tet_v[order[v]][k]);
}

static void test_tetrahedron(void **state)
{
    (void)state;
    lw_import imp;
    lw_err e;
    assert_int_equal(parse("# a tetrahedron\n" TET_V TET_F, &imp, &e), LW_OK);
    assert_int_equal(imp.format, LW_FORMAT_OBJ);
    assert_tetra(&imp);
    assert_int_equal(imp.nparts, 1);
    assert_string_equal(imp.part_names[0], "");
    assert_null(imp.mesh.part);
    assert_int_equal(imp.facets_in_file, 4);
    assert_int_equal(imp.ngons_split, 0);
    assert_true(imp.unit_mm == 0);
    assert_string_equal(imp.unit_decl, "");
    lw_import_clear(&imp);
}

/* A 2 x 3 x 4 box of quads: each quad (a b c d) fans into (a b c) and (a c d). */
static void test_box_of_quads(void **state)
{
    (void)state;
    static const int quads[6][4] = {{0, 2, 3, 1}, {4, 5, 7, 6}, {0, 1, 5, 4},
                                    {2, 6, 7, 3}, {0, 4, 6, 2}, {1, 3, 7, 5}};
    lw_buf b;
    lw_buf_init(&b, 0);
    for (int i = 0; i < 8; i++)
        assert_int_equal(lw_buf_printf(&b, "v %d %d %d\n", 2 * (i & 1), 3 * ((i >> 1) & 1),
                                       4 * (i >> 2)), LW_OK);
    for (int q = 0; q < 6; q++)
        assert_int_equal(lw_buf_printf(&b, "f %d %d %d %d\n", quads[q][0] + 1, quads[q][1] + 1,
                                       quads[q][2] + 1, quads[q][3] + 1), LW_OK);
    lw_import imp;
    lw_err e;
    assert_int_equal(parse_n((char *)b.data, b.len, &imp, &e), LW_OK);
    assert_int_equal(imp.mesh.nv, 8);
    assert_int_equal(imp.mesh.nt, 12);
    assert_int_equal(imp.facets_in_file, 6);
    assert_int_equal(imp.ngons_split, 6);
    for (int q = 0; q < 6; q++) {
        const int fan[2][3] = {{quads[q][0], quads[q][1], quads[q][2]},
                               {quads[q][0], quads[q][2], quads[q][3]}};
        for (int h = 0; h < 2; h++)
            for (int c = 0; c < 3; c++) {
                const double *p = imp.mesh.xyz + 3 * imp.mesh.tri[3 * (2 * q + h) + c];
                int k = fan[h][c];
                assert_true(p[0] == 2 * (k & 1) && p[1] == 3 * ((k >> 1) & 1) &&
                            p[2] == 4 * (k >> 2));
            }
    }
    /* Each of the 8 corners is its own vertex. */
    for (uint32_t a = 0; a < 8; a++)
        for (uint32_t c = a + 1; c < 8; c++)
            assert_false(memcmp(imp.mesh.xyz + 3 * a, imp.mesh.xyz + 3 * c, 24) == 0);
    lw_import_clear(&imp);
    lw_buf_clear(&b);
}

static void test_pentagon(void **state)
{
    (void)state;
    lw_import imp;
    lw_err e;
    assert_int_equal(parse("v 0 0 0\nv 2 0 0\nv 3 2 0\nv 1 3 0\nv -1 2 0\nf 1 2 3 4 5\n", &imp,
                           &e), LW_OK);
    static const uint32_t fan[9] = {0, 1, 2, 0, 2, 3, 0, 3, 4};
    assert_int_equal(imp.mesh.nt, 3);
    assert_memory_equal(imp.mesh.tri, fan, sizeof fan);
    assert_true(imp.mesh.xyz[3 * 4] == -1 && imp.mesh.xyz[3 * 4 + 1] == 2);
    assert_int_equal(imp.ngons_split, 1);
    assert_int_equal(imp.facets_in_file, 1);
    lw_import_clear(&imp);
}

/* i, i/t, i//n, i/t/n and a trailing slash all name the same vertex; vt, vn, s, usemtl, mtllib,
 * l and p are ignored. */
static void test_corner_forms(void **state)
{
    (void)state;
    lw_import imp;
    lw_err e;
    assert_int_equal(parse("mtllib ring.mtl\n" TET_V "vt 0 0\nvt 1 0\nvt 0 1\nvt 1 1\n"
                           "vn 0 0 1\nvn 0 1 0\nvn 1 0 0\nvn 1 1 1\ns off\nusemtl gold\n"
                           "f 1/1/1 3/2/2 2/3/3\nf 1//1 2//2 4//4\nl 1 2\np 3\n"
                           "f 1/1 4/2 3/3\nf 2/ 3/4/ 4 # a trailing comment\n",
                           &imp, &e), LW_OK);
    assert_tetra(&imp);
    lw_import_clear(&imp);
}

static void test_negative_indices(void **state)
{
    (void)state;
    lw_import imp;
    lw_err e;
    assert_int_equal(parse(TET_V "f -4 -2 -3\nf -4 -3 -1\nf -4 -1 -2\nf -3 -2 -1\n", &imp, &e),
                     LW_OK);
    assert_tetra(&imp);
    lw_import_clear(&imp);
    /* Relative to the vertices defined so far, not to the whole file. */
    assert_int_equal(parse("v 0 0 0\nv 1 0 0\nv 0 1 0\nf -3 -1 -2\nv 0 0 1\nf -4 -3 -1\n"
                           "f 1 -1 3\nf -3 3 4\n", &imp, &e), LW_OK);
    assert_tetra(&imp);
    lw_import_clear(&imp);
}

/* Objects and groups become parts named by the bytes of the file; a group named again later
 * continues its part; comments hold any bytes, NUL included. */
static void test_groups(void **state)
{
    (void)state;
    static const char text[] = "# bytes: \xff\xfe\x80 and a NUL \0 in a comment\n"
                               TET_V
                               "v 10 0 0\nv 11 0 0\nv 10 1 0\nv 10 0 1\n"
                               "f 1 3 2\n"
                               "g ring\xe9\n"
                               "f 1 2 4\n"
                               "o  stone \xc0\xaf \t\n"
                               "f 5 7 6\n"
                               "g ring\xe9\n"
                               "f 1 4 3\n"
                               "g unused\n"
                               "g ring\xe9\n"
                               "f 2 3 4\n";
    lw_import imp;
    lw_err e;
    assert_int_equal(parse_n(text, sizeof text - 1, &imp, &e), LW_OK);
    assert_int_equal(imp.nparts, 3);
    assert_string_equal(imp.part_names[0], "");
    assert_string_equal(imp.part_names[1], "ring\xe9");
    assert_string_equal(imp.part_names[2], "stone \xc0\xaf");
    static const uint32_t parts[5] = {0, 1, 2, 1, 1};
    assert_int_equal(imp.mesh.nt, 5);
    for (uint32_t f = 0; f < 5; f++)
        assert_int_equal(lw_mesh_part(&imp.mesh, f), parts[f]);
    /* Facet 2 is the translated copy: its first corner is (10, 0, 0). */
    assert_true(imp.mesh.xyz[3 * imp.mesh.tri[6]] == 10);
    assert_int_equal(imp.mesh.nv, 7); /* file vertex 8, (10, 0, 1), is never used */
    lw_import_clear(&imp);
}

static void test_crlf_and_continuation(void **state)
{
    (void)state;
    lw_import imp;
    lw_err e;
    assert_int_equal(parse("v 0 0 0\r\nv 1 0 \\\r\n 0\r\nv 0 1 0\r\nv 0 0 1\r\n"
                           "f 1 3 \\\r\n2\r\nf 1 2 4\r\nf 1 4 3\r\nf\\\n 2 3 4",
                           &imp, &e), LW_OK);
    assert_tetra(&imp);
    lw_import_clear(&imp);
    /* A comment ending in a backslash does not swallow the next line. */
    assert_int_equal(parse("# saved to C:\\models\\\n" TET_V TET_F, &imp, &e), LW_OK);
    assert_tetra(&imp);
    lw_import_clear(&imp);
    /* A file ending on a backslash. */
    assert_int_equal(parse(TET_V TET_F "f 1 2 3 \\", &imp, &e), LW_OK);
    assert_int_equal(imp.mesh.nt, 5);
    lw_import_clear(&imp);
    /* The statement's line is its first physical line. */
    expect_fail("v 0 0 0\nf 1 \\\n 2 \\\n 3\n", LW_EFORMAT,
                "line 2: face corner 2 refers to vertex 2, but only 1 vertices are defined");
    expect_fail("v 0 0 0\r\nv 1 0 0\r\nv 0 1 0\r\n\r\nf 1 2 3 4\r\n", LW_EFORMAT,
                "line 5: face corner 4 refers to vertex 4");
}

static void test_units(void **state)
{
    (void)state;
    static const struct {
        const char *comment;
        double mm;
        const char *decl;
    } cases[] = {
        {"# units: cm\n", 10, "cm"},
        {"# Units millimeters\n", 1, "millimeters"},
        {"#unit=inch\n", 25.4, "inch"},
        {"# File units: Meters.\n", 1000, "Meters"},
        {"  # UNITS = um\n", 0.001, "um"},
        {"# units: cm\n# units: mm\n", 10, "cm"},
        {"# unit cell of a lattice\n", 0, ""},
        {"# made in units of love\n", 0, ""},
        {"# the unit is not declared here: units\n", 0, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[256];
        snprintf(text, sizeof text, "%s" TET_V TET_F, cases[i].comment);
        lw_import imp;
        lw_err e;
        assert_int_equal(parse(text, &imp, &e), LW_OK);
        if (imp.unit_mm != cases[i].mm || strcmp(imp.unit_decl, cases[i].decl) != 0)
            fail_msg("\"%s\": got %g \"%s\"", cases[i].comment, imp.unit_mm, imp.unit_decl);
        assert_tetra(&imp); /* declared, never applied */
        lw_import_clear(&imp);
    }
}

static void test_errors(void **state)
{
    (void)state;
#define THREE "v 0 0 0\nv 1 0 0\nv 0 1 0\n"
    expect_fail(THREE "f 1 2 4\n", LW_EFORMAT,
                "line 4: face corner 3 refers to vertex 4, but only 3 vertices are defined");
    expect_fail(THREE "f 1 0 2\n", LW_EFORMAT, "line 4: face corner 2 refers to vertex 0");
    expect_fail(THREE "f -1 -2 -4\n", LW_EFORMAT,
                "line 4: face corner 3 refers to vertex -4 (counted back), but only 3");
    expect_fail(THREE "f 99999999999999999999 1 2\n", LW_EFORMAT, "line 4: face corner 1");
    expect_fail(THREE "f 1 2\n", LW_EFORMAT, "line 4: a face needs at least 3 corners, this one "
                "has 2");
    expect_fail(THREE "\n\nf\n", LW_EFORMAT, "line 6: a face needs at least 3 corners, this one "
                "has 0");
    expect_fail(THREE "f 1 2 # 3\n", LW_EFORMAT, "line 4: a face needs at least 3 corners");
    expect_fail(THREE "f 1/x 2 3\n", LW_EFORMAT, "line 4: face corner 1 ('1/x') is not a vertex "
                "reference");
    expect_fail(THREE "f 1 2/1/1/1 3\n", LW_EFORMAT, "line 4: face corner 2 ('2/1/1/1')");
    expect_fail(THREE "f 1 2 three\n", LW_EFORMAT, "line 4: face corner 3 ('three')");
    expect_fail("v 0 nan 0\n", LW_EFORMAT, "line 1: coordinate 2 of the vertex is NaN");
    expect_fail(THREE "v -inf 0 0\n", LW_EFORMAT, "line 4: coordinate 1 of the vertex is "
                "infinite");
    expect_fail("v 0 0 1e400\n", LW_EFORMAT, "line 1: coordinate 3 of the vertex is infinite");
    expect_fail("v 0 0 x\n", LW_EFORMAT, "line 1: coordinate 3 of the vertex is not a number: "
                "'x'");
    expect_fail("v 1 2\n", LW_EFORMAT, "line 1: a vertex needs 3 coordinates, this one has 2");
    expect_fail("v 1 2 # 3\n", LW_EFORMAT, "line 1: a vertex needs 3 coordinates");
    expect_fail("", LW_EFORMAT, "empty");
    expect_fail("# only a comment\nvt 0 0\n", LW_EFORMAT, "not OBJ");

    lw_mesh_limits lim;
    lw_mesh_limits_default(&lim);
    lim.max_line_bytes = 16;
    const char *t = "v 0 0 0\nv 0.00000000000001 0 0\n";
    expect_fail_lim(t, strlen(t), &lim, LW_ELIMIT, "line 2: longer than the limit of 16 bytes");
    t = "v 0.000001 \\\n 0.000002 \\\n 0\n";
    expect_fail_lim(t, strlen(t), &lim, LW_ELIMIT, "line 1: a statement continued with "
                    "backslashes is longer than the limit of 16 bytes");
    /* Long comments count too: the limit bounds the work per line. */
    t = "# a comment longer than sixteen bytes\n";
    expect_fail_lim(t, strlen(t), &lim, LW_ELIMIT, "line 1: longer than the limit");

    t = TET_V TET_F;
    lw_mesh_limits_default(&lim);
    lim.max_vertices = 3;
    expect_fail_lim(t, strlen(t), &lim, LW_ELIMIT, "line 4: more than 3 vertices");
    lw_mesh_limits_default(&lim);
    lim.max_triangles = 3;
    expect_fail_lim(t, strlen(t), &lim, LW_ELIMIT, "line 8: more than 3 triangles");
    lw_mesh_limits_default(&lim);
    lim.max_file_bytes = 10;
    expect_fail_lim(t, strlen(t), &lim, LW_ELIMIT, "bytes is more than the limit of 10 bytes");
    lw_mesh_limits_default(&lim);
    lim.max_parts = 2;
    t = TET_V "g a\nf 1 2 3\ng b\nf 1 2 3\ng a\nf 1 2 3\ng c\nf 1 2 3\n";
    expect_fail_lim(t, strlen(t), &lim, LW_ELIMIT, "line 12: more than 2 objects and groups");
#undef THREE
}

/* ------------------------------------------------------------------------------------------ */
/* Writer                                                                                     */

/* A torus (part 0) and a sphere moved by awkward amounts (part 1), welded: coordinates that
 * need all 17 digits, vertex order by first use, so a round trip must be exact. */
static void two_parts(lw_mesh *m)
{
    lw_mesh_init(m);
    lw_mesh s;
    lw_mesh_init(&s);
    assert_int_equal(lw_shape_torus(m, 9.5, 1.25, 40, 12), LW_OK);
    assert_int_equal(lw_shape_sphere(&s, 1.6, 16, 8), LW_OK);
    lw_mesh_translate(&s, 0.1, 1.0 / 3.0, 11.000000000000002);
    assert_int_equal(lw_mesh_append(m, &s, 1), LW_OK);
    lw_mesh_clear(&s);
    assert_int_equal(lw_mesh_weld(m), LW_OK);
}

static void test_write_round_trip(void **state)
{
    (void)state;
    lw_mesh m;
    two_parts(&m);
    const char *names[2] = {"band", "stone \xe9"};
    lw_buf out;
    lw_buf_init(&out, 0);
    lw_err e;
    lw_err_clear(&e);
    assert_int_equal(lw_obj_write(&m, names, 2, &out, &e), LW_OK);
    assert_true(strncmp((char *)out.data, "# lostwax\n# units: mm\n", 22) == 0);
    assert_non_null(strstr((char *)out.data, "\no band\nf "));
    assert_non_null(strstr((char *)out.data, "\no stone \xe9\nf "));
    lw_import imp;
    assert_int_equal(parse_n((char *)out.data, out.len, &imp, &e), LW_OK);
    assert_true(imp.unit_mm == 1);
    assert_string_equal(imp.unit_decl, "mm");
    assert_int_equal(imp.mesh.nv, m.nv);
    assert_int_equal(imp.mesh.nt, m.nt);
    for (size_t i = 0; i < 3 * (size_t)m.nv; i++)
        if (imp.mesh.xyz[i] != m.xyz[i])
            fail_msg("coordinate %zu: wrote %.17g, read %.17g", i, m.xyz[i], imp.mesh.xyz[i]);
    assert_memory_equal(imp.mesh.tri, m.tri, 3 * (size_t)m.nt * sizeof(uint32_t));
    for (uint32_t f = 0; f < m.nt; f++)
        assert_int_equal(lw_mesh_part(&imp.mesh, f), lw_mesh_part(&m, f));
    assert_int_equal(imp.nparts, 2);
    assert_string_equal(imp.part_names[0], "band");
    assert_string_equal(imp.part_names[1], "stone \xe9");
    lw_import_clear(&imp);
    lw_buf_clear(&out);
    lw_mesh_clear(&m);
}

static void test_write_names_and_errors(void **state)
{
    (void)state;
    lw_mesh m;
    lw_mesh_init(&m);
    for (int v = 0; v < 4; v++)
        assert_int_equal(lw_mesh_add_vertex(&m, k_tet_v[v][0], k_tet_v[v][1], k_tet_v[v][2],
                                            NULL), LW_OK);
    /* Parts out of order in the mesh: the file groups them, part by part. */
    assert_int_equal(lw_mesh_add_tri(&m, 0, 2, 1, 3), LW_OK);
    assert_int_equal(lw_mesh_add_tri(&m, 0, 1, 3, 0), LW_OK);
    assert_int_equal(lw_mesh_add_tri(&m, 0, 3, 2, 3), LW_OK);
    assert_int_equal(lw_mesh_add_tri(&m, 1, 2, 3, 1), LW_OK);
    const char *names[2] = {"line\nbreak", ""};
    lw_buf out;
    lw_buf_init(&out, 0);
    lw_err e;
    lw_err_clear(&e);
    assert_int_equal(lw_obj_write(&m, names, 2, &out, &e), LW_OK);
    static const char want[] = "# lostwax\n# units: mm\n"
                               "v 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\n"
                               "o line_break\nf 1 2 4\n"
                               "o part-1\nf 2 3 4\n"
                               "o part-3\nf 1 3 2\nf 1 4 3\n";
    assert_int_equal(out.len, sizeof want - 1);
    assert_memory_equal(out.data, want, sizeof want - 1);

    /* A name ending in a backslash must not continue the line. */
    lw_buf_reset(&out);
    const char *bs[1] = {"dir\\"};
    assert_int_equal(lw_obj_write(&m, bs, 1, &out, &e), LW_OK);
    assert_non_null(strstr((char *)out.data, "o dir_\n"));

    /* Non-finite vertices are refused and the buffer is left as it was. */
    lw_buf_reset(&out);
    assert_int_equal(lw_buf_puts(&out, "keep"), LW_OK);
    m.xyz[5] = NAN;
    assert_int_equal(lw_obj_write(&m, NULL, 0, &out, &e), LW_EINVAL);
    assert_non_null(strstr(e.msg, "vertex 1"));
    assert_int_equal(out.len, 4);
    m.xyz[5] = 0;
    /* A buffer too small: LW_ELIMIT and nothing appended. */
    lw_buf small;
    lw_buf_init(&small, 40);
    lw_err_clear(&e);
    assert_int_equal(lw_obj_write(&m, NULL, 0, &small, &e), LW_ELIMIT);
    assert_int_equal(small.len, 0);
    lw_buf_clear(&small);
    lw_buf_clear(&out);
    lw_mesh_clear(&m);
}

/* ------------------------------------------------------------------------------------------ */
/* Allocation failures                                                                        */

static int parse_once(void *ctx)
{
    const char *text = ctx;
    lw_import imp;
    lw_err e;
    lw_rc rc = parse(text, &imp, &e);
    if (rc) {
        assert_int_equal(rc, LW_ENOMEM);
        assert_int_equal(imp.nparts, 0);
        assert_null(imp.mesh.xyz);
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
    const char *names[1] = {"band"};
    lw_rc rc = lw_obj_write(m, names, 1, &out, &e);
    if (rc)
        assert_int_equal(rc, LW_ENOMEM);
    lw_buf_clear(&out);
    return rc;
}

static void test_alloc_torture(void **state)
{
    (void)state;
    char text[] = "# units: cm\n" TET_V "v 5 5 5\ng a\nf 1 3 \\\n 2\no b\nf 1 2 4 5\n"
                  "g a\nf -5 -2 -3\ng c\nf 2 3 4\n";
    assert_true(lwt_alloc_torture(parse_once, text) > 5);
    lw_mesh m;
    two_parts(&m);
    assert_true(lwt_alloc_torture(write_once, &m) > 1);
    lw_mesh_clear(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tetrahedron),
        cmocka_unit_test(test_box_of_quads),
        cmocka_unit_test(test_pentagon),
        cmocka_unit_test(test_corner_forms),
        cmocka_unit_test(test_negative_indices),
        cmocka_unit_test(test_groups),
        cmocka_unit_test(test_crlf_and_continuation),
        cmocka_unit_test(test_units),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_write_round_trip),
        cmocka_unit_test(test_write_names_and_errors),
        cmocka_unit_test(test_alloc_torture),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
