/* lostwax: layers as runs of lit pixels (see layer.h). */
#include "print/layer.h"

#include <string.h>

#include "base/alloc.h"
#include "base/vec.h"

void lw_layer_img_init(lw_layer_img *img, uint32_t width, uint32_t height)
{
    memset(img, 0, sizeof *img);
    img->width = width;
    img->height = height;
}

void lw_layer_img_clear(lw_layer_img *img)
{
    lw_free(img->runs);
    lw_layer_img_init(img, img->width, img->height);
}

void lw_layer_img_reset(lw_layer_img *img)
{
    img->nruns = 0;
    img->lit = 0;
}

lw_rc lw_layer_img_add(lw_layer_img *img, uint32_t y, uint32_t x, uint32_t len, uint8_t level)
{
    if (len == 0 || level == 0)
        return LW_OK;
    if (y >= img->height || x >= img->width || len > img->width - x)
        return LW_EINVAL;
    if (img->nruns) {
        lw_run *last = &img->runs[img->nruns - 1];
        if (y < last->y || (y == last->y && x < last->x + last->len))
            return LW_EINVAL;
        if (y == last->y && x == last->x + last->len && level == last->level) {
            last->len += len;
            img->lit += (uint64_t)len * level;
            return LW_OK;
        }
    }
    lw_rc rc = LW_VEC_RESERVE(img->runs, img->cap, img->nruns + 1, SIZE_MAX / sizeof(lw_run));
    if (rc)
        return rc;
    img->runs[img->nruns++] = (lw_run){y, x, len, level};
    img->lit += (uint64_t)len * level;
    return LW_OK;
}

void lw_layer_img_row(const lw_layer_img *img, uint32_t y, uint8_t *row, size_t *first_run)
{
    memset(row, 0, img->width);
    size_t i = first_run ? *first_run : 0;
    if (!first_run || (i < img->nruns && img->runs[i].y > y)) {
        /* Binary search for the first run of row y. */
        size_t lo = 0, hi = img->nruns;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (img->runs[mid].y < y)
                lo = mid + 1;
            else
                hi = mid;
        }
        i = lo;
    }
    while (i < img->nruns && img->runs[i].y < y)
        i++;
    for (; i < img->nruns && img->runs[i].y == y; i++)
        memset(row + img->runs[i].x, img->runs[i].level, img->runs[i].len);
    if (first_run)
        *first_run = i;
}

double lw_layer_img_area(const lw_layer_img *img, double pitch_x, double pitch_y)
{
    return (double)img->lit / 255.0 * pitch_x * pitch_y;
}

void lw_layer_img_diff(const lw_layer_img *a, const lw_layer_img *b, unsigned tolerance,
                       uint64_t *differ, uint64_t *differ_beyond)
{
    *differ = *differ_beyond = 0;
    size_t i = 0, j = 0;
    /* Walk both run lists together, segment by segment where neither changes level. */
    uint32_t h = a->height < b->height ? a->height : b->height;
    for (uint32_t y = 0; y < h; y++) {
        while (i < a->nruns && a->runs[i].y < y)
            i++;
        while (j < b->nruns && b->runs[j].y < y)
            j++;
        uint32_t x = 0;
        size_t ii = i, jj = j;
        while ((ii < a->nruns && a->runs[ii].y == y) || (jj < b->nruns && b->runs[jj].y == y)) {
            const lw_run *ra = ii < a->nruns && a->runs[ii].y == y ? &a->runs[ii] : NULL;
            const lw_run *rb = jj < b->nruns && b->runs[jj].y == y ? &b->runs[jj] : NULL;
            /* The level of each image at x, and how far it stays that way. */
            uint32_t end = UINT32_MAX;
            unsigned la = 0, lb = 0;
            if (ra) {
                if (x < ra->x)
                    end = ra->x;
                else {
                    la = ra->level;
                    end = ra->x + ra->len;
                }
            }
            if (rb) {
                if (x < rb->x)
                    end = end < rb->x ? end : rb->x;
                else {
                    lb = rb->level;
                    end = end < rb->x + rb->len ? end : rb->x + rb->len;
                }
            }
            uint32_t n = end - x;
            if (la != lb) {
                *differ += n;
                if ((la > lb ? la - lb : lb - la) > tolerance)
                    *differ_beyond += n;
            }
            x = end;
            if (ra && x >= ra->x + ra->len)
                ii++;
            if (rb && x >= rb->x + rb->len)
                jj++;
        }
        i = ii;
        j = jj;
    }
}
