/* lostwax: the cells and checks the trade tables share (see table.h). */
#include "base/table.h"

#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/vec.h"

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

static const char *row_id(const void *items, size_t elem, size_t i)
{
    return (const char *)items + i * elem;
}

static size_t index_of(const void *items, size_t n, size_t elem, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(row_id(items, elem, i), id) == 0)
            return i;
    return n;
}

lw_rc lw_table_load(const lw_table_spec *spec, void **items, size_t *n, size_t *cap,
                    const char *text, size_t len, const char *name, lw_err *err)
{
    if (len > spec->max_text)
        return lw_err_set(err, LW_ELIMIT, "%s: %zu bytes: a %s table may have at most %zu", name,
                          len, spec->what, spec->max_text);
    long col[32];
    if (spec->ncols < 1 || spec->ncols > (int)(sizeof col / sizeof *col))
        return lw_err_set(err, LW_EINVAL, "a %s table of %d columns", spec->what, spec->ncols);
    lw_tsv tsv;
    lw_rc rc = lw_tsv_parse(text, len, spec->max_rows, &tsv, err);
    if (rc) {
        lw_err_prefix(err, "%s", name);
        return rc;
    }
    char *fresh = NULL;
    size_t added = 0;
    char kind[48];
    snprintf(kind, sizeof kind, "a %s table", spec->what);
    if ((rc = lw_table_columns(&tsv, name, kind, spec->cols, spec->ncols, col, err)))
        goto done;
    /* The rows are read aside first, so a bad row leaves the table as it was. */
    fresh = lw_reallocarray(NULL, tsv.rows ? tsv.rows : 1, spec->elem);
    if (!fresh) {
        rc = lw_err_nomem(err);
        goto done;
    }
    for (size_t r = 0; r < tsv.rows; r++) {
        void *row = fresh + r * spec->elem;
        memset(row, 0, spec->elem);
        if ((rc = spec->read(&tsv, r, col, name, row, err)))
            goto done;
        size_t q = index_of(fresh, r, spec->elem, row_id(fresh, spec->elem, r));
        if (q < r) {
            rc = lw_err_set(err, LW_EFORMAT, "%s: line %zu: id %s is already on line %zu", name,
                            tsv.row_line[r], row_id(fresh, spec->elem, r), tsv.row_line[q]);
            goto done;
        }
        if (index_of(*items, *n, spec->elem, row_id(fresh, spec->elem, r)) == *n)
            added++;
    }
    rc = lw_vec_reserve(items, cap, *n + added, spec->elem, spec->max_rows);
    if (rc == LW_ELIMIT) {
        rc = lw_err_set(err, LW_ELIMIT, "%s: more than %zu rows in the %s table", name,
                        spec->max_rows, spec->what);
        goto done;
    }
    if (rc) {
        rc = lw_err_nomem(err);
        goto done;
    }
    for (size_t r = 0; r < tsv.rows; r++) {
        size_t at = index_of(*items, *n, spec->elem, row_id(fresh, spec->elem, r));
        if (at == *n)
            (*n)++;
        memcpy((char *)*items + at * spec->elem, fresh + r * spec->elem, spec->elem);
    }
done:
    lw_free(fresh);
    lw_tsv_clear(&tsv);
    return rc;
}
