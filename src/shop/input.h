/* lostwax: reading an action's JSON input, one field at a time, with one kind of message for
 * every mistake: the field's name, what was expected, and (for a wrong type) what came. All
 * failures are LW_EINVAL. Strings are borrowed from the input object (valid while it lives).
 *
 * Text fields refuse control characters except tab and newline (a name with a NUL or an escape
 * sequence is an attack, not a name), and are limited in characters, not bytes. */
#ifndef LW_SHOP_INPUT_H
#define LW_SHOP_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/err.h"

/* A required text field of min ... max characters (UTF-8 code points). */
lw_rc lw_in_text(const json_t *in, const char *key, size_t min, size_t max, const char **out,
                 lw_err *err);
/* An optional text field: *out = def when absent or null. */
lw_rc lw_in_opt_text(const json_t *in, const char *key, size_t max, const char *def,
                     const char **out, lw_err *err);
/* A required whole number in lo ... hi: a JSON integer, or text of digits with an optional
 * leading '-' (a query string has only text: ?limit=20). 3.0, "3.0" and " 3" are refused. */
lw_rc lw_in_int(const json_t *in, const char *key, int64_t lo, int64_t hi, int64_t *out,
                lw_err *err);
/* An optional whole number: *has says whether it was given (absent or null: false, *out = 0). */
lw_rc lw_in_opt_int(const json_t *in, const char *key, int64_t lo, int64_t hi, bool *has,
                    int64_t *out, lw_err *err);
/* An optional boolean, def when absent. */
lw_rc lw_in_bool(const json_t *in, const char *key, bool def, bool *out, lw_err *err);
/* A required text field that must be one of values[0..n): *out is its index. */
lw_rc lw_in_enum(const json_t *in, const char *key, const char *const *values, size_t n,
                 int *out, lw_err *err);
/* An optional array field of at most max items (absent: *out = NULL). */
lw_rc lw_in_opt_array(const json_t *in, const char *key, size_t max, const json_t **out,
                      lw_err *err);

/* Refuses any key of in that is not in keys[0..n) (a typo such as "depposit" must not pass
 * silently as "no deposit"). */
lw_rc lw_in_only(const json_t *in, const char *const *keys, size_t n, lw_err *err);

#endif
