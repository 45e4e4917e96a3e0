/* lostwax: the stone and cut tables and the carat estimates (see gem.h; the model, the default
 * depths and the trade formulas are discussed in docs/internals/calculators.md).
 *
 * Both tables load the same way, all-or-nothing: every new row is read and checked and room is
 * made for the added ones before a table is touched. Each row struct starts with its id, which
 * is what lets one loader serve both.
 */
#include "design/gem.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/text.h"
#include "base/vec.h"
#include "base/table.h"

_Static_assert(offsetof(lw_stone, id) == 0, "the loader finds a row's id at its start");
_Static_assert(offsetof(lw_cut, id) == 0, "the loader finds a row's id at its start");

void lw_gem_tables_init(lw_gem_tables *t) { memset(t, 0, sizeof *t); }

void lw_gem_tables_clear(lw_gem_tables *t)
{
    lw_free(t->stones);
    lw_free(t->cuts);
    memset(t, 0, sizeof *t);
}

/* ---- reading cells ---------------------------------------------------------------------- */



/* A trade formula: "-", "d2:F", "lwd:F" or "lwd:R=F,R=F,..." (F the factor, R the length/width
 * ratio it applies at, ascending from 1). */
static bool parse_trade(const char *s, lw_cut *c)
{
    const char *p, *end = s + strlen(s), *stop;
    c->trade = LW_TRADE_NONE;
    c->trade_n = 0;
    if (strcmp(s, "-") == 0)
        return true;
    if (strncmp(s, "d2:", 3) == 0) {
        c->trade = LW_TRADE_MEAN_D;
        p = s + 3;
    } else if (strncmp(s, "lwd:", 4) == 0) {
        c->trade = LW_TRADE_LWD;
        p = s + 4;
    } else {
        return false;
    }
    bool by_ratio = strchr(p, '=') != NULL;
    for (;;) {
        double ratio = 1, f;
        if (by_ratio) {
            if (!lw_parse_f64(p, end, &ratio, &stop) || stop >= end || *stop != '=')
                return false;
            if (!(ratio >= 1 && ratio <= 10))
                return false;
            if (c->trade_n > 0 && !(ratio > c->trade_ratio[c->trade_n - 1]))
                return false;
            p = stop + 1;
        }
        if (!lw_parse_f64(p, end, &f, &stop) || !(f > 0 && f < 1))
            return false;
        if (c->trade_n == LW_GEM_TRADE_POINTS)
            return false;
        c->trade_ratio[c->trade_n] = ratio;
        c->trade_factor[c->trade_n] = f;
        c->trade_n++;
        if (stop == end)
            return true;
        if (!by_ratio || *stop != ',')
            return false;
        p = stop + 1;
    }
}

enum { S_ID, S_NAME, S_SG, S_SOURCE, S_N };
static const char *const k_stone_cols[S_N] = {"id", "name", "sg", "source"};

static lw_rc read_stone(const lw_tsv *t, size_t r, const long *col, const char *name, void *row,
                        lw_err *err)
{
    lw_stone *s = row;
    size_t line = t->row_line[r];
    lw_rc rc = lw_table_ident(lw_tsv_cell(t, r, (size_t)col[S_ID]),
                              lw_tsv_cell(t, r, (size_t)col[S_NAME]),
                              lw_tsv_cell(t, r, (size_t)col[S_SOURCE]), line, name, s->id,
                              sizeof s->id, s->name, sizeof s->name, s->source, sizeof s->source,
                              err);
    if (rc)
        return rc;
    return lw_table_number(lw_tsv_cell(t, r, (size_t)col[S_SG]), "sg", s->id, 1.0, 10.0, line,
                           name, &s->sg, err);
}

enum { K_ID, K_NAME, K_SOLID, K_CORR, K_SYM, K_DEPTH, K_TRADE, K_SOURCE, K_N };
static const char *const k_cut_cols[K_N] = {"id",        "name",  "solid", "correction",
                                            "symmetric", "depth", "trade", "source"};
static const char *const k_solids[] = {"cone", "pyramid", "prism", "tetrahedron"};

static lw_rc read_cut(const lw_tsv *t, size_t r, const long *col, const char *name, void *row,
                      lw_err *err)
{
    lw_cut *c = row;
    size_t line = t->row_line[r];
    lw_rc rc = lw_table_ident(lw_tsv_cell(t, r, (size_t)col[K_ID]),
                              lw_tsv_cell(t, r, (size_t)col[K_NAME]),
                              lw_tsv_cell(t, r, (size_t)col[K_SOURCE]), line, name, c->id,
                              sizeof c->id, c->name, sizeof c->name, c->source, sizeof c->source,
                              err);
    if (rc)
        return rc;
    const char *solid = lw_tsv_cell(t, r, (size_t)col[K_SOLID]);
    int found = -1;
    for (int i = 0; i < 4; i++)
        if (strcmp(solid, k_solids[i]) == 0)
            found = i;
    if (found < 0)
        return lw_err_set(err, LW_EFORMAT, "%s: line %zu: solid '%.40s' is not cone, pyramid, "
                          "prism or tetrahedron", name, line, solid);
    c->solid = (lw_gem_solid)found;
    rc = lw_table_number(lw_tsv_cell(t, r, (size_t)col[K_CORR]), "correction", c->id, 0.5, 3.0,
                         line, name, &c->correction, err);
    if (rc)
        return rc;
    const char *sym = lw_tsv_cell(t, r, (size_t)col[K_SYM]);
    if (strcmp(sym, "yes") == 0)
        c->symmetric = true;
    else if (strcmp(sym, "no") == 0)
        c->symmetric = false;
    else
        return lw_err_set(err, LW_EFORMAT, "%s: line %zu: symmetric '%.40s' is not yes or no",
                          name, line, sym);
    rc = lw_table_number(lw_tsv_cell(t, r, (size_t)col[K_DEPTH]), "depth", c->id, 10.0, 200.0,
                         line, name, &c->depth_pct, err);
    if (rc)
        return rc;
    const char *trade = lw_tsv_cell(t, r, (size_t)col[K_TRADE]);
    if (!parse_trade(trade, c))
        return lw_err_set(err, LW_EFORMAT, "%s: line %zu: trade '%.60s' is not '-', 'd2:F', "
                          "'lwd:F' or 'lwd:R=F,R=F...' (F in 0 ... 1, R ascending from 1)",
                          name, line, trade);
    return LW_OK;
}

static const char *row_id(const void *items, size_t elem, size_t i)
{
    return (const char *)items + i * elem;
}

lw_rc lw_gem_load_stones(lw_gem_tables *t, const char *text, size_t len, const char *name,
                         lw_err *err)
{
    static const lw_table_spec spec = {"stone", k_stone_cols, S_N, sizeof(lw_stone),
                                       LW_GEM_TEXT_MAX, LW_GEM_ROWS_MAX, read_stone};
    void *items = t->stones;
    lw_rc rc = lw_table_load(&spec, &items, &t->nstones, &t->cap_stones, text, len, name, err);
    t->stones = items;
    return rc;
}

lw_rc lw_gem_load_cuts(lw_gem_tables *t, const char *text, size_t len, const char *name,
                       lw_err *err)
{
    static const lw_table_spec spec = {"cut", k_cut_cols, K_N, sizeof(lw_cut), LW_GEM_TEXT_MAX,
                                       LW_GEM_ROWS_MAX, read_cut};
    void *items = t->cuts;
    lw_rc rc = lw_table_load(&spec, &items, &t->ncuts, &t->cap_cuts, text, len, name, err);
    t->cuts = items;
    return rc;
}

/* ---- finding rows ----------------------------------------------------------------------- */

static const void *find_row(const void *items, size_t n, size_t elem, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (lw_table_id_eq(row_id(items, elem, i), id))
            return (const char *)items + i * elem;
    return NULL;
}

const lw_stone *lw_gem_find_stone(const lw_gem_tables *t, const char *id)
{
    return find_row(t->stones, t->nstones, sizeof(lw_stone), id);
}

const lw_cut *lw_gem_find_cut(const lw_gem_tables *t, const char *id)
{
    return find_row(t->cuts, t->ncuts, sizeof(lw_cut), id);
}

static lw_rc not_found(const void *items, size_t n, size_t elem, const char *what,
                       const char *id, lw_err *err)
{
    char list[400] = "";
    size_t len = 0;
    for (size_t i = 0; i < n && len < sizeof list; i++) {
        int w = snprintf(list + len, sizeof list - len, "%s%s", len ? ", " : "",
                         row_id(items, elem, i));
        len += w > 0 ? (size_t)w : 0;
    }
    if (len >= sizeof list)
        memcpy(list + sizeof list - 5, "...", 4);
    return lw_err_set(err, LW_ENOTFOUND, "unknown %s '%.40s' (%ss: %s)", what, id, what,
                      len ? list : "none loaded");
}

lw_rc lw_gem_get_stone(const lw_gem_tables *t, const char *id, const lw_stone **out, lw_err *err)
{
    *out = lw_gem_find_stone(t, id);
    return *out ? LW_OK : not_found(t->stones, t->nstones, sizeof(lw_stone), "stone", id, err);
}

lw_rc lw_gem_get_cut(const lw_gem_tables *t, const char *id, const lw_cut **out, lw_err *err)
{
    *out = lw_gem_find_cut(t, id);
    return *out ? LW_OK : not_found(t->cuts, t->ncuts, sizeof(lw_cut), "cut", id, err);
}

/* ---- the estimates ---------------------------------------------------------------------- */

/* Volume of the base solid per mm³ of L·W·D. */
static double solid_factor(lw_gem_solid s)
{
    switch (s) {
    case LW_SOLID_CONE: return M_PI / 12.0;
    case LW_SOLID_PYRAMID: return 1.0 / 3.0;
    case LW_SOLID_PRISM: return 0.5;
    case LW_SOLID_TETRAHEDRON: return 1.0 / 6.0;
    }
    return 0;
}

double lw_gem_volume(const lw_cut *cut, double length, double width, double depth)
{
    return solid_factor(cut->solid) * length * width * depth * cut->correction;
}

static bool measure_ok(double v) { return v > 0 && v <= LW_GEM_DIM_MAX_MM; }

/* Fills in the width and depth a caller left at 0 and checks all three. */
static lw_rc complete_dims(const lw_cut *cut, double *l, double *w, double *d, bool *w_assumed,
                           bool *d_assumed, lw_err *err)
{
    *w_assumed = *d_assumed = false;
    if (!measure_ok(*l))
        return lw_err_set(err, LW_EINVAL, "%s: a length of %g mm is outside 0 ... %g mm",
                          cut->id, *l, LW_GEM_DIM_MAX_MM);
    if (*w == 0) {
        if (!cut->symmetric)
            return lw_err_set(err, LW_EINVAL, "%s: give length x width (e.g. 8x6): only a "
                              "symmetric cut is sized by one number", cut->id);
        *w = *l;
        *w_assumed = true;
    }
    if (!measure_ok(*w))
        return lw_err_set(err, LW_EINVAL, "%s: a width of %g mm is outside 0 ... %g mm",
                          cut->id, *w, LW_GEM_DIM_MAX_MM);
    if (*d == 0) {
        *d = *w * cut->depth_pct / 100.0;
        *d_assumed = true;
    }
    if (!measure_ok(*d))
        return lw_err_set(err, LW_EINVAL, "%s: a depth of %g mm is outside 0 ... %g mm",
                          cut->id, *d, LW_GEM_DIM_MAX_MM);
    return LW_OK;
}

/* The trade factor at this length/width ratio: linear between the listed ratios, held at the
 * first and last beyond them (the sources give no figures outside). */
static double trade_factor(const lw_cut *c, double l, double w)
{
    double r = l > w ? l / w : w / l;
    int n = c->trade_n;
    if (n == 1 || r <= c->trade_ratio[0])
        return c->trade_factor[0];
    for (int i = 1; i < n; i++)
        if (r <= c->trade_ratio[i]) {
            double t = (r - c->trade_ratio[i - 1]) / (c->trade_ratio[i] - c->trade_ratio[i - 1]);
            return c->trade_factor[i - 1] + t * (c->trade_factor[i] - c->trade_factor[i - 1]);
        }
    return c->trade_factor[n - 1];
}

static lw_mct trade_mct(const lw_stone *s, const lw_cut *c, double l, double w, double d)
{
    double ct;
    if (c->trade == LW_TRADE_MEAN_D) {
        double mean = (l + w) / 2;
        ct = mean * mean * d * trade_factor(c, l, w);
    } else {
        ct = l * w * d * trade_factor(c, l, w);
    }
    return lw_round_i64(ct * s->sg / LW_GEM_TRADE_DIAMOND_SG * 1000.0);
}

lw_rc lw_gem_estimate_ct(const lw_stone *stone, const lw_cut *cut, double length, double width,
                         double depth, lw_gem_estimate *out, lw_err *err)
{
    memset(out, 0, sizeof *out);
    double l = length, w = width, d = depth;
    bool wa, da;
    lw_rc rc = complete_dims(cut, &l, &w, &d, &wa, &da, err);
    if (rc)
        return rc;
    out->length = l;
    out->width = w;
    out->depth = d;
    out->width_assumed = wa;
    out->depth_assumed = da;
    out->volume_mm3 = lw_gem_volume(cut, l, w, d);
    /* g = mm³ x SG / 1000 and ct = 5 g, so 1/1000 ct = mm³ x SG x 5. */
    out->mct = lw_round_i64(out->volume_mm3 * stone->sg * 5.0);
    if (cut->trade != LW_TRADE_NONE) {
        out->has_trade = true;
        out->trade_mct = trade_mct(stone, cut, l, w, d);
    }
    return LW_OK;
}

lw_rc lw_gem_trade_ct(const lw_stone *stone, const lw_cut *cut, double length, double width,
                      double depth, lw_mct *out, lw_err *err)
{
    *out = 0;
    if (cut->trade == LW_TRADE_NONE)
        return lw_err_set(err, LW_EUNSUPPORTED, "%s: no trade formula for this cut (trade.md "
                          "4.1 names none): use the model estimate", cut->id);
    double l = length, w = width, d = depth;
    bool wa, da;
    lw_rc rc = complete_dims(cut, &l, &w, &d, &wa, &da, err);
    if (rc)
        return rc;
    *out = trade_mct(stone, cut, l, w, d);
    return LW_OK;
}

lw_rc lw_gem_size_for_carat(const lw_stone *stone, const lw_cut *cut, lw_mct target,
                            double wl_ratio, double depth_pct, lw_gem_dims *out, lw_err *err)
{
    memset(out, 0, sizeof *out);
    if (!(target > 0 && (double)target <= LW_GEM_CT_MAX * 1000))
        return lw_err_set(err, LW_EINVAL, "%s: a weight of %lld/1000 ct is outside 0 ... %g ct",
                          cut->id, (long long)target, LW_GEM_CT_MAX);
    double rho = wl_ratio;
    if (rho == 0) {
        if (!cut->symmetric)
            return lw_err_set(err, LW_EINVAL, "%s: give the width-to-length ratio (0.75 for "
                              "8x6): only a symmetric cut is sized by one number", cut->id);
        rho = 1;
    }
    if (cut->symmetric && rho != 1)
        return lw_err_set(err, LW_EINVAL, "%s: a symmetric cut's width equals its length "
                          "(ratio 1, not %g)", cut->id, rho);
    if (!(rho > 0 && rho <= 10))
        return lw_err_set(err, LW_EINVAL, "%s: a width-to-length ratio of %g is outside "
                          "0 ... 10", cut->id, rho);
    double dp = depth_pct == 0 ? cut->depth_pct : depth_pct;
    if (!(dp >= 10 && dp <= 200))
        return lw_err_set(err, LW_EINVAL, "%s: a depth of %g %% of the width is outside "
                          "10 ... 200 %%", cut->id, dp);
    /* ct = k L W D with W = rho L and D = dp/100 W: ct = k rho² dp/100 L³. */
    double k = solid_factor(cut->solid) * cut->correction * stone->sg * 0.005;
    double l = cbrt((double)target / 1000.0 / (k * rho * rho * dp / 100.0));
    double w = rho * l, d = dp / 100.0 * w;
    if (!(l <= LW_GEM_DIM_MAX_MM && w <= LW_GEM_DIM_MAX_MM && d <= LW_GEM_DIM_MAX_MM))
        return lw_err_set(err, LW_EINVAL, "%s: a %g ct %s would be %.1f x %.1f x %.1f mm, "
                          "larger than any stone lostwax handles", cut->id,
                          (double)target / 1000.0, stone->id, l, w, d);
    out->length = l;
    out->width = w;
    out->depth = d;
    return LW_OK;
}

/* ---- reading what people type ----------------------------------------------------------- */



lw_rc lw_gem_parse_dims(const char *text, double dims[3], int *count, lw_err *err)
{
    dims[0] = dims[1] = dims[2] = 0;
    *count = 0;
    const char *p = text, *end = text + strlen(text), *stop;
    int n = 0;
    bool ok = false;
    lw_skip_blanks(&p, end);
    for (;;) {
        double v;
        if (!lw_parse_f64(p, end, &v, &stop))
            break;
        if (!measure_ok(v)) {
            dims[0] = dims[1] = dims[2] = 0;
            return lw_err_set(err, LW_EINVAL, "'%.40s': %g mm is outside 0 ... %g mm", text, v,
                              LW_GEM_DIM_MAX_MM);
        }
        dims[n++] = v;
        p = stop;
        lw_skip_blanks(&p, end);
        lw_eat_word(&p, end, "mm");
        lw_skip_blanks(&p, end);
        if (p == end) {
            ok = true;
            break;
        }
        if (n == 3)
            break;
        if (p < end && (*p == 'x' || *p == 'X' || *p == '*'))
            p++;
        else if (!lw_eat_word(&p, end, "\xc3\x97")) /* the multiplication sign */
            break;
        lw_skip_blanks(&p, end);
    }
    if (!ok) {
        dims[0] = dims[1] = dims[2] = 0;
        return lw_err_set(err, LW_EINVAL, "'%.40s' is not a stone's size: write the diameter "
                          "or length x width [x depth] in mm (6.5, 8x6, 8x6x3.8)", text);
    }
    *count = n;
    return LW_OK;
}

lw_rc lw_gem_parse_carat(const char *text, lw_mct *out, lw_err *err)
{
    *out = 0;
    const char *p = text, *end = text + strlen(text), *stop;
    lw_skip_blanks(&p, end);
    double v;
    bool ok = lw_parse_f64(p, end, &v, &stop);
    if (ok) {
        p = stop;
        lw_skip_blanks(&p, end);
        lw_eat_word(&p, end, "ct");
        lw_skip_blanks(&p, end);
        ok = p == end;
    }
    if (!ok)
        return lw_err_set(err, LW_EINVAL, "'%.40s' is not a weight in carats (1, 1.25ct)",
                          text);
    if (!(v > 0 && v <= LW_GEM_CT_MAX))
        return lw_err_set(err, LW_EINVAL, "%g ct is outside 0 ... %g ct", v, LW_GEM_CT_MAX);
    *out = lw_round_i64(v * 1000.0);
    if (*out == 0)
        return lw_err_set(err, LW_EINVAL, "%g ct is below 0.001 ct", v);
    return LW_OK;
}
