/* lostwax slice: the night's print. The placed pieces are sliced and written as the printer's own
 * file (GOO/PRZ, CTB, SL1/SL1S), with the time, the resin and its cost, and the islands a support
 * would have to catch. Pieces come as a plate (one 3MF from lostwax plate, or any 3MF whose build
 * items are already placed) or as mesh files to arrange first. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "base/file.h"
#include "base/pool.h"
#include "base/sink.h"
#include "base/text.h"
#include "cli/args.h"
#include "cli/arrange.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/print_report.h"
#include "cli/progress.h"
#include "cli/tables.h"
#include "print/estimate.h"
#include "print/job.h"
#include "print/plate_png.h"
#include "print/png.h"

static const char k_help[] =
    "usage: lostwax slice PLATE.3mf --printer NAME -o OUT [options]\n"
    "       lostwax slice FILE[:COPIES]... --printer NAME -o OUT [options]\n"
    "\n"
    "Slices the pieces into the printer's own file. One .3mf is taken as a plate, its pieces\n"
    "where its build items place them (lostwax plate writes one); mesh files are arranged\n"
    "first, as lostwax plate does (--gap, --lift, --tilt).\n"
    "\n"
    "  --printer NAME     a profile of data/printers\n"
    "  -o OUT             the file to write; its extension picks the format unless --format does\n"
    "  --format F         goo (also for .prz), ctb or sl1 (also .sl1s)\n"
    "  --layer MM         layer height (one the printer takes; default its own)\n"
    "  --aa N             anti-aliasing levels: 1, 2, 4, 8, 16 (default the printer's)\n"
    "  --resin ID         a resin of data/resins.tsv: its exposures, density and price\n"
    "  --exposure S       normal exposure, seconds (overrides resin and printer)\n"
    "  --bottom-exposure S\n"
    "  --arrange          arrange a 3MF's pieces instead of taking them as placed\n"
    "  --threads N        worker threads (default: all processors)\n"
    "  --json             machine-readable summary (fields in docs/cli.md)\n"
    "\n"
    "Exit: 0 written, 1 the job failed, 2 bad input.\n";

typedef struct slice_opts {
    lw_printer pr;
    lw_resins resins;
    const lw_resin *resin;
    lw_print_settings settings;
    lw_print_format format;
    unsigned aa;
    unsigned threads;
} slice_opts;

static int number(const char *opt, const char *v, double lo, double hi, double *out)
{
    if (!lw_parse_f64_str(v, out) || *out < lo || *out > hi)
        return lw_cli_fail("slice", LW_EXIT_USAGE, "--%s %s: a number from %g to %g", opt, v, lo,
                           hi);
    return 0;
}

static lw_print_format format_of(const char *out)
{
    char ext[16];
    lw_path_ext(out, ext, sizeof ext);
    return lw_print_format_parse(ext);
}

/* Job name for SL1: the output file's stem with anything but [A-Za-z0-9_-] replaced by '_'. */
static void job_name(const char *out, char *buf, size_t size)
{
    const char *base = lw_path_base(out), *dot = strrchr(base, '.');
    size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base), k = 0;
    for (size_t i = 0; i < n && k + 1 < size; i++) {
        char c = base[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-';
        buf[k++] = ok ? c : '_';
    }
    buf[k] = 0;
    if (!k)
        snprintf(buf, size, "lostwax");
}

/* The pieces of a plate 3MF: each build item (a part of the import) as its own mesh. */
static int plate_parts(const char *path, double units, lw_cli_mesh *file, lw_mesh **meshes,
                       size_t *n)
{
    int e = lw_cli_mesh_load("slice", path, units, false, file);
    if (e)
        return e;
    uint32_t nparts = file->imp.nparts ? file->imp.nparts : 1;
    *meshes = lw_calloc(nparts, sizeof **meshes);
    if (!*meshes)
        return lw_cli_fail("slice", LW_EXIT_FAIL, "out of memory");
    for (uint32_t p = 0; p < nparts; p++) {
        if (lw_mesh_extract_part(&file->imp.mesh, p, &(*meshes)[p]))
            return lw_cli_fail("slice", LW_EXIT_FAIL, "out of memory");
        *n = p + 1;
    }
    return 0;
}

static void progress_cb(void *ctx, uint32_t done, uint32_t total)
{
    lw_progress *bar = ctx;
    bar->total = total; /* the job knows the layer count only once it has planned the layers */
    lw_progress_update(bar, done);
}

static int setup(lw_opt *opts, slice_opts *so)
{
    memset(so, 0, sizeof *so);
    lw_resins_init(&so->resins);
    lw_err err;
    lw_err_clear(&err);
    int e = lw_cli_load_printer("slice", opts[0].value, &so->pr);
    if (e)
        return e;
    if (so->pr.encrypted_ctb_only)
        return lw_cli_fail("slice", LW_EXIT_USAGE, "the %s takes only encrypted CTB files, "
                           "which lostwax does not write: %s", so->pr.name, so->pr.note);
    so->format = opts[2].present ? lw_print_format_parse(opts[2].value) : format_of(opts[1].value);
    if (so->format == LW_PFMT_NONE && !opts[2].present)
        so->format = so->pr.formats[0];
    if (so->format == LW_PFMT_NONE)
        return lw_cli_fail("slice", LW_EXIT_USAGE, "--format %s: use goo, ctb or sl1",
                           opts[2].value);
    if (!lw_printer_takes(&so->pr, so->format))
        return lw_cli_fail("slice", LW_EXIT_USAGE, "the %s does not take %s files (it takes "
                           "%s%s%s)", so->pr.name, lw_print_format_name(so->format),
                           lw_print_format_name(so->pr.formats[0]),
                           so->pr.formats[1] ? ", " : "",
                           so->pr.formats[1] ? lw_print_format_name(so->pr.formats[1]) : "");
    lw_print_overrides ov = {0};
    double v;
    if (opts[3].present) {
        if ((e = number("layer", opts[3].value, 0.005, 0.3, &v)))
            return e;
        ov.layer_height = v;
    }
    so->aa = so->pr.aa_default;
    if (opts[4].present) {
        if ((e = number("aa", opts[4].value, 1, 16, &v)))
            return e;
        so->aa = (unsigned)v;
        if (!lw_printer_aa_ok(&so->pr, so->aa))
            return lw_cli_fail("slice", LW_EXIT_USAGE, "--aa %s: the %s takes %s", opts[4].value,
                               so->pr.name, "1, 2, 4, 8 or 16 levels as its profile lists");
    }
    if (opts[5].present) {
        if ((e = lw_cli_load_resins("slice", &so->resins)))
            return e;
        if (lw_resins_get(&so->resins, opts[5].value, &so->resin, &err))
            return lw_cli_fail("slice", LW_EXIT_USAGE, "--resin: %s", err.msg);
    }
    if (opts[6].present && (e = number("exposure", opts[6].value, 0.1, 600, &ov.exposure_s)))
        return e;
    if (opts[7].present &&
        (e = number("bottom-exposure", opts[7].value, 0.1, 600, &ov.bottom_exposure_s)))
        return e;
    so->threads = 0;
    if (opts[13].present) {
        if ((e = number("threads", opts[13].value, 1, 256, &v)))
            return e;
        so->threads = (unsigned)v;
    }
    if (lw_print_settings_make(&so->pr, so->resin, &ov, &so->settings, &err))
        return lw_cli_fail("slice", LW_EXIT_USAGE, "%s", err.msg);
    return 0;
}

int lw_cmd_slice(int argc, char **argv)
{
    lw_opt opts[] = {{"printer", true}, {"o", true},       {"format", true},
                     {"layer", true},   {"aa", true},      {"resin", true},
                     {"exposure", true}, {"bottom-exposure", true}, {"arrange", false},
                     {"gap", true},     {"lift", true},    {"tilt", true},
                     {"units", true},   {"threads", true}, {"json", false},
                     {"help", false}};
    const size_t nopts = sizeof opts / sizeof *opts;
    lw_args args;
    int e = lw_cli_begin("slice", argc, argv, opts, nopts, k_help, 1, LW_MAX_POSITIONAL, &args);
    if (e >= 0)
        return e;
    if (!opts[0].present || !opts[1].present)
        return lw_cli_fail("slice", LW_EXIT_USAGE, "--printer and -o are required (see "
                           "lostwax slice --help)");
    slice_opts so;
    lw_cli_plate plate;
    memset(&plate, 0, sizeof plate);
    lw_plate_init(&plate.plate);
    lw_cli_mesh file;
    memset(&file, 0, sizeof file);
    lw_import_init(&file.imp);
    lw_mesh *own = NULL;
    size_t nown = 0;
    const lw_mesh **parts = NULL;
    const char **names = NULL;
    size_t nparts = 0;
    lw_pool *pool = NULL;
    lw_sink sink;
    memset(&sink, 0, sizeof sink);
    lw_job_result res;
    memset(&res, 0, sizeof res);
    lw_image preview = {0};
    lw_buf png;
    lw_buf_init(&png, 0);
    lw_err err;
    lw_err_clear(&err);
    double units = 0;
    if ((e = setup(opts, &so)))
        goto done;
    if (opts[12].present && lw_units_parse(opts[12].value, &units, &err)) {
        e = lw_cli_fail("slice", LW_EXIT_USAGE, "--units: %s", err.msg);
        goto done;
    }
    char ext[16];
    lw_path_ext(args.pos[0], ext, sizeof ext);
    bool as_plate = args.npos == 1 && strcmp(ext, "3mf") == 0 && !opts[8].present;
    if (as_plate) {
        if ((e = plate_parts(args.pos[0], units, &file, &own, &nown)))
            goto done;
        nparts = nown;
    } else {
        lw_cli_plate_opts po = {.gap = -1, .lift = -1, .tilts = opts[11].value, .units = units};
        if ((opts[9].present && (e = number("gap", opts[9].value, 0, 100, &po.gap))) ||
            (opts[10].present && (e = number("lift", opts[10].value, 0, 100, &po.lift))))
            goto done;
        if ((e = lw_cli_plate_build("slice", args.pos, (size_t)args.npos, &so.pr, &po, &plate)))
            goto done;
        if (plate.plate.placed < plate.plate.nitems)
            fprintf(stderr, "lostwax slice: %zu of %zu pieces did not fit on the plate and are "
                    "left out (lostwax plate shows where)\n",
                    plate.plate.nitems - plate.plate.placed, plate.plate.nitems);
        nparts = plate.nplaced;
        /* The plate's picture becomes the file's preview. */
        lw_plate_png_opts pngo;
        lw_plate_png_opts_default(&pngo);
        lw_png_limits lim = {.max_width = 8192, .max_height = 8192,
                             .max_image_bytes = (size_t)256 << 20, .max_runs = 1u << 24};
        if (nparts && (lw_plate_png(&plate.plate, plate.parts, plate.nfiles, &pngo, &png, &err) ||
                       lw_png_decode_rgba(png.data, png.len, &lim, &preview, &err))) {
            e = lw_cli_fail("slice", lw_cli_exit_for(err.rc), "plate picture: %s", err.msg);
            goto done;
        }
    }
    if (nparts == 0) {
        e = lw_cli_fail("slice", LW_EXIT_FAIL, "nothing to print");
        goto done;
    }
    parts = lw_calloc(nparts, sizeof *parts);
    names = lw_calloc(nparts, sizeof *names);
    if (!parts || !names) {
        e = lw_cli_fail("slice", LW_EXIT_FAIL, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < nparts; i++) {
        parts[i] = as_plate ? &own[i] : &plate.placed[i];
        names[i] = as_plate ? (i < file.imp.nparts ? file.imp.part_names[i] : "")
                            : plate.placed_names[i];
    }
    char jname[64];
    job_name(opts[1].value, jname, sizeof jname);
    lw_progress bar;
    lw_job job = {.printer = &so.pr,
                  .settings = &so.settings,
                  .resin = so.resin,
                  .format = so.format,
                  .aa_level = so.aa,
                  .job_name = jname,
                  .created_unix = (int64_t)time(NULL),
                  .parts = parts,
                  .names = names,
                  .nparts = nparts,
                  .preview = preview.rgba ? &preview : NULL,
                  .progress = progress_cb,
                  .progress_ctx = &bar};
    if (lw_pool_new(so.threads, &pool, &err) ||
        lw_sink_open_file(&sink, opts[1].value, &err)) {
        e = lw_cli_fail("slice", lw_cli_exit_for(err.rc), "%s", err.msg);
        goto done;
    }
    lw_progress_start(&bar, "slicing", "layers", 0);
    lw_rc rc = lw_job_run(&job, pool, &sink, &res, &err);
    lw_progress_end(&bar);
    if (!rc)
        rc = lw_sink_commit(&sink, &err);
    if (rc) {
        lw_sink_abort(&sink);
        e = lw_cli_fail("slice", lw_cli_exit_for(rc), "%s: %s", opts[1].value, err.msg);
        goto done;
    }
    double secs = lw_progress_elapsed(&bar);
    const lw_print_estimate *est = &res.estimate;
    uint32_t island_layers = 0;
    for (uint32_t i = 0; i < res.layers; i++)
        island_layers += res.islands[i] > 0;
    if (opts[14].present) {
        json_t *o = json_object();
        lw_json_set(o, "file", json_string(opts[1].value));
        lw_json_set(o, "printer", json_string(so.pr.id));
        lw_json_set(o, "format", json_string(lw_print_format_name(so.format)));
        lw_json_set(o, "parts", json_integer((json_int_t)nparts));
        lw_json_set(o, "layers", json_integer(res.layers));
        lw_json_set(o, "layer_height_mm", json_real(so.settings.layer_height));
        lw_json_set(o, "aa_level", json_integer(so.aa));
        lw_cli_estimate_json(o, est, so.resin);
        lw_json_set(o, "islands", json_integer((json_int_t)res.islands_total));
        lw_json_set(o, "layers_with_islands", json_integer(island_layers));
        lw_json_set(o, "open_chains", json_integer((json_int_t)res.open_chains));
        lw_json_set(o, "file_bytes", json_integer((json_int_t)res.file_bytes));
        lw_json_set(o, "seconds", json_real(secs));
        json_t *spans = json_array();
        for (size_t i = 0; i < nparts; i++)
            json_array_append_new(spans, json_pack("{s:s,s:i,s:i}", "part", names[i], "first",
                                                   (json_int_t)res.spans[i].first, "last",
                                                   (json_int_t)res.spans[i].last));
        lw_json_set(o, "part_layers", spans);
        lw_cli_json_print(o);
    } else {
        printf("%s: %s for the %s, %zu piece%s\n", opts[1].value,
               lw_print_format_name(so.format), so.pr.name, nparts, nparts == 1 ? "" : "s");
        printf("  layers     %u x %.3f mm = %.2f mm, AA %u\n", res.layers,
               so.settings.layer_height, res.layers * so.settings.layer_height, so.aa);
        lw_cli_estimate_print(est, so.resin);
        printf("  islands    %llu in %u layer%s (regions resting on nothing: supports needed)\n",
               (unsigned long long)res.islands_total, island_layers,
               island_layers == 1 ? "" : "s");
        if (res.open_chains)
            printf("  WARNING    %zu open outlines: a piece is not watertight\n",
                   res.open_chains);
        printf("  file       %.1f MB in %.2f s\n", (double)res.file_bytes / 1e6, secs);
    }
done:
    lw_image_clear(&preview);
    lw_buf_clear(&png);
    lw_job_result_clear(&res);
    lw_pool_free(pool);
    for (size_t i = 0; i < nown; i++)
        lw_mesh_clear(&own[i]);
    lw_free(own);
    lw_free(parts);
    lw_free(names);
    lw_cli_mesh_clear(&file);
    lw_cli_plate_clear(&plate);
    lw_resins_clear(&so.resins);
    return e;
}
