/* lostwax: locale-free number parsing and TSV tables (see text.h).
 *
 * Why our own float parser: strtod needs a NUL-terminated string (mesh parsers work on mapped
 * bytes), follows the process locale (a German locale would read "1,5"), and is the bottleneck of
 * ASCII STL and OBJ loading. The fast path is Clinger's: a mantissa below 2^53 scaled by an exact
 * power of ten up to 1e22 is correctly rounded by one IEEE multiply or divide. Anything else goes
 * to strtod on a bounded copy, so every result is correctly rounded.
 */
#include "base/text.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/vec.h"

static const double k_pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static int lower(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

void lw_skip_blanks(const char **p, const char *end)
{
    while (*p < end && (**p == ' ' || **p == '\t'))
        (*p)++;
}

bool lw_eat_word(const char **p, const char *end, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(end - *p) < n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (lower((unsigned char)(*p)[i]) != (unsigned char)w[i])
            return false;
    *p += n;
    return true;
}

static bool match_word(const char *s, const char *end, const char *w)
{
    return lw_eat_word(&s, end, w);
}

bool lw_parse_f64(const char *s, const char *end, double *out, const char **stop)
{
    const char *p = s;
    *stop = s;
    bool neg = false;
    if (p < end && (*p == '+' || *p == '-'))
        neg = *p++ == '-';
    if (p < end && (*p == 'n' || *p == 'N' || *p == 'i' || *p == 'I')) {
        if (match_word(p, end, "nan")) {
            *out = neg ? -NAN : NAN;
            *stop = p + 3;
            return true;
        }
        if (match_word(p, end, "infinity")) {
            *out = neg ? -INFINITY : INFINITY;
            *stop = p + 8;
            return true;
        }
        if (match_word(p, end, "inf")) {
            *out = neg ? -INFINITY : INFINITY;
            *stop = p + 3;
            return true;
        }
        return false;
    }
    uint64_t mant = 0;
    int digits = 0, dropped = 0, frac = 0;
    bool any = false, inexact = false;
    while (p < end && *p >= '0' && *p <= '9') {
        any = true;
        if (digits < 19) {
            mant = mant * 10 + (uint64_t)(*p - '0');
            if (mant)
                digits++;
        } else {
            dropped++;
            inexact |= *p != '0';
        }
        p++;
    }
    if (p < end && *p == '.') {
        p++;
        while (p < end && *p >= '0' && *p <= '9') {
            any = true;
            if (digits < 19) {
                mant = mant * 10 + (uint64_t)(*p - '0');
                if (mant)
                    digits++;
                frac++;
            } else {
                inexact |= *p != '0';
            }
            p++;
        }
    }
    if (!any)
        return false;
    long exp10 = 0;
    if (p < end && (*p == 'e' || *p == 'E')) {
        const char *q = p + 1;
        bool eneg = false;
        if (q < end && (*q == '+' || *q == '-'))
            eneg = *q++ == '-';
        if (q < end && *q >= '0' && *q <= '9') {
            while (q < end && *q >= '0' && *q <= '9') {
                if (exp10 < 100000)
                    exp10 = exp10 * 10 + (*q - '0');
                q++;
            }
            if (eneg)
                exp10 = -exp10;
            p = q;
        }
    }
    long e = exp10 + dropped - frac;
    if (!inexact && mant < (1ull << 53) && e >= -22 && e <= 22) {
        double v = (double)mant;
        v = e >= 0 ? v * k_pow10[e] : v / k_pow10[-e];
        *out = neg ? -v : v;
        *stop = p;
        return true;
    }
    /* Slow path: strtod on a bounded, NUL-terminated copy of exactly the characters we accepted. */
    char tmp[128];
    size_t len = (size_t)(p - s);
    if (len >= sizeof tmp) {
        /* Absurdly long digit strings: keep sign, the first 100 characters and the exponent is
         * not worth the trouble; treat the value as out of range instead. */
        return false;
    }
    memcpy(tmp, s, len);
    tmp[len] = 0;
    char *sp;
    double v = strtod(tmp, &sp);
    if ((size_t)(sp - tmp) != len)
        return false;
    *out = v;
    *stop = p;
    return true;
}

bool lw_parse_f64_str(const char *s, double *out)
{
    const char *end = s + strlen(s), *stop;
    double v;
    if (!lw_parse_f64(s, end, &v, &stop) || stop != end || !isfinite(v))
        return false;
    *out = v;
    return true;
}

bool lw_parse_i64(const char *s, const char *end, int64_t *out, const char **stop)
{
    const char *p = s;
    *stop = s;
    bool neg = false;
    if (p < end && (*p == '+' || *p == '-'))
        neg = *p++ == '-';
    if (p >= end || *p < '0' || *p > '9')
        return false;
    uint64_t v = 0;
    while (p < end && *p >= '0' && *p <= '9') {
        if (v > (UINT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (uint64_t)(*p - '0');
        p++;
    }
    if (neg ? v > (uint64_t)INT64_MAX + 1 : v > (uint64_t)INT64_MAX)
        return false;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    *stop = p;
    return true;
}

int lw_fmt_f64(double v, char buf[32])
{
    if (v == 0) {
        buf[0] = '0';
        buf[1] = 0;
        return 1;
    }
    /* 15 significant digits read back exactly for every value a person or CAD program typed;
     * 17 always do. Two attempts at most keep writing a million-facet mesh quick; the price is
     * that a value needing exactly 16 digits is written with 17. */
    int n = snprintf(buf, 32, "%.15g", v);
    double back;
    const char *stop;
    if (!lw_parse_f64(buf, buf + n, &back, &stop) || back != v)
        n = snprintf(buf, 32, "%.17g", v);
    /* snprintf follows LC_NUMERIC; lostwax never sets it, but a host program might. */
    for (int i = 0; i < n; i++)
        if (buf[i] == ',')
            buf[i] = '.';
    return n;
}

bool lw_str_ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (lower((unsigned char)*a) != lower((unsigned char)*b))
            return false;
    return *a == *b;
}

bool lw_str_iprefix(const char *s, const char *prefix)
{
    for (; *prefix; s++, prefix++)
        if (!*s || lower((unsigned char)*s) != lower((unsigned char)*prefix))
            return false;
    return true;
}

void lw_tsv_clear(lw_tsv *t)
{
    lw_free(t->text);
    lw_free(t->cells);
    lw_free(t->header);
    lw_free(t->row_line);
    memset(t, 0, sizeof *t);
}

/* Splits one line (modified in place) at tabs into fields; returns the field count, storing at most
 * max pointers. A trailing '\r' is dropped so files edited on Windows still load. */
static size_t split_line(char *line, char **fields, size_t max)
{
    size_t len = strlen(line);
    if (len && line[len - 1] == '\r')
        line[--len] = 0;
    size_t n = 0;
    char *p = line;
    for (;;) {
        if (n < max)
            fields[n] = p;
        n++;
        char *tab = strchr(p, '\t');
        if (!tab)
            break;
        *tab = 0;
        p = tab + 1;
    }
    return n;
}

static bool blank_or_comment(const char *line)
{
    while (*line == ' ' || *line == '\t' || *line == '\r')
        line++;
    return *line == 0 || *line == '#';
}

lw_rc lw_tsv_parse(const char *data, size_t n, size_t max_rows, lw_tsv *t, lw_err *err)
{
    memset(t, 0, sizeof *t);
    if (memchr(data, 0, n))
        return lw_err_set(err, LW_EFORMAT, "contains a NUL byte: not a text table");
    t->text = lw_malloc(n + 1);
    if (!t->text)
        return lw_err_nomem(err);
    memcpy(t->text, data, n);
    t->text[n] = 0;

    size_t cap_cells = 0, cap_lines = 0;
    char *line = t->text;
    size_t lineno = 0;
    lw_rc rc = LW_OK;
    char *fields[256];
    while (line && *line) {
        lineno++;
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = 0;
        if (!blank_or_comment(line)) {
            size_t nf = split_line(line, fields, 256);
            if (nf > 256) {
                rc = lw_err_set(err, LW_ELIMIT, "line %zu: more than 256 columns", lineno);
                goto fail;
            }
            if (!t->header) {
                t->cols = nf;
                t->header = lw_calloc(nf, sizeof *t->header);
                if (!t->header) {
                    rc = lw_err_nomem(err);
                    goto fail;
                }
                memcpy(t->header, fields, nf * sizeof *fields);
            } else {
                if (nf != t->cols) {
                    rc = lw_err_set(err, LW_EFORMAT, "line %zu: %zu fields, expected %zu",
                                    lineno, nf, t->cols);
                    goto fail;
                }
                if (t->rows >= max_rows) {
                    rc = lw_err_set(err, LW_ELIMIT, "line %zu: more than %zu rows", lineno,
                                    max_rows);
                    goto fail;
                }
                if (LW_VEC_RESERVE(t->cells, cap_cells, (t->rows + 1) * t->cols, SIZE_MAX / 16) ||
                    LW_VEC_RESERVE(t->row_line, cap_lines, t->rows + 1, SIZE_MAX / 16)) {
                    rc = lw_err_nomem(err);
                    goto fail;
                }
                memcpy(t->cells + t->rows * t->cols, fields, nf * sizeof *fields);
                t->row_line[t->rows] = lineno;
                t->rows++;
            }
        }
        line = nl ? nl + 1 : NULL;
    }
    if (!t->header) {
        rc = lw_err_set(err, LW_EFORMAT, "no header line: the table is empty");
        goto fail;
    }
    return LW_OK;
fail:
    lw_tsv_clear(t);
    return rc;
}

long lw_tsv_col(const lw_tsv *t, const char *name)
{
    for (size_t i = 0; i < t->cols; i++)
        if (strcmp(t->header[i], name) == 0)
            return (long)i;
    return -1;
}
