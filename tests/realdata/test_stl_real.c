/* The STL reader on real files from ../shared/data (skipped when absent): a binary ring with a
 * Materialise colour header and four wrong normals (as admesh counts them), and two ASCII
 * OpenSCAD exports. The figures come from the data README and from admesh, not from lostwax. */
#include "lwtest.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/file.h"
#include "geom/import.h"
#include "geom/mesh.h"
#include "geom/stl.h"

static void load(const char *rel, lw_import *imp)
{
    const char *path = lwt_shared(rel);
    lw_mesh_limits lim;
    lw_mesh_limits_default(&lim);
    lw_err e;
    lw_err_clear(&e);
    uint8_t *data;
    size_t len;
    if (lw_file_read(path, lim.max_file_bytes, &data, &len, &e))
        fail_msg("%s: %s", rel, e.msg);
    lw_import_init(imp);
    lw_rc rc = lw_stl_parse(data, len, &lim, imp, &e);
    lw_free(data);
    if (rc)
        fail_msg("%s: %s", rel, e.msg);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Welding is right for a watertight model when every facet has three distinct vertices and
 * every directed edge a->b appears once, with its twin b->a in exactly one other facet. */
static void assert_welded_watertight(const lw_mesh *m)
{
    size_t ne = 3 * (size_t)m->nt;
    uint64_t *e = lw_malloc(ne * sizeof *e);
    assert_non_null(e);
    for (uint32_t f = 0; f < m->nt; f++) {
        const uint32_t *t = m->tri + 3 * (size_t)f;
        assert_true(t[0] < m->nv && t[1] < m->nv && t[2] < m->nv);
        if (t[0] == t[1] || t[1] == t[2] || t[0] == t[2])
            fail_msg("facet %u repeats a vertex: %u %u %u", f, t[0], t[1], t[2]);
        for (int c = 0; c < 3; c++)
            e[3 * (size_t)f + c] = (uint64_t)t[c] << 32 | t[(c + 1) % 3];
    }
    qsort(e, ne, sizeof *e, cmp_u64);
    for (size_t i = 0; i < ne; i++) {
        if (i + 1 < ne && e[i] == e[i + 1])
            fail_msg("edge %u->%u is used twice in the same direction", (unsigned)(e[i] >> 32),
                     (unsigned)e[i]);
        uint64_t twin = (e[i] & 0xFFFFFFFFu) << 32 | e[i] >> 32;
        if (!bsearch(&twin, e, ne, sizeof *e, cmp_u64))
            fail_msg("edge %u->%u has no twin: the mesh is open there", (unsigned)(e[i] >> 32),
                     (unsigned)e[i]);
    }
    /* Every edge has its twin, so the directed edges pair up. */
    assert_int_equal(ne % 2, 0);
    lw_free(e);
}

static void test_pixelverse_ring(void **state)
{
    (void)state;
    lw_import imp;
    load("models/mit-pixelverse/ring.stl", &imp);
    assert_int_equal(imp.format, LW_FORMAT_STL_BINARY);
    assert_int_equal(imp.facets_in_file, 11422);
    assert_int_equal(imp.mesh.nt, 11422);
    assert_int_equal(imp.nparts, 1);
    /* admesh 0.98.4 reports "Normals fixed: 4" and none of them is a zero vector. */
    assert_int_equal(imp.normals_wrong, 4);
    assert_int_equal(imp.normals_zero, 0);
    assert_non_null(strstr(imp.header, "COLOR="));
    assert_true(strncmp(imp.header, "STLB ATF", 8) == 0);
    lw_bbox bb = lw_mesh_bbox(&imp.mesh);
    double want[3] = {15.5, 30.0, 29.8};
    for (int k = 0; k < 3; k++)
        if (fabs(bb.max[k] - bb.min[k] - want[k]) > 0.05)
            fail_msg("bbox axis %d: %.4f mm, README says %.1f", k, bb.max[k] - bb.min[k],
                     want[k]);
    assert_welded_watertight(&imp.mesh);
    /* One closed orientable shell: V - E + F = 2 - 2 x genus, so even and at most 2 (the ring is
     * pierced by its pattern, so the genus is not 1). */
    int64_t chi = (int64_t)imp.mesh.nv - 3 * (int64_t)imp.mesh.nt / 2 + imp.mesh.nt;
    assert_true(chi <= 2 && chi % 2 == 0);
    lw_import_clear(&imp);
}

static void test_twisted_ring_ascii(void **state)
{
    (void)state;
    lw_import imp;
    load("models/gpl3-jmarsik/twisted_ring.stl", &imp);
    assert_int_equal(imp.format, LW_FORMAT_STL_ASCII);
    assert_int_equal(imp.facets_in_file, 9632);
    assert_int_equal(imp.mesh.nt, 9632);
    assert_int_equal(imp.nparts, 1);
    assert_welded_watertight(&imp.mesh);
    lw_bbox bb = lw_mesh_bbox(&imp.mesh);
    assert_true(fabs(bb.max[2] - bb.min[2] - 12.6) < 0.05); /* README: height 12.6 mm */
    lw_import_clear(&imp);
}

static void test_pendant_ascii(void **state)
{
    (void)state;
    lw_import imp;
    load("models/gpl3-jjg/pendant.stl", &imp);
    assert_int_equal(imp.format, LW_FORMAT_STL_ASCII);
    assert_int_equal(imp.facets_in_file, 1852);
    assert_int_equal(imp.mesh.nt, 1852);
    assert_int_equal(imp.nparts, 1);
    assert_welded_watertight(&imp.mesh);
    lw_bbox bb = lw_mesh_bbox(&imp.mesh);
    double want[3] = {50, 40, 5}; /* README: 50 x 40 x 5 mm */
    for (int k = 0; k < 3; k++)
        assert_true(fabs(bb.max[k] - bb.min[k] - want[k]) < 0.05);
    lw_import_clear(&imp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pixelverse_ring),
        cmocka_unit_test(test_twisted_ring_ascii),
        cmocka_unit_test(test_pendant_ascii),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
