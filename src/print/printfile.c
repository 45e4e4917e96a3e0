/* lostwax: format dispatch for printer files (see printfile.h). */
#include "print/printfile.h"

#include <string.h>

#include "base/alloc.h"
#include "print/printfile_int.h"

const char *lw_print_format_name(lw_print_format f)
{
    switch (f) {
    case LW_PFMT_SL1: return "sl1";
    case LW_PFMT_CTB: return "ctb";
    case LW_PFMT_GOO: return "goo";
    case LW_PFMT_NONE: break;
    }
    return "none";
}

lw_print_format lw_print_format_parse(const char *s)
{
    if (strcmp(s, "sl1") == 0 || strcmp(s, "sl1s") == 0)
        return LW_PFMT_SL1;
    if (strcmp(s, "ctb") == 0)
        return LW_PFMT_CTB;
    if (strcmp(s, "goo") == 0 || strcmp(s, "prz") == 0)
        return LW_PFMT_GOO;
    return LW_PFMT_NONE;
}

void lw_print_header_clear(lw_print_header *h)
{
    lw_image_clear(&h->preview_small);
    lw_image_clear(&h->preview_large);
}

static lw_rc copy_image(lw_image *dst, const lw_image *src)
{
    memset(dst, 0, sizeof *dst);
    if (!src->width || !src->height || !src->rgba)
        return LW_OK;
    size_t n = 4 * (size_t)src->width * src->height;
    dst->rgba = lw_malloc(n);
    if (!dst->rgba)
        return LW_ENOMEM;
    memcpy(dst->rgba, src->rgba, n);
    dst->width = src->width;
    dst->height = src->height;
    return LW_OK;
}

lw_rc lw_print_writer_open(const lw_print_header *h, lw_sink *sink, lw_print_writer **out,
                           lw_err *err)
{
    *out = NULL;
    if (h->res_x == 0 || h->res_y == 0 || !(h->layer_height > 0))
        return lw_err_set(err, LW_EINVAL, "a print file needs a screen size and a layer height");
    if (h->aa_level != 1 && h->aa_level != 2 && h->aa_level != 4 && h->aa_level != 8 &&
        h->aa_level != 16)
        return lw_err_set(err, LW_EINVAL, "anti-aliasing %u: use 1, 2, 4, 8 or 16",
                          h->aa_level);
    lw_print_writer *w = lw_calloc(1, sizeof *w);
    if (!w)
        return lw_err_nomem(err);
    w->h = *h;
    w->sink = sink;
    /* The copy must never hold the caller's pictures: if copying fails half way, clearing the
     * copy frees only what it owns. */
    memset(&w->h.preview_small, 0, sizeof w->h.preview_small);
    memset(&w->h.preview_large, 0, sizeof w->h.preview_large);
    if (copy_image(&w->h.preview_small, &h->preview_small) ||
        copy_image(&w->h.preview_large, &h->preview_large)) {
        lw_print_header_clear(&w->h);
        lw_free(w);
        return lw_err_nomem(err);
    }
    lw_rc rc;
    switch (h->format) {
    case LW_PFMT_SL1: rc = lw_sl1_writer_begin(w, err); break;
    case LW_PFMT_CTB: rc = lw_ctb_writer_begin(w, err); break;
    case LW_PFMT_GOO: rc = lw_goo_writer_begin(w, err); break;
    default: rc = lw_err_set(err, LW_EINVAL, "no printer file format chosen"); break;
    }
    if (rc) {
        lw_print_writer_free(w);
        return rc;
    }
    *out = w;
    return LW_OK;
}

lw_rc lw_print_writer_accepts(const lw_print_writer *w, const lw_print_writer_ops *ops,
                              const char *what, uint32_t index, lw_err *err)
{
    if (ops && w->ops != ops)
        return lw_err_set(err, LW_EINVAL, "%s layer bytes given to a %s writer", what,
                          lw_print_format_name(w->h.format));
    if (index != w->next || index >= w->h.layer_count)
        return lw_err_set(err, LW_EINVAL, "layer %u given out of order (expected %u of %u)",
                          index, w->next, w->h.layer_count);
    return LW_OK;
}

lw_rc lw_print_writer_layer(lw_print_writer *w, uint32_t index, const lw_layer_settings *s,
                            const lw_layer_img *img, lw_err *err)
{
    lw_rc rc = lw_print_writer_accepts(w, NULL, NULL, index, err);
    if (rc)
        return rc;
    if (img->width != w->h.res_x || img->height != w->h.res_y)
        return lw_err_set(err, LW_EINVAL, "layer %u is %ux%u pixels, the file's screen %ux%u",
                          index, img->width, img->height, w->h.res_x, w->h.res_y);
    rc = w->ops->layer(w, index, s, img, err);
    if (!rc)
        w->next++;
    return rc;
}

void lw_print_writer_set_estimate(lw_print_writer *w, double print_time_s, double volume_ml,
                                  double weight_g, double cost)
{
    w->h.print_time_s = print_time_s;
    w->h.volume_ml = volume_ml;
    w->h.weight_g = weight_g;
    w->h.cost = cost;
}

lw_rc lw_print_writer_finish(lw_print_writer *w, lw_err *err)
{
    if (w->next != w->h.layer_count)
        return lw_err_set(err, LW_EINVAL, "%u of %u layers written", w->next, w->h.layer_count);
    return w->ops->finish(w, err);
}

void lw_print_writer_free(lw_print_writer *w)
{
    if (!w)
        return;
    if (w->ops && w->ops->free_state)
        w->ops->free_state(w);
    lw_print_header_clear(&w->h);
    lw_free(w);
}

void lw_print_limits_default(lw_print_limits *lim)
{
    lim->max_file_bytes = (size_t)4 << 30;
    lim->max_layers = 100000;
    lim->max_pixels_x = 32768;
    lim->max_pixels_y = 32768;
    lim->max_layer_bytes = (size_t)1 << 30;
}

static lw_print_format detect(const uint8_t *d, size_t len)
{
    if (len >= 4 && d[0] == 'P' && d[1] == 'K' && d[2] == 3 && d[3] == 4)
        return LW_PFMT_SL1;
    /* GOO: a version string, then the magic 07 00 00 00 44 4C 50 00 ("V3.0" now; the reader
     * explains the versions it does not read, such as V5). */
    static const uint8_t goo_magic[8] = {0x07, 0, 0, 0, 0x44, 0x4C, 0x50, 0};
    if (len >= 12 && d[0] == 'V' && memcmp(d + 4, goo_magic, 8) == 0)
        return LW_PFMT_GOO;
    if (len >= 4) {
        uint32_t magic = (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 |
                         (uint32_t)d[3] << 24;
        if (magic == 0x12FD0086u || magic == 0x12FD0106u || magic == 0x12FD0107u ||
            magic == 0x12FD0019u || magic == 0xFF220810u)
            return LW_PFMT_CTB;
    }
    return LW_PFMT_NONE;
}

lw_rc lw_print_file_open(const uint8_t *data, size_t len, const lw_print_limits *lim,
                         lw_print_file *out, lw_err *err)
{
    memset(out, 0, sizeof *out);
    out->data = data;
    out->len = len;
    if (len > lim->max_file_bytes)
        return lw_err_set(err, LW_ELIMIT, "%zu bytes is more than the limit of %zu", len,
                          lim->max_file_bytes);
    lw_rc rc;
    switch (detect(data, len)) {
    case LW_PFMT_SL1: rc = lw_sl1_read(out, lim, err); break;
    case LW_PFMT_CTB: rc = lw_ctb_read(out, lim, err); break;
    case LW_PFMT_GOO: rc = lw_goo_read(out, lim, err); break;
    default:
        return lw_err_set(err, LW_EFORMAT, "not a printer file lostwax reads (SL1/SL1S, CTB, "
                          "GOO/PRZ): %zu bytes with no known signature", len);
    }
    if (rc)
        lw_print_file_clear(out);
    return rc;
}

lw_rc lw_print_file_layer(const lw_print_file *f, uint32_t i, lw_layer_img *img, lw_err *err)
{
    if (i >= f->h.layer_count)
        return lw_err_set(err, LW_EINVAL, "layer %u of a file with %u layers", i,
                          f->h.layer_count);
    lw_layer_img_reset(img);
    img->width = f->h.res_x;
    img->height = f->h.res_y;
    switch (f->h.format) {
    case LW_PFMT_SL1: return lw_sl1_decode(f, i, img, err);
    case LW_PFMT_CTB: return lw_ctb_decode(f, i, img, err);
    case LW_PFMT_GOO: return lw_goo_decode(f, i, img, err);
    default: return lw_err_set(err, LW_EINVAL, "no format");
    }
}

void lw_print_file_clear(lw_print_file *f)
{
    if (f->h.format == LW_PFMT_SL1 && f->priv)
        lw_sl1_free_priv(f);
    lw_print_header_clear(&f->h);
    lw_free(f->layers);
    lw_free(f->layer_off);
    lw_free(f->layer_len);
    memset(f, 0, sizeof *f);
}
