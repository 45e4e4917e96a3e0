/* lostwax: allocator seam with fault injection (see alloc.h). The only file that may call the C
 * library allocator directly. */
#include "base/alloc.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

/* Fault injection state. Process-wide by design: it exists so tests can reach every error path of
 * code that allocates deep inside, which is impossible to thread through as a parameter. */
static atomic_long g_countdown = -1;
static atomic_long g_failures = 0;

/* Offers the 2 MiB-aligned interior of a big block for huge pages (see LW_HUGE_MIN). Pages
 * already touched stay as they are; the untouched rest, usually all of it, is faulted in huge. */
static void *advise_huge(void *p, size_t size)
{
#ifdef MADV_HUGEPAGE
    const uintptr_t huge = (uintptr_t)2 << 20;
    if (p && size >= LW_HUGE_MIN) {
        uintptr_t a = ((uintptr_t)p + huge - 1) & ~(huge - 1);
        uintptr_t e = ((uintptr_t)p + size) & ~(huge - 1);
        if (e > a)
            (void)madvise((void *)a, e - a, MADV_HUGEPAGE);
    }
#endif
    return p;
}

static int should_fail(void)
{
    long c = atomic_load_explicit(&g_countdown, memory_order_relaxed);
    if (c < 0)
        return 0;
    if (c == 0) {
        atomic_fetch_add_explicit(&g_failures, 1, memory_order_relaxed);
        return 1;
    }
    /* Another thread may race us to zero; whichever wins, later calls fail, which is what a test
     * of "the Nth allocation fails" needs on a single thread and is harmless on several. */
    atomic_compare_exchange_strong(&g_countdown, &c, c - 1);
    return 0;
}

void lw_alloc_fail_after(long countdown)
{
    atomic_store(&g_failures, 0);
    atomic_store(&g_countdown, countdown < 0 ? -1 : countdown);
}

void lw_alloc_fail_reset(void) { lw_alloc_fail_after(-1); }

long lw_alloc_failures(void) { return atomic_load(&g_failures); }

void *lw_malloc(size_t size)
{
    if (should_fail())
        return NULL;
    return advise_huge(malloc(size ? size : 1), size);
}

void *lw_calloc(size_t count, size_t size)
{
    if (size && count > (size_t)-1 / size)
        return NULL;
    if (should_fail())
        return NULL;
    return advise_huge(calloc(count ? count : 1, size ? size : 1), count * size);
}

void *lw_realloc(void *ptr, size_t size)
{
    if (should_fail())
        return NULL;
    return advise_huge(realloc(ptr, size ? size : 1), size);
}

void *lw_reallocarray(void *ptr, size_t count, size_t size)
{
    if (size && count > (size_t)-1 / size)
        return NULL;
    return lw_realloc(ptr, count * size);
}

void lw_free(void *ptr) { free(ptr); }


char *lw_strndup(const char *s, size_t n)
{
    size_t len = 0;
    while (len < n && s[len])
        len++;
    char *d = lw_malloc(len + 1);
    if (!d)
        return NULL;
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

char *lw_strdup(const char *s) { return lw_strndup(s, strlen(s)); }
