/* lostwax plate: the night's pieces arranged on a printer's build plate, saved as a 3MF that
 * slicers open, with a picture of the plate seen from above. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/file.h"
#include "base/text.h"
#include "cli/args.h"
#include "cli/arrange.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/print_report.h"
#include "cli/tables.h"
#include "print/plate_png.h"

static const char k_help[] =
    "usage: lostwax plate --printer NAME FILE[:COPIES]... -o PLATE.3mf [--png PLATE.png]\n"
    "                     [--gap MM] [--lift MM] [--tilt FILE=DEG,...] [--resin ID] [--units UNIT]\n"
    "                     [--json]\n"
    "\n"
    "Arranges the pieces on the printer's plate: each FILE (STL, OBJ, 3MF) COPIES times, turned\n"
    "about Z to pack tighter, a gap between them; as drawn unless --tilt turns a file about X.\n"
    "Says what did not fit. The plate is written as 3MF (one object per file, one build item\n"
    "per piece placed) and, with --png, as a picture from above with every piece named.\n"
    "Estimates the print before slicing: the time from the layers the tallest piece needs, the\n"
    "resin from the pieces' volumes (supports not included; lostwax slice measures it exactly).\n"
    "\n"
    "  --printer NAME  a profile of data/printers (e.g. phrozen-sonic-mini-8k-s)\n"
    "  --gap MM        free space between pieces (default 2)\n"
    "  --lift MM       raise every piece so its lowest point is this high (room for supports)\n"
    "  --tilt F=DEG    turn file F about X by DEG degrees first (rings print well at 30-45)\n"
    "  --resin ID      a resin of data/resins.tsv: its exposures, density and price\n"
    "\n"
    "Exit: 0 all placed, 1 some pieces did not fit (the plate holds the rest), 2 bad input.\n";

/* The print before it is sliced: every layer up to the tallest piece timed as the printer
 * will, the resin as the pieces' own volume (their union where shells overlap). */
static int plate_estimate(const lw_cli_plate *p, const lw_printer *pr, const lw_resin *resin,
                          lw_print_estimate *est)
{
    lw_err err;
    lw_err_clear(&err);
    lw_print_settings s;
    if (lw_print_settings_make(pr, resin, NULL, &s, &err))
        return lw_cli_fail("plate", LW_EXIT_USAGE, "%s", err.msg);
    double top = 0, volume = 0;
    for (size_t i = 0; i < p->nplaced; i++) {
        lw_bbox b = lw_mesh_bbox(&p->placed[i]);
        if (!lw_bbox_is_empty(&b))
            top = fmax(top, b.max[2]);
    }
    for (size_t k = 0; k < p->plate.nitems; k++)
        if (p->plate.items[k].status == LW_PLATE_PLACED)
            volume += fabs(lw_cli_mesh_volume(&p->files[p->plate.items[k].part]));
    double n = lw_print_layer_count(top, s.layer_height);
    if (!(n >= 0 && n <= 1e6))
        return lw_cli_fail("plate", LW_EXIT_USAGE, "%.1f mm tall: too many layers", top);
    if (lw_estimate_print(&s, (uint32_t)n, NULL, NULL, est, &err))
        return lw_cli_fail("plate", LW_EXIT_FAIL, "%s", err.msg);
    est->volume_mm3 = volume;
    lw_estimate_finish(est, resin);
    return 0;
}

static int parse_mm(const char *opt, const char *v, double *out)
{
    if (!lw_parse_f64_str(v, out) || *out < 0 || *out > 100)
        return lw_cli_fail("plate", LW_EXIT_USAGE, "--%s %s: a length of 0 to 100 mm", opt, v);
    return 0;
}

int lw_cmd_plate(int argc, char **argv)
{
    lw_opt opts[] = {{"printer", true}, {"o", true},    {"png", true},  {"gap", true},
                     {"lift", true},    {"tilt", true}, {"units", true}, {"json", false},
                     {"resin", true},   {"help", false}};
    lw_args args;
    int e = lw_cli_begin("plate", argc, argv, opts, sizeof opts / sizeof *opts, k_help, 1,
                         LW_MAX_POSITIONAL, &args);
    if (e >= 0)
        return e;
    if (!opts[0].present || !opts[1].present)
        return lw_cli_fail("plate", LW_EXIT_USAGE, "--printer and -o are required (see "
                           "lostwax plate --help)");
    lw_cli_plate_opts po = {.gap = -1, .lift = -1, .tilts = opts[5].value};
    lw_err err;
    lw_err_clear(&err);
    if ((opts[3].present && (e = parse_mm("gap", opts[3].value, &po.gap))) ||
        (opts[4].present && (e = parse_mm("lift", opts[4].value, &po.lift))))
        return e;
    if (opts[6].present && lw_units_parse(opts[6].value, &po.units, &err))
        return lw_cli_fail("plate", LW_EXIT_USAGE, "--units: %s", err.msg);
    lw_printer pr;
    if ((e = lw_cli_load_printer("plate", opts[0].value, &pr)))
        return e;
    lw_resins resins;
    const lw_resin *resin = NULL;
    lw_cli_plate p;
    memset(&p, 0, sizeof p);
    lw_plate_init(&p.plate);
    lw_buf tmf, png, report;
    lw_buf_init(&tmf, 0);
    lw_buf_init(&png, 0);
    lw_buf_init(&report, 0);
    lw_resins_init(&resins);
    if (opts[8].present) {
        if ((e = lw_cli_load_resins("plate", &resins)))
            goto done;
        if (lw_resins_get(&resins, opts[8].value, &resin, &err)) {
            e = lw_cli_fail("plate", LW_EXIT_USAGE, "--resin: %s", err.msg);
            goto done;
        }
    }
    if ((e = lw_cli_plate_build("plate", args.pos, (size_t)args.npos, &pr, &po, &p)))
        goto done;
    if (p.nplaced == 0) {
        lw_plate_report(&p.plate, p.parts, p.nfiles, &report);
        fputs((const char *)report.data, stderr);
        e = lw_cli_fail("plate", LW_EXIT_FAIL, "nothing fits on the %s's plate", pr.name);
        goto done;
    }
    lw_print_estimate est;
    if ((e = plate_estimate(&p, &pr, resin, &est)))
        goto done;
    if (lw_plate_write_3mf(&p.plate, p.parts, p.nfiles, &tmf, &err) ||
        lw_file_write_atomic(opts[1].value, tmf.data, tmf.len, &err)) {
        e = lw_cli_fail("plate", lw_cli_exit_for(err.rc), "%s: %s", opts[1].value, err.msg);
        goto done;
    }
    if (opts[2].present) {
        lw_plate_png_opts pngo;
        lw_plate_png_opts_default(&pngo);
        if (lw_plate_png(&p.plate, p.parts, p.nfiles, &pngo, &png, &err) ||
            lw_file_write_atomic(opts[2].value, png.data, png.len, &err)) {
            e = lw_cli_fail("plate", lw_cli_exit_for(err.rc), "%s: %s", opts[2].value, err.msg);
            goto done;
        }
    }
    if (opts[7].present) {
        json_t *o = json_object(), *arr = json_array();
        lw_json_set(o, "printer", json_string(pr.id));
        lw_json_set(o, "plate", json_string(opts[1].value));
        lw_json_set(o, "pieces", json_integer((json_int_t)p.plate.nitems));
        lw_json_set(o, "placed", json_integer((json_int_t)p.plate.placed));
        lw_json_set(o, "too_big", json_integer((json_int_t)p.plate.too_big));
        lw_json_set(o, "no_room", json_integer((json_int_t)p.plate.no_room));
        lw_json_set(o, "layers", json_integer(est.layers));
        lw_cli_estimate_json(o, &est, resin);
        for (size_t k = 0; k < p.plate.nitems; k++) {
            const lw_plate_item *it = &p.plate.items[k];
            json_t *j = json_object();
            lw_json_set(j, "part", json_string(p.part_names[it->part]));
            lw_json_set(j, "copy", json_integer(it->copy));
            lw_json_set(j, "placed", json_boolean(it->status == LW_PLATE_PLACED));
            if (it->status == LW_PLATE_PLACED) {
                lw_json_set(j, "rotation_deg", json_real(it->rot_deg));
                lw_json_set(j, "bbox_mm", lw_json_bbox(&it->box));
            } else {
                lw_json_set(j, "reason", json_string(it->status == LW_PLATE_TOO_BIG
                                                         ? "too big for the plate"
                                                         : it->status == LW_PLATE_NO_ROOM
                                                               ? "no room left"
                                                               : "empty mesh"));
            }
            json_array_append_new(arr, j);
        }
        lw_json_set(o, "items", arr);
        lw_cli_json_print(o);
    } else {
        if (lw_plate_report(&p.plate, p.parts, p.nfiles, &report) == LW_OK && report.data)
            fputs((const char *)report.data, stdout);
        printf("estimate before slicing, supports not included:\n");
        printf("  layers     %u\n", est.layers);
        lw_cli_estimate_print(&est, resin);
        printf("wrote %s%s%s\n", opts[1].value, opts[2].present ? " and " : "",
               opts[2].present ? opts[2].value : "");
    }
    e = p.plate.placed < p.plate.nitems ? LW_EXIT_FAIL : LW_EXIT_OK;
done:
    lw_buf_clear(&tmf);
    lw_buf_clear(&png);
    lw_buf_clear(&report);
    lw_cli_plate_clear(&p);
    lw_resins_clear(&resins);
    return e;
}
