/* lostwax: the small pictures a printer file carries for the printer's own screen, in the two
 * 16-bit forms CTB and GOO use (docs/internals/ctb-goo.md):
 *  - CTB: little-endian words, red in bits 15-11, green in 10-6, a repeat flag in bit 5, blue in
 *    4-0; a flagged word is followed by a word whose low 12 bits are the repeat count - 1. Any
 *    size; the file states it.
 *  - GOO: plain RGB565 (red 15-11, green 10-5, blue 4-0) in big-endian words, no compression,
 *    fixed sizes (116 x 116 and 290 x 290).
 * Pictures outside are lw_image RGBA; alpha is ignored when encoding and 255 when decoding.
 * Encoding keeps a channel's top bits; decoding repeats them into the low ones (so white stays
 * 255), which puts a 5-bit channel within 7 levels of what was written and a 6-bit one within 3.
 */
#ifndef LW_PRINT_PREVIEW_H
#define LW_PRINT_PREVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "print/printfile.h"

/* Appends the CTB words of im (im->width x im->height; im->rgba NULL means a black picture of
 * that size) to out. LW_ENOMEM, LW_ELIMIT (out's maximum); out keeps what it had on failure. */
lw_rc lw_preview_ctb_encode(const lw_image *im, lw_buf *out, lw_err *err);

/* Decodes n bytes of CTB words into a new w x h picture in *out (cleared first; the caller
 * frees it with lw_image_clear). The words must fill the picture exactly: fewer or more pixels,
 * an odd byte count or a repeat word cut off are LW_EFORMAT naming the byte. LW_ENOMEM. On
 * failure *out is empty. */
lw_rc lw_preview_ctb_decode(const uint8_t *data, size_t n, uint32_t w, uint32_t h, lw_image *out,
                            lw_err *err);

/* Writes im scaled to w x h (nearest pixel) as 2 * w * h bytes of big-endian RGB565 at out.
 * im NULL, or without pixels, gives black. Cannot fail. */
void lw_preview_565be_encode(const lw_image *im, uint32_t w, uint32_t h, uint8_t *out);

/* Decodes 2 * w * h bytes of big-endian RGB565 into a new picture in *out (cleared first).
 * LW_ENOMEM; *out empty on failure. */
lw_rc lw_preview_565be_decode(const uint8_t *data, uint32_t w, uint32_t h, lw_image *out,
                              lw_err *err);

/* The preview sizes a format's printers show, from the files their own slicers write: SL1/SL1S
 * 400 x 400 and 800 x 480 (PrusaSlicer's SL1 and SL1S profiles, `thumbnails`), CTB 200 x 125
 * and 400 x 300 (Chitubox), GOO 116 x 116 and 290 x 290 (fixed by the format). */
void lw_preview_sizes(lw_print_format f, uint32_t small[2], uint32_t large[2]);

/* src scaled to fit inside w x h with its proportions kept, centred, every output pixel the
 * average of the source pixels it covers (a box filter: a plate picture shrinks without the
 * part names breaking up as nearest-pixel scaling would); the margin is transparent black.
 * *out is cleared first; the caller frees it with lw_image_clear. LW_EINVAL for an empty src or
 * size, LW_ELIMIT, LW_ENOMEM; *out empty on failure. */
lw_rc lw_image_fit(const lw_image *src, uint32_t w, uint32_t h, lw_image *out, lw_err *err);

#endif
