/* lostwax inspect: what is in a printer file, ours or another slicer's: the screen, the layers,
 * the exposures and motion, the time it will take, and any layer as a picture. With --all every
 * layer is decoded, which proves the file is whole and measures the resin it will use. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/file.h"
#include "base/text.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/print_report.h"
#include "cli/tables.h"
#include "print/estimate.h"
#include "print/png.h"
#include "print/printfile.h"

static const char k_help[] =
    "usage: lostwax inspect FILE [--all] [--resin ID] [--layer N -o LAYER.png] [--json]\n"
    "\n"
    "Shows a printer file (SL1/SL1S, CTB, GOO/PRZ): screen, layers, exposures, motion, the\n"
    "time it states and the time lostwax's model gives for its own per-layer settings.\n"
    "\n"
    "  --all        decode every layer: checks the file is whole, measures the lit volume\n"
    "  --resin ID   weigh and price the resin with a resin of data/resins.tsv (the lit volume\n"
    "               with --all, else the volume the file states)\n"
    "  --layer N    with -o, write layer N (from 0) as a PNG\n"
    "  -o FILE      where the layer picture goes\n"
    "  --json       machine-readable output (fields in docs/cli.md)\n"
    "\n"
    "Exit: 0 done, 2 the file is unreadable or corrupt (the message says where).\n";

static json_t *motion_json(const lw_motion *m)
{
    json_t *o = json_object();
    lw_json_set(o, "lift_mm", json_real(m->lift_mm));
    lw_json_set(o, "lift_speed_mm_min", json_real(m->lift_speed));
    lw_json_set(o, "lift2_mm", json_real(m->lift2_mm));
    lw_json_set(o, "lift2_speed_mm_min", json_real(m->lift2_speed));
    lw_json_set(o, "retract_speed_mm_min", json_real(m->retract_speed));
    lw_json_set(o, "retract2_mm", json_real(m->retract2_mm));
    lw_json_set(o, "retract2_speed_mm_min", json_real(m->retract2_speed));
    lw_json_set(o, "wait_before_cure_s", json_real(m->wait_before_cure_s));
    lw_json_set(o, "wait_after_cure_s", json_real(m->wait_after_cure_s));
    lw_json_set(o, "wait_after_lift_s", json_real(m->wait_after_lift_s));
    lw_json_set(o, "light_off_s", json_real(m->light_off_s));
    return o;
}

static const char *format_title(lw_print_format f)
{
    switch (f) {
    case LW_PFMT_SL1: return "Prusa SL1";
    case LW_PFMT_CTB: return "Chitubox CTB";
    case LW_PFMT_GOO: return "Elegoo GOO";
    case LW_PFMT_NONE: break;
    }
    return "?";
}

/* Decodes every layer: the lit volume, or the first layer that does not decode. */
static int decode_all(const char *path, const lw_print_file *f, double *lit_mm3)
{
    lw_layer_img img;
    lw_layer_img_init(&img, f->h.res_x, f->h.res_y);
    double px = f->h.display_w / f->h.res_x, py = f->h.display_h / f->h.res_y, v = 0;
    lw_err err;
    lw_err_clear(&err);
    int e = 0;
    for (uint32_t i = 0; i < f->h.layer_count && !e; i++) {
        if (lw_print_file_layer(f, i, &img, &err))
            e = lw_cli_fail("inspect", LW_EXIT_USAGE, "%s: layer %u: %s", path, i, err.msg);
        else
            v += lw_layer_img_area(&img, px, py) * f->h.layer_height;
    }
    lw_layer_img_clear(&img);
    *lit_mm3 = v;
    return e;
}

static int write_layer(const char *path, const lw_print_file *f, const char *n_text,
                       const char *out)
{
    double n;
    if (!lw_parse_f64_str(n_text, &n) || n < 0 || n != floor(n) || n >= f->h.layer_count)
        return lw_cli_fail("inspect", LW_EXIT_USAGE, "--layer %s: the file has layers 0 to %u",
                           n_text, f->h.layer_count ? f->h.layer_count - 1 : 0);
    lw_layer_img img;
    lw_layer_img_init(&img, f->h.res_x, f->h.res_y);
    lw_png_enc enc;
    lw_png_enc_init(&enc);
    lw_err err;
    lw_err_clear(&err);
    const uint8_t *png;
    size_t len;
    int e = 0;
    if (lw_print_file_layer(f, (uint32_t)n, &img, &err) ||
        lw_png_encode_layer(&enc, &img, &png, &len, &err))
        e = lw_cli_fail("inspect", LW_EXIT_USAGE, "%s: layer %.0f: %s", path, n, err.msg);
    else if (lw_file_write_atomic(out, png, len, &err))
        e = lw_cli_fail("inspect", LW_EXIT_FAIL, "%s: %s", out, err.msg);
    lw_png_enc_clear(&enc);
    lw_layer_img_clear(&img);
    return e;
}

int lw_cmd_inspect(int argc, char **argv)
{
    lw_opt opts[] = {{"all", false}, {"layer", true}, {"o", true},     {"json", false},
                     {"resin", true}, {"help", false}};
    lw_args args;
    int e = lw_cli_begin("inspect", argc, argv, opts, sizeof opts / sizeof *opts, k_help, 1, 1,
                         &args);
    if (e >= 0)
        return e;
    e = 0;
    if (opts[1].present != opts[2].present)
        return lw_cli_fail("inspect", LW_EXIT_USAGE, "--layer and -o go together");
    const char *path = args.pos[0];
    lw_err err;
    lw_err_clear(&err);
    lw_resins resins;
    const lw_resin *resin = NULL;
    lw_resins_init(&resins);
    if (opts[4].present) {
        if ((e = lw_cli_load_resins("inspect", &resins)))
            return e;
        if (lw_resins_get(&resins, opts[4].value, &resin, &err)) {
            lw_resins_clear(&resins);
            return lw_cli_fail("inspect", LW_EXIT_USAGE, "--resin: %s", err.msg);
        }
    }
    lw_print_limits lim;
    lw_print_limits_default(&lim);
    lw_file_view view;
    lw_print_file f;
    if (lw_file_view_open(path, lim.max_file_bytes, &view, &err)) {
        lw_resins_clear(&resins);
        return lw_cli_fail("inspect", lw_cli_exit_for(err.rc), "%s: %s", path, err.msg);
    }
    if (lw_print_file_open(view.data, view.len, &lim, &f, &err)) {
        lw_file_view_close(&view);
        lw_resins_clear(&resins);
        return lw_cli_fail("inspect", lw_cli_exit_for(err.rc), "%s: %s", path, err.msg);
    }
    const lw_print_header *h = &f.h;
    /* lostwax's model of the time, from the file's own per-layer settings. */
    double model = 0;
    for (uint32_t i = 0; i < h->layer_count; i++) {
        lw_layer_time t;
        lw_layer_time_of(&f.layers[i], 0, &t);
        model += t.total_s;
    }
    double lit_mm3 = -1;
    if (opts[0].present)
        e = decode_all(path, &f, &lit_mm3);
    /* With a resin: its weight and price for the lit volume (or the file's word for it). */
    lw_print_estimate est;
    lw_estimate_init(&est);
    est.layers = h->layer_count;
    est.time_s = model;
    est.volume_mm3 = lit_mm3 >= 0 ? lit_mm3 : h->volume_ml * 1000;
    lw_estimate_finish(&est, resin);
    if (!e && opts[1].present)
        e = write_layer(path, &f, opts[1].value, opts[2].value);
    if (!e && opts[3].present) {
        json_t *o = json_object();
        lw_json_set(o, "file", json_string(path));
        lw_json_set(o, "format", json_string(lw_print_format_name(h->format)));
        lw_json_set(o, "version", json_integer(h->version));
        lw_json_set(o, "resolution", json_pack("[i,i]", (json_int_t)h->res_x,
                                               (json_int_t)h->res_y));
        lw_json_set(o, "display_mm", json_pack("[f,f]", h->display_w, h->display_h));
        lw_json_set(o, "machine_z_mm", json_real(h->machine_z));
        lw_json_set(o, "mirror", json_pack("{s:b,s:b}", "x", h->mirror_x, "y", h->mirror_y));
        lw_json_set(o, "layer_height_mm", json_real(h->layer_height));
        lw_json_set(o, "layers", json_integer(h->layer_count));
        lw_json_set(o, "bottom_layers", json_integer(h->bottom_layers));
        lw_json_set(o, "transition_layers", json_integer(h->transition_layers));
        lw_json_set(o, "exposure_s", json_real(h->exposure_s));
        lw_json_set(o, "bottom_exposure_s", json_real(h->bottom_exposure_s));
        lw_json_set(o, "pwm", json_integer(h->pwm));
        lw_json_set(o, "bottom_pwm", json_integer(h->bottom_pwm));
        lw_json_set(o, "aa_level", json_integer(h->aa_level));
        lw_json_set(o, "motion", json_pack("{s:o,s:o}", "normal", motion_json(&h->normal),
                                           "bottom", motion_json(&h->bottom)));
        lw_json_set(o, "print_time_s", json_real(h->print_time_s));
        lw_json_set(o, "model_time_s", json_real(model));
        lw_json_set(o, "volume_ml", json_real(h->volume_ml));
        lw_json_set(o, "weight_g", json_real(h->weight_g));
        lw_json_set(o, "cost", json_real(h->cost));
        lw_json_set(o, "machine", json_string(h->machine));
        lw_json_set(o, "material", json_string(h->material));
        lw_json_set(o, "preview_large", json_pack("[i,i]", (json_int_t)h->preview_large.width,
                                                  (json_int_t)h->preview_large.height));
        lw_json_set(o, "preview_small", json_pack("[i,i]", (json_int_t)h->preview_small.width,
                                                  (json_int_t)h->preview_small.height));
        if (lit_mm3 >= 0)
            lw_json_set(o, "lit_volume_ml", json_real(lit_mm3 / 1000));
        if (resin) {
            json_t *r = json_object();
            lw_json_set(r, "id", json_string(resin->id));
            lw_json_set(r, "from", json_string(lit_mm3 >= 0 ? "layers" : "header"));
            lw_json_set(r, "ml", json_real(est.volume_ml));
            lw_json_set(r, "g", json_real(est.weight_g));
            lw_json_set(r, "cost_minor", est.priced ? json_integer(est.cost) : json_null());
            lw_json_set(r, "currency", json_string(est.currency));
            lw_json_set(o, "resin", r);
        }
        lw_cli_json_print(o);
    } else if (!e) {
        char t1[32], t2[32];
        lw_cli_duration(h->print_time_s, t1, sizeof t1);
        lw_cli_duration(model, t2, sizeof t2);
        printf("%s: %s v%u, %u x %u px on %.2f x %.2f mm (%.1f x %.1f um)%s%s\n", path,
               format_title(h->format), h->version, h->res_x, h->res_y, h->display_w,
               h->display_h, 1000 * h->display_w / h->res_x, 1000 * h->display_h / h->res_y,
               h->mirror_x ? ", mirrored x" : "", h->mirror_y ? ", mirrored y" : "");
        if (h->machine[0])
            printf("  machine    %s\n", h->machine);
        printf("  layers     %u x %.3f mm = %.2f mm; %u bottom, %u transition\n", h->layer_count,
               h->layer_height, h->layer_count * h->layer_height, h->bottom_layers,
               h->transition_layers);
        printf("  exposure   %.2f s, bottom %.2f s; light %u, bottom %u of 255; AA %u\n",
               h->exposure_s, h->bottom_exposure_s, h->pwm, h->bottom_pwm, h->aa_level);
        printf("  motion     lift %.1f mm at %.0f mm/min, retract at %.0f mm/min; bottom lift "
               "%.1f mm at %.0f mm/min\n",
               h->normal.lift_mm + h->normal.lift2_mm, h->normal.lift_speed,
               h->normal.retract_speed, h->bottom.lift_mm + h->bottom.lift2_mm,
               h->bottom.lift_speed);
        printf("  time       %s as the file states; %s by lostwax's model of its layers\n", t1,
               t2);
        if (h->volume_ml > 0)
            printf("  resin      %.3f ml, %.3f g as the file states\n", h->volume_ml,
                   h->weight_g);
        if (lit_mm3 >= 0)
            printf("  decoded    all %u layers; lit volume %.3f ml\n", h->layer_count,
                   lit_mm3 / 1000);
        if (resin) {
            printf("  %-10s %.3f ml, %.3f g of %s", "priced", est.volume_ml, est.weight_g,
                   resin->name);
            lw_cli_cost_print(&est);
            printf(" (%s)\n", lit_mm3 >= 0 ? "the lit volume" : "the volume the file states");
        }
        if (h->preview_large.width)
            printf("  previews   %u x %u and %u x %u\n", h->preview_large.width,
                   h->preview_large.height, h->preview_small.width, h->preview_small.height);
        if (opts[1].present)
            printf("  wrote      layer %s to %s\n", opts[1].value, opts[2].value);
    }
    lw_print_file_clear(&f);
    lw_file_view_close(&view);
    lw_resins_clear(&resins);
    return e;
}
