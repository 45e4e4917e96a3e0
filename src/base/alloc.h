/* lostwax: the one allocator seam.
 *
 * All of lostwax allocates through these functions (raw malloc/free elsewhere is banned by
 * scripts/check-banned), so a test can make the Nth allocation fail and prove that every error
 * path cleans up. Sizes given as count x size are overflow-checked: an overflow is a failed
 * allocation, never a short buffer.
 */
#ifndef LW_BASE_ALLOC_H
#define LW_BASE_ALLOC_H

#include <stddef.h>

/* As malloc/calloc/realloc/free. Return NULL on failure (and on injected failure).
 * lw_malloc(0) returns a unique pointer to free, never NULL for success. */
void *lw_malloc(size_t size);
void *lw_calloc(size_t count, size_t size);
void *lw_realloc(void *ptr, size_t size);
/* realloc for count x size with an overflow check; on failure the old block is untouched. */
void *lw_reallocarray(void *ptr, size_t count, size_t size);
void lw_free(void *ptr);

/* Blocks of LW_HUGE_MIN bytes or more (a million-facet mesh's arrays, hash tables, edge maps) are
 * offered to the kernel for transparent huge pages: a 50 MB mesh then costs a few dozen page
 * faults instead of twelve thousand, and random probes into a table do not each miss the TLB.
 * Where the kernel does not do huge pages nothing changes. */
#define LW_HUGE_MIN ((size_t)4 << 20)

/* A copy of the first n bytes of s followed by NUL (stops early at a NUL). Free with lw_free. */
char *lw_strndup(const char *s, size_t n);
char *lw_strdup(const char *s);

/* Fault injection, for tests only: after `countdown` more successful allocations, every further
 * allocation fails until lw_alloc_fail_reset(). countdown < 0 disables. Thread-safe. */
void lw_alloc_fail_after(long countdown);
void lw_alloc_fail_reset(void);
/* Number of allocation calls refused by injection since the last reset. */
long lw_alloc_failures(void);

#endif
