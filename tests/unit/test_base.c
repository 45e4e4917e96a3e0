/* Tests of src/base: errors, allocator seam, growth limits, buffers, number parsing, TSV, units. */
#include "lwtest.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/file.h"
#include "base/size.h"
#include "base/table.h"
#include "base/text.h"
#include "base/units.h"
#include "base/vec.h"

static void test_err_first_wins_and_prefix(void **state)
{
    (void)state;
    lw_err e;
    lw_err_clear(&e);
    assert_int_equal(lw_err_set(&e, LW_EFORMAT, "facet %d: vertex is NaN", 1204), LW_EFORMAT);
    lw_err_set(&e, LW_EIO, "a later error");
    lw_err_prefix(&e, "%s", "ring.stl");
    assert_int_equal(e.rc, LW_EFORMAT);
    assert_string_equal(e.msg, "ring.stl: facet 1204: vertex is NaN");
    assert_string_equal(lw_rc_name(LW_ELIMIT), "ELIMIT");
}

static void test_alloc_injection(void **state)
{
    (void)state;
    lw_alloc_fail_after(1);
    void *a = lw_malloc(10);
    void *b = lw_malloc(10);
    assert_non_null(a);
    assert_null(b);
    assert_int_equal(lw_alloc_failures(), 1);
    lw_alloc_fail_reset();
    lw_free(a);
    assert_null(lw_reallocarray(NULL, SIZE_MAX / 2, 4));
}

static void test_size_overflow(void **state)
{
    (void)state;
    size_t r;
    assert_false(lw_size_mul((size_t)1 << 40, (size_t)1 << 40, &r));
    assert_true(lw_size_mul(50, 1000000000u, &r));
    assert_int_equal(r, 50000000000ull);
    assert_false(lw_size_add(SIZE_MAX, 1, &r));
}

static void test_vec_limit(void **state)
{
    (void)state;
    int *v = NULL;
    size_t cap = 0;
    assert_int_equal(LW_VEC_RESERVE(v, cap, 100, 1000), LW_OK);
    assert_true(cap >= 100 && cap <= 1000);
    assert_int_equal(LW_VEC_RESERVE(v, cap, 1001, 1000), LW_ELIMIT);
    assert_int_equal(LW_VEC_RESERVE(v, cap, 1000, 1000), LW_OK);
    assert_int_equal(cap, 1000);
    lw_free(v);
}

static void test_buf(void **state)
{
    (void)state;
    lw_buf b;
    lw_buf_init(&b, 16);
    assert_int_equal(lw_buf_printf(&b, "%d-%s", 42, "abc"), LW_OK);
    assert_string_equal((char *)b.data, "42-abc");
    assert_int_equal(lw_buf_puts(&b, "0123456789abc"), LW_ELIMIT);
    assert_int_equal(b.len, 6); /* unchanged by the refused append */
    lw_buf_clear(&b);
}

static void test_parse_f64(void **state)
{
    (void)state;
    const char *cases[] = {"0",     "-0.5",   "13.3392",        "1e-7",  "6.30000019",
                           "1E+03", "+2.5e2", "0.000123456789", "1e300", "123456789012345678901",
                           "4.9406564584124654e-324", "3.141592653589793238462643383279"};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *s = cases[i], *stop;
        double v;
        assert_true(lw_parse_f64(s, s + strlen(s), &v, &stop));
        assert_ptr_equal(stop, s + strlen(s));
        assert_true(v == strtod(s, NULL)); /* correctly rounded, like strtod in the C locale */
    }
    const char *s = "12.5 7", *stop;
    double v;
    assert_true(lw_parse_f64(s, s + 6, &v, &stop));
    assert_true(v == 12.5 && *stop == ' ');
    assert_false(lw_parse_f64("abc", NULL, &v, &stop) && 0);
    s = "nan";
    assert_true(lw_parse_f64(s, s + 3, &v, &stop) && isnan(v));
    assert_false(lw_parse_f64_str("nan", &v));
    assert_false(lw_parse_f64_str("1.5x", &v));
    assert_false(lw_parse_f64_str("", &v));
    s = "-";
    assert_false(lw_parse_f64(s, s + 1, &v, &stop));
}

static void test_fmt_f64_roundtrip(void **state)
{
    (void)state;
    const double vals[] = {0.1, 1.0 / 3, (double)0.1f, 13.3392, -6.30000019, 1e-300, 123456.75};
    for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) {
        char buf[32];
        int n = lw_fmt_f64(vals[i], buf);
        double back;
        const char *stop;
        assert_true(lw_parse_f64(buf, buf + n, &back, &stop));
        assert_true(back == vals[i]);
    }
    char buf[32];
    lw_fmt_f64(0.5, buf);
    assert_string_equal(buf, "0.5");
}

static void test_parse_i64(void **state)
{
    (void)state;
    const char *s = "-9223372036854775808", *stop;
    int64_t v;
    assert_true(lw_parse_i64(s, s + strlen(s), &v, &stop));
    assert_true(v == INT64_MIN);
    s = "9223372036854775808";
    assert_false(lw_parse_i64(s, s + strlen(s), &v, &stop));
}

static void test_scan_words(void **state)
{
    (void)state;
    const char *s = "  MM 8\xC3\x97" "6", *end = s + strlen(s), *p = s;
    lw_skip_blanks(&p, end);
    assert_ptr_equal(p, s + 2);
    assert_true(lw_eat_word(&p, end, "mm")); /* case-insensitive */
    assert_false(lw_eat_word(&p, end, "x"));
    lw_skip_blanks(&p, end);
    p++; /* the 8 */
    assert_true(lw_eat_word(&p, end, "\xC3\x97")); /* a multiplication sign, bytes above 0x7F */
    assert_int_equal(*p, '6');
    assert_false(lw_eat_word(&p, end, "6x")); /* longer than what is left */
}

static void test_table_ids(void **state)
{
    (void)state;
    assert_true(lw_table_id_eq("18k-yellow", "18K_Yellow"));
    assert_true(lw_table_id_eq("cubic-zirconia", "Cubic zirconia"));
    assert_true(lw_table_id_eq("my_alloy", "my_alloy")); /* an id with '_' finds itself */
    assert_true(lw_table_id_eq("my_alloy", "my-alloy"));
    assert_false(lw_table_id_eq("18k-yellow", "18k-yello"));
    assert_false(lw_table_id_eq("18k", "18k-yellow"));
    assert_true(lw_table_id_valid("pt950.ru_x-1", 12, 40));
    assert_false(lw_table_id_valid("Pt950", 5, 40)); /* upper case is not an id */
    assert_false(lw_table_id_valid("abc", 3, 3));    /* too long for the buffer */
}

static void test_tsv(void **state)
{
    (void)state;
    const char *text = "# metals\n\nid\tdensity\r\n18k-yellow\t15.58\n# comment\nsterling\t10.36\n";
    lw_tsv t;
    lw_err e;
    lw_err_clear(&e);
    assert_int_equal(lw_tsv_parse(text, strlen(text), 100, &t, &e), LW_OK);
    assert_int_equal(t.rows, 2);
    assert_int_equal(lw_tsv_col(&t, "density"), 1);
    assert_string_equal(lw_tsv_cell(&t, 1, 0), "sterling");
    assert_int_equal(t.row_line[1], 6);
    lw_tsv_clear(&t);

    const char *bad = "a\tb\n1\t2\n3\n";
    assert_int_equal(lw_tsv_parse(bad, strlen(bad), 100, &t, &e), LW_EFORMAT);
    assert_string_equal(e.msg, "line 3: 1 fields, expected 2");
}

static void test_units(void **state)
{
    (void)state;
    char buf[64];
    /* 623.0 mm³ of 18K yellow at 15.58 g/cm³ = 9706.34 mg */
    assert_int_equal(lw_mg_from_volume(623.0, 15.58), 9706);
    assert_string_equal(lw_mg_format(9706, LW_WEIGHT_G, buf, sizeof buf), "9.706 g");
    /* 31.1034768 g is one troy ounce, 20 dwt */
    assert_string_equal(lw_mg_format(31103, LW_WEIGHT_OZT, buf, sizeof buf), "1.0000 ozt");
    assert_string_equal(lw_mg_format(31103, LW_WEIGHT_DWT, buf, sizeof buf), "20.000 dwt");
    /* 1000 mg = 0.643015 dwt */
    assert_string_equal(lw_mg_format(1000, LW_WEIGHT_DWT, buf, sizeof buf), "0.643 dwt");
    assert_string_equal(lw_mct_format(1000, buf, sizeof buf), "1.000 ct");
    lw_weight_unit u;
    assert_int_equal(lw_weight_unit_parse("DWT", &u), 0);
    assert_int_equal(u, LW_WEIGHT_DWT);
}

static void test_file_roundtrip(void **state)
{
    (void)state;
    const char *path = lwt_tmp("base_file.bin");
    char keep[4096];
    snprintf(keep, sizeof keep, "%s", path);
    lw_err e;
    lw_err_clear(&e);
    assert_int_equal(lw_file_write_atomic(keep, "hello", 5, &e), LW_OK);
    uint8_t *d;
    size_t n;
    assert_int_equal(lw_file_read(keep, 100, &d, &n, &e), LW_OK);
    assert_int_equal(n, 5);
    assert_memory_equal(d, "hello", 5);
    lw_free(d);
    assert_int_equal(lw_file_read(keep, 4, &d, &n, &e), LW_ELIMIT);
    lw_err_clear(&e);
    assert_int_equal(lw_file_read("/nonexistent/x", 4, &d, &n, &e), LW_ENOTFOUND);
    char ext[8];
    lw_path_ext("dir.v2/Ring.STL", ext, sizeof ext);
    assert_string_equal(ext, "stl");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_err_first_wins_and_prefix),
        cmocka_unit_test(test_alloc_injection),
        cmocka_unit_test(test_size_overflow),
        cmocka_unit_test(test_vec_limit),
        cmocka_unit_test(test_buf),
        cmocka_unit_test(test_parse_f64),
        cmocka_unit_test(test_fmt_f64_roundtrip),
        cmocka_unit_test(test_parse_i64),
        cmocka_unit_test(test_scan_words),
        cmocka_unit_test(test_table_ids),
        cmocka_unit_test(test_tsv),
        cmocka_unit_test(test_units),
        cmocka_unit_test(test_file_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
