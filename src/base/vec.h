/* lostwax: growth of caller-owned arrays with a hard maximum.
 *
 * The arrays themselves stay plain (`T *items; size_t n, cap;`) so hot loops index them directly;
 * this is only the policy for making room: doubling, overflow-checked, never beyond `max_count`.
 */
#ifndef LW_BASE_VEC_H
#define LW_BASE_VEC_H

#include <stddef.h>

#include "base/err.h"

/* Makes *items (of *cap elements of elem_size bytes) hold at least `need` elements, growing
 * geometrically but never past max_count. Contents are kept; new space is uninitialised.
 * Returns LW_OK, LW_ELIMIT (need > max_count; *items untouched) or LW_ENOMEM (*items untouched).
 * No message is recorded: the caller knows what the elements are and says so. */
lw_rc lw_vec_reserve(void **items, size_t *cap, size_t need, size_t elem_size, size_t max_count);

/* Type-safe-ish wrapper: LW_VEC_RESERVE(arr, cap, need, max) for `T *arr`. */
#define LW_VEC_RESERVE(arr, cap, need, max)                                                        \
    lw_vec_reserve((void **)&(arr), &(cap), (need), sizeof *(arr), (max))

#endif
