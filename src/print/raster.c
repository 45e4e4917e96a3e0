/* PLACEHOLDER until the rasteriser lands: replaced wholesale by its implementation. */
#include "print/raster.h"
lw_rc lw_rasterizer_new(const lw_pixel_grid *g, lw_rasterizer **out, lw_err *err)
{
    (void)g; *out = NULL;
    return lw_err_set(err, LW_EUNSUPPORTED, "rasteriser not written yet");
}
void lw_rasterizer_free(lw_rasterizer *r) { (void)r; }
lw_rc lw_rasterize(lw_rasterizer *r, const lw_contours *c, unsigned aa_levels, lw_layer_img *img,
                   lw_err *err)
{
    (void)r; (void)c; (void)aa_levels; (void)img;
    return lw_err_set(err, LW_EUNSUPPORTED, "rasteriser not written yet");
}
