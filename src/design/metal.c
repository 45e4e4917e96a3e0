/* lostwax: the alloy table and the metal-weight calculations (see metal.h; the figures and the
 * choices between sources: data/metals.tsv and docs/internals/calculators.md).
 *
 * Loading is all-or-nothing: every new row is read and checked, and room is made for the added
 * ones, before the table is touched, so a bad studio file leaves the shipped table as it was.
 */
#include "design/metal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/text.h"
#include "base/vec.h"
#include "base/table.h"

enum { C_ID, C_NAME, C_KIND, C_DENSITY, C_FINENESS, C_FINE, C_COLOUR, C_SOURCE, C_N };
static const char *const k_cols[C_N] = {"id",       "name", "kind",   "density",
                                        "fineness", "fine", "colour", "source"};

static const char *const k_fine_metals[] = {"Au", "Ag", "Pt", "Pd"};

void lw_metals_init(lw_metals *t) { memset(t, 0, sizeof *t); }

void lw_metals_clear(lw_metals *t)
{
    lw_free(t->items);
    memset(t, 0, sizeof *t);
}


static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool parse_colour(const char *s, uint32_t *out)
{
    if (strlen(s) != 7 || s[0] != '#')
        return false;
    uint32_t v = 0;
    for (int i = 1; i < 7; i++) {
        int d = hex_digit(s[i]);
        if (d < 0)
            return false;
        v = v << 4 | (uint32_t)d;
    }
    *out = v;
    return true;
}

/* Reads one row of the table into *m; messages name the file, the line and the column. */
static lw_rc read_row(const lw_tsv *t, size_t r, const long *col, const char *name, void *row,
                      lw_err *err)
{
    lw_metal *m = row;
    size_t line = t->row_line[r];
    const char *cell[C_N];
    for (int c = 0; c < C_N; c++)
        cell[c] = lw_tsv_cell(t, r, (size_t)col[c]);
    memset(m, 0, sizeof *m);
    lw_rc rc = lw_table_ident(cell[C_ID], cell[C_NAME], cell[C_SOURCE], line, name, m->id,
                              sizeof m->id, m->name, sizeof m->name, m->source, sizeof m->source,
                              err);
    if (rc)
        return rc;
    if (strcmp(cell[C_KIND], "alloy") == 0)
        m->kind = LW_METAL_ALLOY;
    else if (strcmp(cell[C_KIND], "pattern") == 0)
        m->kind = LW_METAL_PATTERN;
    else
        return lw_err_set(err, LW_EFORMAT, "%s: line %zu: kind '%.40s' is not alloy or pattern",
                          name, line, cell[C_KIND]);
    if ((rc = lw_table_number(cell[C_DENSITY], "density", m->id, LW_DENSITY_MIN, LW_DENSITY_MAX,
                              line, name, &m->density, err)))
        return rc;
    const char *fs = cell[C_FINENESS], *stop;
    int64_t fineness;
    if (!lw_parse_i64(fs, fs + strlen(fs), &fineness, &stop) || *stop)
        return lw_err_set(err, LW_EFORMAT, "%s: line %zu: fineness '%.40s' is not a whole "
                          "number of parts per thousand", name, line, fs);
    if (fineness < 0 || fineness > 1000)
        return lw_err_set(err, LW_EFORMAT, "%s: line %zu: fineness %lld is outside 0 ... 1000",
                          name, line, (long long)fineness);
    m->fineness = (lw_permille)fineness;
    bool known = strcmp(cell[C_FINE], "-") == 0;
    for (size_t i = 0; i < sizeof k_fine_metals / sizeof k_fine_metals[0]; i++)
        if (strcmp(cell[C_FINE], k_fine_metals[i]) == 0) {
            snprintf(m->fine, sizeof m->fine, "%s", k_fine_metals[i]);
            known = true;
        }
    if (!known)
        return lw_err_set(err, LW_EFORMAT, "%s: line %zu: fine '%.40s' is not Au, Ag, Pt, Pd or "
                          "-", name, line, cell[C_FINE]);
    if ((m->fineness > 0) != (m->fine[0] != 0))
        return lw_err_set(err, LW_EFORMAT, "%s: line %zu: %s: a fineness needs its fine metal "
                          "and a fine metal its fineness (fineness 0 with fine -)", name, line,
                          m->id);
    if (m->kind == LW_METAL_PATTERN && m->fineness != 0)
        return lw_err_set(err, LW_EFORMAT, "%s: line %zu: %s is a pattern material: its "
                          "fineness is 0", name, line, m->id);
    if (!parse_colour(cell[C_COLOUR], &m->rgb))
        return lw_err_set(err, LW_EFORMAT, "%s: line %zu: colour '%.40s' is not #RRGGBB", name,
                          line, cell[C_COLOUR]);
    return LW_OK;
}


lw_rc lw_metals_load(lw_metals *t, const char *text, size_t len, const char *name, lw_err *err)
{
    static const lw_table_spec spec = {"metal", k_cols, C_N, sizeof(lw_metal), LW_METAL_TEXT_MAX,
                                       LW_METAL_ROWS_MAX, read_row};
    void *items = t->items;
    lw_rc rc = lw_table_load(&spec, &items, &t->n, &t->cap, text, len, name, err);
    t->items = items;
    return rc;
}

const lw_metal *lw_metals_find(const lw_metals *t, const char *id)
{
    for (size_t i = 0; i < t->n; i++)
        if (lw_table_id_eq(t->items[i].id, id))
            return &t->items[i];
    return NULL;
}

static const char *kind_name(lw_metal_kind k)
{
    return k == LW_METAL_PATTERN ? "a pattern material" : "an alloy";
}

lw_rc lw_metals_get(const lw_metals *t, const char *id, int kinds, const lw_metal **out,
                    lw_err *err)
{
    *out = NULL;
    const lw_metal *m = lw_metals_find(t, id);
    if (m && (m->kind & kinds)) {
        *out = m;
        return LW_OK;
    }
    bool one = kinds == LW_METAL_ALLOY || kinds == LW_METAL_PATTERN;
    const char *want = kinds == LW_METAL_PATTERN ? "pattern material" : "alloy";
    if (m)
        return lw_err_set(err, LW_EINVAL, "'%s' is %s, not %s %s", m->id, kind_name(m->kind),
                          kinds == LW_METAL_PATTERN ? "a" : "an", want);
    char list[400] = "";
    size_t len = 0;
    for (size_t i = 0; i < t->n && len < sizeof list; i++) {
        if (!(t->items[i].kind & kinds))
            continue;
        int w = snprintf(list + len, sizeof list - len, "%s%s", len ? ", " : "",
                         t->items[i].id);
        len += w > 0 ? (size_t)w : 0;
    }
    if (len >= sizeof list)
        memcpy(list + sizeof list - 5, "...", 4);
    return lw_err_set(err, LW_ENOTFOUND, "no %s '%.40s' (known: %s)", one ? want : "metal", id,
                      len ? list : "none loaded");
}

static lw_rc check_mg(lw_mg mg, const char *what, lw_err *err)
{
    if (mg < 0 || mg > LW_WEIGHT_MAX_MG)
        return lw_err_set(err, LW_EINVAL, "%s of %lld mg is outside 0 ... %lld mg", what,
                          (long long)mg, (long long)LW_WEIGHT_MAX_MG);
    return LW_OK;
}

lw_rc lw_metal_weight(const lw_metal *m, double volume_mm3, lw_mg *out, lw_err *err)
{
    *out = 0;
    if (!(volume_mm3 >= 0 && volume_mm3 <= LW_VOLUME_MAX_MM3))
        return lw_err_set(err, LW_EINVAL, "a volume of %g mm3 is outside 0 ... %g mm3",
                          volume_mm3, LW_VOLUME_MAX_MM3);
    *out = lw_round_i64(volume_mm3 * m->density);
    return LW_OK;
}

lw_rc lw_metal_melt(const lw_metal *pattern, const lw_metal *metal, lw_mg pattern_mg,
                    double sprue_pct, lw_mg *out, lw_err *err)
{
    *out = 0;
    if (pattern->kind != LW_METAL_PATTERN)
        return lw_err_set(err, LW_EINVAL, "'%s' is %s, not a pattern material", pattern->id,
                          kind_name(pattern->kind));
    if (metal->kind != LW_METAL_ALLOY)
        return lw_err_set(err, LW_EINVAL, "'%s' is %s: cast an alloy", metal->id,
                          kind_name(metal->kind));
    lw_rc rc = check_mg(pattern_mg, "a pattern weight", err);
    if (rc)
        return rc;
    if (!(sprue_pct >= 0 && sprue_pct <= LW_SPRUE_MAX_PCT))
        return lw_err_set(err, LW_EINVAL, "a sprue allowance of %g %% is outside 0 ... %g %%",
                          sprue_pct, LW_SPRUE_MAX_PCT);
    double tree = (double)pattern_mg * (1.0 + sprue_pct / 100.0);
    *out = lw_round_i64(tree * metal->density / pattern->density);
    return LW_OK;
}

lw_rc lw_metal_convert(const lw_metal *from, const lw_metal *to, lw_mg mg, lw_mg *out,
                       lw_err *err)
{
    *out = 0;
    lw_rc rc = check_mg(mg, "a weight", err);
    if (rc)
        return rc;
    *out = lw_round_i64((double)mg * to->density / from->density);
    return LW_OK;
}

lw_rc lw_metal_piece_weight(const lw_metal *m, lw_mg net_mg, lw_mct stones, lw_piece_weight *out,
                            lw_err *err)
{
    memset(out, 0, sizeof *out);
    if (m->kind != LW_METAL_ALLOY)
        return lw_err_set(err, LW_EINVAL, "'%s' is %s: a piece is weighed in its alloy", m->id,
                          kind_name(m->kind));
    lw_rc rc = check_mg(net_mg, "a net weight", err);
    if (rc)
        return rc;
    /* 1 ct = 200 mg, so 1/1000 ct = 0.2 mg; the same bound as the metal (a tonne). */
    if (stones < 0 || stones > LW_WEIGHT_MAX_MG * 5)
        return lw_err_set(err, LW_EINVAL, "stones of %lld/1000 ct are outside 0 ... %lld/1000 "
                          "ct", (long long)stones, (long long)(LW_WEIGHT_MAX_MG * 5));
    out->net = net_mg;
    /* Integers throughout, so the ledger's sums are exact; both products fit easily in 64 bits
     * within the limits above. Non-negative, so adding half rounds half away from zero. */
    out->fine = (net_mg * m->fineness + 500) / 1000;
    out->gross = net_mg + (stones + 2) / 5;
    return LW_OK;
}

lw_rc lw_metal_parse_pct(const char *text, double *pct, lw_err *err)
{
    *pct = 0;
    const char *p = text, *end = text + strlen(text), *stop;
    while (p < end && *p == ' ')
        p++;
    double v;
    if (!lw_parse_f64(p, end, &v, &stop))
        return lw_err_set(err, LW_EINVAL, "'%.40s' is not a percentage (write 10 or 10%%)",
                          text);
    p = stop;
    while (p < end && *p == ' ')
        p++;
    if (p < end && *p == '%')
        p++;
    while (p < end && *p == ' ')
        p++;
    if (p != end)
        return lw_err_set(err, LW_EINVAL, "'%.40s' is not a percentage (write 10 or 10%%)",
                          text);
    if (!(v >= 0 && v <= LW_SPRUE_MAX_PCT))
        return lw_err_set(err, LW_EINVAL, "%g %% is outside 0 ... %g %%", v, LW_SPRUE_MAX_PCT);
    *pct = v;
    return LW_OK;
}
