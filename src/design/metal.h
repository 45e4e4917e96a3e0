/* lostwax: alloys and pattern materials, and the weights the studio works out with them: the
 * metal of a design's volume, the metal to melt for a wax or resin pattern, net/fine/gross
 * weights for the ledger, and conversion between alloys.
 *
 * The table is data (data/metals.tsv): one row per alloy or pattern material with its density
 * in g/cm³ (numerically mg/mm³), its fineness in parts per thousand of its fine metal and a
 * preview colour. A studio loads its own rows on top: a row whose id is already loaded replaces
 * it, a new id is added. Weights are integer milligrams, rounded half away from zero.
 * Pure computation: no file I/O, no globals.
 */
#ifndef LW_DESIGN_METAL_H
#define LW_DESIGN_METAL_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/units.h"

#define LW_METAL_ID_MAX 40   /* id, NUL included: [a-z0-9._-] */
#define LW_METAL_NAME_MAX 64
#define LW_METAL_SOURCE_MAX 320
#define LW_METAL_ROWS_MAX 4096    /* alloys in one table */
#define LW_METAL_TEXT_MAX 1048576 /* bytes of one table file */

/* Densities outside this range (g/cm³) are refused: nothing a studio casts or prints is lighter
 * than 0.5 or heavier than 25 (osmium, the densest element, is 22.6). */
#define LW_DENSITY_MIN 0.5
#define LW_DENSITY_MAX 25.0

/* The sprue and button allowance added to a pattern's weight before converting it to metal,
 * percent (Rio Grande, Romanoff, TinkerMill: trade.md 3.2). */
#define LW_SPRUE_DEFAULT_PCT 10.0
#define LW_SPRUE_MAX_PCT 500.0

/* Volumes and weights beyond these are refused as input errors (a cubic metre; a tonne). */
#define LW_VOLUME_MAX_MM3 1e9
#define LW_WEIGHT_MAX_MG ((lw_mg)1000000000)

typedef enum lw_metal_kind {
    LW_METAL_ALLOY = 1,  /* something cast: precious or base alloy */
    LW_METAL_PATTERN = 2 /* what a pattern is made of: wax, castable resin */
} lw_metal_kind;

typedef struct lw_metal {
    char id[LW_METAL_ID_MAX];     /* "18k-yellow", "sterling", "wax" */
    char name[LW_METAL_NAME_MAX]; /* "18K yellow gold" */
    lw_metal_kind kind;
    double density;               /* g/cm³ = mg/mm³ */
    lw_permille fineness;         /* of `fine`; 0 for base metals and patterns */
    char fine[4];                 /* "Au", "Ag", "Pt", "Pd", or "" */
    uint32_t rgb;                 /* preview colour, sRGB 0xRRGGBB */
    char source[LW_METAL_SOURCE_MAX];
} lw_metal;

/* A table. Pointers to its rows stay valid until the next load into it or lw_metals_clear(). */
typedef struct lw_metals {
    lw_metal *items; /* owned, in load order (a replaced row keeps its place) */
    size_t n, cap;
} lw_metals;

void lw_metals_init(lw_metals *t);
void lw_metals_clear(lw_metals *t);

/* Loads len bytes of TSV (columns id, name, kind, density, fineness, fine, colour, source, in
 * any order) into the table; `name` prefixes messages ("metals.tsv: line 12: density 'abc' is
 * not a number"). Rows with an id already in the table replace those rows; new ids are added.
 * Returns LW_OK, LW_EFORMAT (malformed text, unknown or missing column, a bad cell, an id twice
 * in one file), LW_ELIMIT (too large, too many rows) or LW_ENOMEM. On failure the table is
 * unchanged. */
lw_rc lw_metals_load(lw_metals *t, const char *text, size_t len, const char *name, lw_err *err);

/* The row with this id (case-insensitive; '_' and ' ' read as '-'), or NULL. */
const lw_metal *lw_metals_find(const lw_metals *t, const char *id);

/* As lw_metals_find, limited to the kinds in the mask `kinds` (LW_METAL_ALLOY |
 * LW_METAL_PATTERN). A miss is LW_ENOTFOUND naming what exists of those kinds; a row of another
 * kind is LW_EINVAL ("'sterling' is an alloy, not a pattern material"). */
lw_rc lw_metals_get(const lw_metals *t, const char *id, int kinds, const lw_metal **out,
                    lw_err *err);

/* The weight of volume_mm3 of the material: mm³ x density, in mg.
 * LW_EINVAL for a negative, non-finite or absurd (> LW_VOLUME_MAX_MM3) volume. */
lw_rc lw_metal_weight(const lw_metal *m, double volume_mm3, lw_mg *out, lw_err *err);

/* The metal to melt for a pattern that weighs pattern_mg:
 *   pattern_mg x (1 + sprue_pct / 100) x density(metal) / density(pattern).
 * The allowance is added to the pattern (the tree's sprues and button are wax too) before the
 * conversion, as Rio Grande's worked example does. LW_EINVAL if `pattern` is not a pattern
 * material, `metal` not an alloy, the weight negative or above LW_WEIGHT_MAX_MG, or sprue_pct
 * outside 0 ... LW_SPRUE_MAX_PCT. */
lw_rc lw_metal_melt(const lw_metal *pattern, const lw_metal *metal, lw_mg pattern_mg,
                    double sprue_pct, lw_mg *out, lw_err *err);

/* The same piece in another material: mg x density(to) / density(from) (Stuller: sterling
 * 4 dwt -> 14K 5.02 dwt). LW_EINVAL for a negative or absurd weight. */
lw_rc lw_metal_convert(const lw_metal *from, const lw_metal *to, lw_mg mg, lw_mg *out,
                       lw_err *err);

/* Weights of a finished piece for the ledger. */
typedef struct lw_piece_weight {
    lw_mg net;   /* the metal of the piece */
    lw_mg fine;  /* net x fineness / 1000: the fine metal in it */
    lw_mg gross; /* net plus the stones (1 ct = 200 mg) */
} lw_piece_weight;

/* Net, fine and gross weight of a piece of `net_mg` of alloy m set with `stones` 1/1000 ct.
 * LW_EINVAL if m is a pattern material or a weight is negative or absurd. */
lw_rc lw_metal_piece_weight(const lw_metal *m, lw_mg net_mg, lw_mct stones, lw_piece_weight *out,
                            lw_err *err);

/* Reads a sprue allowance: "10", "10%", "12.5 %". LW_EINVAL if not a number in
 * 0 ... LW_SPRUE_MAX_PCT. */
lw_rc lw_metal_parse_pct(const char *text, double *pct, lw_err *err);

#endif
