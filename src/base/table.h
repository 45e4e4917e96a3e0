/* lostwax: what the trade tables share (metals, stones, cuts, ring-size charts): ids a studio can
 * type, the id/name/source cells every row has, numbers read with the place in the message, and
 * the check of a table's columns. Messages read "metals.tsv: line 12: density 'abc' is not a
 * number". Pure: no I/O. */
#ifndef LW_BASE_TABLE_H
#define LW_BASE_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "base/text.h"

/* An id is 1 to max-1 characters of a-z 0-9 . _ - (n of them at s). */
bool lw_table_id_valid(const char *s, size_t n, size_t max);

/* Does a query name this id? Case-insensitive, with '_' and ' ' read as '-', so "18K_Yellow"
 * finds 18k-yellow and "Cubic zirconia" finds cubic-zirconia. */
bool lw_table_id_eq(const char *id, const char *query);

/* Checks that the table has exactly the columns cols[0..n) (any order) and stores where each is
 * in idx. LW_EFORMAT naming an unknown column (and listing the known ones, introduced by `kind`,
 * e.g. "a stone table") or a missing one. */
lw_rc lw_table_columns(const lw_tsv *t, const char *table, const char *kind,
                       const char *const *cols, int n, long *idx, lw_err *err);

/* Copies the cells every row has: an id (see lw_table_id_valid), a name of 1 to name_max-1
 * characters, and a source that says where the figures come from (required; LW_ELIMIT when
 * longer than src_max-1). Buffers are id_max, name_max and src_max bytes. LW_EFORMAT otherwise. */
lw_rc lw_table_ident(const char *idc, const char *namec, const char *srcc, size_t line,
                     const char *table, char *id, size_t id_max, char *name, size_t name_max,
                     char *src, size_t src_max, lw_err *err);

/* Reads a number cell of the row `id` into *out; it must lie in lo ... hi. LW_EFORMAT: "line 7:
 * density 'abc' is not a number", "line 7: density 30 of x is outside 0.5 ... 25". */
lw_rc lw_table_number(const char *cell, const char *col, const char *id, double lo, double hi,
                      size_t line, const char *table, double *out, lw_err *err);

/* ---- loading a keyed table ---- */

/* Reads row r of t (its columns at col[]) into *row, which is zeroed; `name` is the table's name
 * for messages. Returns LW_OK or the error of the row, naming its line. */
typedef lw_rc (*lw_table_row_fn)(const lw_tsv *t, size_t r, const long *col, const char *name,
                                 void *row, lw_err *err);

typedef struct lw_table_spec {
    const char *what;          /* "metal", "stone", "resin": for messages */
    const char *const *cols;   /* the columns, each required, in any order (at most 32) */
    int ncols;
    size_t elem;               /* bytes of a row struct, whose first member is its id string */
    size_t max_text, max_rows; /* the most bytes of text and rows a table may have */
    lw_table_row_fn read;
} lw_table_spec;

/* Parses a table's text and puts its rows on top of the *n rows at *items (capacity *cap,
 * lw_vec_reserve'd): a row whose id is there replaces it, a new id is appended. All or nothing:
 * on any error (LW_EFORMAT for a bad row or an id twice in the text, LW_ELIMIT for text or
 * rows over the spec's maxima, LW_ENOMEM) the rows are as they were. */
lw_rc lw_table_load(const lw_table_spec *spec, void **items, size_t *n, size_t *cap,
                    const char *text, size_t len, const char *name, lw_err *err);

#endif
