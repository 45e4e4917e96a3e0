/* lostwax: islands, the parts of a layer that would be printed onto nothing.
 *
 * A layer cures onto the one below it (the first onto the plate). A connected part of a layer
 * none of whose pixels has a lit pixel directly under it in the previous layer has nothing to
 * cure onto: it floats in the vat and spoils the print unless a support reaches it. Those parts
 * are the islands.
 *
 * The rules, stated once:
 *  - a pixel counts when its level is at least `threshold` (1-255);
 *  - pixels connect through their sides only (4-connectivity), never through corners;
 *  - a part is supported when at least one of its pixels has a counting pixel at the very same
 *    place (column and row) in the layer below. Touching the layer below only beside or
 *    diagonally (a voxel sharing an edge or a corner with the layer below, not a face) is not
 *    support, consistent with 4-connectivity within the layer;
 *  - the first layer rests on the plate: it has no islands.
 * The work is linear in the runs (union-find over runs, overlap tests between neighbouring rows
 * of runs); no frame is ever drawn.
 */
#ifndef LW_PRINT_ISLANDS_H
#define LW_PRINT_ISLANDS_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "print/layer.h"

typedef struct lw_island {
    uint64_t pixels;         /* counting pixels in it */
    uint32_t x0, y0, x1, y1; /* bounding box: columns x0..x1, rows y0..y1, inclusive */
    double cx, cy;           /* centroid of its pixels' centres (pixel (i, j) is centred at
                              * i + 0.5, j + 0.5), in image pixel coordinates */
} lw_island;

struct lw_island_seg;

typedef struct lw_islands {
    lw_island *items; /* the islands of the last lw_islands_find, in the order of their first
                       * pixel (top row first, then leftmost) */
    size_t n, cap;
    /* Scratch kept from layer to layer (internal). */
    struct lw_island_seg *seg;
    size_t nseg, cap_seg;
    uint32_t *parent, *index;
    size_t cap_parent, cap_index;
} lw_islands;

void lw_islands_init(lw_islands *is);
void lw_islands_clear(lw_islands *is);

/* Finds the islands of layer `img` given `below`, the layer printed just before it (NULL for
 * the first layer: no islands). Replaces is->items. LW_EINVAL (threshold 0; below of another
 * size than img), LW_ELIMIT (more than 2^31 - 2 stretches of counting pixels), LW_ENOMEM; on
 * failure is->n is 0. */
lw_rc lw_islands_find(lw_islands *is, const lw_layer_img *below, const lw_layer_img *img,
                      uint8_t threshold, lw_err *err);

#endif
