/* lostwax: PNG as the SL1 format needs it (W3C PNG 2nd ed. / RFC 2083; zlib RFC 1950; deflate
 * RFC 1951).
 *
 * Writing a layer is the hot path of an SL1 job: a 7500 x 3240 screen is 24 MB of grey per layer,
 * almost all of it dark, and a general deflate (zlib, libdeflate) spends milliseconds per layer
 * finding what we already know: where the lit runs are. lw_png_encode_layer therefore writes the
 * deflate stream straight from the layer's runs (print/layer.h): a dark stretch of any length
 * becomes matches of 258 bytes at distance 1, each a couple of bits, so encoding costs time in
 * proportion to the runs, not the pixels (measured figures in docs/internals/sl1.md).
 * Thumbnails (RGBA, small, once per file) go through libdeflate. Reading uses libspng with
 * lostwax's allocator and size limits, and turns any PNG into runs of grey.
 */
#ifndef LW_PRINT_PNG_H
#define LW_PRINT_PNG_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "print/layer.h"
#include "print/printfile.h"

/* A layer encoder's scratch, reused from layer to layer (one per thread). Caller-owned struct:
 * lw_png_enc_init before use, lw_png_enc_clear to free. */
typedef struct lw_png_enc {
    uint8_t *png;        /* the last PNG made */
    size_t cap;
    uint32_t *tok;       /* deflate tokens of the layer being encoded */
    size_t tokcap;
    uint16_t lsym[259];  /* match length -> deflate length symbol (257..285) */
} lw_png_enc;

void lw_png_enc_init(lw_png_enc *e);
void lw_png_enc_clear(lw_png_enc *e);

/* Encodes img as a PNG: 8-bit greyscale, img->width x img->height, no interlace, filter type 0 on
 * every row, one IDAT chunk holding a zlib stream of one dynamic-Huffman deflate block. The
 * result (*png, *len) lives in e and is valid until the next call or lw_png_enc_clear.
 * Deterministic: the same runs give the same bytes. Errors: LW_EINVAL (an empty or oversized
 * image, runs out of order or outside it), LW_ELIMIT (a compressed stream over 2^31 - 1 bytes,
 * which one PNG chunk cannot hold; only noise-like screens of a billion pixels get there),
 * LW_ENOMEM. */
lw_rc lw_png_encode_layer(lw_png_enc *e, const lw_layer_img *img, const uint8_t **png,
                          size_t *len, lw_err *err);

/* Appends im as an 8-bit RGBA PNG to out (rows filtered adaptively, deflated by libdeflate).
 * LW_EINVAL (empty image), LW_ENOMEM, the buffer's LW_ELIMIT. */
lw_rc lw_png_encode_rgba(const lw_image *im, lw_buf *out, lw_err *err);

/* What a decoder accepts. */
typedef struct lw_png_limits {
    uint32_t max_width, max_height; /* pixels */
    size_t max_image_bytes;         /* decoded bytes held at once: a thumbnail's RGBA, or a whole
                                     * interlaced image (non-interlaced layers go row by row) */
    size_t max_runs;                /* lit runs in a decoded layer (16 bytes each) */
} lw_png_limits;

/* Decodes a PNG of any colour type and depth into img as runs of grey (img is reset first).
 * Greyscale up to 8 bits is taken as it is (1, 2, 4 bits scaled to 0-255); 16-bit grey, RGB and
 * palette images become luma (0.299 R + 0.587 G + 0.114 B, from their top 8 bits) scaled by
 * alpha, so a transparent pixel is dark. If img->width and img->height are non-zero the PNG must
 * have exactly that size; otherwise img takes the PNG's size. Errors: LW_EFORMAT (not a PNG,
 * corrupt or truncated data, a CRC or Adler-32 mismatch, the wrong size; libspng's reason is in
 * the message), LW_ELIMIT (a size over lim), LW_ENOMEM. On failure img is left empty. */
lw_rc lw_png_decode_layer(const uint8_t *data, size_t len, const lw_png_limits *lim,
                          lw_layer_img *img, lw_err *err);

/* Decodes a PNG of any type into 8-bit RGBA (thumbnails). out is overwritten (not freed first);
 * free with lw_image_clear. Errors as above; on failure out is left empty. */
lw_rc lw_png_decode_rgba(const uint8_t *data, size_t len, const lw_png_limits *lim,
                         lw_image *out, lw_err *err);

#endif
