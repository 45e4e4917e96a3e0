/* lostwax weigh: what a design will weigh in metal, and what to melt for it. The volume comes from
 * the checked mesh; weights are integer milligrams, shown in g, dwt or ozt. */
#include <stdio.h>
#include <string.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/tables.h"

static const char k_help[] =
    "usage: lostwax weigh FILE... [--metal LIST] [--pattern MATERIAL] [--sprue PCT]\n"
    "                    [--stones CT] [--unit g|dwt|ozt] [--units UNIT] [--json]\n"
    "\n"
    "The metal weight of each design: the piece itself (net), its fine metal, with stones\n"
    "(gross), and the metal to melt to cast it from a pattern with a sprue/button allowance.\n"
    "\n"
    "  --metal LIST     alloys, comma-separated (default 18k-yellow,14k-yellow,sterling,\n"
    "                   pt950-ru); see data/metals.tsv for all\n"
    "  --pattern MAT    what the pattern is made of: wax (default), bluecast, resin, or any\n"
    "                   pattern material of data/metals.tsv\n"
    "  --sprue PCT      sprue and button allowance on the pattern, percent (default 10)\n"
    "  --stones CT      total carats set in the piece, for the gross weight\n"
    "  --unit U         g (default), dwt or ozt\n"
    "  --units UNIT     the unit the file was drawn in (see lostwax info --help)\n"
    "  --json           machine-readable output (fields in docs/cli.md)\n"
    "\n"
    "Exit: 0 done, 1 a mesh is not watertight (it has no volume to weigh), 2 bad input.\n";

static const char k_default_metals[] = "18k-yellow,14k-yellow,sterling,pt950-ru";

typedef struct weigh_opts {
    const lw_metal *metals[64];
    int nmetals;
    const lw_metal *pattern;
    double sprue_pct;
    lw_mct stones;
    lw_weight_unit unit;
} weigh_opts;

static int weigh_one(const lw_cli_mesh *m, const weigh_opts *w, json_t *files)
{
    const lw_mesh_report *r = &m->report;
    double vol = lw_cli_mesh_volume(m);
    lw_err err;
    lw_err_clear(&err);
    if (!r->watertight || !(vol > 0)) {
        lw_cli_fail("weigh", 0, "%s: cannot weigh: the mesh is not a closed solid (%u hole%s, "
                    "%llu open edges), so it has no volume; see lostwax info", m->path, r->holes,
                    r->holes == 1 ? "" : "s", (unsigned long long)r->boundary_edges);
        return LW_EXIT_FAIL;
    }
    lw_mg pattern_mg;
    if (lw_metal_weight(w->pattern, vol, &pattern_mg, &err))
        return lw_cli_fail("weigh", LW_EXIT_USAGE, "%s: %s", m->path, err.msg);
    char buf[64], buf2[64], buf3[64];
    json_t *fj = NULL, *mj = NULL;
    if (files) {
        fj = json_object();
        mj = json_array();
        lw_json_set(fj, "file", json_string(m->path));
        lw_json_set(fj, "volume_mm3", json_real(vol));
        lw_json_set(fj, "volume_method", json_string(m->has_union ? "union" : "shells"));
        if (m->has_union)
            lw_json_set(fj, "volume_error_mm3", json_real(m->uni.bound));
        lw_json_set(fj, "pattern", json_pack("{s:s,s:f,s:I}", "material", w->pattern->id,
                                             "density", w->pattern->density, "mg",
                                             (json_int_t)pattern_mg));
        lw_json_set(fj, "sprue_pct", json_real(w->sprue_pct));
        lw_json_set(fj, "stones_mct", json_integer(w->stones));
    } else {
        if (m->has_union)
            printf("%s: %.2f mm³ +- %.2f, the union of its overlapping shells\n", m->path, vol,
                   m->uni.bound);
        else
            printf("%s: %.2f mm³\n", m->path, vol);
        printf("  pattern  %s in %s (%.2f g/cm³)\n",
               lw_mg_format(pattern_mg, w->unit, buf, sizeof buf), w->pattern->name,
               w->pattern->density);
        printf("  %-18s %12s %16s %14s%s\n", "metal", "piece", "fine", "to melt",
               w->stones ? "   with stones" : "");
    }
    for (int i = 0; i < w->nmetals; i++) {
        const lw_metal *a = w->metals[i];
        lw_mg net, melt;
        lw_piece_weight pw;
        if (lw_metal_weight(a, vol, &net, &err) ||
            lw_metal_piece_weight(a, net, w->stones, &pw, &err) ||
            lw_metal_melt(w->pattern, a, pattern_mg, w->sprue_pct, &melt, &err))
            return lw_cli_fail("weigh", LW_EXIT_USAGE, "%s: %s", m->path, err.msg);
        if (mj) {
            json_t *o = json_object();
            lw_json_set(o, "metal", json_string(a->id));
            lw_json_set(o, "density", json_real(a->density));
            lw_json_set(o, "net_mg", json_integer(pw.net));
            lw_json_set(o, "fine_mg", json_integer(pw.fine));
            lw_json_set(o, "fine_metal", json_string(a->fine));
            lw_json_set(o, "gross_mg", json_integer(pw.gross));
            lw_json_set(o, "melt_mg", json_integer(melt));
            json_array_append_new(mj, o);
        } else {
            char fine[48];
            snprintf(fine, sizeof fine, "%s %s", lw_mg_format(pw.fine, w->unit, buf2, sizeof buf2),
                     a->fine[0] ? a->fine : "");
            printf("  %-18s %12s %16s %14s", a->id, lw_mg_format(pw.net, w->unit, buf, sizeof buf),
                   a->fineness ? fine : "-", lw_mg_format(melt, w->unit, buf2, sizeof buf2));
            if (w->stones)
                printf("   %12s", lw_mg_format(pw.gross, w->unit, buf3, sizeof buf3));
            printf("\n");
        }
    }
    if (fj) {
        lw_json_set(fj, "metals", mj);
        json_array_append_new(files, fj);
    } else {
        printf("  (to melt: the %s pattern plus %.0f %% for sprue and button, times the metal's "
               "density over the pattern's)\n",
               w->pattern->id, w->sprue_pct);
    }
    return LW_EXIT_OK;
}

int lw_cmd_weigh(int argc, char **argv)
{
    lw_opt opts[] = {{"metal", true},  {"pattern", true}, {"sprue", true}, {"stones", true},
                     {"unit", true},   {"units", true},   {"json", false}, {"help", false}};
    lw_args args;
    int e = lw_cli_begin("weigh", argc, argv, opts, 8, k_help, 1, LW_MAX_POSITIONAL, &args);
    if (e >= 0)
        return e;
    e = 0;
    lw_metals t;
    weigh_opts w = {.sprue_pct = LW_SPRUE_DEFAULT_PCT, .unit = LW_WEIGHT_G};
    lw_err err;
    lw_err_clear(&err);
    double units = 0;
    if ((e = lw_cli_load_metals("weigh", &t)))
        goto done;
    if (lw_metals_get(&t, opts[1].value ? opts[1].value : "wax", LW_METAL_PATTERN, &w.pattern,
                      &err) ||
        (opts[2].present && lw_metal_parse_pct(opts[2].value, &w.sprue_pct, &err)) ||
        (opts[5].present && lw_units_parse(opts[5].value, &units, &err))) {
        e = lw_cli_fail("weigh", LW_EXIT_USAGE, "%s", err.msg);
        goto done;
    }
    if (opts[3].present) {
        if (lw_gem_parse_carat(opts[3].value, &w.stones, &err)) {
            e = lw_cli_fail("weigh", LW_EXIT_USAGE, "--stones: %s", err.msg);
            goto done;
        }
    }
    if (opts[4].present && lw_weight_unit_parse(opts[4].value, &w.unit) != 0) {
        e = lw_cli_fail("weigh", LW_EXIT_USAGE, "--unit '%s': use g, dwt or ozt", opts[4].value);
        goto done;
    }
    char list[1024];
    snprintf(list, sizeof list, "%s", opts[0].value ? opts[0].value : k_default_metals);
    for (char *p = list, *comma; p && *p; p = comma ? comma + 1 : NULL) {
        comma = strchr(p, ',');
        if (comma)
            *comma = 0;
        if (w.nmetals == 64) {
            e = lw_cli_fail("weigh", LW_EXIT_USAGE, "--metal: more than 64 metals");
            goto done;
        }
        if (lw_metals_get(&t, p, LW_METAL_ALLOY, &w.metals[w.nmetals++], &err)) {
            e = lw_cli_fail("weigh", LW_EXIT_USAGE, "--metal: %s", err.msg);
            goto done;
        }
    }
    json_t *files = opts[6].present ? json_array() : NULL;
    for (int i = 0; i < args.npos; i++) {
        lw_cli_mesh m;
        int fe = lw_cli_mesh_load("weigh", args.pos[i], units, false, &m);
        if (!fe)
            fe = weigh_one(&m, &w, files);
        lw_cli_mesh_clear(&m);
        if (fe && (e == 0 || fe == LW_EXIT_USAGE))
            e = fe;
    }
    if (files) {
        json_t *doc = json_object();
        lw_json_set(doc, "files", files);
        lw_cli_json_print(doc);
    }
done:
    lw_metals_clear(&t);
    return e;
}
