/* lostwax: parallel for-loop over a thread pool (see pool.h). Workers sleep on a condition
 * variable between batches; items are claimed with an atomic counter. */
#include "base/pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"

struct lw_pool {
    unsigned nthreads;      /* workers besides the calling thread: threads - 1 */
    pthread_t *threads;
    pthread_mutex_t mu;
    pthread_cond_t start, done;
    unsigned long batch;    /* incremented for every lw_pool_for */
    unsigned busy;          /* workers still in the current batch */
    bool quit;
    /* The current batch. */
    lw_pool_fn fn;
    void *ctx;
    size_t n;
    atomic_size_t next;
    atomic_bool stop;
    size_t err_index;       /* lowest failing index so far (n if none) */
    lw_err err;
};

/* Claims and runs items until none are left or an error stops the batch. */
static void run_items(lw_pool *p, unsigned worker)
{
    for (;;) {
        if (atomic_load(&p->stop))
            return;
        size_t i = atomic_fetch_add(&p->next, 1);
        if (i >= p->n)
            return;
        lw_err e;
        lw_err_clear(&e);
        lw_rc rc = p->fn(p->ctx, i, worker, &e);
        if (rc) {
            if (e.rc == LW_OK)
                lw_err_set(&e, rc, "%s", lw_rc_name(rc));
            pthread_mutex_lock(&p->mu);
            if (i < p->err_index) {
                p->err_index = i;
                p->err = e;
            }
            pthread_mutex_unlock(&p->mu);
            atomic_store(&p->stop, true);
            return;
        }
    }
}

static void *worker_main(void *arg)
{
    lw_pool *p = arg;
    pthread_mutex_lock(&p->mu);
    unsigned id = p->busy++; /* worker numbers 1..nthreads, handed out at start-up */
    unsigned long seen = p->batch;
    pthread_cond_broadcast(&p->done);
    for (;;) {
        while (!p->quit && p->batch == seen)
            pthread_cond_wait(&p->start, &p->mu);
        if (p->quit)
            break;
        seen = p->batch;
        pthread_mutex_unlock(&p->mu);
        run_items(p, id + 1);
        pthread_mutex_lock(&p->mu);
        if (--p->busy == 0)
            pthread_cond_broadcast(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

lw_rc lw_pool_new(unsigned threads, lw_pool **out, lw_err *err)
{
    *out = NULL;
    if (threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (unsigned)n : 1;
    }
    if (threads > 256)
        threads = 256;
    lw_pool *p = lw_calloc(1, sizeof *p);
    if (!p)
        return lw_err_nomem(err);
    p->nthreads = threads - 1;
    if (p->nthreads && !(p->threads = lw_calloc(p->nthreads, sizeof *p->threads))) {
        lw_free(p);
        return lw_err_nomem(err);
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->start, NULL);
    pthread_cond_init(&p->done, NULL);
    unsigned made = 0;
    for (; made < p->nthreads; made++)
        if (pthread_create(&p->threads[made], NULL, worker_main, p) != 0)
            break;
    /* Wait until every worker has taken its number, so busy counts batches from zero. */
    pthread_mutex_lock(&p->mu);
    while (p->busy < made)
        pthread_cond_wait(&p->done, &p->mu);
    p->busy = 0;
    pthread_mutex_unlock(&p->mu);
    if (made < p->nthreads) {
        p->nthreads = made;
        lw_pool_free(p);
        return lw_err_set(err, LW_EIO, "cannot start %u worker threads", threads);
    }
    *out = p;
    return LW_OK;
}

void lw_pool_free(lw_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->quit = true;
    pthread_cond_broadcast(&p->start);
    pthread_mutex_unlock(&p->mu);
    for (unsigned i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->start);
    pthread_cond_destroy(&p->done);
    lw_free(p->threads);
    lw_free(p);
}

unsigned lw_pool_threads(const lw_pool *p) { return p->nthreads + 1; }

lw_rc lw_pool_for(lw_pool *p, size_t n, lw_pool_fn fn, void *ctx, lw_err *err)
{
    if (n == 0)
        return LW_OK;
    p->fn = fn;
    p->ctx = ctx;
    p->n = n;
    atomic_store(&p->next, 0);
    atomic_store(&p->stop, false);
    p->err_index = n;
    lw_err_clear(&p->err);
    if (p->nthreads && n > 1) {
        pthread_mutex_lock(&p->mu);
        p->busy = p->nthreads;
        p->batch++;
        pthread_cond_broadcast(&p->start);
        pthread_mutex_unlock(&p->mu);
        run_items(p, 0);
        pthread_mutex_lock(&p->mu);
        while (p->busy)
            pthread_cond_wait(&p->done, &p->mu);
        pthread_mutex_unlock(&p->mu);
    } else {
        run_items(p, 0);
    }
    if (p->err_index < n) {
        /* Items are claimed in ascending order, so every item below a failure was claimed
         * and ran to its end: the lowest failing index is the same whatever the timing. */
        if (err)
            lw_err_set(err, p->err.rc, "%s", p->err.msg);
        return p->err.rc;
    }
    return LW_OK;
}
