/* lostwax: the Prusa SL1 / SL1S printer format, writer and reader.
 *
 * An SL1 is a zip: config.ini (what the printer's firmware reads), prusaslicer.ini (the slicer's
 * settings, which is where the screen's size lives), one 8-bit grey PNG per layer named
 * <jobDir>%05d.png, and optional RGBA thumbnails thumbnail/thumbnail<W>x<H>.png. The layout and
 * the value formats are those PrusaSlicer 2.5 writes (found by exporting with its CLI and reading
 * the result; docs/internals/sl1.md has the key-by-key mapping to lw_print_header).
 *
 * Writing streams: each layer is encoded straight from its runs (print/png.h) and goes into the
 * zip (print/zipw.h) as it comes; the INI files, which need the count of slow layers, go last.
 * Reading opens the zip from memory with libzip under size limits, reads the INI files into the
 * header, finds the layer images, and decodes one on request.
 */
#include "print/printfile_int.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <zip.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/size.h"
#include "base/text.h"
#include "base/vec.h"
#include "print/png.h"
#include "print/zipw.h"

/* PrusaSlicer 2.5 gives the first three layers the initial exposure (its time estimate, and the
 * firmware of that time, count them so); config.ini has no key for it. */
#define SL1_FIRST_LAYERS 3
/* The share of the screen (percent) above which PrusaSlicer calls a layer slow (area_fill). */
#define SL1_AREA_FILL 50
#define SL1_MAX_INI ((size_t)1 << 20)          /* config.ini / prusaslicer.ini bytes */
#define SL1_MAX_INI_KEYS 20000
#define SL1_MAX_RATIO 4096                     /* unzipped / zipped, per entry */
#define SL1_MAX_RUNS ((size_t)1 << 24)         /* runs in one decoded layer (16 B each) */
#define SL1_MAX_DECODE ((size_t)512 << 20)     /* bytes of a whole interlaced layer */
#define SL1_MAX_THUMBS 16
#define SL1_THUMB_MAX_SIDE 4096
#define SL1_THUMB_MAX_BYTES ((size_t)64 << 20)
#define SL1_EXTRA_ENTRIES 1024                 /* entries allowed beyond the layers */

/* ---------------------------------------------------------------------------------------------
 * Formatting values as PrusaSlicer writes them, whatever the locale
 */

/* A number the way PrusaSlicer's INI files show it ("3", "0.05", "165"). */
static const char *num(double v, char buf[32])
{
    lw_fmt_f64(v, buf);
    return buf;
}

/* Six decimals ("478.500000"), as config.ini's printTime and usedMaterial have them. |v| must be
 * below 9e12 (the callers check). */
static const char *fixed6(double v, char buf[40])
{
    int64_t u = (int64_t)llround(fabs(v) * 1e6);
    snprintf(buf, 40, "%s%lld.%06lld", v < 0 && u ? "-" : "", (long long)(u / 1000000),
             (long long)(u % 1000000));
    return buf;
}

/* Up to six decimals without trailing zeros ("2.5", "80"): the printer-notes keywords, whose
 * readers (UVtools) take letters, digits and '.' and stop at anything else. */
static const char *keynum(double v, char buf[40])
{
    fixed6(v, buf);
    char *dot = strchr(buf, '.');
    if (dot) {
        char *e = buf + strlen(buf);
        while (e > dot + 1 && e[-1] == '0')
            *--e = '\0';
        if (e == dot + 1)
            *dot = '\0';
    }
    return buf;
}

/* Copies s into an INI value: control characters become spaces (a value is one line), and
 * leading and trailing spaces go (readers trim them). */
static void ini_text(char *out, size_t n, const char *s)
{
    while (*s == ' ')
        s++;
    size_t k = 0;
    for (; *s && k + 1 < n; s++)
        out[k++] = (unsigned char)*s < 0x20 || *s == 0x7F ? ' ' : *s;
    while (k > 0 && out[k - 1] == ' ')
        k--;
    out[k] = '\0';
}

/* "SL1S" or "SL1" when the machine is one of Prusa's (their firmware refuses a file whose
 * printerModel is not its own), else "" as PrusaSlicer writes for other printers. */
static const char *prusa_model(const char *machine)
{
    for (const char *p = machine; *p; p++)
        if (lw_str_iprefix(p, "sl1s"))
            return "SL1S";
    for (const char *p = machine; *p; p++)
        if (lw_str_iprefix(p, "sl1"))
            return "SL1";
    return "";
}

/* ---------------------------------------------------------------------------------------------
 * Writing
 */

typedef struct sl1w {
    lw_zipw *zip;
    lw_png_enc enc;
    lw_buf text;    /* an INI file being built */
    uint32_t slow;  /* layers lit over SL1_AREA_FILL % of the screen */
} sl1w;

static lw_rc sl1w_layer(lw_print_writer *w, uint32_t index, const lw_layer_settings *s,
                        const lw_layer_img *img, lw_err *err);
static lw_rc sl1w_finish(lw_print_writer *w, lw_err *err);
static void sl1w_free(lw_print_writer *w);

static const lw_print_writer_ops k_sl1_ops = {sl1w_layer, sl1w_finish, sl1w_free};

static void sl1w_free(lw_print_writer *w)
{
    sl1w *s = w->state;
    if (!s)
        return;
    lw_zipw_free(s->zip);
    lw_png_enc_clear(&s->enc);
    lw_buf_clear(&s->text);
    lw_free(s);
    w->state = NULL;
}

static bool finite_in(double v, double lo, double hi)
{
    return isfinite(v) && v >= lo && v <= hi;
}

static lw_rc check_header(const lw_print_header *h, lw_err *err)
{
    const char *j = h->job_name;
    for (size_t i = 0; j[i]; i++) {
        char c = j[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return lw_err_set(err, LW_EINVAL, "SL1: the job name '%s' may hold only letters, "
                              "digits, '_' and '-' (it names the layer files)", j);
    }
    if (!finite_in(h->display_w, 1e-3, 1e5) || !finite_in(h->display_h, 1e-3, 1e5))
        return lw_err_set(err, LW_EINVAL, "SL1: the screen size %g x %g mm is missing or "
                          "absurd; the format needs it", h->display_w, h->display_h);
    const struct { const char *what; double v; } nums[] = {
        {"layer height", h->layer_height}, {"exposure", h->exposure_s},
        {"bottom exposure", h->bottom_exposure_s}, {"machine height", h->machine_z},
        {"print time", h->print_time_s}, {"resin volume", h->volume_ml},
        {"resin weight", h->weight_g}, {"cost", h->cost},
    };
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
        if (!finite_in(nums[i].v, 0, 1e12))
            return lw_err_set(err, LW_EINVAL, "SL1: %s %g is negative or not a number",
                              nums[i].what, nums[i].v);
    const lw_motion *m[2] = {&h->normal, &h->bottom};
    for (int k = 0; k < 2; k++) {
        const lw_motion *o = m[k];
        const double f[] = {o->lift_mm,         o->lift_speed,         o->lift2_mm,
                            o->lift2_speed,     o->retract_mm,         o->retract_speed,
                            o->retract2_mm,     o->retract2_speed,     o->wait_before_cure_s,
                            o->wait_after_cure_s, o->wait_after_lift_s, o->light_off_s};
        for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
            if (!finite_in(f[i], 0, 1e9))
                return lw_err_set(err, LW_EINVAL, "SL1: a %s lift/retract/wait setting is "
                                  "negative or not a number", k ? "bottom" : "normal");
    }
    return LW_OK;
}

/* The jobDir: the header's job name, or "lostwax" when it has none. */
static const char *job_of(const lw_print_header *h)
{
    return h->job_name[0] ? h->job_name : "lostwax";
}

lw_rc lw_sl1_writer_begin(lw_print_writer *w, lw_err *err)
{
    const lw_print_header *h = &w->h;
    lw_rc rc = check_header(h, err);
    if (rc)
        return rc;
    sl1w *s = lw_calloc(1, sizeof *s);
    if (!s)
        return lw_err_nomem(err);
    lw_png_enc_init(&s->enc);
    lw_buf_init(&s->text, SL1_THUMB_MAX_BYTES); /* thumbnails too; INI files are checked */
    w->ops = &k_sl1_ops; /* from here on lw_print_writer_free frees s */
    w->state = s;
    if ((rc = lw_zipw_new(w->sink, h->created_unix, &s->zip, err)))
        return rc;
    /* The thumbnails first: PrusaSlicer's are 400x400 and 800x480; ours are what the job
     * rendered. Two of the same size would collide in name: the second is dropped. */
    const lw_image *thumbs[2] = {&h->preview_small, &h->preview_large};
    for (int i = 0; i < 2; i++) {
        const lw_image *t = thumbs[i];
        if (!t->width || !t->height || !t->rgba)
            continue;
        if (i == 1 && t->width == thumbs[0]->width && t->height == thumbs[0]->height &&
            thumbs[0]->rgba)
            continue;
        lw_buf_reset(&s->text);
        char name[64];
        snprintf(name, sizeof name, "thumbnail/thumbnail%ux%u.png", t->width, t->height);
        if ((rc = lw_png_encode_rgba(t, &s->text, err)) ||
            (rc = lw_zipw_add(s->zip, name, s->text.data, s->text.len, false, err))) {
            lw_err_prefix(err, "SL1 %s", name);
            return rc;
        }
    }
    return LW_OK;
}

static lw_rc sl1w_layer(lw_print_writer *w, uint32_t index, const lw_layer_settings *st,
                        const lw_layer_img *img, lw_err *err)
{
    (void)st; /* SL1 has no per-layer settings: the firmware derives them from config.ini */
    sl1w *s = w->state;
    const uint8_t *png;
    size_t len;
    lw_rc rc = lw_png_encode_layer(&s->enc, img, &png, &len, err);
    char name[96];
    snprintf(name, sizeof name, "%s%05u.png", job_of(&w->h), index);
    if (!rc)
        rc = lw_zipw_add(s->zip, name, png, len, false, err); /* a PNG does not deflate again */
    if (rc) {
        lw_err_prefix(err, "SL1 layer %u", index);
        return rc;
    }
    if ((double)img->lit > 255.0 * SL1_AREA_FILL / 100.0 * img->width * (double)img->height)
        s->slow++;
    return LW_OK;
}

/* An INI file being written: after the first failure every line is skipped and rc kept. */
typedef struct iniw {
    lw_buf *b;
    lw_rc rc;
} iniw;

static void kv(iniw *w, const char *key, const char *val)
{
    if (!w->rc)
        w->rc = lw_buf_printf(w->b, "%s = %s\n", key, val);
}

static void kvn(iniw *w, const char *key, double v)
{
    char t[32];
    kv(w, key, num(v, t));
}

static void kvu(iniw *w, const char *key, uint64_t v)
{
    char t[24];
    snprintf(t, sizeof t, "%llu", (unsigned long long)v);
    kv(w, key, t);
}

/* config.ini, keys in PrusaSlicer's (alphabetical) order. */
static void config_ini(const lw_print_header *h, uint32_t slow, iniw *w)
{
    char t[40], mat[64], mach[64], stamp[48];
    int64_t c = h->created_unix;
    c = c < 0 ? 0 : c > 253402300799 ? 253402300799 : c; /* up to 9999-12-31 23:59:59 */
    time_t tt = (time_t)c;
    struct tm tm;
    if (gmtime_r(&tt, &tm))
        snprintf(stamp, sizeof stamp, "%04d-%02d-%02d at %02d:%02d:%02d UTC",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    else
        snprintf(stamp, sizeof stamp, "1970-01-01 at 00:00:00 UTC");
    ini_text(mat, sizeof mat, h->material);
    ini_text(mach, sizeof mach, h->machine);
    kv(w, "action", "print");
    kvn(w, "expTime", h->exposure_s);
    kvn(w, "expTimeFirst", h->bottom_exposure_s);
    kv(w, "expUserProfile", "0");
    kv(w, "fileCreationTimestamp", stamp);
    kv(w, "hollow", "0");
    kv(w, "jobDir", job_of(h));
    kvn(w, "layerHeight", h->layer_height);
    kv(w, "materialName", mat);
    kvu(w, "numFade", h->transition_layers);
    kvu(w, "numFast", h->layer_count - slow);
    kvu(w, "numSlow", slow);
    kv(w, "printProfile", "");
    kv(w, "printTime", fixed6(h->print_time_s, t));
    kv(w, "printerModel", prusa_model(h->machine));
    kv(w, "printerProfile", mach);
    kv(w, "printerVariant", "default");
    kv(w, "prusaSlicerVersion", "lostwax-" LW_VERSION);
    kv(w, "usedMaterial", fixed6(h->volume_ml, t));
}

/* The printer_notes keywords: UVtools' names (it converts SL1 to other formats with them) for
 * what PrusaSlicer has no key for, plus lostwax's own where UVtools has none. Separated by the
 * two characters '\' 'n', which is how PrusaSlicer stores a line break in an INI value. */
static void notes(const lw_print_header *h, iniw *w)
{
    char t[40];
    const lw_motion *bm = &h->bottom, *nm = &h->normal;
    const struct { const char *k; double v; } kw[] = {
        {"BottomLayerCount", h->bottom_layers}, {"TransitionLayerCount", h->transition_layers},
        {"AntiAliasing", h->aa_level},
        {"BottomLiftHeight", bm->lift_mm}, {"BottomLiftSpeed", bm->lift_speed},
        {"LiftHeight", nm->lift_mm}, {"LiftSpeed", nm->lift_speed},
        {"BottomLiftHeight2", bm->lift2_mm}, {"BottomLiftSpeed2", bm->lift2_speed},
        {"LiftHeight2", nm->lift2_mm}, {"LiftSpeed2", nm->lift2_speed},
        {"BottomRetractHeight", bm->retract_mm}, {"BottomRetractSpeed", bm->retract_speed},
        {"RetractHeight", nm->retract_mm}, {"RetractSpeed", nm->retract_speed},
        {"BottomRetractHeight2", bm->retract2_mm}, {"BottomRetractSpeed2", bm->retract2_speed},
        {"RetractHeight2", nm->retract2_mm}, {"RetractSpeed2", nm->retract2_speed},
        {"BottomWaitTimeBeforeCure", bm->wait_before_cure_s},
        {"WaitTimeBeforeCure", nm->wait_before_cure_s},
        {"BottomWaitTimeAfterCure", bm->wait_after_cure_s},
        {"WaitTimeAfterCure", nm->wait_after_cure_s},
        {"BottomWaitTimeAfterLift", bm->wait_after_lift_s},
        {"WaitTimeAfterLift", nm->wait_after_lift_s},
        {"BottomLightOffDelay", bm->light_off_s}, {"LightOffDelay", nm->light_off_s},
        {"BottomLightPWM", h->bottom_pwm}, {"LightPWM", h->pwm},
    };
    if (w->rc)
        return;
    lw_rc rc = lw_buf_puts(w->b, "printer_notes = LOSTWAX");
    for (size_t i = 0; i < sizeof kw / sizeof kw[0] && !rc; i++)
        rc = lw_buf_printf(w->b, "\\n%s_%s", kw[i].k, keynum(kw[i].v, t));
    bool cur_ok = h->currency[0] != '\0';
    for (const char *p = h->currency; *p; p++)
        cur_ok = cur_ok && ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'));
    if (!rc && cur_ok)
        rc = lw_buf_printf(w->b, "\\nCurrency_%s", h->currency);
    if (!rc)
        rc = lw_buf_puts(w->b, "\n");
    w->rc = rc;
}

/* prusaslicer.ini: the keys PrusaSlicer needs to re-open the job for this screen (it loads this
 * file with --load), alphabetical as PrusaSlicer writes them. Supports, pad and hollowing are
 * off: the layers already hold whatever lostwax built. */
static void prusaslicer_ini(const lw_print_header *h, iniw *w)
{
    char t1[32], t2[32], line[160], mat[64], mach[64];
    ini_text(mat, sizeof mat, h->material);
    ini_text(mach, sizeof mach, h->machine);
    double density = h->volume_ml > 0 && h->weight_g > 0 ? h->weight_g / h->volume_ml : 1.0;
    double bottle = h->volume_ml > 0 ? h->cost / h->volume_ml * 1000.0 : 0.0;
    num(h->display_w, t1);
    num(h->display_h, t2);
    snprintf(line, sizeof line, "0x0,%sx0,%sx%s,0x%s", t1, t1, t2, t2);
    kvu(w, "area_fill", SL1_AREA_FILL);
    kv(w, "bed_shape", line);
    kvn(w, "bottle_cost", bottle);
    kvn(w, "bottle_volume", 1000);
    kvn(w, "bottle_weight", density); /* kg per 1000 ml */
    kvn(w, "display_height", h->display_h);
    kvu(w, "display_mirror_x", h->mirror_x);
    kvu(w, "display_mirror_y", h->mirror_y);
    kv(w, "display_orientation", "landscape");
    kvu(w, "display_pixels_x", h->res_x);
    kvu(w, "display_pixels_y", h->res_y);
    kvn(w, "display_width", h->display_w);
    kvn(w, "exposure_time", h->exposure_s);
    kvu(w, "faded_layers", h->transition_layers);
    kv(w, "fast_tilt_time", "5");
    kv(w, "gamma_correction", h->aa_level > 1 ? "1" : "0");
    kv(w, "hollowing_enable", "0");
    kvn(w, "initial_exposure_time", h->bottom_exposure_s);
    kvn(w, "initial_layer_height", h->layer_height);
    kvn(w, "layer_height", h->layer_height);
    kvn(w, "material_density", density);
    kv(w, "material_print_speed", "fast");
    kvn(w, "max_exposure_time", fmax(100, h->exposure_s));
    kvn(w, "max_initial_exposure_time", fmax(150, h->bottom_exposure_s));
    kvn(w, "max_print_height", h->machine_z);
    kv(w, "min_exposure_time", "0");
    kv(w, "min_initial_exposure_time", "0");
    kv(w, "pad_enable", "0"); /* lostwax's layers already hold its supports */
    kv(w, "printer_model", prusa_model(h->machine));
    notes(h, w);
    kv(w, "printer_settings_id", mach);
    kv(w, "printer_technology", "SLA");
    kv(w, "printer_variant", "default");
    kv(w, "sla_material_settings_id", mat);
    kv(w, "sla_print_settings_id", "");
    kv(w, "slow_tilt_time", "8");
    kv(w, "supports_enable", "0");
}

/* Builds the INI file `name` in s->text and adds it to the zip, deflated. */
static lw_rc add_ini(sl1w *s, const lw_print_header *h, uint32_t slow, const char *name,
                     lw_err *err)
{
    lw_buf_reset(&s->text);
    iniw w = {&s->text, LW_OK};
    if (strcmp(name, "config.ini") == 0)
        config_ini(h, slow, &w);
    else
        prusaslicer_ini(h, &w);
    if (w.rc == LW_ENOMEM)
        return lw_err_nomem(err);
    if (w.rc || s->text.len > SL1_MAX_INI)
        return lw_err_set(err, LW_ELIMIT, "SL1: %s does not fit in %zu bytes", name,
                          SL1_MAX_INI);
    return lw_zipw_add(s->zip, name, s->text.data, s->text.len, true, err);
}

static lw_rc sl1w_finish(lw_print_writer *w, lw_err *err)
{
    sl1w *s = w->state;
    /* lw_print_writer_set_estimate may have changed these since begin checked them. */
    const lw_print_header *h = &w->h;
    if (!finite_in(h->print_time_s, 0, 1e12) || !finite_in(h->volume_ml, 0, 1e12) ||
        !finite_in(h->weight_g, 0, 1e12) || !finite_in(h->cost, 0, 1e12))
        return lw_err_set(err, LW_EINVAL, "SL1: the estimate (%g s, %g ml, %g g, cost %g) has "
                          "a negative or non-numeric figure", h->print_time_s, h->volume_ml,
                          h->weight_g, h->cost);
    lw_rc rc = add_ini(s, &w->h, s->slow, "config.ini", err);
    if (!rc)
        rc = add_ini(s, &w->h, s->slow, "prusaslicer.ini", err);
    if (!rc)
        rc = lw_zipw_finish(s->zip, err);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Reading: INI files
 */

typedef struct ini_kv {
    const char *key, *val;
} ini_kv;

typedef struct ini {
    const char *file; /* for messages */
    char *text;       /* owned copy, cut into NUL-terminated keys and values */
    ini_kv *kv;
    size_t n, cap;
} ini;

static void ini_clear(ini *a)
{
    lw_free(a->text);
    lw_free(a->kv);
    memset(a, 0, sizeof *a);
}

static char *trim(char *s, char *e)
{
    while (s < e && (*s == ' ' || *s == '\t'))
        s++;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
        e--;
    *e = '\0';
    return s;
}

/* "key = value" lines; blank lines, lines starting '#' or ';' and lines without '=' are skipped.
 * A key given twice keeps its last value (ini_get searches from the end). */
static lw_rc ini_parse(const uint8_t *data, size_t len, const char *file, ini *a, lw_err *err)
{
    memset(a, 0, sizeof *a);
    a->file = file;
    a->text = lw_malloc(len + 1);
    if (!a->text)
        return lw_err_nomem(err);
    memcpy(a->text, data, len);
    a->text[len] = '\0';
    char *p = a->text, *end = a->text + len;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *le = nl ? nl : end;
        char *eq = memchr(p, '=', (size_t)(le - p));
        char *first = p;
        while (first < le && (*first == ' ' || *first == '\t'))
            first++;
        if (eq && first < le && *first != '#' && *first != ';') {
            if (a->n >= SL1_MAX_INI_KEYS) {
                ini_clear(a);
                return lw_err_set(err, LW_ELIMIT, "%s: more than %d keys", file,
                                  SL1_MAX_INI_KEYS);
            }
            if (LW_VEC_RESERVE(a->kv, a->cap, a->n + 1, SL1_MAX_INI_KEYS)) {
                ini_clear(a);
                return lw_err_nomem(err);
            }
            char *k = trim(p, eq);
            char *v = trim(eq + 1, le);
            a->kv[a->n++] = (ini_kv){k, v};
        }
        p = le + 1;
    }
    return LW_OK;
}

static const char *ini_get(const ini *a, const char *key)
{
    for (size_t i = a->n; i-- > 0;)
        if (strcmp(a->kv[i].key, key) == 0)
            return a->kv[i].val;
    return NULL;
}

/* A number key: absent gives dflt (or LW_EFORMAT when required); present must be a number in
 * [lo, hi]. */
static lw_rc ini_num(const ini *a, const char *key, bool required, double dflt, double lo,
                     double hi, double *out, lw_err *err)
{
    const char *s = a ? ini_get(a, key) : NULL;
    if (!s) {
        if (required)
            return lw_err_set(err, LW_EFORMAT, "%s has no %s", a ? a->file : "the archive",
                              key);
        *out = dflt;
        return LW_OK;
    }
    const char *end = s + strlen(s), *stop;
    double v;
    if (!lw_parse_f64(s, end, &v, &stop) || stop != end || !isfinite(v))
        return lw_err_set(err, LW_EFORMAT, "%s: %s '%.40s' is not a number", a->file, key, s);
    if (v < lo || v > hi)
        return lw_err_set(err, LW_EFORMAT, "%s: %s %g is outside %g ... %g", a->file, key, v,
                          lo, hi);
    *out = v;
    return LW_OK;
}

static lw_rc ini_u32(const ini *a, const char *key, bool required, uint32_t dflt, uint32_t hi,
                     uint32_t *out, lw_err *err)
{
    const char *s = a ? ini_get(a, key) : NULL;
    if (!s) {
        if (required)
            return lw_err_set(err, LW_EFORMAT, "%s has no %s", a ? a->file : "the archive",
                              key);
        *out = dflt;
        return LW_OK;
    }
    const char *end = s + strlen(s), *stop;
    int64_t v;
    if (!lw_parse_i64(s, end, &v, &stop) || stop != end)
        return lw_err_set(err, LW_EFORMAT, "%s: %s '%.40s' is not a whole number", a->file, key,
                          s);
    if (v < 0 || (uint64_t)v > hi)
        return lw_err_set(err, LW_EFORMAT, "%s: %s %lld is outside 0 ... %u", a->file, key,
                          (long long)v, hi);
    *out = (uint32_t)v;
    return LW_OK;
}

static void ini_str(const ini *a, const char *key, char *out, size_t n)
{
    const char *s = a ? ini_get(a, key) : NULL;
    if (s && !out[0])
        ini_text(out, n, s);
}

/* A printer-notes keyword ("LiftHeight_5"): the value's text after "key_" in printer_notes, else
 * in material_notes, whose lines are separated by the two characters '\' 'n' (or real line
 * breaks). *val points into the INI text, *n is its length. */
static bool note_find(const ini *pi, const char *key, const char **val, size_t *n)
{
    if (!pi)
        return false;
    const char *fields[2] = {ini_get(pi, "printer_notes"), ini_get(pi, "material_notes")};
    size_t kl = strlen(key);
    for (int f = 0; f < 2; f++) {
        for (const char *p = fields[f]; p && *p;) {
            const char *e = p;
            while (*e && *e != '\n' && *e != '\r' &&
                   !(e[0] == '\\' && (e[1] == 'n' || e[1] == 'r')))
                e++;
            while (p < e && *p == ' ')
                p++;
            if ((size_t)(e - p) > kl + 1 && memcmp(p, key, kl) == 0 && p[kl] == '_') {
                *val = p + kl + 1;
                *n = (size_t)(e - *val);
                return true;
            }
            p = *e == '\\' ? e + 2 : *e ? e + 1 : e;
        }
    }
    return false;
}

/* A keyword's number (finite, >= 0), as UVtools reads it: up to the first character that is not
 * part of a number. */
static bool note_num(const ini *pi, const char *key, double *out)
{
    const char *v, *stop;
    size_t n;
    double d;
    if (!note_find(pi, key, &v, &n) || !lw_parse_f64(v, v + n, &d, &stop) || !isfinite(d) ||
        d < 0)
        return false;
    *out = d;
    return true;
}

static void note_str(const ini *pi, const char *key, char *out, size_t size)
{
    const char *v;
    size_t n;
    if (!note_find(pi, key, &v, &n))
        return;
    if (n >= size)
        n = size - 1;
    memcpy(out, v, n);
    out[n] = '\0';
    for (size_t i = 0; i < n; i++) /* a value is one word */
        if (out[i] == ' ')
            out[i] = '\0';
}

/* "2026-11-27 at 23:20:56 UTC" (PrusaSlicer; other writers vary the zone's spelling) to
 * seconds since 1970, or 0 when it does not parse: it is information, not a setting. */
static int64_t parse_stamp(const char *s)
{
    int y, mo, d, h, mi, se;
    char at[4];
    if (!s || sscanf(s, "%4d-%2d-%2d %2s %2d:%2d:%2d", &y, &mo, &d, at, &h, &mi, &se) != 7 ||
        strcmp(at, "at") != 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || h < 0 ||
        mi < 0 || mi > 59 || se < 0 || se > 60 || y < 0)
        return 0;
    /* Days from 1970-01-01 to the date, counting years from March so leap days come last. */
    int64_t yy = mo <= 2 ? y - 1 : y;
    int64_t era = yy / 400, yoe = yy - era * 400;
    int64_t doy = (153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = era * 146097 + doe - 719468;
    return days * 86400 + h * 3600 + mi * 60 + se;
}

/* ---------------------------------------------------------------------------------------------
 * Reading: the archive
 */

typedef struct sl1_priv {
    zip_t *za;
    zip_uint64_t *entry;  /* the zip entry of each layer */
    lw_print_limits lim;
    pthread_mutex_t lock; /* libzip keeps one read position: one reader at a time */
    bool locked_init;
} sl1_priv;

void lw_sl1_free_priv(lw_print_file *f)
{
    sl1_priv *p = f->priv;
    if (!p)
        return;
    if (p->za)
        zip_discard(p->za); /* also frees the source */
    if (p->locked_init)
        pthread_mutex_destroy(&p->lock);
    lw_free(p->entry);
    lw_free(p);
    f->priv = NULL;
}

static lw_rc zip_failure(lw_err *err, const char *what, zip_error_t *ze)
{
    if (zip_error_code_zip(ze) == ZIP_ER_MEMORY)
        return lw_err_nomem(err);
    return lw_err_set(err, LW_EFORMAT, "%s (libzip: %s)", what, zip_error_strerror(ze));
}

/* Reads a whole entry into a new buffer (*out, lw_free), at most max bytes and at most
 * SL1_MAX_RATIO times its compressed size, checking what comes out, not only what the headers
 * claim. Messages start with the entry's name. */
static lw_rc read_entry(zip_t *za, zip_uint64_t idx, size_t archive_len, size_t max,
                        uint8_t **out, size_t *len, lw_err *err)
{
    *out = NULL;
    *len = 0;
    const char *name = zip_get_name(za, idx, ZIP_FL_ENC_RAW);
    if (!name)
        name = "?";
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(za, idx, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
        return lw_err_set(err, LW_EFORMAT, "%s: unreadable zip entry (libzip: %s)", name,
                          zip_strerror(za));
    uint64_t comp = (st.valid & ZIP_STAT_COMP_SIZE) ? st.comp_size : archive_len;
    if (comp > archive_len)
        comp = archive_len;
    if (st.size > max)
        return lw_err_set(err, LW_ELIMIT, "%s: %llu bytes unzipped, more than the limit of %zu",
                          name, (unsigned long long)st.size, max);
    if (st.size > comp * SL1_MAX_RATIO)
        return lw_err_set(err, LW_ELIMIT, "%s: %llu bytes from %llu compressed, a ratio above "
                          "%d (a zip bomb?)", name, (unsigned long long)st.size,
                          (unsigned long long)comp, SL1_MAX_RATIO);
    size_t size = (size_t)st.size;
    uint8_t *buf = lw_malloc(size + 1);
    if (!buf)
        return lw_err_nomem(err);
    zip_file_t *zf = zip_fopen_index(za, idx, 0);
    if (!zf) {
        lw_free(buf);
        zip_error_t *ze = zip_get_error(za);
        int code = zip_error_code_zip(ze);
        if (code == ZIP_ER_MEMORY)
            return lw_err_nomem(err);
        return lw_err_set(err, code == ZIP_ER_NOPASSWD || code == ZIP_ER_ENCRNOTSUPP ||
                                       code == ZIP_ER_COMPNOTSUPP
                                   ? LW_EUNSUPPORTED : LW_EFORMAT,
                          "%s: cannot open the zip entry (libzip: %s)", name,
                          zip_error_strerror(ze));
    }
    size_t got = 0;
    lw_rc rc = LW_OK;
    for (;;) {
        /* One byte of room beyond the stated size catches an entry that inflates to more. */
        zip_int64_t n = zip_fread(zf, buf + got, size + 1 - got);
        if (n < 0) {
            zip_error_t *ze = zip_file_get_error(zf);
            rc = zip_error_code_zip(ze) == ZIP_ER_MEMORY
                     ? lw_err_nomem(err)
                     : lw_err_set(err, LW_EFORMAT, "%s: corrupt zip data (libzip: %s)", name,
                                  zip_error_strerror(ze));
            break;
        }
        got += (size_t)n;
        if (got > size) {
            rc = lw_err_set(err, LW_EFORMAT, "%s: more data than its zip header's %zu bytes",
                            name, size);
            break;
        }
        if (n == 0)
            break;
    }
    zip_fclose(zf);
    if (!rc && got != size)
        rc = lw_err_set(err, LW_EFORMAT, "%s: %zu bytes where the zip header says %zu", name,
                        got, size);
    if (rc) {
        lw_free(buf);
        return rc;
    }
    *out = buf;
    *len = size;
    return LW_OK;
}

/* Is name "<job><digits>.png"? Then *n is the number. */
static bool layer_name(const char *name, const char *job, size_t jl, uint64_t *n)
{
    if (strncmp(name, job, jl) != 0)
        return false;
    const char *p = name + jl;
    uint64_t v = 0;
    size_t digits = 0;
    for (; *p >= '0' && *p <= '9'; p++, digits++)
        if (digits < 12)
            v = v * 10 + (uint64_t)(*p - '0');
    if (!digits || digits >= 12 || !lw_str_ieq(p, ".png"))
        return false;
    *n = v;
    return true;
}

/* The size stated by a PNG's IHDR at the start of an entry (for archives without
 * prusaslicer.ini). */
static lw_rc entry_png_size(zip_t *za, zip_uint64_t idx, uint32_t *w, uint32_t *h, lw_err *err)
{
    uint8_t head[24];
    zip_file_t *zf = zip_fopen_index(za, idx, 0);
    zip_int64_t n = zf ? zip_fread(zf, head, sizeof head) : -1;
    if (zf)
        zip_fclose(zf);
    if (n != (zip_int64_t)sizeof head || memcmp(head + 1, "PNG", 3) != 0 ||
        memcmp(head + 12, "IHDR", 4) != 0)
        return lw_err_set(err, LW_EFORMAT, "SL1: the first layer is not a PNG, and without "
                          "prusaslicer.ini it must say the screen's size");
    *w = (uint32_t)head[16] << 24 | (uint32_t)head[17] << 16 | (uint32_t)head[18] << 8 |
         head[19];
    *h = (uint32_t)head[20] << 24 | (uint32_t)head[21] << 16 | (uint32_t)head[22] << 8 |
         head[23];
    return LW_OK;
}

/* The thumbnails: the smallest becomes preview_small, the largest preview_large (one alone is
 * the large one). */
static lw_rc read_thumbs(lw_print_file *f, zip_t *za, const zip_uint64_t *idx, size_t n,
                         lw_err *err)
{
    lw_png_limits pl = {SL1_THUMB_MAX_SIDE, SL1_THUMB_MAX_SIDE, SL1_THUMB_MAX_BYTES, 0};
    lw_image *small = &f->h.preview_small, *large = &f->h.preview_large;
    for (size_t i = 0; i < n; i++) {
        uint8_t *data;
        size_t len;
        lw_image im;
        lw_rc rc = read_entry(za, idx[i], f->len, SL1_THUMB_MAX_BYTES, &data, &len, err);
        if (!rc) {
            rc = lw_png_decode_rgba(data, len, &pl, &im, err);
            lw_free(data);
            if (rc)
                lw_err_prefix(err, "%s", zip_get_name(za, idx[i], ZIP_FL_ENC_RAW));
        }
        if (rc)
            return rc;
        uint64_t a = (uint64_t)im.width * im.height;
        if (!large->rgba) {
            *large = im;
        } else if (a > (uint64_t)large->width * large->height) {
            if (!small->rgba || (uint64_t)large->width * large->height <
                                    (uint64_t)small->width * small->height) {
                lw_image_clear(small);
                *small = *large;
            } else {
                lw_image_clear(large);
            }
            *large = im;
        } else if (!small->rgba || a < (uint64_t)small->width * small->height) {
            lw_image_clear(small);
            *small = im;
        } else {
            lw_image_clear(&im);
        }
    }
    return LW_OK;
}

/* Header values from the INI files (see docs/internals/sl1.md for the mapping). */
static lw_rc read_settings(lw_print_file *f, const ini *cfg, const ini *ps,
                           const lw_print_limits *lim, lw_err *err)
{
    lw_print_header *h = &f->h;
    uint32_t fast, slow, fade;
    double v;
    lw_rc rc;
    if ((rc = ini_num(cfg, "expTime", true, 0, 0, 1e5, &h->exposure_s, err)) ||
        (rc = ini_num(cfg, "expTimeFirst", false, h->exposure_s, 0, 1e5, &h->bottom_exposure_s,
                      err)) ||
        (rc = ini_num(cfg, "layerHeight", true, 0, 1e-4, 100, &h->layer_height, err)) ||
        (rc = ini_u32(cfg, "numFast", true, 0, UINT32_MAX, &fast, err)) ||
        (rc = ini_u32(cfg, "numSlow", false, 0, UINT32_MAX, &slow, err)) ||
        (rc = ini_u32(cfg, "numFade", false, 0, UINT32_MAX, &fade, err)) ||
        (rc = ini_num(cfg, "printTime", false, 0, 0, 1e12, &h->print_time_s, err)) ||
        (rc = ini_num(cfg, "usedMaterial", false, 0, 0, 1e12, &h->volume_ml, err)))
        return rc;
    if (h->layer_height == 0)
        return lw_err_set(err, LW_EFORMAT, "config.ini: layerHeight is 0");
    uint64_t count = (uint64_t)fast + slow;
    if (count > lim->max_layers)
        return lw_err_set(err, LW_ELIMIT, "config.ini: %llu layers (numFast + numSlow), more "
                          "than the limit of %u", (unsigned long long)count, lim->max_layers);
    if (count == 0)
        return lw_err_set(err, LW_EFORMAT, "config.ini: numFast + numSlow is 0: no layers");
    h->layer_count = (uint32_t)count;
    h->transition_layers = fade < h->layer_count ? fade : h->layer_count;
    h->bottom_layers = note_num(ps, "BottomLayerCount", &v) && v <= count ? (uint32_t)v
                                                                          : SL1_FIRST_LAYERS;
    if (h->bottom_layers > h->layer_count)
        h->bottom_layers = h->layer_count;
    if (h->transition_layers > h->layer_count - h->bottom_layers)
        h->transition_layers = h->layer_count - h->bottom_layers;
    ini_str(cfg, "materialName", h->material, sizeof h->material);
    ini_str(cfg, "printerProfile", h->machine, sizeof h->machine);
    ini_str(cfg, "printerModel", h->machine, sizeof h->machine);
    ini_str(ps, "printer_settings_id", h->machine, sizeof h->machine);
    h->created_unix = parse_stamp(ini_get(cfg, "fileCreationTimestamp"));

    double density, bottle_cost, bottle_volume, gamma;
    if ((rc = ini_num(ps, "max_print_height", false, 0, 0, 1e5, &h->machine_z, err)) ||
        (rc = ini_num(ps, "material_density", false, 0, 0, 1e3, &density, err)) ||
        (rc = ini_num(ps, "bottle_cost", false, 0, 0, 1e12, &bottle_cost, err)) ||
        (rc = ini_num(ps, "bottle_volume", false, 0, 0, 1e12, &bottle_volume, err)) ||
        (rc = ini_num(ps, "gamma_correction", false, 1, 0, 1e3, &gamma, err)))
        return rc;
    h->weight_g = h->volume_ml * density;
    h->cost = bottle_volume > 0 ? h->volume_ml * bottle_cost / bottle_volume : 0;
    h->aa_level = gamma > 0 ? 16 : 1; /* PrusaSlicer's greys are 8-bit coverage */
    if (note_num(ps, "AntiAliasing", &v) && (v == 1 || v == 2 || v == 4 || v == 8 || v == 16))
        h->aa_level = (unsigned)v;
    note_str(ps, "Currency", h->currency, sizeof h->currency);

    /* Motion and light: keywords only; what is absent stays 0, full light. */
    struct { const char *k; double *d; } kw[] = {
        {"BottomLiftHeight", &h->bottom.lift_mm}, {"BottomLiftSpeed", &h->bottom.lift_speed},
        {"LiftHeight", &h->normal.lift_mm}, {"LiftSpeed", &h->normal.lift_speed},
        {"BottomLiftHeight2", &h->bottom.lift2_mm}, {"BottomLiftSpeed2", &h->bottom.lift2_speed},
        {"LiftHeight2", &h->normal.lift2_mm}, {"LiftSpeed2", &h->normal.lift2_speed},
        {"BottomRetractHeight", &h->bottom.retract_mm},
        {"BottomRetractSpeed", &h->bottom.retract_speed},
        {"RetractHeight", &h->normal.retract_mm}, {"RetractSpeed", &h->normal.retract_speed},
        {"BottomRetractHeight2", &h->bottom.retract2_mm},
        {"BottomRetractSpeed2", &h->bottom.retract2_speed},
        {"RetractHeight2", &h->normal.retract2_mm}, {"RetractSpeed2", &h->normal.retract2_speed},
        {"BottomWaitTimeBeforeCure", &h->bottom.wait_before_cure_s},
        {"WaitTimeBeforeCure", &h->normal.wait_before_cure_s},
        {"BottomWaitTimeAfterCure", &h->bottom.wait_after_cure_s},
        {"WaitTimeAfterCure", &h->normal.wait_after_cure_s},
        {"BottomWaitTimeAfterLift", &h->bottom.wait_after_lift_s},
        {"WaitTimeAfterLift", &h->normal.wait_after_lift_s},
        {"BottomLightOffDelay", &h->bottom.light_off_s},
        {"LightOffDelay", &h->normal.light_off_s},
    };
    for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++)
        note_num(ps, kw[i].k, kw[i].d);
    h->pwm = h->bottom_pwm = 255;
    if (note_num(ps, "LightPWM", &v) && v <= 255)
        h->pwm = (uint16_t)v;
    if (note_num(ps, "BottomLightPWM", &v) && v <= 255)
        h->bottom_pwm = (uint16_t)v;
    return LW_OK;
}

/* The screen from prusaslicer.ini's display_* keys. A portrait display's images are stored
 * rotated (PrusaSlicer writes display_pixels_y columns), so width and height swap. */
static lw_rc read_screen(lw_print_file *f, const ini *ps, bool *known, lw_err *err)
{
    lw_print_header *h = &f->h;
    *known = false;
    if (!ps || !ini_get(ps, "display_pixels_x") || !ini_get(ps, "display_pixels_y"))
        return LW_OK;
    uint32_t px, py;
    double w, hh, mx, my;
    lw_rc rc;
    if ((rc = ini_u32(ps, "display_pixels_x", true, 0, UINT32_MAX, &px, err)) ||
        (rc = ini_u32(ps, "display_pixels_y", true, 0, UINT32_MAX, &py, err)) ||
        (rc = ini_num(ps, "display_width", false, 0, 0, 1e5, &w, err)) ||
        (rc = ini_num(ps, "display_height", false, 0, 0, 1e5, &hh, err)) ||
        (rc = ini_num(ps, "display_mirror_x", false, 0, 0, 1, &mx, err)) ||
        (rc = ini_num(ps, "display_mirror_y", false, 0, 0, 1, &my, err)))
        return rc;
    const char *o = ini_get(ps, "display_orientation");
    bool portrait = o && strcmp(o, "portrait") == 0;
    h->res_x = portrait ? py : px;
    h->res_y = portrait ? px : py;
    h->display_w = portrait ? hh : w;
    h->display_h = portrait ? w : hh;
    h->mirror_x = mx != 0;
    h->mirror_y = my != 0;
    *known = true;
    return LW_OK;
}

lw_rc lw_sl1_read(lw_print_file *f, const lw_print_limits *lim, lw_err *err)
{
    lw_print_header *h = &f->h;
    h->format = LW_PFMT_SL1; /* so that lw_print_file_clear frees priv whatever happens */
    h->version = 1;
    sl1_priv *p = lw_calloc(1, sizeof *p);
    if (!p)
        return lw_err_nomem(err);
    f->priv = p;
    p->lim = *lim;
    if (pthread_mutex_init(&p->lock, NULL) != 0)
        return lw_err_set(err, LW_ENOMEM, "SL1: cannot make a lock");
    p->locked_init = true;

    zip_error_t ze;
    zip_error_init(&ze);
    static const uint8_t empty[1];
    zip_source_t *src = zip_source_buffer_create(f->len ? f->data : empty, f->len, 0, &ze);
    if (!src) {
        lw_rc rc = zip_failure(err, "SL1: cannot read the zip archive", &ze);
        zip_error_fini(&ze);
        return rc;
    }
    p->za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
    if (!p->za) {
        zip_source_free(src);
        lw_rc rc = zip_failure(err, "SL1: not a readable zip archive", &ze);
        zip_error_fini(&ze);
        return rc;
    }
    zip_error_fini(&ze);
    zip_t *za = p->za;
    zip_int64_t nent = zip_get_num_entries(za, 0);
    if (nent < 0 || (uint64_t)nent > (uint64_t)lim->max_layers + SL1_EXTRA_ENTRIES)
        return lw_err_set(err, LW_ELIMIT, "SL1: %lld zip entries, more than the limit of %llu",
                          (long long)nent,
                          (unsigned long long)lim->max_layers + SL1_EXTRA_ENTRIES);

    /* The INI files. */
    ini cfg = {0}, ps = {0};
    bool have_ps = false;
    uint8_t *data = NULL;
    size_t len;
    lw_rc rc = LW_OK;
    zip_int64_t ci = zip_name_locate(za, "config.ini", ZIP_FL_NOCASE);
    if (ci < 0) {
        return lw_err_set(err, LW_EFORMAT, "SL1: the zip has no config.ini, so it is not an "
                          "SL1/SL1S print file");
    }
    if ((rc = read_entry(za, (zip_uint64_t)ci, f->len, SL1_MAX_INI, &data, &len, err)))
        return rc;
    rc = ini_parse(data, len, "config.ini", &cfg, err);
    lw_free(data);
    if (rc)
        return rc;
    zip_int64_t pi = zip_name_locate(za, "prusaslicer.ini", ZIP_FL_NOCASE);
    if (pi >= 0) {
        rc = read_entry(za, (zip_uint64_t)pi, f->len, SL1_MAX_INI, &data, &len, err);
        if (!rc) {
            rc = ini_parse(data, len, "prusaslicer.ini", &ps, err);
            lw_free(data);
        }
        have_ps = !rc;
    }
    const ini *psp = have_ps ? &ps : NULL;
    bool screen_known = false;
    if (!rc)
        rc = read_settings(f, &cfg, psp, lim, err);
    if (!rc)
        rc = read_screen(f, psp, &screen_known, err);
    const char *jobv = ini_get(&cfg, "jobDir");
    if (!rc && !jobv)
        rc = lw_err_set(err, LW_EFORMAT, "config.ini has no jobDir (the layer images' name)");
    char job[256] = "";
    if (!rc) {
        snprintf(job, sizeof job, "%s", jobv);
        ini_text(h->job_name, sizeof h->job_name, jobv);
    }
    char model[16] = "";
    ini_str(&cfg, "printerModel", model, sizeof model);
    ini_clear(&cfg);
    ini_clear(&ps);
    if (rc)
        return rc;

    /* The layer images and the thumbnails. */
    p->entry = lw_calloc(h->layer_count, sizeof *p->entry);
    if (!p->entry)
        return lw_err_nomem(err);
    for (uint32_t i = 0; i < h->layer_count; i++)
        p->entry[i] = ZIP_UINT64_MAX;
    zip_uint64_t thumbs[SL1_MAX_THUMBS];
    size_t nthumbs = 0;
    size_t jl = strlen(job);
    for (zip_uint64_t i = 0; i < (zip_uint64_t)nent; i++) {
        const char *name = zip_get_name(za, i, ZIP_FL_ENC_RAW);
        if (!name)
            return lw_err_set(err, LW_EFORMAT, "SL1: zip entry %llu has no name",
                              (unsigned long long)i);
        uint64_t n;
        if (!strchr(name, '/') && layer_name(name, job, jl, &n)) {
            if (n >= h->layer_count)
                return lw_err_set(err, LW_EFORMAT, "SL1: layer image %s is beyond the %u "
                                  "layers config.ini counts (numFast + numSlow)", name,
                                  h->layer_count);
            if (p->entry[n] != ZIP_UINT64_MAX)
                return lw_err_set(err, LW_EFORMAT, "SL1: two images for layer %llu (%s and %s)",
                                  (unsigned long long)n,
                                  zip_get_name(za, p->entry[n], ZIP_FL_ENC_RAW), name);
            p->entry[n] = i;
        } else if (strncmp(name, "thumbnail/", 10) == 0 && !strchr(name + 10, '/') &&
                   strlen(name) > 14 && lw_str_ieq(name + strlen(name) - 4, ".png") &&
                   nthumbs < SL1_MAX_THUMBS) {
            thumbs[nthumbs++] = i;
        }
    }
    for (uint32_t i = 0; i < h->layer_count; i++)
        if (p->entry[i] == ZIP_UINT64_MAX)
            return lw_err_set(err, LW_EFORMAT, "SL1: no image for layer %u (%s%05u.png) of the "
                              "%u config.ini counts", i, job, i, h->layer_count);

    if (!screen_known) {
        /* No prusaslicer.ini: the first layer gives the pixels; Prusa's own printers their
         * pitch (SL1 47.25 um, SL1S 50 um), anything else an unknown (0) screen size. */
        if ((rc = entry_png_size(za, p->entry[0], &h->res_x, &h->res_y, err)))
            return rc;
        double pitch = strcmp(model, "SL1") == 0 ? 0.04725 : strcmp(model, "SL1S") == 0 ? 0.05
                                                                                        : 0;
        h->display_w = h->res_x * pitch;
        h->display_h = h->res_y * pitch;
    }
    if (h->res_x == 0 || h->res_y == 0)
        return lw_err_set(err, LW_EFORMAT, "SL1: a %ux%u screen", h->res_x, h->res_y);
    if (h->res_x > lim->max_pixels_x || h->res_y > lim->max_pixels_y)
        return lw_err_set(err, LW_ELIMIT, "SL1: a %ux%u screen is over the limit of %ux%u",
                          h->res_x, h->res_y, lim->max_pixels_x, lim->max_pixels_y);
    if ((rc = read_thumbs(f, za, thumbs, nthumbs, err)))
        return rc;

    /* Each layer's settings, as the firmware derives them: the first bottom_layers at the
     * initial exposure, then transition_layers stepping down evenly, then the normal one. */
    f->layers = lw_calloc(h->layer_count, sizeof *f->layers);
    if (!f->layers)
        return lw_err_nomem(err);
    double step = (h->bottom_exposure_s - h->exposure_s) / (h->transition_layers + 1.0);
    for (uint32_t i = 0; i < h->layer_count; i++) {
        lw_layer_settings *s = &f->layers[i];
        bool bottom = i < h->bottom_layers;
        s->z = (i + 1.0) * h->layer_height;
        if (bottom)
            s->exposure_s = h->bottom_exposure_s;
        else if (i < h->bottom_layers + h->transition_layers)
            s->exposure_s = h->bottom_exposure_s - (i - h->bottom_layers + 1.0) * step;
        else
            s->exposure_s = h->exposure_s;
        s->motion = bottom ? h->bottom : h->normal;
        s->pwm = bottom ? h->bottom_pwm : h->pwm;
    }
    return LW_OK;
}

lw_rc lw_sl1_decode(const lw_print_file *f, uint32_t i, lw_layer_img *img, lw_err *err)
{
    sl1_priv *p = f->priv;
    uint8_t *data;
    size_t len;
    char name[128];
    pthread_mutex_lock(&p->lock);
    const char *zn = zip_get_name(p->za, p->entry[i], ZIP_FL_ENC_RAW);
    snprintf(name, sizeof name, "%s", zn ? zn : "?");
    lw_rc rc = read_entry(p->za, p->entry[i], f->len, p->lim.max_layer_bytes, &data, &len, err);
    pthread_mutex_unlock(&p->lock);
    if (rc) {
        lw_err_prefix(err, "SL1 layer %u", i);
        return rc;
    }
    /* The screen's own size is checked against the PNG's as a format error; the limits only
     * keep absurd headers from being decoded at all. */
    lw_png_limits pl = {p->lim.max_pixels_x, p->lim.max_pixels_y, SL1_MAX_DECODE, SL1_MAX_RUNS};
    rc = lw_png_decode_layer(data, len, &pl, img, err);
    lw_free(data);
    if (rc)
        lw_err_prefix(err, "SL1 layer %u (%s)", i, name);
    return rc;
}
