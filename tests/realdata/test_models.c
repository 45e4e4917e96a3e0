/* Real jewellery files made by others (../shared/data/models, see its README): volumes agree with
 * the reference figures, the same ring as STL and as 3MF agrees once the 3MF's build transform is
 * applied, and lostwax's ring measurement agrees with an independent computation. */
#include "lwtest.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "design/ring_measure.h"
#include "geom/check.h"
#include "geom/measure.h"

static void load_checked(const char *rel, lw_import *imp, lw_mesh_report *rep)
{
    lwt_load(lwt_shared(rel), imp);
    lw_check_opts o;
    lw_check_opts_default(&o);
    lw_err e;
    lw_err_clear(&e);
    assert_int_equal(lw_mesh_check(&imp->mesh, &o, rep, &e), LW_OK);
}

/* Reference volumes from the data README (admesh 0.98.4, exact edge matching), to 0.01 %. */
static void test_volumes_match_reference(void **state)
{
    (void)state;
    const struct {
        const char *rel;
        double volume;
        uint32_t facets;
    } cases[] = {
        {"models/mit-pixelverse/ring.stl", 1182.3, 11422},
        {"models/gpl3-jmarsik/twisted_ring.stl", 2205.5, 9632},
        {"models/gpl3-jmarsik/twisted_ring.3mf", 2205.5, 9632},
        {"models/gpl3-jjg/pendant.stl", 2938.2, 1852},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        lw_import imp;
        lw_mesh_report rep;
        load_checked(cases[i].rel, &imp, &rep);
        assert_int_equal(imp.mesh.nt, cases[i].facets);
        assert_true(rep.watertight);
        assert_int_equal(rep.nshells, 1);
        if (lwt_rel(rep.total.volume, cases[i].volume) > 1e-4)
            fail_msg("%s: volume %.4f, reference %.1f", cases[i].rel, rep.total.volume,
                     cases[i].volume);
        lw_mesh_report_clear(&rep);
        lw_import_clear(&imp);
    }
}

/* The 3MF written by PrusaSlicer places the ring with its build item (translation 125, 105, 6.3
 * of a mesh centred on z = 0); the STL has it at x, y centred, z from 0. Moved by (125, 105, 0)
 * the STL must be the 3MF: same volume, same box, same facets. */
static void test_3mf_equals_stl_after_transform(void **state)
{
    (void)state;
    lw_import a, b;
    lw_mesh_report ra, rb;
    load_checked("models/gpl3-jmarsik/twisted_ring.stl", &a, &ra);
    load_checked("models/gpl3-jmarsik/twisted_ring.3mf", &b, &rb);
    lw_mesh_translate(&a.mesh, 125, 105, 0);
    lw_bbox ba = lw_mesh_bbox(&a.mesh), bb = lw_mesh_bbox(&b.mesh);
    for (int k = 0; k < 3; k++) {
        /* The STL prints 6 significant digits, the 3MF 9: agree to a micrometre. */
        assert_true(fabs(ba.min[k] - bb.min[k]) < 1e-3);
        assert_true(fabs(ba.max[k] - bb.max[k]) < 1e-3);
    }
    assert_true(bb.min[0] > 111.4 && bb.max[0] < 138.6);
    assert_true(lwt_rel(ra.total.volume, rb.total.volume) < 1e-5);
    assert_int_equal(a.mesh.nt, b.mesh.nt);
    assert_int_equal(a.mesh.nv, b.mesh.nv);
    lw_mesh_report_clear(&ra);
    lw_mesh_report_clear(&rb);
    lw_import_clear(&a);
    lw_import_clear(&b);
}

/* Distance from the line {(cx, cy, z)} (parallel to Z) to a triangle, by the 2-D distance of the
 * projected triangle to the point: an independent way to the inner radius of a ring on Z. */
static double seg2(double px, double py, double ax, double ay, double bx, double by)
{
    double dx = bx - ax, dy = by - ay, l2 = dx * dx + dy * dy;
    double t = l2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / l2 : 0;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    return hypot(ax + t * dx - px, ay + t * dy - py);
}

static double axis_clearance(const lw_mesh *m, double cx, double cy)
{
    double best = INFINITY;
    for (uint32_t f = 0; f < m->nt; f++) {
        const double *p[3];
        for (int k = 0; k < 3; k++)
            p[k] = m->xyz + 3 * (size_t)m->tri[3 * (size_t)f + k];
        for (int k = 0; k < 3; k++) {
            const double *a = p[k], *b = p[(k + 1) % 3];
            best = fmin(best, seg2(cx, cy, a[0], a[1], b[0], b[1]));
        }
    }
    return best;
}

/* The twisted ring is an octagon turning about its axis: its inner corners lie on a circle of
 * radius 11.025 mm (the README's "inner diameter 22.05 mm" is corner to corner), and a ring
 * stick touches the flats, at most 11.025 cos(22.5 deg). lostwax must give the stick's size: the
 * clearance from the axis (x = y = 0 by the model's symmetry) to the facets. */
static void test_twisted_ring_inner_diameter(void **state)
{
    (void)state;
    lw_import imp;
    lw_mesh_report rep;
    load_checked("models/gpl3-jmarsik/twisted_ring.stl", &imp, &rep);
    lw_ring_measures r;
    lw_err e;
    lw_err_clear(&e);
    assert_int_equal(lw_ring_measure(&imp.mesh, &r, &e), LW_OK);
    assert_true(r.is_ring);
    assert_int_equal(r.axis, 2);
    double clearance = axis_clearance(&imp.mesh, 0, 0);
    if (fabs(r.inner_diameter - 2 * clearance) > 0.01)
        fail_msg("inner diameter %.4f, clearance from the axis gives %.4f", r.inner_diameter,
                 2 * clearance);
    assert_true(r.inner_diameter <= 2 * 11.025 * cos(M_PI / 8) + 1e-3);
    assert_true(fabs(r.centre[0]) < 0.01 && fabs(r.centre[1]) < 0.01);
    /* Outer corners at 13.545 mm (README: outer diameter 27.09 mm). */
    assert_true(fabs(r.outer_diameter - 27.09) < 0.01);
    lw_mesh_report_clear(&rep);
    lw_import_clear(&imp);
}

/* The pixelverse ring lies with its finger axis along X; not a ring a chart knows (25 mm inside)
 * but a ring all the same. Its inner radius by the independent clearance, about the centre
 * lostwax found, must agree. */
static void test_pixelverse_ring_recognised(void **state)
{
    (void)state;
    lw_import imp;
    lw_mesh_report rep;
    load_checked("models/mit-pixelverse/ring.stl", &imp, &rep);
    lw_ring_measures r;
    lw_err e;
    lw_err_clear(&e);
    assert_int_equal(lw_ring_measure(&imp.mesh, &r, &e), LW_OK);
    assert_true(r.is_ring);
    assert_int_equal(r.axis, 0);
    /* Rotate the check onto Z: clearance in the (y, z) plane. */
    lw_mesh m;
    assert_int_equal(lw_mesh_copy(&m, &imp.mesh), LW_OK);
    for (uint32_t i = 0; i < m.nv; i++) {
        double *p = m.xyz + 3 * (size_t)i, x = p[0];
        p[0] = p[1];
        p[1] = p[2];
        p[2] = x;
    }
    double clearance = axis_clearance(&m, r.centre[1], r.centre[2]);
    assert_true(fabs(r.inner_diameter - 2 * clearance) < 1e-6);
    /* No other centre gives a larger circle: probe around it. */
    for (int k = 0; k < 8; k++) {
        double a = k * M_PI / 4, c2 = axis_clearance(&m, r.centre[1] + 0.05 * cos(a),
                                                     r.centre[2] + 0.05 * sin(a));
        assert_true(c2 <= clearance + 1e-6);
    }
    lw_mesh_clear(&m);
    lw_mesh_report_clear(&rep);
    lw_import_clear(&imp);
}

/* A pendant is not a ring. */
static void test_pendant_is_not_a_ring(void **state)
{
    (void)state;
    lw_import imp;
    lw_mesh_report rep;
    load_checked("models/gpl3-jjg/pendant.stl", &imp, &rep);
    lw_ring_measures r;
    lw_err e;
    lw_err_clear(&e);
    assert_int_equal(lw_ring_measure(&imp.mesh, &r, &e), LW_OK);
    assert_false(r.is_ring);
    assert_true(strlen(r.why_not) > 0);
    lw_mesh_report_clear(&rep);
    lw_import_clear(&imp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_volumes_match_reference),
        cmocka_unit_test(test_3mf_equals_stl_after_transform),
        cmocka_unit_test(test_twisted_ring_inner_diameter),
        cmocka_unit_test(test_pixelverse_ring_recognised),
        cmocka_unit_test(test_pendant_is_not_a_ring),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
