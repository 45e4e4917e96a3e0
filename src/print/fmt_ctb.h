/* lostwax: the CTB layer codec on its own, for the job that encodes layers on several threads
 * and writes them in order, and for tests that feed the decoder hand-made bytes.
 *
 * The codec is Chitubox's 7-bit grey run-length code (docs/internals/ctb-goo.md): a layer of
 * 8-bit coverage is stored as level >> 1, and a stored value v != 0 reads back as v << 1 | 1.
 * So level 0 and 1 read back as 0 (unlit), 254 and 255 as 255, and every level L > 1 as
 * (L >> 1) << 1 | 1.
 *
 * Parallel use: each worker calls lw_ctb_encode_layer into its own buffer (thread-safe: it
 * touches nothing but its arguments), then the writing thread hands the bytes, in layer order,
 * to lw_ctb_writer_layer_encoded instead of calling lw_print_writer_layer.
 */
#ifndef LW_PRINT_FMT_CTB_H
#define LW_PRINT_FMT_CTB_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "print/layer.h"
#include "print/printfile.h"

/* Appends the layer's RLE (without the XOR obfuscation: lostwax writes seed 0) to out. Every
 * pixel of the width x height screen is coded; blank stretches, across rows too, are single
 * runs. Errors: LW_ENOMEM, LW_ELIMIT (out's maximum); out keeps what it had. */
lw_rc lw_ctb_encode_layer(const lw_layer_img *img, lw_buf *out, lw_err *err);

/* Writes layer `index` of a CTB writer from bytes lw_ctb_encode_layer made for it (the same
 * checks as lw_print_writer_layer: in order, within the count; LW_EINVAL if w is not a CTB
 * writer). LW_EIO, LW_ENOMEM, LW_ELIMIT from the sink. */
lw_rc lw_ctb_writer_layer_encoded(lw_print_writer *w, uint32_t index, const lw_layer_settings *s,
                                  const uint8_t *rle, size_t n, lw_err *err);

/* Decodes a CTB layer's n bytes into img, whose width and height give the screen (its runs are
 * reset first). seed is the file's XOR seed (0 = plain) and layer the layer's index, which the
 * XOR key depends on. The runs must fill the screen exactly: LW_EFORMAT naming the byte and the
 * pixel count otherwise; LW_ENOMEM. On failure img holds no runs. */
lw_rc lw_ctb_decode_rle(const uint8_t *rle, size_t n, uint32_t seed, uint32_t layer,
                        lw_layer_img *img, lw_err *err);

/* Applies (or removes: it is its own inverse) the CTB layer XOR for `seed` and layer index
 * `layer` to n bytes in place. seed 0 leaves them as they are. */
void lw_ctb_xor(uint8_t *data, size_t n, uint32_t seed, uint32_t layer);

#endif
