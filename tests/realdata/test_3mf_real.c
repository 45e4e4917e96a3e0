/* The 3MF reader on a real file: PrusaSlicer's package of the twisted ring (see the shared data
 * README). The ring is stored centred on the origin and placed on the bed by its build item's
 * transform ("... 125 105 6.30000019"), so its box says whether that transform was applied.
 */
#include "lwtest.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/file.h"
#include "geom/import.h"
#include "geom/mesh.h"
#include "geom/threemf.h"

static void test_twisted_ring(void **state)
{
    (void)state;
    const char *path = lwt_shared("models/gpl3-jmarsik/twisted_ring.3mf");
    lw_mesh_limits lim;
    lw_mesh_limits_default(&lim);
    uint8_t *data;
    size_t len;
    lw_err err;
    lw_err_clear(&err);
    if (lw_file_read(path, lim.max_file_bytes, &data, &len, &err))
        fail_msg("%s", err.msg);
    lw_import imp;
    lw_import_init(&imp);
    lw_rc rc = lw_3mf_parse(data, len, &lim, &imp, &err);
    lw_free(data);
    if (rc)
        fail_msg("%s: %s", path, err.msg);

    assert_int_equal(imp.format, LW_FORMAT_3MF);
    assert_int_equal(imp.mesh.nt, 9632); /* README: 9632 facets */
    assert_int_equal(imp.facets_in_file, 9632);
    assert_int_equal(imp.nparts, 1);
    assert_int_equal(imp.build_items, 1);
    assert_true(imp.unit_mm == 1.0);
    assert_string_equal(imp.unit_decl, "millimeter");
    assert_string_equal(imp.part_names[0], "object 1"); /* PrusaSlicer gave the object no name */

    /* README: outer diameter 27.09 mm, height 12.6 mm; placed at X 111.5 .. 138.5. */
    lw_bbox bb = lw_mesh_bbox(&imp.mesh);
    assert_true(fabs(bb.min[0] - 111.5) < 0.05);
    assert_true(fabs(bb.max[0] - 138.5) < 0.05);
    assert_true(fabs((bb.max[1] - bb.min[1]) - 27.09) < 0.05);
    assert_true(fabs((bb.min[1] + bb.max[1]) / 2 - 105) < 0.05);
    assert_true(fabs(bb.min[2] - 0) < 0.05);
    assert_true(fabs(bb.max[2] - 12.6) < 0.05);
    lw_import_clear(&imp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_twisted_ring),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
