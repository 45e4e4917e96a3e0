/* lostwax: checked size arithmetic. Every size computed from untrusted input (facet counts, zip
 * entry sizes, image dimensions) goes through these, so a file that claims four billion facets
 * fails cleanly instead of wrapping around to a small allocation. */
#ifndef LW_BASE_SIZE_H
#define LW_BASE_SIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* *out = a * b; false (and *out = SIZE_MAX) on overflow. */
static inline bool lw_size_mul(size_t a, size_t b, size_t *out)
{
    if (__builtin_mul_overflow(a, b, out)) {
        *out = SIZE_MAX;
        return false;
    }
    return true;
}

/* *out = a + b; false (and *out = SIZE_MAX) on overflow. */
static inline bool lw_size_add(size_t a, size_t b, size_t *out)
{
    if (__builtin_add_overflow(a, b, out)) {
        *out = SIZE_MAX;
        return false;
    }
    return true;
}

#endif
