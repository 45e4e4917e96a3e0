/* lostwax: the GOO layer codec on its own, for the job that encodes layers on several threads
 * and writes them in order, and for tests that feed the decoder hand-made bytes.
 *
 * A GOO layer (docs/internals/ctb-goo.md) is 0x55, chunks of 8-bit grey runs, and a checksum
 * byte. lostwax writes only runs of 0x00, of 0xFF and of a stated grey, never the "delta"
 * chunks, so the bytes suit Phrozen's .prz too; levels round-trip exactly. The decoder takes
 * every chunk type.
 *
 * Parallel use: each worker calls lw_goo_encode_layer into its own buffer (thread-safe: it
 * touches nothing but its arguments), then the writing thread hands the bytes, in layer order,
 * to lw_goo_writer_layer_encoded instead of calling lw_print_writer_layer.
 */
#ifndef LW_PRINT_FMT_GOO_H
#define LW_PRINT_FMT_GOO_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "print/layer.h"
#include "print/printfile.h"

/* Appends the layer's data, 0x55 to checksum, to out. Blank stretches, across rows too, are
 * single runs. LW_EINVAL for runs out of order, LW_ENOMEM, LW_ELIMIT (out's maximum); out
 * keeps what it had on failure. */
lw_rc lw_goo_encode_layer(const lw_layer_img *img, lw_buf *out, lw_err *err);

/* Writes layer `index` of a GOO writer from bytes lw_goo_encode_layer made for it (the same
 * checks as lw_print_writer_layer: in order, within the count; LW_EINVAL if w is not a GOO
 * writer). LW_EIO, LW_ENOMEM, LW_ELIMIT from the sink. */
lw_rc lw_goo_writer_layer_encoded(lw_print_writer *w, uint32_t index, const lw_layer_settings *s,
                                  const uint8_t *data, size_t n, lw_err *err);

/* Decodes a GOO layer's n bytes (0x55 to checksum) into img, whose width and height give the
 * screen (its runs are reset first). A wrong first byte or checksum, a chunk cut off, a delta
 * leaving 0-255, or runs that do not fill the screen exactly are LW_EFORMAT naming the byte;
 * LW_ENOMEM. On failure img holds no runs. */
lw_rc lw_goo_decode_rle(const uint8_t *data, size_t n, lw_layer_img *img, lw_err *err);

#endif
