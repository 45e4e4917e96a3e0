/* lostwax: bounded growable byte buffer (see buf.h). */
#include "base/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/size.h"
#include "base/vec.h"

void lw_buf_init(lw_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max ? max : SIZE_MAX / 2;
}

void lw_buf_clear(lw_buf *b)
{
    lw_free(b->data);
    lw_buf_init(b, b->max);
}

void lw_buf_reset(lw_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = 0;
}

static lw_rc reserve(lw_buf *b, size_t extra)
{
    size_t need;
    if (!lw_size_add(b->len, extra, &need) || need > b->max)
        return LW_ELIMIT;
    /* +1 keeps room for the terminating NUL. */
    return lw_vec_reserve((void **)&b->data, &b->cap, need + 1, 1, b->max + 1);
}

lw_rc lw_buf_append(lw_buf *b, const void *data, size_t n)
{
    lw_rc rc = reserve(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = 0;
    return LW_OK;
}

lw_rc lw_buf_puts(lw_buf *b, const char *s) { return lw_buf_append(b, s, strlen(s)); }

lw_rc lw_buf_printf(lw_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return LW_EINVAL;
    lw_rc rc = reserve(b, (size_t)n);
    if (rc)
        return rc;
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return LW_OK;
}

uint8_t *lw_buf_steal(lw_buf *b, size_t *len)
{
    uint8_t *d = b->data;
    if (len)
        *len = b->len;
    lw_buf_init(b, b->max);
    return d;
}
