/* Tests of src/print/printer: every shipped profile loads and carries the figures its sources
 * give (printing.md 5 and UVtools' profiles), defaults fill what a profile leaves out, every
 * parser error names its line and key, and the resin table loads, overlays and fails cleanly. */
#include "lwtest.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h> /* qsort */
#include <string.h>

#include "base/alloc.h"
#include "base/file.h"
#include "print/printer.h"

/* ---- helpers ---- */

static lw_rc parse_text(const char *text, const char *name, lw_printer *p, lw_err *err)
{
    lw_err_clear(err);
    return lw_printer_parse(text, strlen(text), name, p, err);
}

static void parse_ok(const char *text, lw_printer *p)
{
    lw_err err;
    if (parse_text(text, "test.ini", p, &err))
        fail_msg("%s", err.msg);
}

static void load_profile(const char *id, lw_printer *p)
{
    char rel[128];
    snprintf(rel, sizeof rel, "data/printers/%s.ini", id);
    uint8_t *data;
    size_t len;
    lw_err err;
    lw_err_clear(&err);
    if (lw_file_read(lwt_source(rel), LW_PRINTER_TEXT_MAX, &data, &len, &err))
        fail_msg("%s: %s", rel, err.msg);
    char name[128];
    snprintf(name, sizeof name, "%s.ini", id);
    lw_rc rc = lw_printer_parse((const char *)data, len, name, p, &err);
    lw_free(data);
    if (rc)
        fail_msg("%s", err.msg);
}

static void near(double got, double want, const char *what)
{
    if (fabs(got - want) > 1e-9 * (fabs(want) > 1 ? fabs(want) : 1))
        fail_msg("%s: %.17g, expected %.17g", what, got, want);
}

/* A valid profile, one key a line, so a test can swap or drop one line and know its number. */
static const char *const k_base[] = {
    "name = Test printer",          /* 1 */
    "display_pixels_x = 3840",      /* 2 */
    "display_pixels_y = 2160",      /* 3 */
    "display_width = 134.4",        /* 4 */
    "display_height = 75.6",        /* 5 */
    "max_z = 130",                  /* 6 */
    "formats = ctb",                /* 7 */
    "layer_heights = 0.03, 0.05",   /* 8 */
    "layer_height = 0.05",          /* 9 */
    "bottom_layers = 6",            /* 10 */
    "exposure = 3.5",               /* 11 */
    "bottom_exposure = 35",         /* 12 */
    "lift_height = 5",              /* 13 */
    "lift_speed = 80",              /* 14 */
    "retract_speed = 150",          /* 15 */
};
enum { NBASE = sizeof k_base / sizeof k_base[0] };

/* The base with line `line` (1-based; 0 = none) replaced by `repl` (NULL: an empty line, so
 * the numbering stays), then `extra` appended as line 16 and on. */
static const char *profile(int line, const char *repl, const char *extra)
{
    static char buf[4096];
    size_t n = 0;
    for (int i = 0; i < NBASE; i++) {
        const char *l = i + 1 == line ? (repl ? repl : "") : k_base[i];
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s\n", l);
    }
    if (extra)
        snprintf(buf + n, sizeof buf - n, "%s", extra);
    return buf;
}

/* ---- shipped profiles ---- */

/* What each shipped profile must say: the screen of printing.md 5's table (UVtools' profiles),
 * the format its firmware reads, and the motion printing.md 1.1 and UVtools' profiles give. */
static const struct shipped {
    const char *id;
    uint32_t rx, ry;
    double w, h, z;
    lw_print_format f0, f1, f2;
    const char *ext;
    bool encrypted, mirror_x;
    double tilt, lift, lift_speed, retract_speed, layer;
} k_shipped[] = {
    {"phrozen-sonic-mini-8k-s", 7536, 3240, 165.792, 71.28, 170, LW_PFMT_GOO, LW_PFMT_NONE,
     LW_PFMT_NONE, "prz", false, true, 0, 5, 100, 150, 0.03},
    {"phrozen-sonic-mini-8k", 7500, 3240, 165, 71.28, 180, LW_PFMT_NONE, LW_PFMT_NONE,
     LW_PFMT_NONE, "", true, true, 0, 5, 80, 150, 0.03},
    {"phrozen-sonic-mini-4k", 3840, 2160, 134.4, 75.6, 130, LW_PFMT_CTB, LW_PFMT_NONE,
     LW_PFMT_NONE, "ctb", false, true, 0, 5, 65, 150, 0.05},
    {"elegoo-mars-4-ultra", 8520, 4320, 153.36, 77.76, 165, LW_PFMT_GOO, LW_PFMT_NONE,
     LW_PFMT_NONE, "goo", false, true, 0, 5, 100, 150, 0.03},
    {"elegoo-saturn-3-ultra", 11520, 5120, 218.88, 122.88, 260, LW_PFMT_GOO, LW_PFMT_NONE,
     LW_PFMT_NONE, "goo", false, true, 0, 7, 70, 210, 0.03},
    /* Portrait as the SL1S stores its images: 1620 wide, 2560 high (PrusaSlicer: 2560 x 1620
     * on a 128 x 81 mm screen, display_orientation = portrait). */
    {"prusa-sl1s", 1620, 2560, 81, 128, 150, LW_PFMT_SL1, LW_PFMT_NONE, LW_PFMT_NONE, "sl1s",
     false, true, 2.5, 0, 0, 0, 0.05},
    {"generic-4k-mono", 3840, 2160, 134.4, 75.6, 130, LW_PFMT_CTB, LW_PFMT_GOO, LW_PFMT_SL1,
     "ctb", false, true, 0, 5, 80, 150, 0.05},
    {"sm8k-like", 7500, 3240, 165, 71.28, 180, LW_PFMT_SL1, LW_PFMT_GOO, LW_PFMT_NONE, "sl1",
     false, false, 0, 5, 80, 150, 0.03},
};
enum { NSHIPPED = sizeof k_shipped / sizeof k_shipped[0] };

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every file in data/printers loads, and every file there is one this test knows. */
static void test_every_shipped_profile_loads(void **state)
{
    (void)state;
    char dir[4200];
    snprintf(dir, sizeof dir, "%s", lwt_source("data/printers"));
    DIR *d = opendir(dir);
    if (!d)
        fail_msg("cannot open %s", dir);
    char *names[64];
    size_t n = 0;
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        size_t len = strlen(ent->d_name);
        if (len > 4 && strcmp(ent->d_name + len - 4, ".ini") == 0 && n < 64)
            names[n++] = lw_strndup(ent->d_name, len - 4);
    }
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    assert_int_equal(n, NSHIPPED);
    for (size_t i = 0; i < n; i++) {
        lw_printer p;
        load_profile(names[i], &p);
        assert_string_equal(p.id, names[i]);
        bool known = false;
        for (int k = 0; k < NSHIPPED; k++)
            known |= strcmp(k_shipped[k].id, names[i]) == 0;
        if (!known)
            fail_msg("%s.ini: a profile this test does not check", names[i]);
        /* What any job relies on, whatever the printer. */
        double px = lw_printer_pitch_x(&p), py = lw_printer_pitch_y(&p);
        assert_true(px >= 0.005 && px <= 0.2 && py >= 0.005 && py <= 0.2);
        assert_true(p.name[0] && p.machine[0]);
        assert_true(p.exposure_s > 0 && p.bottom_exposure_s >= p.exposure_s);
        assert_true(lw_printer_aa_ok(&p, p.aa_default));
        assert_true(p.encrypted_ctb_only == (p.formats[0] == LW_PFMT_NONE));
        lw_free(names[i]);
    }
}

static void test_shipped_figures(void **state)
{
    (void)state;
    for (int k = 0; k < NSHIPPED; k++) {
        const struct shipped *s = &k_shipped[k];
        lw_printer p;
        load_profile(s->id, &p);
        assert_int_equal(p.res_x, s->rx);
        assert_int_equal(p.res_y, s->ry);
        near(p.display_w, s->w, s->id);
        near(p.display_h, s->h, s->id);
        near(p.max_z, s->z, s->id);
        assert_int_equal(p.formats[0], s->f0);
        assert_int_equal(p.formats[1], s->f1);
        assert_int_equal(p.formats[2], s->f2);
        assert_int_equal(p.formats[3], LW_PFMT_NONE);
        assert_string_equal(p.file_ext, s->ext);
        assert_int_equal(p.encrypted_ctb_only, s->encrypted);
        assert_int_equal(p.mirror_x, s->mirror_x);
        assert_false(p.mirror_y);
        near(p.tilt_s, s->tilt, s->id);
        near(p.normal.lift_mm, s->lift, s->id);
        near(p.normal.lift_speed, s->lift_speed, s->id);
        near(p.normal.retract_speed, s->retract_speed, s->id);
        /* The plate goes back down the whole lift. */
        near(p.normal.retract_mm, s->lift, s->id);
        near(p.layer_height, s->layer, s->id);
    }
}

/* Pitches from printing.md 5's table: 22 µm (Sonic Mini 8K, 8K S), 35 µm (4K), 18 µm (Mars 4
 * Ultra), 19 x 24 µm (Saturn 3 Ultra), 50 µm (SL1S). */
static void test_shipped_pitch(void **state)
{
    (void)state;
    static const struct { const char *id; double px, py; } k[] = {
        {"phrozen-sonic-mini-8k-s", 0.022, 0.022}, {"phrozen-sonic-mini-8k", 0.022, 0.022},
        {"phrozen-sonic-mini-4k", 0.035, 0.035},   {"elegoo-mars-4-ultra", 0.018, 0.018},
        {"elegoo-saturn-3-ultra", 0.019, 0.024},   {"prusa-sl1s", 0.05, 0.05},
    };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        lw_printer p;
        load_profile(k[i].id, &p);
        near(lw_printer_pitch_x(&p), k[i].px, k[i].id);
        near(lw_printer_pitch_y(&p), k[i].py, k[i].id);
    }
}

/* The benchmark profile is exactly the shared PrusaSlicer test profile's screen and exposure
 * (phrozen_sm8k_sla.ini): 7500 x 3240 px, 165 x 71.28 mm, unmirrored, 30 µm, 3 s / 30 s, 5
 * faded layers after PrusaSlicer's 3 initial ones. */
static void test_sm8k_like(void **state)
{
    (void)state;
    lw_printer p;
    load_profile("sm8k-like", &p);
    assert_int_equal(p.res_x, 7500);
    assert_int_equal(p.res_y, 3240);
    assert_true(p.display_w == 165 && p.display_h == 71.28);
    assert_false(p.mirror_x || p.mirror_y);
    assert_true(p.layer_height == 0.03);
    assert_true(p.exposure_s == 3 && p.bottom_exposure_s == 30);
    assert_int_equal(p.bottom_layers, 3);
    assert_int_equal(p.transition_layers, 5);
    assert_true(lw_printer_takes(&p, LW_PFMT_SL1) && lw_printer_takes(&p, LW_PFMT_GOO));
    assert_false(lw_printer_takes(&p, LW_PFMT_CTB) || lw_printer_takes(&p, LW_PFMT_NONE));
    assert_int_equal(p.aa_default, 16);
    /* UVtools' Sonic Mini 8K motion (printing.md 1.1). */
    assert_true(p.normal.lift_mm == 5 && p.normal.lift_speed == 80);
    assert_true(p.bottom.lift_mm == 7 && p.bottom.lift_speed == 80);
    assert_true(p.normal.retract_speed == 150 && p.bottom.retract_speed == 150);
    assert_true(p.normal.wait_before_cure_s == 2.5 && p.normal.wait_after_cure_s == 1);
    assert_true(p.bottom.wait_before_cure_s == 3 && p.bottom.wait_after_cure_s == 3);
}

/* The encrypted-CTB printer takes nothing lostwax writes and says why. */
static void test_encrypted_ctb_printer(void **state)
{
    (void)state;
    lw_printer p;
    load_profile("phrozen-sonic-mini-8k", &p);
    assert_true(p.encrypted_ctb_only);
    assert_false(lw_printer_takes(&p, LW_PFMT_CTB) || lw_printer_takes(&p, LW_PFMT_SL1) ||
                 lw_printer_takes(&p, LW_PFMT_GOO));
    assert_non_null(strstr(p.note, "encrypted CTB"));
    assert_non_null(strstr(p.note, "Chitubox"));
    /* The continued note is joined with single spaces. */
    assert_non_null(strstr(p.note, "lostwax does not hold."));
}

/* ---- defaults ---- */

static void test_defaults(void **state)
{
    (void)state;
    lw_printer p;
    parse_ok(profile(0, NULL, NULL), &p);
    assert_string_equal(p.id, "test");
    assert_string_equal(p.machine, "Test printer"); /* machine = name */
    assert_string_equal(p.file_ext, "ctb");         /* as formats names it */
    assert_string_equal(p.note, "");
    assert_false(p.mirror_x || p.mirror_y || p.encrypted_ctb_only);
    assert_int_equal(p.pwm, 255);
    assert_int_equal(p.bottom_pwm, 255);
    assert_int_equal(p.transition_layers, 0);
    assert_int_equal(p.aa_levels, 1);
    assert_int_equal(p.aa_default, 1);
    assert_true(p.tilt_s == 0);
    assert_int_equal(p.nlayer_heights, 2);
    assert_true(p.layer_heights[0] == 0.03 && p.layer_heights[1] == 0.05);
    /* Bottom motion takes the normal one; the retract is the whole lift. */
    assert_true(p.bottom.lift_mm == 5 && p.bottom.lift_speed == 80);
    assert_true(p.bottom.retract_speed == 150 && p.bottom.retract_mm == 5);
    assert_true(p.normal.retract_mm == 5);
    assert_true(p.normal.lift2_mm == 0 && p.normal.wait_before_cure_s == 0);

    /* Two stages: retract = lift + lift2 - retract2 = 5 + 4 - 1.5 = 7.5; the bottom's own lift
     * (7 mm) gives its own retract 7 + 4 - 1.5 = 9.5. "prz" names GOO and the extension. */
    parse_ok(profile(7, "formats = PRZ, sl1",
                     "lift2_height = 4\nlift2_speed = 200\nretract2_height = 1.5\n"
                     "retract2_speed = 40\nbottom_lift_height = 7\npwm = 200\n"
                     "aa_levels = 2, 8, 4\ndisplay_mirror_y = true\n"),
             &p);
    assert_int_equal(p.formats[0], LW_PFMT_GOO);
    assert_int_equal(p.formats[1], LW_PFMT_SL1);
    assert_string_equal(p.file_ext, "prz");
    near(p.normal.retract_mm, 7.5, "retract");
    near(p.bottom.retract_mm, 9.5, "bottom retract");
    assert_true(p.bottom.lift2_mm == 4 && p.bottom.retract2_speed == 40);
    assert_int_equal(p.bottom_pwm, 200);
    assert_int_equal(p.aa_levels, 2 | 4 | 8);
    assert_int_equal(p.aa_default, 8); /* the highest */
    assert_true(lw_printer_aa_ok(&p, 4) && !lw_printer_aa_ok(&p, 1) && !lw_printer_aa_ok(&p, 3));
    assert_true(p.mirror_y);

    /* A tilting vat needs no lifts. CRLF line ends, blanks, comments. */
    static const char tilt[] =
        "# a tilting printer\r\n\r\n  name\t=  Tilt  \r\ndisplay_pixels_x = 2560\r\n"
        "display_pixels_y = 1440\r\ndisplay_width = 120.96\r\ndisplay_height = 68.04\r\n"
        "max_z = 150\r\nformats = sl1\r\nlayer_heights = 0.05\r\nlayer_height = 0.05\r\n"
        "bottom_layers = 3\r\nexposure = 8\r\nbottom_exposure = 35\r\ntilt_time = 5";
    parse_ok(tilt, &p);
    assert_string_equal(p.name, "Tilt");
    assert_true(p.tilt_s == 5 && p.normal.lift_mm == 0 && p.bottom.retract_mm == 0);
    near(lw_printer_pitch_x(&p), 0.04725, "pitch");

    /* The id is the file name without directories and .ini. */
    lw_err err;
    assert_int_equal(parse_text(profile(0, NULL, NULL), "some/dir/my-printer_2.ini", &p, &err),
                     LW_OK);
    assert_string_equal(p.id, "my-printer_2");
}

/* ---- errors: each names the file, the line and the key ---- */

static void expect_error(const char *text, const char *name, lw_rc want, const char *part)
{
    lw_printer p;
    lw_err err;
    memset(&p, 0x5a, sizeof p);
    lw_rc rc = parse_text(text, name, &p, &err);
    if (rc != want)
        fail_msg("expected %s containing \"%s\", got %s: %s", lw_rc_name(want), part,
                 lw_rc_name(rc), err.msg);
    if (!strstr(err.msg, part))
        fail_msg("message \"%s\" lacks \"%s\"", err.msg, part);
    if (!strstr(err.msg, "line "))
        fail_msg("message \"%s\" names no line", err.msg);
    lw_printer zero;
    memset(&zero, 0, sizeof zero);
    assert_memory_equal(&p, &zero, sizeof p); /* nothing half-read is left */
}

static void test_errors(void **state)
{
    (void)state;
    const char *t = "t.ini";
    expect_error(profile(0, NULL, "colour = red\n"), t, LW_EFORMAT,
                 "t.ini: line 16: unknown key 'colour'");
    expect_error(profile(0, NULL, "Exposure = 3\n"), t, LW_EFORMAT,
                 "line 16: unknown key 'Exposure'");
    expect_error(profile(11, "exposure = abc", NULL), t, LW_EFORMAT,
                 "line 11: exposure 'abc' is not a number");
    expect_error(profile(11, "exposure = 3 s", NULL), t, LW_EFORMAT,
                 "line 11: exposure '3 s' is not a number");
    expect_error(profile(11, "exposure = nan", NULL), t, LW_EFORMAT,
                 "line 11: exposure 'nan' is not a number");
    expect_error(profile(11, "exposure = 0", NULL), t, LW_EFORMAT,
                 "line 11: exposure 0 must be more than 0 and at most 600");
    expect_error(profile(2, "display_pixels_x = 0", NULL), t, LW_EFORMAT,
                 "line 2: display_pixels_x 0 is outside 1 ... 32768");
    expect_error(profile(3, "display_pixels_y = 32769", NULL), t, LW_EFORMAT,
                 "line 3: display_pixels_y 32769 is outside 1 ... 32768");
    expect_error(profile(2, "display_pixels_x = 38.4", NULL), t, LW_EFORMAT,
                 "line 2: display_pixels_x '38.4' is not a whole number");
    /* 134.4 mm over 30000 pixels: 4.48 µm. */
    expect_error(profile(2, "display_pixels_x = 30000", NULL), t, LW_EFORMAT,
                 "line 4: display_width 134.4 mm over 30000 pixels is a pitch of 4.48 µm");
    expect_error(profile(5, "display_height = 500", NULL), t, LW_EFORMAT,
                 "line 5: display_height 500 mm over 2160 pixels");
    expect_error(profile(14, "lift_speed = 0", NULL), t, LW_EFORMAT,
                 "line 14: lift_speed 0 must be more than 0");
    expect_error(profile(15, "retract_speed = -150", NULL), t, LW_EFORMAT,
                 "line 15: retract_speed -150 must be more than 0");
    expect_error(profile(0, NULL, "wait_after_cure = 601\n"), t, LW_EFORMAT,
                 "line 16: wait_after_cure 601 is outside 0 ... 600");
    expect_error(profile(0, NULL, "pwm = 256\n"), t, LW_EFORMAT,
                 "line 16: pwm 256 is outside 1 ... 255");
    expect_error(profile(7, "formats = ctb, stl", NULL), t, LW_EFORMAT,
                 "line 7: formats: 'stl' is not a format lostwax writes");
    expect_error(profile(7, "formats = ctb, ctb", NULL), t, LW_EFORMAT,
                 "line 7: formats: 'ctb' names ctb twice");
    expect_error(profile(7, "formats = sl1, sl1s", NULL), t, LW_EFORMAT,
                 "line 7: formats: 'sl1s' names sl1 twice");
    expect_error(profile(7, "formats = ", NULL), t, LW_EFORMAT, "line 7: formats: empty");
    expect_error(profile(7, "formats = none, goo", NULL), t, LW_EFORMAT,
                 "line 7: formats: 'none' with formats");
    expect_error(profile(7, "formats = none", NULL), t, LW_EFORMAT,
                 "line 7: formats = none: lostwax could write nothing");
    expect_error(profile(0, NULL, "aa_levels = 1, 3\n"), t, LW_EFORMAT,
                 "line 16: aa_levels: '3' is not an anti-aliasing level (1, 2, 4, 8 or 16)");
    expect_error(profile(0, NULL, "aa_levels = 32\n"), t, LW_EFORMAT,
                 "line 16: aa_levels: '32' is not an anti-aliasing level");
    expect_error(profile(0, NULL, "aa_default = 0\n"), t, LW_EFORMAT,
                 "line 16: aa_default: '0' is not an anti-aliasing level");
    expect_error(profile(0, NULL, "aa_levels = 1, 2\naa_default = 4\n"), t, LW_EFORMAT,
                 "line 17: aa_default 4 is not one of aa_levels");
    expect_error(profile(0, NULL, "\n\nexposure = 4\n"), t, LW_EFORMAT,
                 "line 18: exposure is already set on line 11");
    expect_error(profile(11, NULL, NULL), t, LW_EFORMAT,
                 "line 15 (end): exposure is missing; it is required");
    expect_error(profile(1, NULL, NULL), t, LW_EFORMAT, "line 15 (end): name is missing");
    expect_error(profile(1, "name =", NULL), t, LW_EFORMAT, "line 1: name is empty");
    expect_error(profile(13, NULL, NULL), t, LW_EFORMAT,
                 "(end): lift_height is missing; it is required unless tilt_time is set");
    expect_error(profile(9, "layer_height = 0.04", NULL), t, LW_EFORMAT,
                 "line 9: layer_height 0.04 is not one of layer_heights (line 8)");
    expect_error(profile(8, "layer_heights = 0.05, 0.03", NULL), t, LW_EFORMAT,
                 "line 8: layer_heights must ascend (0.03 after 0.05)");
    expect_error(profile(8, "layer_heights = 0.05, 0.5", NULL), t, LW_EFORMAT,
                 "line 8: layer_heights 0.5 is outside 0.005 ... 0.3");
    expect_error(profile(8, "layer_heights = 0.01 0.02 0.03 0.04 0.05 0.06 0.07 0.08 0.09",
                         NULL), t, LW_EFORMAT, "line 8: layer_heights: more than 8");
    expect_error(profile(8, "layer_heights = ,", NULL), t, LW_EFORMAT,
                 "line 8: layer_heights: empty");
    expect_error(profile(0, NULL, "aa_levels =\n"), t, LW_EFORMAT, "line 16: aa_levels: empty");
    expect_error(profile(0, NULL, "lift2_height = 3\n"), t, LW_EFORMAT,
                 "line 16: lift2_height 3 needs lift2_speed");
    expect_error(profile(0, NULL, "bottom_retract2_height = 2\n"), t, LW_EFORMAT,
                 "line 16: bottom_retract2_height 2 needs bottom_retract2_speed");
    expect_error(profile(0, NULL, "retract2_height = 6\nretract2_speed = 30\n"), t,
                 LW_EFORMAT, "line 16: retract2_height 6 is more than the lift (5 mm)");
    /* The bottom's lift is lower than the retract2 it takes from the normal layers: the
     * message names the line the value came from. */
    expect_error(profile(13, "lift_height = 7",
                         "retract2_height = 6\nretract2_speed = 30\nbottom_lift_height = 3\n"),
                 t, LW_EFORMAT, "line 16: bottom_retract2_height 6 is more than the lift (3 mm)");
    expect_error(profile(0, NULL, "retract_height = 4\n"), t, LW_EFORMAT,
                 "line 16: retract_height 4 and retract2_height 0 must bring the plate back "
                 "the 5 mm it lifted");
    expect_error(profile(0, NULL, "encrypted_ctb_only = yes\n"), t, LW_EFORMAT,
                 "line 16: encrypted_ctb_only: a printer that takes only encrypted CTB");
    expect_error(profile(7, "formats = none", "encrypted_ctb_only = yes\n"), t, LW_EFORMAT,
                 "line 16: encrypted_ctb_only needs a note");
    expect_error(profile(0, NULL, "display_mirror_x = maybe\n"), t, LW_EFORMAT,
                 "line 16: display_mirror_x 'maybe' is not yes or no");
    expect_error(profile(0, NULL, "file_ext = .goo\n"), t, LW_EFORMAT,
                 "line 16: file_ext '.goo' must be a-z 0-9");
    expect_error(profile(0, NULL, "file_ext = toolongext\n"), t, LW_EFORMAT,
                 "line 16: file_ext must be 1-7 characters");
    expect_error(profile(0, NULL, "exposure 3\n"), t, LW_EFORMAT,
                 "line 16: expected 'key = value', found 'exposure 3'");
    expect_error(profile(0, NULL, "= 3\n"), t, LW_EFORMAT, "line 16: expected 'key = value'");
    expect_error(profile(0, NULL, "note = a\001b\n"), t, LW_EFORMAT,
                 "line 16: control character 0x01");
    expect_error(profile(1, "name = caf\xe9", NULL), t, LW_EFORMAT,
                 "line 1: name is not UTF-8 text");
    expect_error(profile(1, "name = \xc0\xaf", NULL), t, LW_EFORMAT,
                 "line 1: name is not UTF-8 text"); /* an overlong '/' */
    char longname[200];
    memset(longname, 'x', sizeof longname);
    memcpy(longname, "name = ", 7);
    longname[sizeof longname - 1] = 0;
    expect_error(profile(1, longname, NULL), t, LW_EFORMAT, "line 1: name is longer than 95");
    longname[7 + 70] = 0; /* 70 characters: a name, too long for a machine name */
    expect_error(profile(1, longname, NULL), t, LW_EFORMAT,
                 "line 1: the name is longer than a machine name may be (63 bytes)");
    expect_error(profile(0, NULL, NULL), "My Printer.ini", LW_EFORMAT,
                 "My Printer.ini: line 1: the profile's id 'My Printer'");
    expect_error(profile(0, NULL, NULL), ".ini", LW_EFORMAT, "line 1: the profile's id ''");

    /* A continued line that never ends within the 1023 bytes of a joined line. */
    static char cont[3000];
    size_t n = (size_t)snprintf(cont, sizeof cont, "%s", profile(0, NULL, "note = a \\\n"));
    for (int i = 0; i < 120; i++)
        n += (size_t)snprintf(cont + n, sizeof cont - n, "0123456789 \\\n");
    expect_error(cont, t, LW_EFORMAT, "line 16: a continued line longer than 1023 bytes");

    /* Too big to be a profile. */
    size_t big = LW_PRINTER_TEXT_MAX + 1;
    char *text = lw_malloc(big);
    assert_non_null(text);
    memset(text, '#', big);
    lw_printer p;
    lw_err err;
    lw_err_clear(&err);
    assert_int_equal(lw_printer_parse(text, big, "big.ini", &p, &err), LW_ELIMIT);
    assert_non_null(strstr(err.msg, "big.ini: 65537 bytes"));
    lw_free(text);
}

/* A value may continue over lines; a comment line ending in '\' does not continue. */
static void test_continuation(void **state)
{
    (void)state;
    lw_printer p;
    parse_ok(profile(0, NULL, "# a comment \\\nnote = one \\\n   two\\\n\tthree  \\\n"
                              "four\nmachine = M\n"),
             &p);
    assert_string_equal(p.note, "one two three four");
    assert_string_equal(p.machine, "M");
    /* The last line of the file may end in '\'. */
    parse_ok(profile(0, NULL, "note = end \\"), &p);
    assert_string_equal(p.note, "end");
    /* An error inside a continued value names its first line. */
    expect_error(profile(0, NULL, "\nwait_after_lift = \\\n 3 \\\n s\n"), "t.ini",
                 LW_EFORMAT, "line 17: wait_after_lift '3 s' is not a number");
}

/* ---- resins ---- */

static lw_rc load_shipped_resins(lw_resins *t, lw_err *err)
{
    uint8_t *data;
    size_t len;
    lw_rc rc = lw_file_read(lwt_source("data/resins.tsv"), LW_RESIN_TEXT_MAX, &data, &len, err);
    if (rc)
        return rc;
    rc = lw_resins_load(t, (const char *)data, len, "resins.tsv", err);
    lw_free(data);
    return rc;
}

/* The castable resins of printing.md 5 with trade.md 3.1's densities. */
static void test_shipped_resins(void **state)
{
    (void)state;
    lw_resins t;
    lw_resins_init(&t);
    lw_err err;
    lw_err_clear(&err);
    if (load_shipped_resins(&t, &err))
        fail_msg("%s", err.msg);
    static const struct { const char *id; double density, exp, bexp; } k[] = {
        {"bluecast-x-one", 1.09, 6.5, 25},       /* SL1S 6-7 s, initial 25 s */
        {"bluecast-phrozen-wax", 1.09, 5.3, 40}, /* SL1S 5.3 s, initial 40 s */
        {"liqcreate-wax-castable", 1.1, 3.5, 25},/* SL1S 3.5 s, initial 20-25 s */
        {"generic-castable", 1.1, 0, 0},         /* no suggestion: the printer's */
    };
    assert_int_equal(t.n, 4);
    for (size_t i = 0; i < 4; i++) {
        const lw_resin *r;
        if (lw_resins_get(&t, k[i].id, &r, &err))
            fail_msg("%s", err.msg);
        near(r->density, k[i].density, k[i].id);
        near(r->exposure_s, k[i].exp, k[i].id);
        near(r->bottom_exposure_s, k[i].bexp, k[i].id);
        assert_int_equal(r->price_per_litre, 0); /* no price in our sources */
        assert_string_equal(r->currency, "EUR");
        assert_true(r->source[0] != 0);
    }
    const lw_resin *r;
    assert_int_equal(lw_resins_get(&t, "BlueCast_X-One", &r, &err), LW_OK);
    assert_string_equal(r->id, "bluecast-x-one");
    lw_err_clear(&err);
    assert_int_equal(lw_resins_get(&t, "wax", &r, &err), LW_ENOTFOUND);
    assert_null(r);
    assert_non_null(strstr(err.msg, "no resin 'wax' (known: bluecast-x-one, "));
    lw_resins_clear(&t);
}

#define HDR "id\tname\tdensity\texposure\tbottom_exposure\tprice_per_litre\tcurrency\tsource\n"

static void resin_error(const char *row, const char *part)
{
    char text[1024];
    snprintf(text, sizeof text, HDR "ok\tOK\t1.1\t3\t30\t100\tEUR\tme\n%s\n", row);
    lw_resins t;
    lw_resins_init(&t);
    lw_err err;
    lw_err_clear(&err);
    lw_rc rc = lw_resins_load(&t, text, strlen(text), "r.tsv", &err);
    if (rc != LW_EFORMAT || !strstr(err.msg, part))
        fail_msg("expected EFORMAT \"%s\", got %s: %s", part, lw_rc_name(rc), err.msg);
    assert_int_equal(t.n, 0); /* all or nothing */
    lw_resins_clear(&t);
}

static void test_resin_errors(void **state)
{
    (void)state;
    resin_error("x\tX\tabc\t3\t30\t100\tEUR\tme", "r.tsv: line 3: density 'abc' is not a number");
    resin_error("x\tX\t7\t3\t30\t100\tEUR\tme", "line 3: density 7 of x is outside 0.5 ... 3");
    resin_error("x\tX\t1.1\t-1\t30\t100\tEUR\tme", "line 3: exposure -1 of x is outside 0");
    resin_error("x\tX\t1.1\t3\t601\t100\tEUR\tme", "line 3: bottom_exposure 601 of x");
    resin_error("x\tX\t1.1\t3\t30\t12.50\tEUR\tme",
                "line 3: price_per_litre '12.50' is not a whole number of minor units");
    resin_error("x\tX\t1.1\t3\t30\t-5\tEUR\tme", "line 3: price_per_litre -5 of x is outside");
    resin_error("x\tX\t1.1\t3\t30\t100\teur\tme", "line 3: currency 'eur' is not an ISO 4217");
    resin_error("x\tX\t1.1\t3\t30\t100\tEURO\tme", "line 3: currency 'EURO'");
    resin_error("ok\tX\t1.1\t3\t30\t100\tEUR\tme", "line 3: id ok is already on line 2");
    resin_error("X Y\tX\t1.1\t3\t30\t100\tEUR\tme", "line 3: id 'X Y' must be");
    resin_error("x\tX\t1.1\t3\t30\t100\tEUR\t", "line 3: x has no source");

    lw_resins t;
    lw_resins_init(&t);
    lw_err err;
    lw_err_clear(&err);
    static const char nocol[] = "id\tname\tdensity\tsource\nx\tX\t1\tme\n";
    assert_int_equal(lw_resins_load(&t, nocol, sizeof nocol - 1, "r.tsv", &err), LW_EFORMAT);
    assert_non_null(strstr(err.msg, "r.tsv: no column 'exposure'"));
    lw_resins_clear(&t);
}

/* A studio's table replaces a shipped row by id and adds its own; a bad one changes nothing. */
static void test_resin_overlay(void **state)
{
    (void)state;
    lw_resins t;
    lw_resins_init(&t);
    lw_err err;
    lw_err_clear(&err);
    assert_int_equal(load_shipped_resins(&t, &err), LW_OK);
    static const char studio[] = HDR "bluecast-x-one\tX-One (ours)\t1.09\t2.8\t30\t18990\tEUR\t"
                                     "our exposure test\nhouse\tHouse wax\t1.05\t2\t20\t9900\t"
                                     "CHF\tsupplier sheet\nhouse_2\tH2\t1.1\t0\t0\t0\tCHF\tx\n";
    assert_int_equal(lw_resins_load(&t, studio, sizeof studio - 1, "local.tsv", &err), LW_OK);
    assert_int_equal(t.n, 6);
    assert_string_equal(t.items[0].id, "bluecast-x-one"); /* keeps its place */
    /* An id with '_' finds itself (the table's loose match reads '_' as '-'). */
    const lw_resin *r;
    assert_int_equal(lw_resins_get(&t, "house_2", &r, &err), LW_OK);
    assert_string_equal(r->name, "H2");
    assert_int_equal(t.items[0].price_per_litre, 18990);
    assert_true(t.items[0].exposure_s == 2.8);
    assert_string_equal(t.items[4].currency, "CHF");
    static const char bad[] = HDR "house\tHouse\t1.05\t2\t20\t1\tCHF\tx\n"
                                  "new\tN\t9\t2\t2\t1\tCHF\tx\n";
    assert_int_equal(lw_resins_load(&t, bad, sizeof bad - 1, "bad.tsv", &err), LW_EFORMAT);
    assert_int_equal(t.n, 6);
    assert_int_equal(t.items[4].price_per_litre, 9900);
    lw_resins_clear(&t);
    assert_int_equal(t.n, 0);
}

static int load_resins_twice(void *ctx)
{
    (void)ctx;
    lw_resins t;
    lw_resins_init(&t);
    lw_err err;
    lw_err_clear(&err);
    lw_rc rc = load_shipped_resins(&t, &err);
    if (!rc) {
        static const char studio[] = HDR "generic-castable\tG\t1.2\t3\t30\t5000\tEUR\tme\n"
                                         "new\tN\t1.1\t3\t30\t100\tEUR\tme\n";
        size_t n = t.n;
        rc = lw_resins_load(&t, studio, sizeof studio - 1, "studio.tsv", &err);
        if (rc && t.n != n)
            fail_msg("a failed load changed the table");
    }
    lw_resins_clear(&t);
    return (int)rc;
}

static void test_resin_alloc_torture(void **state)
{
    (void)state;
    assert_true(lwt_alloc_torture(load_resins_twice, NULL) > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_shipped_profile_loads),
        cmocka_unit_test(test_shipped_figures),
        cmocka_unit_test(test_shipped_pitch),
        cmocka_unit_test(test_sm8k_like),
        cmocka_unit_test(test_encrypted_ctb_printer),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_continuation),
        cmocka_unit_test(test_shipped_resins),
        cmocka_unit_test(test_resin_errors),
        cmocka_unit_test(test_resin_overlay),
        cmocka_unit_test(test_resin_alloc_torture),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
