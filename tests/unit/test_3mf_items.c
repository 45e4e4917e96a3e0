/* Tests of lw_3mf_write_items: objects written once, placed by build items with transforms.
 *
 * The package is read back with lw_3mf_parse (whose transform convention test_3mf.c checks on
 * hand-written XML), and every facet of every part must sit exactly where the test's own
 * lw_mesh_transform of the object puts it: a writer that forgot to transpose the matrix, or
 * dropped the translation, moves the vertices. PrusaSlicer, a reader that is not ours, must then
 * count the facets and the volume of every item (skipped, 77, where it is not installed).
 */
#include "lwtest.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/file.h"
#include "geom/import.h"
#include "geom/measure.h"
#include "geom/mesh.h"
#include "geom/shapes.h"
#include "geom/threemf.h"

/* A unit cube's 12 facets, counter-clockwise from outside; vertex index = x + 2y + 4z. */
static const uint32_t CUBE_TRI[36] = {0, 2, 3, 0, 3, 1, 4, 5, 7, 4, 7, 6, 0, 1, 5, 0, 5, 4,
                                      2, 6, 7, 2, 7, 3, 0, 4, 6, 0, 6, 2, 1, 3, 7, 1, 7, 5};

static void make_box(lw_mesh *m, double sx, double sy, double sz)
{
    lw_mesh_init(m);
    for (int i = 0; i < 8; i++)
        assert_int_equal(lw_mesh_add_vertex(m, sx * (i & 1), sy * ((i >> 1) & 1),
                                            sz * ((i >> 2) & 1), NULL),
                         LW_OK);
    for (int f = 0; f < 12; f++)
        assert_int_equal(
            lw_mesh_add_tri(m, CUBE_TRI[3 * f], CUBE_TRI[3 * f + 1], CUBE_TRI[3 * f + 2], 0),
            LW_OK);
}

/* Rz(deg) * Rx(tilt), then a move: the kind of map a plate gives. */
static void placement(double a[12], double rz_deg, double tilt_deg, double tx, double ty,
                      double tz)
{
    double z = rz_deg * M_PI / 180, x = tilt_deg * M_PI / 180;
    double cz = cos(z), sz = sin(z), cx = cos(x), sx = sin(x);
    const double m[12] = {cz, -sz * cx, sz * sx, sz, cz * cx, -cz * sx, 0, sx, cx, tx, ty, tz};
    memcpy(a, m, sizeof m);
}

typedef struct fixture {
    lw_mesh box, cyl;
    lw_3mf_object objs[2];
    lw_3mf_item items[4];
} fixture;

static void fixture_make(fixture *f)
{
    make_box(&f->box, 12, 7, 3);
    lw_mesh_init(&f->cyl);
    assert_int_equal(lw_shape_cylinder(&f->cyl, 4, 9, 20), LW_OK);
    f->objs[0] = (lw_3mf_object){&f->box, "box & co"};
    f->objs[1] = (lw_3mf_object){&f->cyl, "pin"};
    f->items[0].object = 0;
    lw_affine_identity(f->items[0].a);
    f->items[1].object = 1;
    placement(f->items[1].a, 0, 35, 40, 10, 2.5);
    f->items[2].object = 0;
    placement(f->items[2].a, 30, 0, 70.25, -3, 0);
    f->items[3].object = 1;
    placement(f->items[3].a, 112.5, 40, 20, 55, 1);
}

static void fixture_clear(fixture *f)
{
    lw_mesh_clear(&f->box);
    lw_mesh_clear(&f->cyl);
}

static void test_items_read_back_where_placed(void **state)
{
    (void)state;
    fixture f;
    fixture_make(&f);
    lw_buf out;
    lw_buf_init(&out, 0);
    lw_err err;
    lw_err_clear(&err);
    assert_int_equal(lw_3mf_write_items(f.objs, 2, f.items, 4, &out, &err), LW_OK);

    lw_import imp;
    lw_import_init(&imp);
    lw_mesh_limits lim;
    lw_mesh_limits_default(&lim);
    if (lw_3mf_parse(out.data, out.len, &lim, &imp, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(imp.nparts, 4);
    assert_int_equal(imp.build_items, 4);
    assert_string_equal(imp.part_names[0], "box & co");
    assert_string_equal(imp.part_names[1], "pin");
    assert_string_equal(imp.part_names[2], "box & co");
    assert_int_equal(imp.mesh.nt, 2 * f.box.nt + 2 * f.cyl.nt);

    /* Facets of part k come in the object's order; each corner where the map puts it. */
    uint32_t face = 0;
    for (int k = 0; k < 4; k++) {
        const lw_mesh *src = f.items[k].object ? &f.cyl : &f.box;
        lw_mesh want;
        assert_int_equal(lw_mesh_copy(&want, src), LW_OK);
        lw_mesh_transform(&want, f.items[k].a);
        for (uint32_t t = 0; t < want.nt; t++, face++) {
            assert_int_equal(lw_mesh_part(&imp.mesh, face), (uint32_t)k);
            for (int c = 0; c < 3; c++) {
                const double *got = imp.mesh.xyz + 3 * (size_t)imp.mesh.tri[3 * (size_t)face + c];
                const double *exp = want.xyz + 3 * (size_t)want.tri[3 * (size_t)t + c];
                for (int d = 0; d < 3; d++)
                    if (got[d] != exp[d])
                        fail_msg("item %d facet %u corner %d axis %d: %.17g, want %.17g", k, t,
                                 c, d, got[d], exp[d]);
            }
        }
        lw_mesh_clear(&want);
    }
    assert_int_equal(face, imp.mesh.nt);

    /* Hand check of the convention on one corner: the cylinder's top rim point (4, 0, 9)
     * tilted 35 degrees about X goes to (4, -9 sin 35, 9 cos 35), then moves by (40, 10, 2.5). */
    lw_mesh one;
    assert_int_equal(lw_mesh_copy(&one, &f.cyl), LW_OK);
    lw_mesh_transform(&one, f.items[1].a);
    bool seen = false;
    for (uint32_t v = 0; v < f.cyl.nv; v++) {
        const double *p = f.cyl.xyz + 3 * (size_t)v;
        if (fabs(p[0] - 4) < 1e-12 && fabs(p[1]) < 1e-12 && fabs(p[2] - 9) < 1e-12) {
            const double *q = one.xyz + 3 * (size_t)v;
            assert_true(fabs(q[0] - 44) < 1e-12);
            assert_true(fabs(q[1] - (10 - 9 * sin(35 * M_PI / 180))) < 1e-12);
            assert_true(fabs(q[2] - (2.5 + 9 * cos(35 * M_PI / 180))) < 1e-12);
            seen = true;
        }
    }
    assert_true(seen);
    lw_mesh_clear(&one);

    /* Same input, same bytes. */
    lw_buf again;
    lw_buf_init(&again, 0);
    assert_int_equal(lw_3mf_write_items(f.objs, 2, f.items, 4, &again, &err), LW_OK);
    assert_int_equal(again.len, out.len);
    assert_memory_equal(again.data, out.data, out.len);
    lw_buf_clear(&again);
    lw_import_clear(&imp);
    lw_buf_clear(&out);
    fixture_clear(&f);
}

static void test_items_bad_input(void **state)
{
    (void)state;
    fixture f;
    fixture_make(&f);
    lw_buf out;
    lw_buf_init(&out, 0);
    assert_int_equal(lw_buf_puts(&out, "keep"), LW_OK);
    lw_err err;

    lw_err_clear(&err);
    assert_int_equal(lw_3mf_write_items(f.objs, 2, f.items, 0, &out, &err), LW_EINVAL);
    lw_3mf_item bad = f.items[1];
    bad.object = 2;
    lw_err_clear(&err);
    assert_int_equal(lw_3mf_write_items(f.objs, 2, &bad, 1, &out, &err), LW_EINVAL);
    assert_non_null(strstr(err.msg, "object 2"));
    bad = f.items[1];
    bad.a[8] = NAN;
    lw_err_clear(&err);
    assert_int_equal(lw_3mf_write_items(f.objs, 2, &bad, 1, &out, &err), LW_EINVAL);
    bad = f.items[1];
    memset(bad.a, 0, 9 * sizeof bad.a[0]); /* squashes everything to a point */
    lw_err_clear(&err);
    assert_int_equal(lw_3mf_write_items(f.objs, 2, &bad, 1, &out, &err), LW_EINVAL);
    assert_non_null(strstr(err.msg, "singular"));
    lw_mesh empty;
    lw_mesh_init(&empty);
    lw_3mf_object objs[2] = {f.objs[0], {&empty, "nothing"}};
    lw_err_clear(&err);
    assert_int_equal(lw_3mf_write_items(objs, 2, f.items, 1, &out, &err), LW_EINVAL);
    assert_int_equal(out.len, 4);
    assert_string_equal((const char *)out.data, "keep");
    lw_buf_clear(&out);
    fixture_clear(&f);
}

static int write_under_torture(void *ctx)
{
    fixture *f = ctx;
    lw_buf out;
    lw_buf_init(&out, 0);
    lw_rc rc = lw_3mf_write_items(f->objs, 2, f->items, 4, &out, NULL);
    assert_true(rc == LW_OK || rc == LW_ENOMEM || rc == LW_EIO);
    lw_buf_clear(&out);
    return (int)rc;
}

static void test_items_allocation_failures(void **state)
{
    (void)state;
    fixture f;
    fixture_make(&f);
    long points = lwt_alloc_torture(write_under_torture, &f);
    assert_true(points > 2);
    fixture_clear(&f);
}

/* ---- PrusaSlicer ------------------------------------------------------------------------- */

typedef struct report {
    long facets;
    double volume;
    int sections;
} report;

/* Sums prusa-slicer --info over the "[file]" sections it prints (one per object it made). */
static void run_info(const char *path, report *r)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "LC_ALL=C prusa-slicer --info '%s' 2>/dev/null", path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[512];
    memset(r, 0, sizeof *r);
    while (fgets(line, sizeof line, p)) {
        long f;
        double v;
        if (line[0] == '[' && strstr(line, ".3mf]"))
            r->sections++;
        else if (sscanf(line, "number_of_facets = %ld", &f) == 1)
            r->facets += f;
        else if (sscanf(line, "volume = %lf", &v) == 1)
            r->volume += v;
    }
    int status = pclose(p);
    if (status != 0)
        fail_msg("prusa-slicer --info %s exited with status %d", path, status);
}

static void test_prusaslicer_counts_every_item(void **state)
{
    (void)state;
    if (system("command -v prusa-slicer >/dev/null 2>&1") != 0) {
        fprintf(stderr, "SKIP: prusa-slicer is not installed\n");
        exit(77);
    }
    lw_mesh ring, washer;
    lw_mesh_init(&ring);
    lw_mesh_init(&washer);
    assert_int_equal(lw_shape_torus(&ring, 9.5, 1.25, 96, 24), LW_OK);
    static const double rz[8] = {2, 0, 3, 0, 3, 4, 2, 4};
    assert_int_equal(lw_shape_revolve(&washer, rz, 4, 64, 0), LW_OK);
    lw_3mf_object objs[2] = {{&ring, "ring"}, {&washer, "washer"}};
    /* Three rings and two washers, turned and tilted, apart from each other on a plate. */
    lw_3mf_item items[5];
    const double at[5][5] = {{0, 35, 20, 20, 4},  {45, 35, 50, 20, 4}, {90, 30, 80, 20, 4},
                             {0, 0, 20, 50, 0},   {60, 20, 40, 50, 2}};
    for (int i = 0; i < 5; i++) {
        items[i].object = i < 3 ? 0 : 1;
        placement(items[i].a, at[i][0], at[i][1], at[i][2], at[i][3], at[i][4]);
    }
    long want_facets = 3 * (long)ring.nt + 2 * (long)washer.nt;
    lw_measure mr, mw;
    lw_mesh_measure(&ring, NULL, 0, &mr);
    lw_mesh_measure(&washer, NULL, 0, &mw);
    double want_volume = 3 * mr.volume + 2 * mw.volume;

    lw_buf out;
    lw_buf_init(&out, 0);
    lw_err err;
    lw_err_clear(&err);
    assert_int_equal(lw_3mf_write_items(objs, 2, items, 5, &out, &err), LW_OK);
    char path[4096];
    snprintf(path, sizeof path, "%s", lwt_tmp("prusaslicer_items.3mf"));
    if (lw_file_write_atomic(path, out.data, out.len, &err))
        fail_msg("%s", err.msg);
    lw_buf_clear(&out);

    report r;
    run_info(path, &r);
    print_message("prusa-slicer: %d sections, %ld facets, %.4f mm3; want %ld facets, %.4f mm3 "
                  "(3 rings of %u, 2 washers of %u facets)\n",
                  r.sections, r.facets, r.volume, want_facets, want_volume, ring.nt, washer.nt);
    assert_true(r.sections >= 1);
    assert_int_equal(r.facets, want_facets);
    assert_true(lwt_rel(r.volume, want_volume) < 1e-4);
    remove(path);
    lw_mesh_clear(&ring);
    lw_mesh_clear(&washer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_items_read_back_where_placed),
        cmocka_unit_test(test_items_bad_input),
        cmocka_unit_test(test_items_allocation_failures),
        cmocka_unit_test(test_prusaslicer_counts_every_item),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
