/* PLACEHOLDER until the goo back-end lands: replaced wholesale by its implementation. */
#include "print/printfile_int.h"
lw_rc lw_goo_writer_begin(lw_print_writer *w, lw_err *err)
{
    (void)w;
    return lw_err_set(err, LW_EUNSUPPORTED, "goo writer not written yet");
}
lw_rc lw_goo_read(lw_print_file *f, const lw_print_limits *lim, lw_err *err)
{
    (void)f; (void)lim;
    return lw_err_set(err, LW_EUNSUPPORTED, "goo reader not written yet");
}
lw_rc lw_goo_decode(const lw_print_file *f, uint32_t i, lw_layer_img *img, lw_err *err)
{
    (void)f; (void)i; (void)img;
    return lw_err_set(err, LW_EUNSUPPORTED, "goo reader not written yet");
}
