/* libFuzzer target for the PNG decoders (src/print/png.c): lw_png_decode_layer, which turns any
 * PNG into runs of grey, and lw_png_decode_rgba, under limits small enough that every input
 * finishes quickly. Whatever the bytes, both must return cleanly, leak nothing and explain every
 * failure; a decoded layer must respect the limits and, encoded again by our own run encoder and
 * decoded once more, give exactly the same runs.
 * Seeds: tests/fuzz/corpus/png/ (tiny PNGs made for lostwax: layers from our encoder, libspng's
 * colour types and depths, an interlaced one, a thumbnail).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "print/layer.h"
#include "print/png.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const lw_png_limits lim = {512, 512, (size_t)1 << 20, (size_t)1 << 15};
    lw_layer_img img;
    lw_layer_img_init(&img, 0, 0);
    lw_err err;
    lw_err_clear(&err);
    lw_rc rc = lw_png_decode_layer(data, size, &lim, &img, &err);
    if (rc == LW_OK) {
        if (img.width == 0 || img.height == 0 || img.width > lim.max_width ||
            img.height > lim.max_height || img.nruns > lim.max_runs)
            abort();
        lw_png_enc e;
        lw_png_enc_init(&e);
        const uint8_t *png;
        size_t len;
        if (lw_png_encode_layer(&e, &img, &png, &len, &err) != LW_OK)
            abort();
        lw_layer_img again;
        lw_layer_img_init(&again, img.width, img.height);
        if (lw_png_decode_layer(png, len, &lim, &again, &err) != LW_OK)
            abort();
        uint64_t differ, beyond;
        lw_layer_img_diff(&img, &again, 0, &differ, &beyond);
        if (differ || again.nruns != img.nruns || again.lit != img.lit)
            abort();
        lw_layer_img_clear(&again);
        lw_png_enc_clear(&e);
    } else if (err.rc != rc || !err.msg[0] || img.nruns || img.lit) {
        abort();
    }
    lw_layer_img_clear(&img);

    lw_image im;
    lw_err_clear(&err);
    rc = lw_png_decode_rgba(data, size, &lim, &im, &err);
    if (rc == LW_OK) {
        if (!im.rgba || im.width == 0 || im.width > lim.max_width || im.height == 0 ||
            im.height > lim.max_height)
            abort();
    } else if (err.rc != rc || !err.msg[0] || im.rgba) {
        abort();
    }
    lw_image_clear(&im);
    return 0;
}
