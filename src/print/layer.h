/* lostwax: one layer as the printer's screen shows it, stored as runs of lit pixels. The screen
 * has tens of millions of pixels and a jewellery plate lights a few percent of them, so a layer
 * is the list of its lit runs, never a full frame: empty screen costs nothing, and every printer
 * format's encoder (CTB and GOO run lengths, PNG rows for SL1) reads runs directly.
 *
 * Coordinates are the printer's image: column x from the left, row y from the top, the way the
 * formats store their bitmaps; lw_pixel_grid says how plate millimetres land there.
 */
#ifndef LW_PRINT_LAYER_H
#define LW_PRINT_LAYER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* A run of equal coverage: pixels [x, x + len) of row y at `level` (1 = barely lit ... 255 =
 * fully lit; unlit pixels are not stored). */
typedef struct lw_run {
    uint32_t y, x, len;
    uint8_t level;
} lw_run;

typedef struct lw_layer_img {
    uint32_t width, height; /* pixels */
    lw_run *runs;           /* sorted by y, then x; never overlapping; adjacent equal levels merged */
    size_t nruns, cap;      /* internal */
    uint64_t lit;           /* sum of levels over the layer: lit area = lit / 255 pixels */
} lw_layer_img;

void lw_layer_img_init(lw_layer_img *img, uint32_t width, uint32_t height);
void lw_layer_img_clear(lw_layer_img *img);
/* Empties it (same size), keeping the storage. */
void lw_layer_img_reset(lw_layer_img *img);

/* Appends a run after all runs so far (y then x must not go backwards and runs must not
 * overlap or leave the image: LW_EINVAL; a decoder reports that as a corrupt layer). A run
 * continuing the previous one with the same level is merged into it; level 0 is skipped.
 * LW_ENOMEM. */
lw_rc lw_layer_img_add(lw_layer_img *img, uint32_t y, uint32_t x, uint32_t len, uint8_t level);

/* Writes row y (width bytes) into row: 0 where unlit. first_run, if not NULL, is a cursor into
 * the runs that callers walking rows in order pass back to avoid searching (start it at 0). */
void lw_layer_img_row(const lw_layer_img *img, uint32_t y, uint8_t *row, size_t *first_run);

/* Lit area in mm² for pixels of pitch_x x pitch_y mm. */
double lw_layer_img_area(const lw_layer_img *img, double pitch_x, double pitch_y);

/* Compares two layers of the same size pixel by pixel: how many pixels differ at all, and how
 * many differ by more than `tolerance` levels. */
void lw_layer_img_diff(const lw_layer_img *a, const lw_layer_img *b, unsigned tolerance,
                       uint64_t *differ, uint64_t *differ_beyond);

/* How plate millimetres map to the image. The plate's origin is its front-left corner, x to the
 * right and y toward the back, as slicers show it; the screen's pixel (0, 0) is the top-left of
 * the image. Without mirroring, plate x grows with the column and plate y with decreasing row
 * (the back of the plate is the top of the image). mirror_x / mirror_y flip the image as the
 * printer's optics require, so a file printed on that printer comes out the right way round. */
typedef struct lw_pixel_grid {
    uint32_t width, height;     /* pixels */
    double pitch_x, pitch_y;    /* mm per pixel */
    bool mirror_x, mirror_y;
} lw_pixel_grid;

/* Continuous pixel coordinates of a plate point (pixel (i, j) covers [i, i+1) x [j, j+1)). */
static inline void lw_grid_to_pixel(const lw_pixel_grid *g, double x, double y, double *px,
                                    double *py)
{
    double u = x / g->pitch_x, v = (double)g->height - y / g->pitch_y;
    *px = g->mirror_x ? (double)g->width - u : u;
    *py = g->mirror_y ? (double)g->height - v : v;
}

#endif
