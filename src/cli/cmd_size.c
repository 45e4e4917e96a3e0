/* lostwax size: a ring size from one chart to the others. Sizes are kept as the inner
 * circumference with the chart they were read on; every other system's label is worked out from
 * that, and a system with no size near enough says so instead of inventing one. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/text.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/tables.h"

static const char k_help[] =
    "usage: lostwax size VALUE [--from SYSTEM|CHART] [--to LIST] [--json]\n"
    "\n"
    "Converts a ring size between charts. VALUE is a size on the --from chart (\"7\", \"7 1/4\",\n"
    "\"N1/2\", \"Z+1\", \"14\"), or a measurement in millimetres (\"54.4mm\": 30 mm and above is\n"
    "the inner circumference, below it the inner diameter; \"d17.3mm\" or \"c54.4mm\" say which).\n"
    "\n"
    "  --from S   system (us, uk, iso, ch, jp, hk, in, cn; also au, ca, it, de...) or a chart id\n"
    "             (us-wiki, uk-trade, jp-jc, in-rajmudra...) the VALUE is written in\n"
    "  --to LIST  systems or charts to show, comma-separated (default: all systems)\n"
    "  --json     machine-readable output (fields in docs/cli.md)\n"
    "\n"
    "Charts are the files in data/ring-sizes/. Exit: 0 done, 1 a system asked for with --to has\n"
    "no corresponding size, 2 bad input.\n";

static json_t *match_json(const lw_ring_chart *c, const lw_ring_match *m)
{
    json_t *o = json_object();
    lw_json_set(o, "system", json_string(c->system));
    lw_json_set(o, "chart", json_string(c->id));
    lw_json_set(o, "found", json_boolean(m->found));
    lw_json_set(o, "label", m->found ? json_string(m->label) : json_null());
    if (m->found) {
        lw_json_set(o, "circumference_mm", json_real(m->circ_mm));
        lw_json_set(o, "difference_mm", json_real(m->diff_mm));
    } else if (m->label[0]) {
        lw_json_set(o, "nearest", json_string(m->label));
    }
    return o;
}

/* The label of each common system's default chart for a circumference ("" where the chart has
 * none). Returns false when the charts cannot be read (the error is printed). */
static bool common_sizes(double circumference_mm, char labels[][LW_RING_LABEL_MAX])
{
    lw_ring_charts set;
    bool ok = lw_cli_load_ring_charts("info", &set) == 0;
    lw_circ_cmm cmm = (lw_circ_cmm)lround(circumference_mm * 100);
    for (int i = 0; i < lw_cli_ring_nsystems; i++) {
        const lw_ring_chart *c = ok ? lw_ring_charts_default(&set, lw_cli_ring_systems[i]) : NULL;
        lw_ring_match m = {.found = false};
        if (c)
            lw_ring_size_to(c, cmm, &m);
        snprintf(labels[i], LW_RING_LABEL_MAX, "%s", m.found ? m.label : "");
    }
    lw_ring_charts_clear(&set);
    return ok;
}

json_t *lw_cli_ring_sizes_json(double circumference_mm)
{
    char labels[16][LW_RING_LABEL_MAX];
    json_t *o = json_object();
    if (common_sizes(circumference_mm, labels))
        for (int i = 0; i < lw_cli_ring_nsystems; i++)
            lw_json_set(o, lw_cli_ring_systems[i],
                        labels[i][0] ? json_string(labels[i]) : json_null());
    return o;
}

void lw_cli_ring_sizes_text(double circumference_mm, FILE *out)
{
    char labels[16][LW_RING_LABEL_MAX];
    if (!common_sizes(circumference_mm, labels)) {
        fputs("(ring-size charts unavailable)", out);
        return;
    }
    for (int i = 0; i < lw_cli_ring_nsystems; i++)
        fprintf(out, "%s%s %s", i ? ", " : "", lw_cli_ring_systems[i],
                labels[i][0] ? labels[i] : "-");
}

/* Reads the size the user typed: on a chart, or as millimetres. */
static int read_size(const lw_ring_charts *set, const char *text, const char *from,
                     lw_ring_size *size, const lw_ring_chart **chart, const char **how)
{
    lw_err err;
    lw_err_clear(&err);
    *chart = NULL;
    if (from) {
        lw_rc rc = lw_ring_charts_get(set, from, chart, &err);
        if (!rc)
            rc = lw_ring_size_parse(*chart, text, size, &err);
        if (rc)
            return lw_cli_fail("size", LW_EXIT_USAGE, "%s", err.msg);
        *how = "chart";
        return 0;
    }
    lw_ring_mm_kind kind;
    bool assumed = false;
    if (lw_ring_size_parse_mm(text, size, &kind, &assumed, &err) == LW_OK) {
        *how = kind == LW_RING_MM_CIRC ? (assumed ? "circumference (assumed: 30 mm or more)"
                                                  : "circumference")
                                       : (assumed ? "diameter (assumed: under 30 mm)"
                                                  : "diameter");
        /* A bare number reads as millimetres only when the user wrote a unit or a prefix, or
         * the number is too big for any chart's label: "7" alone is a chart size, not 7 mm. */
        double v;
        if (lw_parse_f64_str(text, &v) && v < 30)
            return lw_cli_fail("size", LW_EXIT_USAGE,
                               "'%s': on which chart? Say --from us (or uk, jp, ...), or give "
                               "millimetres as %smm",
                               text, text);
        return 0;
    }
    return lw_cli_fail("size", LW_EXIT_USAGE,
                       "'%s' is not a measurement (%s); for a chart size say which chart with "
                       "--from us, uk, iso, ch, jp, hk, in or cn",
                       text, err.msg);
}

int lw_cmd_size(int argc, char **argv)
{
    lw_opt opts[] = {{"from", true}, {"to", true}, {"json", false}, {"help", false}};
    lw_args args;
    int e = lw_cli_begin("size", argc, argv, opts, 4, k_help, 1, 2, &args);
    if (e >= 0)
        return e;
    char joined[128];
    if (args.npos == 2) {
        /* "7 1/4" typed without quotes arrives as two arguments: join them back. */
        if (!strchr(args.pos[1], '/')) {
            fputs(k_help, stderr);
            return LW_EXIT_USAGE;
        }
        snprintf(joined, sizeof joined, "%s %s", args.pos[0], args.pos[1]);
        args.pos[0] = joined;
    }
    lw_ring_charts set;
    if ((e = lw_cli_load_ring_charts("size", &set))) {
        lw_ring_charts_clear(&set);
        return e;
    }
    lw_ring_size size;
    const lw_ring_chart *from = NULL;
    const char *how = "";
    if ((e = read_size(&set, args.pos[0], opts[0].value, &size, &from, &how))) {
        lw_ring_charts_clear(&set);
        return e;
    }
    /* The charts to show: --to's list, else every system's default chart. */
    const lw_ring_chart *targets[64];
    int nt = 0, explicit_to = opts[1].present;
    if (explicit_to) {
        char list[512];
        snprintf(list, sizeof list, "%s", opts[1].value);
        for (char *p = list, *comma; p && *p && nt < 64; p = comma ? comma + 1 : NULL) {
            comma = strchr(p, ',');
            if (comma)
                *comma = 0;
            lw_err err;
            lw_err_clear(&err);
            if (lw_ring_charts_get(&set, p, &targets[nt], &err)) {
                lw_ring_charts_clear(&set);
                return lw_cli_fail("size", LW_EXIT_USAGE, "--to: %s", err.msg);
            }
            nt++;
        }
    } else {
        for (int i = 0; i < lw_cli_ring_nsystems; i++)
            if ((targets[nt] = lw_ring_charts_default(&set, lw_cli_ring_systems[i])))
                nt++;
    }
    double circ = lw_ring_circ_mm(size.circ_cmm), dia = lw_ring_dia_mm(size.circ_cmm);
    int missing = 0;
    json_t *doc = opts[2].present ? json_object() : NULL;
    json_t *arr = doc ? json_array() : NULL;
    if (doc) {
        lw_json_set(doc, "input", json_string(args.pos[0]));
        lw_json_set(doc, "read_as", from ? json_string(from->id) : json_string(how));
        lw_json_set(doc, "stored", json_pack("{s:i,s:s}", "circ_cmm", (json_int_t)size.circ_cmm,
                                             "chart", size.chart));
        lw_json_set(doc, "inner_circumference_mm", json_real(circ));
        lw_json_set(doc, "inner_diameter_mm", json_real(dia));
    } else if (from) {
        printf("%s %s (chart %s) = inner circumference %.2f mm, inner diameter %.2f mm\n",
               from->system, args.pos[0], from->id, circ, dia);
    } else {
        printf("%s as %s = inner circumference %.2f mm, inner diameter %.2f mm\n", args.pos[0], how,
               circ, dia);
    }
    for (int i = 0; i < nt; i++) {
        lw_ring_match m;
        lw_ring_size_to(targets[i], size.circ_cmm, &m);
        missing += !m.found;
        if (arr) {
            json_array_append_new(arr, match_json(targets[i], &m));
        } else if (m.found) {
            /* A difference that rounds to zero is shown as +0.00, not -0.00. */
            double d = fabs(m.diff_mm) < 0.005 ? 0 : m.diff_mm;
            printf("  %-4s %-8s %6.2f mm %+6.2f   %s\n", targets[i]->system, m.label, m.circ_mm,
                   d, targets[i]->id);
        } else {
            char nearest[64] = "";
            if (m.label[0])
                snprintf(nearest, sizeof nearest, " (nearest %s, %+.2f mm)", m.label, m.diff_mm);
            printf("  %-4s %-8s no corresponding size%s   %s\n", targets[i]->system, "-",
                   nearest, targets[i]->id);
        }
    }
    if (doc) {
        lw_json_set(doc, "sizes", arr);
        lw_cli_json_print(doc);
    } else {
        printf("  (circumference difference from the size asked: + when the chart size is "
               "smaller)\n");
    }
    lw_ring_charts_clear(&set);
    return explicit_to && missing ? LW_EXIT_FAIL : LW_EXIT_OK;
}
