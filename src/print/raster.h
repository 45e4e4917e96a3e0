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

/* A rasteriser for screen g (copied). LW_EINVAL (no pixels, pitch not a positive number),
 * LW_ELIMIT (a side over 32768 pixels), LW_ENOMEM; *out is NULL on failure. Free with
 * lw_rasterizer_free (NULL is harmless). */
lw_rc lw_rasterizer_new(const lw_pixel_grid *g, lw_rasterizer **out, lw_err *err);
void lw_rasterizer_free(lw_rasterizer *r);

/* Renders c (plate mm, mapped by the grid) into img (reset and sized to the grid), coverage
 * quantised to `aa_levels` levels: 1 = no anti-aliasing (a pixel is lit, 255, when at least half
 * covered); 2, 4, 8 or 16 = coverage rounded to that many steps of 255; 256 = full 8-bit coverage,
 * for measuring areas (lw_union_volume) rather than printing. Parts outside the screen are
 * clipped. LW_EINVAL (aa_levels), LW_ENOMEM.
 *
 * Precisely: a pixel's coverage c in [0, 1] is |the integral of the winding number over the
 * pixel|, capped at 1 (the non-zero rule; where overlapping contours share a pixel with empty
 * space this can overstate it); points are taken to 2^-16 pixel, so c is within 1e-4 of the
 * exact area. With n = aa_levels, the step is k = floor(c n + 1/2) (ties up) and the level
 * floor(255 k / n + 1/2): n = 1 gives 0 or 255 (lit from half coverage), n = 16 gives 0, 16, 32,
 * ..., 239, 255. So a level is within 255 / (2n) + 1/2 of 255 c, and a pixel wholly inside is
 * exactly 255.
 * Also LW_EINVAL for a point that is not finite or lies more than 2^24 pixels from the screen's
 * corner, and LW_ELIMIT for more than 2^26 / 3 points in a layer. On failure img is empty. */
lw_rc lw_rasterize(lw_rasterizer *r, const lw_contours *c, unsigned aa_levels,
                   lw_layer_img *img, lw_err *err);

#endif
