/* lostwax envelope: a piece's job envelope as a one-page PDF, from a JSON file of its fields.
 * Studios print envelopes from their own scripts this way until the server prints them; the
 * fields and their units are those of shop/envelope.h, in the units people type (grams,
 * carats, millimetres), each converted exactly or refused. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/file.h"
#include "base/image.h"
#include "base/text.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/tables.h"
#include "print/png.h"
#include "shop/envelope.h"

#define SPEC_MAX_BYTES ((size_t)1 << 20)
#define PREVIEW_MAX_BYTES ((size_t)32 << 20)

static const char k_help[] =
    "usage: lostwax envelope --json-spec SPEC.json -o ENVELOPE.pdf [--page a5|a4|label] [--json]\n"
    "\n"
    "Prints a piece's job envelope: a one-page PDF with the piece code, a QR code of its URL,\n"
    "customer, order, type, ring size, metal, stones, due date (a RUSH band when rushed),\n"
    "notes, a preview picture, and the stages to tick with lines for the metal issued and\n"
    "returned. SPEC.json holds the piece's fields (docs/cli.md lists them); \"-\" reads it from\n"
    "standard input.\n"
    "\n"
    "  --json-spec F  the piece's fields as a JSON object\n"
    "  -o FILE        the PDF to write (\"-\" for standard output)\n"
    "  --page P       a5 (default), a4, or label (100 x 150 mm); overrides the spec's \"page\"\n"
    "  --json         report what was written as JSON\n"
    "\n"
    "The PDF's creation date is the spec's \"created\", else $SOURCE_DATE_EPOCH, else now: the\n"
    "same spec and date give the same bytes. Exit: 0 written, 2 bad input.\n";

static const char *jtype(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER:
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "true or false";
    default: return "null";
    }
}

static lw_rc wrong(const char *field, const char *want, const json_t *v, lw_err *err)
{
    return lw_err_set(err, LW_EINVAL, "%s: expected %s, got %s", field, want, jtype(v));
}

/* An optional string member: *out stays NULL when absent or null. */
static lw_rc get_str(const json_t *o, const char *key, const char *field, const char **out,
                     lw_err *err)
{
    const json_t *v = json_object_get(o, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return LW_OK;
    if (!json_is_string(v))
        return wrong(field, "a string", v, err);
    if (strlen(json_string_value(v)) != json_string_length(v))
        return lw_err_set(err, LW_EINVAL, "%s: holds a NUL character", field);
    *out = json_string_value(v);
    return LW_OK;
}

/* A non-negative decimal as a whole number of 1/scale units, refused when it has more decimals
 * than that (a carat weight of 0.0125 is a typo, not 0.013), is negative, or exceeds max
 * units. */
static lw_rc get_fixed(const json_t *v, const char *field, double scale, int64_t max,
                       int64_t *out, lw_err *err)
{
    if (!json_is_number(v))
        return wrong(field, "a number", v, err);
    double x = json_number_value(v) * scale, r = round(x);
    if (!(x >= 0))
        return lw_err_set(err, LW_EINVAL, "%s: %g is negative", field, json_number_value(v));
    if (r > (double)max)
        return lw_err_set(err, LW_ELIMIT, "%s: %g is more than %g", field, json_number_value(v),
                          (double)max / scale);
    if (fabs(x - r) > 1e-6 * fmax(1, r))
        return lw_err_set(err, LW_EINVAL, "%s: %g has more than %d decimals", field,
                          json_number_value(v), (int)lround(log10(scale)));
    *out = (int64_t)r;
    return LW_OK;
}

/* Refuses members not in keys[0..n): a misspelt "cusomer" must not print a blank line. */
static lw_rc only(const json_t *o, const char *where, const char *const *keys, size_t n,
                  lw_err *err)
{
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)o, key, v) {
        bool known = false;
        for (size_t i = 0; i < n && !known; i++)
            known = strcmp(key, keys[i]) == 0;
        if (!known)
            return lw_err_set(err, LW_EINVAL, "%s%s%s: unknown field", where, *where ? "." : "",
                              key);
    }
    return LW_OK;
}

/* Days from 1970-01-01 to the civil date y-m-d (proleptic Gregorian), counted by whole 400-year
 * eras of 146097 days with the year starting in March, so the leap day falls last. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* "2025-03-10", "2025-03-10T09:30", "2025-03-10T09:30:00", optionally ending in "Z": a time in
 * UTC, as seconds since 1970. */
static bool parse_iso(const char *s, int64_t *out)
{
    int y, mo, d, h = 0, mi = 0, se = 0, n = 0;
    size_t len = strlen(s);
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
        return false;
    const char *p = s + n;
    if (*p == 'T' || *p == ' ') {
        int k = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &h, &mi, &k) != 2 || k != 5)
            return false;
        p += 1 + k;
        if (*p == ':') {
            if (sscanf(p + 1, "%2d%n", &se, &k) != 1 || k != 2)
                return false;
            p += 3;
        }
    }
    if (*p == 'Z')
        p++;
    if ((size_t)(p - s) != len)
        return false;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
        (mo == 2 && d == 29 && !leap) || h > 23 || mi > 59 || se > 59 || h < 0 || mi < 0 ||
        se < 0)
        return false;
    *out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
    return true;
}

/* What the spec holds beyond borrowed strings. */
typedef struct spec {
    lw_envelope e;
    lw_envelope_stone *stones; /* owned */
    char ring_label[96];
    lw_image preview;          /* owned */
    const char *page;          /* the spec's "page", borrowed */
} spec;

static lw_rc read_ring(const json_t *v, spec *sp, int *exit_code, lw_err *err)
{
    static const char *const keys[] = {"chart", "size", "circumference_mm", "label"};
    if (!json_is_object(v))
        return wrong("ring_size", "an object ({\"chart\", \"size\"} or {\"circumference_mm\"})",
                     v, err);
    lw_rc rc = only(v, "ring_size", keys, 4, err);
    const char *chart = NULL, *size = NULL, *label = NULL;
    if (!rc)
        rc = get_str(v, "chart", "ring_size.chart", &chart, err);
    if (!rc)
        rc = get_str(v, "size", "ring_size.size", &size, err);
    if (!rc)
        rc = get_str(v, "label", "ring_size.label", &label, err);
    if (rc)
        return rc;
    const json_t *circ = json_object_get(v, "circumference_mm");
    if (circ && (chart || size))
        return lw_err_set(err, LW_EINVAL, "ring_size: give either chart and size, or "
                          "circumference_mm, not both");
    if (circ) {
        int64_t cmm;
        if ((rc = get_fixed(circ, "ring_size.circumference_mm", 100,
                            (int64_t)(LW_RING_CIRC_MAX_MM * 100), &cmm, err)))
            return rc;
        if (cmm < LW_RING_CIRC_MIN_MM * 100)
            return lw_err_set(err, LW_EINVAL, "ring_size.circumference_mm: %g is less than %g "
                              "(the inner circumference, not the diameter)",
                              json_number_value(circ), LW_RING_CIRC_MIN_MM);
        sp->e.ring_circ_cmm = (lw_circ_cmm)cmm;
        sp->e.ring_label = label;
        return LW_OK;
    }
    if (!chart || !size)
        return lw_err_set(err, LW_EINVAL, "ring_size: needs chart and size (\"us\", \"7\"), or "
                          "circumference_mm");
    lw_ring_charts set;
    int e = lw_cli_load_ring_charts("envelope", &set);
    if (e) {
        lw_ring_charts_clear(&set);
        *exit_code = e;
        return LW_ENOTFOUND;
    }
    const lw_ring_chart *c;
    lw_ring_size rs;
    rc = lw_ring_charts_get(&set, chart, &c, err);
    if (!rc)
        rc = lw_ring_size_parse(c, size, &rs, err);
    if (!rc) {
        sp->e.ring_circ_cmm = rs.circ_cmm;
        if (label) {
            sp->e.ring_label = label;
        } else {
            /* The system in capitals and the size as typed: "US 7", "UK N1/2". */
            int k = snprintf(sp->ring_label, sizeof sp->ring_label, "%s ", c->system);
            for (int i = 0; i < k; i++)
                if (sp->ring_label[i] >= 'a' && sp->ring_label[i] <= 'z')
                    sp->ring_label[i] = (char)(sp->ring_label[i] - 'a' + 'A');
            snprintf(sp->ring_label + k, sizeof sp->ring_label - (size_t)k, "%s", size);
            sp->e.ring_label = sp->ring_label;
        }
    }
    lw_ring_charts_clear(&set);
    if (rc)
        lw_err_prefix(err, "ring_size");
    return rc;
}

static lw_rc read_stone(const json_t *v, size_t i, lw_envelope_stone *st, lw_err *err)
{
    static const char *const keys[] = {"stone", "cut", "size_mm", "count", "carat",
                                       "supplied_by"};
    char f[64];
    snprintf(f, sizeof f, "stones[%zu]", i);
    if (!json_is_object(v))
        return wrong(f, "an object", v, err);
    lw_rc rc = only(v, f, keys, sizeof keys / sizeof *keys, err);
    if (rc)
        return rc;
    snprintf(f, sizeof f, "stones[%zu].stone", i);
    if ((rc = get_str(v, "stone", f, &st->stone, err)))
        return rc;
    snprintf(f, sizeof f, "stones[%zu].cut", i);
    if ((rc = get_str(v, "cut", f, &st->cut, err)))
        return rc;
    const json_t *size = json_object_get(v, "size_mm");
    snprintf(f, sizeof f, "stones[%zu].size_mm", i);
    int64_t a = 0, b = 0;
    if (json_is_array(size)) {
        if (json_array_size(size) != 2)
            return lw_err_set(err, LW_EINVAL, "%s: expected [length, width]", f);
        if ((rc = get_fixed(json_array_get(size, 0), f, 100, LW_ENVELOPE_STONE_CMM_MAX, &a,
                            err)) ||
            (rc = get_fixed(json_array_get(size, 1), f, 100, LW_ENVELOPE_STONE_CMM_MAX, &b,
                            err)))
            return rc;
    } else if (size && !json_is_null(size)) {
        if (!json_is_number(size))
            return wrong(f, "a number or [length, width]", size, err);
        if ((rc = get_fixed(size, f, 100, LW_ENVELOPE_STONE_CMM_MAX, &a, err)))
            return rc;
    }
    st->length_cmm = (int32_t)a;
    st->width_cmm = (int32_t)b;
    const json_t *count = json_object_get(v, "count");
    snprintf(f, sizeof f, "stones[%zu].count", i);
    st->count = 1;
    if (count && !json_is_null(count)) {
        if (!json_is_integer(count))
            return wrong(f, "a whole number", count, err);
        json_int_t n = json_integer_value(count);
        if (n < 1 || n > LW_ENVELOPE_COUNT_MAX)
            return lw_err_set(err, LW_EINVAL, "%s: %lld is not 1 to %d", f, (long long)n,
                              LW_ENVELOPE_COUNT_MAX);
        st->count = (uint32_t)n;
    }
    const json_t *ct = json_object_get(v, "carat");
    snprintf(f, sizeof f, "stones[%zu].carat", i);
    if (ct && !json_is_null(ct) &&
        (rc = get_fixed(ct, f, 1000, LW_ENVELOPE_MCT_MAX, &st->mct_each, err)))
        return rc;
    const char *by;
    snprintf(f, sizeof f, "stones[%zu].supplied_by", i);
    if ((rc = get_str(v, "supplied_by", f, &by, err)))
        return rc;
    if (!by || strcmp(by, "studio") == 0)
        st->source = LW_ENVELOPE_STUDIO;
    else if (strcmp(by, "customer") == 0)
        st->source = LW_ENVELOPE_CUSTOMER;
    else
        return lw_err_set(err, LW_EINVAL, "%s: \"%s\" is neither \"studio\" nor \"customer\"",
                          f, by);
    return LW_OK;
}

/* The preview picture: a PNG file, a relative path taken from the spec's folder. */
static lw_rc read_preview(const char *rel, const char *spec_path, lw_image *im, lw_err *err)
{
    char path[4096];
    const char *slash = strrchr(spec_path, '/');
    if (rel[0] == '/' || !slash || strcmp(spec_path, "-") == 0)
        snprintf(path, sizeof path, "%s", rel);
    else
        snprintf(path, sizeof path, "%.*s/%s", (int)(slash - spec_path), spec_path, rel);
    uint8_t *data;
    size_t len;
    lw_rc rc = lw_file_read(path, PREVIEW_MAX_BYTES, &data, &len, err);
    if (!rc) {
        lw_png_limits lim = {.max_width = LW_ENVELOPE_PREVIEW_MAX,
                             .max_height = LW_ENVELOPE_PREVIEW_MAX,
                             .max_image_bytes = (size_t)4 * LW_ENVELOPE_PREVIEW_MAX *
                                                LW_ENVELOPE_PREVIEW_MAX,
                             .max_runs = 1};
        rc = lw_png_decode_rgba(data, len, &lim, im, err);
        lw_free(data);
    }
    if (rc)
        lw_err_prefix(err, "preview: %s", path);
    return rc;
}

static lw_rc read_spec(const json_t *root, const char *spec_path, spec *sp, int *exit_code,
                       lw_err *err)
{
    static const char *const keys[] = {
        "piece_code", "url",   "studio", "customer", "order_no", "piece_type",
        "metal",      "ring_size", "metal_estimate_g", "stones", "due", "rush",
        "notes",      "preview",   "created", "page"};
    if (!json_is_object(root))
        return wrong("the spec", "an object", root, err);
    lw_rc rc = only(root, "", keys, sizeof keys / sizeof *keys, err);
    if (rc)
        return rc;
    struct {
        const char *key;
        const char **to;
    } strs[] = {
        {"piece_code", &sp->e.piece_code}, {"url", &sp->e.url},
        {"studio", &sp->e.studio},         {"customer", &sp->e.customer},
        {"order_no", &sp->e.order_no},     {"piece_type", &sp->e.piece_type},
        {"metal", &sp->e.metal},           {"due", &sp->e.due},
        {"notes", &sp->e.notes},           {"page", &sp->page},
    };
    for (size_t i = 0; i < sizeof strs / sizeof *strs; i++)
        if ((rc = get_str(root, strs[i].key, strs[i].key, strs[i].to, err)))
            return rc;
    if (!sp->e.piece_code)
        return lw_err_set(err, LW_EINVAL, "piece_code: required");
    if (!sp->e.url)
        return lw_err_set(err, LW_EINVAL, "url: required (what the QR code opens)");
    const json_t *v = json_object_get(root, "rush");
    if (v && !json_is_null(v)) {
        if (!json_is_boolean(v))
            return wrong("rush", "true or false", v, err);
        sp->e.rush = json_is_true(v);
    }
    v = json_object_get(root, "metal_estimate_g");
    if (v && !json_is_null(v) &&
        (rc = get_fixed(v, "metal_estimate_g", 1000, LW_ENVELOPE_MG_MAX, &sp->e.metal_estimate_mg,
                        err)))
        return rc;
    v = json_object_get(root, "ring_size");
    if (v && !json_is_null(v) && (rc = read_ring(v, sp, exit_code, err)))
        return rc;
    v = json_object_get(root, "stones");
    if (v && !json_is_null(v)) {
        if (!json_is_array(v))
            return wrong("stones", "an array", v, err);
        size_t n = json_array_size(v);
        if (n > LW_ENVELOPE_STONES_MAX)
            return lw_err_set(err, LW_ELIMIT, "stones: %zu rows, more than the limit of %d", n,
                              LW_ENVELOPE_STONES_MAX);
        sp->stones = lw_calloc(n ? n : 1, sizeof *sp->stones);
        if (!sp->stones)
            return lw_err_nomem(err);
        for (size_t i = 0; i < n; i++)
            if ((rc = read_stone(json_array_get(v, i), i, &sp->stones[i], err)))
                return rc;
        sp->e.stones = sp->stones;
        sp->e.nstones = n;
    }
    v = json_object_get(root, "created");
    if (v && !json_is_null(v)) {
        if (json_is_integer(v)) {
            sp->e.created = json_integer_value(v);
        } else if (!json_is_string(v)) {
            return wrong("created", "a date (\"2025-03-10T09:30:00Z\") or seconds since 1970",
                         v, err);
        } else if (!parse_iso(json_string_value(v), &sp->e.created)) {
            return lw_err_set(err, LW_EINVAL, "created: \"%s\" is not a date such as "
                              "\"2025-03-10\" or \"2025-03-10T09:30:00Z\"", json_string_value(v));
        }
    } else {
        /* The reproducible-builds convention, so a script gets the same bytes every run. */
        const char *sde = getenv("SOURCE_DATE_EPOCH");
        int64_t t;
        const char *stop;
        if (sde && *sde && lw_parse_i64(sde, sde + strlen(sde), &t, &stop) &&
            stop == sde + strlen(sde))
            sp->e.created = t;
        else
            sp->e.created = (int64_t)time(NULL);
    }
    const char *pv;
    if ((rc = get_str(root, "preview", "preview", &pv, err)))
        return rc;
    if (pv) {
        if ((rc = read_preview(pv, spec_path, &sp->preview, err)))
            return rc;
        sp->e.preview = &sp->preview;
    }
    return LW_OK;
}

int lw_cmd_envelope(int argc, char **argv)
{
    lw_opt opts[] = {{"json-spec", true}, {"o", true}, {"page", true}, {"json", false},
                     {"help", false}};
    lw_args args;
    int e = lw_cli_begin("envelope", argc, argv, opts, sizeof opts / sizeof *opts, k_help, 0, 0,
                         &args);
    if (e >= 0)
        return e;
    if (!opts[0].present || !opts[1].present)
        return lw_cli_fail("envelope", LW_EXIT_USAGE, "--json-spec and -o are required (see "
                           "lostwax envelope --help)");
    const char *spec_path = opts[0].value, *out_path = opts[1].value;
    lw_err err;
    lw_err_clear(&err);
    uint8_t *data = NULL;
    size_t len = 0;
    lw_rc rc = lw_file_read(spec_path, SPEC_MAX_BYTES, &data, &len, &err);
    if (rc)
        return lw_cli_fail("envelope", lw_cli_exit_for(rc), "%s: %s", spec_path, err.msg);
    json_error_t jerr;
    json_t *root = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, &jerr);
    lw_free(data);
    if (!root)
        return lw_cli_fail("envelope", LW_EXIT_USAGE, "%s: line %d column %d: %s", spec_path,
                           jerr.line, jerr.column, jerr.text);
    spec sp;
    memset(&sp, 0, sizeof sp);
    lw_buf pdf;
    lw_buf_init(&pdf, 0);
    int code = 0;
    rc = read_spec(root, spec_path, &sp, &code, &err);
    if (code) {
        e = code; /* the ring charts could not be read: already said */
        goto done;
    }
    lw_envelope_opts eo;
    lw_envelope_opts_default(&eo);
    const char *page = opts[2].present ? opts[2].value : sp.page;
    if (!rc && page && lw_envelope_page_parse(page, &eo.page, &err))
        rc = err.rc;
    if (!rc)
        rc = lw_envelope_pdf(&sp.e, &eo, &pdf, &err);
    if (rc) {
        e = lw_cli_fail("envelope", lw_cli_exit_for(rc), "%s: %s", spec_path, err.msg);
        goto done;
    }
    if ((rc = lw_file_write_atomic(out_path, pdf.data, pdf.len, &err))) {
        e = lw_cli_fail("envelope", lw_cli_exit_for(rc), "%s: %s", out_path, err.msg);
        goto done;
    }
    static const char *const names[] = {"a5", "a4", "label"};
    double w, h;
    lw_envelope_page_size(eo.page, &w, &h);
    if (opts[3].present) {
        json_t *o = json_object();
        lw_json_set(o, "file", json_string(out_path));
        lw_json_set(o, "piece_code", json_string(sp.e.piece_code));
        lw_json_set(o, "page", json_string(names[eo.page]));
        lw_json_set(o, "page_mm", json_pack("[f,f]", w, h));
        lw_json_set(o, "bytes", json_integer((json_int_t)pdf.len));
        lw_cli_json_print(o);
    } else if (strcmp(out_path, "-") != 0) {
        printf("wrote %s: the envelope of %s on %s (%g x %g mm), %zu bytes\n", out_path,
               sp.e.piece_code, names[eo.page], w, h, pdf.len);
    }
    e = LW_EXIT_OK;
done:
    lw_buf_clear(&pdf);
    lw_free(sp.stones);
    lw_image_clear(&sp.preview);
    json_decref(root);
    return e;
}
