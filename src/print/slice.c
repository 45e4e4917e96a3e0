/* PLACEHOLDER until the slicer lands: replaced wholesale by its implementation. */
#include "print/slice.h"
lw_rc lw_slicer_new(const lw_mesh *m, const double *z, size_t n, lw_slicer **out, lw_err *err)
{
    (void)m; (void)z; (void)n; *out = NULL;
    return lw_err_set(err, LW_EUNSUPPORTED, "slicer not written yet");
}
void lw_slicer_free(lw_slicer *s) { (void)s; }
lw_rc lw_slicer_layer(const lw_slicer *s, size_t i, lw_contours *out, size_t *open_chains,
                      lw_err *err)
{
    (void)s; (void)i; (void)out; (void)open_chains;
    return lw_err_set(err, LW_EUNSUPPORTED, "slicer not written yet");
}
