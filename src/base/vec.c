/* lostwax: bounded geometric growth for plain arrays (see vec.h). */
#include "base/vec.h"

#include "base/alloc.h"
#include "base/size.h"

lw_rc lw_vec_reserve(void **items, size_t *cap, size_t need, size_t elem_size, size_t max_count)
{
    if (need <= *cap)
        return LW_OK;
    if (need > max_count)
        return LW_ELIMIT;
    size_t want = *cap ? *cap : 16;
    while (want < need) {
        size_t doubled;
        if (!lw_size_mul(want, 2, &doubled)) {
            want = need;
            break;
        }
        want = doubled;
    }
    if (want > max_count)
        want = max_count;
    size_t bytes;
    if (!lw_size_mul(want, elem_size, &bytes))
        return LW_ENOMEM;
    void *p = lw_realloc(*items, bytes);
    if (!p)
        return LW_ENOMEM;
    *items = p;
    *cap = want;
    return LW_OK;
}
