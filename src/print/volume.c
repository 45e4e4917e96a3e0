/* lostwax: union volume of overlapping shells by fine layers (see volume.h). */
#include "print/volume.h"

#include <math.h>
#include <string.h>

#include "base/alloc.h"
#include "print/contour.h"
#include "print/layer.h"
#include "print/raster.h"
#include "print/slice.h"

#define MAX_PIXELS 16000.0 /* across at the fine pixel, so the coarse one stays far inside 32768 */

typedef struct pass {
    const lw_slicer *slicer;
    lw_pixel_grid grid;
    double x0, y0;             /* plate point mapped to pixel 0, 0 after the shift */
    lw_contours *contours;     /* per worker */
    lw_rasterizer **raster;    /* per worker */
    lw_layer_img *img;         /* per worker */
    double *area;              /* per height */
} pass;

static lw_rc layer_area(void *ctx, size_t i, unsigned w, lw_err *err)
{
    pass *p = ctx;
    lw_contours *c = &p->contours[w];
    lw_contours_reset(c);
    lw_rc rc = lw_slicer_layer(p->slicer, i, c, NULL, err);
    if (rc)
        return rc;
    /* Move the section so the piece's box starts two pixels inside the grid. */
    for (uint32_t k = 0; k < c->npoints; k++) {
        c->xy[2 * (size_t)k] -= p->x0;
        c->xy[2 * (size_t)k + 1] -= p->y0;
    }
    if ((rc = lw_rasterize(p->raster[w], c, 256, &p->img[w], err)))
        return rc;
    p->area[i] = lw_layer_img_area(&p->img[w], p->grid.pitch_x, p->grid.pitch_y);
    return LW_OK;
}

/* The lit area of the section at each height z[0..n), with pixels of `pixel` mm. */
static lw_rc areas_at(const lw_mesh *m, const lw_bbox *b, const double *z, size_t n, double pixel,
                      lw_pool *pool, double *area, lw_err *err)
{
    unsigned threads = pool ? lw_pool_threads(pool) : 1;
    pass p = {.area = area};
    p.contours = lw_calloc(threads, sizeof *p.contours);
    p.raster = lw_calloc(threads, sizeof *p.raster);
    p.img = lw_calloc(threads, sizeof *p.img);
    lw_slicer *s = NULL;
    lw_rc rc = LW_OK;
    if (!p.contours || !p.raster || !p.img) {
        rc = lw_err_nomem(err);
        goto done;
    }
    p.grid.pitch_x = p.grid.pitch_y = pixel;
    p.grid.width = (uint32_t)ceil((b->max[0] - b->min[0]) / pixel) + 4;
    p.grid.height = (uint32_t)ceil((b->max[1] - b->min[1]) / pixel) + 4;
    p.x0 = b->min[0] - 2 * pixel;
    p.y0 = b->min[1] - 2 * pixel;
    if ((rc = lw_slicer_new(m, z, n, &s, err)))
        goto done;
    p.slicer = s;
    for (unsigned t = 0; t < threads && !rc; t++) {
        lw_contours_init(&p.contours[t]);
        lw_layer_img_init(&p.img[t], p.grid.width, p.grid.height);
        rc = lw_rasterizer_new(&p.grid, &p.raster[t], err);
    }
    if (!rc) {
        if (pool)
            rc = lw_pool_for(pool, n, layer_area, &p, err);
        else
            for (size_t i = 0; i < n && !rc; i++)
                rc = layer_area(&p, i, 0, err);
    }
done:
    for (unsigned t = 0; t < threads && p.contours; t++) {
        lw_contours_clear(&p.contours[t]);
        if (p.raster)
            lw_rasterizer_free(p.raster[t]);
        if (p.img)
            lw_layer_img_clear(&p.img[t]);
    }
    lw_slicer_free(s);
    lw_free(p.contours);
    lw_free(p.raster);
    lw_free(p.img);
    return rc;
}

lw_rc lw_union_volume_measure(const lw_mesh *m, double layer_h, double pixel, lw_pool *pool,
                              lw_union_volume *out, lw_err *err)
{
    memset(out, 0, sizeof *out);
    if (!(layer_h > 0) || !(pixel > 0) || !isfinite(layer_h) || !isfinite(pixel))
        return lw_err_set(err, LW_EINVAL, "union volume: layer height and pixel must be positive");
    if (m->nt == 0)
        return lw_err_set(err, LW_EINVAL, "union volume: the mesh is empty");
    lw_bbox b = lw_mesh_bbox(m);
    double span = fmax(b.max[0] - b.min[0], b.max[1] - b.min[1]), height = b.max[2] - b.min[2];
    if (!(height > 0))
        return lw_err_set(err, LW_EINVAL, "union volume: the mesh is flat");
    /* The coarse pass doubles the pixel: keep it within the rasteriser's width too. */
    if (2 * pixel * MAX_PIXELS < span)
        pixel = span / (2 * MAX_PIXELS);
    double nf = ceil(height / layer_h);
    if (nf > 1e6)
        return lw_err_set(err, LW_ELIMIT, "union volume: %.0f layers", nf);
    size_t n = (size_t)nf;
    double h = height / (double)n;
    /* Heights: each layer's bottom, middle and top, ascending (the shared boundaries once). The
     * outermost are moved a millionth of a layer inside, so a flat bottom or top face is cut
     * where the solid is, not exactly on it. */
    size_t nz = 2 * n + 1;
    double *z = lw_malloc(nz * sizeof *z), *a = lw_malloc(nz * sizeof *a);
    double *mid = lw_malloc(n * sizeof *mid), *a2 = lw_malloc(n * sizeof *a2);
    lw_rc rc = LW_OK;
    if (!z || !a || !mid || !a2) {
        rc = lw_err_nomem(err);
        goto done;
    }
    for (size_t k = 0; k < nz; k++)
        z[k] = b.min[2] + (double)k * h / 2;
    z[0] += h * 1e-6;
    z[nz - 1] -= h * 1e-6;
    for (size_t i = 0; i < n; i++)
        mid[i] = z[2 * i + 1];
    if ((rc = areas_at(m, &b, z, nz, pixel, pool, a, err)) ||
        (rc = areas_at(m, &b, mid, n, 2 * pixel, pool, a2, err)))
        goto done;
    double simpson = 0, vmid = 0, vmid2 = 0, bracket = 0;
    for (size_t i = 0; i < n; i++) {
        double lo = a[2 * i], am = a[2 * i + 1], hi = a[2 * i + 2];
        simpson += (lo + 4 * am + hi) / 6;
        vmid += am;
        vmid2 += a2[i];
        bracket += fabs(am - (lo + hi) / 2);
    }
    double pixel_error = (vmid2 - vmid) * h; /* first order in the pixel: what p itself adds */
    out->volume = simpson * h - pixel_error;
    out->bound = fabs(pixel_error) + bracket * h * 2 / 3;
    out->layer_h = h;
    out->pixel = pixel;
    out->layers = (uint32_t)n;
done:
    lw_free(z);
    lw_free(a);
    lw_free(mid);
    lw_free(a2);
    return rc;
}
