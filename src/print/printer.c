/* lostwax: printer profiles and the resin table (see printer.h; the keys, their ranges and
 * defaults, and where the shipped figures come from: docs/internals/printers.md).
 *
 * A profile is read by one table of keys: each names the field it sets, how to read the value
 * and its range, so the documentation, the parser and its messages cannot drift apart. The
 * parser allocates nothing, so a studio's broken profile costs nothing but the message.
 */
#include "print/printer.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/table.h"
#include "base/text.h"
#include "base/vec.h"

/* ---- the keys of a profile ---- */

enum kind {
    K_TEXT,    /* UTF-8 text into a char array of `size` bytes */
    K_F64,     /* a number in [lo, hi] (or (lo, hi] with `open`) */
    K_U32,     /* a whole number in [lo, hi] */
    K_U16,
    K_BOOL,    /* yes/no, true/false, 1/0 */
    K_FORMATS, /* "goo, ctb" or "none" */
    K_HEIGHTS, /* "0.025, 0.03, 0.05": ascending */
    K_AA,      /* "1, 2, 4, 8": the accepted levels */
    K_AA1,     /* one level */
    K_EXT,     /* a file extension: 1-7 of a-z 0-9 */
};

enum req {
    R_NO,     /* has a default */
    R_ALWAYS, /* required */
    R_LIFT,   /* required unless tilt_time > 0 */
};

typedef struct key_def {
    const char *name;
    unsigned char kind, req, open;
    size_t off, size;
    double lo, hi;
} key_def;

#define F(field) offsetof(lw_printer, field), sizeof(((lw_printer *)0)->field)
#define SPEED_MAX 10000.0  /* mm/min: 10 m/min is beyond any vat printer's Z */
#define HEIGHT_MAX 100.0   /* mm of lift */
#define WAIT_MAX 600.0     /* s */

/* The motion keys, once for the normal layers and once, prefixed "bottom_", for the bottom. */
#define MOTION(pre, m)                                                                          \
    {pre "lift_height", K_F64, R_LIFT, 1, F(m.lift_mm), 0, HEIGHT_MAX},                         \
    {pre "lift_speed", K_F64, R_LIFT, 1, F(m.lift_speed), 0, SPEED_MAX},                        \
    {pre "lift2_height", K_F64, R_NO, 0, F(m.lift2_mm), 0, HEIGHT_MAX},                         \
    {pre "lift2_speed", K_F64, R_NO, 0, F(m.lift2_speed), 0, SPEED_MAX},                        \
    {pre "retract_height", K_F64, R_NO, 0, F(m.retract_mm), 0, HEIGHT_MAX},                     \
    {pre "retract_speed", K_F64, R_LIFT, 1, F(m.retract_speed), 0, SPEED_MAX},                  \
    {pre "retract2_height", K_F64, R_NO, 0, F(m.retract2_mm), 0, HEIGHT_MAX},                   \
    {pre "retract2_speed", K_F64, R_NO, 0, F(m.retract2_speed), 0, SPEED_MAX},                  \
    {pre "wait_before_cure", K_F64, R_NO, 0, F(m.wait_before_cure_s), 0, WAIT_MAX},             \
    {pre "wait_after_cure", K_F64, R_NO, 0, F(m.wait_after_cure_s), 0, WAIT_MAX},               \
    {pre "wait_after_lift", K_F64, R_NO, 0, F(m.wait_after_lift_s), 0, WAIT_MAX},               \
    {pre "light_off_delay", K_F64, R_NO, 0, F(m.light_off_s), 0, WAIT_MAX}

enum { NMOTION = 12, M_RETRACT = 4 /* retract_height: derived, never inherited */ };

static const key_def k_keys[] = {
    {"name", K_TEXT, R_ALWAYS, 0, F(name), 0, 0},
    {"machine", K_TEXT, R_NO, 0, F(machine), 0, 0},
    {"note", K_TEXT, R_NO, 0, F(note), 0, 0},
    {"display_pixels_x", K_U32, R_ALWAYS, 0, F(res_x), 1, LW_PRINTER_PIXELS_MAX},
    {"display_pixels_y", K_U32, R_ALWAYS, 0, F(res_y), 1, LW_PRINTER_PIXELS_MAX},
    {"display_width", K_F64, R_ALWAYS, 1, F(display_w), 0, 10000},
    {"display_height", K_F64, R_ALWAYS, 1, F(display_h), 0, 10000},
    {"max_z", K_F64, R_ALWAYS, 1, F(max_z), 0, 2000},
    {"display_mirror_x", K_BOOL, R_NO, 0, F(mirror_x), 0, 0},
    {"display_mirror_y", K_BOOL, R_NO, 0, F(mirror_y), 0, 0},
    {"formats", K_FORMATS, R_ALWAYS, 0, F(formats), 0, 0},
    {"file_ext", K_EXT, R_NO, 0, F(file_ext), 0, 0},
    {"encrypted_ctb_only", K_BOOL, R_NO, 0, F(encrypted_ctb_only), 0, 0},
    {"layer_heights", K_HEIGHTS, R_ALWAYS, 0, F(layer_heights), 0.005, 0.3},
    {"layer_height", K_F64, R_ALWAYS, 0, F(layer_height), 0.005, 0.3},
    {"bottom_layers", K_U32, R_ALWAYS, 0, F(bottom_layers), 0, LW_PRINTER_LAYERS_MAX},
    {"transition_layers", K_U32, R_NO, 0, F(transition_layers), 0, LW_PRINTER_LAYERS_MAX},
    {"exposure", K_F64, R_ALWAYS, 1, F(exposure_s), 0, LW_PRINTER_EXPOSURE_MAX},
    {"bottom_exposure", K_F64, R_ALWAYS, 1, F(bottom_exposure_s), 0, LW_PRINTER_EXPOSURE_MAX},
    {"pwm", K_U16, R_NO, 0, F(pwm), 1, 255},
    {"bottom_pwm", K_U16, R_NO, 0, F(bottom_pwm), 1, 255},
    {"tilt_time", K_F64, R_NO, 0, F(tilt_s), 0, 120},
    {"aa_levels", K_AA, R_NO, 0, F(aa_levels), 0, 0},
    {"aa_default", K_AA1, R_NO, 0, F(aa_default), 0, 0},
    MOTION("", normal),
    MOTION("bottom_", bottom),
};

enum { NKEYS = sizeof k_keys / sizeof k_keys[0] };

static int key_index(const char *name)
{
    for (int i = 0; i < NKEYS; i++)
        if (strcmp(k_keys[i].name, name) == 0)
            return i;
    return -1;
}

/* The state of one parse: where each key was set (0 = not set), for messages and defaults. */
typedef struct parse {
    const char *file;
    size_t line[NKEYS];
    size_t last_line;
    char ext0[8]; /* the first format as written ("prz"), the default file extension */
} parse;

static size_t line_of(const parse *ps, const char *key)
{
    int i = key_index(key);
    return i < 0 ? 0 : ps->line[i];
}

/* ---- values ---- */

static bool is_blank(char c) { return c == ' ' || c == '\t'; }

/* Well-formed UTF-8 (no overlong forms, no surrogates, nothing past U+10FFFF): the text is
 * shown to people and written into files, so a stray Latin-1 byte is caught here. */
static bool utf8_ok(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        size_t k;
        unsigned min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            k = 1, min = 0x80, c &= 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            k = 2, min = 0x800, c &= 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            k = 3, min = 0x10000, c &= 0x07;
        } else {
            return false;
        }
        if (n - i <= k)
            return false;
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return false;
            c = c << 6 | (s[i + j] & 0x3Fu);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
            return false;
        i += k + 1;
    }
    return true;
}

/* Reads a whole number [s, e) into *out within [lo, hi]. */
static lw_rc read_int(const parse *ps, size_t line, const key_def *k, const char *s,
                      const char *e, int64_t *out, lw_err *err)
{
    const char *stop;
    if (!lw_parse_i64(s, e, out, &stop) || stop != e)
        return lw_err_set(err, LW_EFORMAT, "%s: line %zu: %s '%.*s' is not a whole number",
                          ps->file, line, k->name, (int)(e - s > 40 ? 40 : e - s), s);
    if (*out < (int64_t)k->lo || *out > (int64_t)k->hi)
        return lw_err_set(err, LW_EFORMAT, "%s: line %zu: %s %lld is outside %g ... %g",
                          ps->file, line, k->name, (long long)*out, k->lo, k->hi);
    return LW_OK;
}

static lw_rc read_f64(const parse *ps, size_t line, const char *what, const char *s,
                      const char *e, double lo, double hi, bool open, double *out, lw_err *err)
{
    const char *stop;
    if (!lw_parse_f64(s, e, out, &stop) || stop != e || !isfinite(*out))
        return lw_err_set(err, LW_EFORMAT, "%s: line %zu: %s '%.*s' is not a number", ps->file,
                          line, what, (int)(e - s > 40 ? 40 : e - s), s);
    if (open && !(*out > lo && *out <= hi))
        return lw_err_set(err, LW_EFORMAT, "%s: line %zu: %s %g must be more than %g and at "
                          "most %g", ps->file, line, what, *out, lo, hi);
    if (!open && !(*out >= lo && *out <= hi))
        return lw_err_set(err, LW_EFORMAT, "%s: line %zu: %s %g is outside %g ... %g",
                          ps->file, line, what, *out, lo, hi);
    return LW_OK;
}

/* Splits a list value at commas and blanks: *s advances past the next item [*is, *ie). */
static bool next_item(const char **s, const char *e, const char **is, const char **ie)
{
    const char *p = *s;
    while (p < e && (is_blank(*p) || *p == ','))
        p++;
    if (p == e)
        return false;
    *is = p;
    while (p < e && !is_blank(*p) && *p != ',')
        p++;
    *ie = p;
    *s = p;
    return true;
}

static unsigned aa_bit(int64_t level)
{
    for (unsigned b = 0; b <= 4; b++)
        if (level == (int64_t)1 << b)
            return 1u << b;
    return 0;
}

static lw_rc read_aa(const parse *ps, size_t line, const key_def *k, const char *s,
                     const char *e, unsigned *bit, lw_err *err)
{
    const char *stop;
    int64_t v;
    if (!lw_parse_i64(s, e, &v, &stop) || stop != e || !(*bit = aa_bit(v)))
        return lw_err_set(err, LW_EFORMAT, "%s: line %zu: %s: '%.*s' is not an anti-aliasing "
                          "level (1, 2, 4, 8 or 16)", ps->file, line, k->name,
                          (int)(e - s > 40 ? 40 : e - s), s);
    return LW_OK;
}

static lw_rc read_formats(parse *ps, size_t line, const char *s, const char *e,
                          lw_print_format *f, lw_err *err)
{
    const char *is, *ie;
    int n = 0;
    bool none = false;
    while (next_item(&s, e, &is, &ie)) {
        char tok[8];
        size_t len = (size_t)(ie - is);
        lw_print_format v = LW_PFMT_NONE;
        if (len < sizeof tok) {
            for (size_t i = 0; i < len; i++)
                tok[i] = (char)(is[i] >= 'A' && is[i] <= 'Z' ? is[i] + ('a' - 'A') : is[i]);
            tok[len] = 0;
            if (strcmp(tok, "none") == 0) {
                none = true;
                continue;
            }
            v = lw_print_format_parse(tok);
        }
        if (v == LW_PFMT_NONE)
            return lw_err_set(err, LW_EFORMAT, "%s: line %zu: formats: '%.*s' is not a format "
                              "lostwax writes (sl1, sl1s, ctb, goo, prz; or none)", ps->file,
                              line, (int)(len > 40 ? 40 : len), is);
        for (int i = 0; i < n; i++)
            if (f[i] == v)
                return lw_err_set(err, LW_EFORMAT, "%s: line %zu: formats: '%s' names %s "
                                  "twice", ps->file, line, tok, lw_print_format_name(v));
        if (n == 3)
            return lw_err_set(err, LW_EFORMAT, "%s: line %zu: formats: more than 3",
                              ps->file, line);
        if (n == 0)
            memcpy(ps->ext0, tok, len + 1);
        f[n++] = v;
    }
    if (none && n)
        return lw_err_set(err, LW_EFORMAT, "%s: line %zu: formats: 'none' with formats",
                          ps->file, line);
    if (!none && !n)
        return lw_err_set(err, LW_EFORMAT, "%s: line %zu: formats: empty (write 'none' for a "
                          "printer that takes none of lostwax's formats)", ps->file, line);
    f[n] = LW_PFMT_NONE;
    return LW_OK;
}

static lw_rc read_value(parse *ps, size_t line, const key_def *k, const char *s, const char *e,
                        lw_printer *p, lw_err *err)
{
    char *field = (char *)p + k->off;
    size_t len = (size_t)(e - s);
    int64_t v;
    lw_rc rc;
    switch (k->kind) {
    case K_TEXT:
        if (len >= k->size)
            return lw_err_set(err, LW_EFORMAT, "%s: line %zu: %s is longer than %zu bytes",
                              ps->file, line, k->name, k->size - 1);
        if (!utf8_ok((const unsigned char *)s, len))
            return lw_err_set(err, LW_EFORMAT, "%s: line %zu: %s is not UTF-8 text", ps->file,
                              line, k->name);
        memcpy(field, s, len);
        field[len] = 0;
        return LW_OK;
    case K_EXT:
        if (len == 0 || len >= k->size)
            return lw_err_set(err, LW_EFORMAT, "%s: line %zu: file_ext must be 1-%zu "
                              "characters", ps->file, line, k->size - 1);
        for (size_t i = 0; i < len; i++)
            if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')))
                return lw_err_set(err, LW_EFORMAT, "%s: line %zu: file_ext '%.*s' must be "
                                  "a-z 0-9 (no dot)", ps->file, line, (int)len, s);
        memcpy(field, s, len);
        field[len] = 0;
        return LW_OK;
    case K_F64:
        return read_f64(ps, line, k->name, s, e, k->lo, k->hi, k->open, (double *)field, err);
    case K_U32:
        if ((rc = read_int(ps, line, k, s, e, &v, err)))
            return rc;
        *(uint32_t *)field = (uint32_t)v;
        return LW_OK;
    case K_U16:
        if ((rc = read_int(ps, line, k, s, e, &v, err)))
            return rc;
        *(uint16_t *)field = (uint16_t)v;
        return LW_OK;
    case K_BOOL: {
        static const char *const words[] = {"no", "false", "0", "yes", "true", "1"};
        for (int i = 0; i < 6; i++) {
            const char *q = s;
            if (lw_eat_word(&q, e, words[i]) && q == e) {
                *(bool *)field = i >= 3;
                return LW_OK;
            }
        }
        return lw_err_set(err, LW_EFORMAT, "%s: line %zu: %s '%.*s' is not yes or no",
                          ps->file, line, k->name, (int)(len > 40 ? 40 : len), s);
    }
    case K_FORMATS:
        return read_formats(ps, line, s, e, (lw_print_format *)field, err);
    case K_HEIGHTS: {
        const char *is, *ie;
        int n = 0;
        while (next_item(&s, e, &is, &ie)) {
            double h;
            if (n == 8)
                return lw_err_set(err, LW_EFORMAT, "%s: line %zu: layer_heights: more than 8",
                                  ps->file, line);
            if ((rc = read_f64(ps, line, "layer_heights", is, ie, k->lo, k->hi, false, &h,
                               err)))
                return rc;
            if (n && !(h > p->layer_heights[n - 1]))
                return lw_err_set(err, LW_EFORMAT, "%s: line %zu: layer_heights must ascend "
                                  "(%g after %g)", ps->file, line, h, p->layer_heights[n - 1]);
            p->layer_heights[n++] = h;
        }
        if (!n)
            return lw_err_set(err, LW_EFORMAT, "%s: line %zu: layer_heights: empty", ps->file,
                              line);
        p->nlayer_heights = n;
        return LW_OK;
    }
    case K_AA: {
        const char *is, *ie;
        unsigned bits = 0, bit = 0;
        while (next_item(&s, e, &is, &ie)) {
            if ((rc = read_aa(ps, line, k, is, ie, &bit, err)))
                return rc;
            bits |= bit;
        }
        if (!bits)
            return lw_err_set(err, LW_EFORMAT, "%s: line %zu: aa_levels: empty (1 = no "
                              "anti-aliasing)", ps->file, line);
        *(unsigned *)field = bits;
        return LW_OK;
    }
    case K_AA1: {
        unsigned bit;
        if ((rc = read_aa(ps, line, k, s, e, &bit, err)))
            return rc;
        *(unsigned *)field = bit; /* the bit of level 2^k is 2^k: the level itself */
        return LW_OK;
    }
    }
    return LW_OK;
}

/* ---- lines ---- */

static lw_rc parse_line(parse *ps, size_t line, const char *s, const char *e, lw_printer *p,
                        lw_err *err)
{
    for (const char *q = s; q < e; q++)
        if (((unsigned char)*q < 0x20 && *q != '\t') || *q == 0x7f)
            return lw_err_set(err, LW_EFORMAT, "%s: line %zu: control character 0x%02x",
                              ps->file, line, (unsigned char)*q);
    lw_skip_blanks(&s, e);
    while (e > s && is_blank(e[-1]))
        e--;
    if (s == e || *s == '#')
        return LW_OK;
    const char *ks = s;
    while (s < e && *s != '=' && !is_blank(*s))
        s++;
    char key[32];
    size_t klen = (size_t)(s - ks);
    lw_skip_blanks(&s, e);
    if (klen == 0 || s == e || *s != '=')
        return lw_err_set(err, LW_EFORMAT, "%s: line %zu: expected 'key = value', found "
                          "'%.*s'", ps->file, line, (int)(e - ks > 40 ? 40 : e - ks), ks);
    int ki = -1;
    if (klen < sizeof key) {
        memcpy(key, ks, klen);
        key[klen] = 0;
        ki = key_index(key);
    }
    if (ki < 0)
        return lw_err_set(err, LW_EFORMAT, "%s: line %zu: unknown key '%.*s' "
                          "(docs/internals/printers.md lists the keys)", ps->file, line,
                          (int)(klen > 40 ? 40 : klen), ks);
    if (ps->line[ki])
        return lw_err_set(err, LW_EFORMAT, "%s: line %zu: %s is already set on line %zu",
                          ps->file, line, key, ps->line[ki]);
    ps->line[ki] = line;
    s++;
    lw_skip_blanks(&s, e);
    return read_value(ps, line, &k_keys[ki], s, e, p, err);
}

/* ---- after the last line: requirements, defaults, consistency ---- */

/* The line that set key (pre + base), or for a bottom key not given, the line of the normal
 * key it took its value from. */
static size_t motion_line(const parse *ps, const char *pre, const char *base, char *key,
                          size_t size)
{
    snprintf(key, size, "%s%s", pre, base);
    size_t at = line_of(ps, key);
    return at ? at : line_of(ps, base);
}

static lw_rc check_motion(const parse *ps, const char *pre, lw_motion *m, bool tilt,
                          lw_err *err)
{
    char key[40];
    size_t at = motion_line(ps, pre, "lift2_height", key, sizeof key);
    if (m->lift2_mm > 0 && !(m->lift2_speed > 0))
        return lw_err_set(err, LW_EFORMAT, "%s: line %zu: %s %g needs %slift2_speed", ps->file,
                          at, key, m->lift2_mm, pre);
    at = motion_line(ps, pre, "retract2_height", key, sizeof key);
    if (m->retract2_mm > 0 && !(m->retract2_speed > 0))
        return lw_err_set(err, LW_EFORMAT, "%s: line %zu: %s %g needs %sretract2_speed",
                          ps->file, at, key, m->retract2_mm, pre);
    if (tilt && !(m->lift_mm > 0))
        return LW_OK; /* a tilting vat without lifts: nothing to square */
    /* The plate goes back down as far as it went up, so the first retract stage is what the
     * second leaves (tolerance: a rounding of the text, far below a motor step). */
    double up = m->lift_mm + m->lift2_mm, rest = up - m->retract2_mm;
    if (rest < -1e-9)
        return lw_err_set(err, LW_EFORMAT, "%s: line %zu: %s %g is more than the lift "
                          "(%g mm)", ps->file, at, key, m->retract2_mm, up);
    snprintf(key, sizeof key, "%sretract_height", pre);
    at = line_of(ps, key); /* never inherited: each motion's retract is its own lift's */
    if (!at) {
        m->retract_mm = rest > 0 ? rest : 0;
    } else if (fabs(m->retract_mm - rest) > 1e-6) {
        return lw_err_set(err, LW_EFORMAT, "%s: line %zu: %s %g and %sretract2_height %g "
                          "must bring the plate back the %g mm it lifted", ps->file, at, key,
                          m->retract_mm, pre, m->retract2_mm, up);
    }
    return LW_OK;
}

static lw_rc finish(parse *ps, lw_printer *p, lw_err *err)
{
    bool tilt = p->tilt_s > 0;
    for (int i = 0; i < NKEYS; i++) {
        const key_def *k = &k_keys[i];
        if (ps->line[i] || k->req == R_NO || (k->req == R_LIFT && tilt))
            continue;
        /* A bottom motion key falls back to its normal one, so only the normal is required. */
        if (strncmp(k->name, "bottom_", 7) == 0 && k->req == R_LIFT)
            continue;
        return lw_err_set(err, LW_EFORMAT, "%s: line %zu (end): %s is missing; it is "
                          "required%s", ps->file, ps->last_line, k->name,
                          k->req == R_LIFT ? " unless tilt_time is set" : "");
    }
    if (!p->name[0])
        return lw_err_set(err, LW_EFORMAT, "%s: line %zu: name is empty", ps->file,
                          line_of(ps, "name"));
    /* Bottom motion: each key not given takes the normal layers' value. */
    int first_bottom = key_index("bottom_lift_height"), first_normal = key_index("lift_height");
    for (int j = 0; j < NMOTION; j++)
        if (!ps->line[first_bottom + j] && j != M_RETRACT) {
            const key_def *kn = &k_keys[first_normal + j], *kb = &k_keys[first_bottom + j];
            memcpy((char *)p + kb->off, (char *)p + kn->off, kn->size);
        }
    if (!ps->line[key_index("pwm")])
        p->pwm = 255;
    if (!ps->line[key_index("bottom_pwm")])
        p->bottom_pwm = p->pwm;
    lw_rc rc = check_motion(ps, "", &p->normal, tilt, err);
    if (!rc)
        rc = check_motion(ps, "bottom_", &p->bottom, tilt, err);
    if (rc)
        return rc;

    double px = p->display_w / p->res_x, py = p->display_h / p->res_y;
    if (!(px >= LW_PRINTER_PITCH_MIN && px <= LW_PRINTER_PITCH_MAX))
        return lw_err_set(err, LW_EFORMAT, "%s: line %zu: display_width %g mm over %u pixels "
                          "is a pitch of %g µm; a printer's is 5 ... 200 µm", ps->file,
                          line_of(ps, "display_width"), p->display_w, p->res_x, px * 1000);
    if (!(py >= LW_PRINTER_PITCH_MIN && py <= LW_PRINTER_PITCH_MAX))
        return lw_err_set(err, LW_EFORMAT, "%s: line %zu: display_height %g mm over %u pixels "
                          "is a pitch of %g µm; a printer's is 5 ... 200 µm", ps->file,
                          line_of(ps, "display_height"), p->display_h, p->res_y, py * 1000);

    bool listed = false;
    for (int i = 0; i < p->nlayer_heights; i++)
        listed |= fabs(p->layer_heights[i] - p->layer_height) <= 1e-9;
    if (!listed)
        return lw_err_set(err, LW_EFORMAT, "%s: line %zu: layer_height %g is not one of "
                          "layer_heights (line %zu)", ps->file, line_of(ps, "layer_height"),
                          p->layer_height, line_of(ps, "layer_heights"));

    if (!ps->line[key_index("aa_levels")])
        p->aa_levels = 1;
    if (!ps->line[key_index("aa_default")])
        p->aa_default = 1u << (31 - __builtin_clz(p->aa_levels));
    else if (!lw_printer_aa_ok(p, p->aa_default))
        return lw_err_set(err, LW_EFORMAT, "%s: line %zu: aa_default %u is not one of "
                          "aa_levels", ps->file, line_of(ps, "aa_default"), p->aa_default);

    size_t fl = line_of(ps, "formats");
    if (p->encrypted_ctb_only) {
        size_t el = line_of(ps, "encrypted_ctb_only");
        if (p->formats[0] != LW_PFMT_NONE)
            return lw_err_set(err, LW_EFORMAT, "%s: line %zu: encrypted_ctb_only: a printer "
                              "that takes only encrypted CTB takes none of lostwax's formats "
                              "(formats = none, line %zu)", ps->file, el, fl);
        if (!p->note[0])
            return lw_err_set(err, LW_EFORMAT, "%s: line %zu: encrypted_ctb_only needs a "
                              "note telling the user what to do instead", ps->file, el);
    } else if (p->formats[0] == LW_PFMT_NONE) {
        return lw_err_set(err, LW_EFORMAT, "%s: line %zu: formats = none: lostwax could write "
                          "nothing for this printer (set encrypted_ctb_only and a note if its "
                          "firmware takes only encrypted CTB)", ps->file, fl);
    }
    if (!ps->line[key_index("file_ext")])
        memcpy(p->file_ext, ps->ext0, sizeof p->file_ext);
    if (!ps->line[key_index("machine")]) {
        size_t n = strlen(p->name);
        if (n >= sizeof p->machine)
            return lw_err_set(err, LW_EFORMAT, "%s: line %zu: the name is longer than a "
                              "machine name may be (%zu bytes): set machine", ps->file,
                              line_of(ps, "name"), sizeof p->machine - 1);
        memcpy(p->machine, p->name, n + 1);
    }
    return LW_OK;
}

/* The id is the file's name without its directories and ".ini". */
static lw_rc set_id(const char *name, lw_printer *p, lw_err *err)
{
    const char *b = strrchr(name, '/');
    b = b ? b + 1 : name;
    size_t n = strlen(b);
    if (n >= 4 && strcmp(b + n - 4, ".ini") == 0)
        n -= 4;
    if (!lw_table_id_valid(b, n, sizeof p->id))
        return lw_err_set(err, LW_EFORMAT, "%s: line 1: the profile's id '%.*s' (its file name "
                          "without .ini) must be 1-%zu characters of a-z 0-9 . _ -", name,
                          (int)(n > 60 ? 60 : n), b, sizeof p->id - 1);
    memcpy(p->id, b, n);
    p->id[n] = 0;
    return LW_OK;
}

lw_rc lw_printer_parse(const char *text, size_t len, const char *name, lw_printer *out,
                       lw_err *err)
{
    memset(out, 0, sizeof *out);
    if (len > LW_PRINTER_TEXT_MAX)
        return lw_err_set(err, LW_ELIMIT, "%s: %zu bytes: a printer profile may have at most "
                          "%d", name, len, LW_PRINTER_TEXT_MAX);
    parse ps;
    memset(&ps, 0, sizeof ps);
    ps.file = name;
    lw_rc rc = set_id(name, out, err);
    /* A line ending in '\\' continues on the next (a long note stays readable in 100 columns):
     * the pieces are joined with one space into `joined`, and messages name the first line. */
    char joined[1024];
    size_t jn = 0, start = 0;
    bool joining = false;
    const char *p = text, *end = text + len;
    while (!rc && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end, *next = nl ? nl + 1 : end;
        if (e > p && e[-1] == '\r')
            e--;
        ps.last_line++;
        const char *te = e, *fs = p;
        while (te > p && is_blank(te[-1]))
            te--;
        lw_skip_blanks(&fs, te);
        bool cont = te > fs && te[-1] == '\\' && *fs != '#';
        p = next;
        if (!joining && !cont) {
            rc = parse_line(&ps, ps.last_line, fs, te, out, err);
            continue;
        }
        if (!joining) {
            joining = true;
            start = ps.last_line;
            jn = 0;
        }
        const char *ce = cont ? te - 1 : te;
        while (ce > fs && is_blank(ce[-1]))
            ce--;
        size_t n = (size_t)(ce - fs);
        if (jn + n + 1 > sizeof joined) {
            rc = lw_err_set(err, LW_EFORMAT, "%s: line %zu: a continued line longer than %zu "
                            "bytes", name, start, sizeof joined - 1);
            break;
        }
        if (jn && n)
            joined[jn++] = ' ';
        memcpy(joined + jn, fs, n);
        jn += n;
        if (!cont) {
            rc = parse_line(&ps, start, joined, joined + jn, out, err);
            joining = false;
        }
    }
    if (!rc && joining)
        rc = parse_line(&ps, start, joined, joined + jn, out, err);
    if (!rc)
        rc = finish(&ps, out, err);
    if (rc)
        memset(out, 0, sizeof *out);
    return rc;
}

bool lw_printer_takes(const lw_printer *p, lw_print_format f)
{
    for (int i = 0; i < 4 && p->formats[i] != LW_PFMT_NONE; i++)
        if (p->formats[i] == f)
            return f != LW_PFMT_NONE;
    return false;
}

bool lw_printer_aa_ok(const lw_printer *p, unsigned level)
{
    unsigned bit = aa_bit(level);
    return bit && (p->aa_levels & bit);
}

/* ---- resins ---- */

enum { C_ID, C_NAME, C_DENSITY, C_EXP, C_BEXP, C_PRICE, C_CUR, C_SOURCE, C_N };
static const char *const k_cols[C_N] = {"id",       "name",     "density", "exposure",
                                        "bottom_exposure", "price_per_litre", "currency",
                                        "source"};

void lw_resins_init(lw_resins *t) { memset(t, 0, sizeof *t); }

void lw_resins_clear(lw_resins *t)
{
    lw_free(t->items);
    memset(t, 0, sizeof *t);
}

static lw_rc read_resin(const lw_tsv *t, size_t r, const long *col, const char *name,
                        void *row, lw_err *err)
{
    lw_resin *m = row;
    size_t line = t->row_line[r];
    const char *cell[C_N];
    for (int c = 0; c < C_N; c++)
        cell[c] = lw_tsv_cell(t, r, (size_t)col[c]);
    memset(m, 0, sizeof *m);
    lw_rc rc = lw_table_ident(cell[C_ID], cell[C_NAME], cell[C_SOURCE], line, name, m->id,
                              sizeof m->id, m->name, sizeof m->name, m->source,
                              sizeof m->source, err);
    if (!rc)
        rc = lw_table_number(cell[C_DENSITY], "density", m->id, LW_RESIN_DENSITY_MIN,
                             LW_RESIN_DENSITY_MAX, line, name, &m->density, err);
    if (!rc)
        rc = lw_table_number(cell[C_EXP], "exposure", m->id, 0, LW_PRINTER_EXPOSURE_MAX, line,
                             name, &m->exposure_s, err);
    if (!rc)
        rc = lw_table_number(cell[C_BEXP], "bottom_exposure", m->id, 0,
                             LW_PRINTER_EXPOSURE_MAX, line, name, &m->bottom_exposure_s, err);
    if (rc)
        return rc;
    const char *ps = cell[C_PRICE], *stop;
    int64_t price;
    if (!lw_parse_i64(ps, ps + strlen(ps), &price, &stop) || *stop)
        return lw_err_set(err, LW_EFORMAT, "%s: line %zu: price_per_litre '%.40s' is not a "
                          "whole number of minor units (cents)", name, line, ps);
    if (price < 0 || price > LW_RESIN_PRICE_MAX)
        return lw_err_set(err, LW_EFORMAT, "%s: line %zu: price_per_litre %lld of %s is "
                          "outside 0 ... %lld", name, line, (long long)price, m->id,
                          (long long)LW_RESIN_PRICE_MAX);
    m->price_per_litre = price;
    const char *cur = cell[C_CUR];
    if (strlen(cur) != 3 || !(cur[0] >= 'A' && cur[0] <= 'Z') ||
        !(cur[1] >= 'A' && cur[1] <= 'Z') || !(cur[2] >= 'A' && cur[2] <= 'Z'))
        return lw_err_set(err, LW_EFORMAT, "%s: line %zu: currency '%.40s' is not an ISO 4217 "
                          "code (three capital letters: EUR)", name, line, cur);
    memcpy(m->currency, cur, 4);
    return LW_OK;
}

lw_rc lw_resins_load(lw_resins *t, const char *text, size_t len, const char *name, lw_err *err)
{
    static const lw_table_spec spec = {"resin", k_cols, C_N, sizeof(lw_resin), LW_RESIN_TEXT_MAX,
                                       LW_RESIN_ROWS_MAX, read_resin};
    void *items = t->items;
    lw_rc rc = lw_table_load(&spec, &items, &t->n, &t->cap, text, len, name, err);
    t->items = items;
    return rc;
}

lw_rc lw_resins_get(const lw_resins *t, const char *id, const lw_resin **out, lw_err *err)
{
    *out = NULL;
    /* The exact id first: lw_table_id_eq reads '_' in the query as '-', so an id written with
     * '_' would not find itself. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < t->n; i++)
            if (pass ? lw_table_id_eq(t->items[i].id, id) : strcmp(t->items[i].id, id) == 0) {
                *out = &t->items[i];
                return LW_OK;
            }
    char list[400] = "";
    size_t len = 0;
    for (size_t i = 0; i < t->n && len < sizeof list; i++) {
        int w = snprintf(list + len, sizeof list - len, "%s%s", len ? ", " : "",
                         t->items[i].id);
        len += w > 0 ? (size_t)w : 0;
    }
    if (len >= sizeof list)
        memcpy(list + sizeof list - 5, "...", 4);
    return lw_err_set(err, LW_ENOTFOUND, "no resin '%.40s' (known: %s)", id,
                      len ? list : "none loaded");
}
