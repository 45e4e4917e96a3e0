/* Fuzz target: the printer-profile parser and the resin-table loader on fuzzed text, and the
 * settings and estimates made from what they accept.
 *
 * A refused profile must come back zeroed with a message naming a line; an accepted one must
 * hold what the parser promises (pitch in range, a listed layer height, a known AA default, a
 * retract that brings the plate back) and give finite, non-negative times. A refused resin
 * table must leave the loaded one as it was. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "print/estimate.h"
#include "print/printer.h"

static const char k_resins[] =
    "id\tname\tdensity\texposure\tbottom_exposure\tprice_per_litre\tcurrency\tsource\n"
    "wax\tWax\t1.1\t3\t30\t15990\tEUR\tx\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_profile(const lw_printer *p)
{
    double px = lw_printer_pitch_x(p), py = lw_printer_pitch_y(p);
    if (!(px >= LW_PRINTER_PITCH_MIN && px <= LW_PRINTER_PITCH_MAX) ||
        !(py >= LW_PRINTER_PITCH_MIN && py <= LW_PRINTER_PITCH_MAX))
        abort();
    if (!p->name[0] || !p->machine[0] || !memchr(p->note, 0, sizeof p->note) ||
        !memchr(p->file_ext, 0, sizeof p->file_ext) || p->formats[3] != LW_PFMT_NONE)
        abort();
    if (p->encrypted_ctb_only != (p->formats[0] == LW_PFMT_NONE))
        abort();
    bool listed = false;
    for (int i = 0; i < p->nlayer_heights; i++)
        listed |= fabs(p->layer_heights[i] - p->layer_height) <= 1e-9;
    if (!listed || !lw_printer_aa_ok(p, p->aa_default))
        abort();
    const lw_motion *m[2] = {&p->normal, &p->bottom};
    for (int k = 0; k < 2; k++)
        if (p->tilt_s == 0 &&
            fabs(m[k]->retract_mm + m[k]->retract2_mm - m[k]->lift_mm - m[k]->lift2_mm) > 1e-6)
            abort();
}

static void fuzz_profile(const char *text, size_t len, const lw_resin *resin)
{
    lw_printer p;
    lw_err err;
    lw_err_clear(&err);
    if (lw_printer_parse(text, len, "fuzz.ini", &p, &err)) {
        static const lw_printer zero;
        if (!err.msg[0] || (err.rc != LW_ELIMIT && !strstr(err.msg, "line ")) ||
            memcmp(&p, &zero, sizeof p) != 0)
            abort();
        return;
    }
    check_profile(&p);
    lw_print_settings s;
    if (lw_print_settings_make(&p, resin, NULL, &s, &err))
        abort(); /* a parsed profile always makes settings */
    static const double areas[] = {0, 12.5, 400, 3e4, 1e-3, 77};
    lw_print_estimate e;
    if (lw_estimate_print(&s, 6, areas, resin, &e, &err))
        abort();
    if (!(e.time_s >= 0 && isfinite(e.time_s) && e.volume_ml >= 0 && e.cost >= 0))
        abort();
    for (uint32_t i = 0; i < 6; i++) {
        lw_layer_settings ls;
        lw_print_layer_settings(&s, i * 37, &ls);
        lw_layer_time t;
        lw_layer_time_of(&ls, s.tilt_s, &t);
        if (!(ls.exposure_s > 0 && t.total_s >= ls.exposure_s && isfinite(t.total_s)))
            abort();
    }
}

static void fuzz_resins(const char *text, size_t len)
{
    lw_resins t;
    lw_resins_init(&t);
    if (lw_resins_load(&t, k_resins, strlen(k_resins), "base", NULL))
        abort();
    lw_err err;
    lw_err_clear(&err);
    if (lw_resins_load(&t, text, len, "fuzz.tsv", &err)) {
        if (!err.msg[0] || t.n != 1 || t.items[0].price_per_litre != 15990)
            abort();
    } else {
        for (size_t i = 0; i < t.n; i++) {
            const lw_resin *r = &t.items[i], *g;
            if (!(r->density >= LW_RESIN_DENSITY_MIN && r->density <= LW_RESIN_DENSITY_MAX) ||
                r->price_per_litre < 0 || strlen(r->currency) != 3 ||
                lw_resins_get(&t, r->id, &g, NULL) || g != r)
                abort();
        }
    }
    lw_resins_clear(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 2 * LW_PRINTER_TEXT_MAX)
        return 0;
    /* An exact-size copy, so reading one byte past the text is caught. */
    char *text = lw_malloc(size);
    if (!text)
        return 0;
    memcpy(text, data, size);
    lw_resin resin;
    memset(&resin, 0, sizeof resin);
    resin.density = 1.1, resin.exposure_s = 2.5, resin.price_per_litre = 15990;
    memcpy(resin.currency, "EUR", 4);
    fuzz_profile(text, size, size & 1 ? &resin : NULL);
    fuzz_resins(text, size);
    lw_free(text);
    return 0;
}
