/* Round trips through every format lostwax writes: a ring made in memory goes to binary STL, what
 * is read back goes to 3MF, and that to OBJ. The geometry and the counts must survive: the STL
 * step rounds coordinates to float32 (its format), and from there on every coordinate, facet and
 * part comes back bit for bit. */
#include "lwtest.h"

#include <math.h>
#include <string.h>

#include "base/buf.h"
#include "design/band.h"
#include "geom/check.h"
#include "geom/import.h"
#include "geom/obj.h"
#include "geom/stl.h"
#include "geom/threemf.h"

static void parse(const lw_buf *b, const char *ext, lw_import *imp)
{
    lw_mesh_limits lim;
    lw_mesh_limits_default(&lim);
    lw_err e;
    lw_err_clear(&e);
    if (lw_mesh_import(b->data, b->len, ext, &lim, imp, &e))
        fail_msg("%s: %s", ext, e.msg);
}

static double volume(lw_mesh *m)
{
    lw_mesh_report r;
    lw_err e;
    lw_err_clear(&e);
    assert_int_equal(lw_mesh_check(m, NULL, &r, &e), LW_OK);
    assert_true(r.watertight);
    double v = r.total.volume;
    lw_mesh_report_clear(&r);
    return v;
}

static void assert_same_mesh(const lw_mesh *a, const lw_mesh *b)
{
    assert_int_equal(a->nv, b->nv);
    assert_int_equal(a->nt, b->nt);
    assert_memory_equal(a->tri, b->tri, 3 * (size_t)a->nt * sizeof *a->tri);
    for (size_t i = 0; i < 3 * (size_t)a->nv; i++)
        if (a->xyz[i] != b->xyz[i])
            fail_msg("coordinate %zu: %.17g became %.17g", i, a->xyz[i], b->xyz[i]);
}

static void test_stl_3mf_obj(void **state)
{
    (void)state;
    lw_band_spec spec;
    lw_band_spec_default(&spec);
    spec.segments = 96;
    spec.profile_steps = 12;
    lw_mesh band;
    lw_mesh_init(&band);
    lw_err e;
    lw_err_clear(&e);
    assert_int_equal(lw_band_build(&spec, &band, &e), LW_OK);

    lw_buf stl, tmf, obj;
    lw_buf_init(&stl, 0);
    lw_buf_init(&tmf, 0);
    lw_buf_init(&obj, 0);
    lw_import a, b, c;
    assert_int_equal(lw_stl_write_binary(&band, "round trip", &stl, &e), LW_OK);
    parse(&stl, "stl", &a);
    assert_int_equal(a.mesh.nv, band.nv);
    assert_int_equal(a.mesh.nt, band.nt);
    /* STL stores float32: every corner of every facet is the float nearest the original (the
     * reader numbers vertices in order of first use, so compare through the facets). */
    for (size_t i = 0; i < 3 * (size_t)band.nt; i++)
        for (int k = 0; k < 3; k++)
            assert_true(a.mesh.xyz[3 * (size_t)a.mesh.tri[i] + k] ==
                        (double)(float)band.xyz[3 * (size_t)band.tri[i] + k]);

    const char *names[] = {"band"};
    assert_int_equal(lw_3mf_write(&a.mesh, names, 1, &tmf, &e), LW_OK);
    parse(&tmf, "3mf", &b);
    assert_same_mesh(&a.mesh, &b.mesh);
    assert_int_equal(b.nparts, 1);
    assert_string_equal(b.part_names[0], "band");

    assert_int_equal(lw_obj_write(&b.mesh, (const char *const *)b.part_names, b.nparts, &obj, &e),
                     LW_OK);
    parse(&obj, "obj", &c);
    assert_same_mesh(&b.mesh, &c.mesh);
    assert_int_equal(c.nparts, 1);
    assert_string_equal(c.part_names[0], "band");

    /* The volume survives: exactly from 3MF on, to float rounding against the original. */
    double va = volume(&a.mesh), vc = volume(&c.mesh), vband = volume(&band);
    assert_true(va == vc);
    assert_true(lwt_rel(va, vband) < 1e-6);

    lw_import_clear(&a);
    lw_import_clear(&b);
    lw_import_clear(&c);
    lw_buf_clear(&stl);
    lw_buf_clear(&tmf);
    lw_buf_clear(&obj);
    lw_mesh_clear(&band);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stl_3mf_obj),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
