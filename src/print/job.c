/* lostwax: the print job pipeline (see job.h).
 *
 * Each part gets its own slicer, so a layer's contours are the parts' contours side by side and
 * a part's span of layers comes from its own heights. A batch of layers is sliced and rasterised
 * in parallel into per-slot images; the batch is then written in order and its images reused.
 * Islands compare each layer with the one below, which for the first slot of a batch is the last
 * image of the batch before, kept aside.
 */
#include "print/job.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "print/contour.h"
#include "print/islands.h"
#include "print/preview.h"
#include "print/raster.h"
#include "print/slice.h"

/* The brightness a pixel needs to count for islands: half lit. */
#define ISLAND_THRESHOLD 128
/* Layers per worker in a batch: enough to keep the threads busy, few enough to bound memory. */
#define BATCH_PER_THREAD 8

typedef struct worker {
    lw_contours contours;
    lw_rasterizer *raster;
    lw_islands islands;
} worker;

typedef struct run_state {
    const lw_job *job;
    lw_slicer **slicers;   /* per part; NULL for a part with no layers */
    lw_job_span *spans;
    worker *workers;
    lw_layer_img *imgs;    /* batch slots */
    lw_layer_img *prev;    /* the layer before slot 0 (NULL for layer 0) */
    uint32_t *islands;     /* result, per layer */
    size_t *open_chains;   /* per slot */
    uint32_t base;         /* the batch's first layer */
} run_state;

/* Slices and rasterises layer base + k into slot k. */
static lw_rc make_layer(void *ctx, size_t k, unsigned wi, lw_err *err)
{
    run_state *st = ctx;
    const lw_job *job = st->job;
    worker *w = &st->workers[wi];
    uint32_t i = st->base + (uint32_t)k;
    lw_contours_reset(&w->contours);
    st->open_chains[k] = 0;
    for (size_t p = 0; p < job->nparts; p++) {
        if (!st->slicers[p] || i < st->spans[p].first || i > st->spans[p].last)
            continue;
        size_t open = 0;
        lw_rc rc = lw_slicer_layer(st->slicers[p], i - st->spans[p].first, &w->contours, &open,
                                   err);
        if (rc)
            return rc;
        st->open_chains[k] += open;
    }
    lw_rc rc = lw_rasterize(w->raster, &w->contours, job->aa_level, &st->imgs[k], err);
    if (rc)
        lw_err_prefix(err, "layer %u", i);
    return rc;
}

/* Counts the islands of slot k against the layer below it. A separate pass, run once the whole
 * batch is drawn: the slot below may belong to another thread while drawing. */
static lw_rc find_islands(void *ctx, size_t k, unsigned wi, lw_err *err)
{
    run_state *st = ctx;
    worker *w = &st->workers[wi];
    uint32_t i = st->base + (uint32_t)k;
    const lw_layer_img *below = k ? &st->imgs[k - 1] : st->prev;
    lw_rc rc = lw_islands_find(&w->islands, below, &st->imgs[k], ISLAND_THRESHOLD, err);
    if (rc)
        lw_err_prefix(err, "layer %u", i);
    else
        st->islands[i] = (uint32_t)w->islands.n;
    return rc;
}

void lw_job_result_clear(lw_job_result *r)
{
    lw_free(r->area_mm2);
    lw_free(r->islands);
    lw_free(r->spans);
    memset(r, 0, sizeof *r);
}

static const char *part_name(const lw_job *job, size_t p, char *buf, size_t size)
{
    if (job->names && job->names[p] && job->names[p][0])
        return job->names[p];
    snprintf(buf, size, "part %zu", p + 1);
    return buf;
}

/* Checks the parts against the screen and the height; sets each part's span of layers and the
 * print's layer count. */
static lw_rc plan_layers(const lw_job *job, lw_job_span *spans, uint32_t *layers, lw_err *err)
{
    const lw_printer *pr = job->printer;
    double h = job->settings->layer_height, top = 0;
    char name[32];
    for (size_t p = 0; p < job->nparts; p++) {
        lw_bbox b = lw_mesh_bbox(job->parts[p]);
        spans[p].first = 1;
        spans[p].last = 0;
        if (lw_bbox_is_empty(&b))
            continue;
        const char *nm = part_name(job, p, name, sizeof name);
        if (b.min[0] < 0 || b.min[1] < 0 || b.max[0] > pr->display_w ||
            b.max[1] > pr->display_h)
            return lw_err_set(err, LW_EINVAL, "%s lies outside the %s's screen (x %.2f..%.2f, "
                              "y %.2f..%.2f mm; the screen is %.2f x %.2f mm)", nm, pr->name,
                              b.min[0], b.max[0], b.min[1], b.max[1], pr->display_w,
                              pr->display_h);
        if (b.min[2] < -1e-9)
            return lw_err_set(err, LW_EINVAL, "%s goes below the plate (z %.3f mm)", nm,
                              b.min[2]);
        if (b.max[2] > pr->max_z)
            return lw_err_set(err, LW_EINVAL, "%s is %.2f mm tall, more than the %s's %.0f mm",
                              nm, b.max[2], pr->name, pr->max_z);
        /* Layer i (from 0) spans z in [i h, (i + 1) h] and is cut at its middle. */
        double first = floor(b.min[2] / h), last = ceil(b.max[2] / h) - 1;
        spans[p].first = first < 0 ? 0 : (uint32_t)first;
        spans[p].last = last < first ? (uint32_t)first : (uint32_t)last;
        top = fmax(top, b.max[2]);
    }
    double n = lw_print_layer_count(top, h);
    if (!(n >= 1))
        return lw_err_set(err, LW_EINVAL, "nothing to print: the parts have no height");
    if (n > 1e6)
        return lw_err_set(err, LW_ELIMIT, "%.0f layers: more than a million", n);
    *layers = (uint32_t)n;
    return LW_OK;
}

static lw_rc make_slicers(const lw_job *job, lw_job_span *spans, lw_slicer **slicers,
                          lw_err *err)
{
    double h = job->settings->layer_height;
    for (size_t p = 0; p < job->nparts; p++) {
        if (spans[p].first > spans[p].last)
            continue;
        size_t n = (size_t)spans[p].last - spans[p].first + 1;
        double *z = lw_malloc(n * sizeof *z);
        if (!z)
            return lw_err_nomem(err);
        for (size_t k = 0; k < n; k++)
            z[k] = ((double)(spans[p].first + k) + 0.5) * h;
        lw_rc rc = lw_slicer_new(job->parts[p], z, n, &slicers[p], err);
        lw_free(z);
        if (rc) {
            char name[32];
            lw_err_prefix(err, "%s", part_name(job, p, name, sizeof name));
            return rc;
        }
    }
    return LW_OK;
}

static lw_rc fill_header(const lw_job *job, uint32_t layers, lw_print_header *h, lw_err *err)
{
    memset(h, 0, sizeof *h);
    lw_print_settings_header(job->settings, job->printer, h);
    h->format = job->format;
    /* Version 0 asks for the format's usual one: CTB v3 is what most Chitu boards without
     * encryption read; GOO has one version (3); SL1 none to speak of. */
    h->version = job->version ? job->version : job->format == LW_PFMT_SL1 ? 1 : 3;
    h->aa_level = job->aa_level;
    h->layer_count = layers;
    h->created_unix = job->created_unix;
    snprintf(h->job_name, sizeof h->job_name, "%s", job->job_name ? job->job_name : "lostwax");
    if (job->resin)
        snprintf(h->material, sizeof h->material, "%s", job->resin->name);
    /* The time does not depend on what is lit: state it now; the resin figures come at the end. */
    lw_print_estimate e;
    lw_rc rc = lw_estimate_print(job->settings, layers, NULL, NULL, &e, err);
    if (rc)
        return rc;
    h->print_time_s = e.time_s;
    if (job->preview && job->preview->rgba) {
        /* The plate fitted to the sizes the format's printers show (the header owns them). */
        uint32_t sm[2], lg[2];
        lw_preview_sizes(job->format, sm, lg);
        if ((rc = lw_image_fit(job->preview, sm[0], sm[1], &h->preview_small, err)) ||
            (rc = lw_image_fit(job->preview, lg[0], lg[1], &h->preview_large, err))) {
            lw_print_header_clear(h);
            return rc;
        }
    }
    return LW_OK;
}

lw_rc lw_job_run(const lw_job *job, lw_pool *pool, lw_sink *sink, lw_job_result *out,
                 lw_err *err)
{
    memset(out, 0, sizeof *out);
    if (job->nparts == 0)
        return lw_err_set(err, LW_EINVAL, "no parts to print");
    bool takes = false;
    for (int k = 0; k < 4 && job->printer->formats[k] != LW_PFMT_NONE; k++)
        takes |= job->printer->formats[k] == job->format;
    if (!takes)
        return lw_err_set(err, LW_EINVAL, "the %s does not take %s files", job->printer->name,
                          lw_print_format_name(job->format));

    unsigned threads = lw_pool_threads(pool);
    size_t batch = (size_t)threads * BATCH_PER_THREAD;
    lw_pixel_grid grid = {job->printer->res_x, job->printer->res_y,
                          lw_printer_pitch_x(job->printer), lw_printer_pitch_y(job->printer),
                          job->printer->mirror_x, job->printer->mirror_y};
    run_state st = {.job = job};
    lw_print_writer *writer = NULL;
    lw_layer_img prev;
    lw_layer_img_init(&prev, grid.width, grid.height);
    uint32_t layers = 0;
    lw_print_estimate est;
    lw_estimate_init(&est);
    lw_rc rc = LW_OK;

    out->spans = lw_calloc(job->nparts, sizeof *out->spans);
    st.slicers = lw_calloc(job->nparts, sizeof *st.slicers);
    st.workers = lw_calloc(threads, sizeof *st.workers);
    st.imgs = lw_calloc(batch, sizeof *st.imgs);
    st.open_chains = lw_calloc(batch, sizeof *st.open_chains);
    if (!out->spans || !st.slicers || !st.workers || !st.imgs || !st.open_chains) {
        rc = lw_err_nomem(err);
        goto done;
    }
    st.spans = out->spans;
    for (unsigned t = 0; t < threads; t++) {
        lw_contours_init(&st.workers[t].contours);
        lw_islands_init(&st.workers[t].islands);
    }
    for (size_t k = 0; k < batch; k++)
        lw_layer_img_init(&st.imgs[k], grid.width, grid.height);
    if ((rc = plan_layers(job, out->spans, &layers, err)) ||
        (rc = make_slicers(job, out->spans, st.slicers, err)))
        goto done;
    for (unsigned t = 0; t < threads && !rc; t++)
        rc = lw_rasterizer_new(&grid, &st.workers[t].raster, err);
    if (rc)
        goto done;
    out->area_mm2 = lw_calloc(layers, sizeof *out->area_mm2);
    out->islands = st.islands = lw_calloc(layers, sizeof *out->islands);
    if (!out->area_mm2 || !out->islands) {
        rc = lw_err_nomem(err);
        goto done;
    }
    lw_print_header h;
    if ((rc = fill_header(job, layers, &h, err)))
        goto done;
    rc = lw_print_writer_open(&h, sink, &writer, err); /* which copies what it keeps */
    lw_print_header_clear(&h);
    if (rc)
        goto done;

    for (uint32_t base = 0; base < layers && !rc; base += (uint32_t)batch) {
        size_t n = layers - base < batch ? layers - base : batch;
        st.base = base;
        st.prev = base ? &prev : NULL;
        if ((rc = lw_pool_for(pool, n, make_layer, &st, err)) ||
            (rc = lw_pool_for(pool, n, find_islands, &st, err)))
            break;
        for (size_t k = 0; k < n && !rc; k++) {
            uint32_t i = base + (uint32_t)k;
            lw_layer_settings ls;
            lw_print_layer_settings(job->settings, i, &ls);
            out->area_mm2[i] = lw_layer_img_area(&st.imgs[k], grid.pitch_x, grid.pitch_y);
            out->islands_total += st.islands[i];
            out->open_chains += st.open_chains[k];
            if ((rc = lw_print_writer_layer(writer, i, &ls, &st.imgs[k], err)) ||
                (rc = lw_estimate_add(&est, job->settings, out->area_mm2[i], err)))
                break;
            if (job->progress)
                job->progress(job->progress_ctx, i + 1, layers);
        }
        /* The last image of the batch is the layer below the next batch's first. */
        lw_layer_img swap = prev;
        prev = st.imgs[n - 1];
        st.imgs[n - 1] = swap;
    }
    if (!rc) {
        lw_estimate_finish(&est, job->resin);
        lw_print_header fin = {0};
        lw_estimate_header(&est, &fin);
        lw_print_writer_set_estimate(writer, fin.print_time_s, fin.volume_ml, fin.weight_g,
                                     fin.cost);
        rc = lw_print_writer_finish(writer, err);
    }
    if (!rc) {
        out->layers = layers;
        out->estimate = est;
        out->file_bytes = sink->size;
    }
done:
    lw_print_writer_free(writer);
    if (st.slicers)
        for (size_t p = 0; p < job->nparts; p++)
            lw_slicer_free(st.slicers[p]);
    if (st.workers)
        for (unsigned t = 0; t < threads; t++) {
            lw_contours_clear(&st.workers[t].contours);
            lw_rasterizer_free(st.workers[t].raster);
            lw_islands_clear(&st.workers[t].islands);
        }
    if (st.imgs)
        for (size_t k = 0; k < batch; k++)
            lw_layer_img_clear(&st.imgs[k]);
    lw_layer_img_clear(&prev);
    lw_free(st.slicers);
    lw_free(st.workers);
    lw_free(st.imgs);
    lw_free(st.open_chains);
    if (rc)
        lw_job_result_clear(out);
    return rc;
}
