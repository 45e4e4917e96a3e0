/* lostwax: layer settings, print time, resin and cost (see estimate.h; the model and its
 * sources: docs/internals/printers.md). */
#include "print/estimate.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static bool exposure_ok(double v) { return v > 0 && v <= LW_PRINTER_EXPOSURE_MAX; }

lw_rc lw_print_settings_make(const lw_printer *p, const lw_resin *r, const lw_print_overrides *o,
                             lw_print_settings *out, lw_err *err)
{
    static const lw_print_overrides none;
    if (!o)
        o = &none;
    memset(out, 0, sizeof *out);
    lw_print_settings s;
    memset(&s, 0, sizeof s);
    s.layer_height = p->layer_height;
    if (o->layer_height != 0) {
        bool listed = false;
        for (int i = 0; i < p->nlayer_heights; i++)
            if (fabs(p->layer_heights[i] - o->layer_height) <= 1e-9) {
                s.layer_height = p->layer_heights[i];
                listed = true;
            }
        if (!listed) {
            char list[160] = "";
            size_t len = 0;
            for (int i = 0; i < p->nlayer_heights && len < sizeof list; i++) {
                int w = snprintf(list + len, sizeof list - len, "%s%g", i ? ", " : "",
                                 p->layer_heights[i]);
                len += w > 0 ? (size_t)w : 0;
            }
            return lw_err_set(err, LW_EINVAL, "a layer height of %g mm is not one the %s takes "
                              "(%s mm)", o->layer_height, p->name, list);
        }
    }
    s.exposure_s = o->exposure_s != 0           ? o->exposure_s
                   : r && r->exposure_s > 0      ? r->exposure_s
                                                 : p->exposure_s;
    s.bottom_exposure_s = o->bottom_exposure_s != 0        ? o->bottom_exposure_s
                          : r && r->bottom_exposure_s > 0  ? r->bottom_exposure_s
                                                           : p->bottom_exposure_s;
    if (!exposure_ok(s.exposure_s))
        return lw_err_set(err, LW_EINVAL, "an exposure of %g s is outside (0, %g] s",
                          s.exposure_s, LW_PRINTER_EXPOSURE_MAX);
    if (!exposure_ok(s.bottom_exposure_s))
        return lw_err_set(err, LW_EINVAL, "a bottom exposure of %g s is outside (0, %g] s",
                          s.bottom_exposure_s, LW_PRINTER_EXPOSURE_MAX);
    s.bottom_layers = o->set_bottom_layers ? o->bottom_layers : p->bottom_layers;
    s.transition_layers = o->set_transition_layers ? o->transition_layers : p->transition_layers;
    if (s.bottom_layers > LW_PRINTER_LAYERS_MAX || s.transition_layers > LW_PRINTER_LAYERS_MAX)
        return lw_err_set(err, LW_EINVAL, "%u bottom and %u transition layers: at most %d each",
                          s.bottom_layers, s.transition_layers, LW_PRINTER_LAYERS_MAX);
    s.normal = p->normal;
    s.bottom = p->bottom;
    s.pwm = p->pwm;
    s.bottom_pwm = p->bottom_pwm;
    s.tilt_s = p->tilt_s;
    *out = s;
    return LW_OK;
}

double lw_print_layer_count(double top_mm, double layer_height)
{
    return floor(top_mm / layer_height + 0.5);
}

void lw_print_layer_settings(const lw_print_settings *s, uint32_t i, lw_layer_settings *out)
{
    memset(out, 0, sizeof *out);
    /* Multiplied, not summed layer by layer, so z carries one rounding, not i of them. */
    out->z = (double)i * s->layer_height + s->layer_height;
    if (i < s->bottom_layers) {
        out->exposure_s = s->bottom_exposure_s;
        out->motion = s->bottom;
        out->pwm = s->bottom_pwm;
        return;
    }
    out->motion = s->normal;
    out->pwm = s->pwm;
    uint32_t k = i - s->bottom_layers;
    if (k < s->transition_layers) {
        double step = (s->bottom_exposure_s - s->exposure_s) / (s->transition_layers + 1.0);
        out->exposure_s = s->bottom_exposure_s - step * (k + 1.0);
    } else {
        out->exposure_s = s->exposure_s;
    }
}

void lw_print_settings_header(const lw_print_settings *s, const lw_printer *p,
                              lw_print_header *h)
{
    h->res_x = p->res_x;
    h->res_y = p->res_y;
    h->display_w = p->display_w;
    h->display_h = p->display_h;
    h->machine_z = p->max_z;
    h->mirror_x = p->mirror_x;
    h->mirror_y = p->mirror_y;
    snprintf(h->machine, sizeof h->machine, "%s", p->machine);
    h->layer_height = s->layer_height;
    h->bottom_layers = s->bottom_layers;
    h->transition_layers = s->transition_layers;
    h->exposure_s = s->exposure_s;
    h->bottom_exposure_s = s->bottom_exposure_s;
    h->normal = s->normal;
    h->bottom = s->bottom;
    h->pwm = s->pwm;
    h->bottom_pwm = s->bottom_pwm;
}

/* Seconds to move mm at speed mm/min; nothing for a stage that does not move or cannot. */
static double stage(double mm, double speed)
{
    return mm > 0 && speed > 0 ? 60.0 * mm / speed : 0;
}

double lw_motion_time(const lw_motion *m)
{
    double back = m->lift_mm + m->lift2_mm - m->retract2_mm;
    return stage(m->lift_mm, m->lift_speed) + stage(m->lift2_mm, m->lift2_speed) +
           stage(m->retract2_mm, m->retract2_speed) + stage(back, m->retract_speed);
}

void lw_layer_time_of(const lw_layer_settings *ls, double tilt_s, lw_layer_time *out)
{
    const lw_motion *m = &ls->motion;
    out->exposure_s = ls->exposure_s;
    out->wait_s = m->wait_before_cure_s + m->wait_after_cure_s + m->wait_after_lift_s;
    if (tilt_s > 0) {
        out->motion_s = tilt_s;
    } else {
        double motor = lw_motion_time(m);
        out->motion_s = m->light_off_s > motor ? m->light_off_s : motor;
    }
    out->total_s = out->exposure_s + out->wait_s + out->motion_s;
}

void lw_estimate_init(lw_print_estimate *e) { memset(e, 0, sizeof *e); }

lw_rc lw_estimate_add(lw_print_estimate *e, const lw_print_settings *s, double area_mm2,
                      lw_err *err)
{
    if (!(area_mm2 >= 0 && isfinite(area_mm2)))
        return lw_err_set(err, LW_EINVAL, "layer %u: a lit area of %g mm² is not an area",
                          e->layers, area_mm2);
    lw_layer_settings ls;
    lw_print_layer_settings(s, e->layers, &ls);
    lw_layer_time t;
    lw_layer_time_of(&ls, s->tilt_s, &t);
    e->exposure_s += t.exposure_s;
    e->wait_s += t.wait_s;
    e->motion_s += t.motion_s;
    e->time_s += t.total_s;
    e->volume_mm3 += area_mm2 * s->layer_height;
    e->layers++;
    return LW_OK;
}

void lw_estimate_finish(lw_print_estimate *e, const lw_resin *r)
{
    e->volume_ml = e->volume_mm3 / 1000.0; /* 1 ml = 1 cm³ = 1000 mm³ */
    e->weight_g = r ? e->volume_ml * r->density : 0;
    e->priced = r && r->price_per_litre > 0;
    e->cost = e->priced ? lw_round_i64(e->volume_ml / 1000.0 * (double)r->price_per_litre) : 0;
    if (e->priced)
        memcpy(e->currency, r->currency, sizeof e->currency);
    else
        e->currency[0] = 0;
}

lw_rc lw_estimate_print(const lw_print_settings *s, uint32_t n, const double *areas,
                        const lw_resin *r, lw_print_estimate *out, lw_err *err)
{
    lw_print_estimate e;
    lw_estimate_init(&e);
    lw_estimate_init(out);
    for (uint32_t i = 0; i < n; i++) {
        lw_rc rc = lw_estimate_add(&e, s, areas ? areas[i] : 0, err);
        if (rc)
            return rc;
    }
    lw_estimate_finish(&e, areas ? r : NULL);
    *out = e;
    return LW_OK;
}

void lw_estimate_header(const lw_print_estimate *e, lw_print_header *h)
{
    h->print_time_s = e->time_s;
    h->volume_ml = e->volume_ml;
    h->weight_g = e->weight_g;
    h->cost = e->priced ? (double)e->cost / 100.0 : 0;
    snprintf(h->currency, sizeof h->currency, "%s", e->currency);
}

double lw_estimate_prusaslicer(const lw_ps_params *p, uint32_t n, const double *areas,
                               uint32_t *slow)
{
    /* In PrusaSlicer's order and arithmetic (SLAPrint's merge_slices_and_eval_stats, 2.5): the
     * faded exposure is one running value stepped down layer after layer, which can end a
     * rounding below the normal exposure; reproducing that keeps its printTime to the last
     * digit. */
    const double display = p->display_w * p->display_h, fill = p->area_fill_pct / 100.0;
    const double delta = (p->initial_exposure_s - p->exposure_s) / (p->faded_layers + 1.0);
    double fade = p->initial_exposure_s, total = 0;
    uint32_t nslow = 0;
    for (uint32_t i = 0; i < n; i++) {
        bool fast = !areas || areas[i] <= display * fill;
        nslow += !fast;
        double t;
        if (i < 3) {
            t = p->initial_exposure_s;
        } else if (fade > p->exposure_s) {
            fade -= delta;
            t = fade;
        } else {
            t = p->exposure_s;
        }
        t += p->speed == LW_PS_SLOW             ? p->slow_tilt_s
             : p->speed == LW_PS_HIGH_VISCOSITY ? p->high_viscosity_tilt_s
             : fast                             ? p->fast_tilt_s
                                                : p->slow_tilt_s;
        if (p->speed == LW_PS_SLOW)
            t += 3.0;
        else if (p->speed == LW_PS_HIGH_VISCOSITY)
            t += 3.5;
        else if (!fast)
            t += 1.0;
        /* PrusaSlicer adds "120 / 1000" s here, which C++ integer division makes 0. */
        t += p->layer_height * 5;
        total += t;
    }
    if (slow)
        *slow = nslow;
    return total;
}
