/* lostwax plate: the night's pieces arranged on a printer's build plate, saved as a 3MF that
 * slicers open, with a picture of the plate seen from above. */
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/file.h"
#include "base/text.h"
#include "cli/args.h"
#include "cli/arrange.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/tables.h"
#include "print/plate_png.h"

static const char k_help[] =
    "usage: lostwax plate --printer NAME FILE[:COPIES]... -o PLATE.3mf [--png PLATE.png]\n"
    "                     [--gap MM] [--lift MM] [--tilt FILE=DEG,...] [--units UNIT] [--json]\n"
    "\n"
    "Arranges the pieces on the printer's plate: each FILE (STL, OBJ, 3MF) COPIES times, turned\n"
    "about Z to pack tighter, a gap between them; as drawn unless --tilt turns a file about X.\n"
    "Says what did not fit. The plate is written as 3MF (one object per file, one build item\n"
    "per piece placed) and, with --png, as a picture from above with every piece named.\n"
    "\n"
    "  --printer NAME  a profile of data/printers (e.g. phrozen-sonic-mini-8k-s)\n"
    "  --gap MM        free space between pieces (default 2)\n"
    "  --lift MM       raise every piece so its lowest point is this high (room for supports)\n"
    "  --tilt F=DEG    turn file F about X by DEG degrees first (rings print well at 30-45)\n"
    "\n"
    "Exit: 0 all placed, 1 some pieces did not fit (the plate holds the rest), 2 bad input.\n";

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
                     {"help", false}};
    lw_args args;
    int e = lw_cli_begin("plate", argc, argv, opts, 9, k_help, 1, LW_MAX_POSITIONAL, &args);
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
    lw_cli_plate p;
    e = lw_cli_plate_build("plate", args.pos, (size_t)args.npos, &pr, &po, &p);
    lw_buf tmf, png, report;
    lw_buf_init(&tmf, 0);
    lw_buf_init(&png, 0);
    lw_buf_init(&report, 0);
    if (e)
        goto done;
    if (p.nplaced == 0) {
        lw_plate_report(&p.plate, p.parts, p.nfiles, &report);
        fputs((const char *)report.data, stderr);
        e = lw_cli_fail("plate", LW_EXIT_FAIL, "nothing fits on the %s's plate", pr.name);
        goto done;
    }
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
        printf("wrote %s%s%s\n", opts[1].value, opts[2].present ? " and " : "",
               opts[2].present ? opts[2].value : "");
    }
    e = p.plate.placed < p.plate.nitems ? LW_EXIT_FAIL : LW_EXIT_OK;
done:
    lw_buf_clear(&tmf);
    lw_buf_clear(&png);
    lw_buf_clear(&report);
    lw_cli_plate_clear(&p);
    return e;
}
