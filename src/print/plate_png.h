/* lostwax: a picture of the arranged plate, seen from above, for the person loading the printer
 * in the morning: the bed to scale, every placed piece's footprint filled and labelled with its
 * name and copy number, and a caption saying how many were placed and which did not fit.
 *
 * Drawn with cairo into an image surface and encoded as PNG bytes into an lw_buf (cairo
 * allocates on its own; our allocations go through lw_malloc). Pure: no files, no clock.
 */
#ifndef LW_PRINT_PLATE_PNG_H
#define LW_PRINT_PLATE_PNG_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "print/plate.h"

/* Colours (0xRRGGBB) of the picture, fixed so that tests and people know what they see. */
#define LW_PLATE_PNG_PAPER 0xFFFFFFu   /* around the bed and behind the caption */
#define LW_PLATE_PNG_BED 0xEEEBE3u     /* the bed where nothing is */
#define LW_PLATE_PNG_FILL 0x2F6FB0u    /* a placed piece's footprint */

typedef struct lw_plate_png_opts {
    double scale;      /* pixels per millimetre (default 8) */
    uint32_t margin;   /* pixels of paper round the bed (default 24) */
    uint32_t caption;  /* pixels of paper below it for the caption (default 56) */
    uint32_t max_side; /* the largest width or height accepted, pixels (default 8192) */
} lw_plate_png_opts;

void lw_plate_png_opts_default(lw_plate_png_opts *o);

/* The picture's size: width = 2 margin + ceil(bed_w scale), height = 2 margin +
 * ceil(bed_h scale) + caption. Plate point (x, y) mm (x right, y to the back) is drawn at pixel
 * (margin + x scale, margin + (bed_h - y) scale): the front of the plate is at the bottom. */
void lw_plate_png_size(const lw_plate *pl, const lw_plate_png_opts *o, uint32_t *width,
                       uint32_t *height);

/* Appends the PNG of the plate to out. parts are those given to lw_plate_arrange. Names are
 * drawn as UTF-8 (invalid bytes as '?'). Errors: LW_EINVAL (scale not finite or not positive,
 * an item naming a missing part), LW_ELIMIT (larger than max_side, or out's limit), LW_ENOMEM,
 * LW_EIO (cairo failed). On failure out keeps what it had. */
lw_rc lw_plate_png(const lw_plate *pl, const lw_plate_part *parts, size_t nparts,
                   const lw_plate_png_opts *o, lw_buf *out, lw_err *err);

#endif
