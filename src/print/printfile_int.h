/* lostwax: what the format back-ends (print/fmt_*.c) share with print/printfile.c. Not for use
 * outside src/print. */
#ifndef LW_PRINT_PRINTFILE_INT_H
#define LW_PRINT_PRINTFILE_INT_H

#include "print/printfile.h"

typedef struct lw_print_writer_ops {
    lw_rc (*layer)(lw_print_writer *w, uint32_t index, const lw_layer_settings *s,
                   const lw_layer_img *img, lw_err *err);
    lw_rc (*finish)(lw_print_writer *w, lw_err *err);
    void (*free_state)(lw_print_writer *w); /* frees w->state (not w) */
} lw_print_writer_ops;

struct lw_print_writer {
    const lw_print_writer_ops *ops;
    lw_print_header h;   /* a copy; previews owned by the writer */
    lw_sink *sink;       /* borrowed */
    void *state;         /* the back-end's */
    uint32_t next;       /* the next layer index expected */
};

/* Whether layer `index` may be written to w now: the next expected, within the count, and (ops
 * not NULL) w is of the back-end with those ops, `what` naming the caller's format ("CTB").
 * LW_EINVAL with the reason otherwise. */
lw_rc lw_print_writer_accepts(const lw_print_writer *w, const lw_print_writer_ops *ops,
                              const char *what, uint32_t index, lw_err *err);

/* Each back-end: begin writes what it can of the header and sets w->ops and w->state. */
lw_rc lw_sl1_writer_begin(lw_print_writer *w, lw_err *err);
lw_rc lw_ctb_writer_begin(lw_print_writer *w, lw_err *err);
lw_rc lw_goo_writer_begin(lw_print_writer *w, lw_err *err);

/* Each back-end's reader: f->data and f->len are set; fill the header, layers[], the offsets
 * (or priv), checking everything against f->len and lim. On failure leave nothing allocated
 * that lw_print_file_clear would not free. */
lw_rc lw_sl1_read(lw_print_file *f, const lw_print_limits *lim, lw_err *err);
lw_rc lw_ctb_read(lw_print_file *f, const lw_print_limits *lim, lw_err *err);
lw_rc lw_goo_read(lw_print_file *f, const lw_print_limits *lim, lw_err *err);
/* And its layer decoder (img is reset and sized by the caller). */
lw_rc lw_sl1_decode(const lw_print_file *f, uint32_t i, lw_layer_img *img, lw_err *err);
lw_rc lw_ctb_decode(const lw_print_file *f, uint32_t i, lw_layer_img *img, lw_err *err);
lw_rc lw_goo_decode(const lw_print_file *f, uint32_t i, lw_layer_img *img, lw_err *err);
/* SL1 keeps a zip directory in priv: */
void lw_sl1_free_priv(lw_print_file *f);

#endif
