/* lostwax: a parallel for-loop over a small pool of threads. Slicing, rasterising and encoding
 * work layer by layer; each layer is independent, so the layers of a batch are shared out
 * among the threads and the results, written to per-index slots, are the same with 1 or N
 * threads. Callers that stream keep batches bounded so memory does not grow with the layer
 * count.
 */
#ifndef LW_BASE_POOL_H
#define LW_BASE_POOL_H

#include <stddef.h>

#include "base/err.h"

typedef struct lw_pool lw_pool;

/* Work on item i of a batch; `worker` is 0..threads-1 (for per-thread scratch space). Returns
 * LW_OK or an error; the first error (by lowest failing index) is what lw_pool_for returns. */
typedef lw_rc (*lw_pool_fn)(void *ctx, size_t i, unsigned worker, lw_err *err);

/* A pool of `threads` workers (0 = the machine's processors; 1 = run everything on the calling
 * thread). LW_ENOMEM, LW_EIO (threads cannot be created). Free with lw_pool_free. */
lw_rc lw_pool_new(unsigned threads, lw_pool **out, lw_err *err);
void lw_pool_free(lw_pool *p);
unsigned lw_pool_threads(const lw_pool *p);

/* Runs fn(ctx, i, worker) for every i in [0, n), items handed out in ascending order, and waits
 * for all of them. After an error no new item starts; the error of the lowest failing index is
 * returned with its message (so the outcome does not depend on timing). */
lw_rc lw_pool_for(lw_pool *p, size_t n, lw_pool_fn fn, void *ctx, lw_err *err);

#endif
