/* lostwax: the cells and checks the trade tables share (see table.h). */
#include "base/table.h"

#include <stdio.h>
#include <string.h>

bool lw_table_id_valid(const char *s, size_t n, size_t max)
{
    if (n == 0 || n >= max)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              c == '.'))
            return false;
    }
    return true;
}

/* A character as ids compare it: lower case, with '_' and ' ' read as '-'. */
static char id_char(char c)
{
    if (c >= 'A' && c <= 'Z')
        return (char)(c + ('a' - 'A'));
    return c == '_' || c == ' ' ? '-' : c;
}

bool lw_table_id_eq(const char *id, const char *q)
{
    /* Both sides are read the same way, so an id written with '_' finds itself too. */
    for (;; id++, q++) {
        char a = id_char(*id), b = id_char(*q);
        if (a != b)
            return false;
        if (!a)
            return true;
    }
}

lw_rc lw_table_columns(const lw_tsv *t, const char *table, const char *kind,
                       const char *const *cols, int n, long *idx, lw_err *err)
{
    for (size_t i = 0; i < t->cols; i++) {
        bool known = false;
        for (int c = 0; c < n; c++)
            known |= strcmp(t->header[i], cols[c]) == 0;
        if (known)
            continue;
        char list[256] = "";
        size_t len = 0;
        for (int c = 0; c < n && len < sizeof list; c++)
            len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", c ? ", " : "",
                                    cols[c]);
        return lw_err_set(err, LW_EFORMAT, "%s: unknown column '%.40s' (%s has %s)", table,
                          t->header[i], kind, list);
    }
    for (int c = 0; c < n; c++) {
        idx[c] = lw_tsv_col(t, cols[c]);
        if (idx[c] < 0)
            return lw_err_set(err, LW_EFORMAT, "%s: no column '%s'", table, cols[c]);
    }
    return LW_OK;
}

lw_rc lw_table_ident(const char *idc, const char *namec, const char *srcc, size_t line,
                     const char *table, char *id, size_t id_max, char *name, size_t name_max,
                     char *src, size_t src_max, lw_err *err)
{
    if (!lw_table_id_valid(idc, strlen(idc), id_max))
        return lw_err_set(err, LW_EFORMAT, "%s: line %zu: id '%.40s' must be 1-%zu characters "
                          "of a-z 0-9 . _ -", table, line, idc, id_max - 1);
    snprintf(id, id_max, "%s", idc);
    size_t nl = strlen(namec);
    if (nl == 0 || nl >= name_max)
        return lw_err_set(err, LW_EFORMAT, "%s: line %zu: name of %s must be 1-%zu characters",
                          table, line, id, name_max - 1);
    memcpy(name, namec, nl + 1);
    size_t ns = strlen(srcc);
    if (ns == 0)
        return lw_err_set(err, LW_EFORMAT, "%s: line %zu: %s has no source: say where its "
                          "figures come from", table, line, id);
    if (ns >= src_max)
        return lw_err_set(err, LW_ELIMIT, "%s: line %zu: source of %s is longer than %zu "
                          "characters", table, line, id, src_max - 1);
    memcpy(src, srcc, ns + 1);
    return LW_OK;
}

lw_rc lw_table_number(const char *cell, const char *col, const char *id, double lo, double hi,
                      size_t line, const char *table, double *out, lw_err *err)
{
    if (!lw_parse_f64_str(cell, out))
        return lw_err_set(err, LW_EFORMAT, "%s: line %zu: %s '%.40s' is not a number", table,
                          line, col, cell);
    if (!(*out >= lo && *out <= hi))
        return lw_err_set(err, LW_EFORMAT, "%s: line %zu: %s %g of %s is outside %g ... %g",
                          table, line, col, *out, id, lo, hi);
    return LW_OK;
}
