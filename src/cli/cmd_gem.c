/* lostwax gem: what a stone weighs from its measurements, or how big a stone of a given weight
 * is. The model is JewelCraft's (volume of the cut's base solid times a correction, times the
 * stone's density); the trade's diamond formula is shown beside it where the cut has one. */
#include <stdio.h>
#include <string.h>

#include "base/text.h"
#include "base/units.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/tables.h"

static const char k_help[] =
    "usage: lostwax gem CUT SIZE [--stone STONE] [--json]\n"
    "       lostwax gem CUT --carat CT [--stone STONE] [--ratio W/L] [--json]\n"
    "       lostwax gem --list\n"
    "\n"
    "The weight of a stone from its measurements: SIZE is L, LxW or LxWxD in millimetres\n"
    "(\"6.5mm\", \"8x6\", \"8x6x3.8\"). A missing width is the length for round and square cuts;\n"
    "a missing depth is the cut's usual depth (data/cuts.tsv). With --carat, the size of a stone\n"
    "of that weight instead.\n"
    "\n"
    "  --stone STONE  diamond (default), sapphire, ruby, emerald, ... (see --list)\n"
    "  --carat CT     the weight to find a size for (\"1\", \"0.5ct\")\n"
    "  --ratio R      width / length for --carat on elongated cuts (oval 0.75, ...)\n"
    "  --list         the stones and cuts lostwax knows, with their figures\n"
    "  --json         machine-readable output (fields in docs/cli.md)\n";

static const char *solid_name(lw_gem_solid s)
{
    switch (s) {
    case LW_SOLID_CONE: return "cone";
    case LW_SOLID_PYRAMID: return "pyramid";
    case LW_SOLID_PRISM: return "prism";
    case LW_SOLID_TETRAHEDRON: return "tetrahedron";
    }
    return "?";
}

static int list_tables(const lw_gem_tables *t, int json)
{
    if (json) {
        json_t *doc = json_object(), *stones = json_array(), *cuts = json_array();
        for (size_t i = 0; i < t->nstones; i++)
            json_array_append_new(stones, json_pack("{s:s,s:s,s:f}", "id", t->stones[i].id,
                                                    "name", t->stones[i].name, "sg",
                                                    t->stones[i].sg));
        for (size_t i = 0; i < t->ncuts; i++)
            json_array_append_new(
                cuts, json_pack("{s:s,s:s,s:s,s:f,s:f}", "id", t->cuts[i].id, "name",
                                t->cuts[i].name, "solid", solid_name(t->cuts[i].solid),
                                "correction", t->cuts[i].correction, "depth_pct",
                                t->cuts[i].depth_pct));
        lw_json_set(doc, "stones", stones);
        lw_json_set(doc, "cuts", cuts);
        lw_cli_json_print(doc);
        return LW_EXIT_OK;
    }
    printf("stones (specific gravity):\n");
    for (size_t i = 0; i < t->nstones; i++)
        printf("  %-18s %-28s %.2f\n", t->stones[i].id, t->stones[i].name, t->stones[i].sg);
    printf("cuts (base solid x correction; usual depth, %% of width):\n");
    for (size_t i = 0; i < t->ncuts; i++)
        printf("  %-12s %-11s x %.4f   depth %.1f %%\n", t->cuts[i].id,
               solid_name(t->cuts[i].solid), t->cuts[i].correction, t->cuts[i].depth_pct);
    return LW_EXIT_OK;
}

static int weigh_stone(const lw_stone *stone, const lw_cut *cut, const char *size, int json)
{
    lw_err err;
    lw_err_clear(&err);
    double dims[3] = {0, 0, 0};
    int n = 0;
    lw_gem_estimate est;
    if (lw_gem_parse_dims(size, dims, &n, &err) ||
        lw_gem_estimate_ct(stone, cut, dims[0], n > 1 ? dims[1] : 0, n > 2 ? dims[2] : 0, &est,
                           &err))
        return lw_cli_fail("gem", LW_EXIT_USAGE, "%s", err.msg);
    char ct[32], tct[32];
    lw_mct_format(est.mct, ct, sizeof ct);
    if (json) {
        json_t *o = json_object();
        lw_json_set(o, "stone", json_string(stone->id));
        lw_json_set(o, "cut", json_string(cut->id));
        lw_json_set(o, "length_mm", json_real(est.length));
        lw_json_set(o, "width_mm", json_real(est.width));
        lw_json_set(o, "depth_mm", json_real(est.depth));
        lw_json_set(o, "width_assumed", json_boolean(est.width_assumed));
        lw_json_set(o, "depth_assumed", json_boolean(est.depth_assumed));
        lw_json_set(o, "volume_mm3", json_real(est.volume_mm3));
        lw_json_set(o, "mct", json_integer(est.mct));
        lw_json_set(o, "carat", json_real((double)est.mct / 1000));
        lw_json_set(o, "trade_formula_carat",
                    est.has_trade ? json_real((double)est.trade_mct / 1000) : json_null());
        lw_cli_json_print(o);
        return LW_EXIT_OK;
    }
    printf("%s %s %.2f x %.2f x %.2f mm: %s\n", cut->id, stone->id, est.length, est.width,
           est.depth, ct);
    if (est.width_assumed || est.depth_assumed)
        printf("  assumed    %s%s%s\n", est.width_assumed ? "width = length" : "",
               est.width_assumed && est.depth_assumed ? "; " : "",
               est.depth_assumed ? "depth = the cut's usual depth" : "");
    printf("  model      %s x %.4f = %.2f mm³ at SG %.2f\n", solid_name(cut->solid),
           cut->correction, est.volume_mm3, stone->sg);
    if (est.has_trade)
        printf("  trade      %s by the trade's formula for the cut\n",
               lw_mct_format(est.trade_mct, tct, sizeof tct));
    return LW_EXIT_OK;
}

static int size_for(const lw_stone *stone, const lw_cut *cut, const char *carat,
                    const char *ratio, int json)
{
    lw_err err;
    lw_err_clear(&err);
    lw_mct target;
    double r = 0;
    lw_gem_dims d;
    if (ratio && !lw_parse_f64_str(ratio, &r))
        return lw_cli_fail("gem", LW_EXIT_USAGE, "--ratio '%s' is not a number", ratio);
    if (lw_gem_parse_carat(carat, &target, &err) ||
        lw_gem_size_for_carat(stone, cut, target, r, 0, &d, &err))
        return lw_cli_fail("gem", LW_EXIT_USAGE, "%s", err.msg);
    char ct[32];
    lw_mct_format(target, ct, sizeof ct);
    if (json) {
        json_t *o = json_object();
        lw_json_set(o, "stone", json_string(stone->id));
        lw_json_set(o, "cut", json_string(cut->id));
        lw_json_set(o, "mct", json_integer(target));
        lw_json_set(o, "length_mm", json_real(d.length));
        lw_json_set(o, "width_mm", json_real(d.width));
        lw_json_set(o, "depth_mm", json_real(d.depth));
        lw_cli_json_print(o);
        return LW_EXIT_OK;
    }
    printf("a %s %s %s measures %.2f x %.2f mm, %.2f mm deep (the cut's usual depth)\n", ct,
           cut->id, stone->id, d.length, d.width, d.depth);
    return LW_EXIT_OK;
}

int lw_cmd_gem(int argc, char **argv)
{
    lw_opt opts[] = {{"stone", true}, {"carat", true}, {"ratio", true},
                     {"list", false}, {"json", false}, {"help", false}};
    lw_args args;
    int e = lw_cli_begin("gem", argc, argv, opts, 6, k_help, 0, 2, &args);
    if (e >= 0)
        return e;
    lw_gem_tables t;
    if ((e = lw_cli_load_gems("gem", &t)))
        goto done;
    if (opts[3].present) {
        e = list_tables(&t, opts[4].present);
        goto done;
    }
    int want = opts[1].present ? 1 : 2;
    if (args.npos != want) {
        fputs(k_help, stderr);
        e = LW_EXIT_USAGE;
        goto done;
    }
    lw_err err;
    lw_err_clear(&err);
    const lw_stone *stone;
    const lw_cut *cut;
    if (lw_gem_get_stone(&t, opts[0].value ? opts[0].value : "diamond", &stone, &err) ||
        lw_gem_get_cut(&t, args.pos[0], &cut, &err)) {
        e = lw_cli_fail("gem", LW_EXIT_USAGE, "%s", err.msg);
        goto done;
    }
    e = opts[1].present ? size_for(stone, cut, opts[1].value, opts[2].value, opts[4].present)
                        : weigh_stone(stone, cut, args.pos[1], opts[4].present);
done:
    lw_gem_tables_clear(&t);
    return e;
}
