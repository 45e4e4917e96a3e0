/* lostwax: ring-size charts, the reading of sizes as people write them, and conversion between
 * systems (see ring_size.h; the charts and their disagreements: docs/internals/calculators.md).
 *
 * Every label is reduced to a number before it is compared, so "7 1/4", "7¼" and "7.25" are the
 * same US size and "N½", "N 1/2" and "N.5" the same UK size, whichever way the chart file spells
 * them. Comparisons of circumferences are in double mm; only the stored size is rounded to
 * 1/100 mm.
 */
#include "design/ring_size.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/text.h"
#include "base/vec.h"
#include "base/table.h"

/* Two label values closer than this are the same size (labels are multiples of 1/16 or have at
 * most six decimals, so real sizes are far further apart). */
#define VALUE_EPS 1e-7
/* Slack for circumferences computed along different paths (interpolation, rounding). */
#define CIRC_EPS 1e-9
/* A millimetre value at or above this is a circumference, below it a diameter. */
#define MM_CIRC_THRESHOLD 30.0

/* ---- reading sizes -------------------------------------------------------------------------- */

static bool is_digit(char c) { return c >= '0' && c <= '9'; }


/* Reads at most `max` decimal digits. Returns how many were read (0: none), or -1 when there are
 * more than `max` (a label that long is not a size). */
static int read_digits(const char **pp, const char *end, int max, long *v)
{
    const char *p = *pp;
    long x = 0;
    int n = 0;
    while (p < end && is_digit(*p)) {
        if (n == max)
            return -1;
        x = x * 10 + (*p - '0');
        n++;
        p++;
    }
    *v = x;
    *pp = p;
    return n;
}

/* The UTF-8 vulgar fractions ¼ ½ ¾ (U+00BC..U+00BE). Returns the bytes used, 0 if none. */
static int read_vulgar(const char *p, const char *end, double *v)
{
    if (end - p < 2 || (unsigned char)p[0] != 0xC2)
        return 0;
    switch ((unsigned char)p[1]) {
    case 0xBC: *v = 0.25; return 2;
    case 0xBD: *v = 0.5; return 2;
    case 0xBE: *v = 0.75; return 2;
    default: return 0;
    }
}

/* "a/b" with b one of 2, 4, 8, 16 and 0 < a < b: the fractions ring sizes are written in. */
static bool read_slash_fraction(const char **pp, const char *end, double *v)
{
    const char *p = *pp;
    long a, b;
    if (read_digits(&p, end, 2, &a) <= 0 || p >= end || *p != '/')
        return false;
    p++;
    if (read_digits(&p, end, 2, &b) <= 0)
        return false;
    if (!(b == 2 || b == 4 || b == 8 || b == 16) || a <= 0 || a >= b)
        return false;
    *v = (double)a / (double)b;
    *pp = p;
    return true;
}

static bool read_fraction(const char **pp, const char *end, double *v)
{
    int n = read_vulgar(*pp, end, v);
    if (n) {
        *pp += n;
        return true;
    }
    return read_slash_fraction(pp, end, v);
}

/* A non-negative number as sizes are written: "7", "7.25", "7,25", ".5", "7 1/4", "7-1/4",
 * "7¼", "7 ½", "1/2", "½". Consumes what it reads; the caller checks what follows. */
static bool read_size_number(const char **pp, const char *end, double *out)
{
    const char *p = *pp, *q = p;
    double f;
    if (read_slash_fraction(&q, end, &f)) {
        *out = f;
        *pp = q;
        return true;
    }
    long ip;
    int nd = read_digits(&p, end, 6, &ip);
    if (nd < 0)
        return false;
    double v = nd > 0 ? (double)ip : 0.0;
    if (p + 1 < end && (*p == '.' || *p == ',') && is_digit(p[1])) {
        p++;
        long fd;
        int k = read_digits(&p, end, 6, &fd);
        if (k < 0)
            return false;
        v += (double)fd / pow(10.0, k);
        *out = v;
        *pp = p;
        return true;
    }
    if (nd == 0) {
        int n = read_vulgar(p, end, &f);
        if (!n)
            return false;
        *out = f;
        *pp = p + n;
        return true;
    }
    /* A fraction after the whole number: "7 1/4", "7-1/4", "7¼". */
    q = p;
    lw_skip_blanks(&q, end);
    if (q < end && *q == '-')
        q++;
    lw_skip_blanks(&q, end);
    if (read_fraction(&q, end, &f)) {
        v += f;
        p = q;
    }
    *out = v;
    *pp = p;
    return true;
}

/* A UK-style size: a letter, an optional fraction of a letter ("N1/2", "N ½", "N.5", "N-1/2"),
 * or after Z a "+" and a number of sizes ("Z+1", "Z+1 1/2", "Z+1.5", "Z+½" = "Z½"). The value
 * counts letters from A = 0, so Z+n is 25 + n. */
static bool read_letter_size(const char **pp, const char *end, double *out)
{
    const char *p = *pp;
    if (p >= end)
        return false;
    int c = (unsigned char)*p;
    if (c >= 'a' && c <= 'z')
        c -= 'a' - 'A';
    if (c < 'A' || c > 'Z')
        return false;
    p++;
    double base = c - 'A', f;
    const char *q = p;
    lw_skip_blanks(&q, end);
    if (q < end && *q == '+') {
        if (c != 'Z')
            return false;
        q++;
        lw_skip_blanks(&q, end);
        if (!read_size_number(&q, end, &f) || !(f > 0) || f > 99)
            return false;
        *out = base + f;
        *pp = q;
        return true;
    }
    if (q < end && *q == '-') {
        q++;
        lw_skip_blanks(&q, end);
    }
    bool got = false;
    if (q < end && *q == '.')
        got = read_size_number(&q, end, &f);
    else
        got = read_fraction(&q, end, &f);
    if (got) {
        if (!(f > 0 && f < 1))
            return false;
        *out = base + f;
        *pp = q;
        return true;
    }
    *out = base;
    *pp = p;
    return true;
}

/* Reads a whole label (surrounding blanks allowed) in the chart's syntax. */
static bool read_label(bool letters, const char *s, const char *end, double *value)
{
    lw_skip_blanks(&s, end);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    if (s == end)
        return false;
    bool ok = letters ? read_letter_size(&s, end, value) : read_size_number(&s, end, value);
    return ok && s == end;
}

/* ---- chart geometry ------------------------------------------------------------------------- */

/* Linear interpolation along the rows: the circumference of a value, and back. Values beyond the
 * ends extend the end segments (callers check the range first where it matters). */
static double circ_of_value(const lw_ring_chart *c, double v)
{
    size_t i = 0;
    while (i + 2 < c->n && v > c->rows[i + 1].value)
        i++;
    const lw_ring_row *a = &c->rows[i], *b = &c->rows[i + 1];
    return a->circ_mm + (b->circ_mm - a->circ_mm) * (v - a->value) / (b->value - a->value);
}

static double value_of_circ(const lw_ring_chart *c, double circ)
{
    size_t i = 0;
    while (i + 2 < c->n && circ > c->rows[i + 1].circ_mm)
        i++;
    const lw_ring_row *a = &c->rows[i], *b = &c->rows[i + 1];
    return a->value + (b->value - a->value) * (circ - a->circ_mm) / (b->circ_mm - a->circ_mm);
}

static void upper_system(const lw_ring_chart *c, char *buf, size_t size)
{
    size_t i = 0;
    for (; c->system[i] && i + 1 < size; i++) {
        char ch = c->system[i];
        buf[i] = (ch >= 'a' && ch <= 'z') ? (char)(ch - ('a' - 'A')) : ch;
    }
    buf[i] = 0;
}

double lw_ring_circ_mm(lw_circ_cmm circ_cmm) { return (double)circ_cmm / 100.0; }

double lw_ring_dia_mm(lw_circ_cmm circ_cmm) { return (double)circ_cmm / 100.0 / M_PI; }

static void size_set(lw_ring_size *out, double circ_mm, const char *chart)
{
    memset(out, 0, sizeof *out);
    out->circ_cmm = (lw_circ_cmm)lw_round_i64(circ_mm * 100.0);
    snprintf(out->chart, sizeof out->chart, "%s", chart);
}

lw_rc lw_ring_size_parse(const lw_ring_chart *c, const char *text, lw_ring_size *out,
                         lw_err *err)
{
    memset(out, 0, sizeof *out);
    char sys[LW_RING_SYSTEM_MAX];
    upper_system(c, sys, sizeof sys);
    size_t len = strlen(text);
    if (len > LW_RING_INPUT_MAX)
        return lw_err_set(err, LW_EINVAL, "%s size '%.20s...' is too long to be a size", sys,
                          text);
    const char *s = text, *end = text + len;
    lw_skip_blanks(&s, end);
    if (s < end && *s == '-')
        return lw_err_set(err, LW_EINVAL, "%s size '%s': sizes are never negative", sys, text);
    double v;
    if (!read_label(c->letters, text, end, &v))
        return lw_err_set(err, LW_EINVAL, "'%s' is not a %s size: chart %s has sizes %s ... %s",
                          text, sys, c->id, c->rows[0].label, c->rows[c->n - 1].label);
    if (c->continuous) {
        if (v < c->rows[0].value - VALUE_EPS || v > c->rows[c->n - 1].value + VALUE_EPS)
            return lw_err_set(err, LW_EINVAL, "%s size '%s' is off chart %s (%s ... %s)", sys,
                              text, c->id, c->rows[0].label, c->rows[c->n - 1].label);
        size_set(out, circ_of_value(c, v), c->id);
        return LW_OK;
    }
    size_t below = c->n, above = c->n;
    for (size_t i = 0; i < c->n; i++) {
        double d = c->rows[i].value - v;
        if (fabs(d) <= VALUE_EPS) {
            size_set(out, c->rows[i].circ_mm, c->id);
            return LW_OK;
        }
        if (d < 0)
            below = i;
        else if (above == c->n)
            above = i;
    }
    if (below == c->n || above == c->n)
        return lw_err_set(err, LW_EINVAL, "%s size '%s' is off chart %s (%s ... %s)", sys, text,
                          c->id, c->rows[0].label, c->rows[c->n - 1].label);
    return lw_err_set(err, LW_EINVAL, "%s size '%s' is not on chart %s (nearest: %s, %s)", sys,
                      text, c->id, c->rows[below].label, c->rows[above].label);
}

lw_rc lw_ring_size_parse_mm(const char *text, lw_ring_size *out, lw_ring_mm_kind *kind,
                            bool *assumed, lw_err *err)
{
    memset(out, 0, sizeof *out);
    size_t len = strlen(text);
    if (len > LW_RING_INPUT_MAX)
        return lw_err_set(err, LW_EINVAL, "'%.20s...' is too long to be a measurement", text);
    const char *p = text, *end = text + len;
    lw_skip_blanks(&p, end);
    int which = -1; /* -1 unknown, else an lw_ring_mm_kind */
    /* Longest words first, so "dia" is not read as "d" followed by junk. */
    static const struct { const char *word; lw_ring_mm_kind m; } prefixes[] = {
        {"circumference", LW_RING_MM_CIRC}, {"circ", LW_RING_MM_CIRC},
        {"c", LW_RING_MM_CIRC}, {"diameter", LW_RING_MM_DIA}, {"dia", LW_RING_MM_DIA},
        {"d", LW_RING_MM_DIA}, {"\xc3\xb8", LW_RING_MM_DIA}, {"\xc3\x98", LW_RING_MM_DIA},
        {"\xe2\x8c\x80", LW_RING_MM_DIA},
    };
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (lw_eat_word(&p, end, prefixes[i].word)) {
            which = (int)prefixes[i].m;
            lw_skip_blanks(&p, end);
            if (p < end && (*p == ':' || *p == '='))
                p++;
            lw_skip_blanks(&p, end);
            break;
        }
    if (p < end && *p == '-')
        return lw_err_set(err, LW_EINVAL, "'%s': a ring's size is never negative", text);
    double v;
    if (!read_size_number(&p, end, &v))
        return lw_err_set(err, LW_EINVAL, "'%s' is not a measurement: write the inner "
                          "circumference or diameter in mm (54.4mm, dia 17.3)", text);
    lw_skip_blanks(&p, end);
    lw_eat_word(&p, end, "mm");
    lw_skip_blanks(&p, end);
    if (p != end)
        return lw_err_set(err, LW_EINVAL, "'%s' is not a measurement: only mm are understood "
                          "(54.4mm, dia 17.3)", text);
    bool guessed = which < 0;
    if (guessed)
        which = v >= MM_CIRC_THRESHOLD ? (int)LW_RING_MM_CIRC : (int)LW_RING_MM_DIA;
    double circ = which == LW_RING_MM_DIA ? v * M_PI : v;
    if (!(circ >= LW_RING_CIRC_MIN_MM && circ <= LW_RING_CIRC_MAX_MM))
        return lw_err_set(err, LW_EINVAL, "'%s': %g mm %s is %s any ring (inner circumference "
                          "%g ... %g mm)", text, v,
                          which == LW_RING_MM_DIA ? "of diameter" : "of circumference",
                          circ < LW_RING_CIRC_MIN_MM ? "smaller than" : "larger than",
                          LW_RING_CIRC_MIN_MM, LW_RING_CIRC_MAX_MM);
    size_set(out, circ, which == LW_RING_MM_DIA ? LW_RING_CHART_DIA : LW_RING_CHART_CIRC);
    if (kind)
        *kind = (lw_ring_mm_kind)which;
    if (assumed)
        *assumed = guessed;
    return LW_OK;
}

void lw_ring_size_to(const lw_ring_chart *c, lw_circ_cmm circ_cmm, lw_ring_match *m)
{
    memset(m, 0, sizeof *m);
    double circ = lw_ring_circ_mm(circ_cmm);
    if (c->continuous) {
        const lw_ring_row *lo = &c->rows[0], *hi = &c->rows[c->n - 1];
        if (circ < lo->circ_mm - CIRC_EPS || circ > hi->circ_mm + CIRC_EPS) {
            const lw_ring_row *near = circ < lo->circ_mm ? lo : hi;
            m->circ_mm = near->circ_mm;
            m->diff_mm = circ - near->circ_mm;
            return;
        }
        double scale = pow(10.0, c->decimals);
        double shown = round(value_of_circ(c, circ) * scale) / scale + 0.0;
        snprintf(m->label, sizeof m->label, "%.*f", c->decimals, shown);
        m->circ_mm = circ_of_value(c, shown);
        m->diff_mm = circ - m->circ_mm;
        m->found = true;
        return;
    }
    size_t best = 0;
    double bd = INFINITY;
    for (size_t i = 0; i < c->n; i++) {
        double d = fabs(circ - c->rows[i].circ_mm);
        if (d <= bd) { /* rows ascend, so a tie goes to the larger size */
            bd = d;
            best = i;
        }
    }
    const lw_ring_row *r = &c->rows[best];
    double diff = circ - r->circ_mm, tol = c->match_mm;
    if (!(tol > 0)) {
        size_t nb;
        if (diff >= 0)
            nb = best + 1 < c->n ? best + 1 : best - 1;
        else
            nb = best > 0 ? best - 1 : best + 1;
        tol = fabs(c->rows[nb].circ_mm - r->circ_mm) / 2;
    }
    snprintf(m->label, sizeof m->label, "%s", r->label);
    m->circ_mm = r->circ_mm;
    m->diff_mm = diff;
    m->found = fabs(diff) <= tol + CIRC_EPS;
}

/* ---- loading charts ------------------------------------------------------------------------- */

void lw_ring_charts_init(lw_ring_charts *set) { memset(set, 0, sizeof *set); }

void lw_ring_charts_clear(lw_ring_charts *set)
{
    for (size_t i = 0; i < set->n; i++)
        lw_free(set->items[i].rows);
    lw_free(set->items);
    memset(set, 0, sizeof *set);
}


static bool valid_system(const char *s, size_t n)
{
    if (n == 0 || n >= LW_RING_SYSTEM_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < 'a' || s[i] > 'z')
            return false;
    return true;
}

enum { D_CHART, D_SYSTEM, D_DEFAULT, D_CONTINUOUS, D_DECIMALS, D_MATCH, D_TITLE, D_SOURCE, D_N };
static const char *const k_directives[D_N] = {"chart", "system", "default", "continuous",
                                              "decimals", "match_mm", "title", "source"};

static lw_rc yes_no(const char *v, size_t n, bool *out, const char *key, size_t line,
                    const char *name, lw_err *err)
{
    if (n == 3 && memcmp(v, "yes", 3) == 0)
        *out = true;
    else if (n == 2 && memcmp(v, "no", 2) == 0)
        *out = false;
    else
        return lw_err_set(err, LW_EFORMAT, "%s: line %zu: %s '%.*s' is not yes or no", name,
                          line, key, (int)(n > 40 ? 40 : n), v);
    return LW_OK;
}

/* One '# key: value' line (value = v[0..n)) into the chart. */
static lw_rc apply_directive(lw_ring_chart *c, int key, const char *v, size_t n, size_t line,
                             const char *name, lw_err *err)
{
    const char *k = k_directives[key];
    int shown = (int)(n > 40 ? 40 : n);
    char num[48];
    double x;
    switch (key) {
    case D_CHART:
        if (!lw_table_id_valid(v, n, LW_RING_ID_MAX) || (n == strlen(LW_RING_CHART_CIRC) &&
            memcmp(v, LW_RING_CHART_CIRC, n) == 0) || (n == strlen(LW_RING_CHART_DIA) &&
            memcmp(v, LW_RING_CHART_DIA, n) == 0))
            return lw_err_set(err, LW_EFORMAT, "%s: line %zu: chart id '%.*s' must be 1-%d "
                              "characters of a-z 0-9 . _ - (and not %s or %s)", name, line,
                              shown, v, LW_RING_ID_MAX - 1, LW_RING_CHART_CIRC,
                              LW_RING_CHART_DIA);
        memcpy(c->id, v, n);
        c->id[n] = 0;
        return LW_OK;
    case D_SYSTEM:
        if (!valid_system(v, n))
            return lw_err_set(err, LW_EFORMAT, "%s: line %zu: system '%.*s' must be 1-%d "
                              "letters a-z", name, line, shown, v, LW_RING_SYSTEM_MAX - 1);
        memcpy(c->system, v, n);
        c->system[n] = 0;
        return LW_OK;
    case D_DEFAULT: return yes_no(v, n, &c->declared_default, k, line, name, err);
    case D_CONTINUOUS: return yes_no(v, n, &c->continuous, k, line, name, err);
    case D_DECIMALS:
        if (n != 1 || v[0] < '0' || v[0] > '3')
            return lw_err_set(err, LW_EFORMAT, "%s: line %zu: decimals '%.*s' is not 0, 1, 2 "
                              "or 3", name, line, shown, v);
        c->decimals = v[0] - '0';
        return LW_OK;
    case D_MATCH:
        if (n >= sizeof num)
            n = sizeof num - 1;
        memcpy(num, v, n);
        num[n] = 0;
        if (!lw_parse_f64_str(num, &x) || !(x > 0 && x <= 10))
            return lw_err_set(err, LW_EFORMAT, "%s: line %zu: match_mm '%s' is not a number of "
                              "mm above 0 and at most 10", name, line, num);
        c->match_mm = x;
        return LW_OK;
    case D_TITLE:
    case D_SOURCE: {
        char *dst = key == D_TITLE ? c->title : c->source;
        size_t cap = key == D_TITLE ? LW_RING_TITLE_MAX : LW_RING_SOURCE_MAX;
        if (n >= cap)
            return lw_err_set(err, LW_ELIMIT, "%s: line %zu: %s is longer than %zu characters",
                              name, line, k, cap - 1);
        memcpy(dst, v, n);
        dst[n] = 0;
        return LW_OK;
    }
    default: return LW_OK;
    }
}

/* Reads the '# key: value' lines of the comment block before the header line. Other comment
 * lines are prose and are skipped. */
static lw_rc read_directives(const char *text, size_t len, const char *name, lw_ring_chart *c,
                             lw_err *err)
{
    size_t i = 0, line = 0;
    unsigned seen = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && text[j] != '\n')
            j++;
        line++;
        size_t e = j;
        if (e > i && text[e - 1] == '\r')
            e--;
        size_t k = i;
        while (k < e && (text[k] == ' ' || text[k] == '\t'))
            k++;
        if (k < e && text[k] != '#')
            break; /* the header line: directives end here */
        if (k < e) {
            k++;
            while (k < e && text[k] == ' ')
                k++;
            size_t ks = k;
            while (k < e && ((text[k] >= 'a' && text[k] <= 'z') || text[k] == '_'))
                k++;
            if (k > ks && k < e && text[k] == ':') {
                int key = -1;
                for (int d = 0; d < D_N; d++)
                    if (strlen(k_directives[d]) == k - ks &&
                        memcmp(k_directives[d], text + ks, k - ks) == 0)
                        key = d;
                if (key >= 0) {
                    if (seen & (1u << key))
                        return lw_err_set(err, LW_EFORMAT, "%s: line %zu: '%s' is given twice",
                                          name, line, k_directives[key]);
                    seen |= 1u << key;
                    size_t vs = k + 1, ve = e;
                    while (vs < ve && (text[vs] == ' ' || text[vs] == '\t'))
                        vs++;
                    while (ve > vs && (text[ve - 1] == ' ' || text[ve - 1] == '\t'))
                        ve--;
                    lw_rc rc = apply_directive(c, key, text + vs, ve - vs, line, name, err);
                    if (rc)
                        return rc;
                }
            }
        }
        i = j + 1;
    }
    if (!(seen & (1u << D_CHART)))
        return lw_err_set(err, LW_EFORMAT, "%s: no '# chart: ID' line before the header", name);
    if (!(seen & (1u << D_SYSTEM)))
        return lw_err_set(err, LW_EFORMAT, "%s: no '# system: NAME' line before the header",
                          name);
    if (c->continuous && (seen & (1u << D_MATCH)))
        return lw_err_set(err, LW_EFORMAT, "%s: match_mm applies to table charts, not to a "
                          "continuous one", name);
    return LW_OK;
}

static lw_rc read_rows(const lw_tsv *t, const char *name, lw_ring_chart *c, lw_err *err)
{
    long ci_size = lw_tsv_col(t, "size"), ci_circ = lw_tsv_col(t, "circ_mm");
    for (size_t i = 0; i < t->cols; i++)
        if ((long)i != ci_size && (long)i != ci_circ)
            return lw_err_set(err, LW_EFORMAT, "%s: unknown column '%.40s' (a chart has the "
                              "columns size and circ_mm)", name, t->header[i]);
    if (ci_size < 0 || ci_circ < 0)
        return lw_err_set(err, LW_EFORMAT, "%s: no column '%s'", name,
                          ci_size < 0 ? "size" : "circ_mm");
    if (t->rows < 2)
        return lw_err_set(err, LW_EFORMAT, "%s: a chart needs at least two sizes", name);
    const char *first = lw_tsv_cell(t, 0, (size_t)ci_size);
    while (*first == ' ')
        first++;
    c->letters = (*first >= 'A' && *first <= 'Z') || (*first >= 'a' && *first <= 'z');
    if (c->letters && c->continuous)
        return lw_err_set(err, LW_EFORMAT, "%s: a continuous chart needs numeric sizes", name);
    c->rows = lw_reallocarray(NULL, t->rows, sizeof *c->rows);
    if (!c->rows)
        return lw_err_nomem(err);
    c->n = t->rows;
    for (size_t r = 0; r < t->rows; r++) {
        size_t line = t->row_line[r];
        const char *label = lw_tsv_cell(t, r, (size_t)ci_size);
        const char *circ = lw_tsv_cell(t, r, (size_t)ci_circ);
        lw_ring_row *row = &c->rows[r];
        size_t ll = strlen(label);
        if (ll == 0 || ll >= LW_RING_LABEL_MAX)
            return lw_err_set(err, LW_EFORMAT, "%s: line %zu: size '%.30s' must be 1-%d "
                              "characters", name, line, label, LW_RING_LABEL_MAX - 1);
        memcpy(row->label, label, ll + 1);
        if (!read_label(c->letters, label, label + ll, &row->value))
            return lw_err_set(err, LW_EFORMAT, "%s: line %zu: size '%s' does not read as a %s",
                              name, line, label, c->letters ? "letter size (N, N1/2, Z+1)" :
                              "number (7, 7.25, 7 1/4)");
        if (!lw_parse_f64_str(circ, &row->circ_mm))
            return lw_err_set(err, LW_EFORMAT, "%s: line %zu: circ_mm '%.30s' is not a number",
                              name, line, circ);
        if (!(row->circ_mm >= LW_RING_CIRC_MIN_MM && row->circ_mm <= LW_RING_CIRC_MAX_MM))
            return lw_err_set(err, LW_EFORMAT, "%s: line %zu: circ_mm %g is outside %g ... %g "
                              "mm", name, line, row->circ_mm, LW_RING_CIRC_MIN_MM,
                              LW_RING_CIRC_MAX_MM);
        if (r > 0 && !(row->value > row[-1].value + VALUE_EPS))
            return lw_err_set(err, LW_EFORMAT, "%s: line %zu: size %s does not come after %s: "
                              "list sizes from small to large", name, line, row->label,
                              row[-1].label);
        if (r > 0 && !(row->circ_mm > row[-1].circ_mm))
            return lw_err_set(err, LW_EFORMAT, "%s: line %zu: circ_mm of %s (%g) is not larger "
                              "than that of %s (%g)", name, line, row->label, row->circ_mm,
                              row[-1].label, row[-1].circ_mm);
    }
    return LW_OK;
}

lw_rc lw_ring_charts_load(lw_ring_charts *set, const char *text, size_t len, const char *name,
                          lw_err *err)
{
    if (len > LW_RING_TEXT_MAX)
        return lw_err_set(err, LW_ELIMIT, "%s: %zu bytes: a chart file may have at most %d",
                          name, len, LW_RING_TEXT_MAX);
    lw_ring_chart c;
    memset(&c, 0, sizeof c);
    c.decimals = 1;
    lw_rc rc = read_directives(text, len, name, &c, err);
    if (rc)
        return rc;
    lw_tsv t;
    rc = lw_tsv_parse(text, len, LW_RING_ROWS_MAX, &t, err);
    if (rc) {
        lw_err_prefix(err, "%s", name);
        return rc;
    }
    rc = read_rows(&t, name, &c, err);
    lw_tsv_clear(&t);
    if (rc) {
        lw_free(c.rows);
        return rc;
    }
    size_t at = set->n;
    for (size_t i = 0; i < set->n; i++)
        if (strcmp(set->items[i].id, c.id) == 0)
            at = i;
    if (at == set->n) {
        rc = LW_VEC_RESERVE(set->items, set->cap, set->n + 1, LW_RING_CHARTS_MAX);
        if (rc) {
            lw_free(c.rows);
            if (rc == LW_ELIMIT)
                return lw_err_set(err, LW_ELIMIT, "%s: more than %d ring-size charts", name,
                                  LW_RING_CHARTS_MAX);
            return lw_err_nomem(err);
        }
        set->n++;
    } else {
        lw_free(set->items[at].rows);
    }
    c.seq = ++set->seq;
    set->items[at] = c;
    return LW_OK;
}

/* ---- finding charts ------------------------------------------------------------------------- */

static const struct { const char *alias, *system; } k_aliases[] = {
    {"usa", "us"}, {"ca", "us"}, {"canada", "us"}, {"mx", "us"},
    {"gb", "uk"}, {"britain", "uk"}, {"ie", "uk"}, {"au", "uk"}, {"nz", "uk"}, {"za", "uk"},
    {"eu", "iso"}, {"de", "iso"}, {"fr", "iso"}, {"at", "iso"}, {"be", "iso"},
    {"it", "ch"}, {"es", "ch"}, {"nl", "ch"}, {"swiss", "ch"},
    {"japan", "jp"}, {"china", "cn"}, {"india", "in"}, {"hongkong", "hk"},
};

const lw_ring_chart *lw_ring_charts_default(const lw_ring_charts *set, const char *system)
{
    const lw_ring_chart *declared = NULL, *first = NULL;
    for (size_t i = 0; i < set->n; i++) {
        const lw_ring_chart *c = &set->items[i];
        if (strcmp(c->system, system) != 0)
            continue;
        if (c->declared_default && (!declared || c->seq > declared->seq))
            declared = c;
        if (!first || c->seq < first->seq)
            first = c;
    }
    return declared ? declared : first;
}

const lw_ring_chart *lw_ring_charts_find(const lw_ring_charts *set, const char *name)
{
    char low[LW_RING_ID_MAX];
    size_t n = strlen(name);
    if (n == 0 || n >= sizeof low)
        return NULL;
    for (size_t i = 0; i <= n; i++) {
        char ch = name[i];
        low[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch + ('a' - 'A')) : ch;
    }
    for (size_t i = 0; i < set->n; i++)
        if (strcmp(set->items[i].id, low) == 0)
            return &set->items[i];
    const lw_ring_chart *c = lw_ring_charts_default(set, low);
    if (c)
        return c;
    for (size_t i = 0; i < sizeof k_aliases / sizeof k_aliases[0]; i++)
        if (strcmp(k_aliases[i].alias, low) == 0)
            return lw_ring_charts_default(set, k_aliases[i].system);
    return NULL;
}

lw_rc lw_ring_charts_get(const lw_ring_charts *set, const char *name, const lw_ring_chart **out,
                         lw_err *err)
{
    *out = lw_ring_charts_find(set, name);
    if (*out)
        return LW_OK;
    char systems[160] = "", charts[320] = "";
    size_t ls = 0, lc = 0;
    for (size_t i = 0; i < set->n; i++) {
        const lw_ring_chart *c = &set->items[i];
        bool dup = false;
        for (size_t j = 0; j < i; j++)
            dup |= strcmp(set->items[j].system, c->system) == 0;
        if (!dup && ls < sizeof systems) {
            int w = snprintf(systems + ls, sizeof systems - ls, "%s%s", ls ? ", " : "",
                             c->system);
            ls += w > 0 ? (size_t)w : 0;
        }
        if (lc < sizeof charts) {
            int w = snprintf(charts + lc, sizeof charts - lc, "%s%s", lc ? ", " : "", c->id);
            lc += w > 0 ? (size_t)w : 0;
        }
    }
    if (set->n == 0)
        return lw_err_set(err, LW_ENOTFOUND, "no ring-size chart '%.40s': no charts are loaded",
                          name);
    return lw_err_set(err, LW_ENOTFOUND, "no ring-size chart or system '%.40s' (systems: %s; "
                      "charts: %s)", name, systems, charts);
}
