/* Units: parsing what users type, and catching files drawn in the wrong unit (the issue's own
 * examples: a ring 1.9 mm across, one 1939 mm across from an OBJ that claims centimetres but was
 * drawn in tenths of a millimetre). */
#include "lwtest.h"

#include <math.h>
#include <string.h>

#include "geom/mesh_units.h"

static lw_bbox box(double size)
{
    lw_bbox b = {{0, 0, 0}, {size, size / 2, size / 4}};
    return b;
}

static void test_parse(void **state)
{
    (void)state;
    struct {
        const char *text;
        double mm;
    } ok[] = {{"mm", 1},      {"cm", 10},    {"m", 1000},    {"in", 25.4},  {"inch", 25.4},
              {"um", 0.001},  {"micron", 1e-3}, {"ft", 304.8}, {"0.1mm", 0.1}, {"0.1 mm", 0.1},
              {"10um", 0.01}, {"2.5", 2.5},   {"MM", 1},      {"Millimeter", 1}};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        double v = 0;
        lw_err e;
        lw_err_clear(&e);
        assert_int_equal(lw_units_parse(ok[i].text, &v, &e), LW_OK);
        assert_true(fabs(v - ok[i].mm) < 1e-12 * ok[i].mm);
    }
    const char *bad[] = {"furlong", "", "-1mm", "0", "nan", "1e9", "mmm", "1mm2"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        double v;
        lw_err e;
        lw_err_clear(&e);
        assert_int_equal(lw_units_parse(bad[i], &v, &e), LW_EINVAL);
        assert_non_null(strstr(e.msg, "0.1mm")); /* the message shows the accepted forms */
    }
}

static void test_plausible_ring(void **state)
{
    (void)state;
    lw_bbox b = box(21.3);
    lw_units_judgement j;
    lw_units_judge(&b, 0, 0, &j);
    assert_true(j.plausible);
    assert_true(j.mm_per_unit == 1);
    assert_true(j.size_mm == 21.3);
    assert_true(j.suggest == 0);
}

static void test_ring_drawn_in_cm(void **state)
{
    (void)state;
    /* 1.9 units across with no declared unit: 1.9 mm is no ring; in cm it is 19 mm. */
    lw_bbox b = box(1.9);
    lw_units_judgement j;
    lw_units_judge(&b, 0, 0, &j);
    assert_false(j.plausible);
    assert_true(j.suggest == 10);
    assert_true(fabs(j.suggest_size - 19) < 1e-9);
}

static void test_obj_claiming_cm_drawn_in_tenths(void **state)
{
    (void)state;
    /* 193.9 units, declared centimetres: 1939 mm. The unit that makes it a ring is 0.1 mm. */
    lw_bbox b = box(193.9);
    lw_units_judgement j;
    lw_units_judge(&b, 10, 0, &j);
    assert_false(j.plausible);
    assert_true(fabs(j.size_mm - 1939) < 1e-9);
    assert_true(j.suggest == 0.1);
    assert_true(fabs(j.suggest_size - 19.39) < 1e-9);
}

static void test_override_wins_and_is_judged(void **state)
{
    (void)state;
    lw_bbox b = box(193.9);
    lw_units_judgement j;
    lw_units_judge(&b, 10, 0.1, &j);
    assert_true(j.mm_per_unit == 0.1);
    assert_true(j.plausible);
    lw_units_judge(&b, 10, 1000, &j); /* a wrong override is still called out */
    assert_false(j.plausible);
    assert_true(j.suggest == 0.1);
}

static void test_nothing_fits(void **state)
{
    (void)state;
    lw_bbox b = box(1e9);
    lw_units_judgement j;
    lw_units_judge(&b, 0, 0, &j);
    assert_false(j.plausible);
    assert_true(j.suggest == 0); /* no CAD unit makes a billion units a piece of jewellery */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_plausible_ring),
        cmocka_unit_test(test_ring_drawn_in_cm),
        cmocka_unit_test(test_obj_claiming_cm_drawn_in_tenths),
        cmocka_unit_test(test_override_wins_and_is_judged),
        cmocka_unit_test(test_nothing_fits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
