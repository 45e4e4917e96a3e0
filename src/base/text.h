/* lostwax: small text tools shared by the parsers and data tables: strict number parsing that
 * needs no NUL terminator and ignores the process locale, and tab-separated tables.
 */
#ifndef LW_BASE_TEXT_H
#define LW_BASE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* Parses a decimal floating-point number at the start of [s, end) (no leading spaces; an optional
 * sign, digits, '.', exponent; also "nan"/"inf" so callers can report them precisely).
 * On success stores the value and sets *stop just past it; the result is correctly rounded.
 * Returns false (and *stop = s) when no number starts at s. The caller decides what may follow. */
bool lw_parse_f64(const char *s, const char *end, double *out, const char **stop);

/* Parses a whole string as a finite number ("12.5"); false on trailing junk, NaN or infinity. */
bool lw_parse_f64_str(const char *s, double *out);

/* Parses optional sign and decimal digits at the start of [s, end) into *out, which must fit in
 * int64; false on no digits or overflow. */
bool lw_parse_i64(const char *s, const char *end, int64_t *out, const char **stop);

/* Writes v in 15 significant digits when that reads back as exactly v, else in 17 (which always
 * does), "%g" style with '.' as the point whatever the locale. buf must hold 32 bytes.
 * Returns the length written. */
int lw_fmt_f64(double v, char buf[32]);

/* Moves *p past spaces and tabs, not beyond end. */
void lw_skip_blanks(const char **p, const char *end);

/* If [*p, end) starts with `word` (given in lower case; the text is compared ignoring ASCII
 * case), moves *p past it and returns true. */
bool lw_eat_word(const char **p, const char *end, const char *word);

/* ASCII case-insensitive comparisons (locale-free). */
bool lw_str_ieq(const char *a, const char *b);
bool lw_str_iprefix(const char *s, const char *prefix);

/* A tab-separated table as lostwax's data files use them: '#' lines and blank lines are
 * comments, the first other line names the columns, every later line is a row with exactly as
 * many fields. Cells are NUL-terminated strings inside one owned copy of the text. */
typedef struct lw_tsv {
    char *text;       /* owned copy the cells point into */
    char **cells;     /* owned; rows x cols cell pointers, row-major, the header excluded */
    char **header;    /* owned; cols names */
    size_t rows, cols;
    size_t *row_line; /* owned; the 1-based line number of each row, for error messages */
} lw_tsv;

/* Parses n bytes of TSV. Errors (LW_EFORMAT) name the line: "line 7: 3 fields, expected 5".
 * Limits: max_rows rows (LW_ELIMIT). On failure *t is left empty. Free with lw_tsv_clear. */
lw_rc lw_tsv_parse(const char *data, size_t n, size_t max_rows, lw_tsv *t, lw_err *err);
void lw_tsv_clear(lw_tsv *t);
/* Column index by name, or -1. */
long lw_tsv_col(const lw_tsv *t, const char *name);
static inline const char *lw_tsv_cell(const lw_tsv *t, size_t row, size_t col)
{
    return t->cells[row * t->cols + col];
}

#endif
