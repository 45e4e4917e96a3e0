/* Tests of src/design/metal: the shipped table holds trade.md's alloys with the densities it
 * chose, and the weights come out as the trade's worked examples and hand calculations say. */
#include "lwtest.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/file.h"
#include "design/metal.h"

static lw_rc load_shipped_into(lw_metals *t, lw_err *err)
{
    uint8_t *data;
    size_t len;
    lw_rc rc = lw_file_read(lwt_source("data/metals.tsv"), LW_METAL_TEXT_MAX, &data, &len, err);
    if (rc)
        return rc;
    rc = lw_metals_load(t, (const char *)data, len, "metals.tsv", err);
    lw_free(data);
    return rc;
}

static void load_shipped(lw_metals *t)
{
    lw_metals_init(t);
    lw_err err;
    lw_err_clear(&err);
    if (load_shipped_into(t, &err))
        fail_msg("%s", err.msg);
}

static const lw_metal *get(const lw_metals *t, const char *id)
{
    const lw_metal *m = lw_metals_find(t, id);
    if (!m)
        fail_msg("no %s in the table", id);
    return m;
}

/* trade.md 3.1 (and 1.4 for JewelCraft's lists): the value each row must carry. Where 3.1 gives
 * several sources the casting suppliers' figure (Stuller, Rio Grande) was chosen. */
static const struct { const char *id; double density; int fineness; const char *fine; } k_rows[] = {
    {"24k", 19.32, 999, "Au"},        {"22k-yellow", 17.86, 916, "Au"},
    {"18k-yellow", 15.58, 750, "Au"}, {"18k-white-pd", 15.66, 750, "Au"},
    {"18k-white-ni", 14.64, 750, "Au"}, {"18k-rose", 15.18, 750, "Au"},
    {"18k-green", 15.90, 750, "Au"},  {"14k-yellow", 13.07, 585, "Au"},
    {"14k-white-ni", 12.61, 585, "Au"}, {"14k-white-pd", 14.6, 585, "Au"},
    {"14k-rose", 13.26, 585, "Au"},   {"10k-yellow", 11.57, 417, "Au"},
    {"10k-rose", 11.59, 417, "Au"},   {"10k-white", 11.07, 417, "Au"},
    {"sterling", 10.36, 925, "Ag"},   {"argentium-935", 10.3, 935, "Ag"},
    {"argentium-940", 10.3, 940, "Ag"}, {"fine-silver", 10.49, 999, "Ag"},
    {"pt950-ru", 20.7, 950, "Pt"},    {"pt950-ir", 21.5, 950, "Pt"},
    {"pt950-co", 20.80, 950, "Pt"},   {"pt900-ir", 21.54, 900, "Pt"},
    {"pt999", 21.45, 999, "Pt"},      {"pd950", 12.16, 950, "Pd"},
    {"pd999", 12.02, 999, "Pd"},      {"brass", 8.40, 0, ""},
    {"bronze", 8.8, 0, ""},           {"bronze-yellow", 8.4, 0, ""},
    {"bronze-white", 8.1, 0, ""},     {"bronze-manganese", 8.3, 0, ""},
    {"stainless-420", 7.75, 0, ""},   {"ti6al4v", 4.43, 0, ""},
    /* JewelCraft's GOST 30649-99 list (trade.md 1.4). */
    {"gost-999", 19.3, 999, "Au"},    {"gost-958", 18.52, 958, "Au"},
    {"gost-750", 15.53, 750, "Au"},   {"gost-585", 13.92, 585, "Au"},
    {"gost-375", 11.74, 375, "Au"},   {"gost-750-white-pd", 16.44, 750, "Au"},
    {"gost-750-white-ni", 15.38, 750, "Au"}, {"gost-585-white-pd", 14.76, 585, "Au"},
    {"gost-585-white-ni", 12.85, 585, "Au"}, {"gost-585-red", 13.24, 585, "Au"},
    {"gost-375-red", 11.54, 375, "Au"},
};

static void test_shipped_table(void **state)
{
    (void)state;
    lw_metals t;
    load_shipped(&t);
    for (size_t i = 0; i < sizeof k_rows / sizeof k_rows[0]; i++) {
        const lw_metal *m = get(&t, k_rows[i].id);
        if (fabs(m->density - k_rows[i].density) > 1e-12)
            fail_msg("%s: density %g, trade.md %g", m->id, m->density, k_rows[i].density);
        assert_int_equal(m->fineness, k_rows[i].fineness);
        assert_string_equal(m->fine, k_rows[i].fine);
        assert_int_equal(m->kind, LW_METAL_ALLOY);
    }
    /* Pattern materials (trade.md 3.1): wax 1.0 by convention, BlueCast 1.09, resin ~1.1. */
    static const struct { const char *id; double sg; } pat[] = {
        {"wax", 1.0}, {"bluecast", 1.09}, {"resin", 1.1}};
    for (size_t i = 0; i < 3; i++) {
        const lw_metal *m = get(&t, pat[i].id);
        assert_int_equal(m->kind, LW_METAL_PATTERN);
        assert_true(fabs(m->density - pat[i].sg) < 1e-12);
        assert_int_equal(m->fineness, 0);
    }
    assert_int_equal(t.n, sizeof k_rows / sizeof k_rows[0] + 3);
    /* Every row: a karat in the id means the hallmark fineness (24/22/18/14/10K: 999, 916,
     * 750, 585, 417), a colour, a source. */
    for (size_t i = 0; i < t.n; i++) {
        const lw_metal *m = &t.items[i];
        int karat = 0;
        if (sscanf(m->id, "%dk-", &karat) == 1 || sscanf(m->id, "%dk", &karat) == 1) {
            static const int want[25] = {[24] = 999, [22] = 916, [18] = 750, [14] = 585,
                                         [10] = 417};
            assert_true(karat > 0 && karat <= 24);
            assert_int_equal(m->fineness, want[karat]);
        }
        assert_true(m->source[0] != 0);
        assert_true(m->rgb <= 0xFFFFFF);
    }
    /* Lookups forgive case and separators. */
    assert_ptr_equal(lw_metals_find(&t, "18K_Yellow"), get(&t, "18k-yellow"));
    assert_null(lw_metals_find(&t, "unobtainium"));
    lw_metals_clear(&t);
}

static void test_worked_examples(void **state)
{
    (void)state;
    lw_metals t;
    load_shipped(&t);
    lw_err err;
    lw_err_clear(&err);
    lw_mg mg;
    /* Rio Grande (trade.md 3.2): tree wax 5.0 g, 14K yellow: (5.0 x 1.10) x 13.07 = 71.885 g,
     * "71.9 g to melt". */
    assert_int_equal(lw_metal_melt(get(&t, "wax"), get(&t, "14k-yellow"), 5000,
                                   LW_SPRUE_DEFAULT_PCT, &mg, &err), LW_OK);
    assert_int_equal(mg, 71885);
    assert_int_equal(lw_round_i64((double)mg / 100.0), 719); /* 71.9 g */
    /* BlueCast: sterling factor 10.36 / 1.09 = 9.5046 (trade.md 3.2: "9.5"). A 1.000 g resin
     * pattern without allowance gives 9.505 g; with 10 %: 1.1 x 9.5046 = 10.455 g. */
    assert_int_equal(lw_metal_melt(get(&t, "bluecast"), get(&t, "sterling"), 1000, 0, &mg,
                                   &err), LW_OK);
    assert_int_equal(mg, 9505);
    assert_int_equal(lw_round_i64((double)mg / 100.0), 95);
    assert_int_equal(lw_metal_melt(get(&t, "bluecast"), get(&t, "sterling"), 1000, 10, &mg,
                                   &err), LW_OK);
    assert_int_equal(mg, 10455);
    /* A 623.0 mm³ band in 18K yellow: 623.0 x 15.58 = 9706.34 mg. */
    assert_int_equal(lw_metal_weight(get(&t, "18k-yellow"), 623.0, &mg, &err), LW_OK);
    assert_int_equal(mg, 9706);
    /* The same band in sterling: 623.0 x 10.36 = 6454.28; in Pt950/Ru: 623 x 20.7 = 12896.1. */
    assert_int_equal(lw_metal_weight(get(&t, "sterling"), 623.0, &mg, &err), LW_OK);
    assert_int_equal(mg, 6454);
    assert_int_equal(lw_metal_weight(get(&t, "pt950-ru"), 623.0, &mg, &err), LW_OK);
    assert_int_equal(mg, 12896);
    /* Rounding is half away from zero: 0.5 mm³ of wax (1.0) is 0.5 mg -> 1 mg; 0.49 -> 0. */
    assert_int_equal(lw_metal_weight(get(&t, "wax"), 0.5, &mg, &err), LW_OK);
    assert_int_equal(mg, 1);
    assert_int_equal(lw_metal_weight(get(&t, "wax"), 0.49, &mg, &err), LW_OK);
    assert_int_equal(mg, 0);
    /* AU Enterprises' matrix: 14Y -> 18Y x 1.19 (15.58 / 13.07 = 1.1920). 10 g of 14K yellow
     * is 11.920 g of 18K yellow. */
    assert_int_equal(lw_metal_convert(get(&t, "14k-yellow"), get(&t, "18k-yellow"), 10000, &mg,
                                      &err), LW_OK);
    assert_int_equal(mg, 11920);
    assert_true(fabs((double)mg / 10000.0 - 1.19) < 0.005);
    lw_metals_clear(&t);
}

/* Stuller's own densities give its example: sterling 4 dwt -> 14K 5.02 dwt. */
static void test_stuller_conversion(void **state)
{
    (void)state;
    static const char stuller[] =
        "# Stuller's figures, for its example\n"
        "id\tname\tkind\tdensity\tfineness\tfine\tcolour\tsource\n"
        "ster-stuller\tSterling\talloy\t10.40\t925\tAg\t#D8D8D8\tStuller\n"
        "14y-stuller\t14K yellow\talloy\t13.07\t585\tAu\t#DDB95F\tStuller\n";
    lw_metals t;
    lw_metals_init(&t);
    lw_err err;
    lw_err_clear(&err);
    assert_int_equal(lw_metals_load(&t, stuller, sizeof stuller - 1, "stuller.tsv", &err), LW_OK);
    lw_mg four_dwt = lw_round_i64(4 * LW_MG_PER_DWT), mg; /* 6220.695 mg */
    assert_int_equal(four_dwt, 6221);
    assert_int_equal(lw_metal_convert(get(&t, "ster-stuller"), get(&t, "14y-stuller"), four_dwt,
                                      &mg, &err), LW_OK);
    /* 6221 x 13.07 / 10.40 = 7818.2 mg = 5.027 dwt: Stuller prints 5.02. */
    assert_int_equal(mg, 7818);
    assert_true(fabs(lw_mg_to(mg, LW_WEIGHT_DWT) - 5.02) < 0.01);
    lw_metals_clear(&t);
}

static void test_piece_weight(void **state)
{
    (void)state;
    lw_metals t;
    load_shipped(&t);
    lw_err err;
    lw_err_clear(&err);
    lw_piece_weight w;
    /* 5.000 g of 18K (750): fine 3.750 g; with a 1.000 ct stone: gross 5.200 g. */
    assert_int_equal(lw_metal_piece_weight(get(&t, "18k-yellow"), 5000, 1000, &w, &err), LW_OK);
    assert_int_equal(w.net, 5000);
    assert_int_equal(w.fine, 3750);
    assert_int_equal(w.gross, 5200);
    /* 1.234 g of 14K (585): 1234 x 0.585 = 721.89 -> 722 mg; 0.003 ct = 0.6 mg -> 1 mg. */
    assert_int_equal(lw_metal_piece_weight(get(&t, "14k-white-ni"), 1234, 3, &w, &err), LW_OK);
    assert_int_equal(w.fine, 722);
    assert_int_equal(w.gross, 1235);
    /* 0.002 ct = 0.4 mg -> 0; sterling 925: 1001 x 0.925 = 925.925 -> 926. */
    assert_int_equal(lw_metal_piece_weight(get(&t, "sterling"), 1001, 2, &w, &err), LW_OK);
    assert_int_equal(w.fine, 926);
    assert_int_equal(w.gross, 1001);
    /* Half a milligram of fine metal rounds up: 10 mg of 950 = 9.5 -> 10. */
    assert_int_equal(lw_metal_piece_weight(get(&t, "pt950-ru"), 10, 0, &w, &err), LW_OK);
    assert_int_equal(w.fine, 10);
    /* Brass has no fine metal. */
    assert_int_equal(lw_metal_piece_weight(get(&t, "brass"), 4000, 0, &w, &err), LW_OK);
    assert_int_equal(w.fine, 0);
    assert_int_equal(lw_metal_piece_weight(get(&t, "wax"), 4000, 0, &w, &err), LW_EINVAL);
    assert_int_equal(w.net, 0);
    lw_err_clear(&err);
    assert_int_equal(lw_metal_piece_weight(get(&t, "sterling"), -1, 0, &w, &err), LW_EINVAL);
    lw_err_clear(&err);
    assert_int_equal(lw_metal_piece_weight(get(&t, "sterling"), 1, -1, &w, &err), LW_EINVAL);
    lw_metals_clear(&t);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    lw_metals t;
    load_shipped(&t);
    lw_err err;
    lw_mg mg = 99;
    lw_err_clear(&err);
    assert_int_equal(lw_metal_weight(get(&t, "sterling"), -1, &mg, &err), LW_EINVAL);
    assert_int_equal(mg, 0);
    lw_err_clear(&err);
    assert_int_equal(lw_metal_weight(get(&t, "sterling"), NAN, &mg, &err), LW_EINVAL);
    lw_err_clear(&err);
    assert_int_equal(lw_metal_weight(get(&t, "sterling"), 2e9, &mg, &err), LW_EINVAL);
    lw_err_clear(&err);
    assert_int_equal(lw_metal_melt(get(&t, "sterling"), get(&t, "24k"), 100, 10, &mg, &err),
                     LW_EINVAL);
    assert_non_null(strstr(err.msg, "not a pattern material"));
    lw_err_clear(&err);
    assert_int_equal(lw_metal_melt(get(&t, "wax"), get(&t, "resin"), 100, 10, &mg, &err),
                     LW_EINVAL);
    lw_err_clear(&err);
    assert_int_equal(lw_metal_melt(get(&t, "wax"), get(&t, "24k"), 100, -1, &mg, &err),
                     LW_EINVAL);
    lw_err_clear(&err);
    assert_int_equal(lw_metal_melt(get(&t, "wax"), get(&t, "24k"), 100, NAN, &mg, &err),
                     LW_EINVAL);
    lw_err_clear(&err);
    assert_int_equal(lw_metal_convert(get(&t, "wax"), get(&t, "24k"), -5, &mg, &err), LW_EINVAL);
    /* Finding with a kind. */
    const lw_metal *m;
    lw_err_clear(&err);
    assert_int_equal(lw_metals_get(&t, "sterling", LW_METAL_PATTERN, &m, &err), LW_EINVAL);
    assert_null(m);
    assert_string_equal(err.msg, "'sterling' is an alloy, not a pattern material");
    lw_err_clear(&err);
    assert_int_equal(lw_metals_get(&t, "plastic", LW_METAL_PATTERN, &m, &err), LW_ENOTFOUND);
    assert_string_equal(err.msg, "no pattern material 'plastic' (known: wax, bluecast, resin)");
    lw_err_clear(&err);
    assert_int_equal(lw_metals_get(&t, "gold", LW_METAL_ALLOY, &m, &err), LW_ENOTFOUND);
    assert_non_null(strstr(err.msg, "18k-yellow"));
    assert_int_equal(lw_metals_get(&t, "Sterling", LW_METAL_ALLOY | LW_METAL_PATTERN, &m, &err),
                     LW_OK);
    assert_string_equal(m->id, "sterling");
    lw_metals_clear(&t);
}

static void test_parse_pct(void **state)
{
    (void)state;
    lw_err err;
    double p;
    static const struct { const char *s; double v; } ok[] = {
        {"10", 10}, {"10%", 10}, {"12.5 %", 12.5}, {" 0 ", 0}, {"500%", 500}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        lw_err_clear(&err);
        assert_int_equal(lw_metal_parse_pct(ok[i].s, &p, &err), LW_OK);
        assert_true(p == ok[i].v);
    }
    static const char *const bad[] = {"abc", "-5", "600", "10%%", "", "%", "nan", "10 %x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        lw_err_clear(&err);
        if (lw_metal_parse_pct(bad[i], &p, &err) != LW_EINVAL)
            fail_msg("'%s' accepted", bad[i]);
    }
}

static const char k_header[] = "id\tname\tkind\tdensity\tfineness\tfine\tcolour\tsource\n";

static void expect_load_error(const char *rows, const char *needle)
{
    char text[2048];
    snprintf(text, sizeof text, "%s%s", k_header, rows);
    lw_metals t;
    load_shipped(&t);
    size_t n = t.n;
    lw_err err;
    lw_err_clear(&err);
    if (lw_metals_load(&t, text, strlen(text), "studio.tsv", &err) == LW_OK)
        fail_msg("accepted:\n%s", text);
    assert_int_equal(t.n, n);
    assert_true(fabs(get(&t, "sterling")->density - 10.36) < 1e-12);
    if (!strstr(err.msg, needle))
        fail_msg("message '%s' lacks '%s'", err.msg, needle);
    lw_metals_clear(&t);
}

static void test_loader_errors(void **state)
{
    (void)state;
    /* The message format of the brief: file, line, column, the cell. */
    char text[2048];
    size_t len = 0;
    for (int i = 0; i < 10; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, "# comment %d\n", i);
    len += (size_t)snprintf(text + len, sizeof text - len, "%s", k_header);
    snprintf(text + len, sizeof text - len, "x\tX\talloy\tabc\t0\t-\t#000000\tme\n");
    lw_metals t;
    lw_metals_init(&t);
    lw_err err;
    lw_err_clear(&err);
    assert_int_equal(lw_metals_load(&t, text, strlen(text), "metals.tsv", &err), LW_EFORMAT);
    assert_string_equal(err.msg, "metals.tsv: line 12: density 'abc' is not a number");
    assert_int_equal(t.n, 0);
    lw_metals_clear(&t);

    expect_load_error("a\tA\talloy\t30\t0\t-\t#000000\tme\n", "density 30 of a is outside");
    expect_load_error("a\tA\tmetal\t8\t0\t-\t#000000\tme\n", "kind 'metal'");
    expect_load_error("a\tA\talloy\t8\t7.5\t-\t#000000\tme\n", "fineness '7.5'");
    expect_load_error("a\tA\talloy\t8\t1001\tAu\t#000000\tme\n", "fineness 1001");
    expect_load_error("a\tA\talloy\t8\t750\t-\t#000000\tme\n", "a fineness needs its fine");
    expect_load_error("a\tA\talloy\t8\t0\tAu\t#000000\tme\n", "a fineness needs its fine");
    expect_load_error("a\tA\talloy\t8\t750\tCu\t#000000\tme\n", "fine 'Cu'");
    expect_load_error("a\tA\tpattern\t1\t750\tAu\t#000000\tme\n", "pattern material");
    expect_load_error("a\tA\talloy\t8\t0\t-\tred\tme\n", "colour 'red'");
    expect_load_error("a\tA\talloy\t8\t0\t-\t#00000G\tme\n", "colour");
    expect_load_error("a\tA\talloy\t8\t0\t-\t#000000\t\n", "no source");
    expect_load_error("A b\tA\talloy\t8\t0\t-\t#000000\tme\n", "id 'A b'");
    expect_load_error("a\t\talloy\t8\t0\t-\t#000000\tme\n", "name of a");
    expect_load_error("a\tA\talloy\t8\t0\t-\t#000000\tme\na\tB\talloy\t9\t0\t-\t#000000\tme\n",
                      "line 3: id a is already on line 2");
    expect_load_error("a\tA\talloy\t8\t0\t-\t#000000\n", "line 2: 7 fields, expected 8");
    /* Columns: unknown or missing. */
    lw_metals_init(&t);
    static const char extra[] = "id\tname\tkind\tdensity\tfineness\tfine\tcolour\tsource\tx\n";
    lw_err_clear(&err);
    assert_int_equal(lw_metals_load(&t, extra, sizeof extra - 1, "m.tsv", &err), LW_EFORMAT);
    assert_non_null(strstr(err.msg, "unknown column 'x'"));
    static const char missing[] = "id\tname\tkind\tdensity\tfineness\tfine\tsource\n";
    lw_err_clear(&err);
    assert_int_equal(lw_metals_load(&t, missing, sizeof missing - 1, "m.tsv", &err), LW_EFORMAT);
    assert_string_equal(err.msg, "m.tsv: no column 'colour'");
    lw_metals_clear(&t);
}

/* A studio's table on top of the shipped one. */
static void test_studio_overlay(void **state)
{
    (void)state;
    lw_metals t;
    load_shipped(&t);
    size_t n = t.n;
    static const char studio[] =
        "# our own: sterling as Stuller weighs it, and our house alloy\n"
        "source\tid\tname\tkind\tdensity\tfineness\tfine\tcolour\n" /* columns in any order */
        "Stuller\tsterling\tSterling (Stuller)\talloy\t10.40\t925\tAg\t#D8D8D8\n"
        "our assay\thouse-rose\tHouse rose 14K\talloy\t13.2\t585\tAu\t#E0A080\n";
    lw_err err;
    lw_err_clear(&err);
    assert_int_equal(lw_metals_load(&t, studio, sizeof studio - 1, "studio.tsv", &err), LW_OK);
    assert_int_equal(t.n, n + 1);
    const lw_metal *s = get(&t, "sterling");
    assert_true(fabs(s->density - 10.40) < 1e-12);
    assert_string_equal(s->name, "Sterling (Stuller)");
    assert_string_equal(s->source, "Stuller");
    assert_string_equal(t.items[n].id, "house-rose");
    assert_int_equal(get(&t, "house-rose")->rgb, 0xE0A080);
    lw_metals_clear(&t);
}

static int load_both(void *ctx)
{
    (void)ctx;
    lw_metals t;
    lw_metals_init(&t);
    lw_err err;
    lw_err_clear(&err);
    lw_rc rc = load_shipped_into(&t, &err);
    size_t n = t.n;
    if (!rc) {
        static const char studio[] =
            "id\tname\tkind\tdensity\tfineness\tfine\tcolour\tsource\n"
            "sterling\tS\talloy\t10.4\t925\tAg\t#D8D8D8\tStuller\n"
            "new-one\tN\talloy\t9\t0\t-\t#D8D8D8\tme\n";
        rc = lw_metals_load(&t, studio, sizeof studio - 1, "studio.tsv", &err);
        if (rc && (t.n != n || fabs(lw_metals_find(&t, "sterling")->density - 10.36) > 1e-12))
            fail_msg("a failed load changed the table");
    }
    lw_metals_clear(&t);
    return (int)rc;
}

static void test_alloc_torture(void **state)
{
    (void)state;
    assert_true(lwt_alloc_torture(load_both, NULL) > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_table),  cmocka_unit_test(test_worked_examples),
        cmocka_unit_test(test_stuller_conversion), cmocka_unit_test(test_piece_weight),
        cmocka_unit_test(test_bad_arguments),  cmocka_unit_test(test_parse_pct),
        cmocka_unit_test(test_loader_errors),  cmocka_unit_test(test_studio_overlay),
        cmocka_unit_test(test_alloc_torture),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
