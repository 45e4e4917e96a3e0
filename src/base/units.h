/* lostwax: explicit units.
 *
 * Lengths in geometry are double millimetres. Quantities the shop books are integers, so sums are
 * exact and the same on every machine: metal in milligrams, stones in 1/1000 carat, fineness in
 * per-mille, ring sizes as inner circumference in 1/100 mm, money in minor units (cents).
 * Conversions round half away from zero.
 */
#ifndef LW_BASE_UNITS_H
#define LW_BASE_UNITS_H

#include <stddef.h>
#include <stdint.h>

typedef int64_t lw_mg;        /* metal weight, milligrams */
typedef int64_t lw_mct;       /* stone weight, 1/1000 carat */
typedef int32_t lw_permille;  /* fineness, parts per thousand of fine metal */
typedef int32_t lw_circ_cmm;  /* ring inner circumference, 1/100 mm */
typedef int64_t lw_minor;     /* money, minor units of the studio's currency */

/* Troy weights, exact by definition: 1 grain = 64.79891 mg, 1 dwt = 24 grains,
 * 1 ozt = 480 grains. */
#define LW_MG_PER_DWT 1555.17384
#define LW_MG_PER_OZT 31103.4768
#define LW_MG_PER_CT 200.0

/* A density in g/cm³ is numerically mg/mm³, so mg = mm³ x density. */
lw_mg lw_mg_from_volume(double volume_mm3, double density_g_cm3);

/* Round half away from zero to the nearest integer (for unit conversions). */
int64_t lw_round_i64(double v);

typedef enum lw_weight_unit { LW_WEIGHT_G, LW_WEIGHT_DWT, LW_WEIGHT_OZT } lw_weight_unit;

/* Parses "g", "dwt", "ozt" (case-insensitive). Returns 0 on success, -1 if unknown. */
int lw_weight_unit_parse(const char *s, lw_weight_unit *out);
const char *lw_weight_unit_name(lw_weight_unit u);

/* The weight in the unit as a double (g, dwt or ozt). */
double lw_mg_to(lw_mg mg, lw_weight_unit u);

/* Formats mg as text in the unit with a sensible number of decimals ("9.706 g", "6.241 dwt",
 * "0.3121 ozt"). Always NUL-terminates; returns buf. */
char *lw_mg_format(lw_mg mg, lw_weight_unit u, char *buf, size_t size);

/* Formats 1/1000 carat as "1.000 ct". */
char *lw_mct_format(lw_mct mct, char *buf, size_t size);

#endif
