/* lostwax: drawing a layer's contours onto the printer's screen.
 *
 * Exact-area anti-aliasing: each pixel's coverage is the area of the pixel inside the shape,
 * filled by non-zero winding (so overlapping shells fill as their union), accumulated from the
 * signed area and cover each edge leaves in the cells it crosses and summed along each row (the
 * method of libart, FreeType's smooth rasteriser and AGG). Only the rows and columns the
 * contours reach are visited, and rows come out as runs: an empty screen costs nothing and the
 * work grows with the outline's length and the lit area, not with the screen's pixels.
 */
#ifndef LW_PRINT_RASTER_H
#define LW_PRINT_RASTER_H

#include "base/err.h"
#include "print/contour.h"
#include "print/layer.h"

/* Scratch space for one thread (reused layer after layer). */
typedef struct lw_rasterizer lw_rasterizer;

lw_rc lw_rasterizer_new(const lw_pixel_grid *g, lw_rasterizer **out, lw_err *err);
void lw_rasterizer_free(lw_rasterizer *r);

/* Renders c (plate mm, mapped by the grid) into img (reset and sized to the grid), coverage
 * quantised to `aa_levels` levels: 1 = no anti-aliasing (a pixel is lit, 255, when at least half
 * covered); 2, 4, 8 or 16 = coverage rounded to that many steps of 255. Parts outside the screen
 * are clipped. LW_EINVAL (aa_levels), LW_ENOMEM. */
lw_rc lw_rasterize(lw_rasterizer *r, const lw_contours *c, unsigned aa_levels,
                   lw_layer_img *img, lw_err *err);

#endif
