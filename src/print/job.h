/* lostwax: the night's print job. The placed pieces are sliced, rasterised and written into the
 * printer's own file layer by layer: a batch of layers is sliced and rasterised in parallel, then
 * written in order, so memory holds a batch, never the print. On the way the job measures what a
 * print needs to be trusted: the lit area of every layer (resin, and the estimate), the layers
 * each piece spans, and the islands (regions resting on nothing) a support would have to catch.
 */
#ifndef LW_PRINT_JOB_H
#define LW_PRINT_JOB_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/pool.h"
#include "base/sink.h"
#include "geom/mesh.h"
#include "print/estimate.h"
#include "print/printer.h"
#include "print/printfile.h"

typedef struct lw_job {
    const lw_printer *printer;
    const lw_print_settings *settings; /* lw_print_settings_make */
    const lw_resin *resin;             /* NULL: no resin figures */
    lw_print_format format;            /* one the printer takes */
    uint32_t version;                  /* the format's version (CTB 3 or 4); 0 = its default */
    unsigned aa_level;                 /* 1, 2, 4, 8, 16 */
    const char *job_name;              /* [A-Za-z0-9_-]: SL1's jobDir and layer names */
    int64_t created_unix;              /* written into the file */
    const lw_mesh *const *parts;       /* placed meshes in plate millimetres (borrowed) */
    const char *const *names;          /* their names (for messages), or NULL */
    size_t nparts;
    const lw_image *preview;           /* an RGBA picture of the plate, or NULL for none: the
                                        * file's previews, fitted to the format's sizes */
    /* Called on the job's thread after each written layer (may be NULL). */
    void (*progress)(void *ctx, uint32_t done, uint32_t total);
    void *progress_ctx;
} lw_job;

typedef struct lw_job_span {
    uint32_t first, last; /* the layers a part appears in (inclusive); first > last: none */
} lw_job_span;

typedef struct lw_job_result {
    uint32_t layers;
    lw_print_estimate estimate;
    double *area_mm2;       /* owned, per layer: lit area */
    uint32_t *islands;      /* owned, per layer: regions resting on nothing below */
    uint64_t islands_total;
    lw_job_span *spans;     /* owned, per part */
    size_t open_chains;     /* loops the slicer could not close (open meshes) */
    uint64_t file_bytes;
} lw_job_result;

/* Runs the job into the sink (which the caller then commits or aborts). Errors: LW_EINVAL (a part
 * outside the screen or above the printer's height, no parts, a format the printer does not
 * take), LW_ENOMEM, LW_EIO; the message names the part or the layer. On failure *out is empty. */
lw_rc lw_job_run(const lw_job *job, lw_pool *pool, lw_sink *sink, lw_job_result *out,
                 lw_err *err);
void lw_job_result_clear(lw_job_result *r);

#endif
