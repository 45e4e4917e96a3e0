/* lostwax: unit parsing and plausibility of a piece's size (see mesh_units.h). */
#include "geom/mesh_units.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/text.h"

typedef struct unit_name {
    const char *name;
    double mm;
} unit_name;

static const unit_name k_units[] = {
    {"mm", 1},       {"millimeter", 1},  {"millimetre", 1},  {"millimeters", 1},
    {"millimetres", 1}, {"cm", 10},      {"centimeter", 10}, {"centimetre", 10},
    {"centimeters", 10}, {"centimetres", 10}, {"m", 1000},   {"meter", 1000},
    {"metre", 1000}, {"meters", 1000},   {"metres", 1000},   {"in", 25.4},
    {"inch", 25.4},  {"inches", 25.4},   {"\"", 25.4},       {"ft", 304.8},
    {"foot", 304.8}, {"feet", 304.8},    {"um", 0.001},      {"micron", 0.001},
    {"microns", 0.001}, {"micrometer", 0.001}, {"micrometre", 0.001}, {"\xC2\xB5m", 0.001},
};

static bool unit_by_name(const char *s, double *mm)
{
    for (size_t i = 0; i < sizeof k_units / sizeof *k_units; i++)
        if (lw_str_ieq(s, k_units[i].name)) {
            *mm = k_units[i].mm;
            return true;
        }
    return false;
}

lw_rc lw_units_parse(const char *text, double *mm_per_unit, lw_err *err)
{
    const char *end = text + strlen(text), *stop;
    double v = 1;
    if (unit_by_name(text, mm_per_unit))
        return LW_OK;
    if (lw_parse_f64(text, end, &v, &stop) && isfinite(v) && v > 0) {
        while (*stop == ' ')
            stop++;
        double unit = 1;
        if (*stop == 0 || unit_by_name(stop, &unit)) {
            *mm_per_unit = v * unit;
            if (*mm_per_unit >= 1e-6 && *mm_per_unit <= 1e6)
                return LW_OK;
        }
    }
    return lw_err_set(err, LW_EINVAL,
                      "unit '%s' not understood: use mm, cm, m, in, um, ft, or the length of one "
                      "file unit such as 0.1mm",
                      text);
}

void lw_units_name(double mm, char *buf, size_t size)
{
    static const unit_name names[] = {{"mm", 1},    {"cm", 10},    {"m", 1000},
                                      {"inch", 25.4}, {"ft", 304.8}, {"micron", 0.001}};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (fabs(mm - names[i].mm) <= 1e-12 * names[i].mm) {
            snprintf(buf, size, "%s", names[i].name);
            return;
        }
    snprintf(buf, size, "%g mm", mm);
}

void lw_units_judge(const lw_bbox *raw, double declared, double override,
                    lw_units_judgement *out)
{
    memset(out, 0, sizeof *out);
    double extent = 0;
    if (!lw_bbox_is_empty(raw))
        for (int k = 0; k < 3; k++)
            extent = fmax(extent, raw->max[k] - raw->min[k]);
    if (override > 0) {
        out->mm_per_unit = override;
        out->basis = "--units";
    } else if (declared > 0) {
        out->mm_per_unit = declared;
        out->basis = "declared by the file";
    } else {
        out->mm_per_unit = 1;
        out->basis = "assumed (the format has no unit)";
    }
    out->size_mm = extent * out->mm_per_unit;
    out->plausible = out->size_mm >= LW_JEWELLERY_MIN_MM && out->size_mm <= LW_JEWELLERY_MAX_MM;
    if (out->plausible || extent <= 0)
        return;
    /* Candidate scales are the units CAD programs draw in, and decimal slips of them (a file
     * written in tenths or hundredths of a millimetre). Pick the one that lands the piece
     * nearest 20 mm, the size of a ring, on a log scale. */
    static const double cand[] = {0.001, 0.01, 0.1, 1, 10, 25.4, 1000};
    double best = 0, best_d = INFINITY;
    for (size_t i = 0; i < sizeof cand / sizeof *cand; i++) {
        double s = extent * cand[i];
        if (s < LW_JEWELLERY_MIN_MM || s > LW_JEWELLERY_MAX_MM)
            continue;
        double d = fabs(log(s / 20.0));
        if (d < best_d) {
            best_d = d;
            best = cand[i];
        }
    }
    out->suggest = best;
    out->suggest_size = extent * best;
}
