/* lostwax: gemstones and cuts, and the carat weight of a stone from its measurements.
 *
 * The model is JewelCraft's (trade.md 1.2): volume = base solid(L, W, D) x the cut's correction,
 * where the solid is a cone pi/12·L·W·D, a pyramid L·W·D/3, a prism L·W·D/2 or a tetrahedron
 * L·W·D/6; weight g = mm³ x SG / 1000 and 1 ct = 0.2 g, so 1/1000 ct = mm³ x SG x 5, rounded
 * half away from zero. The trade's diamond formulas (trade.md 4.1: round D²·depth·0.0061 ...)
 * are given beside it as a second opinion where the cut has one.
 *
 * Stones (data/gems.tsv: id, name, sg, source) and cuts (data/cuts.tsv: id, name, solid,
 * correction, symmetric, depth, trade, source) are data; a studio loads its own rows on top (a
 * row whose id is loaded replaces it, a new id is added). Pure computation: no I/O, no globals.
 */
#ifndef LW_DESIGN_GEM_H
#define LW_DESIGN_GEM_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "base/units.h"

#define LW_GEM_ID_MAX 40 /* id, NUL included: [a-z0-9._-] */
#define LW_GEM_NAME_MAX 64
#define LW_GEM_SOURCE_MAX 320
#define LW_GEM_ROWS_MAX 1024     /* stones, or cuts, in one table */
#define LW_GEM_TEXT_MAX 1048576  /* bytes of one table file */
#define LW_GEM_DIM_MAX_MM 100.0  /* a stone's length, width or depth */
#define LW_GEM_CT_MAX 10000.0    /* the largest weight asked for or computed, ct */
#define LW_GEM_TRADE_POINTS 8    /* factor-by-ratio points of one trade formula */
/* The diamond SG the trade formulas assume; other stones scale them by SG / this (trade.md 4.2,
 * 4.3: diamond 3.51-3.53, 3.52 typical). */
#define LW_GEM_TRADE_DIAMOND_SG 3.52

typedef struct lw_stone {
    char id[LW_GEM_ID_MAX];     /* "diamond", "sapphire", "cubic-zirconia" */
    char name[LW_GEM_NAME_MAX];
    double sg;                  /* specific gravity = g/cm³ */
    char source[LW_GEM_SOURCE_MAX];
} lw_stone;

typedef enum lw_gem_solid {
    LW_SOLID_CONE,       /* pi/12 · L · W · D */
    LW_SOLID_PYRAMID,    /* L · W · D / 3 */
    LW_SOLID_PRISM,      /* L · W · D / 2 */
    LW_SOLID_TETRAHEDRON /* L · W · D / 6 */
} lw_gem_solid;

typedef enum lw_gem_trade {
    LW_TRADE_NONE,   /* no trade formula for this cut */
    LW_TRADE_MEAN_D, /* ((L + W) / 2)² · D · f */
    LW_TRADE_LWD     /* L · W · D · f */
} lw_gem_trade;

typedef struct lw_cut {
    char id[LW_GEM_ID_MAX]; /* "round", "oval", "princess" */
    char name[LW_GEM_NAME_MAX];
    lw_gem_solid solid;
    double correction;      /* volume = solid x correction */
    bool symmetric;         /* one number gives its size (W = L): round, square, asscher... */
    double depth_pct;       /* depth assumed when none is given, % of the width */
    lw_gem_trade trade;
    int trade_n;            /* points below; 1 = a constant factor */
    double trade_ratio[LW_GEM_TRADE_POINTS];  /* length/width ratio, ascending */
    double trade_factor[LW_GEM_TRADE_POINTS]; /* f at that ratio (interpolated, held at ends) */
    char source[LW_GEM_SOURCE_MAX];
} lw_cut;

/* The stone and cut tables. Pointers into them stay valid until the next load or clear. */
typedef struct lw_gem_tables {
    lw_stone *stones;
    size_t nstones, cap_stones;
    lw_cut *cuts;
    size_t ncuts, cap_cuts;
} lw_gem_tables;

void lw_gem_tables_init(lw_gem_tables *t);
void lw_gem_tables_clear(lw_gem_tables *t);

/* Load len bytes of TSV into the stone or the cut table; `name` prefixes messages
 * ("gems.tsv: line 9: sg 'x' is not a number"). Rows whose id is loaded replace those rows; new
 * ids are added. Returns LW_OK, LW_EFORMAT (malformed text, unknown or missing column, a bad
 * cell, an id twice in one file), LW_ELIMIT or LW_ENOMEM. On failure the tables are unchanged. */
lw_rc lw_gem_load_stones(lw_gem_tables *t, const char *text, size_t len, const char *name,
                         lw_err *err);
lw_rc lw_gem_load_cuts(lw_gem_tables *t, const char *text, size_t len, const char *name,
                       lw_err *err);

/* Rows by id (case-insensitive; '_' and ' ' read as '-'), or NULL. */
const lw_stone *lw_gem_find_stone(const lw_gem_tables *t, const char *id);
const lw_cut *lw_gem_find_cut(const lw_gem_tables *t, const char *id);
/* As the find functions; a miss is LW_ENOTFOUND with a message listing what exists. */
lw_rc lw_gem_get_stone(const lw_gem_tables *t, const char *id, const lw_stone **out, lw_err *err);
lw_rc lw_gem_get_cut(const lw_gem_tables *t, const char *id, const lw_cut **out, lw_err *err);

/* The model volume of a stone of this cut, mm³ (no checks: see lw_gem_estimate). */
double lw_gem_volume(const lw_cut *cut, double length, double width, double depth);

typedef struct lw_gem_estimate {
    double length, width, depth; /* mm, as used */
    bool width_assumed;          /* symmetric cut given one number: width = length */
    bool depth_assumed;          /* depth = the cut's depth_pct of the width */
    double volume_mm3;
    lw_mct mct;                  /* the model's weight, 1/1000 ct */
    bool has_trade;              /* the cut has a trade formula (trade_mct is set) */
    lw_mct trade_mct;            /* the trade formula's weight, 1/1000 ct */
} lw_gem_estimate;

/* The weight of a stone length x width x depth mm. width 0: a symmetric cut's width is its
 * length (any other cut needs both). depth 0: the cut's default depth (depth_pct of the width).
 * LW_EINVAL for a missing width, negative, non-finite or over-large (LW_GEM_DIM_MAX_MM)
 * measures; the message names the cut. */
lw_rc lw_gem_estimate_ct(const lw_stone *stone, const lw_cut *cut, double length, double width,
                         double depth, lw_gem_estimate *out, lw_err *err);

/* The trade formula's weight for the cut (trade.md 4.1), scaled by SG / 3.52 for stones other
 * than diamond (4.2). LW_EUNSUPPORTED when the cut has none (cushion, radiant, asscher...),
 * LW_EINVAL for bad measures. */
lw_rc lw_gem_trade_ct(const lw_stone *stone, const lw_cut *cut, double length, double width,
                      double depth, lw_mct *out, lw_err *err);

typedef struct lw_gem_dims {
    double length, width, depth; /* mm */
} lw_gem_dims;

/* The size of a stone of this cut that weighs `target` 1/1000 ct, by the model inverted in
 * closed form: weight = k · L · W · D with W = wl_ratio · L and D = depth_pct% · W, so
 * L = cbrt(weight / (k · wl_ratio² · depth_pct/100)). wl_ratio = width / length: 0 means 1 for
 * a symmetric cut (a round stone's diameter) and is required for any other; depth_pct 0 means
 * the cut's default. LW_EINVAL for a target outside 0 ... LW_GEM_CT_MAX, a bad ratio or depth,
 * or a stone larger than LW_GEM_DIM_MAX_MM. */
lw_rc lw_gem_size_for_carat(const lw_stone *stone, const lw_cut *cut, lw_mct target,
                            double wl_ratio, double depth_pct, lw_gem_dims *out, lw_err *err);

/* Reads measures as people type them: "6.5", "6.5mm", "8x6", "8 x 6 x 3.8 mm", "8×6×3.8",
 * "8*6". dims[0..count) get length, width, depth. LW_EINVAL unless 1-3 positive numbers of at
 * most LW_GEM_DIM_MAX_MM. */
lw_rc lw_gem_parse_dims(const char *text, double dims[3], int *count, lw_err *err);

/* Reads a weight in carats: "1", "1.25", "1.25ct", "0.5 ct". LW_EINVAL unless above 0 and at
 * most LW_GEM_CT_MAX ct. */
lw_rc lw_gem_parse_carat(const char *text, lw_mct *out, lw_err *err);

#endif
