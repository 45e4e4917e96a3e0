/* lostwax: the job envelope, one printable page per piece.
 *
 * Every piece travels through the workshop in a paper envelope that holds its wax, its metal and
 * its stones. The page printed on it says what the piece is and who it is for (piece code large
 * enough to read at arm's length, customer, order, type, ring size with its chart, metal), what
 * goes into it (the stones, whose they are), when it is due (a bold RUSH band when it is
 * rushed), a small picture of the design, a QR code that a workshop tablet scans to open the
 * piece, and the paper half of the workflow: a box to tick, a date and initials for every
 * stage, and lines for the metal issued and returned.
 *
 * Pure computation: plain data in, PDF bytes out (cairo's PDF surface, page sizes exact in
 * millimetres). No database, no files, no clock: the PDF's creation date comes from the input,
 * so the same input gives the same bytes (on one machine: the fonts fontconfig picks and the
 * cairo version are part of the output).
 */
#ifndef LW_SHOP_ENVELOPE_H
#define LW_SHOP_ENVELOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/image.h"
#include "base/units.h"

/* Limits of the text fields, in characters (Unicode code points), not bytes. Longer text is
 * refused (LW_ELIMIT), never cut silently: a record that long is a mistake upstream. Text that
 * is within the limit but wider than its place on the page is drawn shortened with an ellipsis. */
#define LW_ENVELOPE_CODE_MAX 32      /* piece_code, order_no */
#define LW_ENVELOPE_URL_MAX 256      /* url (the QR code's payload) */
#define LW_ENVELOPE_NAME_MAX 120     /* studio, customer */
#define LW_ENVELOPE_TEXT_MAX 80      /* piece_type, metal, due */
#define LW_ENVELOPE_LABEL_MAX 32     /* ring_label */
#define LW_ENVELOPE_NOTES_MAX 1000   /* notes */
#define LW_ENVELOPE_STONE_TEXT_MAX 40 /* a stone's name and cut */
#define LW_ENVELOPE_STONES_MAX 50    /* rows of the stone list */
#define LW_ENVELOPE_COUNT_MAX 9999   /* stones of one row */
#define LW_ENVELOPE_STONE_CMM_MAX 10000 /* a stone's length or width: 100 mm */
#define LW_ENVELOPE_MCT_MAX 10000000 /* one stone: 10,000 ct */
#define LW_ENVELOPE_MG_MAX 100000000 /* estimated metal: 100 kg */
#define LW_ENVELOPE_PREVIEW_MAX 2048 /* preview pixels a side */
/* created: 1970-01-01T00:00:00Z ... 9999-12-31T23:59:59Z */
#define LW_ENVELOPE_CREATED_MAX INT64_C(253402300799)

typedef enum lw_envelope_page {
    LW_ENVELOPE_A5 = 0, /* 148 x 210 mm, the default: fits a C5 envelope or is glued on one */
    LW_ENVELOPE_A4,     /* 210 x 297 mm */
    LW_ENVELOPE_LABEL,  /* 100 x 150 mm, a thermal shipping label stuck on the envelope */
} lw_envelope_page;

/* Whose stone: the studio's stock, or brought by the customer (the studio answers for it, so
 * the setter must know). */
typedef enum lw_envelope_source {
    LW_ENVELOPE_STUDIO = 0,
    LW_ENVELOPE_CUSTOMER,
} lw_envelope_source;

/* One row of the stone list. Strings are borrowed, NULL is empty. */
typedef struct lw_envelope_stone {
    const char *stone;         /* "diamond", "sapphire" */
    const char *cut;           /* "round brilliant", "oval" */
    int32_t length_cmm;        /* size in 1/100 mm: the diameter, or the length of a fancy cut;
                                * 0 when not known */
    int32_t width_cmm;         /* the width of a fancy cut ("8 x 6"); 0 for one figure */
    uint32_t count;            /* 1 ... LW_ENVELOPE_COUNT_MAX */
    lw_mct mct_each;           /* carat weight of one stone, 1/1000 ct; 0 when not known */
    lw_envelope_source source;
} lw_envelope_stone;

/* What the envelope shows. All strings are borrowed UTF-8 and NUL-terminated; NULL and "" mean
 * "not given" (left blank to fill in by hand), except for the two required fields. Tabs and line
 * breaks are allowed everywhere (drawn as spaces outside the notes); other control characters
 * are refused. */
typedef struct lw_envelope {
    const char *piece_code;       /* required: "PC-0042" */
    const char *url;              /* required: what the QR code holds, "https://studio.local/p/1" */
    const char *studio;           /* the studio's name, at the top */
    const char *customer;         /* "Zoë Ångström" */
    const char *order_no;         /* "O-2025-0117" */
    const char *piece_type;       /* "engagement ring" */
    const char *metal;            /* "18k yellow gold (750)" */
    const char *ring_label;       /* the size as the customer knows it, chart included: "US 7" */
    lw_circ_cmm ring_circ_cmm;    /* inner circumference, 1/100 mm; 0: no ring size. Shown as
                                   * "US 7 (inner Ø 17.35 mm)" */
    lw_mg metal_estimate_mg;      /* metal expected for the cast, mg; 0: none */
    const lw_envelope_stone *stones; /* nstones rows, borrowed */
    size_t nstones;
    const char *due;              /* the due date as the caller formats it: "Fri 14 Mar 2025" */
    bool rush;                    /* a black RUSH band across the top */
    const char *notes;            /* free text; line breaks kept, wrapped to the box */
    const lw_image *preview;      /* a picture of the design, or NULL (a 0 x 0 image is none) */
    int64_t created;              /* seconds since 1970-01-01 UTC: the PDF's creation date */
} lw_envelope;

typedef struct lw_envelope_opts {
    lw_envelope_page page; /* default LW_ENVELOPE_A5 */
} lw_envelope_opts;

void lw_envelope_opts_default(lw_envelope_opts *o);

/* Reads a page name: "a5", "a4", "label" (ASCII case ignored). Returns LW_OK, or LW_EINVAL with
 * a message listing the names. */
lw_rc lw_envelope_page_parse(const char *name, lw_envelope_page *out, lw_err *err);

/* The page's size in millimetres. */
void lw_envelope_page_size(lw_envelope_page page, double *w_mm, double *h_mm);

/* Appends the envelope as a one-page PDF to out. o may be NULL (defaults).
 *
 * The QR code encodes url in byte mode at error correction level M, drawn as filled
 * rectangles, its dark part at least 25 mm wide, with a light margin of four modules.
 * The piece's metadata: title "Job envelope <piece_code>", creator "lostwax", creation date
 * from created.
 *
 * Errors, with the field named in the message ("stones[2].cut: ..."):
 *   LW_EINVAL  a required field missing; text that is not UTF-8 or holds a control character;
 *              a number out of range (ring_circ_cmm outside 25-125 mm, a negative size, weight
 *              or estimate, a count of 0); a preview without pixels; an unknown page;
 *   LW_ELIMIT  text over its limit above, more than LW_ENVELOPE_STONES_MAX stones, a preview
 *              over LW_ENVELOPE_PREVIEW_MAX pixels a side, a number over its limit above,
 *              a url too long for a QR code, or a PDF larger than out's maximum;
 *   LW_ENOMEM  an allocation failed (ours or cairo's or libqrencode's);
 *   LW_EIO     cairo failed to draw for another reason (its message is given).
 * On failure out keeps what it had. */
lw_rc lw_envelope_pdf(const lw_envelope *e, const lw_envelope_opts *o, lw_buf *out,
                      lw_err *err);

#endif
