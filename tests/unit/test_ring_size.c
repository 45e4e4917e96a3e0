/* Tests of src/design/ring_size: the shipped charts load and agree with the trade notes' tables
 * (trade.md 2.2 cross-reference, the JIS and JewelCraft figures), sizes read however customers
 * write them, conversions find the nearest size or say there is none, and a studio's chart
 * loads on top of the shipped ones. */
#include "lwtest.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/file.h"
#include "base/text.h"
#include "design/ring_size.h"

static const char *const k_chart_files[] = {
    "us-jc.tsv", "us-wiki.tsv", "uk-bs.tsv",  "uk-trade.tsv",  "iso.tsv",    "ch.tsv",
    "jp-jis.tsv", "jp-jc.tsv",  "cn-jis.tsv", "in-retail.tsv", "in-rajmudra.tsv", "hk-jc.tsv",
};
#define N_CHART_FILES (sizeof k_chart_files / sizeof k_chart_files[0])

static lw_rc load_file(lw_ring_charts *set, const char *file, lw_err *err)
{
    char rel[128];
    snprintf(rel, sizeof rel, "data/ring-sizes/%s", file);
    uint8_t *data;
    size_t len;
    lw_rc rc = lw_file_read(lwt_source(rel), LW_RING_TEXT_MAX, &data, &len, err);
    if (rc)
        return rc;
    rc = lw_ring_charts_load(set, (const char *)data, len, file, err);
    lw_free(data);
    return rc;
}

static void load_shipped(lw_ring_charts *set)
{
    lw_ring_charts_init(set);
    for (size_t i = 0; i < N_CHART_FILES; i++) {
        lw_err err;
        lw_err_clear(&err);
        if (load_file(set, k_chart_files[i], &err))
            fail_msg("%s", err.msg);
    }
}

static const lw_ring_chart *chart(const lw_ring_charts *set, const char *name)
{
    const lw_ring_chart *c = lw_ring_charts_find(set, name);
    if (!c)
        fail_msg("no chart %s", name);
    return c;
}

static lw_ring_size parse_ok(const lw_ring_chart *c, const char *text)
{
    lw_ring_size s;
    lw_err err;
    lw_err_clear(&err);
    if (lw_ring_size_parse(c, text, &s, &err))
        fail_msg("%s '%s': %s", c->id, text, err.msg);
    assert_string_equal(s.chart, c->id);
    return s;
}

static void parse_fails(const lw_ring_chart *c, const char *text, const char *needle)
{
    lw_ring_size s;
    lw_err err;
    lw_err_clear(&err);
    assert_int_equal(lw_ring_size_parse(c, text, &s, &err), LW_EINVAL);
    assert_int_equal(s.circ_cmm, 0);
    if (needle && !strstr(err.msg, needle))
        fail_msg("%s '%s': message '%s' lacks '%s'", c->id, text, err.msg, needle);
}

static void test_shipped_charts_load(void **state)
{
    (void)state;
    lw_ring_charts set;
    load_shipped(&set);
    assert_int_equal(set.n, N_CHART_FILES);
    /* The defaults docs/internals/calculators.md promises, and the country aliases. */
    static const char *const defaults[][2] = {
        {"us", "us-jc"},     {"uk", "uk-bs"}, {"iso", "iso"}, {"ch", "ch"},
        {"jp", "jp-jis"},    {"cn", "cn-jis"}, {"hk", "hk-jc"}, {"in", "in-retail"},
        {"ca", "us-jc"},     {"au", "uk-bs"}, {"de", "iso"}, {"it", "ch"},
        {"US", "us-jc"},     {"us-wiki", "us-wiki"}, {"UK-Trade", "uk-trade"},
    };
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
        assert_string_equal(chart(&set, defaults[i][0])->id, defaults[i][1]);
    const lw_ring_chart *c;
    lw_err err;
    lw_err_clear(&err);
    assert_int_equal(lw_ring_charts_get(&set, "mars", &c, &err), LW_ENOTFOUND);
    assert_null(c);
    assert_non_null(strstr(err.msg, "us-jc"));
    assert_non_null(strstr(err.msg, "systems: us"));
    for (size_t i = 0; i < set.n; i++) {
        assert_true(set.items[i].source[0] != 0);
        assert_true(set.items[i].title[0] != 0);
    }
    lw_ring_charts_clear(&set);
}

/* trade.md 2.2, every row: US size, C mm, diameter mm, UK (BS-style), CH, JP (JC), HK (JC);
 * "-" where the table has no size. C and the diameter are rounded to 0.01 mm in the table, CH
 * to 0.1. */
static const struct {
    const char *us;
    double circ, dia;
    const char *uk;
    double ch;
    const char *jp, *hk;
} k_cross[] = {
    {"3", 44.20, 14.07, "F½", 4.2, "4", "6"},      {"3.5", 45.47, 14.47, "G½", 5.5, "-", "7"},
    {"4", 46.75, 14.88, "H½", 6.8, "7", "-"},      {"4.5", 48.03, 15.29, "I½", 8.0, "8", "-"},
    {"5", 49.30, 15.69, "J½", 9.3, "9", "-"},      {"5.5", 50.58, 16.10, "K½", 10.6, "-", "12"},
    {"6", 51.86, 16.51, "L½", 11.9, "12", "13"},   {"6.5", 53.13, 16.91, "M½", 13.1, "13", "14"},
    {"7", 54.41, 17.32, "N½", 14.4, "14", "15"},   {"7.5", 55.69, 17.73, "O½", 15.7, "15", "16"},
    {"8", 56.96, 18.13, "P½", 17.0, "16", "-"},    {"8.5", 58.24, 18.54, "Q½", 18.2, "17", "-"},
    {"9", 59.52, 18.95, "R½", 19.5, "18", "20"},   {"9.5", 60.79, 19.35, "S½", 20.8, "19", "21"},
    {"10", 62.07, 19.76, "T½", 22.1, "20", "22"},  {"10.5", 63.35, 20.16, "U½", 23.4, "22", "-"},
    {"11", 64.63, 20.57, "V½", 24.6, "23", "-"},   {"11.5", 65.90, 20.98, "W½", 25.9, "24", "26"},
    {"12", 67.18, 21.38, "X½", 27.2, "25", "27"},  {"12.5", 68.46, 21.79, "Z", 28.5, "26", "28"},
    {"13", 69.73, 22.20, "Z+½|Z+1", 29.7, "27", "-"},
};

/* The table's size `want` ("-" for none) against what the chart shows for circ_cmm. */
static void check_table_size(const lw_ring_chart *c, lw_circ_cmm circ_cmm, const char *want,
                             const char *us)
{
    lw_ring_match m;
    lw_ring_size_to(c, circ_cmm, &m);
    if (strcmp(want, "-") == 0) {
        if (m.found)
            fail_msg("US %s on %s: expected no size, got %s", us, c->id, m.label);
        return;
    }
    if (!m.found)
        fail_msg("US %s on %s: expected %s, got none (nearest %s, %+.3f mm)", us, c->id, want,
                 m.label, m.diff_mm);
    /* Compare by what the labels stand for, so "N½" in the table equals "N1/2" on the chart;
     * "a|b" accepts either (the table's "Z+½…Z+1 (chart-dependent)"). */
    lw_ring_size got = parse_ok(c, m.label);
    char alt[32];
    snprintf(alt, sizeof alt, "%s", want);
    for (char *tok = alt, *bar; tok; tok = bar) {
        bar = strchr(tok, '|');
        if (bar)
            *bar++ = 0;
        if (parse_ok(c, tok).circ_cmm == got.circ_cmm)
            return;
    }
    fail_msg("US %s on %s: expected %s, got %s", us, c->id, want, m.label);
}

static void test_cross_reference_table(void **state)
{
    (void)state;
    lw_ring_charts set;
    load_shipped(&set);
    const lw_ring_chart *us = chart(&set, "us"), *uk = chart(&set, "uk"), *ch = chart(&set, "ch");
    const lw_ring_chart *jp = chart(&set, "jp-jc"), *hk = chart(&set, "hk"), *wiki =
        chart(&set, "us-wiki");
    for (size_t i = 0; i < sizeof k_cross / sizeof k_cross[0]; i++) {
        lw_ring_size s = parse_ok(us, k_cross[i].us);
        lw_ring_match m;
        lw_ring_size_to(us, s.circ_cmm, &m);
        assert_true(m.found);
        /* The chart stores 3 decimals, the table shows 2: they differ by at most 0.0055. */
        if (fabs(m.circ_mm - k_cross[i].circ) > 0.0055)
            fail_msg("US %s: chart %.3f mm, table %.2f", k_cross[i].us, m.circ_mm,
                     k_cross[i].circ);
        if (fabs(m.circ_mm / M_PI - k_cross[i].dia) > 0.0055)
            fail_msg("US %s: diameter %.3f mm, table %.2f", k_cross[i].us, m.circ_mm / M_PI,
                     k_cross[i].dia);
        /* The stored size is the circumference to 1/100 mm. */
        assert_true(fabs(lw_ring_circ_mm(s.circ_cmm) - m.circ_mm) <= 0.005 + 1e-9);
        check_table_size(uk, s.circ_cmm, k_cross[i].uk, k_cross[i].us);
        check_table_size(jp, s.circ_cmm, k_cross[i].jp, k_cross[i].us);
        check_table_size(hk, s.circ_cmm, k_cross[i].hk, k_cross[i].us);
        lw_ring_match mc;
        lw_ring_size_to(ch, s.circ_cmm, &mc);
        assert_true(mc.found);
        double shown;
        assert_true(lw_parse_f64_str(mc.label, &shown));
        if (fabs(shown - k_cross[i].ch) > 1e-9)
            fail_msg("US %s: CH %s, table %.1f", k_cross[i].us, mc.label, k_cross[i].ch);
        /* Wikipedia's chart (36.5 + 2.55 s) runs 0.05-0.08 mm below (trade.md 2.2). */
        lw_ring_size w = parse_ok(wiki, k_cross[i].us);
        double below = lw_ring_circ_mm(s.circ_cmm) - lw_ring_circ_mm(w.circ_cmm);
        if (below < 0.03 || below > 0.095)
            fail_msg("US %s: us-wiki is %.3f mm below us-jc", k_cross[i].us, below);
    }
    lw_ring_charts_clear(&set);
}

static void test_uk_letters(void **state)
{
    (void)state;
    lw_ring_charts set;
    load_shipped(&set);
    const lw_ring_chart *uk = chart(&set, "uk");
    /* BS-style model: C = 37.5 + 1.25 i, A = 0. N½ = 37.5 + 1.25 x 13.5 = 54.375 mm, stored
     * rounded half away from zero to 54.38. */
    static const char *const n_half[] = {"N1/2", "N½", "N 1/2", "N.5", "n1/2", "N-1/2", " N ½ "};
    for (size_t i = 0; i < sizeof n_half / sizeof n_half[0]; i++)
        assert_int_equal(parse_ok(uk, n_half[i]).circ_cmm, 5438);
    /* The figures trade.md 2.2 lists for the model. */
    static const struct { const char *label; double circ; } letters[] = {
        {"A", 37.50}, {"C", 40.00}, {"F", 43.75}, {"H", 46.25}, {"K", 50.00}, {"M", 52.50},
        {"N", 53.75}, {"P", 56.25}, {"R", 58.75}, {"T", 61.25}, {"V", 63.75}, {"X", 66.25},
        {"Z", 68.75},
    };
    for (size_t i = 0; i < sizeof letters / sizeof letters[0]; i++)
        assert_int_equal(parse_ok(uk, letters[i].label).circ_cmm,
                         (lw_circ_cmm)lround(letters[i].circ * 100));
    /* UK C = 40.0 mm = CH 0 (trade.md 2.1). */
    lw_ring_match m;
    lw_ring_size_to(chart(&set, "ch"), parse_ok(uk, "C").circ_cmm, &m);
    assert_true(m.found);
    assert_string_equal(m.label, "0.0");
    /* Z+n continues the line: Z+1 = 68.75 + 1.25 = 70.00, Z+6 = 76.25; Z+½ is Z½. */
    assert_int_equal(parse_ok(uk, "Z+1").circ_cmm, 7000);
    assert_int_equal(parse_ok(uk, "Z+6").circ_cmm, 7625);
    assert_int_equal(parse_ok(uk, "Z+1 1/2").circ_cmm, 7063); /* 70.625 */
    assert_int_equal(parse_ok(uk, "Z+1½").circ_cmm, 7063);
    assert_int_equal(parse_ok(uk, "Z+1.5").circ_cmm, 7063);
    assert_int_equal(parse_ok(uk, "Z+½").circ_cmm, parse_ok(uk, "Z1/2").circ_cmm);
    parse_fails(uk, "Q3/4", "nearest: Q1/2, R"); /* quarters are not on the chart */
    parse_fails(uk, "N+1", "not a UK size");     /* only Z has plus sizes */
    parse_fails(uk, "Z+7", "off chart");
    parse_fails(uk, "N1", NULL);
    parse_fails(uk, "AA", NULL);
    parse_fails(uk, "", NULL);
    parse_fails(uk, "7", NULL);
    /* The trade chart: A 37.8 and I 48.0 mm; Z+1 70.4, Z+2 71.6 mm (trade.md 2.2). */
    const lw_ring_chart *tr = chart(&set, "uk-trade");
    static const struct { const char *label; double circ; } trade[] = {
        {"A", 37.8}, {"I", 48.0}, {"Z+1", 70.4}, {"Z+2", 71.6}};
    for (size_t i = 0; i < 4; i++)
        assert_true(fabs(lw_ring_circ_mm(parse_ok(tr, trade[i].label).circ_cmm) -
                         trade[i].circ) <= 0.05 + 0.005);
    parse_fails(tr, "Z1/2", NULL); /* in trade charts Z+1 follows Z */
    lw_ring_charts_clear(&set);
}

static void test_us_numbers(void **state)
{
    (void)state;
    lw_ring_charts set;
    load_shipped(&set);
    const lw_ring_chart *us = chart(&set, "us");
    /* JewelCraft's formula, by hand: 36.5367 + 2.5535 x 7.25 = 55.04958 mm. */
    static const char *const q[] = {"7.25", "7 1/4", "7¼", "7-1/4", "7,25", "7 ¼", "07.25"};
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++)
        assert_int_equal(parse_ok(us, q[i]).circ_cmm, 5505);
    assert_int_equal(parse_ok(us, "7½").circ_cmm, parse_ok(us, "7.5").circ_cmm);
    assert_int_equal(parse_ok(us, "7 3/4").circ_cmm, parse_ok(us, "7.75").circ_cmm);
    /* 36.5367 + 2.5535 / 2 = 37.81345 */
    assert_int_equal(parse_ok(us, "½").circ_cmm, 3781);
    assert_int_equal(parse_ok(us, "1/2").circ_cmm, 3781);
    parse_fails(us, "7.3", "nearest: 7.25, 7.5"); /* not a quarter size: an error, not rounded */
    parse_fails(us, "-1", "negative");
    parse_fails(us, "abc", "not a US size");
    parse_fails(us, "17", "off chart");
    parse_fails(us, "7 1/3", NULL);
    parse_fails(us, "7/4", NULL);
    parse_fails(us, "N", NULL);
    parse_fails(us, "1e1", NULL);
    parse_fails(us, "nan", NULL);
    parse_fails(us, "7.1234567", NULL);
    parse_fails(us, "99999999999999999999", NULL);
    char longer[200];
    memset(longer, '7', sizeof longer - 1);
    longer[sizeof longer - 1] = 0;
    parse_fails(us, longer, "too long");
    lw_ring_charts_clear(&set);
}

static void test_japan_charts(void **state)
{
    (void)state;
    lw_ring_charts set;
    load_shipped(&set);
    const lw_ring_chart *jis = chart(&set, "jp"), *jc = chart(&set, "jp-jc");
    /* Rowlett/JIS: JP 1 = 40.8, JP 20 = 60.7, JP 27 = 68.1 mm; JewelCraft's table gives 39.1,
     * 62.1 and 69.7 mm (trade.md 2.2), each rounded to 0.1 mm. */
    static const struct { const char *n; double jis, jc; } k[] = {
        {"1", 40.8, 39.1}, {"20", 60.7, 62.1}, {"27", 68.1, 69.7}};
    for (size_t i = 0; i < 3; i++) {
        assert_true(fabs(lw_ring_circ_mm(parse_ok(jis, k[i].n).circ_cmm) - k[i].jis) <= 0.055);
        assert_true(fabs(lw_ring_circ_mm(parse_ok(jc, k[i].n).circ_cmm) - k[i].jc) <= 0.055);
    }
    /* JIS diameter (n + 38) / 3 mm: JP 14 = 52/3 = 17.333 mm, C = 54.454 mm. */
    lw_ring_size s = parse_ok(jis, "14");
    assert_int_equal(s.circ_cmm, 5445);
    assert_true(fabs(lw_ring_dia_mm(s.circ_cmm) - 52.0 / 3) < 0.005);
    /* Whole sizes only. */
    parse_fails(jis, "14.5", "nearest: 14, 15");
    /* CN is the JP column. */
    assert_int_equal(parse_ok(chart(&set, "cn"), "14").circ_cmm, s.circ_cmm);
    lw_ring_charts_clear(&set);
}

static void test_india_charts(void **state)
{
    (void)state;
    lw_ring_charts set;
    load_shipped(&set);
    /* The retailers' anchors (trade.md 2.3): 1 = 41.0, 5 = 44.8, 10 = 50.0, 15 = 55.1,
     * 20 = 60.2, 25 = 64.6, 30 = 69.7 mm. */
    static const struct { const char *n; lw_circ_cmm c; } anchors[] = {
        {"1", 4100}, {"5", 4480}, {"10", 5000}, {"15", 5510}, {"20", 6020}, {"25", 6460},
        {"30", 6970}};
    const lw_ring_chart *in = chart(&set, "in");
    for (size_t i = 0; i < sizeof anchors / sizeof anchors[0]; i++)
        assert_int_equal(parse_ok(in, anchors[i].n).circ_cmm, anchors[i].c);
    const lw_ring_chart *raj = chart(&set, "in-rajmudra");
    assert_int_equal(parse_ok(raj, "6").circ_cmm, 4590);
    assert_int_equal(parse_ok(raj, "25").circ_cmm, 6500);
    /* "about 40 + n mm in mid-range" */
    assert_true(fabs(lw_ring_circ_mm(parse_ok(raj, "15").circ_cmm) - 55.0) < 0.1);
    lw_ring_charts_clear(&set);
}

/* Every size of every chart reads back to itself. */
static void test_round_trips(void **state)
{
    (void)state;
    lw_ring_charts set;
    load_shipped(&set);
    for (size_t i = 0; i < set.n; i++) {
        const lw_ring_chart *c = &set.items[i];
        for (size_t r = 0; r < c->n; r++) {
            lw_ring_size s = parse_ok(c, c->rows[r].label);
            lw_ring_match m;
            lw_ring_size_to(c, s.circ_cmm, &m);
            if (!m.found)
                fail_msg("%s %s: not found again", c->id, c->rows[r].label);
            if (fabs(m.diff_mm) > 0.005 + 1e-9)
                fail_msg("%s %s: %.4f mm off", c->id, c->rows[r].label, m.diff_mm);
            if (c->continuous) {
                double a, b;
                assert_true(lw_parse_f64_str(m.label, &a));
                assert_true(lw_parse_f64_str(c->rows[r].label, &b));
                assert_true(fabs(a - b) < 1e-9);
            } else {
                assert_string_equal(m.label, c->rows[r].label);
            }
        }
        /* A value between two rows of a continuous chart is a size of its own. */
        if (c->continuous) {
            char between[32];
            snprintf(between, sizeof between, "%.1f", c->rows[0].value + 0.4);
            lw_ring_size s = parse_ok(c, between);
            lw_ring_match m;
            lw_ring_size_to(c, s.circ_cmm, &m);
            assert_string_equal(m.label, between);
        }
    }
    /* ISO: size = circumference. CH: C - 40 (trade.md 2.1: ISO 50 = CH 10). */
    lw_ring_size iso50 = parse_ok(chart(&set, "iso"), "50");
    assert_int_equal(iso50.circ_cmm, 5000);
    assert_int_equal(parse_ok(chart(&set, "ch"), "10").circ_cmm, 5000);
    assert_int_equal(parse_ok(chart(&set, "iso"), "54,4").circ_cmm, 5440);
    parse_fails(chart(&set, "iso"), "90", "off chart");
    parse_fails(chart(&set, "ch"), "-1", "negative");
    lw_ring_charts_clear(&set);
}

static void test_no_corresponding_size(void **state)
{
    (void)state;
    lw_ring_charts set;
    load_shipped(&set);
    lw_ring_match m;
    /* JewelCraft's JP table only matches within 0.12 US sizes: US 3.5 (45.47 mm) lies 0.125 US
     * sizes from JP 5 (US 3.375) and JP 6 (US 3.625). */
    lw_ring_size s = parse_ok(chart(&set, "us"), "3.5");
    lw_ring_size_to(chart(&set, "jp-jc"), s.circ_cmm, &m);
    assert_false(m.found);
    /* Off the ends: JIS JP 1 is 40.84 mm, half a step (0.52 mm) below is 40.32 mm. */
    lw_ring_size_to(chart(&set, "jp"), 4000, &m);
    assert_false(m.found);
    assert_string_equal(m.label, "1");
    lw_ring_size_to(chart(&set, "jp"), 4040, &m);
    assert_true(m.found);
    assert_string_equal(m.label, "1");
    lw_ring_size_to(chart(&set, "iso"), 8100, &m);
    assert_false(m.found);
    lw_ring_size_to(chart(&set, "ch"), 3990, &m);
    assert_false(m.found);
    /* Any value inside a table chart's span has a nearest size within half a step. */
    for (lw_circ_cmm c = 4084; c <= 6807; c += 7) {
        lw_ring_size_to(chart(&set, "jp"), c, &m);
        assert_true(m.found);
        assert_true(fabs(m.diff_mm) <= 1.05 / 2);
    }
    lw_ring_charts_clear(&set);
}

static lw_rc load_text(lw_ring_charts *set, const char *text, lw_err *err)
{
    lw_err_clear(err);
    return lw_ring_charts_load(set, text, strlen(text), "studio.tsv", err);
}

static void test_nearest_and_ties(void **state)
{
    (void)state;
    lw_ring_charts set;
    lw_ring_charts_init(&set);
    lw_err err;
    assert_int_equal(load_text(&set, "# chart: t\n# system: xx\nsize\tcirc_mm\n1\t50\n2\t52\n",
                               &err), LW_OK);
    const lw_ring_chart *t = chart(&set, "xx");
    lw_ring_match m;
    lw_ring_size_to(t, 5100, &m); /* exactly between: the larger size */
    assert_true(m.found);
    assert_string_equal(m.label, "2");
    assert_true(fabs(m.diff_mm + 1.0) < 1e-9);
    lw_ring_size_to(t, 4900, &m); /* half a step below the first size: still size 1 */
    assert_true(m.found);
    assert_string_equal(m.label, "1");
    lw_ring_size_to(t, 4899, &m);
    assert_false(m.found);
    assert_string_equal(m.label, "1");
    lw_ring_size_to(t, 5310, &m);
    assert_false(m.found);
    lw_ring_charts_clear(&set);
}

static void test_measurements(void **state)
{
    (void)state;
    lw_ring_size s;
    lw_ring_mm_kind kind;
    bool assumed;
    lw_err err;
    lw_err_clear(&err);
    assert_int_equal(lw_ring_size_parse_mm("54.4mm", &s, &kind, &assumed, &err), LW_OK);
    assert_int_equal(s.circ_cmm, 5440);
    assert_int_equal(kind, LW_RING_MM_CIRC);
    assert_true(assumed);
    assert_string_equal(s.chart, LW_RING_CHART_CIRC);
    /* 17.3 mm is below 30: a diameter, C = 17.3 pi = 54.3496 mm. */
    assert_int_equal(lw_ring_size_parse_mm("17.3", &s, &kind, &assumed, &err), LW_OK);
    assert_int_equal(s.circ_cmm, 5435);
    assert_int_equal(kind, LW_RING_MM_DIA);
    assert_true(assumed);
    assert_string_equal(s.chart, LW_RING_CHART_DIA);
    static const struct { const char *text; lw_circ_cmm c; int kind; bool assumed; } ok[] = {
        {"dia 17.3", 5435, LW_RING_MM_DIA, false}, {"d17.3mm", 5435, LW_RING_MM_DIA, false},
        {"ø 17.3", 5435, LW_RING_MM_DIA, false},   {"Ø17.3", 5435, LW_RING_MM_DIA, false},
        {"c 54.4", 5440, LW_RING_MM_CIRC, false},  {"circ: 54.4", 5440, LW_RING_MM_CIRC, false},
        {"54,4 mm", 5440, LW_RING_MM_CIRC, true},  {" 54.4 MM ", 5440, LW_RING_MM_CIRC, true},
        {"circumference 30", 3000, LW_RING_MM_CIRC, false},
        {"diameter 30", 9425, LW_RING_MM_DIA, false},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        if (lw_ring_size_parse_mm(ok[i].text, &s, &kind, &assumed, &err))
            fail_msg("'%s': %s", ok[i].text, err.msg);
        assert_int_equal(s.circ_cmm, ok[i].c);
        assert_int_equal(kind, ok[i].kind);
        assert_int_equal(assumed, ok[i].assumed);
    }
    static const char *const bad[] = {"abc", "-5mm", "5mm", "500mm", "54.4cm", "", "mm",
                                      "54.4mm mm", "d", "c -3", "inf", "nan"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        lw_err_clear(&err);
        if (lw_ring_size_parse_mm(bad[i], &s, NULL, NULL, &err) != LW_EINVAL)
            fail_msg("'%s' was accepted", bad[i]);
        assert_int_equal(s.circ_cmm, 0);
        assert_true(err.msg[0] != 0);
    }
    lw_err_clear(&err);
    lw_ring_size_parse_mm("5mm", &s, NULL, NULL, &err);
    assert_non_null(strstr(err.msg, "smaller than any ring"));
}

static void expect_load_error(const char *text, lw_rc rc, const char *needle)
{
    lw_ring_charts set;
    lw_ring_charts_init(&set);
    lw_err err;
    if (load_text(&set, text, &err) != rc)
        fail_msg("expected %s for:\n%s\ngot '%s'", lw_rc_name(rc), text, err.msg);
    assert_int_equal(set.n, 0);
    if (!strstr(err.msg, needle))
        fail_msg("message '%s' lacks '%s'", err.msg, needle);
    lw_ring_charts_clear(&set);
}

static void test_loader_errors(void **state)
{
    (void)state;
    expect_load_error("# system: us\nsize\tcirc_mm\n1\t40\n2\t42\n", LW_EFORMAT,
                      "studio.tsv: no '# chart: ID'");
    expect_load_error("# chart: a\nsize\tcirc_mm\n1\t40\n2\t42\n", LW_EFORMAT, "# system");
    expect_load_error("# chart: a\n# system: us\nsize\tcirc_mm\n1\t40\n2\tabc\n", LW_EFORMAT,
                      "studio.tsv: line 5: circ_mm 'abc' is not a number");
    expect_load_error("# chart: a\n# system: us\nsize\tcirc\n1\t40\n2\t42\n", LW_EFORMAT,
                      "unknown column 'circ'");
    expect_load_error("# chart: a\n# system: us\nsize\tcirc_mm\n2\t40\n1\t42\n", LW_EFORMAT,
                      "line 5: size 1 does not come after 2");
    expect_load_error("# chart: a\n# system: us\nsize\tcirc_mm\n1\t42\n2\t40\n", LW_EFORMAT,
                      "line 5: circ_mm of 2");
    expect_load_error("# chart: a\n# chart: b\n# system: us\nsize\tcirc_mm\n1\t40\n2\t42\n",
                      LW_EFORMAT, "line 2: 'chart' is given twice");
    expect_load_error("# chart: A B\n# system: us\nsize\tcirc_mm\n1\t40\n2\t42\n", LW_EFORMAT,
                      "chart id 'A B'");
    expect_load_error("# chart: circ-mm\n# system: us\nsize\tcirc_mm\n1\t40\n2\t42\n",
                      LW_EFORMAT, "chart id");
    expect_load_error("# chart: a\n# system: US\nsize\tcirc_mm\n1\t40\n2\t42\n", LW_EFORMAT,
                      "system 'US'");
    expect_load_error("# chart: a\n# system: us\n# default: maybe\nsize\tcirc_mm\n1\t40\n2\t42\n",
                      LW_EFORMAT, "line 3: default 'maybe' is not yes or no");
    expect_load_error("# chart: a\n# system: uk\n# continuous: yes\nsize\tcirc_mm\nA\t40\nB\t42\n",
                      LW_EFORMAT, "numeric");
    expect_load_error("# chart: a\n# system: us\n# continuous: yes\n# match_mm: 0.3\n"
                      "size\tcirc_mm\n1\t40\n2\t42\n", LW_EFORMAT, "match_mm");
    expect_load_error("# chart: a\n# system: us\n# match_mm: -1\nsize\tcirc_mm\n1\t40\n2\t42\n",
                      LW_EFORMAT, "match_mm '-1'");
    expect_load_error("# chart: a\n# system: us\n# decimals: 7\nsize\tcirc_mm\n1\t40\n2\t42\n",
                      LW_EFORMAT, "decimals '7'");
    expect_load_error("# chart: a\n# system: us\nsize\tcirc_mm\n1\t40\n", LW_EFORMAT,
                      "at least two sizes");
    expect_load_error("# chart: a\n# system: us\nsize\tcirc_mm\n1\t40\n2\t200\n", LW_EFORMAT,
                      "line 5: circ_mm 200 is outside");
    expect_load_error("# chart: a\n# system: uk\nsize\tcirc_mm\nA\t40\nB+1\t42\n", LW_EFORMAT,
                      "line 5: size 'B+1' does not read as a letter size");
    expect_load_error("# chart: a\n# system: us\nsize\tcirc_mm\n1\t40\n2\t42\t9\n", LW_EFORMAT,
                      "studio.tsv: line 5: 3 fields, expected 2");
    expect_load_error("# chart: a\n# system: us\nsize\tcirc_mm\n1\t40\nxxxxxxxxxxxxxxxxxxxxxxxxxx"
                      "\t42\n", LW_EFORMAT, "must be 1-23 characters");
    expect_load_error("# chart: a\n# system: us\n", LW_EFORMAT, "no header");
    static char big[LW_RING_TEXT_MAX + 2];
    memset(big, '#', sizeof big);
    big[sizeof big - 1] = 0;
    expect_load_error(big, LW_ELIMIT, "at most");
    char src[400];
    snprintf(src, sizeof src, "# chart: a\n# system: us\n# source: %0250d\nsize\tcirc_mm\n1\t40\n"
             "2\t42\n", 7);
    expect_load_error(src, LW_ELIMIT, "source is longer");
    /* A NUL byte inside the text. */
    lw_ring_charts set;
    lw_ring_charts_init(&set);
    lw_err err;
    lw_err_clear(&err);
    static const char nul[] = "# chart: a\n# system: us\nsize\tcirc_mm\n1\t4\0000\n2\t42\n";
    assert_int_equal(lw_ring_charts_load(&set, nul, sizeof nul - 1, "nul.tsv", &err),
                     LW_EFORMAT);
    assert_int_equal(set.n, 0);
    lw_ring_charts_clear(&set);
}

static void test_studio_overlay(void **state)
{
    (void)state;
    lw_ring_charts set;
    load_shipped(&set);
    lw_err err;
    size_t n = set.n;
    /* A studio's own Indian chart, declared default: it wins over the shipped default. */
    assert_int_equal(load_text(&set, "# chart: in-mystore\n# system: in\n# default: yes\n"
                                     "size\tcirc_mm\n10\t50.5\n11\t51.5\n12\t52.5\n", &err), LW_OK);
    assert_int_equal(set.n, n + 1);
    assert_string_equal(chart(&set, "in")->id, "in-mystore");
    assert_string_equal(chart(&set, "in-retail")->id, "in-retail");
    /* Correcting a shipped chart: the same id replaces it whole. */
    assert_int_equal(load_text(&set, "# chart: hk-jc\n# system: hk\n"
                                     "size\tcirc_mm\n14\t53\n15\t54.5\n", &err), LW_OK);
    assert_int_equal(set.n, n + 1);
    const lw_ring_chart *hk = chart(&set, "hk");
    assert_int_equal(hk->n, 2);
    assert_int_equal(parse_ok(hk, "15").circ_cmm, 5450);
    /* A bad studio file changes nothing. */
    assert_int_equal(load_text(&set, "# chart: hk-jc\n# system: hk\nsize\tcirc_mm\n14\t53\n"
                                     "15\tbad\n", &err), LW_EFORMAT);
    assert_int_equal(set.n, n + 1);
    assert_int_equal(chart(&set, "hk")->n, 2);
    lw_ring_charts_clear(&set);
}

static int load_all(void *ctx)
{
    (void)ctx;
    lw_ring_charts set;
    lw_ring_charts_init(&set);
    lw_err err;
    lw_err_clear(&err);
    lw_rc rc = LW_OK;
    for (size_t i = 0; i < N_CHART_FILES && !rc; i++)
        rc = load_file(&set, k_chart_files[i], &err);
    if (!rc)
        rc = load_text(&set, "# chart: us-jc\n# system: us\nsize\tcirc_mm\n1\t40\n2\t42\n",
                       &err);
    if (rc && set.n > N_CHART_FILES)
        fail_msg("a failed load changed the set");
    lw_ring_charts_clear(&set);
    return (int)rc;
}

static void test_alloc_torture(void **state)
{
    (void)state;
    assert_true(lwt_alloc_torture(load_all, NULL) > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_charts_load),
        cmocka_unit_test(test_cross_reference_table),
        cmocka_unit_test(test_uk_letters),
        cmocka_unit_test(test_us_numbers),
        cmocka_unit_test(test_japan_charts),
        cmocka_unit_test(test_india_charts),
        cmocka_unit_test(test_round_trips),
        cmocka_unit_test(test_no_corresponding_size),
        cmocka_unit_test(test_nearest_and_ties),
        cmocka_unit_test(test_measurements),
        cmocka_unit_test(test_loader_errors),
        cmocka_unit_test(test_studio_overlay),
        cmocka_unit_test(test_alloc_torture),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
