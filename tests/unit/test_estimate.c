/* Tests of src/print/estimate: layer settings (bottom, transition, normal), the time of a layer
 * by UVtools' model against printing.md 5's profiles A (12.75 s) and B (20.3 s), whole plates
 * worked by hand, resin and cost from lit areas, and PrusaSlicer 2.5's own formula reproducing
 * its 5926.85 s for the band (printing.md 2.3). */
#include "lwtest.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/file.h"
#include "print/estimate.h"

static void near(double got, double want, const char *what)
{
    if (fabs(got - want) > 1e-9 * (fabs(want) > 1 ? fabs(want) : 1))
        fail_msg("%s: %.17g, expected %.17g", what, got, want);
}

static void load_profile(const char *id, lw_printer *p)
{
    char rel[128], name[128];
    snprintf(rel, sizeof rel, "data/printers/%s.ini", id);
    snprintf(name, sizeof name, "%s.ini", id);
    uint8_t *data;
    size_t len;
    lw_err err;
    lw_err_clear(&err);
    if (lw_file_read(lwt_source(rel), LW_PRINTER_TEXT_MAX, &data, &len, &err))
        fail_msg("%s: %s", rel, err.msg);
    lw_rc rc = lw_printer_parse((const char *)data, len, name, p, &err);
    lw_free(data);
    if (rc)
        fail_msg("%s", err.msg);
}

/* printing.md 5, profile A (UVtools' Sonic Mini 8K default): lift 5 mm at 80 mm/min, retract
 * at 150 mm/min, waits 2.5 + 1 s, exposure 3.5 s. */
static lw_motion motion_a(void)
{
    lw_motion m;
    memset(&m, 0, sizeof m);
    m.lift_mm = 5, m.lift_speed = 80;
    m.retract_mm = 5, m.retract_speed = 150;
    m.wait_before_cure_s = 2.5, m.wait_after_cure_s = 1;
    return m;
}

/* ---- one layer ---- */

static void test_profile_a(void **state)
{
    (void)state;
    lw_layer_settings ls;
    memset(&ls, 0, sizeof ls);
    ls.exposure_s = 3.5;
    ls.motion = motion_a();
    lw_layer_time t;
    lw_layer_time_of(&ls, 0, &t);
    /* up 60 x 5 / 80 = 3.75 s, down 60 x 5 / 150 = 2 s: motion 5.75 s;
     * waits 2.5 + 1 = 3.5 s; exposure 3.5 s; 5.75 + 3.5 + 3.5 = 12.75 s. */
    near(lw_motion_time(&ls.motion), 5.75, "motor");
    near(t.motion_s, 5.75, "motion");
    near(t.wait_s, 3.5, "waits");
    near(t.exposure_s, 3.5, "exposure");
    near(t.total_s, 12.75, "profile A");
}

static void test_profile_b(void **state)
{
    (void)state;
    /* Profile B, gentle castable: lift 6 mm at 50 mm/min, retract at 100, waits 3 + 1.5 s,
     * exposure 5 s. Up 60 x 6 / 50 = 7.2 s, down 60 x 6 / 100 = 3.6 s: 10.8 s; waits 4.5 s;
     * 10.8 + 4.5 + 5 = 20.3 s. */
    lw_layer_settings ls;
    memset(&ls, 0, sizeof ls);
    ls.exposure_s = 5;
    ls.motion.lift_mm = 6, ls.motion.lift_speed = 50, ls.motion.retract_speed = 100;
    ls.motion.wait_before_cure_s = 3, ls.motion.wait_after_cure_s = 1.5;
    lw_layer_time t;
    lw_layer_time_of(&ls, 0, &t);
    near(t.motion_s, 10.8, "motion");
    near(t.wait_s, 4.5, "waits");
    near(t.total_s, 20.3, "profile B");
}

static void test_two_stage_light_off_tilt(void **state)
{
    (void)state;
    /* Two stages: up 1 mm at 30 then 4 mm at 150; down 1 mm at 30 at the end, the first 4 mm
     * at 150. 60 x 1/30 + 60 x 4/150 + 60 x 1/30 + 60 x (1 + 4 - 1)/150
     * = 2 + 1.6 + 2 + 1.6 = 7.2 s. retract_mm is not consulted (the plate goes back all the
     * way), so a wrong one changes nothing. */
    lw_motion m;
    memset(&m, 0, sizeof m);
    m.lift_mm = 1, m.lift_speed = 30, m.lift2_mm = 4, m.lift2_speed = 150;
    m.retract2_mm = 1, m.retract2_speed = 30, m.retract_speed = 150, m.retract_mm = 99;
    near(lw_motion_time(&m), 7.2, "two-stage motor");
    /* A stage without a usable speed counts nothing. */
    m.lift2_speed = 0;
    near(lw_motion_time(&m), 2 + 2 + 1.6, "no lift2 speed");

    lw_layer_settings ls;
    memset(&ls, 0, sizeof ls);
    ls.exposure_s = 2;
    ls.motion = motion_a();
    ls.motion.wait_before_cure_s = ls.motion.wait_after_cure_s = 0;
    lw_layer_time t;
    /* Light-off 8 s is longer than the 5.75 s motor time: it counts; 3 s is shorter: not. */
    ls.motion.light_off_s = 8;
    lw_layer_time_of(&ls, 0, &t);
    near(t.motion_s, 8, "light-off wins");
    near(t.total_s, 10, "light-off total");
    ls.motion.light_off_s = 3;
    lw_layer_time_of(&ls, 0, &t);
    near(t.motion_s, 5.75, "motor wins");
    /* A tilting vat: its flat cycle instead of any lift, and its waits still count. */
    ls.motion.wait_after_lift_s = 1;
    lw_layer_time_of(&ls, 2.5, &t);
    near(t.motion_s, 2.5, "tilt");
    near(t.total_s, 2 + 1 + 2.5, "tilt total");
}

/* ---- settings of a job ---- */

static lw_print_settings plate_settings(void)
{
    lw_print_settings s;
    memset(&s, 0, sizeof s);
    s.layer_height = 0.05;
    s.bottom_layers = 3;
    s.transition_layers = 4;
    s.exposure_s = 3.5;
    s.bottom_exposure_s = 35;
    s.normal = motion_a();
    s.bottom = motion_a();
    s.bottom.lift_mm = 7;
    s.bottom.wait_before_cure_s = 3, s.bottom.wait_after_cure_s = 3;
    s.pwm = 200, s.bottom_pwm = 255;
    return s;
}

static void test_layer_settings(void **state)
{
    (void)state;
    lw_print_settings s = plate_settings();
    /* 3 bottom layers at 35 s, then 4 transition layers stepping by (35 - 3.5) / 5 = 6.3 s:
     * 28.7, 22.4, 16.1, 9.8; then 3.5 s. */
    static const double want[] = {35, 35, 35, 28.7, 22.4, 16.1, 9.8, 3.5, 3.5};
    for (uint32_t i = 0; i < 9; i++) {
        lw_layer_settings ls;
        lw_print_layer_settings(&s, i, &ls);
        char what[32];
        snprintf(what, sizeof what, "layer %u exposure", i);
        near(ls.exposure_s, want[i], what);
        near(ls.z, 0.05 * (i + 1), "z");
        bool bottom = i < 3;
        assert_int_equal(ls.pwm, bottom ? 255 : 200);
        near(ls.motion.lift_mm, bottom ? 7 : 5, "lift");
        near(ls.motion.wait_after_cure_s, bottom ? 3 : 1, "wait after cure");
    }
    /* Far up the plate z is still i x h + h, not a sum of 10000 roundings. */
    lw_layer_settings ls;
    lw_print_layer_settings(&s, 9999, &ls);
    assert_true(ls.z == 9999 * 0.05 + 0.05);
    /* No transition: the step is at once. */
    s.transition_layers = 0;
    lw_print_layer_settings(&s, 3, &ls);
    near(ls.exposure_s, 3.5, "no transition");
    /* A transition up (bottom exposure below the normal one) steps up evenly: 2, 3, 4, 5. */
    s.transition_layers = 3, s.bottom_exposure_s = 2, s.exposure_s = 5;
    static const double up[] = {2, 2, 2, 2.75, 3.5, 4.25, 5};
    for (uint32_t i = 0; i < 7; i++) {
        lw_print_layer_settings(&s, i, &ls);
        near(ls.exposure_s, up[i], "upward transition");
    }
}

static void test_settings_make(void **state)
{
    (void)state;
    lw_printer p;
    load_profile("elegoo-mars-4-ultra", &p);
    lw_resin r;
    memset(&r, 0, sizeof r);
    r.density = 1.09, r.exposure_s = 6.5, r.bottom_exposure_s = 25;
    lw_print_settings s;
    lw_err err;
    lw_err_clear(&err);
    /* The printer's alone. */
    assert_int_equal(lw_print_settings_make(&p, NULL, NULL, &s, &err), LW_OK);
    near(s.layer_height, 0.03, "layer");
    near(s.exposure_s, 3.5, "printer exposure");
    near(s.bottom_exposure_s, 35, "printer bottom exposure");
    assert_int_equal(s.bottom_layers, 6);
    near(s.bottom.lift_mm, 7, "bottom lift");
    near(s.normal.lift_speed, 100, "lift speed");
    /* The resin's suggestions win over the printer's; the user's over both. */
    assert_int_equal(lw_print_settings_make(&p, &r, NULL, &s, &err), LW_OK);
    near(s.exposure_s, 6.5, "resin exposure");
    near(s.bottom_exposure_s, 25, "resin bottom exposure");
    lw_print_overrides o;
    memset(&o, 0, sizeof o);
    o.exposure_s = 2.8;
    o.layer_height = 0.05;
    o.set_transition_layers = true, o.transition_layers = 4;
    assert_int_equal(lw_print_settings_make(&p, &r, &o, &s, &err), LW_OK);
    near(s.exposure_s, 2.8, "user exposure");
    near(s.bottom_exposure_s, 25, "resin bottom exposure kept");
    near(s.layer_height, 0.05, "user layer height");
    assert_int_equal(s.transition_layers, 4);
    assert_int_equal(s.bottom_layers, 6);
    /* A resin without suggestions leaves the printer's. */
    r.exposure_s = r.bottom_exposure_s = 0;
    assert_int_equal(lw_print_settings_make(&p, &r, NULL, &s, &err), LW_OK);
    near(s.exposure_s, 3.5, "no suggestion");
    /* Refusals. */
    o.layer_height = 0.045;
    assert_int_equal(lw_print_settings_make(&p, NULL, &o, &s, &err), LW_EINVAL);
    assert_non_null(strstr(err.msg, "a layer height of 0.045 mm is not one the Elegoo Mars 4 "
                                    "Ultra takes (0.02, 0.025, 0.03, 0.035, 0.04, 0.05, 0.075, "
                                    "0.1 mm)"));
    assert_true(s.layer_height == 0 && s.exposure_s == 0); /* zeroed on failure */
    memset(&o, 0, sizeof o);
    o.bottom_exposure_s = 601;
    lw_err_clear(&err);
    assert_int_equal(lw_print_settings_make(&p, NULL, &o, &s, &err), LW_EINVAL);
    assert_non_null(strstr(err.msg, "a bottom exposure of 601 s is outside (0, 600] s"));
    o.bottom_exposure_s = 0, o.exposure_s = -1;
    lw_err_clear(&err);
    assert_int_equal(lw_print_settings_make(&p, NULL, &o, &s, &err), LW_EINVAL);
    assert_non_null(strstr(err.msg, "an exposure of -1 s"));
    o.exposure_s = 0, o.set_bottom_layers = true, o.bottom_layers = 201;
    lw_err_clear(&err);
    assert_int_equal(lw_print_settings_make(&p, NULL, &o, &s, &err), LW_EINVAL);
    assert_non_null(strstr(err.msg, "201 bottom"));
}

/* ---- a whole plate ---- */

static void test_plate_time(void **state)
{
    (void)state;
    /* 100 layers: 3 bottom (35 s exposure, waits 3 + 3, lift 7 mm: 60 x 7/80 + 60 x 7/150 =
     * 5.25 + 2.8 = 8.05 s) = 3 x 49.05 = 147.15 s; 4 transition layers of 28.7 + 22.4 + 16.1
     * + 9.8 = 77 s exposure plus 4 x (3.5 + 5.75) = 37 s = 114 s; 93 normal layers of 12.75 s
     * = 1185.75 s. Total 1446.9 s. */
    lw_print_settings s = plate_settings();
    lw_print_estimate e;
    lw_err err;
    lw_err_clear(&err);
    assert_int_equal(lw_estimate_print(&s, 100, NULL, NULL, &e, &err), LW_OK);
    assert_int_equal(e.layers, 100);
    near(e.time_s, 1446.9, "plate");
    near(e.exposure_s, 3 * 35 + 77 + 93 * 3.5, "exposure part");   /* 507.5 */
    near(e.wait_s, 3 * 6 + 97 * 3.5, "wait part");                 /* 357.5 */
    near(e.motion_s, 3 * 8.05 + 97 * 5.75, "motion part");         /* 581.9 */
    near(e.exposure_s + e.wait_s + e.motion_s, e.time_s, "parts add up");
    assert_true(e.volume_mm3 == 0 && e.volume_ml == 0 && e.weight_g == 0 && !e.priced);

    /* The same by accumulation, layer by layer. */
    lw_print_estimate a;
    lw_estimate_init(&a);
    for (int i = 0; i < 100; i++)
        assert_int_equal(lw_estimate_add(&a, &s, 0, &err), LW_OK);
    lw_estimate_finish(&a, NULL);
    near(a.time_s, 1446.9, "accumulated");

    /* A tilting vat: 100 layers of exposure + 2.5 s, no waits. */
    memset(&s.normal, 0, sizeof s.normal);
    memset(&s.bottom, 0, sizeof s.bottom);
    s.tilt_s = 2.5;
    assert_int_equal(lw_estimate_print(&s, 100, NULL, NULL, &e, &err), LW_OK);
    near(e.time_s, 507.5 + 250, "tilting plate");
}

/* The band of printing.md 3 on the sm8k-like profile: 709 layers at 30 µm, 3 bottom layers at
 * 30 s, 5 transition layers, 3 s normal; UVtools' Sonic Mini 8K motion.
 *   bottom: 30 + waits 3 + 3 + motion 60 x 7/80 + 60 x 7/150 = 30 + 6 + 8.05 = 44.05 s, x 3
 *           = 132.15 s
 *   transition: 25.5 + 21 + 16.5 + 12 + 7.5 = 82.5 s exposure + 5 x (3.5 + 5.75) = 128.75 s
 *   normal: 701 x (3 + 3.5 + 5.75) = 701 x 12.25 = 8587.25 s
 *   total 8848.15 s (2.46 h); PrusaSlicer says 5926.85 s: ours is 1.49 x (printing.md: its
 *   estimate is 1.5-2 x short for LCD printers). The exposures are PrusaSlicer's exactly. */
static void test_band_on_sm8k_like(void **state)
{
    (void)state;
    lw_printer p;
    load_profile("sm8k-like", &p);
    lw_print_settings s;
    lw_err err;
    lw_err_clear(&err);
    assert_int_equal(lw_print_settings_make(&p, NULL, NULL, &s, &err), LW_OK);
    lw_print_estimate e;
    assert_int_equal(lw_estimate_print(&s, 709, NULL, NULL, &e, &err), LW_OK);
    near(e.time_s, 8848.15, "band, kinematic");
    near(e.exposure_s, 2275.5, "band exposure (PrusaSlicer's too)");
    near(e.wait_s, 3 * 6 + 706 * 3.5, "band waits");
    near(e.motion_s, 3 * 8.05 + 706 * 5.75, "band motion");
}

/* Resin from lit areas: volume = sum of area x layer height. */
static void test_resin_and_cost(void **state)
{
    (void)state;
    lw_print_settings s = plate_settings();
    s.layer_height = 0.025;
    lw_resin r;
    memset(&r, 0, sizeof r);
    r.density = 1.09;
    r.price_per_litre = 15990; /* 159.90 EUR a litre */
    memcpy(r.currency, "EUR", 4);
    /* 1000 layers of 400 mm² at 25 µm: 400 x 0.025 x 1000 = 10000 mm³ = 10 ml; 10 x 1.09 =
     * 10.9 g; 10 ml of 15990 cents a litre = 159.9 cents, rounded to 160. */
    static double areas[1000];
    for (int i = 0; i < 1000; i++)
        areas[i] = 400;
    lw_print_estimate e;
    lw_err err;
    lw_err_clear(&err);
    assert_int_equal(lw_estimate_print(&s, 1000, areas, &r, &e, &err), LW_OK);
    near(e.volume_mm3, 10000, "mm3");
    near(e.volume_ml, 10, "ml");
    near(e.weight_g, 10.9, "g");
    assert_true(e.priced);
    assert_int_equal(e.cost, 160);
    assert_string_equal(e.currency, "EUR");

    /* Uneven areas: 100 + 200 + 0 + 50.5 = 350.5 mm² x 0.05 mm = 17.525 mm³ = 0.017525 ml;
     * 0.017525 x 1.09 = 0.01910225 g; 0.017525 ml at 15990 cents/l = 0.28 cents: 0. */
    static const double few[] = {100, 200, 0, 50.5};
    s.layer_height = 0.05;
    assert_int_equal(lw_estimate_print(&s, 4, few, &r, &e, &err), LW_OK);
    near(e.volume_mm3, 17.525, "mm3");
    near(e.volume_ml, 0.017525, "ml");
    near(e.weight_g, 0.01910225, "g");
    assert_int_equal(e.cost, 0);

    /* The header gets the estimate, cost in major units. */
    lw_print_header h;
    memset(&h, 0, sizeof h);
    assert_int_equal(lw_estimate_print(&s, 1000, areas, &r, &e, &err), LW_OK);
    lw_estimate_header(&e, &h);
    near(h.volume_ml, 20, "header ml"); /* 400 x 0.05 x 1000 = 20000 mm³ */
    near(h.weight_g, 21.8, "header g");
    near(h.cost, 3.20, "header cost"); /* 20 ml x 159.90 EUR/l = 3.198 -> 320 cents */
    assert_string_equal(h.currency, "EUR");
    near(h.print_time_s, e.time_s, "header time");

    /* An unpriced resin: no cost, no currency; weight still. */
    r.price_per_litre = 0;
    assert_int_equal(lw_estimate_print(&s, 4, few, &r, &e, &err), LW_OK);
    assert_false(e.priced);
    assert_int_equal(e.cost, 0);
    assert_string_equal(e.currency, "");
    near(e.weight_g, 0.01910225, "unpriced g");

    /* A bad area is refused, naming the layer, and the estimate keeps what it had. */
    static const double bad[] = {1, 2, 3, -4};
    lw_err_clear(&err);
    assert_int_equal(lw_estimate_print(&s, 4, bad, &r, &e, &err), LW_EINVAL);
    assert_non_null(strstr(err.msg, "layer 3: a lit area of -4 mm² is not an area"));
    assert_int_equal(e.layers, 0);
    lw_print_estimate a;
    lw_estimate_init(&a);
    assert_int_equal(lw_estimate_add(&a, &s, 5, &err), LW_OK);
    lw_err_clear(&err);
    assert_int_equal(lw_estimate_add(&a, &s, NAN, &err), LW_EINVAL);
    assert_non_null(strstr(err.msg, "layer 1"));
    assert_int_equal(a.layers, 1);
    near(a.volume_mm3, 0.25, "unchanged");
    lw_err_clear(&err);
    assert_int_equal(lw_estimate_add(&a, &s, INFINITY, &err), LW_EINVAL);
}

static void test_settings_header(void **state)
{
    (void)state;
    lw_printer p;
    load_profile("phrozen-sonic-mini-8k-s", &p);
    lw_print_settings s;
    lw_err err;
    lw_err_clear(&err);
    assert_int_equal(lw_print_settings_make(&p, NULL, NULL, &s, &err), LW_OK);
    lw_print_header h;
    memset(&h, 0, sizeof h);
    h.format = LW_PFMT_GOO;
    h.layer_count = 42;
    lw_print_settings_header(&s, &p, &h);
    assert_int_equal(h.format, LW_PFMT_GOO); /* left alone */
    assert_int_equal(h.layer_count, 42);
    assert_int_equal(h.res_x, 7536);
    assert_int_equal(h.res_y, 3240);
    near(h.display_w, 165.792, "w");
    near(h.machine_z, 170, "z");
    assert_true(h.mirror_x && !h.mirror_y);
    assert_string_equal(h.machine, "Sonic Mini 8K S");
    near(h.layer_height, 0.03, "layer");
    assert_int_equal(h.bottom_layers, 6);
    near(h.bottom_exposure_s, 35, "bottom exposure");
    near(h.bottom.lift_mm, 7, "bottom lift");
    near(h.normal.lift_speed, 100, "lift speed");
    assert_int_equal(h.pwm, 255);
}

/* ---- PrusaSlicer 2.5's formula ---- */

static lw_ps_params band_params(void)
{
    /* The shared profile phrozen_sm8k_sla.ini: exposure 3, initial 30, 5 faded layers, fast
     * tilt 5, slow 8, area_fill 50, 165 x 71.28 mm, 30 µm; PrusaSlicer's high-viscosity 10. */
    lw_ps_params p;
    memset(&p, 0, sizeof p);
    p.exposure_s = 3, p.initial_exposure_s = 30, p.faded_layers = 5;
    p.fast_tilt_s = 5, p.slow_tilt_s = 8, p.high_viscosity_tilt_s = 10;
    p.area_fill_pct = 50, p.display_w = 165, p.display_h = 71.28;
    p.layer_height = 0.03;
    p.speed = LW_PS_FAST;
    return p;
}

static void test_prusaslicer_band(void **state)
{
    (void)state;
    lw_ps_params p = band_params();
    /* printing.md 2.3: exposure 3 x 30 + (25.5 + 21 + 16.5 + 12 + 7.5 + 3) + 700 x 3 = 2275.5 s;
     * tilt 709 x 5 = 3545 s; tower 709 x 5 x 0.03 = 106.35 s; total 5926.85 s, its printTime. */
    uint32_t slow = 99;
    double t = lw_estimate_prusaslicer(&p, 709, NULL, &slow);
    if (fabs(t - 5926.85) > 1e-6)
        fail_msg("PrusaSlicer's band: %.9f s, its printTime 5926.85", t);
    assert_int_equal(slow, 0);

    /* Layers lighting more than half the 11761.2 mm² screen are slow: tilt 8 instead of 5 and
     * 1 s more, so 10 of them add 40 s. 5880.6 mm² exactly is still fast. */
    static double areas[709];
    for (int i = 0; i < 709; i++)
        areas[i] = i < 10 ? 6000 : i == 10 ? 165 * 71.28 * 0.5 : 20;
    t = lw_estimate_prusaslicer(&p, 709, areas, &slow);
    assert_int_equal(slow, 10);
    near(t, 5926.85 + 40, "slow layers");
    /* Slow material: every layer tilts 8 s and waits 3 s more: + 709 x 6 = 4254 s. */
    p.speed = LW_PS_SLOW;
    near(lw_estimate_prusaslicer(&p, 709, NULL, NULL), 5926.85 + 4254, "slow material");
    /* High viscosity: 10 s tilt and 3.5 s: + 709 x 8.5 = 6026.5 s. */
    p.speed = LW_PS_HIGH_VISCOSITY;
    near(lw_estimate_prusaslicer(&p, 709, areas, NULL), 5926.85 + 6026.5, "viscous");
    /* Fewer layers than the fade: 5 layers = 3 x 30 + 25.5 + 21 + 5 x 5.15. */
    p.speed = LW_PS_FAST;
    near(lw_estimate_prusaslicer(&p, 5, NULL, NULL), 90 + 46.5 + 25.75, "short job");
    near(lw_estimate_prusaslicer(&p, 0, NULL, NULL), 0, "no layers");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_profile_a),
        cmocka_unit_test(test_profile_b),
        cmocka_unit_test(test_two_stage_light_off_tilt),
        cmocka_unit_test(test_layer_settings),
        cmocka_unit_test(test_settings_make),
        cmocka_unit_test(test_plate_time),
        cmocka_unit_test(test_band_on_sm8k_like),
        cmocka_unit_test(test_resin_and_cost),
        cmocka_unit_test(test_settings_header),
        cmocka_unit_test(test_prusaslicer_band),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
