/* lostwax: a growable byte buffer with a hard maximum, for building files and text in memory
 * (3MF XML, reports). The caller owns the struct; lw_buf_clear() frees its storage. */
#ifndef LW_BASE_BUF_H
#define LW_BASE_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef struct lw_buf {
    uint8_t *data; /* owned; always NUL-terminated after a successful append (not counted in len) */
    size_t len;
    size_t cap;
    size_t max; /* appends beyond this fail with LW_ELIMIT; 0 means SIZE_MAX/2 */
} lw_buf;

void lw_buf_init(lw_buf *b, size_t max);
void lw_buf_clear(lw_buf *b);
/* Empties the buffer but keeps its storage. */
void lw_buf_reset(lw_buf *b);

/* Appends bytes. LW_ENOMEM / LW_ELIMIT leave the buffer as it was. */
lw_rc lw_buf_append(lw_buf *b, const void *data, size_t n);
lw_rc lw_buf_puts(lw_buf *b, const char *s);
lw_rc lw_buf_printf(lw_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Takes ownership of the bytes out of the buffer (*len set); the buffer is left empty. */
uint8_t *lw_buf_steal(lw_buf *b, size_t *len);

#endif
