/* lostwax: the job envelope (see envelope.h).
 *
 * The page is drawn in millimetres (the cairo context is scaled from points once) and laid out
 * top to bottom: the RUSH band, the header (piece code, type, due date beside the QR code), the
 * details beside the preview, the stones, the notes, then the stages and the metal lines, which
 * sit at the foot of the page whatever is above them. The stones and the notes share what room
 * is left: stones first (a setter needs every one), notes after, with ruled lines to write on.
 * Every text is drawn through one helper that shortens it with an ellipsis to its box, so no
 * input can push text over a neighbour or off the page.
 *
 * cairo and libqrencode allocate on their own; our allocations (the preview's pixels, the
 * output) go through lw_malloc, and cairo's own failures come back as its status.
 */
#include "shop/envelope.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <errno.h>
#include <math.h>
#include <qrencode.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "base/text.h"
#include "design/ring_size.h"

#define PT (25.4 / 72.0) /* millimetres per point */
#define ELLIPSIS "\xE2\x80\xA6"
/* Room for any one line of text: the longest field in bytes, an ellipsis and a NUL. */
#define LINE_BUF (4 * LW_ENVELOPE_NOTES_MAX + 8)
#define FONT "sans-serif"

/* Colours: black text on white, grey for captions and rules; no colour carries meaning alone,
 * since most workshops print in black and white. */
#define INK 0.0
#define CAPTION 0.38
#define RULE 0.55
#define FAINT 0.80

/* A page format: its size, margins, type scale, and the QR symbol's width (without the quiet
 * zone, which lies in the margin or the gap beside the symbol). The symbol is 25 mm or more so
 * a tablet reads it from a hand's length away. The small label keeps one row for the metal and
 * one line for notes at least, so that a few stones still fit. */
typedef struct page_geom {
    double w, h, margin, s, qr;
    int metal_rows, min_notes;
} page_geom;

static const page_geom k_pages[] = {
    [LW_ENVELOPE_A5] = {148, 210, 8, 1.0, 27, 2, 2},
    [LW_ENVELOPE_A4] = {210, 297, 12, 1.35, 36, 3, 3},
    [LW_ENVELOPE_LABEL] = {100, 150, 5, 0.78, 25, 1, 1},
};

static const char *const k_page_names[] = {"a5", "a4", "label"};

static const char *const k_stages[] = {"Design", "Approval", "Print",  "Tree", "Cast",
                                       "Cleanup", "Setting", "Polish & plating", "QC", "Ready"};

void lw_envelope_opts_default(lw_envelope_opts *o)
{
    memset(o, 0, sizeof *o);
    o->page = LW_ENVELOPE_A5;
}

lw_rc lw_envelope_page_parse(const char *name, lw_envelope_page *out, lw_err *err)
{
    for (size_t i = 0; i < sizeof k_page_names / sizeof *k_page_names; i++)
        if (name && lw_str_ieq(name, k_page_names[i])) {
            *out = (lw_envelope_page)i;
            return LW_OK;
        }
    return lw_err_set(err, LW_EINVAL, "unknown page '%s' (a5, a4 or label)", name ? name : "");
}

void lw_envelope_page_size(lw_envelope_page page, double *w_mm, double *h_mm)
{
    const page_geom *g = &k_pages[(unsigned)page < 3 ? page : LW_ENVELOPE_A5];
    *w_mm = g->w;
    *h_mm = g->h;
}

/* ---- input checks ---------------------------------------------------------------------- */

/* The length of the well-formed UTF-8 sequence at p (RFC 3629: no overlong forms, no
 * surrogates, nothing past U+10FFFF), its code point in *cp; 0 when p does not start one. */
static size_t utf8_seq(const uint8_t *p, uint32_t *cp)
{
    uint8_t c = p[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    uint8_t lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        *cp = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80; /* E0 80..9F would be overlong */
        hi = c == 0xED ? 0x9F : 0xBF; /* ED A0..BF would be a surrogate */
        *cp = c & 0x0Fu;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF; /* past U+10FFFF */
        *cp = c & 0x07u;
    } else {
        return 0;
    }
    for (size_t k = 1; k < len; k++) {
        uint8_t lo_k = k == 1 ? lo : 0x80, hi_k = k == 1 ? hi : 0xBF;
        if (p[k] < lo_k || p[k] > hi_k)
            return 0; /* also stops at the NUL: 0 is never a continuation byte */
        *cp = (*cp << 6) | (p[k] & 0x3Fu);
    }
    return len;
}

/* Checks one text field: well-formed UTF-8, no control characters but tab and line breaks,
 * at most max characters. NULL passes (an empty field). */
static lw_rc check_text(const char *s, size_t max, const char *field, lw_err *err)
{
    if (!s)
        return LW_OK;
    const uint8_t *p = (const uint8_t *)s;
    size_t chars = 0;
    while (*p) {
        uint32_t cp;
        size_t len = utf8_seq(p, &cp);
        size_t at = (size_t)(p - (const uint8_t *)s);
        if (!len)
            return lw_err_set(err, LW_EINVAL, "%s: not valid UTF-8 (byte %zu is 0x%02X)", field,
                              at, *p);
        bool control = cp < 0x20 || (cp >= 0x7F && cp < 0xA0);
        if (control && cp != '\t' && cp != '\n' && cp != '\r')
            return lw_err_set(err, LW_EINVAL, "%s: control character U+%04X at byte %zu", field,
                              (unsigned)cp, at);
        p += len;
        chars++;
    }
    if (chars > max)
        return lw_err_set(err, LW_ELIMIT, "%s: %zu characters, more than the limit of %zu",
                          field, chars, max);
    return LW_OK;
}

static bool empty(const char *s) { return !s || !*s; }

static lw_rc check_input(const lw_envelope *e, lw_err *err)
{
    if (empty(e->piece_code))
        return lw_err_set(err, LW_EINVAL, "piece_code: required");
    if (empty(e->url))
        return lw_err_set(err, LW_EINVAL, "url: required (the QR code's payload)");
    struct {
        const char *s, *name;
        size_t max;
    } texts[] = {
        {e->piece_code, "piece_code", LW_ENVELOPE_CODE_MAX},
        {e->url, "url", LW_ENVELOPE_URL_MAX},
        {e->studio, "studio", LW_ENVELOPE_NAME_MAX},
        {e->customer, "customer", LW_ENVELOPE_NAME_MAX},
        {e->order_no, "order_no", LW_ENVELOPE_CODE_MAX},
        {e->piece_type, "piece_type", LW_ENVELOPE_TEXT_MAX},
        {e->metal, "metal", LW_ENVELOPE_TEXT_MAX},
        {e->ring_label, "ring_label", LW_ENVELOPE_LABEL_MAX},
        {e->due, "due", LW_ENVELOPE_TEXT_MAX},
        {e->notes, "notes", LW_ENVELOPE_NOTES_MAX},
    };
    lw_rc rc;
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
        if ((rc = check_text(texts[i].s, texts[i].max, texts[i].name, err)))
            return rc;
    if (e->ring_circ_cmm != 0 && (e->ring_circ_cmm < LW_RING_CIRC_MIN_MM * 100 ||
                                  e->ring_circ_cmm > LW_RING_CIRC_MAX_MM * 100))
        return lw_err_set(err, LW_EINVAL,
                          "ring_circ_cmm: %d is not a ring's inner circumference (%.0f to %.0f "
                          "mm, in 1/100 mm)",
                          (int)e->ring_circ_cmm, LW_RING_CIRC_MIN_MM, LW_RING_CIRC_MAX_MM);
    if (e->metal_estimate_mg < 0)
        return lw_err_set(err, LW_EINVAL, "metal_estimate_mg: negative (%lld)",
                          (long long)e->metal_estimate_mg);
    if (e->metal_estimate_mg > LW_ENVELOPE_MG_MAX)
        return lw_err_set(err, LW_ELIMIT, "metal_estimate_mg: %lld, more than the limit of %d",
                          (long long)e->metal_estimate_mg, LW_ENVELOPE_MG_MAX);
    if (e->nstones > LW_ENVELOPE_STONES_MAX)
        return lw_err_set(err, LW_ELIMIT, "stones: %zu rows, more than the limit of %d",
                          e->nstones, LW_ENVELOPE_STONES_MAX);
    if (e->nstones && !e->stones)
        return lw_err_set(err, LW_EINVAL, "stones: %zu rows but no array", e->nstones);
    for (size_t i = 0; i < e->nstones; i++) {
        const lw_envelope_stone *st = &e->stones[i];
        char f[48];
        snprintf(f, sizeof f, "stones[%zu].stone", i);
        if ((rc = check_text(st->stone, LW_ENVELOPE_STONE_TEXT_MAX, f, err)))
            return rc;
        snprintf(f, sizeof f, "stones[%zu].cut", i);
        if ((rc = check_text(st->cut, LW_ENVELOPE_STONE_TEXT_MAX, f, err)))
            return rc;
        if (st->length_cmm < 0 || st->width_cmm < 0)
            return lw_err_set(err, LW_EINVAL, "stones[%zu]: a negative size", i);
        if (st->length_cmm > LW_ENVELOPE_STONE_CMM_MAX || st->width_cmm > LW_ENVELOPE_STONE_CMM_MAX)
            return lw_err_set(err, LW_ELIMIT, "stones[%zu]: a size over %d mm", i,
                              LW_ENVELOPE_STONE_CMM_MAX / 100);
        if (st->count == 0)
            return lw_err_set(err, LW_EINVAL, "stones[%zu].count: 0 (at least one stone)", i);
        if (st->count > LW_ENVELOPE_COUNT_MAX)
            return lw_err_set(err, LW_ELIMIT, "stones[%zu].count: %u, more than the limit of %d",
                              i, st->count, LW_ENVELOPE_COUNT_MAX);
        if (st->mct_each < 0)
            return lw_err_set(err, LW_EINVAL, "stones[%zu].mct_each: negative", i);
        if (st->mct_each > LW_ENVELOPE_MCT_MAX)
            return lw_err_set(err, LW_ELIMIT, "stones[%zu].mct_each: more than %d ct", i,
                              LW_ENVELOPE_MCT_MAX / 1000);
        if (st->source != LW_ENVELOPE_STUDIO && st->source != LW_ENVELOPE_CUSTOMER)
            return lw_err_set(err, LW_EINVAL, "stones[%zu].source: unknown value %d", i,
                              (int)st->source);
    }
    if (e->preview && (e->preview->width || e->preview->height)) {
        const lw_image *im = e->preview;
        if (!im->width || !im->height || !im->rgba)
            return lw_err_set(err, LW_EINVAL, "preview: %u x %u pixels%s", im->width, im->height,
                              im->rgba ? "" : " without pixel data");
        if (im->width > LW_ENVELOPE_PREVIEW_MAX || im->height > LW_ENVELOPE_PREVIEW_MAX)
            return lw_err_set(err, LW_ELIMIT, "preview: %u x %u pixels, more than %d a side",
                              im->width, im->height, LW_ENVELOPE_PREVIEW_MAX);
    }
    if (e->created < 0 || e->created > LW_ENVELOPE_CREATED_MAX)
        return lw_err_set(err, LW_EINVAL, "created: %lld is not a time from 1970 to 9999",
                          (long long)e->created);
    return LW_OK;
}

/* ---- numbers, formatted without the locale ---------------------------------------------- */

/* v / 10^dec with exactly dec decimals ("1.020"). */
static void fmt_fixed(int64_t v, int dec, char *buf, size_t n)
{
    int64_t scale = 1;
    for (int i = 0; i < dec; i++)
        scale *= 10;
    const char *sign = v < 0 ? "-" : "";
    uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    snprintf(buf, n, "%s%llu.%0*llu", sign, (unsigned long long)(a / (uint64_t)scale), dec,
             (unsigned long long)(a % (uint64_t)scale));
}

/* 1/100 mm as a jeweller writes a stone's size: "6.5", "1.25", "8". */
static void fmt_cmm(int32_t cmm, char *buf, size_t n)
{
    int w = cmm / 100, f = cmm % 100;
    if (f == 0)
        snprintf(buf, n, "%d", w);
    else if (f % 10 == 0)
        snprintf(buf, n, "%d.%d", w, f / 10);
    else
        snprintf(buf, n, "%d.%02d", w, f);
}

/* ---- drawing text ----------------------------------------------------------------------- */

typedef struct lay {
    cairo_t *cr;
    double s;      /* type scale of the page */
    double x0, x1; /* the content's left and right edges, mm */
} lay;

typedef enum align { LEFT, RIGHT, CENTRE } align;

static void grey(cairo_t *cr, double v) { cairo_set_source_rgb(cr, v, v, v); }

static void font(const lay *l, double pt, bool bold)
{
    cairo_select_font_face(l->cr, FONT, CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(l->cr, pt * l->s * PT);
}

static double advance(cairo_t *cr, const char *s)
{
    cairo_text_extents_t te;
    cairo_text_extents(cr, s, &te);
    return te.x_advance;
}

/* Copies n bytes of s into buf (LINE_BUF bytes) as one line: tabs and line breaks become
 * spaces. s is valid UTF-8 (checked on entry), so the copy is too; the limits keep every text
 * shorter than the buffer, and were one longer it would be cut between characters. */
static void one_line(const char *s, size_t n, char *buf)
{
    if (n > LINE_BUF - 8) {
        n = LINE_BUF - 8;
        while (n > 0 && ((uint8_t)s[n] & 0xC0) == 0x80)
            n--;
    }
    for (size_t i = 0; i < n; i++)
        buf[i] = s[i] == '\t' || s[i] == '\n' || s[i] == '\r' ? ' ' : s[i];
    buf[n] = 0;
}

/* Shortens the line in buf (room for LINE_BUF bytes) to at most w mm in the current font,
 * ending it with an ellipsis when anything was cut or when `more` says text follows that will
 * not be shown. Characters are dropped whole, then trailing spaces, so the text stays valid
 * UTF-8 and the ellipsis sits against the last word. */
static void fit(cairo_t *cr, char *buf, double w, bool more)
{
    size_t len = strlen(buf);
    if (!more && advance(cr, buf) <= w)
        return;
    for (;;) {
        while (len > 0 && buf[len - 1] == ' ')
            len--;
        memcpy(buf + len, ELLIPSIS, sizeof ELLIPSIS);
        if (len == 0 || advance(cr, buf) <= w)
            return;
        do
            len--;
        while (len > 0 && ((uint8_t)buf[len] & 0xC0) == 0x80);
    }
}

/* Draws s (NULL draws nothing) on one line with its baseline at y, within [x, x + w]: left,
 * right or centred there, shortened to fit. */
static void text(const lay *l, const char *s, double x, double y, double w, align a)
{
    if (empty(s) || w <= 0)
        return;
    char buf[LINE_BUF];
    one_line(s, strlen(s), buf);
    fit(l->cr, buf, w, false);
    double adv = advance(l->cr, buf);
    double at = a == LEFT ? x : a == RIGHT ? x + w - adv : x + (w - adv) / 2;
    cairo_move_to(l->cr, at, y);
    cairo_show_text(l->cr, buf);
}

/* As text, in pt-point type made smaller (down to 60 %) before anything is cut: for figures,
 * where "10000…" would be worse than small print. */
static void text_shrink(const lay *l, const char *s, double x, double y, double w, align a,
                        double pt, bool bold)
{
    if (empty(s))
        return;
    char buf[LINE_BUF];
    one_line(s, strlen(s), buf);
    double size = pt;
    font(l, size, bold);
    while (size > 0.6 * pt && advance(l->cr, buf) > w) {
        size -= 0.5;
        font(l, size, bold);
    }
    text(l, buf, x, y, w, a);
}

/* A caption: small grey capitals over or beside what it names. */
static void caption(const lay *l, const char *s, double x, double y, double w, align a)
{
    font(l, 6.2, false);
    grey(l->cr, CAPTION);
    text(l, s, x, y, w, a);
}

static void hline(const lay *l, double x0, double x1, double y, double width, double g)
{
    cairo_set_line_width(l->cr, width);
    grey(l->cr, g);
    cairo_move_to(l->cr, x0, y);
    cairo_line_to(l->cr, x1, y);
    cairo_stroke(l->cr);
}

/* A section's title in bold capitals and a rule under it across the page; returns the y below
 * it. */
static double section(const lay *l, const char *title, double y)
{
    font(l, 7.5, true);
    grey(l->cr, INK);
    text(l, title, l->x0, y + 3.0 * l->s, l->x1 - l->x0, LEFT);
    hline(l, l->x0, l->x1, y + 4.2 * l->s, 0.3, INK);
    return y + 4.2 * l->s;
}

/* The byte length of the next line of text at p that fits in w mm, breaking after a space
 * where it can and inside a word only when one word is wider than the line; *next is where
 * the line after starts (past the break). Line breaks in the text end a line. */
static size_t wrap_line(cairo_t *cr, const char *p, double w, const char **next)
{
    size_t end = strcspn(p, "\r\n");
    const char *after = p + end;
    if (*after == '\r' && after[1] == '\n')
        after += 2;
    else if (*after)
        after++;
    char buf[LINE_BUF];
    one_line(p, end, buf);
    if (advance(cr, buf) <= w) {
        *next = after;
        return end;
    }
    /* Grow the line a character at a time while it fits. */
    size_t fits = 0, brk = 0;
    for (size_t i = 0; i < end;) {
        uint32_t cp;
        size_t len = utf8_seq((const uint8_t *)p + i, &cp);
        if (!len)
            len = 1; /* cannot happen after check_text; never loop forever */
        char save = buf[i + len];
        buf[i + len] = 0;
        bool ok = advance(cr, buf) <= w;
        buf[i + len] = save;
        if (!ok)
            break;
        if (cp == ' ' || cp == '\t')
            brk = i; /* the line may end before this space */
        i += len;
        fits = i;
    }
    if (fits < end && (p[fits] == ' ' || p[fits] == '\t'))
        brk = fits; /* the break falls exactly on a space */
    size_t len = brk > 0 ? brk : fits;
    if (len == 0) { /* not even one character fits: take one anyway, it will be cut */
        uint32_t cp;
        len = utf8_seq((const uint8_t *)p, &cp);
        if (!len)
            len = 1;
    }
    if (len >= end) { /* kerning can make the parts wider than the whole */
        *next = after;
        return end;
    }
    const char *q = p + len;
    while (*q == ' ' || *q == '\t')
        q++;
    *next = q;
    return len;
}

/* Draws text wrapped to w mm on at most nlines lines, baselines y0, y0 + lh, ...; when text
 * remains after the last line, that line ends with an ellipsis. */
static void text_wrapped(const lay *l, const char *s, double x, double y0, double w, double lh,
                         int nlines)
{
    const char *p = s;
    for (int i = 0; i < nlines && p && *p; i++) {
        const char *next;
        size_t len = wrap_line(l->cr, p, w, &next);
        char buf[LINE_BUF];
        one_line(p, len, buf);
        bool more = false;
        for (const char *q = next; *q && !more; q++)
            more = *q != ' ' && *q != '\t' && *q != '\r' && *q != '\n';
        fit(l->cr, buf, w, i == nlines - 1 && more);
        cairo_move_to(l->cr, x, y0 + i * lh);
        cairo_show_text(l->cr, buf);
        p = next;
    }
}

static void box(const lay *l, double x, double y, double w, double h, double width, double g)
{
    cairo_set_line_width(l->cr, width);
    grey(l->cr, g);
    cairo_rectangle(l->cr, x, y, w, h);
    cairo_stroke(l->cr);
}

/* ---- the parts of the page -------------------------------------------------------------- */

/* The black band across the top of a rushed piece's envelope, seen from across the room. */
static double rush_band(const lay *l, const lw_envelope *e, double y)
{
    double h = 10 * l->s;
    grey(l->cr, INK);
    cairo_rectangle(l->cr, l->x0, y, l->x1 - l->x0, h);
    cairo_fill(l->cr);
    cairo_set_source_rgb(l->cr, 1, 1, 1);
    font(l, 22, true);
    double base = y + h / 2 + 22 * l->s * PT * 0.36;
    text(l, "RUSH", l->x0, base, l->x1 - l->x0, CENTRE);
    if (!empty(e->due)) {
        char due[LINE_BUF];
        snprintf(due, sizeof due, "due %s", e->due);
        font(l, 9, true);
        double side = (l->x1 - l->x0) / 2 - 18 * l->s; /* clear of the word in the middle */
        text(l, due, l->x1 - 3 * l->s - side, y + h / 2 + 9 * l->s * PT * 0.36, side, RIGHT);
        text(l, "RUSH", l->x0 + 3 * l->s, y + h / 2 + 9 * l->s * PT * 0.36, side, LEFT);
    }
    return y + h;
}

/* The QR code's symbol, its modules filled as rectangles (one per run of dark modules in a
 * row, all in one path, so a rasterizer leaves no hairline between neighbours), size mm wide
 * at (x, y). */
static void qr_draw(const lay *l, const QRcode *q, double x, double y, double size)
{
    double m = size / q->width;
    grey(l->cr, INK);
    for (int r = 0; r < q->width; r++) {
        const unsigned char *row = q->data + (size_t)r * (size_t)q->width;
        for (int c = 0; c < q->width;) {
            if (!(row[c] & 1)) {
                c++;
                continue;
            }
            int c0 = c;
            while (c < q->width && (row[c] & 1))
                c++;
            cairo_rectangle(l->cr, x + c0 * m, y + r * m, (c - c0) * m, m);
        }
    }
    cairo_fill(l->cr);
}

/* The header: piece code, type and due date on the left; the QR code, with the url under it
 * for a person, on the right. `above` is the white already above y (margin or gap), part of
 * the QR code's quiet zone. Returns the y below the header. */
static double header(const lay *l, const lw_envelope *e, const QRcode *q, double qr_mm,
                     double y, double above)
{
    double s = l->s, quiet = 4 * qr_mm / q->width;
    double qx = l->x1 - qr_mm, qy = y + fmax(0, quiet - above);
    qr_draw(l, q, qx, qy, qr_mm);
    font(l, 5.5, false);
    grey(l->cr, CAPTION);
    double url_y = qy + qr_mm + quiet + 1.2 * s;
    text(l, e->url, qx - quiet, url_y, qr_mm + quiet, RIGHT); /* flush with the code's edge */
    double right = url_y + 1 * s;

    double w = qx - quiet - l->x0; /* the left column ends where the quiet zone begins */
    double yy = y;
    if (!empty(e->studio)) {
        font(l, 7.5, false);
        grey(l->cr, CAPTION);
        text(l, e->studio, l->x0, yy + 2.8 * s, w, LEFT);
        yy += 3.6 * s;
    }
    /* The code as large as fits: 32 pt is about 8 mm for capitals and digits, legible at arm's
     * length; a long code gets smaller type before it gets an ellipsis. */
    double pt = 32;
    font(l, pt, true);
    char code[LINE_BUF];
    one_line(e->piece_code, strlen(e->piece_code), code);
    while (pt > 18 && advance(l->cr, code) > w) {
        pt -= 2;
        font(l, pt, true);
    }
    grey(l->cr, INK);
    yy += pt * s * PT * 0.95;
    text(l, code, l->x0, yy, w, LEFT);
    yy += 1.6 * s;
    if (!empty(e->piece_type)) {
        font(l, 12, false);
        grey(l->cr, INK);
        yy += 12 * s * PT;
        text(l, e->piece_type, l->x0, yy, w, LEFT);
        yy += 1.2 * s;
    }
    yy += 12 * s * PT + 2.0 * s;
    caption(l, "DUE", l->x0, yy, 9 * s, LEFT);
    font(l, 12, true);
    grey(l->cr, INK);
    text(l, empty(e->due) ? "—" : e->due, l->x0 + 9 * s, yy, w - 9 * s, LEFT);
    yy += 1.5 * s;
    return fmax(yy, right);
}

/* A picture of the design fitted into the box (its proportions kept), on white. The pixels are
 * premultiplied into cairo's format in *pix, which must outlive the PDF surface: cairo reads
 * them only when it writes the page. */
static lw_rc preview(const lay *l, const lw_image *im, double x, double y, double w, double h,
                     uint8_t **pix, cairo_surface_t **img)
{
    int iw = (int)im->width, ih = (int)im->height;
    int stride = cairo_format_stride_for_width(CAIRO_FORMAT_ARGB32, iw);
    if (stride <= 0)
        return LW_EINVAL;
    *pix = lw_malloc((size_t)stride * (size_t)ih);
    if (!*pix)
        return LW_ENOMEM;
    for (int r = 0; r < ih; r++) {
        const uint8_t *src = im->rgba + (size_t)r * im->width * 4;
        uint32_t *dst = (uint32_t *)(void *)(*pix + (size_t)r * (size_t)stride);
        for (int c = 0; c < iw; c++, src += 4) {
            uint32_t a = src[3];
            uint32_t pr = (src[0] * a + 127) / 255, pg = (src[1] * a + 127) / 255,
                     pb = (src[2] * a + 127) / 255;
            dst[c] = a << 24 | pr << 16 | pg << 8 | pb;
        }
    }
    *img = cairo_image_surface_create_for_data(*pix, CAIRO_FORMAT_ARGB32, iw, ih, stride);
    double k = fmin(w / iw, h / ih);
    double dw = iw * k, dh = ih * k;
    cairo_save(l->cr);
    cairo_rectangle(l->cr, x, y, w, h);
    cairo_clip(l->cr);
    cairo_translate(l->cr, x + (w - dw) / 2, y + (h - dh) / 2);
    cairo_scale(l->cr, k, k);
    cairo_set_source_surface(l->cr, *img, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(l->cr), CAIRO_FILTER_GOOD);
    cairo_paint(l->cr);
    cairo_restore(l->cr);
    box(l, x, y, w, h, 0.2, FAINT);
    return LW_OK;
}

/* Customer, order, ring size, metal: a caption and a value a row, beside the preview when
 * there is one (under the QR code, as wide as it). */
static lw_rc details(const lay *l, const lw_envelope *e, double qr_mm, double y, uint8_t **pix,
                     cairo_surface_t **img, double *y_out)
{
    double s = l->s, rh = 5.6 * s;
    char ring[LINE_BUF] = "", est[64] = "";
    if (e->ring_circ_cmm) {
        char dia[32];
        fmt_fixed(lw_round_i64(lw_ring_dia_mm(e->ring_circ_cmm) * 100), 2, dia, sizeof dia);
        if (!empty(e->ring_label))
            snprintf(ring, sizeof ring, "%s (inner Ø %s mm)", e->ring_label, dia);
        else
            snprintf(ring, sizeof ring, "inner Ø %s mm", dia);
    } else if (!empty(e->ring_label)) {
        snprintf(ring, sizeof ring, "%s", e->ring_label);
    }
    if (e->metal_estimate_mg) {
        fmt_fixed(e->metal_estimate_mg, 3, est, sizeof est - 3);
        size_t n = strlen(est);
        memcpy(est + n, " g", 3);
    }
    struct {
        const char *cap, *val;
    } rows[] = {
        {"CUSTOMER", e->customer}, {"ORDER", e->order_no}, {"RING SIZE", ring},
        {"METAL", e->metal},       {"METAL EST.", est},
    };
    size_t n = sizeof rows / sizeof *rows;
    bool pic = e->preview && e->preview->width && e->preview->height;
    double right = pic ? l->x1 - qr_mm - 4 * s : l->x1;
    double vx = l->x0 + 20 * s;
    for (size_t i = 0; i < n; i++) {
        double base = y + i * rh + 4.0 * s;
        caption(l, rows[i].cap, l->x0, base, vx - l->x0 - 1, LEFT);
        font(l, 10, i == 0);
        grey(l->cr, INK);
        text(l, empty(rows[i].val) ? "" : rows[i].val, vx, base, right - vx, LEFT);
        hline(l, vx, right, base + 1.3 * s, 0.15, FAINT);
    }
    double h = n * rh;
    *y_out = y + h;
    if (pic)
        return preview(l, e->preview, l->x1 - qr_mm, y + 1 * s, qr_mm, h - 1 * s, pix, img);
    return LW_OK;
}

/* The stone table's columns: caption, share of the width, alignment. */
static const struct {
    const char *cap;
    double share;
    align a;
} k_stone_cols[] = {
    {"STONE", 0.22, LEFT},   {"CUT", 0.23, LEFT},     {"SIZE MM", 0.13, RIGHT},
    {"QTY", 0.09, RIGHT}, {"CT EACH", 0.13, RIGHT}, {"SUPPLIED BY", 0.20, LEFT},
};

#define NCOLS (sizeof k_stone_cols / sizeof *k_stone_cols)

/* The stones, nrows rows of them at most (the last saying how many more when they do not
 * all fit), with their total on the title's line. Returns the y below. */
static double stones(const lay *l, const lw_envelope *e, double y, size_t nrows)
{
    double s = l->s, rh = 5.0 * s, w = l->x1 - l->x0, pad = 1.5 * s;
    y = section(l, "STONES", y);
    if (e->nstones) {
        int64_t total_mct = 0, total_n = 0;
        for (size_t i = 0; i < e->nstones; i++) {
            total_mct += e->stones[i].mct_each * (int64_t)e->stones[i].count;
            total_n += e->stones[i].count;
        }
        char tot[96], ct[32];
        fmt_fixed(total_mct, 3, ct, sizeof ct);
        snprintf(tot, sizeof tot, "%lld stone%s, %s ct in all", (long long)total_n,
                 total_n == 1 ? "" : "s", ct);
        font(l, 7.5, true);
        grey(l->cr, INK);
        text(l, tot, l->x0 + 20 * s, y - 1.2 * s, w - 20 * s, RIGHT);
    }
    double x[NCOLS + 1];
    x[0] = l->x0;
    for (size_t c = 0; c < NCOLS; c++)
        x[c + 1] = x[c] + k_stone_cols[c].share * w;
    x[NCOLS] = l->x1;
    for (size_t c = 0; c < NCOLS; c++)
        caption(l, k_stone_cols[c].cap, x[c] + (c ? pad : 0), y + 3.6 * s,
                x[c + 1] - x[c] - (c ? pad : 0) - (c + 1 < NCOLS ? pad : 0), k_stone_cols[c].a);
    y += 4.6 * s;
    if (e->nstones == 0) {
        font(l, 9, false);
        grey(l->cr, CAPTION);
        text(l, "none listed", l->x0, y + 3.6 * s, w, LEFT);
        return y + rh;
    }
    size_t shown = e->nstones <= nrows ? e->nstones : (nrows ? nrows - 1 : 0);
    for (size_t i = 0; i < shown; i++) {
        const lw_envelope_stone *st = &e->stones[i];
        char size[48] = "", count[16], ct[32] = "";
        if (st->length_cmm) {
            fmt_cmm(st->length_cmm, size, sizeof size);
            if (st->width_cmm) {
                size_t k = strlen(size);
                snprintf(size + k, sizeof size - k, " × ");
                k = strlen(size);
                fmt_cmm(st->width_cmm, size + k, sizeof size - k);
            }
        }
        snprintf(count, sizeof count, "%u", st->count);
        if (st->mct_each)
            fmt_fixed(st->mct_each, 3, ct, sizeof ct);
        const char *cells[NCOLS] = {st->stone, st->cut, size, count, ct,
                                    st->source == LW_ENVELOPE_CUSTOMER ? "customer" : "studio"};
        double base = y + i * rh + 3.6 * s;
        for (size_t c = 0; c < NCOLS; c++) {
            bool bold = c == NCOLS - 1 && st->source == LW_ENVELOPE_CUSTOMER;
            double cx = x[c] + (c ? pad : 0);
            double cw = x[c + 1] - x[c] - (c ? pad : 0) - (c + 1 < NCOLS ? pad : 0);
            grey(l->cr, INK);
            if (k_stone_cols[c].a == RIGHT) { /* the figures */
                text_shrink(l, cells[c], cx, base, cw, RIGHT, 9, bold);
            } else {
                font(l, 9, bold);
                text(l, cells[c], cx, base, cw, k_stone_cols[c].a);
            }
        }
        hline(l, l->x0, l->x1, y + (i + 1) * rh, 0.15, FAINT);
    }
    y += shown * rh;
    if (shown < e->nstones) {
        char more[96];
        snprintf(more, sizeof more, "+ %zu more row%s: see the order", e->nstones - shown,
                 e->nstones - shown == 1 ? "" : "s");
        font(l, 9, true);
        grey(l->cr, INK);
        text(l, more, l->x0, y + 3.6 * s, w, LEFT);
        y += rh;
    }
    return y;
}

/* The notes on ruled lines, nlines of them: the given text first, the rest free to write on. */
static double notes(const lay *l, const lw_envelope *e, double y, int nlines)
{
    double s = l->s, lh = 5.0 * s;
    y = section(l, "NOTES", y);
    for (int i = 1; i <= nlines; i++)
        hline(l, l->x0, l->x1, y + i * lh, 0.15, FAINT);
    if (!empty(e->notes)) {
        font(l, 9, false);
        grey(l->cr, INK);
        text_wrapped(l, e->notes, l->x0, y + lh - 1.1 * s, l->x1 - l->x0, lh, nlines);
    }
    return y + nlines * lh;
}

#define STAGE_ROW 5.6
#define NSTAGES (sizeof k_stages / sizeof *k_stages)

/* The stages in two columns, each with a box to tick, a line for the date and one for the
 * initials of whoever finished it. */
static double stages(const lay *l, double y)
{
    double s = l->s, rh = STAGE_ROW * s, gap = 6 * s;
    double cw = (l->x1 - l->x0 - gap) / 2;
    size_t per = (NSTAGES + 1) / 2;
    y = section(l, "STAGES", y);
    for (int col = 0; col < 2; col++) {
        double cx = l->x0 + col * (cw + gap);
        double dx0 = cx + 0.60 * cw, dx1 = cx + 0.80 * cw, ix0 = cx + 0.83 * cw, ix1 = cx + cw;
        caption(l, "DATE", dx0, y + 3.0 * s, dx1 - dx0, LEFT);
        caption(l, "INITIALS", ix0, y + 3.0 * s, ix1 - ix0, LEFT);
        for (size_t i = 0; i < per && col * per + i < NSTAGES; i++) {
            double top = y + 3.4 * s + i * rh, bs = 3.8 * s;
            double base = top + rh - 1.6 * s;
            box(l, cx, base - bs + 0.5 * s, bs, bs, 0.3, INK);
            font(l, 9, false);
            grey(l->cr, INK);
            text(l, k_stages[col * per + i], cx + bs + 2 * s, base, dx0 - cx - bs - 3 * s, LEFT);
            hline(l, dx0, dx1, base + 0.6 * s, 0.2, RULE);
            hline(l, ix0, ix1, base + 0.6 * s, 0.2, RULE);
        }
    }
    return y + 3.4 * s + per * rh;
}

static double stages_height(double s)
{
    return 4.2 * s + 3.4 * s + (double)((NSTAGES + 1) / 2) * STAGE_ROW * s;
}

/* The metal's way through the bench: issued, returned, the loss, for whom, in a grid to fill in
 * by hand (the estimate, when known, in the title). */
static const struct {
    const char *cap;
    double share;
} k_metal_cols[] = {
    {"ISSUED TO", 0.25}, {"ISSUED G", 0.15}, {"RETURNED G", 0.15},
    {"LOSS G", 0.13},    {"DATE", 0.14},     {"INITIALS", 0.18},
};

#define METAL_ROW 6.0

static double metal(const lay *l, double y, int rows)
{
    double s = l->s, w = l->x1 - l->x0, rh = METAL_ROW * s;
    y = section(l, "METAL", y);
    size_t nc = sizeof k_metal_cols / sizeof *k_metal_cols;
    double hy = y + 3.2 * s, top = y + 4.4 * s;
    double x = l->x0;
    for (size_t c = 0; c < nc; c++) {
        double cw = k_metal_cols[c].share * w;
        caption(l, k_metal_cols[c].cap, x + 1 * s, hy, cw - 2 * s, LEFT);
        for (int r = 0; r < rows; r++)
            box(l, x, top + r * rh, cw, rh, 0.2, RULE);
        x += cw;
    }
    return top + rows * rh;
}

static double metal_height(double s, int rows) { return 4.2 * s + 4.4 * s + rows * METAL_ROW * s; }

/* ---- the document ----------------------------------------------------------------------- */

typedef struct sink {
    lw_buf *b;
    lw_rc rc;
} sink;

static cairo_status_t write_pdf(void *closure, const unsigned char *data, unsigned int len)
{
    sink *k = closure;
    if (!k->rc)
        k->rc = lw_buf_append(k->b, data, len);
    return k->rc ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

/* ISO 8601 in UTC, as cairo takes the creation date: "2025-03-10T09:30:00Z". */
static void iso_date(int64_t t, char buf[64])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm)) {
        snprintf(buf, 64, "1970-01-01T00:00:00Z");
        return;
    }
    snprintf(buf, 64, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Lays the page out and draws it. The stones and the notes share the room between the details
 * and the stages: the stones take the rows they need while the notes keep their few lines. */
static lw_rc draw(cairo_t *cr, const page_geom *g, const lw_envelope *e, const QRcode *q,
                  uint8_t **pix, cairo_surface_t **img)
{
    lay l = {cr, g->s, g->margin, g->w - g->margin};
    double s = g->s, gap = 3.2 * s;
    cairo_scale(cr, 72 / 25.4, 72 / 25.4);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);

    double y = g->margin, above = g->margin;
    if (e->rush) {
        y = rush_band(&l, e, y) + gap;
        above = gap;
    }
    y = header(&l, e, q, g->qr, y, above) + gap * 0.6;
    lw_rc rc = details(&l, e, g->qr, y, pix, img, &y);
    if (rc)
        return rc;
    y += gap;

    double bottom = g->h - g->margin;
    double foot = stages_height(s) + gap + metal_height(s, g->metal_rows);
    double room = bottom - foot - gap - y; /* for the stones, a gap, and the notes */
    double row = 5.0 * s, line = 5.0 * s;
    double stones_fixed = 4.2 * s + 4.6 * s; /* title and total, captions */
    double notes_fixed = 4.2 * s;
    double for_rows = room - stones_fixed - gap - notes_fixed - g->min_notes * line;
    size_t fit_rows = for_rows > row ? (size_t)(for_rows / row) : 1;
    size_t nrows = e->nstones < fit_rows ? e->nstones : fit_rows;
    double y_st = stones(&l, e, y, nrows);
    double left = bottom - foot - gap - y_st - gap - notes_fixed;
    int nlines = left >= line ? (int)(left / line) : 1;
    notes(&l, e, y_st + gap, nlines);
    double y_foot = bottom - foot;
    y_foot = stages(&l, y_foot) + gap;
    metal(&l, y_foot, g->metal_rows);
    cairo_show_page(cr);
    return LW_OK;
}

lw_rc lw_envelope_pdf(const lw_envelope *e, const lw_envelope_opts *o, lw_buf *out,
                      lw_err *err)
{
    lw_envelope_opts def;
    if (!o) {
        lw_envelope_opts_default(&def);
        o = &def;
    }
    if ((unsigned)o->page >= sizeof k_pages / sizeof *k_pages)
        return lw_err_set(err, LW_EINVAL, "page: unknown format %d", (int)o->page);
    lw_rc rc = check_input(e, err);
    if (rc)
        return rc;
    const page_geom *g = &k_pages[o->page];

    /* Byte mode, case kept: a URL's path is case-sensitive, and mixed-case text would not fit
     * the smaller alphanumeric mode anyway. */
    errno = 0;
    QRcode *q = QRcode_encodeString(e->url, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!q) {
        if (errno == ENOMEM)
            return lw_err_nomem(err);
        return lw_err_set(err, errno == ERANGE ? LW_ELIMIT : LW_EINVAL,
                          "url: cannot be a QR code (%s)",
                          errno == ERANGE ? "too long" : "libqrencode refused it");
    }

    size_t before = out->len;
    sink k = {out, LW_OK};
    cairo_surface_t *surf =
        cairo_pdf_surface_create_for_stream(write_pdf, &k, g->w / PT, g->h / PT);
    char title[LINE_BUF + 16], date[64];
    snprintf(title, sizeof title, "Job envelope ");
    one_line(e->piece_code, strlen(e->piece_code), title + strlen(title));
    iso_date(e->created, date);
    cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_TITLE, title);
    cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATOR, "lostwax");
    cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATE_DATE, date);
    cairo_t *cr = cairo_create(surf);
    uint8_t *pix = NULL;
    cairo_surface_t *img = NULL;
    rc = draw(cr, g, e, q, &pix, &img);
    cairo_status_t st = cairo_status(cr);
    cairo_destroy(cr);
    cairo_surface_finish(surf); /* writes the document through write_pdf */
    if (st == CAIRO_STATUS_SUCCESS)
        st = cairo_surface_status(surf);
    cairo_surface_destroy(surf);
    cairo_surface_destroy(img);
    lw_free(pix);
    QRcode_free(q);

    if (rc == LW_ENOMEM || k.rc == LW_ENOMEM || st == CAIRO_STATUS_NO_MEMORY)
        rc = lw_err_nomem(err);
    else if (rc)
        rc = lw_err_set(err, rc, "preview: cairo cannot take a %u x %u picture",
                        e->preview->width, e->preview->height);
    else if (k.rc)
        rc = lw_err_set(err, k.rc, "the envelope's PDF is larger than the buffer's limit");
    else if (st != CAIRO_STATUS_SUCCESS)
        rc = lw_err_set(err, LW_EIO, "cairo could not draw the envelope: %s",
                        cairo_status_to_string(st));
    if (rc) {
        out->len = before;
        if (out->data)
            out->data[before] = 0;
    }
    return rc;
}
